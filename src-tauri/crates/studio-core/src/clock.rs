//! Time as a dependency.
//!
//! Nothing testable calls `now()` directly: expiry, renewal, retry and backup names all take a
//! [`Clock`], so tests pin time instead of sleeping.

use time::OffsetDateTime;

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in UTC.
    fn now_utc(&self) -> OffsetDateTime;
}

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_utc(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that always says the same instant (for tests).
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

/// RFC 3339 for Unix seconds (empty when out of range), as Graph writes times.
pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Unix seconds of an RFC 3339 time (0 when unreadable).
pub fn unix_of(text: &str) -> i64 {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .unwrap_or(0)
}
