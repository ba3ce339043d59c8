//! The check queue's second half: the keeper, which writes what the checker worked out.
//!
//! Checking a body (parsing it again, comparing clientStates, checking tokens, decrypting) is
//! work nobody waits for, so the checker does it at a lowered thread priority on Linux
//! (`studio_primitives::priority`). Writing the results is different: it takes the store's write
//! gate, which every acknowledgement needs, and a gate held by a lowered thread waits with it
//! whenever other programs keep the CPU busy (measured with the idle priority used before: holds
//! of up to 900 ms). So the checker hands finished rounds to this
//! thread, at normal priority, over a channel of [`IN_FLIGHT`] rounds; a full channel makes the
//! checker wait (memory stays bounded however far checks fall behind).
//!
//! Each round is one transaction. A step of it applies only if the reception is still where the
//! checker read it (still pending, `checked_items` where the step starts), so a round that went
//! stale (an earlier one failed and rolled back, another process checked the reception) keeps
//! nothing twice and skips nothing: the keeper asks the checker to read the pending receptions
//! again from the first, and the skipped work is redone from what the database holds.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};

use rusqlite::params;
use studio_receiver::{CheckedItem, ReceptionKind};

use crate::StoreError;
use crate::checking::CheckListener;
use crate::doorbell::Doorbell;
use crate::writing::Writer;

/// Rounds the checker may have worked out ahead of the keeper.
pub(crate) const IN_FLIGHT: usize = 2;

/// What the checker hands the keeper.
pub(crate) enum Handoff {
    /// One transaction's worth of checks.
    Round(Round),
    /// Nothing is pending: the keeper may index new receptions for search.
    CaughtUp,
}

/// What one transaction keeps: items and progress of one or more receptions.
#[derive(Default)]
pub(crate) struct Round {
    pub(crate) steps: Vec<Step>,
    /// Items in this round.
    pub(crate) items: usize,
    /// Bytes of the bodies this round finishes.
    pub(crate) bytes: usize,
}

/// One reception's progress within a round.
pub(crate) struct Step {
    pub(crate) id: i64,
    /// Its `checked_items` when the checker read it: the step applies only from there.
    pub(crate) from: usize,
    /// Its `checked_items` after this step.
    pub(crate) to: usize,
    pub(crate) items: Vec<CheckedItem>,
    /// Why its body could not be read, if it could not.
    pub(crate) reason: Option<String>,
    /// Present when this step finishes the reception: what the listener is told once kept.
    pub(crate) finished: Option<Finished>,
}

/// A reception whose checks are all in the round.
pub(crate) struct Finished {
    pub(crate) kind: ReceptionKind,
    /// Its lifecycle items, including those kept by an earlier run.
    pub(crate) lifecycle: Vec<CheckedItem>,
}

impl Round {
    /// Whether the round should be handed over now.
    pub(crate) fn full(&self, chunk: usize, bytes: usize) -> bool {
        self.items >= chunk || self.bytes >= bytes
    }
}

/// The keeper's loop: runs until the checker is gone (the channel closes) or the queue stops.
/// After a round that fails or went stale it sets `rewind` and rings `bell`.
pub(crate) fn keep(
    writer: &mut Writer,
    rounds: &Receiver<Handoff>,
    listener: &dyn CheckListener,
    bell: &Doorbell,
    rewind: &AtomicBool,
) {
    while let Ok(handoff) = rounds.recv() {
        if bell.stopped() {
            // What is not kept stays pending, for whoever checks next.
            return;
        }
        let outcome = match handoff {
            Handoff::Round(round) => commit(writer, round, listener),
            Handoff::CaughtUp => index_while_idle(writer, rounds, listener, bell, rewind),
        };
        match outcome {
            Ok(Kept::All) => {}
            Ok(Kept::SomeWentStale) => rewind_and_ring(rewind, bell),
            Err(error) => {
                // E.g. a full disk: the round rolls back, nothing was kept, all stays pending;
                // look again shortly, not only at the next arrival.
                tracing::error!(%error, "the check queue failed; it tries again in a second");
                std::thread::sleep(crate::checking::RETRY_AFTER);
                rewind_and_ring(rewind, bell);
            }
        }
    }
}

/// Asks the checker to read again from the oldest pending reception (what it handed over was not
/// all kept), and wakes it to do so.
fn rewind_and_ring(rewind: &AtomicBool, bell: &Doorbell) {
    rewind.store(true, Ordering::SeqCst);
    bell.ring();
}

/// Whether every step of a round applied.
enum Kept {
    All,
    SomeWentStale,
}

