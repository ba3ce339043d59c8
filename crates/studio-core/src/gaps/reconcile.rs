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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_at: Option<i64>,
    /// Whether any path was read in full (no link, or an expired one).
    pub full_sync: bool,
    /// Graph's code when a kept token had expired and the app synced again from the start.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restarted: Option<String>,
    /// The delta paths read.
    pub paths: Vec<String>,
    /// Items delta listed.
    pub changes_read: usize,
    /// Notification items compared.
    pub notifications_compared: usize,
    /// What limits the result (retention removed receptions, lists cut).
    #[serde(default)]
    pub notes: Vec<String>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_key: Option<String>,
    /// Its `lastModifiedDateTime`.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// Whether it was modified inside the gap (unknown for deletions: `false`).
    pub in_gap: bool,
    /// A subject, name or title to recognise it by.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

/// Notification items read at most (a longer history is cut, and the result says so).
pub const MAX_NOTIFIED: i64 = 200_000;

/// How far Graph's clock (its `lastModifiedDateTime`) and this computer's may differ, in seconds:
/// a change this close to a gap counts as in it.
pub const CLOCK_SKEW_SECONDS: i64 = 60;

/// One item delta listed, with whether its path was read in full (no link, or an expired one).
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    /// What delta said.
    pub change: DeltaChange,
    /// Its path was read from the start.
    pub full_sync: bool,
}

impl Listed {
    /// When delta says it was modified (Unix seconds).
    pub fn modified(&self) -> Option<i64> {
        self.change.last_modified.as_deref().map(unix_of)
    }

    /// Whether it can be judged for a gap beginning at `from` (widened by the clock skew): a full
    /// sync lists everything, so only what was modified since can, and deletions are not listed.
    pub fn judged(&self, from: i64) -> bool {
        !self.full_sync || (!self.change.removed && self.modified().is_some_and(|m| m >= from))
    }

    /// It, as a change no notification told of, for the gap `from`..`to` (widened).
    pub fn untold(&self, from: i64, to: i64) -> UnnotifiedChange {
        let change = &self.change;
        UnnotifiedChange {
            id: change.id.clone(),
            deleted: change.removed,
            change_key: change.etag.clone(),
            last_modified: change.last_modified.clone(),
            in_gap: self.modified().is_some_and(|m| m >= from && m <= to),
            label: change.label.clone(),
        }
    }
}

