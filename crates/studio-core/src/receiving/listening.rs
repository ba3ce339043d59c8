//! When the receiver was listening, as the store remembers it: a period opens at each start,
//! closes at each stop, and a heartbeat moves its end forward while it runs, so downtime is found
//! after a crash as well as after a clean stop (`crate::gaps`).
//!
//! A computer that sleeps while the app runs keeps the period open, and Graph's deliveries fail
//! meanwhile. The heartbeat waits on tokio's clock, which (like Linux's monotonic clock) does not
//! advance while the computer sleeps, so the wall clock jumps between two beats: a jump of at least
//! the downtime threshold opens downtime gaps for that stretch (`crate::gaps::after_sleep`).

use std::sync::Arc;
use std::time::Duration;

use studio_primitives::Clock;
use studio_store::Store;

/// How often a running receiver records that it still listens.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// Where a sleep began, when the wall clock moved at least `threshold` seconds between two beats
/// (a beat is [`HEARTBEAT`] of the process's own time).
pub fn slept_since(last: i64, now: i64, threshold: i64) -> Option<i64> {
    let expected = i64::try_from(HEARTBEAT.as_secs()).unwrap_or(15);
    (now - last >= threshold.max(expected * 2)).then_some(last)
}

/// Records, every [`HEARTBEAT`], that the period is still going, and the gaps of a sleep
/// (`downtime_threshold` seconds or more) when it finds one (ends when aborted).
pub(super) async fn heartbeat(
    store: Arc<Store>,
    period: i64,
    clock: Arc<dyn Clock>,
    downtime_threshold: i64,
) {
    let mut ticks = tokio::time::interval(HEARTBEAT);
    ticks.tick().await;
    let mut last = clock.now_unix();
    loop {
        ticks.tick().await;
        let store = Arc::clone(&store);
        let now = clock.now_unix();
        let slept = slept_since(last, now, downtime_threshold);
        last = now;
        let written = tokio::task::spawn_blocking(move || {
            if let Some(from) = slept {
                let opened = crate::gaps::after_sleep(&store, from, now)?;
                tracing::info!(from, to = now, gaps = opened.len(), "the computer slept");
            }
            store
                .listening_alive(period, now)
                .map_err(crate::error::CoreError::from)
        })
        .await;
        if !matches!(written, Ok(Ok(()))) {
            tracing::warn!("the listening heartbeat was not recorded");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jump_of_the_wall_clock_between_beats_is_a_sleep() {
        assert_eq!(slept_since(1_000, 1_015, 60), None, "a beat");
        assert_eq!(slept_since(1_000, 1_040, 60), None, "a slow beat");
        assert_eq!(slept_since(1_000, 1_060, 60), Some(1_000));
        assert_eq!(slept_since(1_000, 8_200, 60), Some(1_000), "two hours");
        assert_eq!(
            slept_since(1_000, 1_020, 0),
            None,
            "never less than two beats"
        );
        assert_eq!(slept_since(1_000, 990, 60), None, "the clock set back");
    }
}
