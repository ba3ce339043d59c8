//! One writer at a time, handed over without sleeping.
//!
//! SQLite lets one connection write at a time. Left to itself, a connection that finds the
//! database locked polls with growing sleeps (its busy handler): under a burst the reception
//! writer, the check queue and the window's writes took turns through those sleeps and the
//! acknowledgement's p99 reached a second. All of a store's connections in this process instead
//! take one in-process gate around each write transaction: a waiting writer is woken the moment
//! the gate is free. The busy timeout stays as the fallback for another process on the same file.
//! Work nobody waits for (checks, retention) steps aside while an acknowledgement waits.
//!
//! Checkpoints (copying the write-ahead log back into the database file) happen outside the
//! gate. SQLite's default runs one inside whichever commit crosses 1,000 log pages, with two
//! `fsync`s, while that writer holds the lock: under a burst those commits took 20–70 ms and
//! everyone queued behind them. Here a thread of the store's own runs passive checkpoints (they
//! never block writers) shortly after commits; the automatic one stays only as a last resort.
//!
//! The log starts again from its beginning only when a writer begins while all of it is copied,
//! and under a sustained burst the checkpointer is always a few commits behind: the log grows for
//! as long as the burst lasts. With SQLite's automatic checkpoint at 64 MiB of log, every commit
//! past it tried to checkpoint inside the gate: measured under load, commits of a millisecond's
//! work held the gate 20–50 ms (one 975 ms). So a commit checkpoints by itself only past 1 GiB of
//! log, and the file is cut back to 64 MiB once the log starts again. (Taking the gate to copy
//! the last frames and start the log again at 64 MiB was tried: the log stayed under 120 MiB,
//! but acknowledgements' tails grew; `docs/receiver.md`.)

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::StoreError;
use crate::doorbell::Doorbell;

/// Log pages after which a commit checkpoints by itself (only if the log could not start again
/// for a very long burst): 1 GiB of 4 KiB pages.
pub(crate) const FALLBACK_CHECKPOINT_PAGES: i64 = 262_144;
/// The size the log file is cut back to when it starts again.
pub(crate) const LOG_SIZE_KEPT: i64 = 64 * 1024 * 1024;
/// The checkpointer's pause between two checkpoints while commits keep coming.
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(100);

/// The gate every write transaction of one store passes (cheap to clone).
#[derive(Debug, Clone)]
pub(crate) struct WriteGate {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    lock: Mutex<()>,
    /// Urgent writers waiting for the gate; background work does not take it while any do.
    urgent: (Mutex<usize>, Condvar),
    checkpoints: Checkpoints,
}

/// Who waits first for the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Priority {
    /// Someone is waiting for this write: a notification's acknowledgement, a click.
    Urgent,
    /// Work nobody waits for (the check queue, retention): it lets every urgent writer that is
    /// waiting go first. A mutex does not queue fairly, so without this the check queue, taking
    /// the gate again the moment it let go, could keep an acknowledgement waiting for several of
    /// its transactions.
    Background,
}

impl WriteGate {
    /// The gate of the database at `path`, with its checkpointer thread (stopped when the last
    /// clone of the gate is dropped).
    pub(crate) fn new(path: &Path) -> Result<WriteGate, StoreError> {
        Ok(WriteGate {
            inner: Arc::new(Inner {
                lock: Mutex::new(()),
                urgent: (Mutex::new(0), Condvar::new()),
                checkpoints: Checkpoints::start(crate::connect(path)?)?,
            }),
        })
    }

    /// Runs `work` in an immediate transaction on `connection` while holding the gate; commits
    /// if it succeeds. An urgent write.
    pub(crate) fn transaction<T>(
        &self,
        connection: &mut Connection,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.transaction_with(Priority::Urgent, connection, work)
    }

