//! The durable check queue: every acknowledged notification is checked exactly once, whatever
//! happens to its connection or to the process.
//!
//! The reception writer inserts a notification `pending` in the same transaction as the
//! reception itself. The queue has two threads, each with its own connection:
//! - the **checker**, at a lowered thread priority, takes pending receptions in id order, a few
//!   at a time, reads each with the receiver's [`ItemChecker`] and groups the results in rounds
//!   of at most [`CHUNK`] items: many small receptions share one, a large body is spread over
//!   several;
//! - the **keeper**, at normal priority, keeps each round in one short transaction through the
//!   store's write gate (`check_rounds.rs` says why the two are apart). Each transaction moves
//!   each reception's `checked_items` forward, and the one with its last items clears `pending`;
//!   only then is the listener told.
//!
//! A process killed half-way resumes where the last committed transaction ended, at start-up, so
//! no item is kept twice and none is skipped. The reception writer (another connection) waits for
//! one round's transaction at most, and the acknowledgement never waits for checks.
//!
//! The queue is the database: however far checks fall behind, memory holds a few rounds. When
//! nothing is pending, the keeper fills the search index (`search_index.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;

use rusqlite::{Connection, OptionalExtension, params};
use studio_receiver::{CheckedItem, ItemChecker, ReceptionKind};

use crate::check_rounds::{Finished, Handoff, Round, Step};
use crate::doorbell::Doorbell;
use crate::{Store, StoreError};

/// The most items kept in one transaction.
pub const CHUNK: usize = 100;
/// The most bytes of finished bodies one transaction waits with before it commits.
const ROUND_BYTES: usize = 8 * 1024 * 1024;
/// The pause before the queue looks again after a failed round.
pub(crate) const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(1);
/// The most pending receptions taken in one look.
const BATCH: u32 = 32;

/// Told about each reception once its checks are kept (on the keeper's thread: return quickly).
pub trait CheckListener: Send + Sync {
    /// Reception `id` (`kind`) is checked; `lifecycle` holds its lifecycle items (the others are
    /// in the store).
    fn checked(&self, id: i64, kind: ReceptionKind, lifecycle: Vec<CheckedItem>);
}

/// Nobody listens.
#[derive(Debug, Default)]
pub struct NoListener;

impl CheckListener for NoListener {
    fn checked(&self, _: i64, _: ReceptionKind, _: Vec<CheckedItem>) {}
}

/// The queue's handle: wake it when something was committed; dropping it stops both threads
/// (after the keeper's current transaction), [`CheckQueue::stop`] also waits for that.
#[derive(Debug)]
pub struct CheckQueue {
    bell: Doorbell,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl CheckQueue {
    /// Starts the checker and the keeper over `store` (connections of their own); they first
    /// check whatever is pending from before (a crash, an older build).
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
        let reader = crate::connect(store.path())?;
        let bell = Doorbell::rung();
        let rewind = Arc::new(AtomicBool::new(false));
        let (hand, rounds) = std::sync::mpsc::sync_channel(crate::check_rounds::IN_FLIGHT);

        let keeper_bell = bell.clone();
        let keeper_rewind = Arc::clone(&rewind);
        let keeper = std::thread::Builder::new()
            .name("check-keeper".into())
            .spawn(move || {
                crate::check_rounds::keep(
                    &mut writer,
                    &rounds,
                    listener.as_ref(),
                    &keeper_bell,
                    &keeper_rewind,
                );
            })
            .map_err(StoreError::Io)?;

        let checker_bell = bell.clone();
        let checker_thread = std::thread::Builder::new()
            .name("check-queue".into())
            .spawn(move || {
                if let Err(error) = studio_primitives::priority::lower_this_thread() {
                    tracing::warn!(%error, "the check queue runs at normal priority");
                }
                let mut work = Checker {
                    reader,
                    checker,
                    hand,
                    bell: checker_bell,
                    rewind,
                    after: 0,
                };
                while work.bell.wait() {
                    if let Err(error) = work.drain() {
                        tracing::error!(%error, "the check queue failed; it tries again in a second");
                        std::thread::sleep(RETRY_AFTER);
                        work.after = 0;
                        work.bell.ring();
                    }
                }
                // Dropping `hand` here ends the keeper's loop.
            })
            .map_err(StoreError::Io)?;
        Ok(CheckQueue {
            bell,
            threads: vec![checker_thread, keeper],
        })
    }

