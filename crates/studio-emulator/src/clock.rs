//! The emulator's clock: real time, optionally running faster (`--time-scale`), plus an offset
//! that the control API advances, so expiry, lifecycle and retry behaviour can be driven without
//! waiting.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, advanceable and optionally scaled.
#[derive(Debug)]
pub struct EmulatorClock {
    offset_seconds: AtomicI64,
    started_unix: i64,
    started: Instant,
    scale: f64,
}

impl Default for EmulatorClock {
    fn default() -> Self {
        EmulatorClock::scaled(1.0)
    }
}

impl EmulatorClock {
    /// A clock on which `scale` emulated seconds pass per real second (values ≤ 0 mean 1).
    pub fn scaled(scale: f64) -> EmulatorClock {
        let started_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        EmulatorClock {
            offset_seconds: AtomicI64::new(0),
            started_unix,
            started: Instant::now(),
            scale: if scale.is_finite() && scale > 0.0 {
                scale
            } else {
                1.0
            },
        }
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "elapsed emulated seconds fit an i64 for any realistic run"
        )]
        let elapsed = (self.started.elapsed().as_secs_f64() * self.scale) as i64;
        self.started_unix
            .saturating_add(elapsed)
            .saturating_add(self.offset_seconds.load(Ordering::Relaxed))
    }

    /// Moves time forward (never backward).
    pub fn advance(&self, seconds: u32) {
        self.offset_seconds
            .fetch_add(i64::from(seconds), Ordering::Relaxed);
    }

    /// Seconds the control API has added.
    pub fn offset(&self) -> i64 {
        self.offset_seconds.load(Ordering::Relaxed)
    }

    /// Restores an offset saved by an earlier run (`--data`).
    pub fn restore_offset(&self, seconds: i64) {
        self.offset_seconds.store(seconds.max(0), Ordering::Relaxed);
    }

    /// How long to really wait for `emulated` to pass.
    pub fn real(&self, emulated: Duration) -> Duration {
        emulated.div_f64(self.scale)
    }

    /// Emulated seconds per real second.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scaled_clock_runs_faster_and_waits_shorter() {
        let clock = EmulatorClock::scaled(60.0);
        assert_eq!(clock.real(Duration::from_secs(120)), Duration::from_secs(2));
        let before = clock.now();
        clock.advance(10);
        assert!(clock.now() >= before + 10);
        assert_eq!(EmulatorClock::scaled(-3.0).scale(), 1.0);
    }
}
