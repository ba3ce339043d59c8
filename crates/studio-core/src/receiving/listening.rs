//! When the receiver was listening, as the store remembers it: a period opens at each start,
//! closes at each stop, and a heartbeat moves its end forward while it runs, so downtime is found
//! after a crash as well as after a clean stop (`crate::gaps`).
//!
//! A computer that sleeps while the app runs keeps the period open, and Graph's deliveries fail
//! meanwhile. The monotonic clock (Linux's, which tokio waits on) does not advance while the
//! computer sleeps, the wall clock does: when the wall clock moved at least the downtime threshold
//! more than the monotonic clock between two beats, or a beat came that much late by the monotonic
//! clock (the process was paused or starved), downtime gaps open for that stretch
//! (`crate::gaps::after_sleep`). A wall clock set forward by a minute or more (by hand, NTP) reads
//! as a sleep too: the two cannot be told apart without the boot-time clock.

use std::sync::Arc;
use std::time::Duration;

use studio_primitives::Clock;
use studio_receiver::health::AckMeter;
use studio_store::Store;

use crate::events::{CoreEvent, EventBus};

/// How often a running receiver records that it still listens.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// Where a sleep (or a pause of the process) began: between two beats at wall-clock `last` and
/// `now`, `running` seconds passed by the monotonic clock. A sleep is the wall clock running
/// ahead of it by `threshold` seconds or more; a pause, a beat that late by the monotonic clock
/// (never less than two beats).
pub fn slept_since(last: i64, now: i64, running: i64, threshold: i64) -> Option<i64> {
    let beat = i64::try_from(HEARTBEAT.as_secs()).unwrap_or(15);
    let threshold = threshold.max(beat * 2);
    let asleep = now - last - running >= threshold;
    let paused = running >= threshold;
    (asleep || paused).then_some(last)
}

/// Records the receiver's delivery health with the period, for another process to read.
async fn record_delivery(store: &Arc<Store>, period: i64, meter: &AckMeter, now: i64) {
    let Ok(judged) = serde_json::to_value(meter.health(now)) else {
        return;
    };
    let store = Arc::clone(store);
    let written =
        tokio::task::spawn_blocking(move || store.listening_delivery(period, now, &judged)).await;
    if !matches!(written, Ok(Ok(()))) {
        tracing::warn!("the delivery health was not recorded");
    }
}

/// Records, every [`HEARTBEAT`], that the period is still going with the receiver's delivery
/// health (and that health as soon as its state moves), and the gaps of a sleep
/// (`downtime_threshold` seconds or more) when it finds one, telling the window (ends when
/// aborted).
pub(super) async fn heartbeat(
    store: Arc<Store>,
    period: i64,
    meter: Arc<AckMeter>,
    clock: Arc<dyn Clock>,
    downtime_threshold: i64,
    events: EventBus,
) {
    let mut ticks = tokio::time::interval(HEARTBEAT);
    ticks.tick().await;
    let mut states = meter.watch();
    record_delivery(&store, period, &meter, clock.now_unix()).await;
    let mut last = clock.now_unix();
    let mut last_beat = std::time::Instant::now();
    let mut watching = true;
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            changed = states.changed(), if watching => {
                watching = changed.is_ok();
                if watching {
                    states.borrow_and_update();
                    record_delivery(&store, period, &meter, clock.now_unix()).await;
                }
                continue;
            }
        }
        let now = clock.now_unix();
        record_delivery(&store, period, &meter, now).await;
        let store = Arc::clone(&store);
        let running = i64::try_from(last_beat.elapsed().as_secs()).unwrap_or(i64::MAX);
        let slept = slept_since(last, now, running, downtime_threshold);
        (last, last_beat) = (now, std::time::Instant::now());
        let written = tokio::task::spawn_blocking(move || {
            let mut opened = Vec::new();
            if let Some(from) = slept {
                opened = crate::gaps::after_sleep(&store, from, now)?;
                tracing::info!(from, to = now, gaps = opened.len(), "the computer slept");
            }
            store
                .listening_alive(period, now)
                .map_err(crate::error::CoreError::from)?;
            Ok::<_, crate::error::CoreError>(!opened.is_empty())
        })
        .await;
        match written {
            // The gaps and health the window shows changed.
            Ok(Ok(true)) => events.publish(CoreEvent::ReceiverChanged),
            Ok(Ok(false)) => {}
            _ => tracing::warn!("the listening heartbeat was not recorded"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wall_clock_ahead_of_the_monotonic_one_is_a_sleep() {
        assert_eq!(slept_since(1_000, 1_015, 15, 60), None, "a beat");
        assert_eq!(slept_since(1_000, 1_040, 40, 60), None, "a slow beat");
        assert_eq!(
            slept_since(1_000, 1_075, 15, 60),
            Some(1_000),
            "a minute asleep"
        );
        assert_eq!(
            slept_since(1_000, 8_215, 15, 60),
            Some(1_000),
            "two hours asleep"
        );
        assert_eq!(
            slept_since(1_000, 1_070, 70, 60),
            Some(1_000),
            "paused or starved"
        );
        assert_eq!(
            slept_since(1_000, 1_020, 15, 0),
            None,
            "never less than two beats"
        );
        assert_eq!(slept_since(1_000, 990, 15, 60), None, "the clock set back");
    }
}
