//! The sandbox's data: every seeded entity (users, groups, mail, chats, files, tasks, …) in one
//! store, each knowing where it is listed and which subscriptions watch it, so that a write
//! becomes exactly the notifications Graph would send.
//!
//! Look-ups (`routes`), writes (`writes`), the control API's "emit a change" and delivery all go
//! through [`Store`] and [`Change`]; the kinds of entity are a table (`kinds`), the seeded tenant
//! is `seed`, and every spelling of a path is reduced to one (`paths`).

pub mod actions;
pub mod delta;
pub mod kinds;
pub mod paths;
pub mod routes;
pub mod seed;
pub mod upgrade;
pub mod writes;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use kinds::Kind;

/// One entity of the sandbox tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    /// Canonical path, e.g. `users/{id}/messages/{id}`.
    pub path: String,
    /// The kind's name (`kinds::KINDS`).
    pub kind: String,
    /// Further canonical collections that list it (a message is in its mailbox and its folder).
    #[serde(default)]
    pub also_in: Vec<String>,
    /// Users who may see it with a delegated token (empty: anyone with the permission). A
    /// delegated caller holding a `….All` permission of the kind sees it regardless.
    #[serde(default)]
    pub audience: Vec<String>,
    /// The JSON Graph returns for it.
    pub body: Value,
}

impl Entity {
    /// The kind's row.
    pub fn kind(&self) -> Option<&'static Kind> {
        kinds::named(&self.kind)
    }

    /// The collection it was created in.
    pub fn collection(&self) -> &str {
        self.path.rsplit_once('/').map_or("", |(parent, _)| parent)
    }

    /// Its id (last path segment).
    pub fn id(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or_default()
    }

    /// Whether a `GET` of `collection` lists it.
    pub fn listed_in(&self, collection: &str) -> bool {
        self.collection() == collection || self.also_in.iter().any(|c| c == collection)
    }
}

/// Every entity, in insertion order (look-ups page in that order).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Store {
    /// The entities.
    pub entities: Vec<Entity>,
    /// Ids handed out so far (ids are deterministic per seed and sequence).
    pub issued: u64,
    /// Mixed into ids so two seeds differ.
    pub salt: u64,
    /// Every change announced, for delta queries.
    #[serde(default)]
    pub journal: delta::Journal,
}

impl Store {
    /// An empty store whose ids depend on `seed`.
    pub fn new(seed: u64) -> Store {
        Store {
            salt: seed,
            ..Store::default()
        }
    }

    /// The entity at a canonical path.
    pub fn find(&self, path: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.path == path)
    }

    /// The entities a `GET` of a canonical collection lists.
    pub fn listed(&self, collection: &str) -> Vec<&Entity> {
        self.entities
            .iter()
            .filter(|e| e.listed_in(collection))
            .collect()
    }

    /// Adds an entity, replacing one at the same path.
    pub fn put(&mut self, entity: Entity) {
        match self.entities.iter_mut().find(|e| e.path == entity.path) {
            Some(slot) => *slot = entity,
            None => self.entities.push(entity),
        }
    }

    /// Removes and returns the entity at a path, with everything below it.
    pub fn remove(&mut self, path: &str) -> Option<Entity> {
        let index = self.entities.iter().position(|e| e.path == path)?;
        let below = format!("{path}/");
        let removed = self.entities.remove(index);
        self.entities.retain(|e| !e.path.starts_with(&below));
        Some(removed)
    }

    /// A new lowercase id: `prefix` plus 24 hex digits, the same for the same seed and sequence.
    pub fn next_id(&mut self, prefix: &str) -> String {
        self.issued += 1;
        let mut x = self
            .issued
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(self.salt.wrapping_mul(0xBF58_476D_1CE4_E5B9));
        x ^= x >> 31;
        let y = x.wrapping_mul(0x94D0_49BB_1331_11EB);
        format!("{prefix}{:016x}{:08x}", y, self.issued)
    }
}

/// A change to announce: what Graph would name in `resource`, and every canonical path whose
/// subscriptions it concerns.
#[derive(Debug, Clone)]
pub struct Change {
    /// `created`, `updated` or `deleted`.
    pub change_type: String,
    /// The notification's `resource` (e.g. `Users/{id}/Messages/{id}`).
    pub resource: String,
    /// The canonical path the notification is about (a drive item's or list item's parent, a
    /// group for its members).
    pub path: String,
    /// The canonical path of the entity itself (what delta lists; `path` unless the parent is
    /// notified instead).
    pub entity_path: String,
    /// Canonical subscription resources that see it.
    pub watchers: Vec<String>,
    /// `@odata.type`.
    pub odata_type: String,
    /// The entity as it is now (or was, for a deletion); rich notifications carry it.
    pub body: Option<Value>,
    /// Extra `resourceData` properties (`members@delta` for group membership).
    pub resource_data: Map<String, Value>,
    /// Report the subscription's own resource instead of `resource` (drives and lists do).
    pub report_subscribed: bool,
    /// The users whose `/users/{id}/chats/getAllMessages` sees it (chat members).
    pub audience: Vec<String>,
    /// A number no other change of this run has (the version behind an Outlook change key).
    pub sequence: u64,
}

