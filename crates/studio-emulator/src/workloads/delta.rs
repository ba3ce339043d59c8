//! Delta queries over the sandbox's content, with Graph's paging and token semantics, so the
//! app's reconciliation (and a user's own sync code) can be tested without a tenant.
//!
//! Every change the sandbox announces is written to a bounded [`Journal`]. A `GET …/delta`
//! without a token is a full sync: every item the collection lists now, in pages linked by
//! `@odata.nextLink`, the last page carrying an `@odata.deltaLink` whose `$deltatoken` marks the
//! journal's position when the sync began. The same link later answers the items changed since,
//! each once in its latest state; deleted ones as `{"id", "@removed": {"reason"}}` (a drive item
//! as `{"id", "deleted": {}}`). A token the sandbox no longer knows (the journal was trimmed past
//! it, the state was reset, directory tokens older than seven days, or the control API forgot
//! every token) answers `410 Gone` with `syncStateNotFound` and a `Location` to start again.
//!
//! Which collections have delta follows Graph v1.0: mail folder messages, contact folder
//! contacts, the calendar view, users, groups, drive roots, channel messages and To Do tasks.
//! The sandbox's calendar view lists every event of the calendar whatever
//! `startDateTime`/`endDateTime` say.

use std::collections::{HashMap, VecDeque};

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::kinds::Family;
use super::routes::{collection_kind, may, missing, owner_visible, sees, select};
use super::{Change, Store, paths};
use crate::caller::Caller;
use crate::server::{Shared, graph_error};

/// Changes kept; a token older than the oldest kept one is expired (Outlook's "cache size").
pub const JOURNAL_CAPACITY: usize = 10_000;
/// Directory tokens (users, groups) expire after seven days, as Graph's do.
pub const DIRECTORY_TOKEN_SECONDS: i64 = 7 * 24 * 3600;
/// Items per page unless `Prefer: odata.maxpagesize` asks for fewer.
pub const PAGE_SIZE: usize = 100;

/// One announced change, as delta needs it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// Position in the journal.
    pub seq: u64,
    /// The canonical path that changed.
    pub path: String,
    /// Collections (and entities) whose subscriptions see it: delta of any of them lists it.
    pub watchers: Vec<String>,
    /// The change's sequence (behind its Outlook change key).
    pub change_sequence: u64,
    /// `@odata.type` of the item.
    pub odata_type: String,
    /// Who may see it once it is gone.
    #[serde(default)]
    pub audience: Vec<String>,
}

/// The sandbox's change journal.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Journal {
    /// Changes when the state was reset or every token forgotten: older tokens are expired.
    pub epoch: u64,
    /// The last position handed out.
    pub last: u64,
    /// The oldest changes first.
    pub entries: VecDeque<JournalEntry>,
}

impl Journal {
    /// Writes down a change.
    pub fn record(&mut self, change: &Change) {
        self.last += 1;
        self.entries.push_back(JournalEntry {
            seq: self.last,
            // Delta lists the item that changed, not the parent its notification names.
            path: change.entity_path.clone(),
            watchers: change.watchers.clone(),
            change_sequence: change.sequence,
            odata_type: change.odata_type.clone(),
            audience: change.audience.clone(),
        });
        while self.entries.len() > JOURNAL_CAPACITY {
            self.entries.pop_front();
        }
    }

    /// Every token handed out so far stops working (control API, reset).
    pub fn forget_tokens(&mut self) {
        self.epoch += 1;
    }

    /// The highest change sequence kept (a restarted sandbox numbers changes after it).
    pub fn highest_change_sequence(&self) -> u64 {
        self.entries
            .iter()
            .map(|e| e.change_sequence)
            .max()
            .unwrap_or(0)
    }

    #[cfg(test)]
    fn token(&self, now: i64) -> String {
        format!("{}.{}.{now}", self.epoch, self.last)
    }

    /// The journal position a token stands for, if it is still good.
    fn position(&self, token: &str, now: i64, directory: bool) -> Result<u64, Expired> {
        let mut parts = token.split('.');
        let (Some(epoch), Some(seq), Some(issued), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Expired::Malformed);
        };
        let (Ok(epoch), Ok(seq), Ok(issued)) = (
            epoch.parse::<u64>(),
            seq.parse::<u64>(),
            issued.parse::<i64>(),
        ) else {
            return Err(Expired::Malformed);
        };
        let oldest_kept = self.entries.front().map_or(self.last, |e| e.seq - 1);
        if epoch != self.epoch || seq > self.last || seq < oldest_kept {
            return Err(Expired::Gone);
        }
        if directory && now - issued > DIRECTORY_TOKEN_SECONDS {
            return Err(Expired::Gone);
        }
        Ok(seq)
    }
}

enum Expired {
    Malformed,
    Gone,
}

