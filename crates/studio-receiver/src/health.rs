//! Delivery health: the receiver's acknowledgements judged by Graph's rules, live, before Graph
//! judges them. Graph expects an answer within 3 seconds; in a 10-minute window, over 10% of
//! answers slower than 10 s marks an endpoint slow (its deliveries delayed) and over 15% drops
//! new notifications for up to 10 minutes (the older text counted over 2,900 ms as slow). The
//! same judgement grades the conformance suite's runs, so the meter and the suite agree.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The window Graph counts answers in, in seconds.
pub const WINDOW_SECONDS: i64 = 600;
/// Answers needed in the window before an endpoint can be judged slow or dropping.
pub const MIN_ANSWERS: usize = 10;
/// The most answers the meter keeps (a flood cannot grow it without bound).
const MAX_KEPT: usize = 100_000;

/// The limits judged against; Graph's by default, shorter in tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Graph expects an answer within this (3 s).
    pub expected: Duration,
    /// The older rule's slow answer (2,900 ms).
    pub older_slow: Duration,
    /// An answer slower than this counts against the endpoint (10 s).
    pub slow: Duration,
    /// Answers needed before an endpoint can be judged slow or dropping (10 for the live meter,
    /// so one slow answer is no alarm; a conformance run judges what it sent).
    pub min_answers: usize,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            expected: Duration::from_secs(3),
            older_slow: Duration::from_millis(2_900),
            slow: Duration::from_secs(10),
            min_answers: MIN_ANSWERS,
        }
    }
}

/// Where an endpoint stands.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS,
)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "DeliveryState")]
pub enum DeliveryState {
    /// No answers in the window.
    #[default]
    Quiet,
    /// Within every rule.
    Healthy,
    /// Within Graph's current rules, but some answers took over 3 s, or over 10% over 2,900 ms.
    AtRisk,
    /// Over 10% of answers slower than 10 s: Graph delays deliveries.
    Slow,
    /// Over 15% slower than 10 s: Graph drops new notifications for up to 10 minutes.
    Dropping,
}

/// The numbers behind a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "DeliveryHealth")]
pub struct DeliveryHealth {
    /// Where the endpoint stands.
    pub state: DeliveryState,
    /// Answers in the window.
    pub answers: u32,
    /// Of which slower than the expected 3 s.
    pub over_expected: u32,
    /// Of which slower than 10 s.
    pub over_slow: u32,
    /// Median, milliseconds.
    #[ts(type = "number")]
    pub median_ms: u64,
    /// 95th percentile, milliseconds.
    #[ts(type = "number")]
    pub p95_ms: u64,
    /// Slowest, milliseconds.
    #[ts(type = "number")]
    pub max_ms: u64,
}

/// Nearest-rank percentile of sorted values.
fn rank(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let at = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[at - 1]
}

/// The state from the counts alone (no sorting: the receiver asks after every answer).
fn state_of(
    n: usize,
    min_answers: usize,
    over_expected: usize,
    over_older: usize,
    over_slow: usize,
) -> DeliveryState {
    let judged = n >= min_answers;
    if n == 0 {
        DeliveryState::Quiet
    } else if judged && over_slow * 100 > n * 15 {
        DeliveryState::Dropping
    } else if judged && over_slow * 100 > n * 10 {
        DeliveryState::Slow
    } else if over_slow > 0 || over_expected > 0 || over_older * 10 > n {
        DeliveryState::AtRisk
    } else {
        DeliveryState::Healthy
    }
}

fn millis(limit: Duration) -> u64 {
    u64::try_from(limit.as_millis()).unwrap_or(u64::MAX)
}

/// Judges answer times (milliseconds) by `rules`.
pub fn judge(latencies: &[u64], rules: Rules) -> DeliveryHealth {
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let over = |limit: Duration| sorted.iter().filter(|l| **l > millis(limit)).count();
    let (over_expected, over_older, over_slow) = (
        over(rules.expected),
        over(rules.older_slow),
        over(rules.slow),
    );
    let count = |k: usize| u32::try_from(k).unwrap_or(u32::MAX);
    DeliveryHealth {
        state: state_of(n, rules.min_answers, over_expected, over_older, over_slow),
        answers: count(n),
        over_expected: count(over_expected),
        over_slow: count(over_slow),
        median_ms: rank(&sorted, 0.5),
        p95_ms: rank(&sorted, 0.95),
        max_ms: sorted.last().copied().unwrap_or(0),
    }
}

