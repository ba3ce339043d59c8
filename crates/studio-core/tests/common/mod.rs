//! What the tests that drive the whole app share: a studio on a temporary folder with the
//! sandbox's silent browser and a session-only keyring, typed calls, the sandbox's control API,
//! and waiting for receptions.

#![allow(dead_code, reason = "each test file uses part of it")]
#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

pub mod gaps;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use studio_core::{AppPaths, Studio};
use studio_identity::sandbox::SilentBrowser;
use studio_identity::secrets::SessionStore;
use studio_primitives::clock::Clock;

pub fn studio(dir: &std::path::Path, clock: Arc<dyn Clock>) -> Studio {
    Studio::builder(AppPaths::under(dir))
        .clock(clock)
        .secrets(Arc::new(SessionStore::default()))
        .browser(Arc::new(SilentBrowser))
        .open()
        .expect("opens")
}

pub async fn call(studio: &Studio, command: &str, payload: Value) -> Value {
    studio
        .dispatch(command, payload)
        .await
        .unwrap_or_else(|error| panic!("{command}: {error}"))
}

pub async fn control(studio: &Studio, path: &str, body: Value) -> Value {
    let sandbox = call(studio, "sandbox_info", Value::Null).await;
    let base = sandbox["control"].as_str().expect("control URL");
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .expect("control API answers");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// Waits (up to 10 s) until `check` accepts the receptions list.
pub async fn wait_for_receptions(studio: &Studio, check: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    for _ in 0..200 {
        let list = call(studio, "receptions_list", json!({"kind": "notification"})).await;
        seen = list.as_array().cloned().unwrap_or_default();
        if check(&seen) {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the expected receptions never arrived: {seen:#?}");
}
