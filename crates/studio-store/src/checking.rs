//! The durable check queue: every acknowledged notification is checked exactly once, whatever
//! happens to its connection or to the process.
//!
//! The reception writer inserts a notification `pending` in the same transaction as the
//! reception itself. One worker thread, with its own connection, takes pending receptions in id
//! order, a few at a time, reads each with the receiver's [`ItemChecker`] and keeps items in
//! transactions of at most [`CHUNK`] items: many small receptions share one, a large body is
//! spread over several. Each transaction also moves each reception's `checked_items` forward,
//! and the one with its last items clears `pending`; only then is the listener told. A process
//! killed half-way resumes where the last committed transaction ended, at start-up, so no item is
//! kept twice and none is skipped. Transactions are short and pass the store's write gate, so the
//! reception writer (another connection) waits for one of them at most, and the acknowledgement
//! never waits for checks.
//!
//! The queue is the database: however far checks fall behind, memory holds one body at a time.
//! When nothing is pending, the same worker fills the search index (`search_index.rs`).

use std::sync::Arc;

use rusqlite::{OptionalExtension, params};
use studio_receiver::{CheckedItem, ItemChecker, ReceptionKind};

use crate::doorbell::Doorbell;
use crate::writing::Writer;
use crate::{Store, StoreError};

/// The most items kept in one transaction.
pub const CHUNK: usize = 200;
/// The most bytes of finished bodies one transaction waits with before it commits.
const ROUND_BYTES: usize = 8 * 1024 * 1024;
/// The pause before the queue looks again after a failed round.
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(1);
/// The most pending receptions taken in one look.
const BATCH: u32 = 32;

/// Told about each reception once its checks are kept (on the queue's thread: return quickly).
pub trait CheckListener: Send + Sync {
    /// Reception `id` (`kind`, `body` as stored) is checked; `lifecycle` holds its lifecycle
    /// items (the others are in the store).
    fn checked(&self, id: i64, kind: ReceptionKind, body: &[u8], lifecycle: Vec<CheckedItem>);
}

/// Nobody listens.
#[derive(Debug, Default)]
pub struct NoListener;

impl CheckListener for NoListener {
    fn checked(&self, _: i64, _: ReceptionKind, _: &[u8], _: Vec<CheckedItem>) {}
}

/// The queue's handle: wake it when something was committed; dropping it stops the worker
/// (after its current transaction), [`CheckQueue::stop`] also waits for that.
#[derive(Debug)]
pub struct CheckQueue {
    bell: Doorbell,
    worker: Option<std::thread::JoinHandle<()>>,
}

impl CheckQueue {
    /// Starts the worker over `store` (its own connection); it first checks whatever is pending
    /// from before (a crash, an older build).
    pub fn start(
        store: &Store,
        checker: ItemChecker,
        listener: Arc<dyn CheckListener>,
    ) -> Result<CheckQueue, StoreError> {
        let mut writer = store.writer(crate::writing::Priority::Background)?;
        // Checks are derived from bodies the reception writer already made durable: a crash of
        // the process loses nothing (SQLite's writes have reached the OS), and a power cut can
        // only lose the newest checks, whose receptions stay pending and are checked again.
        writer
            .reader()
            .pragma_update(None, "synchronous", "NORMAL")?;
        let bell = Doorbell::rung();
        let worker_bell = bell.clone();
        let worker = std::thread::Builder::new()
            .name("check-queue".into())
            .spawn(move || {
                // Normal priority, unlike `listen`'s printer: this thread holds the write gate
                // every acknowledgement needs, and at the lowest priority it would hold it for as
                // long as other programs keep the CPU busy (docs/receiver.md, Figures).
                while worker_bell.wait() {
                    if let Err(error) =
                        drain(&mut writer, &checker, listener.as_ref(), &worker_bell)
                    {
                        // E.g. retention removed a reception mid-round (its items' foreign key
                        // fails and the round rolls back): nothing was kept, all stays pending;
                        // look again shortly, not only at the next arrival.
                        tracing::error!(%error, "the check queue failed; it tries again in a second");
                        std::thread::sleep(RETRY_AFTER);
                        worker_bell.ring();
                    }
                }
            })
            .map_err(StoreError::Io)?;
        Ok(CheckQueue {
            bell,
            worker: Some(worker),
        })
    }

    /// Stops the worker and waits until it has: its last transaction is committed or rolled
    /// back, and nothing more is checked by this process (what is left stays pending for
    /// whoever checks next). Blocks for at most one round.
    pub fn stop(mut self) {
        self.bell.stop();
        if let Some(worker) = self.worker.take()
            && worker.join().is_err()
        {
            tracing::error!("the check queue's thread panicked");
        }
    }

    /// Something was committed: look for pending receptions.
    pub fn wake(&self) {
        self.bell.ring();
    }

