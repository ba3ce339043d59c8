//! Speed under Graph's rules: an answer within 3 seconds; over 10% of answers in a
//! 10-minute window slower than 10 s marks the endpoint slow (deliveries delayed), over 15% drops
//! new notifications for up to 10 minutes (the older text: answers over 2,900 ms count as slow).
//! The burst sends many single-item notifications at once, as a busy mailbox or channel does.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::probe::{self, Target};
use crate::report::{Check, CheckId, Exchange, ExchangeKind, Status};

/// Notifications in flight at once during the burst.
pub const BURST_CONCURRENCY: usize = 16;
/// The most the burst may take: what is not acknowledged by then counts as not delivered.
pub const BURST_DEADLINE: Duration = Duration::from_secs(20);

/// The burst's rule.
pub const BURST_RULE: &str = "A busy mailbox or channel makes Graph deliver many notifications at once; each needs its 2xx within 3 s.";

const TIME_RULE: &str = "Answer within 3 s. Over 10% of answers slower than 10 s in 10 minutes marks the endpoint slow (deliveries delayed); over 15% drops new notifications for up to 10 minutes. Older text: over 2,900 ms counts as slow.";

/// Graph's limits, judged on every answer a run got (a run is a sample, not a live window).
fn run_rules() -> studio_receiver::health::Rules {
    studio_receiver::health::Rules {
        min_answers: 1,
        ..studio_receiver::health::Rules::default()
    }
}

/// The run's answers judged as the live meter judges a receiver (kept with the report, so an
/// endpoint's health can be followed from run to run).
pub fn delivery(latencies: &[u64]) -> studio_receiver::health::DeliveryHealth {
    studio_receiver::health::judge(latencies, run_rules())
}

/// Median, 95th percentile and maximum, in milliseconds (the delivery meter's own ranks).
pub fn percentiles(latencies: &[u64]) -> (u64, u64, u64) {
    let health = studio_receiver::health::judge(latencies, run_rules());
    (health.median_ms, health.p95_ms, health.max_ms)
}

/// Whether an exchange counts for the time rules: it was acknowledged (a 2xx), or it timed out
/// (the slowest of all). A refusal or an error answer is graded by its own check, not timed.
pub fn timed(exchange: &Exchange) -> bool {
    exchange.acknowledged() || exchange.error.as_deref() == Some(crate::probe::TIMED_OUT)
}

/// "A burst of 1,000 notifications" (one notification, said so).
pub fn burst_title(count: usize) -> String {
    if count == 1 {
        "A burst of 1 notification".into()
    } else {
        format!("A burst of {count} notifications")
    }
}

/// Grades every notification and lifecycle answer of the run against Graph's time rules.
pub fn acknowledgement_time(latencies: &[u64]) -> Check {
    use studio_receiver::health::{DeliveryState, judge};
    // The live meter's judgement (the status bar's), on every answer this run got.
    let health = judge(latencies, run_rules());
    let n = latencies.len();
    let share = if n == 0 {
        0.0
    } else {
        f64::from(health.over_slow) * 100.0 / n as f64
    };
    let numbers = format!(
        "{n} answers: median {} ms, 95th percentile {} ms, slowest {} ms; {} over 3 s, {} over 10 s ({share:.1}%).",
        health.median_ms, health.p95_ms, health.max_ms, health.over_expected, health.over_slow
    );
    let (status, verdict, fix) = match health.state {
        DeliveryState::Quiet => (
            Status::Skipped,
            "Nothing was acknowledged, so there is no acknowledgement time (the checks above say why).".to_owned(),
            None,
        ),
        DeliveryState::Dropping => (Status::Fail, "Graph would mark this endpoint as dropping: new notifications lost for up to 10 minutes.".to_owned(), Some(fast_ack())),
        DeliveryState::Slow => (
            Status::Fail,
            "Graph would mark this endpoint as slow and delay its deliveries.".to_owned(),
            Some(fast_ack()),
        ),
        DeliveryState::AtRisk => (Status::Warn, "Within the current limits, but some answers took over 3 s (the older rule counted over 2,900 ms as slow).".to_owned(), Some(fast_ack())),
        DeliveryState::Healthy => (
            Status::Pass,
            "Healthy by both the current and the older rules.".to_owned(),
            None,
        ),
    };
    Check {
        id: CheckId::AcknowledgementTime,
        title: "Acknowledgement time".into(),
        status,
        rule: TIME_RULE.into(),
        detail: format!("{verdict} {numbers}"),
        fix,
        exchanges: Vec::new(),
    }
}

fn fast_ack() -> String {
    "Acknowledge first (store or queue the body, answer 202), and do the work afterwards.".into()
}

