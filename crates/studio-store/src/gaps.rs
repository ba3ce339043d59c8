//! What the gap audit remembers: when the receiver was listening (so downtime can be found
//! after a crash as well as after a clean stop), the gaps in a subscription's notifications
//! (from a `missed` event, downtime, or a public URL that moved), each gap's reconciliation as
//! JSON (the store does not know its type), and the delta link kept per subscription and delta
//! path. A delta link is not a secret: it reads nothing without the account's token.

use rusqlite::{OptionalExtension, params};
use serde_json::Value;

use crate::{Store, StoreError};

/// Gaps kept per subscription; the oldest reconciled ones go first.
pub const GAPS_KEPT: i64 = 200;
/// Listening periods kept.
pub const PERIODS_KEPT: i64 = 1_000;

/// A time the receiver was listening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListeningPeriod {
    /// Its id.
    pub id: i64,
    /// Unix seconds it started.
    pub started_at: i64,
    /// The last moment it was known to be listening (a heartbeat; a crash leaves this).
    pub alive_at: i64,
    /// When it stopped cleanly.
    pub stopped_at: Option<i64>,
}

impl ListeningPeriod {
    /// The last moment it surely listened.
    pub fn ended_at(&self) -> i64 {
        self.stopped_at.unwrap_or(self.alive_at)
    }
}

/// A stretch of time whose notifications may be missing.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredGap {
    /// Its id.
    pub id: i64,
    /// The subscription it concerns.
    pub subscription_id: String,
    /// `missed`, `downtime` or `urlMoved`.
    pub cause: String,
    /// Unix seconds it begins.
    pub from: i64,
    /// Unix seconds it ends.
    pub to: i64,
    /// When it was opened.
    pub opened_at: i64,
    /// What opened it, in words.
    pub detail: String,
    /// When it was reconciled.
    pub reconciled_at: Option<i64>,
    /// The reconciliation, as JSON.
    pub reconciliation: Option<Value>,
}

/// A new gap.
#[derive(Debug, Clone)]
pub struct NewGap<'a> {
    /// The subscription.
    pub subscription_id: &'a str,
    /// `missed`, `downtime` or `urlMoved`.
    pub cause: &'a str,
    /// Unix seconds it begins.
    pub from: i64,
    /// Unix seconds it ends.
    pub to: i64,
    /// Now.
    pub opened_at: i64,
    /// What opened it.
    pub detail: &'a str,
}

/// One checked item of a notification, as reconciliation compares it (only what it compares:
/// a long history of large items is never read whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifiedItem {
    /// The item's row.
    pub item_id: i64,
    /// Its reception.
    pub reception_id: i64,
    /// Unix seconds it arrived.
    pub received_at: i64,
    /// `created`, `updated`, `deleted`.
    pub change_type: Option<String>,
    /// The item's `resource`.
    pub resource: Option<String>,
    /// `resourceData.id`.
    pub resource_id: Option<String>,
    /// `resourceData['@odata.etag']` (Outlook's change key).
    pub change_key: Option<String>,
    /// The notification's own id (the same on every retry of it).
    pub notification_key: String,
}

/// Only notifications whose clientState matched count: a forged one must not hide a change.
const TRUSTED: &str = "i.client_state = 'matches' AND r.kind = 'notification'";

fn gap_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredGap> {
    let reconciliation: Option<String> = row.get(8)?;
    Ok(StoredGap {
        id: row.get(0)?,
        subscription_id: row.get(1)?,
        cause: row.get(2)?,
        from: row.get(3)?,
        to: row.get(4)?,
        opened_at: row.get(5)?,
        detail: row.get(6)?,
        reconciled_at: row.get(7)?,
        reconciliation: reconciliation.and_then(|text| serde_json::from_str(&text).ok()),
    })
}

const GAP_COLUMNS: &str =
    "id, subscription_id, cause, from_at, to_at, opened_at, detail, reconciled_at, reconciliation";

impl Store {
    /// Records that the receiver started listening; returns the period's id.
    pub fn listening_started(&self, now: i64) -> Result<i64, StoreError> {
        self.write(|c| {
            c.execute(
                "INSERT INTO listening (started_at, alive_at) VALUES (?1, ?1)",
                params![now],
            )?;
            let id = c.last_insert_rowid();
            c.execute(
                "DELETE FROM listening WHERE id <= ?1 - ?2",
                params![id, PERIODS_KEPT],
            )?;
            Ok(id)
        })
    }

