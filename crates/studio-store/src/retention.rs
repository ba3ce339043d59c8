//! Retention: the oldest receptions (with their items, search entries and forwards) go once
//! there are more than a count of them or the database uses more than a number of bytes.
//!
//! The size counted is what the database really uses on disk: pages in use times the page size,
//! so headers, queries, items, decrypted copies and the search index count as much as bodies.
//! Freed pages are reused by what arrives next, so the file stops growing at the limit.
//!
//! It deletes in rounds of at most [`ROUND`] receptions, their items first in transactions of at
//! most [`ITEM_ROUND`] items, each its own short transaction, and never a reception whose checks
//! are still pending (the checked ones around it go; the limit is exceeded by the pending ones
//! meanwhile, until the check queue catches up).

use rusqlite::{Connection, OptionalExtension, params};

use crate::writing::Writer;
use crate::{Store, StoreError};

/// The most receptions one round deletes. Every writer waits for the round holding the gate:
/// measured under a burst, deleting the excess of 100,000 receptions in one transaction held it
/// (and every acknowledgement) for 6 s.
const ROUND: i64 = 100;
/// The most items one transaction deletes: each leaves the search index too, which costs about
/// as much as indexing it. 1,000 items (100 receptions of 10) in one transaction took 7–24 ms on
/// an idle machine, and acknowledgements waited for it; 200 take about 2 ms. A reception of
/// 10,000 items goes in fifty of them.
const ITEM_ROUND: usize = 200;
/// The preference that keeps when the newest reception retention removed arrived (Unix seconds).
pub(crate) const REMOVED_UPTO: &str = "retention.removed-upto";
/// The most rounds one pruning pass makes (the next pass, after the next commits, goes on).
const MAX_ROUNDS: usize = 5_000;

/// Bytes the database uses now.
fn used_bytes(connection: &Connection) -> Result<u64, StoreError> {
    let pages: i64 = connection.pragma_query_value(None, "page_count", |r| r.get(0))?;
    let free: i64 = connection.pragma_query_value(None, "freelist_count", |r| r.get(0))?;
    let size: i64 = connection.pragma_query_value(None, "page_size", |r| r.get(0))?;
    Ok(u64::try_from((pages - free).max(0) * size).unwrap_or(0))
}

/// The one number `sql` answers (`None` for SQL's NULL).
fn one_number(connection: &Connection, sql: &str) -> Result<Option<i64>, StoreError> {
    Ok(connection
        .prepare_cached(sql)?
        .query_row([], |r| r.get(0))
        .optional()?
        .flatten())
}

/// Up to `step` of the oldest receptions with `id <= upto` that are not waiting for their checks.
fn oldest_checked(connection: &Connection, upto: i64, step: i64) -> Result<Vec<i64>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT id FROM receptions WHERE pending = 0 AND id <= ?1 ORDER BY id LIMIT ?2",
    )?;
    let ids = statement
        .query_map(params![upto, step], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(ids)
}

/// Deletes the receptions `ids` (at most [`ROUND`], none pending) and everything that belongs to
/// them: their items [`ITEM_ROUND`] at a time, then the rest in one transaction. Interrupted
/// half-way, the next pass deletes the rest: the same receptions are still the oldest.
fn delete(writer: &mut Writer, ids: &[i64]) -> Result<u64, StoreError> {
    // A JSON array, read back with `json_each`.
    let ids = format!(
        "[{}]",
        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    );
    loop {
        let deleted = writer.transaction(|transaction| {
            Ok(transaction
                .prepare_cached(&format!(
                    "DELETE FROM items WHERE id IN
                       (SELECT id FROM items
                         WHERE reception_id IN (SELECT value FROM json_each(?1))
                         LIMIT {ITEM_ROUND})"
                ))?
                .execute(params![ids])?)
        })?;
        if deleted < ITEM_ROUND {
            break;
        }
    }
    writer.transaction(|transaction| {
        // The newest arrival removed, for reconciliations to say what they cannot compare:
        // with a reception still pending, newer ones than it go too.
        transaction.execute(
            &format!(
                "INSERT INTO preferences (key, value)
                 SELECT '{REMOVED_UPTO}', CAST(at AS TEXT) FROM
                   (SELECT MAX(unixepoch(received_at)) AS at FROM receptions
                     WHERE pending = 0 AND id IN (SELECT value FROM json_each(?1)))
                  WHERE at IS NOT NULL
                 ON CONFLICT (key) DO UPDATE SET value =
                   CAST(MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)"
            ),
            params![ids],
        )?;
        // A send that ends after its reception went records nothing (`record_forward`).
        transaction.execute(
            "DELETE FROM forwards WHERE reception_id IN (SELECT value FROM json_each(?1))",
            params![ids],
        )?;
        // `pending` again: a reception is never deleted while its checks wait (it cannot become
        // pending again, so this only guards the rule).
        let removed = transaction.execute(
            "DELETE FROM receptions WHERE pending = 0 AND id IN (SELECT value FROM json_each(?1))",
            params![ids],
        )?;
        Ok(u64::try_from(removed).unwrap_or(0))
    })
}