/// `count` single-item notifications, `BURST_CONCURRENCY` at a time, within `BURST_DEADLINE`.
/// Returns the check and every latency measured.
pub async fn burst(target: &Target, template: &Value, count: usize) -> (Check, Vec<u64>) {
    let item = template["value"][0].clone();
    let bodies = (0..count).map(|_| {
        let mut item = item.clone();
        item["id"] = json!(studio_primitives::ids::random_guid());
        json!({ "value": [item] })
    });
    let target = Arc::new(target.clone());
    let sent = futures_util::stream::iter(bodies)
        .map(|body| {
            let target = Arc::clone(&target);
            async move {
                probe::notify(&target.http, &target.url, ExchangeKind::Notification, &body).await
            }
        })
        .buffer_unordered(BURST_CONCURRENCY);
    let started = std::time::Instant::now();
    let mut exchanges: Vec<Exchange> = Vec::new();
    let collect = async {
        futures_util::pin_mut!(sent);
        while let Some(exchange) = sent.next().await {
            exchanges.push(exchange);
        }
    };
    let finished = tokio::time::timeout(BURST_DEADLINE, collect).await.is_ok();
    let elapsed = started.elapsed().as_secs_f64();
    let latencies: Vec<u64> = exchanges
        .iter()
        .filter(|e| timed(e))
        .map(|e| e.latency_ms)
        .collect();
    let done = exchanges.len();
    let acknowledged = exchanges.iter().filter(|e| e.acknowledged()).count();
    let health = studio_receiver::health::judge(&latencies, run_rules());
    let slow = usize::try_from(health.over_slow).unwrap_or(usize::MAX);
    let (p50, p95, max) = (health.median_ms, health.p95_ms, health.max_ms);
    let rate = if elapsed > 0.0 {
        acknowledged as f64 / elapsed
    } else {
        0.0
    };
    let numbers = format!(
        "{acknowledged} of {count} acknowledged in {elapsed:.1} s ({rate:.0}/s), {BURST_CONCURRENCY} at a time; median {p50} ms, 95th percentile {p95} ms, slowest {max} ms."
    );
    let failures: Vec<Exchange> = exchanges
        .iter()
        .filter(|e| !e.acknowledged())
        .take(3)
        .cloned()
        .collect();
    let (status, verdict, fix) = if acknowledged < done {
        (
            Status::Fail,
            format!(
                "{} of {done} answered without a 2xx; Graph would retry them and count the endpoint as failing.",
                done - acknowledged
            ),
            Some(if failures.iter().any(|e| e.status.is_some()) {
                crate::checks::delivery::refusal_fix(&failures)
            } else {
                "Accept many requests at once: raise the server's connection and worker limits, and answer before doing the work.".into()
            }),
        )
    } else if !latencies.is_empty() && slow * 10 > latencies.len() {
        (
            Status::Fail,
            format!("{slow} answers took over 10 s: Graph would slow down or drop this endpoint."),
            Some(fast_ack()),
        )
    } else if p95 > 3_000 {
        (
            Status::Warn,
            "All acknowledged, but slowly.".into(),
            Some(fast_ack()),
        )
    } else if !finished {
        let whole = if rate > 0.0 { count as f64 / rate } else { 0.0 };
        (
            Status::Warn,
            format!(
                "Every answer was a 2xx within the time rules, but the suite stopped after {} s with {} not sent: at this pace the whole burst takes about {whole:.0} s.",
                BURST_DEADLINE.as_secs(),
                count - done
            ),
            Some("Answer faster (acknowledge first, work afterwards) so a busy hour does not queue up.".into()),
        )
    } else {
        (Status::Pass, "All acknowledged.".into(), None)
    };
    let check = Check {
        id: CheckId::Burst,
        title: burst_title(count),
        status,
        rule: BURST_RULE.into(),
        detail: format!("{verdict} {numbers}"),
        fix,
        exchanges: failures,
    };
    (check, latencies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        assert_eq!(percentiles(&[]), (0, 0, 0));
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentiles(&values), (50, 95, 100));
    }

    #[test]
    fn slow_and_dropping_follow_graphs_shares() {
        let mut latencies = vec![100; 100];
        assert_eq!(acknowledgement_time(&latencies).status, Status::Pass);
        latencies[0] = 4_000;
        assert_eq!(acknowledgement_time(&latencies).status, Status::Warn);
        for l in latencies.iter_mut().take(11) {
            *l = 11_000;
        }
        let slow = acknowledgement_time(&latencies);
        assert!(
            slow.status == Status::Fail && slow.detail.contains("slow"),
            "{}",
            slow.detail
        );
        for l in latencies.iter_mut().take(16) {
            *l = 11_000;
        }
        assert!(acknowledgement_time(&latencies).detail.contains("dropping"));
        assert_eq!(acknowledgement_time(&[]).status, Status::Skipped);
    }
}