    /// A handle that wakes the queue from elsewhere (the reception writer's thread).
    pub fn waker(&self) -> CheckWaker {
        CheckWaker {
            bell: self.bell.clone(),
        }
    }
}

/// Wakes a [`CheckQueue`] (cheap to clone, never blocks for long).
#[derive(Debug, Clone)]
pub struct CheckWaker {
    bell: Doorbell,
}

impl CheckWaker {
    /// Something was committed: look for pending receptions.
    pub fn wake(&self) {
        self.bell.ring();
    }
}

impl Drop for CheckQueue {
    fn drop(&mut self) {
        self.bell.stop();
    }
}

/// Checks every pending reception, oldest first.
fn drain(
    writer: &mut Writer,
    checker: &ItemChecker,
    listener: &dyn CheckListener,
    bell: &Doorbell,
) -> Result<(), StoreError> {
    loop {
        if bell.stopped() {
            return Ok(());
        }
        let pending: Vec<i64> = {
            // The limit in the SQL, not bound: see `Store::receptions_between`.
            let mut statement = writer.reader().prepare_cached(&format!(
                "SELECT id FROM receptions WHERE pending = 1 ORDER BY id LIMIT {BATCH}"
            ))?;
            let rows = statement.query_map([], |row| row.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        if pending.is_empty() {
            // Nothing waits for checks: index what is new for search, a batch at a time, so
            // receptions arriving meanwhile are checked first.
            if crate::search_index::index_some(writer)? == 0 {
                return Ok(());
            }
            continue;
        }
        let mut round = Round::default();
        for id in pending {
            check_one(writer, checker, listener, &mut round, id)?;
        }
        round.commit(writer, listener)?;
    }
}

/// Checks one reception into `round`, committing the round whenever it is full.
fn check_one(
    writer: &mut Writer,
    checker: &ItemChecker,
    listener: &dyn CheckListener,
    round: &mut Round,
    id: i64,
) -> Result<(), StoreError> {
    let row: Option<(String, Vec<u8>, i64)> = writer
        .reader()
        .prepare_cached(
            "SELECT kind, body, checked_items FROM receptions WHERE id = ?1 AND pending = 1",
        )?
        .query_row(params![id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let Some((kind, body, done)) = row else {
        return Ok(());
    };
    let kind = ReceptionKind::from_stored(&kind);
    let read = match checker.read(&body) {
        Ok(read) => read,
        Err(why) => {
            // Acknowledged (Graph must not retry garbage forever), kept, and now explained.
            round.progress.push(Progress {
                id,
                items: Vec::new(),
                checked: 0,
                finished: true,
                reason: Some(why.to_string()),
            });
            round.finish(Checked {
                id,
                kind,
                body,
                lifecycle: Vec::new(),
            });
            return round.commit_if_full(writer, listener);
        }
    };
    // Resumed after a crash: the lifecycle events kept before it are told with the rest.
    let mut lifecycle = if done > 0 {
        kept_lifecycle(writer, id)?
    } else {
        Vec::new()
    };
    let mut position = usize::try_from(done).unwrap_or(0).min(read.len());
    loop {
        round.commit_if_full(writer, listener)?;
        let end = (position + CHUNK - round.items).min(read.len());
        let items: Vec<CheckedItem> = (position..end)
            .filter_map(|p| checker.check_item(&read, p))
            .collect();
        lifecycle.extend(
            items
                .iter()
                .filter(|i| i.lifecycle_event.is_some())
                .cloned(),
        );
        round.items += end - position;
        round.progress.push(Progress {
            id,
            items,
            checked: end,
            finished: end >= read.len(),
            reason: None,
        });
        position = end;
        if position >= read.len() {
            break;
        }
    }
    round.finish(Checked {
        id,
        kind,
        body,
        lifecycle,
    });
    round.commit_if_full(writer, listener)
}

/// The lifecycle items of reception `id` kept by an earlier run.
fn kept_lifecycle(writer: &Writer, id: i64) -> Result<Vec<CheckedItem>, StoreError> {
    let mut statement = writer.reader().prepare_cached(&format!(
        "{} WHERE reception_id = ?1 AND lifecycle_event IS NOT NULL ORDER BY position",
        crate::items::ITEM_SELECT
    ))?;
    let rows = statement.query_map(params![id], crate::items::item_row)?;
    Ok(rows
        .map(|row| row.map(|stored| stored.item))
        .collect::<Result<_, _>>()?)
}

/// What one transaction keeps: items and progress of one or more receptions.
#[derive(Default)]
struct Round {
    progress: Vec<Progress>,
    /// Receptions whose last items are in this round, told to the listener once it commits.
    checked: Vec<Checked>,
    items: usize,
    bytes: usize,
}

struct Progress {
    id: i64,
    items: Vec<CheckedItem>,
    checked: usize,
    finished: bool,
    reason: Option<String>,
}

struct Checked {
    id: i64,
    kind: ReceptionKind,
    body: Vec<u8>,
    lifecycle: Vec<CheckedItem>,
}

impl Round {
    fn finish(&mut self, checked: Checked) {
        self.bytes += checked.body.len();
        self.checked.push(checked);
    }

    fn commit_if_full(
        &mut self,
        writer: &mut Writer,
        listener: &dyn CheckListener,
    ) -> Result<(), StoreError> {
        if self.items >= CHUNK || self.bytes >= ROUND_BYTES {
            self.commit(writer, listener)?;
        }
        Ok(())
    }

    /// Keeps the round in one transaction, then tells the listener about finished receptions.
    fn commit(
        &mut self,
        writer: &mut Writer,
        listener: &dyn CheckListener,
    ) -> Result<(), StoreError> {
        let round = std::mem::take(self);
        if round.progress.is_empty() {
            return Ok(());
        }
        writer.transaction(|transaction| {
            let mut added = crate::items::Added::default();
            for p in &round.progress {
                added = added.and(crate::items::insert_in(transaction, p.id, &p.items)?);
                transaction
                    .prepare_cached(
                        "UPDATE receptions SET checked_items = ?2, pending = ?3, reason = COALESCE(?4, reason) WHERE id = ?1",
                    )?
                    .execute(params![p.id, p.checked, !p.finished, p.reason])?;
            }
            crate::items::index(transaction, added)
        })?;
        for c in round.checked {
            listener.checked(c.id, c.kind, &c.body, c.lifecycle);
        }
        Ok(())
    }
}

impl Store {
    /// How many receptions wait for their checks.
    pub fn pending_checks(&self) -> Result<i64, StoreError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM receptions WHERE pending = 1",
                [],
                |row| row.get(0),
            )?)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use studio_receiver::NewReception;
    use studio_receiver::checks::NoSubscriptions;

    use super::*;

    fn notification(body: String) -> NewReception {
        NewReception {
            received_at: "2026-11-27T00:00:00.000Z".into(),
            kind: ReceptionKind::Notification,
            method: "POST".into(),
            path: "/s/notifications".into(),
            query: String::new(),
            headers: vec![],
            body: body.into_bytes(),
            peer: "127.0.0.1:1".into(),
            status: 202,
            reason: None,
        }
    }

    fn wait_until_checked(store: &Store) {
        for _ in 0..500 {
            if store.pending_checks().unwrap_or(1) == 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("the queue did not drain");
    }

    #[test]
    fn pending_work_left_by_a_crash_is_resumed_without_repeating_an_item() {
        let store = Store::temporary().expect("store");
        let items: Vec<String> = (0..450)
            .map(|n| format!("{{\"id\":\"n{n}\",\"subscriptionId\":\"s\"}}"))
            .collect();
        let ids = store
            .insert_receptions(&[
                notification(format!("{{\"value\":[{}]}}", items.join(","))),
                notification("not json".into()),
            ])
            .expect("stored");
        // A crash after the first chunk: its items kept, the reception still pending.
        let checker = ItemChecker::new(Arc::new(NoSubscriptions));
        let read = checker
            .read(format!("{{\"value\":[{}]}}", items.join(",")).as_bytes())
            .expect("read");
        let first: Vec<CheckedItem> = (0..CHUNK)
            .filter_map(|p| checker.check_item(&read, p))
            .collect();
        store.insert_items(ids[0], &first).expect("first chunk");
        store
            .with(|c| {
                c.execute(
                    "UPDATE receptions SET checked_items = ?2 WHERE id = ?1",
                    params![ids[0], CHUNK],
                )?;
                Ok(())
            })
            .expect("progress");

        let queue = CheckQueue::start(&store, checker, Arc::new(NoListener)).expect("queue");
        wait_until_checked(&store);
        let kept = store.items_of(ids[0]).expect("items");
        assert_eq!(kept.len(), 450, "every item once");
        assert!(kept.iter().all(|i| i.duplicate_of.is_none()));
        // Items kept by the queue are searchable (indexed by one statement per transaction),
        // both those of the first chunk and those after it.
        for word in ["n7", "n449"] {
            let found = store
                .reception_summaries(&crate::inspect::ReceptionQuery {
                    text: Some(word.into()),
                    limit: 10,
                    ..Default::default()
                })
                .expect("search");
            assert_eq!(
                found.iter().map(|s| s.id).collect::<Vec<_>>(),
                vec![ids[0]],
                "{word}"
            );
        }
        let garbage = store.reception(ids[1]).expect("read").expect("kept");
        assert!(
            garbage
                .request
                .reason
                .is_some_and(|r| r.contains("not JSON"))
        );
        drop(queue);
    }
}