    /// Stops both threads and waits until they have: the keeper's last transaction is committed
    /// or rolled back, and nothing more is checked by this process (what is left stays pending
    /// for whoever checks next). Blocks for about one round.
    pub fn stop(mut self) {
        self.bell.stop();
        for thread in self.threads.drain(..) {
            if thread.join().is_err() {
                tracing::error!("a thread of the check queue panicked");
            }
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

/// The checker's state: it reads, checks and hands rounds to the keeper, never writes.
struct Checker {
    reader: Connection,
    checker: ItemChecker,
    hand: SyncSender<Handoff>,
    bell: Doorbell,
    /// The keeper asks for the pending receptions to be read again from the first.
    rewind: Arc<AtomicBool>,
    /// The last reception handed over: the ones up to it are in the keeper's hands.
    after: i64,
}

/// The queue is stopping (its keeper gone, or the bell stopped).
struct KeeperGone;

impl Checker {
    /// Checks every pending reception, oldest first, then tells the keeper it caught up.
    fn drain(&mut self) -> Result<(), StoreError> {
        loop {
            if self.bell.stopped() {
                return Ok(());
            }
            if self.rewind.swap(false, Ordering::SeqCst) {
                self.after = 0;
            }
            let pending: Vec<i64> = {
                // The limit in the SQL, not bound: see `Store::receptions_between`.
                let mut statement = self.reader.prepare_cached(&format!(
                    "SELECT id FROM receptions WHERE pending = 1 AND id > ?1 ORDER BY id LIMIT {BATCH}"
                ))?;
                let rows = statement.query_map(params![self.after], |row| row.get(0))?;
                rows.collect::<Result<_, _>>()?
            };
            if pending.is_empty() {
                // The keeper indexes for search until the next round; nothing to do here until
                // the bell rings again.
                let _ = self.hand(Handoff::CaughtUp);
                return Ok(());
            }
            let mut round = Round::default();
            for id in pending {
                // Stopping does not wait for the rest of a batch at a lowered priority: what
                // was not handed over is checked at the next start.
                if self.bell.stopped() || self.check_one(&mut round, id)?.is_err() {
                    return Ok(());
                }
                self.after = id;
            }
            if self.hand(Handoff::Round(round)).is_err() {
                return Ok(());
            }
        }
    }

    /// Hands something to the keeper, waiting while it has [`crate::check_rounds::IN_FLIGHT`]
    /// rounds to keep.
    fn hand(&self, handoff: Handoff) -> Result<(), KeeperGone> {
        self.hand.send(handoff).map_err(|_| {
            if !self.bell.stopped() {
                tracing::error!("the check queue's keeper is gone: checks wait for the next start");
            }
            KeeperGone
        })
    }

    /// Hands `round` over and starts a new one if it is full.
    fn hand_if_full(&self, round: &mut Round) -> Result<(), KeeperGone> {
        if round.full(CHUNK, ROUND_BYTES) {
            self.hand(Handoff::Round(std::mem::take(round)))?;
        }
        Ok(())
    }

    /// Checks one reception into `round`, handing rounds over whenever one is full.
    fn check_one(&self, round: &mut Round, id: i64) -> Result<Result<(), KeeperGone>, StoreError> {
        let row: Option<(String, Vec<u8>, i64)> = self
            .reader
            .prepare_cached(
                "SELECT kind, body, checked_items FROM receptions WHERE id = ?1 AND pending = 1",
            )?
            .query_row(params![id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()?;
        let Some((kind, body, done)) = row else {
            return Ok(Ok(()));
        };
        let kind = ReceptionKind::from_stored(&kind);
        let done = usize::try_from(done).unwrap_or(0);
        let read = match self.checker.read(&body) {
            Ok(read) => read,
            Err(why) => {
                // Acknowledged (Graph must not retry garbage forever), kept, and now explained.
                round.bytes += body.len();
                round.steps.push(Step {
                    id,
                    from: done,
                    to: done,
                    items: Vec::new(),
                    reason: Some(why.to_string()),
                    finished: Some(Finished {
                        kind,
                        lifecycle: Vec::new(),
                    }),
                });
                return Ok(self.hand_if_full(round));
            }
        };
        // Resumed after a crash: the lifecycle events kept before it are told with the rest.
        let mut lifecycle = if done > 0 {
            kept_lifecycle(&self.reader, id)?
        } else {
            Vec::new()
        };
        let mut position = done.min(read.len());
        loop {
            if let Err(gone) = self.hand_if_full(round) {
                return Ok(Err(gone));
            }
            if self.bell.stopped() {
                return Ok(Err(KeeperGone));
            }
            let end = (position + CHUNK - round.items).min(read.len());
            let items: Vec<CheckedItem> = (position..end)
                .filter_map(|p| self.checker.check_item(&read, p))
                .collect();
            lifecycle.extend(
                items
                    .iter()
                    .filter(|i| i.lifecycle_event.is_some())
                    .cloned(),
            );
            round.items += end - position;
            let last = end >= read.len();
            if last {
                round.bytes += body.len();
            }
            round.steps.push(Step {
                id,
                from: position.max(done),
                to: end,
                items,
                reason: None,
                finished: last.then(|| Finished {
                    kind,
                    lifecycle: std::mem::take(&mut lifecycle),
                }),
            });
            position = end;
            if last {
                return Ok(self.hand_if_full(round));
            }
        }
    }
}

/// The lifecycle items of reception `id` kept by an earlier run.
fn kept_lifecycle(reader: &Connection, id: i64) -> Result<Vec<CheckedItem>, StoreError> {
    let mut statement = reader.prepare_cached(&format!(
        "{} WHERE reception_id = ?1 AND lifecycle_event IS NOT NULL ORDER BY position",
        crate::items::ITEM_SELECT
    ))?;
    let rows = statement.query_map(params![id], crate::items::item_row)?;
    Ok(rows
        .map(|row| row.map(|stored| stored.item))
        .collect::<Result<_, _>>()?)
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

    use studio_receiver::checks::NoSubscriptions;

    use super::*;
    use crate::test_support::acknowledged as notification;

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
                notification("not json"),
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
        // Items kept by the queue are searchable (scanned until the keeper indexes them),
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

    #[test]
    fn checks_go_on_while_other_programs_keep_every_core_busy() {
        // A checker that only gets the CPU's idle time checks nothing until the build ends
        // (`studio_primitives::priority`).
        let store = Store::temporary().expect("store");
        let bodies: Vec<_> = (0..2000)
            .map(|n| {
                let items: Vec<String> = (0..5)
                    .map(|i| format!(r#"{{"id":"b{n}-{i}","subscriptionId":"s"}}"#))
                    .collect();
                notification(format!(r#"{{"value":[{}]}}"#, items.join(",")))
            })
            .collect();
        store.insert_receptions(&bodies).expect("stored");
        let busy = crate::test_support::BusyCores::start();
        let checker = ItemChecker::new(Arc::new(NoSubscriptions));
        let queue = CheckQueue::start(&store, checker, Arc::new(NoListener)).expect("queue");
        // Progress, not speed: a minute for what takes well under a second here (at the idle
        // priority used before, a tenth of it, beside twice as many busy threads, took 20 to over
        // 60 s).
        let started = std::time::Instant::now();
        while store.pending_checks().unwrap_or(1) > 0 && started.elapsed() < Duration::from_secs(60)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(busy);
        assert_eq!(
            store.pending_checks().expect("pending"),
            0,
            "checked meanwhile"
        );
        drop(queue);
    }
}