static NEXT_SEQUENCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The next change's [`Change::sequence`].
fn next_sequence() -> u64 {
    NEXT_SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Numbers later changes above `highest` (a restored sandbox's change keys stay new).
pub fn resume_sequences_after(highest: u64) {
    NEXT_SEQUENCE.fetch_max(highest + 1, std::sync::atomic::Ordering::Relaxed);
}

impl Change {
    /// A change with no stored entity behind it (the control API given any path).
    pub fn bare(change_type: &str, raw: &str, canonical: &str) -> Change {
        Change {
            change_type: change_type.to_owned(),
            resource: raw.trim().trim_start_matches('/').to_owned(),
            path: canonical.to_owned(),
            entity_path: canonical.to_owned(),
            watchers: Vec::new(),
            odata_type: "#Microsoft.Graph.Entity".into(),
            body: None,
            resource_data: Map::new(),
            report_subscribed: false,
            audience: Vec::new(),
            sequence: next_sequence(),
        }
    }

    /// The change a stored entity's create, update or delete announces.
    pub fn of(entity: &Entity, change_type: &str, store: &Store) -> Change {
        let Some(kind) = entity.kind() else {
            return Change::bare(change_type, &entity.path, &entity.path);
        };
        let mut watchers = vec![entity.path.clone(), entity.collection().to_owned()];
        watchers.extend(entity.also_in.iter().cloned());
        watchers.extend(kind.watched_by.iter().map(|w| kinds::fill(w, &entity.path)));
        let mut change = Change {
            change_type: change_type.to_owned(),
            resource: kinds::fill(kind.resource, &entity.path),
            path: entity.path.clone(),
            entity_path: entity.path.clone(),
            watchers,
            odata_type: kind.odata_type.to_owned(),
            body: Some(entity.body.clone()),
            resource_data: Map::new(),
            report_subscribed: false,
            audience: entity.audience.clone(),
            sequence: next_sequence(),
        };
        if kind.name.starts_with("chat") || kind.name == "channelMessage" {
            for user in chat_members(entity, store) {
                change
                    .watchers
                    .push(format!("users/{user}/chats/getallmessages"));
            }
        }
        if let Some(depth) = kind.notifies_parent {
            let parent: Vec<&str> = entity.path.split('/').take(depth).collect();
            let parent = parent.join("/");
            change.change_type = "updated".into();
            change.report_subscribed = kind.name == "driveItem" || kind.name == "listItem";
            if kind.name.starts_with("group") {
                let relation = if kind.name == "groupMember" {
                    "members@delta"
                } else {
                    "owners@delta"
                };
                let mut delta = json!({ "id": entity.id() });
                if change_type == "deleted" {
                    delta["@removed"] = json!({ "reason": "deleted" });
                }
                change.resource_data.insert(relation.into(), json!([delta]));
                change.body = store.find(&parent).map(|g| g.body.clone());
                change.watchers.push("groups".into());
                // Groups delta lists the group, its members' change in `members@delta`.
                change.entity_path.clone_from(&parent);
            }
            change.path.clone_from(&parent);
            change.watchers.push(parent);
        }
        change
    }
}

/// The members of the chat an entity belongs to (for `/users/{id}/chats/getAllMessages`).
fn chat_members(entity: &Entity, store: &Store) -> Vec<String> {
    let mut parts = entity.path.split('/');
    match (parts.next(), parts.next()) {
        (Some("chats"), Some(chat)) => store
            .find(&format!("chats/{chat}"))
            .map(|c| c.audience.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// A time as Graph writes subscription expirations: UTC with seven fractional digits
/// (`2016-11-20T18:23:45.9356913Z`), from Unix seconds and the nanoseconds asked for.
pub fn graph_time(unix: i64, nanoseconds: u32) -> String {
    let whole = timestamp(unix);
    match whole.strip_suffix('Z') {
        Some(seconds) => format!("{seconds}.{:07}Z", nanoseconds.min(999_999_999) / 100),
        None => whole,
    }
}

/// An RFC 3339 time for Unix seconds.
pub fn timestamp(unix: i64) -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_times_have_seven_fractional_digits() {
        assert_eq!(graph_time(0, 0), "1970-01-01T00:00:00.0000000Z");
        assert_eq!(
            graph_time(1_479_666_225, 935_691_300),
            "2016-11-20T18:23:45.9356913Z"
        );
        assert_eq!(
            graph_time(1_479_666_225, 999_999_999),
            "2016-11-20T18:23:45.9999999Z"
        );
        assert_eq!(
            graph_time(1_479_666_225, u32::MAX),
            "2016-11-20T18:23:45.9999999Z"
        );
    }
}
