//! A subscription's health between gaps: when it was last heard from, how soon its resource is
//! normally notified (the catalog's expected latency), and whether it has been quiet for longer
//! than usual: no notification for three times the median interval between its last arrivals
//! (and longer than the expected latency). A silence is a question, not a verdict: a mailbox may
//! just be quiet; a gap is what the app knows was missed.

use serde::{Deserialize, Serialize};
use studio_catalog::catching_up::expected_latency_seconds;
use studio_store::{OwnedSubscription, Store, SubscriptionState};
use ts_rs::TS;

use crate::error::CoreError;

/// Arrivals the usual interval is taken from.
pub const ARRIVALS_CONSIDERED: i64 = 21;
/// Intervals needed before a silence is judged.
pub const MIN_INTERVALS: usize = 5;

/// One subscription's health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionHealth {
    /// Graph's id.
    pub id: String,
    /// The resource.
    pub resource: String,
    /// The account that made it.
    pub account_id: String,
    /// Where it stands.
    pub state: SubscriptionState,
    /// Unix seconds of the newest notification.
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_notification_at: Option<i64>,
    /// How soon its resource is normally notified, in seconds.
    pub expected_latency_seconds: u32,
    /// The median time between its last notifications, in seconds.
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usual_interval_seconds: Option<i64>,
    /// Quiet for longer than usual.
    pub quiet: bool,
    /// Gaps not reconciled yet.
    pub open_gaps: usize,
}

/// "3 min", "2 h 5 min", "4 days".
pub fn spoken_duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3_600 => format!("{} min", seconds / 60),
        3_600..86_400 => match (seconds % 3_600) / 60 {
            0 => format!("{} h", seconds / 3_600),
            minutes => format!("{} h {minutes} min", seconds / 3_600),
        },
        _ => format!("{} days", seconds / 86_400),
    }
}

/// The median of the intervals between arrivals (newest first), when there are enough.
pub fn usual_interval(arrivals: &[i64]) -> Option<i64> {
    let mut intervals: Vec<i64> = arrivals.windows(2).map(|w| w[0] - w[1]).collect();
    if intervals.len() < MIN_INTERVALS {
        return None;
    }
    intervals.sort_unstable();
    intervals.get(intervals.len() / 2).copied()
}

/// Whether a subscription last heard from at `last` is quiet for longer than usual at `now`.
pub fn is_quiet(last: Option<i64>, usual: Option<i64>, expected: u32, now: i64) -> bool {
    match (last, usual) {
        (Some(last), Some(usual)) => now - last > (usual * 3).max(i64::from(expected)),
        _ => false,
    }
}

/// Health of one subscription the app made.
pub fn of(
    store: &Store,
    owned: &OwnedSubscription,
    resource_id: Option<&str>,
    now: i64,
) -> Result<SubscriptionHealth, CoreError> {
    let arrivals = store.recent_arrivals(&owned.id, ARRIVALS_CONSIDERED)?;
    let expected = resource_id.map_or(180, expected_latency_seconds);
    let usual = usual_interval(&arrivals);
    let last = arrivals.first().copied();
    let open_gaps = store.open_gap_count(&owned.id)?;
    Ok(SubscriptionHealth {
        id: owned.id.clone(),
        resource: owned.resource.clone(),
        account_id: owned.account_id.clone(),
        state: owned.state,
        last_notification_at: last,
        expected_latency_seconds: expected,
        usual_interval_seconds: usual,
        quiet: owned.state.is_live() && is_quiet(last, usual, expected, now),
        open_gaps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silence_three_times_the_usual_interval_is_quiet() {
        let arrivals = [1_000, 940, 880, 820, 760, 700];
        assert_eq!(usual_interval(&arrivals), Some(60));
        assert!(!is_quiet(Some(1_000), Some(60), 10, 1_180));
        assert!(is_quiet(Some(1_000), Some(60), 10, 1_181));
        assert!(
            !is_quiet(Some(1_000), Some(60), 3_600, 2_000),
            "never before the expected latency"
        );
        assert_eq!(usual_interval(&arrivals[..4]), None, "too few to judge");
        assert_eq!(spoken_duration(7_500), "2 h 5 min");
        assert_eq!(spoken_duration(59), "59 s");
    }
}