impl Store {
    /// How many receptions are stored, and the bytes the database uses.
    pub fn usage(&self) -> Result<(u64, u64), StoreError> {
        self.with(|c| {
            let count: i64 = c.query_row("SELECT COUNT(*) FROM receptions", [], |r| r.get(0))?;
            Ok((u64::try_from(count).unwrap_or(0), used_bytes(c)?))
        })
    }

    /// Prunes the oldest receptions beyond `max_count` receptions or `max_bytes` used on disk;
    /// answers how many went.
    ///
    /// It works on a connection of its own, so the window's reads and writes on the store's
    /// connection go on between its rounds.
    pub fn prune(&self, max_count: u64, max_bytes: u64) -> Result<u64, StoreError> {
        let mut writer = self.writer(crate::writing::Priority::Background)?;
        // A deletion lost to a power cut is made again by the next pass: no fsync per round,
        // which under a burst waited behind the acknowledgements' own.
        writer
            .reader()
            .pragma_update(None, "synchronous", "NORMAL")?;
        let mut left = one_number(writer.reader(), "SELECT COUNT(*) FROM receptions")?.unwrap_or(0);
        // Never a reception still waiting for its checks: under a burst the check queue falls
        // behind, and what Graph was told "202" about is checked before it may go. The checked
        // ones around it go as usual, so one that stays pending (a check queue that is not
        // running) does not hold retention back.
        //
        // The newest reception the count limit lets go, found once as an id: a second process
        // pruning the same folder at the same time finds the same one, so together they never
        // delete more than the excess.
        let excess = u64::try_from(left).unwrap_or(0).saturating_sub(max_count);
        let by_count: Option<i64> = if excess > 0 {
            writer
                .reader()
                .prepare_cached("SELECT id FROM receptions ORDER BY id LIMIT 1 OFFSET ?1")?
                .query_row(params![excess - 1], |r| r.get(0))
                .optional()?
        } else {
            None
        };
        let mut removed = 0;
        for _ in 0..MAX_ROUNDS {
            let by_count = match by_count {
                Some(upto) => oldest_checked(writer.reader(), upto, ROUND)?,
                None => Vec::new(),
            };
            let round = if !by_count.is_empty() {
                by_count
            } else if used_bytes(writer.reader())? > max_bytes {
                // A twentieth of what is left (at least 50, at most a round): little
                // over-pruning near the limit.
                oldest_checked(writer.reader(), i64::MAX, (left / 20).clamp(50, ROUND))?
            } else {
                break;
            };
            if round.is_empty() {
                // Only receptions waiting for their checks are left: the next pass goes on.
                break;
            }
            let deleted = delete(&mut writer, &round)?;
            if deleted == 0 {
                // Another process deleted them first.
                break;
            }
            removed += deleted;
            left = left.saturating_sub(i64::try_from(deleted).unwrap_or(left));
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use studio_receiver::{NewReception, ReceptionKind};

    use super::*;

    fn reception(size: usize) -> NewReception {
        NewReception {
            received_at: "2026-11-27T00:00:00.000Z".into(),
            kind: ReceptionKind::Unexpected,
            method: "POST".into(),
            path: "/x".into(),
            query: String::new(),
            headers: vec![("x-big".into(), "h".repeat(size))],
            body: Vec::new(),
            peer: "127.0.0.1:1".into(),
            status: 404,
            reason: None,
        }
    }

    #[test]
    fn headers_count_toward_the_size_and_the_newest_are_kept() {
        let store = Store::temporary().expect("store");
        let batch: Vec<NewReception> = (0..400).map(|_| reception(8 * 1024)).collect();
        let ids = store.insert_receptions(&batch).expect("stored");
        let (count, before) = store.usage().expect("usage");
        assert_eq!(count, 400);
        assert!(before > 3 * 1024 * 1024, "{before} bytes, bodies empty");
        let limit = before / 2;
        let removed = store.prune(u64::MAX, limit).expect("pruned");
        let (left, after) = store.usage().expect("usage");
        assert!(
            removed > 0 && after <= limit,
            "{removed} removed, {after} > {limit}"
        );
        assert_eq!(left + removed, 400);
        assert!(
            store.reception(ids[399]).expect("read").is_some(),
            "the newest stays"
        );
        assert!(
            store.reception(ids[0]).expect("read").is_none(),
            "the oldest goes"
        );

        assert_eq!(store.prune(10, u64::MAX).expect("by count"), left - 10);
    }

    #[test]
    fn a_large_notification_goes_whole_its_items_a_few_at_a_time() {
        let store = Store::temporary().expect("store");
        let items: Vec<String> = (0..ITEM_ROUND * 2 + 50)
            .map(|n| format!("{{\"id\":\"n{n}\"}}"))
            .collect();
        let body = format!("{{\"value\":[{}]}}", items.join(","));
        let mut large = reception(0);
        large.kind = ReceptionKind::Notification;
        large.body = body.clone().into_bytes();
        let ids = store
            .insert_receptions(&[large, reception(0)])
            .expect("stored");
        let checker = studio_receiver::ItemChecker::new(std::sync::Arc::new(
            studio_receiver::checks::NoSubscriptions,
        ));
        let read = checker.read(body.as_bytes()).expect("read");
        let checked: Vec<_> = (0..items.len())
            .filter_map(|p| checker.check_item(&read, p))
            .collect();
        store.insert_items(ids[0], &checked).expect("items");
        store
            .with(|c| {
                c.execute("UPDATE receptions SET pending = 0", [])?;
                Ok(())
            })
            .expect("checked");
        store.index_for_search().expect("indexed");

        assert_eq!(store.prune(1, u64::MAX).expect("pruned"), 1);
        assert!(store.reception(ids[0]).expect("read").is_none());
        assert!(store.items_of(ids[0]).expect("items").is_empty());
        assert!(store.reception(ids[1]).expect("read").is_some());
        store
            .with(|c| {
                c.execute(
                    "INSERT INTO items_text (items_text) VALUES ('integrity-check')",
                    [],
                )?;
                Ok(())
            })
            .expect("the search index lost the items too");
    }

    #[test]
    fn two_processes_pruning_at_once_keep_the_count() {
        let store = Store::temporary().expect("store");
        let batch: Vec<NewReception> = (0..1_000).map(|_| reception(16)).collect();
        store.insert_receptions(&batch).expect("stored");
        // The window and a `listen` on the same folder each run their upkeep.
        let other = Store::open(store.path()).expect("opened again");
        let pruning = std::thread::spawn(move || other.prune(300, u64::MAX).expect("pruned"));
        let here = store.prune(300, u64::MAX).expect("pruned");
        let there = pruning.join().expect("joined");
        assert_eq!(here + there, 700);
        assert_eq!(store.usage().expect("usage").0, 300);
    }

    #[test]
    fn a_reception_waiting_for_its_checks_is_never_pruned() {
        let store = Store::temporary().expect("store");
        let old: Vec<NewReception> = (0..300).map(|_| reception(16)).collect();
        store.insert_receptions(&old).expect("stored");
        // A notification acknowledged but not checked yet (the check queue is behind)...
        let mut waiting = reception(16);
        waiting.kind = ReceptionKind::Notification;
        waiting.status = 202;
        waiting.body = br#"{"value":[]}"#.to_vec();
        let pending = store.insert_receptions(&[waiting]).expect("stored")[0];
        let newer: Vec<NewReception> = (0..300).map(|_| reception(16)).collect();
        store.insert_receptions(&newer).expect("stored");
        assert_eq!(store.pending_checks().expect("pending"), 1);

        // ...stays whatever the limit; the checked ones before and after it go in rounds, so a
        // reception that stays pending does not hold retention back.
        assert_eq!(store.prune(0, 0).expect("pruned"), 600);
        assert!(store.reception(pending).expect("read").is_some());
        assert_eq!(store.usage().expect("usage").0, 1);
    }

    #[test]
    fn what_went_is_remembered_past_a_pending_reception_and_late_forwards_are_not_kept() {
        let store = Store::temporary().expect("store");
        let at = |minute: u32| {
            let mut r = reception(16);
            r.received_at = format!("2026-11-27T00:{minute:02}:00.000Z");
            r
        };
        let mut waiting = at(0);
        waiting.kind = ReceptionKind::Notification;
        waiting.status = 202;
        waiting.body = br#"{"value":[]}"#.to_vec();
        let ids = store
            .insert_receptions(&[waiting, at(1), at(2), at(3)])
            .expect("stored");
        assert_eq!(store.oldest_kept_after_removal().expect("read"), None);

        // The pending one stays; the two after it go, and reconciliations say up to when.
        assert_eq!(store.prune(1, u64::MAX).expect("pruned"), 2);
        assert!(store.reception(ids[0]).expect("read").is_some());
        assert_eq!(
            store.oldest_kept_after_removal().expect("read"),
            Some(1_795_737_720),
            "2026-11-27T00:02:00Z"
        );

        // A forward that ends after its reception went is not recorded; one of a reception
        // still kept (a replay of the pending one) is, and stays with it.
        let forward = |reception_id| crate::inspect::Forward {
            reception_id,
            at: "2026-11-27T00:05:00.000Z".into(),
            url: "http://127.0.0.1:1/".into(),
            status: Some(202),
            duration_ms: 1,
            body: None,
            failure: None,
        };
        store.record_forward(&forward(ids[2])).expect("recorded");
        store.record_forward(&forward(ids[0])).expect("recorded");
        assert!(store.forwards_of(ids[2]).expect("read").is_empty());
        store.insert_receptions(&[at(4), at(5)]).expect("stored");
        assert_eq!(store.prune(1, u64::MAX).expect("pruned"), 2);
        assert_eq!(store.forwards_of(ids[0]).expect("read").len(), 1);
    }

    #[test]
    fn a_partly_checked_large_notification_keeps_its_items_while_older_ones_go() {
        let store = Store::temporary().expect("store");
        let old = store
            .insert_receptions(&[reception(16), reception(16)])
            .expect("stored");
        let mut large = reception(0);
        large.kind = ReceptionKind::Notification;
        large.status = 202;
        large.body = br#"{"value":[{"id":"a"},{"id":"b"}]}"#.to_vec();
        let large = store.insert_receptions(&[large]).expect("stored")[0];
        // Its first item is kept, the second not yet: the reception is still pending.
        let checker = studio_receiver::ItemChecker::new(std::sync::Arc::new(
            studio_receiver::checks::NoSubscriptions,
        ));
        let body = store
            .reception(large)
            .expect("read")
            .expect("there")
            .request
            .body;
        let read = checker.read(&body).expect("read");
        let first: Vec<_> = checker.check_item(&read, 0).into_iter().collect();
        store.insert_items(large, &first).expect("items");
        store.insert_receptions(&[reception(16)]).expect("stored");

        assert_eq!(store.prune(1, u64::MAX).expect("pruned"), 2);
        assert!(store.reception(old[0]).expect("read").is_none());
        assert!(store.reception(old[1]).expect("read").is_none());
        assert_eq!(store.items_of(large).expect("items").len(), 1);
        assert_eq!(store.usage().expect("usage").0, 2);
    }
}