    /// Records that the receiver is still listening.
    pub fn listening_alive(&self, id: i64, now: i64) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "UPDATE listening SET alive_at = max(alive_at, ?2) WHERE id = ?1",
                params![id, now],
            )?;
            Ok(())
        })
    }

    /// Records the receiver's delivery health (JSON: the store does not know its type).
    pub fn listening_delivery(
        &self,
        id: i64,
        now: i64,
        delivery: &Value,
    ) -> Result<(), StoreError> {
        let text = delivery.to_string();
        self.write(|c| {
            c.execute(
                "UPDATE listening SET delivery = ?2, delivery_at = ?3 WHERE id = ?1",
                params![id, text, now],
            )?;
            Ok(())
        })
    }

    /// The delivery health last recorded by a receiver still listening (not stopped, and alive
    /// at or after `alive_since`), with when it was recorded.
    pub fn live_delivery(&self, alive_since: i64) -> Result<Option<(i64, Value)>, StoreError> {
        let row: Option<(i64, String)> = self.with(|c| {
            Ok(c.query_row(
                "SELECT delivery_at, delivery FROM listening
                 WHERE stopped_at IS NULL AND alive_at >= ?1 AND delivery IS NOT NULL
                 ORDER BY id DESC LIMIT 1",
                params![alive_since],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?)
        })?;
        Ok(row.and_then(|(at, text)| serde_json::from_str(&text).ok().map(|v| (at, v))))
    }

    /// Records that the receiver stopped.
    pub fn listening_stopped(&self, id: i64, now: i64) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "UPDATE listening SET stopped_at = ?2, alive_at = max(alive_at, ?2) WHERE id = ?1",
                params![id, now],
            )?;
            Ok(())
        })
    }

    /// The listening periods, oldest first.
    pub fn listening_periods(&self) -> Result<Vec<ListeningPeriod>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare(
                "SELECT id, started_at, alive_at, stopped_at FROM listening ORDER BY id",
            )?;
            let rows = statement.query_map([], |row| {
                Ok(ListeningPeriod {
                    id: row.get(0)?,
                    started_at: row.get(1)?,
                    alive_at: row.get(2)?,
                    stopped_at: row.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Opens a gap, or widens an unreconciled one of the same subscription and cause that it
    /// touches; returns the gap's id.
    pub fn open_gap(&self, gap: &NewGap<'_>) -> Result<i64, StoreError> {
        self.write(|c| {
            let existing: Option<i64> = c
                .query_row(
                    "SELECT id FROM gaps WHERE subscription_id = ?1 AND cause = ?2
                       AND reconciled_at IS NULL AND from_at <= ?4 AND to_at >= ?3
                     ORDER BY id DESC LIMIT 1",
                    params![gap.subscription_id, gap.cause, gap.from, gap.to],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(id) = existing {
                c.execute(
                    "UPDATE gaps SET from_at = min(from_at, ?2), to_at = max(to_at, ?3), detail = ?4 WHERE id = ?1",
                    params![id, gap.from, gap.to, gap.detail],
                )?;
                return Ok(id);
            }
            c.execute(
                "INSERT INTO gaps (subscription_id, cause, from_at, to_at, opened_at, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![gap.subscription_id, gap.cause, gap.from, gap.to, gap.opened_at, gap.detail],
            )?;
            let id = c.last_insert_rowid();
            c.execute(
                "DELETE FROM gaps WHERE subscription_id = ?1 AND reconciled_at IS NOT NULL AND id NOT IN
                   (SELECT id FROM gaps WHERE subscription_id = ?1 ORDER BY id DESC LIMIT ?2)",
                params![gap.subscription_id, GAPS_KEPT],
            )?;
            Ok(id)
        })
    }

    /// Every gap, newest first (of one subscription when given).
    pub fn gaps(&self, subscription_id: Option<&str>) -> Result<Vec<StoredGap>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare(&format!(
                "SELECT {GAP_COLUMNS} FROM gaps WHERE ?1 IS NULL OR subscription_id = ?1 ORDER BY id DESC"
            ))?;
            let rows = statement.query_map(params![subscription_id], gap_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// One gap.
    pub fn gap(&self, id: i64) -> Result<Option<StoredGap>, StoreError> {
        self.with(|c| {
            Ok(c.query_row(
                &format!("SELECT {GAP_COLUMNS} FROM gaps WHERE id = ?1"),
                params![id],
                gap_row,
            )
            .optional()?)
        })
    }

    /// Keeps a gap's reconciliation.
    pub fn gap_reconciled(&self, id: i64, now: i64, result: &Value) -> Result<(), StoreError> {
        let text = result.to_string();
        self.write(|c| {
            c.execute(
                "UPDATE gaps SET reconciled_at = ?2, reconciliation = ?3 WHERE id = ?1",
                params![id, now, text],
            )?;
            Ok(())
        })
    }

    /// A subscription and every one it replaced (their notifications are its history), newest
    /// first.
    pub fn lineage(&self, id: &str) -> Result<Vec<String>, StoreError> {
        self.with(|c| {
            let mut ids = vec![id.to_owned()];
            let mut statement =
                c.prepare("SELECT old_id FROM replaced_subscriptions WHERE new_id = ?1")?;
            while ids.len() < 100 {
                let Some(last) = ids.last().cloned() else {
                    break;
                };
                let older: Option<String> = statement
                    .query_row(params![last], |row| row.get(0))
                    .optional()?;
                match older {
                    Some(older) if !ids.contains(&older) => ids.push(older),
                    _ => break,
                }
            }
            Ok(ids)
        })
    }

    /// The subscription that stands for `id` now: itself, or the one that replaced it (a
    /// recreation gives a new id).
    pub fn current_subscription(&self, id: &str) -> Result<String, StoreError> {
        self.with(|c| {
            let mut current = id.to_owned();
            let mut statement =
                c.prepare("SELECT new_id FROM replaced_subscriptions WHERE old_id = ?1")?;
            for _ in 0..100 {
                let newer: Option<String> = statement
                    .query_row(params![current], |row| row.get(0))
                    .optional()?;
                match newer {
                    Some(newer) if newer != current => current = newer,
                    _ => break,
                }
            }
            Ok(current)
        })
    }

    /// Moves a subscription's gaps and delta links to the subscription that replaced it.
    pub fn gaps_follow(&self, old_id: &str, new_id: &str) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "UPDATE gaps SET subscription_id = ?2 WHERE subscription_id = ?1",
                params![old_id, new_id],
            )?;
            c.execute(
                "UPDATE OR REPLACE delta_links SET subscription_id = ?2 WHERE subscription_id = ?1",
                params![old_id, new_id],
            )?;
            c.execute(
                "INSERT OR REPLACE INTO replaced_subscriptions (old_id, new_id) VALUES (?1, ?2)",
                params![old_id, new_id],
            )?;
            Ok(())
        })
    }

    /// The delta paths a subscription has links kept for.
    pub fn delta_link_keys(&self, subscription_id: &str) -> Result<Vec<String>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare(
                "SELECT start FROM delta_links WHERE subscription_id = ?1 ORDER BY start",
            )?;
            let rows = statement.query_map(params![subscription_id], |row| row.get(0))?;
            Ok(rows.collect::<Result<Vec<String>, _>>()?)
        })
    }

    /// The delta link kept for a subscription and delta path, with when it was taken.
    pub fn delta_link(
        &self,
        subscription_id: &str,
        start: &str,
    ) -> Result<Option<(String, i64)>, StoreError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT link, taken_at FROM delta_links WHERE subscription_id = ?1 AND start = ?2",
                params![subscription_id, start],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?)
        })
    }

    /// Keeps a subscription's first delta link (a baseline), unless one is already kept or the
    /// subscription is no longer the app's (it was replaced or deleted meanwhile); answers
    /// whether it was kept.
    pub fn put_baseline_link(
        &self,
        subscription_id: &str,
        start: &str,
        link: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.write(|c| {
            let kept = c.execute(
                "INSERT OR IGNORE INTO delta_links (subscription_id, start, link, taken_at)
                 SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM owned_subscriptions
                   WHERE id = ?1 AND state NOT IN ('deleted', 'removed'))",
                params![subscription_id, start, link, now],
            )?;
            Ok(kept > 0)
        })
    }

    /// Keeps the delta link to ask next time.
    pub fn put_delta_link(
        &self,
        subscription_id: &str,
        start: &str,
        link: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "INSERT OR REPLACE INTO delta_links (subscription_id, start, link, taken_at) VALUES (?1, ?2, ?3, ?4)",
                params![subscription_id, start, link, now],
            )?;
            Ok(())
        })
    }

    /// The trusted items of a subscription's notifications that arrived from `since` (Unix
    /// seconds), oldest first, at most `limit`.
    pub fn notified_since(
        &self,
        subscription_id: &str,
        since: i64,
        limit: i64,
    ) -> Result<Vec<NotifiedItem>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare(&format!(
                "SELECT i.id, i.reception_id, unixepoch(r.received_at), i.change_type, i.resource,
                        json_extract(i.item, '$.resourceData.id'),
                        json_extract(i.item, '$.resourceData.\"@odata.etag\"'), i.dedup_key
                   FROM items i JOIN receptions r ON r.id = i.reception_id
                  WHERE i.subscription_id = ?1 AND {TRUSTED}
                    AND unixepoch(r.received_at) >= ?2
                  ORDER BY i.id DESC LIMIT ?3"
            ))?;
            let rows = statement.query_map(params![subscription_id, since, limit], |row| {
                let text = |i: usize| -> rusqlite::Result<Option<String>> {
                    Ok(match row.get_ref(i)? {
                        rusqlite::types::ValueRef::Text(t) => {
                            Some(String::from_utf8_lossy(t).into_owned())
                        }
                        _ => None,
                    })
                };
                Ok(NotifiedItem {
                    item_id: row.get(0)?,
                    reception_id: row.get(1)?,
                    received_at: row.get::<_, Option<i64>>(2)?.unwrap_or(0),
                    change_type: row.get(3)?,
                    resource: row.get(4)?,
                    resource_id: text(5)?,
                    change_key: text(6)?,
                    notification_key: row.get(7)?,
                })
            })?;
            // Newest first (a cut drops the oldest), then back in order.
            let mut items = rows.collect::<Result<Vec<_>, _>>()?;
            items.reverse();
            Ok(items)
        })
    }

    /// Up to when receptions were removed (Unix seconds), if any were: the arrival of the
    /// oldest still kept when older ones went (ids count up from 1, so a first id above 1 says
    /// so), or the newest retention removed, whichever is later (retention keeps a reception
    /// still pending its checks, and removes newer ones).
    pub fn oldest_kept_after_removal(&self) -> Result<Option<i64>, StoreError> {
        self.with(|c| {
            let first: Option<(i64, Option<i64>)> = c
                .query_row(
                    "SELECT id, unixepoch(received_at) FROM receptions ORDER BY id LIMIT 1",
                    [],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let before_oldest = first.and_then(|(id, at)| at.filter(|_| id > 1));
            let removed_upto = crate::read_preference(c, crate::retention::REMOVED_UPTO)?
                .and_then(|at| at.parse::<i64>().ok());
            Ok(before_oldest.max(removed_upto))
        })
    }

    /// When a subscription's newest reconciled gap was reconciled (Unix seconds).
    pub fn last_reconciled(&self, subscription_id: &str) -> Result<Option<i64>, StoreError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT max(reconciled_at) FROM gaps WHERE subscription_id = ?1",
                params![subscription_id],
                |row| row.get::<_, Option<i64>>(0),
            )?)
        })
    }

    /// How many gaps of a subscription are not reconciled yet.
    pub fn open_gap_count(&self, subscription_id: &str) -> Result<usize, StoreError> {
        self.with(|c| {
            let n: i64 = c.query_row(
                "SELECT count(*) FROM gaps WHERE subscription_id = ?1 AND reconciled_at IS NULL",
                params![subscription_id],
                |row| row.get(0),
            )?;
            Ok(usize::try_from(n).unwrap_or(0))
        })
    }

    /// When the newest `n` notifications of a subscription arrived (Unix seconds), newest
    /// first.
    pub fn recent_arrivals(&self, subscription_id: &str, n: i64) -> Result<Vec<i64>, StoreError> {
        self.with(|c| {
            // Newest receptions first by row (indexed), their times only then.
            let mut statement = c.prepare(
                "SELECT DISTINCT unixepoch(r.received_at) AS at FROM
                   (SELECT DISTINCT i.reception_id AS id FROM items i
                     WHERE i.subscription_id = ?1 AND i.client_state = 'matches'
                     ORDER BY i.reception_id DESC LIMIT ?2 * 20) newest
                   JOIN receptions r ON r.id = newest.id
                  WHERE r.kind = 'notification'
                  ORDER BY at DESC LIMIT ?2",
            )?;
            let rows = statement.query_map(params![subscription_id, n], |row| {
                row.get::<_, Option<i64>>(0)
            })?;
            // Several receptions in one second are one arrival (DISTINCT above).
            Ok(rows.filter_map(|r| r.ok().flatten()).collect())
        })
    }

    /// When the newest notification of a subscription arrived (Unix seconds).
    pub fn last_notified(&self, subscription_id: &str) -> Result<Option<i64>, StoreError> {
        self.with(|c| {
            Ok(c.query_row(
                &format!(
                    "SELECT unixepoch(r.received_at) FROM items i JOIN receptions r ON r.id = i.reception_id
                      WHERE i.subscription_id = ?1 AND {TRUSTED}
                      ORDER BY i.reception_id DESC LIMIT 1"
                ),
                params![subscription_id],
                |row| row.get::<_, Option<i64>>(0),
            )
            .optional()?
            .flatten())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_widen_listening_periods_end_and_links_follow_a_recreated_subscription() {
        let store = Store::temporary().expect("store");
        let first = store.listening_started(100).unwrap_or_default();
        store.listening_alive(first, 160).unwrap_or_default();
        let second = store.listening_started(400).unwrap_or_default();
        store.listening_stopped(second, 500).unwrap_or_default();
        let periods = store.listening_periods().unwrap_or_default();
        assert_eq!(periods.len(), 2);
        assert_eq!(
            periods[0].ended_at(),
            160,
            "a crash ends at the last heartbeat"
        );
        assert_eq!(periods[1].ended_at(), 500);

        // Delivery health is read only from a period still listening and recently alive.
        let judged = serde_json::json!({"state": "healthy"});
        store
            .listening_delivery(second, 450, &judged)
            .expect("recorded");
        assert_eq!(store.live_delivery(0).expect("read"), None, "stopped");
        let third = store.listening_started(600).expect("started");
        store
            .listening_delivery(third, 610, &judged)
            .expect("recorded");
        store.listening_alive(third, 615).expect("alive");
        assert_eq!(
            store.live_delivery(600).expect("read"),
            Some((610, judged.clone()))
        );
        assert_eq!(store.live_delivery(616).expect("read"), None, "gone quiet");

        let gap = |from, to| NewGap {
            subscription_id: "s",
            cause: "missed",
            from,
            to,
            opened_at: to,
            detail: "x",
        };
        let a = store.open_gap(&gap(10, 20)).unwrap_or_default();
        let b = store.open_gap(&gap(15, 30)).unwrap_or_default();
        assert_eq!(a, b, "an overlapping gap widens the open one");
        let c = store.open_gap(&gap(40, 50)).unwrap_or_default();
        assert_ne!(a, c);
        let kept = store.gap(a).ok().flatten();
        assert_eq!(kept.map(|g| (g.from, g.to)), Some((10, 30)));
        store
            .gap_reconciled(a, 60, &serde_json::json!({"unnotified": []}))
            .unwrap_or_default();
        let d = store.open_gap(&gap(25, 35)).unwrap_or_default();
        assert_ne!(a, d, "a reconciled gap is not widened");

        store
            .put_delta_link("s", "/d", "link1", 5)
            .unwrap_or_default();
        store.gaps_follow("s", "t").unwrap_or_default();
        assert_eq!(
            store.delta_link("t", "/d").ok().flatten(),
            Some(("link1".to_owned(), 5))
        );
        assert_eq!(store.gaps(Some("t")).map(|g| g.len()).unwrap_or(0), 3);
        store.gaps_follow("t", "u").unwrap_or_default();
        assert_eq!(store.lineage("u").unwrap_or_default(), ["u", "t", "s"]);
    }
}
