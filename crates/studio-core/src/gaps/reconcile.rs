//! "Reconcile this gap": read what changed with delta and compare it with what was notified.
//!
//! From the subscription's kept delta links (its baseline, or the last reconciliation), one delta
//! round per path lists every item changed since, in its latest state. Each is matched against
//! the notifications that arrived since the links were taken, by the item's id and, where Graph
//! gives one (Outlook), its change key (`@odata.etag`): an item whose latest change key never
//! arrived changed **without a notification**. Notifications are also grouped by item and change
//! key: the same change more than once is a **duplicate**; an earlier change of an item that
//! changed again (or was deleted) is **superseded** (processing it again would act on stale
//! data). When there is no link, or Graph says the token expired (`410 Gone`), the round is a
//! full sync: only items modified since the gap began can be judged, deletions cannot, and the
//! result says so.
//!
//! The result is kept with the gap (and exportable as JSON); the new delta links replace the old.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use studio_graph::DeltaChange;
use studio_primitives::clock::unix_of;
use studio_store::Store;
use studio_store::gaps::NotifiedItem;
use ts_rs::TS;

use crate::accounts::Accounts;
use crate::error::CoreError;

/// What a gap's reconciliation found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Reconciliation {
    /// The gap.
    #[ts(type = "number")]
    pub gap_id: i64,
    /// The subscription.
    pub subscription_id: String,
    /// Its resource.
    pub resource: String,
    /// Unix seconds it ran.
    #[ts(type = "number")]
    pub ran_at: i64,
    /// The gap's range (Unix seconds).
    #[ts(type = "number")]
    pub gap_from: i64,
    /// The gap's range (Unix seconds).
    #[ts(type = "number")]
    pub gap_to: i64,
    /// When the delta links used were taken (`None`: no baseline, a full sync).
    #[ts(optional, type = "number")]
    pub baseline_at: Option<i64>,
    /// Whether any path was read in full (no link, or an expired one).
    pub full_sync: bool,
    /// Graph's code when a kept token had expired and the app synced again from the start.
    #[ts(optional)]
    pub restarted: Option<String>,
    /// The delta paths read.
    pub paths: Vec<String>,
    /// Items delta listed.
    pub changes_read: usize,
    /// Notification items compared.
    pub notifications_compared: usize,
    /// Changes no notification told of.
    pub unnotified: Vec<UnnotifiedChange>,
    /// The same change notified more than once.
    pub duplicates: Vec<DuplicateGroup>,
    /// Notifications of a state that changed again.
    pub superseded: Vec<Superseded>,
}

/// A change delta reported and no notification did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UnnotifiedChange {
    /// The item's id.
    pub id: String,
    /// Deleted (or left the collection) rather than created or updated.
    pub deleted: bool,
    /// Its change key, when Graph gives one.
    #[ts(optional)]
    pub change_key: Option<String>,
    /// Its `lastModifiedDateTime`.
    #[ts(optional)]
    pub last_modified: Option<String>,
    /// Whether it was modified inside the gap (unknown for deletions: `false`).
    pub in_gap: bool,
    /// A subject, name or title to recognise it by.
    #[ts(optional)]
    pub label: Option<String>,
}

/// Notifications of one change of one item, more than one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateGroup {
    /// The item's id.
    pub id: String,
    /// The change key they share (or the change type, without one).
    pub change_key: String,
    /// How many arrived.
    pub count: usize,
    /// The receptions that carried them.
    #[ts(type = "Array<number>")]
    pub reception_ids: Vec<i64>,
}

/// A notification whose item changed again afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Superseded {
    /// The item's id.
    pub id: String,
    /// The notified change key.
    pub change_key: String,
    /// The reception that carried it.
    #[ts(type = "number")]
    pub reception_id: i64,
    /// What replaced it: a later change key, or `deleted`.
    pub by: String,
}

/// A reconciliation's counts (shown beside the gap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// Changes without a notification.
    pub unnotified: usize,
    /// Duplicate groups.
    pub duplicates: usize,
    /// Superseded notifications.
    pub superseded: usize,
    /// Read in full.
    pub full_sync: bool,
    /// A token had expired.
    pub restarted: bool,
}

impl Reconciliation {
    /// The counts.
    pub fn outcome(&self) -> Outcome {
        Outcome {
            unnotified: self.unnotified.len(),
            duplicates: self.duplicates.len(),
            superseded: self.superseded.len(),
            full_sync: self.full_sync,
            restarted: self.restarted.is_some(),
        }
    }
}

/// The item id a notification names: `resourceData.id`, else the last segment of `resource`.
fn notified_id(item: &NotifiedItem) -> Option<String> {
    if let Some(id) = item.item["resourceData"]["id"].as_str() {
        return Some(id.to_owned());
    }
    let resource = item.resource.as_deref()?;
    let last = resource.trim_end_matches('/').rsplit('/').next()?;
    let id = match last.split_once("('") {
        Some((_, rest)) => rest.trim_end_matches("')"),
        None => last,
    };
    (!id.is_empty()).then(|| id.to_owned())
}