/// Indexes new receptions for search, a short transaction at a time, until none is left or the
/// checker hands over a round (which goes first).
fn index_while_idle(
    writer: &mut Writer,
    rounds: &Receiver<Handoff>,
    listener: &dyn CheckListener,
    bell: &Doorbell,
    rewind: &AtomicBool,
) -> Result<Kept, StoreError> {
    loop {
        match rounds.try_recv() {
            Ok(Handoff::Round(round)) => {
                if bell.stopped() {
                    return Ok(Kept::All);
                }
                if let Kept::SomeWentStale = commit(writer, round, listener)? {
                    rewind_and_ring(rewind, bell);
                }
            }
            Ok(Handoff::CaughtUp) | Err(TryRecvError::Empty) => {
                if bell.stopped() || crate::search_index::index_some(writer)? == 0 {
                    return Ok(Kept::All);
                }
            }
            Err(TryRecvError::Disconnected) => return Ok(Kept::All),
        }
    }
}

/// Keeps a round in one transaction, then tells the listener about the receptions it finished.
fn commit(
    writer: &mut Writer,
    round: Round,
    listener: &dyn CheckListener,
) -> Result<Kept, StoreError> {
    if round.steps.is_empty() {
        return Ok(Kept::All);
    }
    let applied = writer.transaction(|transaction| {
        let mut applied = Vec::with_capacity(round.steps.len());
        for step in &round.steps {
            let moved = transaction
                .prepare_cached(
                    "UPDATE receptions SET checked_items = ?3, pending = ?4, reason = COALESCE(?5, reason)
                     WHERE id = ?1 AND pending = 1 AND checked_items = ?2",
                )?
                .execute(params![
                    step.id,
                    step.from,
                    step.to,
                    step.finished.is_none(),
                    step.reason
                ])?;
            if moved == 1 {
                crate::items::insert_in(transaction, step.id, &step.items)?;
            }
            applied.push(moved == 1);
        }
        Ok(applied)
    })?;
    let mut kept = Kept::All;
    for (step, applied) in round.steps.into_iter().zip(applied) {
        if !applied {
            kept = Kept::SomeWentStale;
            continue;
        }
        if let Some(finished) = step.finished {
            listener.checked(step.id, finished.kind, finished.lifecycle);
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::Store;

    #[derive(Default)]
    struct Told(Mutex<Vec<i64>>);

    impl CheckListener for Told {
        fn checked(&self, id: i64, _: ReceptionKind, _: Vec<CheckedItem>) {
            if let Ok(mut told) = self.0.lock() {
                told.push(id);
            }
        }
    }

    const BODY: &[u8] = br#"{"value":[{"id":"a"},{"id":"b"}]}"#;

    fn pending_notification(store: &Store) -> i64 {
        store
            .insert_receptions(&[crate::test_support::acknowledged(BODY)])
            .expect("stored")[0]
    }

    fn step(id: i64, from: usize, to: usize, finished: bool) -> Step {
        Step {
            id,
            from,
            to,
            items: {
                let checker = studio_receiver::ItemChecker::new(std::sync::Arc::new(
                    studio_receiver::checks::NoSubscriptions,
                ));
                let read = checker.read(BODY).expect("read");
                (from..to)
                    .filter_map(|p| checker.check_item(&read, p))
                    .collect()
            },
            reason: None,
            finished: finished.then(|| Finished {
                kind: ReceptionKind::Notification,
                lifecycle: Vec::new(),
            }),
        }
    }

    #[test]
    fn a_stale_step_keeps_nothing_and_asks_for_a_rewind() {
        let store = Store::temporary().expect("store");
        let (stale, fresh) = (pending_notification(&store), pending_notification(&store));
        let mut writer = store
            .writer(crate::writing::Priority::Background)
            .expect("writer");
        let told = Told::default();
        // The first step of `stale` is already kept (by another process, or before a failure
        // the checker has not heard of yet): a step from 0 again would keep item 0 twice.
        store
            .with(|c| {
                c.execute(
                    "UPDATE receptions SET checked_items = 1 WHERE id = ?1",
                    params![stale],
                )?;
                Ok(())
            })
            .expect("moved");
        let round = Round {
            steps: vec![step(stale, 0, 2, true), step(fresh, 0, 2, true)],
            items: 4,
            bytes: 0,
        };
        assert!(matches!(
            commit(&mut writer, round, &told),
            Ok(Kept::SomeWentStale)
        ));
        assert!(store.items_of(stale).expect("items").is_empty());
        assert_eq!(store.items_of(fresh).expect("items").len(), 2);
        assert_eq!(*told.0.lock().expect("told"), vec![fresh]);
        assert_eq!(
            store.pending_checks().expect("count"),
            1,
            "stale stays pending"
        );

        // Read again from where the store says, it is kept once.
        let round = Round {
            steps: vec![step(stale, 1, 2, true)],
            items: 1,
            bytes: 0,
        };
        assert!(matches!(commit(&mut writer, round, &told), Ok(Kept::All)));
        assert_eq!(store.items_of(stale).expect("items").len(), 1);
        assert_eq!(store.pending_checks().expect("count"), 0);
    }
}
