//! Arrival-to-row in the real window: from a change made in the sandbox (whose notification
//! reaches the receiver within a millisecond or two) to its line in the Inspector's list saying
//! "verified", i.e. stored, acknowledged, checked, announced, fetched and painted.
//!
//! The page records when each verified line first appears (a `MutationObserver`, `Date.now()`);
//! the test records when it asked for the change (the same wall clock, same machine). Figures are
//! printed, not asserted: performance targets live in benchmarks (`docs/testing.md` keeps them).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};
use studio_tests::webdriver::RealApp;

/// Changes measured.
const SAMPLES: usize = 20;

const OBSERVER: &str = r#"
    window.__verifiedAt = {};
    const seen = () => {
      for (const row of document.querySelectorAll('[data-testid=reception-row][data-kind=notification]')) {
        const resource = row.querySelector('.reception-resource')?.textContent ?? '';
        if (row.textContent.includes('verified') && !(resource in window.__verifiedAt)) {
          window.__verifiedAt[resource] = Date.now();
        }
      }
    };
    new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true });
    seen();
    return null;
"#;

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn arrival_to_row_in_the_inspector() -> Result<()> {
    let app = RealApp::launch("arrival").await?;
    app.invoke("account_add_sandbox", json!({}))
        .await?
        .map_err(|e| anyhow!("sandbox: {e}"))?;
    app.wait_until("document.querySelector('[data-testid=status-receiver]')?.textContent.includes('127.0.0.1')")
        .await?;
    app.invoke(
        "subscription_create",
        json!({"resource": "/me/messages", "changeType": "created"}),
    )
    .await?
    .map_err(|e| anyhow!("subscription: {e}"))?;
    let sandbox = app
        .invoke("sandbox_info", Value::Null)
        .await?
        .map_err(|e| anyhow!("sandbox_info: {e}"))?;
    let control = sandbox["control"]
        .as_str()
        .context("control URL")?
        .to_owned();
    app.click("[data-testid=nav-inspector]").await?;
    // Notifications are listed by default: none yet, so the empty state offers a change.
    app.wait_for("[data-testid=inspector-empty]").await?;
    app.eval(OBSERVER).await?;

    let http = reqwest::Client::new();
    let mut latencies = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let asked = now_ms();
        let answer: Value = http
            .post(format!("{control}/changes"))
            .json(&json!({"resource": "/me/messages", "changeType": "created"}))
            .send()
            .await?
            .json()
            .await?;
        let resource = answer["resource"].as_str().context("changed resource")?;
        let lookup = format!("return window.__verifiedAt[{}] ?? null;", json!(resource));
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        let shown = loop {
            if let Some(at) = app.eval(&lookup).await?.as_f64() {
                break at;
            }
            if std::time::Instant::now() > deadline {
                app.screenshot("arrival-timeout").await?;
                bail!("{resource} was not shown verified within 15 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        latencies.push(shown - asked);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    latencies.sort_by(f64::total_cmp);
    let pick = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    let line = format!(
        "arrival-to-row ({SAMPLES} changes, real window): p50 {:.0} ms  p90 {:.0} ms  max {:.0} ms",
        pick(0.5),
        pick(0.9),
        pick(1.0)
    );
    #[allow(clippy::print_stdout, reason = "the figure is the test's report")]
    {
        println!("{line}");
    }
    let dir = studio_tests::webdriver::screenshot_dir();
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("arrival-to-row.txt"), format!("{line}\n"))?;
    app.screenshot("arrival").await?;
    app.close().await
}