fn notified_key(item: &NotifiedItem) -> String {
    item.item["resourceData"]["@odata.etag"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| item.change_type.clone().unwrap_or_default())
}

fn label(item: &Value) -> Option<String> {
    ["subject", "displayName", "name", "title"]
        .iter()
        .find_map(|k| item[*k].as_str())
        .map(|s| s.chars().take(120).collect())
}

/// Compares delta's changes with the notifications (pure: the tests feed it directly).
pub fn compare(
    changes: &[DeltaChange],
    notified: &[NotifiedItem],
    gap: (i64, i64),
    full_sync: bool,
) -> (Vec<UnnotifiedChange>, Vec<DuplicateGroup>, Vec<Superseded>) {
    // Notifications per item, each change key with its receptions, oldest first.
    let mut by_item: BTreeMap<String, Vec<(String, i64, bool)>> = BTreeMap::new();
    for item in notified {
        let Some(id) = notified_id(item) else {
            continue;
        };
        let deleted = item.change_type.as_deref() == Some("deleted");
        by_item
            .entry(id)
            .or_default()
            .push((notified_key(item), item.reception_id, deleted));
    }
    let mut unnotified = Vec::new();
    let mut latest_by_delta: BTreeMap<&str, &DeltaChange> = BTreeMap::new();
    for change in changes {
        latest_by_delta.insert(change.id.as_str(), change);
    }
    for change in latest_by_delta.values() {
        let modified = change.last_modified.as_deref().map(unix_of);
        let in_gap = modified.is_some_and(|m| m >= gap.0 && m <= gap.1);
        if full_sync && (change.removed || modified.is_none_or(|m| m < gap.0)) {
            // A full sync lists everything: only what was modified since the gap began can be
            // judged, and deletions are not listed at all.
            continue;
        }
        let seen = by_item.get(&change.id);
        let told = if change.removed {
            seen.is_some_and(|n| n.iter().any(|(_, _, deleted)| *deleted))
        } else if let Some(key) = &change.etag {
            seen.is_some_and(|n| n.iter().any(|(k, _, _)| k == key))
        } else {
            seen.is_some()
        };
        if !told {
            unnotified.push(UnnotifiedChange {
                id: change.id.clone(),
                deleted: change.removed,
                change_key: change.etag.clone(),
                last_modified: change.last_modified.clone(),
                in_gap,
                label: label(&change.item),
            });
        }
    }
    let mut duplicates = Vec::new();
    let mut superseded = Vec::new();
    for (id, seen) in &by_item {
        let mut groups: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for (key, reception, _) in seen {
            groups.entry(key.as_str()).or_default().push(*reception);
        }
        for (key, receptions) in &groups {
            if receptions.len() > 1 {
                duplicates.push(DuplicateGroup {
                    id: id.clone(),
                    change_key: (*key).to_owned(),
                    count: receptions.len(),
                    reception_ids: receptions.clone(),
                });
            }
        }
        let latest = latest_by_delta.get(id.as_str());
        let deleted_since = latest.is_some_and(|c| c.removed);
        let Some((last_notified, _, _)) = seen.last() else {
            continue;
        };
        // The item's state now: delta's change key, else the last one notified.
        let last_key = latest
            .and_then(|c| c.etag.as_ref())
            .unwrap_or(last_notified);
        let mut reported: Vec<&str> = Vec::new();
        for (key, reception, deleted) in seen {
            if *deleted || reported.contains(&key.as_str()) {
                continue;
            }
            let by = if deleted_since {
                "deleted".to_owned()
            } else if key != last_key {
                last_key.clone()
            } else {
                continue;
            };
            reported.push(key);
            superseded.push(Superseded {
                id: id.clone(),
                change_key: key.clone(),
                reception_id: *reception,
                by,
            });
        }
    }
    (unnotified, duplicates, superseded)
}

