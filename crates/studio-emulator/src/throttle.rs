//! Graph's slow/drop accounting per notification endpoint (reference §5, 2025 text): in a
//! 10-minute window, more than 10% of responses slower than the limit makes an endpoint "slow"
//! (its deliveries are held back), more than 15% makes it "drop" (new notifications are
//! dropped, unrecoverably, for 10 minutes). Timeouts and unreachable endpoints count as slow.
//! The window and the drop period follow the emulator clock; the control API shows each
//! endpoint's state so users can see their receiver being throttled.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

/// The accounting window, in seconds.
pub const WINDOW_SECONDS: i64 = 600;
/// How long an endpoint in "drop" loses new notifications, in seconds.
pub const DROP_SECONDS: i64 = 600;
/// Responses needed in the window before an endpoint is judged.
pub const MIN_RESPONSES: usize = 10;
/// Graph's limit for a response (2025 text).
pub const DEFAULT_SLOW_RESPONSE: Duration = Duration::from_secs(10);

/// What Graph does with an endpoint's next notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum EndpointState {
    /// Delivered at once.
    Healthy,
    /// Held back before delivery.
    Slow,
    /// Dropped.
    Drop,
}

#[derive(Debug, Default)]
struct History {
    /// (emulator time, was slow) of each response in the window.
    responses: VecDeque<(i64, bool)>,
    drop_until: Option<i64>,
    dropped: u64,
    /// Subscriptions told `missed` during the current drop period.
    told_missed: std::collections::HashSet<String>,
}

/// An endpoint's accounting, as the control API reports it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointReport {
    /// The notification URL.
    pub url: String,
    /// What happens to its next notification.
    pub state: EndpointState,
    /// Responses in the window.
    pub responses: usize,
    /// Of which slow (or timed out, or unreachable).
    pub slow_responses: usize,
    /// Notifications dropped so far.
    pub dropped_notifications: u64,
    /// Unix seconds until which new notifications are dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop_until: Option<i64>,
}

/// The accounting of every endpoint.
#[derive(Debug, Default)]
pub struct Throttle {
    endpoints: Mutex<HashMap<String, History>>,
}

impl Throttle {
    /// Records one response (`slow`: over the limit, timed out or unreachable).
    pub fn record(&self, url: &str, now: i64, slow: bool) {
        if let Ok(mut endpoints) = self.endpoints.lock() {
            let history = endpoints.entry(url.to_owned()).or_default();
            history.responses.push_back((now, slow));
            judge(history, now);
        }
    }

    /// What to do with a new notification for `url`; counts it when it is dropped.
    pub fn admit(&self, url: &str, now: i64) -> EndpointState {
        let Ok(mut endpoints) = self.endpoints.lock() else {
            return EndpointState::Healthy;
        };
        let Some(history) = endpoints.get_mut(url) else {
            return EndpointState::Healthy;
        };
        let state = judge(history, now);
        if state == EndpointState::Drop {
            history.dropped += 1;
        }
        state
    }

    /// Every endpoint's accounting, by URL.
    pub fn report(&self, now: i64) -> Vec<EndpointReport> {
        let Ok(mut endpoints) = self.endpoints.lock() else {
            return Vec::new();
        };
        let mut out: Vec<EndpointReport> = endpoints
            .iter_mut()
            .map(|(url, history)| {
                let state = judge(history, now);
                EndpointReport {
                    url: url.clone(),
                    state,
                    responses: history.responses.len(),
                    slow_responses: history.responses.iter().filter(|(_, s)| *s).count(),
                    dropped_notifications: history.dropped,
                    drop_until: history.drop_until.filter(|until| *until > now),
                }
            })
            .collect();
        out.sort_by(|a, b| a.url.cmp(&b.url));
        out
    }

    /// Puts an endpoint in the drop state for [`DROP_SECONDS`] from `now` (control API: what a
    /// run of slow answers would do, without waiting for them).
    pub fn force_drop(&self, url: &str, now: i64) {
        if let Ok(mut endpoints) = self.endpoints.lock() {
            let history = endpoints.entry(url.to_owned()).or_default();
            history.drop_until = Some(now + DROP_SECONDS);
            history.told_missed.clear();
        }
    }

    /// Whether a subscription whose notification `url` dropped is to be told `missed` now: once
    /// per drop period, as Graph tells it once that it lost notifications.
    pub fn first_miss(&self, url: &str, subscription_id: &str) -> bool {
        self.endpoints.lock().is_ok_and(|mut endpoints| {
            endpoints
                .get_mut(url)
                .is_some_and(|h| h.told_missed.insert(subscription_id.to_owned()))
        })
    }

    /// Forgets everything (control API reset).
    pub fn clear(&self) {
        if let Ok(mut endpoints) = self.endpoints.lock() {
            endpoints.clear();
        }
    }
}

/// Drops responses older than the window and decides the endpoint's state.
fn judge(history: &mut History, now: i64) -> EndpointState {
    while history
        .responses
        .front()
        .is_some_and(|(at, _)| now - at > WINDOW_SECONDS)
    {
        history.responses.pop_front();
    }
    if history.drop_until.is_some_and(|until| until > now) {
        return EndpointState::Drop;
    }
    let total = history.responses.len();
    if total < MIN_RESPONSES {
        return EndpointState::Healthy;
    }
    let slow = history.responses.iter().filter(|(_, s)| *s).count();
    // Compare slow/total with 15% and 10% in integers.
    if slow * 100 > total * 15 {
        history.drop_until = Some(now + DROP_SECONDS);
        history.told_missed.clear();
        EndpointState::Drop
    } else if slow * 100 > total * 10 {
        EndpointState::Slow
    } else {
        EndpointState::Healthy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_percent_is_slow_fifteen_is_drop_and_drop_lasts_ten_minutes() {
        let throttle = Throttle::default();
        for i in 0..20 {
            throttle.record("a", 1000, i >= 17);
        }
        assert_eq!(
            throttle.admit("a", 1000),
            EndpointState::Slow,
            "3/20 = 15% is slow, not drop"
        );
        throttle.record("a", 1000, true);
        assert_eq!(throttle.admit("a", 1001), EndpointState::Drop, "4/21 > 15%");
        assert_eq!(throttle.report(1001)[0].dropped_notifications, 1);
        assert_eq!(
            throttle.admit("a", 1001 + DROP_SECONDS + WINDOW_SECONDS),
            EndpointState::Healthy
        );
        for _ in 0..5 {
            throttle.record("b", 0, true);
        }
        assert_eq!(
            throttle.admit("b", 0),
            EndpointState::Healthy,
            "too few responses to judge"
        );
        assert_eq!(throttle.admit("never-seen", 0), EndpointState::Healthy);
    }
}
