//! The conformance suite against the app's own receiver, through the command surface the window
//! and the CLI use: every check passes (TLS is not judged on plain loopback http), the receiver
//! stored what was sent, and the run is kept in the history.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::sync::Arc;

use serde_json::{Value, json};
use studio_primitives::clock::SystemClock;

mod common;

#[tokio::test(flavor = "multi_thread")]
async fn the_apps_own_receiver_passes_and_the_run_is_kept() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = common::studio(dir.path(), Arc::new(SystemClock));
    let started = common::call(&studio, "receiver_start", Value::Null).await;
    let url = started["endpoints"]["localNotificationUrl"]
        .as_str()
        .expect("url")
        .to_owned();
    let lifecycle = started["endpoints"]["localLifecycleUrl"]
        .as_str()
        .expect("lifecycle url")
        .to_owned();
    let run = common::call(
        &studio,
        "conform_run",
        json!({ "url": url, "lifecycleUrl": lifecycle, "clientState": "s3cret", "burst": 1000 }),
    )
    .await;
    let checks = run["report"]["checks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(checks.len(), 15, "{run:#}");
    // Nothing fails; a check may only warn on time (a loaded machine), never on what was answered.
    for check in &checks {
        if check["id"] == "tls" {
            assert_eq!(check["status"], "skipped", "{check:#}");
        } else {
            assert_ne!(check["status"], "fail", "{check:#}");
            assert_ne!(check["status"], "skipped", "{check:#}");
        }
    }
    assert_ne!(run["report"]["outcome"], "fail");
    // What the suite sent is what the receiver stored: the burst and the rest, all acknowledged.
    common::wait_for_receptions(&studio, |seen| seen.len() >= 50).await;
    let count = common::call(&studio, "receptions_count", json!({"kind": "notification"})).await;
    assert!(
        count["count"].as_u64().unwrap_or_default() >= 1_000,
        "{count}"
    );

    // The receiver's own delivery meter counted every answer it gave the suite.
    let receiver = common::call(&studio, "receiver_status", Value::Null).await;
    let delivery = &receiver["delivery"];
    assert!(
        delivery["answers"].as_u64().unwrap_or_default() >= 1_000,
        "{delivery}"
    );
    assert!(
        matches!(delivery["state"].as_str(), Some("healthy" | "atRisk")),
        "{delivery}"
    );
    let status = common::call(&studio, "status", Value::Null).await;
    assert_eq!(status["receiver"]["delivery"], delivery["state"]);

    let history = common::call(&studio, "conform_history", Value::Null).await;
    assert_eq!(history[0]["id"], run["id"], "{history}");
    assert_eq!(history[0]["outcome"], run["report"]["outcome"]);
    let kept = common::call(&studio, "conform_report", json!({ "id": run["id"] })).await;
    assert_eq!(kept["report"], run["report"]);
    let missing = studio
        .dispatch("conform_report", json!({ "id": 999 }))
        .await
        .expect_err("no such run");
    assert!(missing.hint.is_some_and(|h| h.contains("newest 50")));
    let bad = studio
        .dispatch("conform_run", json!({ "url": "localhost:7071/api" }))
        .await
        .expect_err("not a URL");
    assert_eq!(bad.code, studio_core::ErrorCode::InvalidInput);
    assert!(
        bad.hint.as_ref().is_some_and(|h| h.contains("whole URL")),
        "{bad:?}"
    );
}