/// Reconciles a kept gap: one delta round per path, compared with what arrived; the result is
/// kept with the gap and the new links replace the old.
pub async fn run(
    accounts: &Accounts,
    store: &Store,
    gap_id: i64,
    now: i64,
) -> Result<Reconciliation, CoreError> {
    let gap = store
        .gap(gap_id)?
        .ok_or_else(|| CoreError::not_found(format!("There is no gap {gap_id}.")))?;
    let owned = store.owned_one(&gap.subscription_id)?.ok_or_else(|| {
        CoreError::not_found(format!(
            "Subscription {} is not one this app made, so it has no delta baseline.",
            gap.subscription_id
        ))
    })?;
    let (_, _, client) = accounts.client(Some(&owned.account_id)).await?;
    let api = crate::subscriptions::request::api_for(
        studio_catalog::Catalog::get().ok(),
        &owned.resource,
    );
    let starts = super::delta_starts(&client, &owned, now).await?;
    let mut changes = Vec::new();
    let mut full_sync = false;
    let mut restarted = None;
    let mut baseline_at: Option<i64> = None;
    let mut links = Vec::new();
    for start in &starts {
        let kept = store.delta_link(&owned.id, &start.key)?;
        if let Some((_, taken_at)) = &kept {
            baseline_at = Some(baseline_at.map_or(*taken_at, |b| b.min(*taken_at)));
        }
        let round = client
            .delta(
                api,
                &start.url,
                kept.as_ref().map(|(link, _)| link.as_str()),
            )
            .await
            .map_err(|e| CoreError::graph(e, &studio_graph::HintContext::default()))?;
        full_sync |= round.full_sync;
        if round.restarted.is_some() {
            restarted = round.restarted.clone();
        }
        changes.extend(round.changes);
        links.push((start.key.clone(), round.delta_link));
    }
    let since = if full_sync {
        gap.from.min(baseline_at.unwrap_or(gap.from))
    } else {
        baseline_at.unwrap_or(gap.from)
    };
    // Notifications of the subscriptions it replaced count too (a recreation keeps the resource).
    let mut notified = Vec::new();
    for id in store.lineage(&owned.id)? {
        notified.extend(store.notified_since(&id, since)?);
    }
    notified.sort_by_key(|n| n.item_id);
    let (unnotified, duplicates, superseded) =
        compare(&changes, &notified, (gap.from, gap.to), full_sync);
    let result = Reconciliation {
        gap_id,
        subscription_id: owned.id.clone(),
        resource: owned.resource.clone(),
        ran_at: now,
        gap_from: gap.from,
        gap_to: gap.to,
        baseline_at: baseline_at.filter(|_| !full_sync),
        full_sync,
        restarted,
        paths: starts.iter().map(|s| s.key.clone()).collect(),
        changes_read: changes.len(),
        notifications_compared: notified.len(),
        unnotified,
        duplicates,
        superseded,
    };
    for (key, link) in links {
        store.put_delta_link(&owned.id, &key, &link, now)?;
    }
    let json = serde_json::to_value(&result)
        .map_err(|e| CoreError::internal(format!("a reconciliation could not be encoded: {e}")))?;
    store.gap_reconciled(gap_id, now, &json)?;
    tracing::info!(
        gap_id,
        unnotified = result.unnotified.len(),
        duplicates = result.duplicates.len(),
        superseded = result.superseded.len(),
        full_sync,
        "gap reconciled"
    );
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn notified(id: &str, key: &str, change: &str, reception: i64) -> NotifiedItem {
        NotifiedItem {
            item_id: reception,
            reception_id: reception,
            received_at: 100,
            change_type: Some(change.into()),
            resource: Some(format!("Users/u/Messages/{id}")),
            item: json!({"resourceData": {"id": id, "@odata.etag": key}}),
        }
    }

    fn changed(id: &str, key: &str, at: &str) -> DeltaChange {
        DeltaChange::of(
            &json!({"id": id, "@odata.etag": key, "lastModifiedDateTime": at, "subject": id}),
        )
        .unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn unnotified_duplicated_and_superseded_changes_are_told_apart() {
        let changes = vec![
            changed("a", "k1", "1970-01-01T00:01:40Z"),
            changed("b", "k2", "1970-01-01T00:03:20Z"),
            changed("c", "k4", "1970-01-01T00:03:20Z"),
            DeltaChange::of(&json!({"id": "d", "@removed": {"reason": "deleted"}}))
                .unwrap_or_else(|| unreachable!()),
        ];
        let notified = vec![
            notified("a", "k1", "created", 1),
            notified("a", "k1", "created", 2),
            notified("c", "k3", "created", 3),
            notified("d", "k5", "created", 4),
        ];
        let (unnotified, duplicates, superseded) = compare(&changes, &notified, (150, 250), false);
        let ids: Vec<(&str, bool)> = unnotified
            .iter()
            .map(|u| (u.id.as_str(), u.in_gap))
            .collect();
        assert_eq!(ids, [("b", true), ("c", true), ("d", false)]);
        assert_eq!(duplicates.len(), 1);
        assert_eq!((duplicates[0].id.as_str(), duplicates[0].count), ("a", 2));
        assert_eq!(duplicates[0].reception_ids, [1, 2]);
        let replaced: Vec<(&str, &str)> = superseded
            .iter()
            .map(|s| (s.id.as_str(), s.by.as_str()))
            .collect();
        assert_eq!(
            replaced,
            [("c", "k4"), ("d", "deleted")],
            "c's notified k3 was replaced by k4 (which never arrived); d was deleted since"
        );

        let (full, _, _) = compare(&changes, &[], (150, 250), true);
        let ids: Vec<&str> = full.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(
            ids,
            ["b", "c"],
            "a full sync judges only what was modified since the gap began"
        );
    }
}