/// The collection a canonical `…/delta` path asks about, with Graph's delta paths mapped onto
/// the sandbox's collections; `None` when Graph offers no delta there.
pub fn delta_collection(path: &str) -> Option<String> {
    let base = path.strip_suffix("/delta")?;
    let mapped = if paths::matches("users/*/calendarview", base) {
        format!("{}/events", base.trim_end_matches("/calendarview"))
    } else if paths::matches("drives/*/root", base) {
        format!("{base}/children")
    } else {
        base.to_owned()
    };
    let allowed = [
        "users/*/mailfolders/*/messages",
        "users/*/contactfolders/*/contacts",
        "users/*/events",
        "users",
        "groups",
        "drives/*/root/children",
        "teams/*/channels/*/messages",
        "users/*/todo/lists/*/tasks",
    ];
    allowed
        .iter()
        .any(|p| paths::matches(p, &mapped))
        .then_some(mapped)
}

/// How a delta request continues: a page of a full sync (what is listed now, the next round
/// starting at `until`), or a page of the changes after `after` up to `until`.
enum Round {
    Full {
        offset: usize,
        until: u64,
    },
    Changes {
        after: u64,
        until: u64,
        offset: usize,
    },
}

/// The page size a client asked for with `Prefer: odata.maxpagesize=N`.
fn page_size(headers: &HeaderMap) -> usize {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| {
            p.trim()
                .strip_prefix("odata.maxpagesize=")
                .and_then(|n| n.trim().parse::<usize>().ok())
        })
        .filter(|n| *n >= 1)
        .map_or(PAGE_SIZE, |n| n.min(PAGE_SIZE))
}

/// Answers `GET …/delta` for a canonical path that [`delta_collection`] maps.
pub fn answer(
    shared: &Shared,
    caller: &Caller,
    uri: &Uri,
    headers: &HeaderMap,
    store: &Store,
    collection: &str,
    query: &HashMap<String, String>,
) -> Response {
    let now = shared.clock.now();
    let Some((kind, owner)) = collection_kind(collection) else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "This collection has no delta function.",
            now,
        );
    };
    if !may(kind, caller, false) {
        return super::routes::denied(shared, kind, caller);
    }
    if !owner.is_empty() && store.find(&owner).is_none() {
        return missing(shared, kind.family, &owner);
    }
    if !owner_visible(store, kind, &owner, caller) {
        return super::routes::denied(shared, kind, caller);
    }
    let directory = kind.family == Family::Directory;
    let journal = &store.journal;
    let round = if let Some(token) = query.get("$deltatoken") {
        match journal.position(token, now, directory) {
            Ok(after) => Round::Changes {
                after,
                until: journal.last,
                offset: 0,
            },
            Err(expired) => return expired_answer(shared, uri, expired),
        }
    } else if let Some(skip) = query.get("$skiptoken") {
        // `f~{token}~{offset}` (a full sync) or `c~{token}~{until}~{offset}` (changes).
        let parts: Vec<&str> = skip.split('~').collect();
        let number = |i: usize| parts.get(i).and_then(|p| p.parse::<u64>().ok());
        let position = parts.get(1).map(|t| journal.position(t, now, directory));
        match (parts.first().copied(), position, parts.len()) {
            (_, Some(Err(expired)), _) => return expired_answer(shared, uri, expired),
            (Some("f"), Some(Ok(until)), 3) => match number(2) {
                Some(offset) => Round::Full {
                    offset: usize::try_from(offset).unwrap_or(usize::MAX),
                    until,
                },
                None => return expired_answer(shared, uri, Expired::Malformed),
            },
            (Some("c"), Some(Ok(after)), 4) => match (number(2), number(3)) {
                (Some(until), Some(offset)) if until >= after && until <= journal.last => {
                    Round::Changes {
                        after,
                        until,
                        offset: usize::try_from(offset).unwrap_or(usize::MAX),
                    }
                }
                _ => return expired_answer(shared, uri, Expired::Malformed),
            },
            _ => return expired_answer(shared, uri, Expired::Malformed),
        }
    } else {
        Round::Full {
            offset: 0,
            until: journal.last,
        }
    };
    let fields = query.get("$select").map(String::as_str);
    let shown = |body: &Value, path: &str, odata_type: &str| {
        let mut item = select(body, fields);
        if crate::payloads::is_outlook(odata_type) {
            // Seeded items never changed: their change key is that of "change 0".
            let sequence = latest_sequence(journal, path).unwrap_or(0);
            item["@odata.etag"] = json!(crate::payloads::etag_of(path, sequence));
        }
        item
    };
    let size = page_size(headers);
    let link = |query: String| format!("{}{}?{query}", shared.base_url, uri.path());
    let select_part = fields.map_or(String::new(), |f| format!("&$select={f}"));
    let mut body = json!({ "@odata.context": format!("{}{}/$metadata#Collection({})", shared.base_url, uri.path(), kind.name) });
    match round {
        Round::Full { offset, until } => {
            let listed: Vec<&super::Entity> = store
                .listed(collection)
                .into_iter()
                .filter(|e| sees(kind, &e.audience, caller))
                .collect();
            let page: Vec<Value> = listed
                .iter()
                .skip(offset)
                .take(size)
                .map(|e| shown(&e.body, &e.path, kind.odata_type))
                .collect();
            let token = format!("{}.{until}.{now}", journal.epoch);
            if offset.saturating_add(size) < listed.len() {
                body["@odata.nextLink"] = json!(link(format!(
                    "$skiptoken=f~{token}~{}{select_part}",
                    offset.saturating_add(size)
                )));
            } else {
                body["@odata.deltaLink"] = json!(link(format!("$deltatoken={token}{select_part}")));
            }
            body["value"] = Value::Array(page);
        }
        Round::Changes {
            after,
            until,
            offset,
        } => {
            // Each changed path once, in the order of its latest change.
            let mut newest: HashMap<&str, &JournalEntry> = HashMap::new();
            for entry in journal
                .entries
                .iter()
                .filter(|e| e.seq > after && e.seq <= until)
            {
                if entry.watchers.iter().any(|w| w == collection) {
                    newest.insert(entry.path.as_str(), entry);
                }
            }
            let mut latest: Vec<&JournalEntry> = newest.into_values().collect();
            latest.sort_by_key(|e| e.seq);
            let more = offset.saturating_add(size) < latest.len();
            let mut value = Vec::new();
            for entry in latest.into_iter().skip(offset).take(size) {
                let item = match store.find(&entry.path).filter(|e| e.listed_in(collection)) {
                    Some(entity) => sees(kind, &entity.audience, caller)
                        .then(|| shown(&entity.body, &entity.path, &entry.odata_type)),
                    None => sees(kind, &entry.audience, caller)
                        .then(|| removed(kind.name, kind.family, &entry.path)),
                };
                value.extend(item);
            }
            if more {
                body["@odata.nextLink"] = json!(link(format!(
                    "$skiptoken=c~{}.{after}.{now}~{until}~{}{select_part}",
                    journal.epoch,
                    offset.saturating_add(size)
                )));
            } else {
                body["@odata.deltaLink"] = json!(link(format!(
                    "$deltatoken={}.{until}.{now}{select_part}",
                    journal.epoch
                )));
            }
            body["value"] = Value::Array(value);
        }
    }
    Json(body).into_response()
}

