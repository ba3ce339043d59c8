//! Time as a dependency.
//!
//! Nothing testable reads the wall clock itself: expiry, renewal, retries, the time a request
//! arrived and the age of cached keys all ask a [`Clock`], so tests pin or move time instead of
//! sleeping. Durations of one operation (a latency) are measured with `Instant`, which no test
//! needs to control.

use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in UTC.
    fn now_utc(&self) -> OffsetDateTime;

    /// Now, in Unix seconds.
    fn now_unix(&self) -> i64 {
        self.now_utc().unix_timestamp()
    }

    /// Now, as RFC 3339 with milliseconds (how receptions are stamped).
    fn now_rfc3339(&self) -> String {
        let now = self.now_utc();
        now.replace_nanosecond(u32::from(now.millisecond()) * 1_000_000)
            .unwrap_or(now)
            .format(&Rfc3339)
            .unwrap_or_default()
    }
}

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_utc(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that always says the same instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl FixedClock {
    /// A fixed clock at a Unix timestamp; out-of-range values fall back to the epoch.
    pub fn at_unix(seconds: i64) -> Self {
        Self(OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH))
    }
}

impl Clock for FixedClock {
    fn now_utc(&self) -> OffsetDateTime {
        self.0
    }
}

/// A clock a test sets and moves (Unix seconds).
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock at `unix` seconds.
    pub fn at_unix(unix: i64) -> Self {
        Self(AtomicI64::new(unix))
    }

    /// Moves it to `unix` seconds.
    pub fn set(&self, unix: i64) {
        self.0.store(unix, Ordering::Relaxed);
    }

    /// Moves it forward.
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::Relaxed);
    }
}

impl Clock for ManualClock {
    fn now_utc(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.0.load(Ordering::Relaxed))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// RFC 3339 for Unix seconds (empty when out of range), as Graph writes times.
pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// Unix seconds of an RFC 3339 time (0 when unreadable).
pub fn unix_of(text: &str) -> i64 {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_and_fails_soft() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(unix_of(&rfc3339(1_800_000_000)), 1_800_000_000);
        assert_eq!(unix_of("not a time"), 0);
    }

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let clock = ManualClock::at_unix(100);
        clock.advance(5);
        assert_eq!(clock.now_unix(), 105);
        assert_eq!(
            FixedClock::at_unix(1_700_000_000).now_rfc3339(),
            "2023-11-14T22:13:20Z"
        );
    }
}
