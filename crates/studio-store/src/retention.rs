//! Retention: the oldest receptions (with their items, search entries and forwards) go once
//! there are more than a count of them or the database uses more than a number of bytes.
//!
//! The size counted is what the database really uses on disk: pages in use times the page size,
//! so headers, queries, items, decrypted copies and the search index count as much as bodies.
//! Freed pages are reused by what arrives next, so the file stops growing at the limit.

use rusqlite::{Connection, OptionalExtension, params};

use crate::writing::Writer;
use crate::{Store, StoreError};

/// The most rounds of deleting one pruning pass makes.
const MAX_ROUNDS: usize = 400;

/// Bytes the database uses now.
fn used_bytes(connection: &Connection) -> Result<u64, StoreError> {
    let pages: i64 = connection.pragma_query_value(None, "page_count", |r| r.get(0))?;
    let free: i64 = connection.pragma_query_value(None, "freelist_count", |r| r.get(0))?;
    let size: i64 = connection.pragma_query_value(None, "page_size", |r| r.get(0))?;
    Ok(u64::try_from((pages - free).max(0) * size).unwrap_or(0))
}

/// Deletes receptions with `id <= upto` and everything that belongs to them (one transaction
/// per round, so a writer waiting for the gate waits for one round at most).
fn delete_upto(writer: &mut Writer, upto: i64) -> Result<u64, StoreError> {
    writer.transaction(|transaction| {
        transaction.execute("DELETE FROM items WHERE reception_id <= ?1", params![upto])?;
        transaction.execute(
            "DELETE FROM forwards WHERE reception_id <= ?1",
            params![upto],
        )?;
        let removed =
            transaction.execute("DELETE FROM receptions WHERE id <= ?1", params![upto])?;
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
        let mut removed = 0;
        let count: i64 = writer
            .reader()
            .query_row("SELECT COUNT(*) FROM receptions", [], |r| r.get(0))?;
        let excess = u64::try_from(count).unwrap_or(0).saturating_sub(max_count);
        if excess > 0 {
            let cutoff: Option<i64> = writer
                .reader()
                .query_row(
                    "SELECT id FROM receptions ORDER BY id LIMIT 1 OFFSET ?1",
                    params![excess - 1],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(cutoff) = cutoff {
                removed += delete_upto(&mut writer, cutoff)?;
            }
        }
        for _ in 0..MAX_ROUNDS {
            if used_bytes(writer.reader())? <= max_bytes {
                break;
            }
            // A twentieth of what is left (at least 50) per round: few rounds for a flood,
            // little over-pruning near the limit.
            let left: i64 =
                writer
                    .reader()
                    .query_row("SELECT COUNT(*) FROM receptions", [], |r| r.get(0))?;
            if left == 0 {
                break;
            }
            let step = (left / 20).max(50);
            let cutoff: Option<i64> = writer
                .reader()
                .query_row(
                    "SELECT id FROM receptions ORDER BY id LIMIT 1 OFFSET ?1",
                    params![(step - 1).min(left - 1)],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(cutoff) = cutoff else { break };
            removed += delete_upto(&mut writer, cutoff)?;
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
}
