//! One writer at a time, handed over without sleeping.
//!
//! SQLite lets one connection write at a time. Left to itself, a connection that finds the
//! database locked polls with growing sleeps (its busy handler): under a burst the reception
//! writer, the check queue and the window's writes took turns through those sleeps and the
//! acknowledgement's p99 reached a second. All of a store's connections in this process instead
//! take one in-process gate around each write transaction: a waiting writer is woken the moment
//! the gate is free. The busy timeout stays as the fallback for another process on the same file.
//!
//! Checkpoints (copying the write-ahead log back into the database file) happen outside the
//! gate. SQLite's default runs one inside whichever commit crosses 1,000 log pages, with two
//! `fsync`s, while that writer holds the lock: under a burst those commits took 20–70 ms and
//! everyone queued behind them. Here a thread of the store's own runs passive checkpoints (they
//! never block writers) shortly after commits; the automatic one stays as a fallback, at a
//! threshold the checkpointer keeps the log far below.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::StoreError;

/// Log pages after which a commit checkpoints by itself (only if the checkpointer falls behind).
pub(crate) const FALLBACK_CHECKPOINT_PAGES: i64 = 16_384;
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
    checkpoints: Checkpoints,
}

impl WriteGate {
    /// The gate of the database at `path`, with its checkpointer thread (stopped when the last
    /// clone of the gate is dropped).
    pub(crate) fn new(path: &Path) -> Result<WriteGate, StoreError> {
        Ok(WriteGate {
            inner: Arc::new(Inner {
                lock: Mutex::new(()),
                checkpoints: Checkpoints::start(crate::connect(path)?)?,
            }),
        })
    }

    /// Runs `work` in an immediate transaction on `connection` while holding the gate; commits
    /// if it succeeds.
    pub(crate) fn transaction<T>(
        &self,
        connection: &mut Connection,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let held = self.inner.lock.lock().map_err(|_| StoreError::Poisoned)?;
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
}

impl Writer {
    pub(crate) fn new(connection: Connection, gate: WriteGate) -> Writer {
        Writer { connection, gate }
    }

    /// Runs `work` in a write transaction.
    pub(crate) fn transaction<T>(
        &mut self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.gate.transaction(&mut self.connection, work)
    }

    /// The connection, for reading.
    pub(crate) fn reader(&self) -> &Connection {
        &self.connection
    }
}

#[derive(Debug, Default)]
struct Flags {
    committed: bool,
    stopped: bool,
}

/// Wakes the checkpointer after commits; stops it when dropped.
#[derive(Debug)]
struct Checkpoints {
    signal: Arc<(Mutex<Flags>, Condvar)>,
}

impl Checkpoints {
    fn start(connection: Connection) -> Result<Checkpoints, StoreError> {
        let signal = Arc::new((Mutex::new(Flags::default()), Condvar::new()));
        let shared = Arc::clone(&signal);
        std::thread::Builder::new()
            .name("checkpointer".into())
            .spawn(move || {
                while wait_for_commits(&shared) {
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
        Ok(Checkpoints { signal })
    }

    fn wake(&self) {
        let (lock, ready) = &*self.signal;
        if let Ok(mut flags) = lock.lock() {
            flags.committed = true;
            ready.notify_one();
        }
    }
}

impl Drop for Checkpoints {
    fn drop(&mut self) {
        let (lock, ready) = &*self.signal;
        if let Ok(mut flags) = lock.lock() {
            flags.stopped = true;
            ready.notify_one();
        }
    }
}

/// Waits for a commit; `false` once stopped.
fn wait_for_commits(signal: &(Mutex<Flags>, Condvar)) -> bool {
    let (lock, ready) = signal;
    let Ok(mut flags) = lock.lock() else {
        return false;
    };
    while !flags.committed && !flags.stopped {
        flags = match ready.wait(flags) {
            Ok(flags) => flags,
            Err(_) => return false,
        };
    }
    flags.committed = false;
    !flags.stopped
}