/// The answers of the last 10 minutes, as the receiver gave them, with running counts so an
/// answer costs no sorting. Each change of state is announced on a watch channel.
#[derive(Debug)]
pub struct AckMeter {
    rules: Rules,
    kept: Mutex<Kept>,
    changes: tokio::sync::watch::Sender<DeliveryState>,
}

impl Default for AckMeter {
    fn default() -> Self {
        AckMeter::new(Rules::default())
    }
}

#[derive(Debug, Default)]
struct Kept {
    answers: VecDeque<(i64, u64)>,
    over_expected: usize,
    over_older: usize,
    over_slow: usize,
    /// The latest stamp: a clock moved back does not put answers out of order.
    latest: i64,
    /// Graph drops for 10 minutes once it starts: so does the meter's state.
    drop_until: Option<i64>,
    /// The state last announced.
    shown: DeliveryState,
}

impl Kept {
    fn count(&mut self, ms: u64, rules: Rules, sign: bool) {
        for (limit, counter) in [
            (rules.expected, &mut self.over_expected),
            (rules.older_slow, &mut self.over_older),
            (rules.slow, &mut self.over_slow),
        ] {
            if ms > millis(limit) {
                *counter = if sign {
                    *counter + 1
                } else {
                    counter.saturating_sub(1)
                };
            }
        }
    }

    /// `now` moved forward only (the stamps stay in order).
    fn at(&mut self, now: i64) -> i64 {
        self.latest = self.latest.max(now);
        self.latest
    }

    /// Drops what left the window (kept: `now - at <= 600`, as the sandbox counts) or the cap.
    fn prune(&mut self, now: i64, rules: Rules) {
        while let Some((at, ms)) = self.answers.front().copied() {
            if now - at <= WINDOW_SECONDS && self.answers.len() < MAX_KEPT {
                break;
            }
            self.answers.pop_front();
            self.count(ms, rules, false);
        }
    }

    /// The state now, holding `dropping` for 10 minutes once entered.
    fn settle(&mut self, now: i64, rules: Rules) -> DeliveryState {
        let counted = state_of(
            self.answers.len(),
            rules.min_answers,
            self.over_expected,
            self.over_older,
            self.over_slow,
        );
        if counted == DeliveryState::Dropping && self.drop_until.is_none_or(|until| now >= until) {
            self.drop_until = Some(now + WINDOW_SECONDS);
        }
        match self.drop_until {
            Some(until) if now < until => DeliveryState::Dropping,
            _ => counted,
        }
    }
}

impl AckMeter {
    /// A meter judging by `rules`.
    pub fn new(rules: Rules) -> AckMeter {
        AckMeter {
            rules,
            kept: Mutex::default(),
            changes: tokio::sync::watch::Sender::new(DeliveryState::Quiet),
        }
    }

