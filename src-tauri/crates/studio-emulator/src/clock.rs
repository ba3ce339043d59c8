//! The emulator's clock: real time plus an offset that the control API advances, so expiry,
//! lifecycle and retry behaviour can be driven without waiting.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, advanceable.
#[derive(Debug, Default)]
pub struct EmulatorClock {
    offset_seconds: AtomicI64,
}

impl EmulatorClock {
    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        real.saturating_add(self.offset_seconds.load(Ordering::Relaxed))
    }

    /// Moves time forward (never backward).
    pub fn advance(&self, seconds: u32) {
        self.offset_seconds
            .fetch_add(i64::from(seconds), Ordering::Relaxed);
    }
}
