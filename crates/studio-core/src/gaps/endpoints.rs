//! Delivery health per endpoint, beyond the live meter of this process's receiver: the receiver
//! another process runs (the window while `webhook-studio health` asks, or `listen` while the
//! window looks), read from what its heartbeat records in the store; and every endpoint the
//! conformance suite tested, followed from run to run (each run keeps its acknowledgement times
//! judged by the same rules), so a handler that got slower shows as a trend, not one verdict.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use studio_receiver::health::DeliveryHealth;
use studio_store::Store;
use ts_rs::TS;

use crate::error::CoreError;
use crate::receiving::listening::HEARTBEAT;

/// A receiver's health recorded by another process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordedDelivery {
    /// Its health when recorded.
    pub health: DeliveryHealth,
    /// When it was recorded (Unix seconds).
    #[ts(type = "number")]
    pub recorded_at: i64,
}

/// The delivery health another process's receiver recorded, if one is listening now (its
/// heartbeat is at most two beats old).
pub fn elsewhere(store: &Store, now: i64) -> Result<Option<RecordedDelivery>, CoreError> {
    let beats = i64::try_from(HEARTBEAT.as_secs()).unwrap_or(15) * 2;
    Ok(store
        .live_delivery(now - beats)?
        .and_then(|(recorded_at, value)| {
            serde_json::from_value(value)
                .ok()
                .map(|health| RecordedDelivery {
                    health,
                    recorded_at,
                })
        }))
}

/// One conformance run's judgement of an endpoint's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TestedRun {
    /// The run (its report: `conform_report`).
    #[ts(type = "number")]
    pub run_id: i64,
    /// When it started (Unix seconds).
    #[ts(type = "number")]
    pub at: i64,
    /// Its answers judged by Graph's rules.
    pub health: DeliveryHealth,
}

/// An endpoint the conformance suite tested, with its runs newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TestedEndpoint {
    /// The notification URL tested.
    pub url: String,
    /// Every kept run that judged its answers, newest first.
    pub runs: Vec<TestedRun>,
}

/// Every endpoint the kept conformance runs tested, the most recently tested first.
pub fn tested(store: &Store) -> Result<Vec<TestedEndpoint>, CoreError> {
    let mut order: Vec<String> = Vec::new();
    let mut by_url: BTreeMap<String, Vec<TestedRun>> = BTreeMap::new();
    for (run, delivery) in store.conformance_deliveries()? {
        let Some(health) = delivery.and_then(|v| serde_json::from_value(v).ok()) else {
            continue;
        };
        let runs = by_url.entry(run.url.clone()).or_default();
        if runs.is_empty() {
            order.push(run.url.clone());
        }
        runs.push(TestedRun {
            run_id: run.id,
            at: run.started_at,
            health,
        });
    }
    Ok(order
        .into_iter()
        .map(|url| {
            let runs = by_url.remove(&url).unwrap_or_default();
            TestedEndpoint { url, runs }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_receiver::health::{DeliveryState, Rules, judge};

    #[test]
    fn runs_are_grouped_by_url_newest_first_and_old_reports_skipped() {
        let store = Store::temporary().expect("store");
        let judged = |ms: u64| judge(&[ms; 20], Rules::default());
        let report = |h: DeliveryHealth| serde_json::json!({ "delivery": h });
        store
            .record_conformance(1, "http://a", "pass", &report(judged(100)))
            .expect("kept");
        store
            .record_conformance(2, "http://b", "pass", &serde_json::json!({}))
            .expect("kept");
        store
            .record_conformance(3, "http://a", "fail", &report(judged(12_000)))
            .expect("kept");
        store
            .record_conformance(4, "http://c", "warn", &report(judged(4_000)))
            .expect("kept");
        let endpoints = tested(&store).expect("read");
        let urls: Vec<&str> = endpoints.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(urls, ["http://c", "http://a"], "b has no judgement");
        let states: Vec<DeliveryState> = endpoints[1].runs.iter().map(|r| r.health.state).collect();
        assert_eq!(states, [DeliveryState::Dropping, DeliveryState::Healthy]);
        assert_eq!(endpoints[1].runs[0].at, 3);
    }

    #[test]
    fn a_receiver_elsewhere_counts_while_its_heartbeat_is_fresh() {
        let store = Store::temporary().expect("store");
        let period = store.listening_started(1_000).expect("started");
        let health = judge(&[50; 12], Rules::default());
        store
            .listening_delivery(period, 1_010, &serde_json::to_value(health).expect("json"))
            .expect("recorded");
        store.listening_alive(period, 1_015).expect("alive");
        let seen = elsewhere(&store, 1_040).expect("read").expect("fresh");
        assert_eq!(seen.health, health);
        assert_eq!(seen.recorded_at, 1_010);
        assert_eq!(elsewhere(&store, 1_050).expect("read"), None, "stale");
        store.listening_stopped(period, 1_020).expect("stopped");
        assert_eq!(elsewhere(&store, 1_021).expect("read"), None, "stopped");
    }
}
