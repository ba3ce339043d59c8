//! Telling the window what the receiver committed and what the checker checked, as it happens,
//! without flooding it during a burst.
//!
//! The reception writer and the item checker report here (from their own threads, never
//! blocking); one task turns the reports into [`CoreEvent::ReceptionsArrived`] and
//! [`CoreEvent::ItemsChecked`]. The first report after a quiet spell is announced at once; while
//! reports keep coming, at most one pair of events goes out per [`WINDOW`], so a burst of ten
//! thousand notifications costs the window about twenty refetches a second, not ten thousand.
//! Nothing here reads the database.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use crate::events::{CHECKED_IDS_SHOWN, CoreEvent, EventBus};

/// The least time between two announcements of the same kind.
pub const WINDOW: Duration = Duration::from_millis(50);

/// Where the writer and the checker report.
#[derive(Debug, Clone)]
pub struct Announcer {
    inner: Arc<Reports>,
}

#[derive(Debug)]
struct Reports {
    newest: AtomicI64,
    checked: Mutex<Vec<i64>>,
    wake: Notify,
    events: EventBus,
}

impl Announcer {
    /// Reports go to `events`; nothing is announced until [`Announcer::run`] runs.
    pub fn new(events: EventBus) -> Announcer {
        Announcer {
            inner: Arc::new(Reports {
                newest: AtomicI64::new(0),
                checked: Mutex::new(Vec::new()),
                wake: Notify::new(),
                events,
            }),
        }
    }

    /// The writer committed receptions up to `newest_id`.
    pub fn committed(&self, newest_id: i64) {
        self.inner.newest.fetch_max(newest_id, Ordering::Relaxed);
        self.inner.wake.notify_one();
    }

    /// The items of reception `id` are kept (or its reason for having none is).
    pub fn checked(&self, id: i64) {
        if let Ok(mut checked) = self.inner.checked.lock() {
            checked.push(id);
            if checked.len() > 4 * CHECKED_IDS_SHOWN {
                let excess = checked.len() - CHECKED_IDS_SHOWN;
                checked.drain(..excess);
            }
        }
        self.inner.wake.notify_one();
    }

    /// The newest id the writer reported.
    pub fn newest(&self) -> i64 {
        self.inner.newest.load(Ordering::Relaxed)
    }

    /// Announces reports as they come, until the task is dropped.
    pub async fn run(self) {
        let mut announced = 0;
        loop {
            self.inner.wake.notified().await;
            let newest = self.newest();
            if newest > announced {
                announced = newest;
                tracing::debug!(newest, "announcing arrivals");
                self.inner
                    .events
                    .publish(CoreEvent::ReceptionsArrived { newest_id: newest });
            }
            let mut checked = self
                .inner
                .checked
                .lock()
                .map(|mut c| std::mem::take(&mut *c))
                .unwrap_or_default();
            if !checked.is_empty() {
                tracing::debug!(?checked, "announcing checked items");
                checked.sort_unstable();
                checked.dedup();
                let start = checked.len().saturating_sub(CHECKED_IDS_SHOWN);
                self.inner.events.publish(CoreEvent::ItemsChecked {
                    reception_ids: checked.split_off(start),
                });
            }
            tokio::time::sleep(WINDOW).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_burst_is_announced_in_a_few_events_and_nothing_is_lost() {
        let events = EventBus::default();
        let mut heard = events.subscribe();
        let announcer = Announcer::new(events);
        let task = tokio::spawn(announcer.clone().run());
        for id in 1..=1_000 {
            announcer.committed(id);
            announcer.checked(id);
        }
        tokio::time::sleep(WINDOW * 3).await;
        let mut arrivals = Vec::new();
        let mut checked = Vec::new();
        while let Ok(event) = heard.try_recv() {
            match event {
                CoreEvent::ReceptionsArrived { newest_id } => arrivals.push(newest_id),
                CoreEvent::ItemsChecked { reception_ids } => checked.extend(reception_ids),
                _ => {}
            }
        }
        assert_eq!(arrivals.last(), Some(&1_000));
        assert!(arrivals.len() <= 2, "{arrivals:?}");
        assert!(checked.contains(&1_000));
        assert!(checked.len() <= CHECKED_IDS_SHOWN);
        task.abort();
    }
}