/// The item id a notification names: `resourceData.id`, else the last segment of `resource`.
fn notified_id(item: &NotifiedItem) -> Option<String> {
    if let Some(id) = item.resource_id.as_deref().filter(|id| !id.is_empty()) {
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

/// One notification of one item.
struct Told<'a> {
    key: Option<&'a str>,
    notification: &'a str,
    reception: i64,
    deleted: bool,
}

/// Compares delta's changes with the notifications (pure: the tests feed it directly).
///
/// A change is "told" when a notification named its item with its change key (or, when either
/// side has no change key, any notification named the item). Duplicates are the same change key,
/// or the same notification delivered again, more than once. A notified change key is superseded
/// when delta shows a newer one, or the item was deleted since.
pub fn compare(
    listed: &[Listed],
    notified: &[NotifiedItem],
    gap: (i64, i64),
) -> (Vec<UnnotifiedChange>, Vec<DuplicateGroup>, Vec<Superseded>) {
    let mut by_item: BTreeMap<String, Vec<Told<'_>>> = BTreeMap::new();
    for item in notified {
        let Some(id) = notified_id(item) else {
            continue;
        };
        by_item.entry(id).or_default().push(Told {
            key: item.change_key.as_deref(),
            notification: &item.notification_key,
            reception: item.reception_id,
            deleted: item.change_type.as_deref() == Some("deleted"),
        });
    }
    let mut latest_by_delta: BTreeMap<&str, &Listed> = BTreeMap::new();
    for one in listed {
        latest_by_delta.insert(one.change.id.as_str(), one);
    }
    let mut unnotified = Vec::new();
    let (from, to) = (gap.0 - CLOCK_SKEW_SECONDS, gap.1 + CLOCK_SKEW_SECONDS);
    for one in latest_by_delta.values() {
        let change = &one.change;
        if !one.judged(from) {
            continue;
        }
        let seen = by_item.get(&change.id);
        let told = if change.removed {
            seen.is_some_and(|n| n.iter().any(|t| t.deleted))
        } else {
            seen.is_some_and(|n| {
                n.iter().any(|t| match (t.key, change.etag.as_deref()) {
                    (Some(notified), Some(now)) => notified == now,
                    _ => true,
                })
            })
        };
        if !told {
            unnotified.push(one.untold(from, to));
        }
    }
    let mut duplicates = Vec::new();
    let mut superseded = Vec::new();
    for (id, seen) in &by_item {
        // The same change key, or the same notification again.
        let mut groups: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for t in seen {
            groups
                .entry(t.key.unwrap_or(t.notification))
                .or_default()
                .push(t.reception);
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
        let latest = latest_by_delta.get(id.as_str()).map(|l| &l.change);
        let deleted_since = latest.is_some_and(|c| c.removed);
        let last_notified_key = seen.iter().rev().find_map(|t| t.key);
        // The item's state now: delta's change key, else the last one notified.
        let now_key = latest.and_then(|c| c.etag.as_deref()).or(last_notified_key);
        let mut reported: Vec<&str> = Vec::new();
        for t in seen {
            if t.deleted {
                continue;
            }
            let by = match (deleted_since, t.key, now_key) {
                (true, _, _) => "deleted",
                (false, Some(key), Some(now)) if key != now => now,
                _ => continue,
            };
            let key = t.key.unwrap_or(t.notification);
            if reported.contains(&key) {
                continue;
            }
            reported.push(key);
            superseded.push(Superseded {
                id: id.clone(),
                change_key: key.to_owned(),
                reception_id: t.reception,
                by: by.to_owned(),
            });
        }
    }
    (unnotified, duplicates, superseded)
}

/// What one delta pass over a subscription read.
struct Pass {
    listed: Vec<Listed>,
    links: Vec<(String, String)>,
    /// The oldest link used (`None` when every path was read in full).
    baseline_at: Option<i64>,
    full_sync: bool,
    restarted: Option<String>,
    truncated: bool,
    /// The mailbox had more folders than are read.
    folders_cut: bool,
}

/// Reads every delta path of a subscription from its kept links. A link taken after `from`
/// cannot show what changed before it, so that path is read in full instead.
async fn read(
    client: &studio_graph::GraphClient,
    store: &Store,
    owned: &studio_store::OwnedSubscription,
    from: i64,
    now: i64,
) -> Result<(Vec<String>, Pass), CoreError> {
    let api = crate::subscriptions::request::api_for(
        studio_catalog::Catalog::get().ok(),
        &owned.resource,
    );
    let (starts, folders_cut) = super::delta_starts(client, store, owned, now).await?;
    let mut pass = Pass {
        listed: Vec::new(),
        links: Vec::new(),
        baseline_at: None,
        full_sync: false,
        restarted: None,
        truncated: false,
        folders_cut,
    };
    for start in &starts {
        // A link taken moments after the gap began (the baseline, taken once the subscription
        // was made) still covers it: clocks and handshakes take a few seconds.
        let kept = store
            .delta_link(&owned.id, &start.key)?
            .filter(|(_, taken_at)| *taken_at <= from + CLOCK_SKEW_SECONDS);
        if let Some((_, taken_at)) = &kept {
            pass.baseline_at = Some(pass.baseline_at.map_or(*taken_at, |b| b.min(*taken_at)));
        }
        let round = client
            .delta(
                api,
                &start.url,
                kept.as_ref().map(|(link, _)| link.as_str()),
                studio_graph::delta::MAX_CHANGES,
            )
            .await
            .map_err(|e| CoreError::graph(e, &studio_graph::HintContext::default()))?;
        pass.full_sync |= round.full_sync;
        pass.truncated |= round.truncated;
        if round.restarted.is_some() {
            pass.restarted.clone_from(&round.restarted);
        }
        let full = round.full_sync;
        pass.listed
            .extend(round.changes.into_iter().map(|change| Listed {
                change,
                full_sync: full,
            }));
        pass.links.push((start.key.clone(), round.delta_link));
    }
    Ok((starts.into_iter().map(|s| s.key).collect(), pass))
}

/// Reconciles a kept gap: one delta round per path, compared with what arrived. The result is
/// kept with the gap, and with every other open gap of the subscription the same round covers;
/// the new links replace the old.
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
    // Every open gap of the subscription is covered by one round from the oldest one's start.
    let mut covered: Vec<studio_store::gaps::StoredGap> = store
        .gaps(Some(&owned.id))?
        .into_iter()
        .filter(|g| g.reconciled_at.is_none() || g.id == gap_id)
        .collect();
    let from = covered.iter().map(|g| g.from).min().unwrap_or(gap.from);
    let (paths, pass) = read(&client, store, &owned, from, now).await?;
    let since = pass.baseline_at.unwrap_or(from).min(from);
    // Notifications of the subscriptions it replaced count too (a recreation keeps the resource).
    let mut notified = Vec::new();
    let mut cut = false;
    for id in store.lineage(&owned.id)? {
        let left = MAX_NOTIFIED - i64::try_from(notified.len()).unwrap_or(MAX_NOTIFIED);
        if left <= 0 {
            cut = true;
            break;
        }
        let read = store.notified_since(&id, since, left)?;
        cut |= i64::try_from(read.len()).unwrap_or(i64::MAX) >= left;
        notified.extend(read);
    }
    notified.sort_by_key(|n| n.item_id);
    let mut notes = Vec::new();
    if let Some(oldest) = store.oldest_kept_after_removal()?
        && oldest > since
    {
        notes.push(format!(
            "Receptions up to {} were removed (retention; one still waiting for its checks may remain): changes notified by then show as unnotified.",
            studio_primitives::clock::rfc3339(oldest)
        ));
    }
    if pass.truncated {
        notes.push(format!(
            "Delta listed more than {} changes: the rest were not compared, and the next reconciliation starts after them.",
            studio_graph::delta::MAX_CHANGES
        ));
    }
    if pass.folders_cut {
        notes.push(format!(
            "The mailbox has more than {} folders: only the first {} (breadth first) were compared.",
            super::folders::MAX_MAIL_FOLDERS,
            super::folders::MAX_MAIL_FOLDERS
        ));
    }
    if cut {
        notes.push(format!(
            "More than {MAX_NOTIFIED} notification items since the baseline: the oldest were not compared."
        ));
    }
    let whole_drive = matches!(
        studio_catalog::catching_up::delta_plan(&owned.resource),
        studio_catalog::catching_up::DeltaPlan::WholeDrive(_)
    );
    if whole_drive {
        notes.push("OneDrive's notifications name only the drive's root: a change counts as notified when a notification arrived after it.".to_owned());
    }
    let mut answer = None;
    covered.sort_by_key(|g| g.id != gap_id);
    for one in covered {
        // Graph says `missed` once, and may go on dropping for a while: that gap lasts until now.
        let to = if one.cause == super::GapCause::Missed.as_str() {
            now.max(one.to)
        } else {
            one.to
        };
        let (unnotified, duplicates, superseded) = if whole_drive {
            let (unnotified, duplicates) =
                super::whole_drive::compare(&pass.listed, &notified, (one.from, to));
            (unnotified, duplicates, Vec::new())
        } else {
            compare(&pass.listed, &notified, (one.from, to))
        };
        let result = Reconciliation {
            gap_id: one.id,
            subscription_id: owned.id.clone(),
            resource: owned.resource.clone(),
            ran_at: now,
            gap_from: one.from,
            gap_to: to,
            baseline_at: pass.baseline_at.filter(|_| !pass.full_sync),
            full_sync: pass.full_sync,
            restarted: pass.restarted.clone(),
            paths: paths.clone(),
            changes_read: pass.listed.len(),
            notifications_compared: notified.len(),
            notes: notes.clone(),
            unnotified,
            duplicates,
            superseded,
        };
        let json = serde_json::to_value(&result).map_err(|e| {
            CoreError::internal(format!("a reconciliation could not be encoded: {e}"))
        })?;
        store.gap_reconciled(one.id, now, &json)?;
        answer.get_or_insert(result);
    }
    for (key, link) in &pass.links {
        store.put_delta_link(&owned.id, key, link, now)?;
    }
    let result = answer.ok_or_else(|| CoreError::internal("the gap went missing"))?;
    tracing::info!(
        gap_id,
        unnotified = result.unnotified.len(),
        duplicates = result.duplicates.len(),
        superseded = result.superseded.len(),
        full_sync = result.full_sync,
        "gap reconciled"
    );
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn notified(id: &str, key: Option<&str>, change: &str, reception: i64) -> NotifiedItem {
        NotifiedItem {
            item_id: reception,
            reception_id: reception,
            received_at: 100,
            change_type: Some(change.into()),
            resource: Some(format!("Users/u/Messages/{id}")),
            resource_id: Some(id.into()),
            change_key: key.map(str::to_owned),
            notification_key: format!("id:n{reception}"),
        }
    }

    fn listed(item: serde_json::Value, full_sync: bool) -> Listed {
        Listed {
            change: DeltaChange::of(&item).unwrap_or_else(|| unreachable!()),
            full_sync,
        }
    }

    fn changed(id: &str, key: &str, at: &str, full_sync: bool) -> Listed {
        listed(
            json!({"id": id, "@odata.etag": key, "lastModifiedDateTime": at, "subject": id}),
            full_sync,
        )
    }

    #[test]
    fn unnotified_duplicated_and_superseded_changes_are_told_apart() {
        let changes = vec![
            changed("a", "k1", "1970-01-01T00:00:10Z", false),
            changed("b", "k2", "1970-01-01T00:03:20Z", false),
            changed("c", "k4", "1970-01-01T00:03:20Z", false),
            listed(json!({"id": "d", "@removed": {"reason": "deleted"}}), false),
        ];
        let notified = vec![
            notified("a", Some("k1"), "created", 1),
            notified("a", Some("k1"), "created", 2),
            notified("c", Some("k3"), "created", 3),
            notified("d", Some("k5"), "created", 4),
        ];
        let (unnotified, duplicates, superseded) = compare(&changes, &notified, (150, 250));
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

        let full: Vec<Listed> = changes
            .iter()
            .map(|l| Listed {
                full_sync: true,
                ..l.clone()
            })
            .collect();
        let (full, _, _) = compare(&full, &[], (150, 250));
        let ids: Vec<&str> = full.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(
            ids,
            ["b", "c"],
            "a full sync judges only what was modified since the gap began"
        );
    }

    #[test]
    fn without_change_keys_items_match_by_id_and_only_redeliveries_are_duplicates() {
        // To Do tasks: delta has an etag, notifications carry none.
        let changes = vec![changed("t", "k9", "1970-01-01T00:03:20Z", false)];
        let two_updates = vec![
            notified("t", None, "updated", 1),
            notified("t", None, "updated", 2),
        ];
        let (unnotified, duplicates, superseded) = compare(&changes, &two_updates, (150, 250));
        assert!(unnotified.is_empty(), "matched by id");
        assert!(duplicates.is_empty(), "two real updates are not duplicates");
        assert!(superseded.is_empty(), "no keys to say which state is older");
        let mut again = two_updates.clone();
        again[1].notification_key = again[0].notification_key.clone();
        let (_, duplicates, _) = compare(&changes, &again, (150, 250));
        assert_eq!(duplicates.len(), 1, "the same notification delivered twice");
    }
}
