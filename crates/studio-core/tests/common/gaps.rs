//! What the gap audit's tests share: a studio that counts any stop as downtime, waiting for
//! something to happen, the gaps and what a reconciliation lists.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use studio_core::options::Options;
use studio_core::{AppPaths, Studio};
use studio_identity::sandbox::SilentBrowser;
use studio_identity::secrets::SessionStore;
use studio_primitives::clock::SystemClock;

use super::call;

/// A studio on `dir` for which any stop of the receiver is downtime.
pub fn gap_studio(dir: &std::path::Path) -> Arc<Studio> {
    let options = Options {
        downtime_gap_seconds: 0,
        ..Options::default()
    };
    Arc::new(
        Studio::builder(AppPaths::under(dir))
            .options(options)
            .clock(Arc::new(SystemClock))
            .secrets(Arc::new(SessionStore::default()))
            .browser(Arc::new(SilentBrowser))
            .open()
            .expect("opens"),
    )
}

/// Polls `probe` until it answers (at most 15 s).
pub async fn until<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..300 {
        if let Some(found) = probe().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} never happened");
}

/// The ids a reconciliation lists as changed without a notification, sorted.
pub fn unnotified(result: &Value) -> Vec<String> {
    let mut ids: Vec<String> = result["unnotified"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|u| u["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    ids.sort();
    ids
}

/// The first open gap of `cause`, once there is one.
pub async fn open_gap(studio: &Studio, cause: &str) -> Value {
    until("the gap", async || {
        let gaps = call(studio, "gaps_list", json!({})).await;
        gaps.as_array()
            .into_iter()
            .flatten()
            .find(|g| g["cause"] == cause && g["reconciledAt"].is_null())
            .cloned()
    })
    .await
}

/// Waits until the subscription's first delta link for `key` was kept.
pub async fn baseline(studio: &Studio, id: &str, key: &str) {
    until("the delta baseline", async || {
        studio.store().delta_link(id, key).ok().flatten()
    })
    .await;
}