    /// [`WriteGate::transaction`] at `priority`.
    pub(crate) fn transaction_with<T>(
        &self,
        priority: Priority,
        connection: &mut Connection,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let (count, none_waiting) = &self.inner.urgent;
        let held = match priority {
            Priority::Urgent => {
                *count.lock().map_err(|_| StoreError::Poisoned)? += 1;
                let held = self.inner.lock.lock();
                let mut waiting = count.lock().map_err(|_| StoreError::Poisoned)?;
                *waiting -= 1;
                if *waiting == 0 {
                    none_waiting.notify_all();
                }
                held.map_err(|_| StoreError::Poisoned)?
            }
            Priority::Background => {
                let mut waiting = count.lock().map_err(|_| StoreError::Poisoned)?;
                while *waiting > 0 {
                    waiting = none_waiting
                        .wait(waiting)
                        .map_err(|_| StoreError::Poisoned)?;
                }
                drop(waiting);
                self.inner.lock.lock().map_err(|_| StoreError::Poisoned)?
            }
        };
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let answer = work(&transaction)?;
        transaction.commit()?;
        drop(held);
        self.inner.checkpoints.wake();
        Ok(answer)
    }
}

/// A connection of its own that writes through its store's gate (the reception writer, the check
/// queue).
#[derive(Debug)]
pub(crate) struct Writer {
    connection: Connection,
    gate: WriteGate,
    priority: Priority,
}

impl Writer {
    pub(crate) fn new(connection: Connection, gate: WriteGate, priority: Priority) -> Writer {
        Writer {
            connection,
            gate,
            priority,
        }
    }

    /// Runs `work` in a write transaction, at this writer's priority.
    pub(crate) fn transaction<T>(
        &mut self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.gate
            .transaction_with(self.priority, &mut self.connection, work)
    }

    /// The connection, for reading.
    pub(crate) fn reader(&self) -> &Connection {
        &self.connection
    }
}

/// Wakes the checkpointer after commits; stops it when dropped.
#[derive(Debug)]
struct Checkpoints {
    bell: Doorbell,
}

impl Checkpoints {
    fn start(connection: Connection) -> Result<Checkpoints, StoreError> {
        let bell = Doorbell::default();
        let worker_bell = bell.clone();
        std::thread::Builder::new()
            .name("checkpointer".into())
            .spawn(move || {
                while worker_bell.wait() {
                    // PASSIVE: copies what no reader still needs, never waits for or blocks a
                    // writer; the log restarts from its beginning once all of it is copied.
                    if let Err(error) =
                        connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!(%error, "a checkpoint failed; the next commit tries again");
                    }
                    std::thread::sleep(CHECKPOINT_PAUSE);
                }
            })
            .map_err(StoreError::Io)?;
        Ok(Checkpoints { bell })
    }

    fn wake(&self) {
        self.bell.ring();
    }
}

impl Drop for Checkpoints {
    fn drop(&mut self) {
        self.bell.stop();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;
    use crate::Store;

    #[test]
    fn background_work_lets_a_waiting_acknowledgement_go_first() {
        let store = Store::temporary().expect("store");
        let (entered, order) = mpsc::channel::<&'static str>();
        let (release, hold) = mpsc::channel::<()>();

        // The check queue holds the gate...
        let mut first = store.writer(Priority::Background).expect("writer");
        let first_entered = entered.clone();
        let holder = std::thread::spawn(move || {
            first.transaction(|_| {
                let _ = first_entered.send("holder");
                let _ = hold.recv();
                Ok(())
            })
        });
        assert_eq!(order.recv().ok(), Some("holder"));

        // ...an acknowledgement comes to wait for it...
        let mut urgent = store.writer(Priority::Urgent).expect("writer");
        let urgent_entered = entered.clone();
        let acknowledgement = std::thread::spawn(move || {
            urgent.transaction(|_| {
                let _ = urgent_entered.send("acknowledgement");
                Ok(())
            })
        });
        while *store.gate.inner.urgent.0.lock().expect("count") == 0 {
            std::thread::yield_now();
        }

        // ...and the check queue's next round as well: it must not take the gate first.
        let mut next = store.writer(Priority::Background).expect("writer");
        let next_round = std::thread::spawn(move || {
            next.transaction(|_| {
                let _ = entered.send("next round");
                Ok(())
            })
        });
        let _ = release.send(());
        for thread in [holder, acknowledgement, next_round] {
            thread.join().expect("joined").expect("written");
        }
        let rest: Vec<&str> = order.try_iter().collect();
        assert_eq!(rest, vec!["acknowledgement", "next round"]);
    }
}