    /// The state as it changes.
    pub fn watch(&self) -> tokio::sync::watch::Receiver<DeliveryState> {
        self.changes.subscribe()
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Announces `state` if it differs from the last one announced (under the meter's lock, so
    /// announcements keep their order).
    fn announce(&self, kept: &mut Kept, state: DeliveryState) {
        if kept.shown != state {
            kept.shown = state;
            self.changes.send_replace(state);
        }
    }

    /// Records an answer given at `now` (Unix seconds) after `took`; answers the endpoint's state
    /// before and after it.
    pub fn record(&self, now: i64, took: Duration) -> (DeliveryState, DeliveryState) {
        let mut kept = self.kept();
        let now = kept.at(now);
        kept.prune(now, self.rules);
        let before = kept.settle(now, self.rules);
        let ms = millis(took);
        kept.answers.push_back((now, ms));
        kept.count(ms, self.rules, true);
        let after = kept.settle(now, self.rules);
        self.announce(&mut kept, after);
        (before, after)
    }

    /// Ages the window to `now` and announces a change (answers leaving it, a drop spell ending).
    pub fn refresh(&self, now: i64) -> DeliveryState {
        let mut kept = self.kept();
        let now = kept.at(now);
        kept.prune(now, self.rules);
        let state = kept.settle(now, self.rules);
        self.announce(&mut kept, state);
        state
    }

    /// When the state may next change without a new answer: the oldest answer leaving the
    /// window, or a drop spell ending (Unix seconds).
    pub fn next_change(&self) -> Option<i64> {
        let kept = self.kept();
        let leaving = kept.answers.front().map(|(at, _)| at + WINDOW_SECONDS + 1);
        [leaving, kept.drop_until].into_iter().flatten().min()
    }

    /// The endpoint's health at `now`, with its percentiles (sorted outside the lock).
    pub fn health(&self, now: i64) -> DeliveryHealth {
        let (latencies, state) = {
            let mut kept = self.kept();
            let now = kept.at(now);
            kept.prune(now, self.rules);
            let state = kept.settle(now, self.rules);
            self.announce(&mut kept, state);
            let latencies: Vec<u64> = kept.answers.iter().map(|(_, ms)| *ms).collect();
            (latencies, state)
        };
        DeliveryHealth {
            state,
            ..judge(&latencies, self.rules)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<u64> {
        values.to_vec()
    }

    #[test]
    fn states_follow_graphs_shares() {
        let rules = Rules::default();
        assert_eq!(judge(&[], rules).state, DeliveryState::Quiet);
        let mut latencies = vec![100; 100];
        assert_eq!(judge(&latencies, rules).state, DeliveryState::Healthy);
        latencies[0] = 4_000;
        assert_eq!(judge(&latencies, rules).state, DeliveryState::AtRisk);
        for l in latencies.iter_mut().take(11) {
            *l = 11_000;
        }
        assert_eq!(judge(&latencies, rules).state, DeliveryState::Slow);
        for l in latencies.iter_mut().take(16) {
            *l = 11_000;
        }
        assert_eq!(judge(&latencies, rules).state, DeliveryState::Dropping);
        // The older rule: over 10% over 2,900 ms, though none over 3 s.
        let older: Vec<u64> = (0..100).map(|i| if i < 11 { 2_950 } else { 50 }).collect();
        assert_eq!(judge(&older, rules).state, DeliveryState::AtRisk);
        // Too few answers to be judged slow: at risk.
        assert_eq!(
            judge(&ms(&[11_000, 100, 100]), rules).state,
            DeliveryState::AtRisk
        );
    }

    #[test]
    fn the_meter_counts_the_window_and_agrees_with_the_judgement() {
        let rules = Rules::default();
        let meter = AckMeter::new(rules);
        let mut all = Vec::new();
        for i in 0..40_u64 {
            let took = if i % 5 == 0 { 11_000 } else { 40 };
            let (_, after) = meter.record(1_000, Duration::from_millis(took));
            all.push(took);
            assert_eq!(after, judge(&all, rules).state, "after {} answers", i + 1);
        }
        assert_eq!(meter.health(1_000).state, DeliveryState::Dropping);
        // The drop spell ends after 10 minutes; the window keeps answers up to 600 s old (as
        // the sandbox does) and lets go of them at 601 s.
        assert_eq!(meter.next_change(), Some(1_000 + WINDOW_SECONDS));
        assert_eq!(meter.health(1_000 + WINDOW_SECONDS - 1).answers, 40);
        let watched = meter.watch();
        assert_eq!(
            meter.refresh(1_000 + WINDOW_SECONDS + 1),
            DeliveryState::Quiet
        );
        assert_eq!(
            *watched.borrow(),
            DeliveryState::Quiet,
            "the quiet spell is announced"
        );
        let (before, after) = meter.record(1_000 + WINDOW_SECONDS + 1, Duration::from_millis(5));
        assert_eq!(
            (before, after),
            (DeliveryState::Quiet, DeliveryState::Healthy)
        );
        assert_eq!(
            *watched.borrow(),
            DeliveryState::Healthy,
            "the change is announced"
        );
    }

    #[test]
    fn dropping_holds_for_ten_minutes_and_a_clock_moved_back_keeps_the_order() {
        let meter = AckMeter::new(Rules::default());
        for _ in 0..10 {
            meter.record(5_000, Duration::from_secs(11));
        }
        assert_eq!(meter.refresh(5_000), DeliveryState::Dropping);
        // Fast answers bring the share under 15%, but Graph still drops until 10 minutes pass.
        for _ in 0..90 {
            meter.record(5_100, Duration::from_millis(5));
        }
        assert_eq!(meter.refresh(5_100), DeliveryState::Dropping);
        assert_eq!(
            meter.refresh(5_000 + WINDOW_SECONDS + 1),
            DeliveryState::Healthy
        );
        // A clock moved back an hour stamps at the latest time seen: the window still ages.
        meter.record(1_000, Duration::from_millis(5));
        assert_eq!(meter.health(5_100 + WINDOW_SECONDS + 1).answers, 1);
    }
}
