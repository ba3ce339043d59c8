//! Reconciling a drive watched from its root. OneDrive's notifications name only the root
//! (`resource: drives/{id}/root`), never the item that changed: Graph means them as "something
//! changed, ask delta". So an item delta lists is taken as notified when a trusted notification
//! arrived at or after its change (within [`CLOCK_SKEW_SECONDS`]: Graph's clock and this
//! computer's may differ), and as changed without a notification when none did. The tolerance
//! cuts both ways: a change less than a minute after the last notification counts as told (a
//! file changed just before the receiver stopped is not listed). A deletion has no time of its
//! own: it counts as notified when a notification arrived since the gap began (a minute before
//! it, for the clocks). Duplicates are the same notification (its `id`) delivered more than
//! once; OneDrive's notifications usually carry no `id`, and two "something changed" pings look
//! alike without being one delivered twice, so those are never grouped. Nothing can be
//! superseded, since no notification names an item's state.

use std::collections::BTreeMap;

use studio_store::gaps::NotifiedItem;

use super::reconcile::{CLOCK_SKEW_SECONDS, DuplicateGroup, Listed, UnnotifiedChange};

/// Compares delta's changes of a drive with the notifications of its root (pure: the tests feed
/// it directly).
pub fn compare(
    listed: &[Listed],
    notified: &[NotifiedItem],
    gap: (i64, i64),
) -> (Vec<UnnotifiedChange>, Vec<DuplicateGroup>) {
    let last_heard = notified.iter().map(|n| n.received_at).max();
    let mut latest: BTreeMap<&str, &Listed> = BTreeMap::new();
    for one in listed.iter().filter(|l| !l.change.drive_root) {
        latest.insert(one.change.id.as_str(), one);
    }
    let (from, to) = (gap.0 - CLOCK_SKEW_SECONDS, gap.1 + CLOCK_SKEW_SECONDS);
    let mut unnotified = Vec::new();
    for one in latest.values() {
        if !one.judged(from) {
            continue;
        }
        let told = match (one.change.removed, one.modified()) {
            (false, Some(at)) => last_heard.is_some_and(|heard| heard + CLOCK_SKEW_SECONDS >= at),
            // Undated: told only by a notification since the gap began.
            _ => last_heard.is_some_and(|heard| heard >= from),
        };
        if !told {
            unnotified.push(one.untold(from, to));
        }
    }
    // Per notification id: the resource its first delivery named, and every delivery.
    let mut deliveries: BTreeMap<&str, (Option<&String>, Vec<i64>)> = BTreeMap::new();
    for n in notified
        .iter()
        .filter(|n| n.notification_key.starts_with("id:"))
    {
        deliveries
            .entry(n.notification_key.as_str())
            .or_insert_with(|| (n.resource.as_ref(), Vec::new()))
            .1
            .push(n.reception_id);
    }
    let duplicates = deliveries
        .into_iter()
        .filter(|(_, (_, receptions))| receptions.len() > 1)
        .map(|(key, (resource, receptions))| DuplicateGroup {
            id: resource.cloned().unwrap_or_default(),
            change_key: key.to_owned(),
            count: receptions.len(),
            reception_ids: receptions,
        })
        .collect();
    (unnotified, duplicates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use studio_graph::DeltaChange;

    fn heard(at: i64, key: &str, reception: i64) -> NotifiedItem {
        NotifiedItem {
            item_id: reception,
            reception_id: reception,
            received_at: at,
            change_type: Some("updated".into()),
            resource: Some("drives/d1/root".into()),
            resource_id: None,
            change_key: None,
            notification_key: key.into(),
        }
    }

    fn listed(item: serde_json::Value, full_sync: bool) -> Listed {
        Listed {
            change: DeltaChange::of(&item).unwrap_or_else(|| unreachable!()),
            full_sync,
        }
    }

    const T: i64 = 1_790_000_000;

    fn at(unix: i64) -> String {
        studio_primitives::clock::rfc3339(unix)
    }

    #[test]
    fn a_change_after_the_last_notification_was_never_told() {
        let changes = vec![
            listed(
                json!({"id": "root", "root": {}, "lastModifiedDateTime": at(T + 500)}),
                false,
            ),
            listed(
                json!({"id": "a", "name": "Budget.xlsx", "lastModifiedDateTime": at(T + 10)}),
                false,
            ),
            listed(
                json!({"id": "b", "name": "Plan.docx", "lastModifiedDateTime": at(T + 500)}),
                false,
            ),
            listed(json!({"id": "gone", "deleted": {}}), false),
        ];
        let notified = vec![
            heard(T + 12, "id:n1", 1),
            heard(T + 13, "id:n1", 2),
            heard(T + 14, "sha256:same", 3),
            heard(T + 15, "sha256:same", 4),
        ];
        let (unnotified, duplicates) = compare(&changes, &notified, (T + 100, T + 600));
        let ids: Vec<&str> = unnotified.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(
            ids,
            ["b", "gone"],
            "the root is not an item; nothing heard since the gap began tells of a deletion"
        );
        let (told, _) = compare(&changes, &notified, (T + 20, T + 600));
        let told: Vec<&str> = told.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(told, ["b"], "heard within a minute of the gap's start");
        assert!(unnotified[0].in_gap);
        assert_eq!(unnotified[0].label.as_deref(), Some("Plan.docx"));
        assert_eq!(
            duplicates.len(),
            1,
            "pings without an id are not duplicates"
        );
        assert_eq!(duplicates[0].reception_ids, [1, 2]);
        assert_eq!(duplicates[0].id, "drives/d1/root");

        // Nothing heard at all: every change, deletions included, went untold.
        let (unnotified, _) = compare(&changes, &[], (T, T + 600));
        assert_eq!(unnotified.len(), 3);
        // A full sync judges only what changed since the gap began.
        let full = vec![
            listed(
                json!({"id": "old", "lastModifiedDateTime": at(T - 3_600)}),
                true,
            ),
            listed(
                json!({"id": "new", "lastModifiedDateTime": at(T + 200)}),
                true,
            ),
        ];
        let (unnotified, _) = compare(&full, &[], (T, T + 600));
        let ids: Vec<&str> = unnotified.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["new"]);
    }
}
