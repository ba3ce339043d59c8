//! Event Hubs consumers' committed offsets, kept beside the receptions they produced.
//!
//! A Kafka consumer group commits offsets to the broker after the events are processed, so a
//! crash in between reads them twice. Here the events and the partition's next offset are written
//! in one transaction: the store is the consumer's memory, and an event already stored (an offset
//! below the committed one) is skipped even if the broker hands it out again.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use studio_receiver::NewReception;

use crate::receptions::insert_into;
use crate::{Store, StoreError};

impl Store {
    /// The next offset to read, per partition, of a consumer (`source` names the broker, the
    /// hub and the consumer group).
    pub fn hub_offsets(&self, source: &str) -> Result<BTreeMap<i32, i64>, StoreError> {
        self.with(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT partition, next_offset FROM hub_offsets WHERE source = ?1",
            )?;
            let rows =
                statement.query_map(params![source], |row| Ok((row.get(0)?, row.get(1)?)))?;
            Ok(rows.collect::<Result<BTreeMap<i32, i64>, _>>()?)
        })
    }

    /// Stores the events read from one partition (each with its offset) and moves the partition
    /// to `next_offset`, in one transaction. Events below the committed offset are already stored
    /// and skipped. Answers the new receptions' ids.
    pub fn commit_hub_batch(
        &self,
        source: &str,
        partition: i32,
        events: Vec<(i64, NewReception)>,
        next_offset: i64,
        committed_at: &str,
    ) -> Result<Vec<i64>, StoreError> {
        self.write(|transaction| {
            let committed: Option<i64> = transaction
                .query_row(
                    "SELECT next_offset FROM hub_offsets WHERE source = ?1 AND partition = ?2",
                    params![source, partition],
                    |row| row.get(0),
                )
                .optional()?;
            let fresh: Vec<NewReception> = events
                .into_iter()
                .filter(|(offset, _)| committed.is_none_or(|c| *offset >= c))
                .map(|(_, reception)| reception)
                .collect();
            let ids = insert_into(transaction, &fresh)?;
            transaction.execute(
                "INSERT INTO hub_offsets (source, partition, next_offset, committed_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (source, partition) DO UPDATE
                 SET next_offset = max(next_offset, excluded.next_offset),
                     committed_at = excluded.committed_at",
                params![source, partition, next_offset, committed_at],
            )?;
            Ok(ids)
        })
    }
}

impl Store {
    /// Moves a partition's offset back (the hub was reset: its offsets start again), so what is
    /// read from there is stored.
    pub fn reset_hub_offset(
        &self,
        source: &str,
        partition: i32,
        next_offset: i64,
        at: &str,
    ) -> Result<(), StoreError> {
        self.write(|transaction| {
            transaction.execute(
                "INSERT INTO hub_offsets (source, partition, next_offset, committed_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (source, partition) DO UPDATE
                 SET next_offset = excluded.next_offset, committed_at = excluded.committed_at",
                params![source, partition, next_offset, at],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use studio_receiver::ReceptionKind;

    use super::*;

    fn event(n: i64) -> (i64, NewReception) {
        (
            n,
            NewReception {
                received_at: "2026-11-28T00:00:00.000Z".into(),
                kind: ReceptionKind::Notification,
                method: "EVENT".into(),
                path: "/graph".into(),
                query: format!("partition=0&offset={n}"),
                headers: Vec::new(),
                body: b"{\"value\":[]}".to_vec(),
                peer: "127.0.0.1:9092".into(),
                status: 202,
                reason: None,
            },
        )
    }

    #[test]
    fn events_read_twice_are_stored_once_and_the_offset_only_moves_forward() {
        let store = Store::temporary().expect("opens");
        let at = "2026-11-28T00:00:00Z";
        let first = store
            .commit_hub_batch("hub", 0, vec![event(0), event(1)], 2, at)
            .expect("first batch");
        assert_eq!(first.len(), 2);
        // The broker hands out 1 again (a restart before its commit would): it is skipped.
        let again = store
            .commit_hub_batch("hub", 0, vec![event(1), event(2)], 3, at)
            .expect("second batch");
        assert_eq!(again.len(), 1);
        assert_eq!(store.reception_count().expect("count"), 3);
        store
            .commit_hub_batch("hub", 0, Vec::new(), 1, at)
            .expect("an older offset");
        assert_eq!(
            store.hub_offsets("hub").expect("offsets"),
            BTreeMap::from([(0, 3)])
        );
        assert!(store.hub_offsets("another").expect("offsets").is_empty());
        // A reset hub starts again at 0: the offset goes back and its events are stored.
        store.reset_hub_offset("hub", 0, 0, at).expect("reset");
        let after = store
            .commit_hub_batch("hub", 0, vec![event(0)], 1, at)
            .expect("after the reset");
        assert_eq!(after.len(), 1);
    }
}