/// The item Graph lists for something deleted (or moved out of the collection).
fn removed(kind: &str, family: Family, path: &str) -> Value {
    let id = path.rsplit('/').next().unwrap_or_default();
    if kind == "driveItem" {
        return json!({ "id": id, "deleted": { "state": "deleted" } });
    }
    let reason = if family == Family::Directory {
        "changed"
    } else {
        "deleted"
    };
    json!({ "id": id, "@removed": { "reason": reason } })
}

fn latest_sequence(journal: &Journal, path: &str) -> Option<u64> {
    journal
        .entries
        .iter()
        .rev()
        .find(|e| e.path == path)
        .map(|e| e.change_sequence)
}

fn expired_answer(shared: &Shared, uri: &Uri, expired: Expired) -> Response {
    let now = shared.clock.now();
    match expired {
        Expired::Malformed => graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The delta token or skip token is not valid.",
            now,
        ),
        Expired::Gone => {
            let mut response = graph_error(
                StatusCode::GONE,
                "syncStateNotFound",
                "The sync state generation is not found. The delta token is expired and data must be synchronized again.",
                now,
            );
            let restart = format!("{}{}", shared.base_url, uri.path());
            if let Ok(value) = HeaderValue::from_str(&restart) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_delta_paths_map_onto_sandbox_collections() {
        assert_eq!(
            delta_collection("users/u/mailfolders/f/messages/delta").as_deref(),
            Some("users/u/mailfolders/f/messages")
        );
        assert_eq!(
            delta_collection("users/u/calendarview/delta").as_deref(),
            Some("users/u/events")
        );
        assert_eq!(
            delta_collection("drives/d/root/delta").as_deref(),
            Some("drives/d/root/children")
        );
        assert_eq!(delta_collection("users/delta").as_deref(), Some("users"));
        assert_eq!(
            delta_collection("users/u/messages/delta"),
            None,
            "no mailbox-wide delta"
        );
        assert_eq!(delta_collection("chats/c/messages/delta"), None);
        assert_eq!(delta_collection("users/u/messages"), None);
    }

    #[test]
    fn tokens_expire_with_the_epoch_the_journal_and_seven_days_for_the_directory() {
        let mut journal = Journal::default();
        let change = Change::bare("created", "users/u/messages/m", "users/u/messages/m");
        journal.record(&change);
        let token = journal.token(100);
        assert!(matches!(journal.position(&token, 100, true), Ok(1)));
        assert!(matches!(
            journal.position(&token, 100 + DIRECTORY_TOKEN_SECONDS + 1, true),
            Err(Expired::Gone)
        ));
        assert!(matches!(
            journal.position(&token, 100 + DIRECTORY_TOKEN_SECONDS + 1, false),
            Ok(1)
        ));
        for _ in 0..JOURNAL_CAPACITY + 1 {
            journal.record(&change);
        }
        assert!(matches!(
            journal.position(&token, 100, false),
            Err(Expired::Gone)
        ));
        let fresh = journal.token(100);
        journal.forget_tokens();
        assert!(matches!(
            journal.position(&fresh, 100, false),
            Err(Expired::Gone)
        ));
        assert!(matches!(
            journal.position("x", 100, false),
            Err(Expired::Malformed)
        ));
    }
}
