//! Delivery: changes reach every matching subscription, batched per endpoint, retried, recorded.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use std::time::Duration;

use serde_json::{Value, json};
use studio_emulator::{EmulatorConfig, RunningEmulator, start};

mod common;
use common::{app_token, control, recording_receiver, subscribe_with, wait_for};

async fn emulator() -> RunningEmulator {
    common::quick_emulator().await
}

#[tokio::test]
async fn a_change_reaches_every_matching_subscription_in_one_batch() {
    let e = emulator().await;
    let (url, rx) = recording_receiver(0).await;
    let token = app_token(&e).await;
    let user = e.info.users[0].id.clone();
    let all = subscribe_with(&e, &token, "/users", "updated", &url, None).await;
    let one = subscribe_with(&e, &token, &format!("/users/{user}"), "updated", &url, None).await;
    let _other_change = subscribe_with(&e, &token, "/groups", "updated", &url, None).await;

    let (status, answer) = control(
        &e,
        "changes",
        json!({ "resource": format!("/users/{user}"), "changeType": "updated" }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        answer["matchedSubscriptions"].as_array().map(Vec::len),
        Some(2)
    );
    let body = wait_for(|| rx.bodies.lock().expect("lock").first().cloned()).await;
    let items = body["value"].as_array().expect("value");
    assert_eq!(
        items.len(),
        2,
        "one POST per endpoint carries both items: {body}"
    );
    let ids: Vec<_> = items
        .iter()
        .filter_map(|i| i["subscriptionId"].as_str())
        .collect();
    assert!(ids.contains(&all.as_str()) && ids.contains(&one.as_str()));
    for item in items {
        assert_eq!(item["clientState"], "s3cret");
        assert_eq!(item["tenantId"], e.info.tenant_id.as_str());
        assert_eq!(item["changeType"], "updated");
        assert_eq!(item["resourceData"]["@odata.type"], "#Microsoft.Graph.User");
        assert_eq!(item["resourceData"]["id"], user.as_str());
    }
    e.shutdown().await;
}

#[tokio::test]
async fn failed_deliveries_are_retried_and_every_attempt_is_recorded() {
    let e = emulator().await;
    let (url, rx) = recording_receiver(2).await;
    let token = app_token(&e).await;
    let _ = subscribe_with(&e, &token, "/groups", "updated", &url, None).await;
    control(
        &e,
        "changes",
        json!({ "resource": "/groups/g1", "changeType": "updated" }),
    )
    .await;
    wait_for(|| (!rx.bodies.lock().expect("lock").is_empty()).then_some(())).await;
    let log: Value = reqwest::get(format!("{}/deliveries", e.info.control))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let attempts: Vec<(u64, Option<u64>)> = log["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|d| (d["attempt"].as_u64().unwrap_or(0), d["status"].as_u64()))
        .collect();
    assert_eq!(attempts, [(1, Some(503)), (2, Some(503)), (3, Some(202))]);
    e.shutdown().await;
}

async fn attempts_at(e: &RunningEmulator) -> Vec<i64> {
    let log: Value = reqwest::get(format!("{}/deliveries", e.info.control))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    log["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["kind"] == "notification")
        .filter_map(|d| d["at"].as_i64())
        .collect()
}

/// Waits (up to 2 s) for the first delivery attempt.
async fn first_attempt(e: &RunningEmulator) {
    for _ in 0..200 {
        if !attempts_at(e).await.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Graph retries for four hours with exponential back-off; the control API's clock compresses
/// that to seconds, and after four hours the batch is given up.
#[tokio::test]
async fn an_endpoint_that_keeps_failing_is_retried_for_four_hours_then_given_up() {
    let e = emulator().await;
    let (url, _) = recording_receiver(u32::MAX).await;
    let token = app_token(&e).await;
    // A subscription that outlives the four hours (an expired one ends its retries).
    let (status, created) = common::graph(
        &e,
        reqwest::Method::POST,
        &token,
        "/v1.0/subscriptions",
        Some(json!({
            "changeType": "updated",
            "notificationUrl": url,
            "resource": "/groups",
            "expirationDateTime": common::expiration_in(2 * 24 * 60),
            "clientState": "s3cret",
        })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    control(
        &e,
        "changes",
        json!({ "resource": "/groups/g1", "changeType": "updated" }),
    )
    .await;
    first_attempt(&e).await;
    let mut seen = 0;
    for _ in 0..40 {
        control(&e, "clock", json!({ "advanceSeconds": 1200 })).await;
        tokio::time::sleep(Duration::from_millis(60)).await;
        seen = attempts_at(&e).await.len();
    }
    // Given up: another day on the clock brings no attempt.
    control(&e, "clock", json!({ "advanceSeconds": 86_400 })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let attempts = attempts_at(&e).await;
    assert_eq!(attempts.len(), seen, "no attempt after four hours");
    assert!(attempts.len() > 8, "retried many times: {attempts:?}");
    let (first, last) = (attempts[0], attempts[attempts.len() - 1]);
    assert!(last - first <= 4 * 3600, "within four hours: {attempts:?}");
    assert!(
        last - first >= 3 * 3600,
        "for hours, not seconds: {attempts:?}"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn lifecycle_events_go_to_the_lifecycle_url() {
    let e = emulator().await;
    let (url, _) = recording_receiver(0).await;
    let (lifecycle_url, lifecycle) = recording_receiver(0).await;
    let token = app_token(&e).await;
    let id = subscribe_with(
        &e,
        &token,
        "/communications/callRecords",
        "created",
        &url,
        Some(&lifecycle_url),
    )
    .await;
    let (status, _) = control(
        &e,
        "lifecycle",
        json!({ "subscriptionId": id, "event": "reauthorizationRequired" }),
    )
    .await;
    assert_eq!(status, 200);
    let body = wait_for(|| lifecycle.bodies.lock().expect("lock").first().cloned()).await;
    assert_eq!(
        body["value"][0]["lifecycleEvent"],
        "reauthorizationRequired"
    );
    assert_eq!(body["value"][0]["subscriptionId"], id.as_str());

    let (status, _) = control(
        &e,
        "lifecycle",
        json!({ "subscriptionId": id, "event": "subscriptionRemoved" }),
    )
    .await;
    assert_eq!(status, 200);
    let all: Value = reqwest::get(format!("{}/subscriptions", e.info.control))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(
        all["value"].as_array().map(Vec::len),
        Some(0),
        "subscriptionRemoved removes it"
    );

    for bad in [
        json!({}),
        json!({ "subscriptionId": "x", "event": "exploded" }),
        json!({ "resource": "" }),
    ] {
        let (status, _) = control(&e, "lifecycle", bad.clone()).await;
        assert!(status == 400 || status == 404, "{bad}");
        let (status, _) = control(&e, "changes", bad).await;
        assert_eq!(status, 400);
    }
    let (status, _) = control(&e, "reset", json!({})).await;
    assert_eq!(status, 204);
    e.shutdown().await;
}

#[tokio::test]
async fn the_clock_brings_reauthorization_then_removal() {
    let e = emulator().await;
    let (url, _) = recording_receiver(0).await;
    let (lifecycle_url, lifecycle) = recording_receiver(0).await;
    let token = app_token(&e).await;
    let _ = subscribe_with(
        &e,
        &token,
        "/communications/callRecords",
        "created",
        &url,
        Some(&lifecycle_url),
    )
    .await;
    // 50 minutes to go: advance 41 and reauthorizationRequired arrives (10 minutes before expiry).
    control(&e, "clock", json!({ "advanceSeconds": 41 * 60 })).await;
    let body = wait_for(|| lifecycle.bodies.lock().expect("lock").first().cloned()).await;
    assert_eq!(
        body["value"][0]["lifecycleEvent"],
        "reauthorizationRequired"
    );
    // Past the expiry the subscription is gone.
    control(&e, "clock", json!({ "advanceSeconds": 10 * 60 })).await;
    let count = || async {
        let all: Value = reqwest::get(format!("{}/subscriptions", e.info.control))
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        all["value"].as_array().map_or(0, Vec::len)
    };
    for _ in 0..100 {
        if count().await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(count().await, 0, "expired subscriptions are removed");
    e.shutdown().await;
}

#[tokio::test]
async fn a_slow_endpoint_is_throttled_then_dropped_like_graph_does() {
    use axum::extract::Query;
    use std::collections::HashMap;
    let e = start(EmulatorConfig {
        handshake_timeout: Duration::from_secs(2),
        retry_base: Duration::from_millis(20),
        slow_response: Duration::from_millis(30),
        ..EmulatorConfig::default()
    })
    .await
    .expect("starts");
    let app = axum::Router::new().route(
        "/slow",
        axum::routing::post(|Query(q): Query<HashMap<String, String>>| async move {
            match q.get("validationToken") {
                Some(token) => token.clone(),
                None => {
                    tokio::time::sleep(Duration::from_millis(60)).await;
                    String::new()
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/slow", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let token = app_token(&e).await;
    let _ = subscribe_with(&e, &token, "/users", "updated", &url, None).await;
    let user = e.info.users[0].id.clone();
    let change = json!({ "resource": format!("/users/{user}"), "changeType": "updated" });
    for _ in 0..12 {
        control(&e, "changes", change.clone()).await;
    }
    let deliveries = || async {
        let log: Value = reqwest::get(format!("{}/deliveries", e.info.control))
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        log["value"].as_array().cloned().unwrap_or_default()
    };
    for _ in 0..200 {
        if deliveries().await.len() >= 12 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    control(&e, "changes", change).await;
    let log = deliveries().await;
    assert!(
        log.iter()
            .any(|d| d["dropped"] == true && d["status"].is_null()),
        "the next notification is dropped: {log:?}"
    );
    let endpoints: Value = reqwest::get(format!("{}/endpoints", e.info.control))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let endpoint = &endpoints["value"][0];
    assert_eq!(endpoint["url"], url.as_str());
    assert_eq!(endpoint["state"], "drop");
    assert!(endpoint["slowResponses"].as_u64() >= Some(10), "{endpoint}");
    assert!(endpoint["droppedNotifications"].as_u64() >= Some(1));
    e.shutdown().await;
}

/// The documented handshake contract is a 200 with `Content-Type: text/plain`: the right token
/// answered as JSON fails the subscription, with a message that says why.
#[tokio::test]
async fn a_handshake_answered_as_json_is_refused() {
    use axum::extract::Query;
    use std::collections::HashMap;
    let e = emulator().await;
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(|Query(q): Query<HashMap<String, String>>| async move {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                q.get("validationToken").cloned().unwrap_or_default(),
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let token = app_token(&e).await;
    let refused = reqwest::Client::new()
        .post(format!("{}/v1.0/subscriptions", e.info.graph_base))
        .bearer_auth(&token)
        .json(&json!({
            "changeType": "updated",
            "notificationUrl": url,
            "resource": "/groups",
            "expirationDateTime": common::expiration_in(50),
        }))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status().as_u16(), 400);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "ValidationError");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("text/plain") && m.contains("application/json")),
        "{body}"
    );
    e.shutdown().await;
}

/// Deleting the subscription ends the retries of its pending batch.
#[tokio::test]
async fn deleting_the_subscription_ends_its_retries() {
    let e = emulator().await;
    let (url, _) = recording_receiver(u32::MAX).await;
    let token = app_token(&e).await;
    let id = subscribe_with(&e, &token, "/groups", "updated", &url, None).await;
    control(
        &e,
        "changes",
        json!({ "resource": "/groups/g1", "changeType": "updated" }),
    )
    .await;
    first_attempt(&e).await;
    let (status, _) = common::graph(
        &e,
        reqwest::Method::DELETE,
        &token,
        &format!("/v1.0/subscriptions/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let before = attempts_at(&e).await.len();
    control(&e, "clock", json!({ "advanceSeconds": 3600 })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        attempts_at(&e).await.len() <= before + 1,
        "at most the attempt already under way"
    );
    control(&e, "clock", json!({ "advanceSeconds": 3600 })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let settled = attempts_at(&e).await.len();
    control(&e, "clock", json!({ "advanceSeconds": 3600 })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        attempts_at(&e).await.len(),
        settled,
        "no retry once it is gone"
    );
    e.shutdown().await;
}

/// The control API's new switches answer bad input with Graph's 400 and a sentence that says
/// what to send, and change nothing.
#[tokio::test]
async fn new_control_switches_refuse_bad_input() {
    let e = emulator().await;
    for (path, body) in [
        ("validation-tokens", json!({ "version": "3.0" })),
        ("validation-tokens", json!("2.0")),
        ("refresh-reuse", json!({ "detect": "yes" })),
        ("refresh-reuse", json!({})),
        ("consent", json!({ "offlineAccess": "no" })),
    ] {
        let (status, answer) = control(&e, path, body.clone()).await;
        assert_eq!(status, 400, "{path} {body}: {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("true") || m.contains("1.0")),
            "{path} {body}: {answer}"
        );
    }
    let (status, answer) = control(&e, "validation-tokens", json!({ "version": "2.0" })).await;
    assert_eq!((status, answer["version"].as_str()), (200, Some("2.0")));
    e.shutdown().await;
}
