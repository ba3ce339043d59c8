//! Test an endpoint in the real window: a handler that answers the handshake as JSON fails the
//! handshake checks (with the fix shown), the app's own receiver passes every check, and both runs
//! are kept in the history, each opening its own report.

use anyhow::{Context, Result, ensure};
use axum::extract::Query;
use axum::http::header;
use serde_json::{Value, json};
use std::collections::HashMap;
use studio_tests::webdriver::RealApp;

/// A handler of the user's that answers validation requests with JSON (a common first mistake).
async fn json_handshake_handler() -> Result<String> {
    let app =
        axum::Router::new().fallback(|Query(query): Query<HashMap<String, String>>| async move {
            match query.get("validationToken") {
                Some(token) => (
                    axum::http::StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json")],
                    json!({ "validationToken": token }).to_string(),
                ),
                None => (
                    axum::http::StatusCode::ACCEPTED,
                    [(header::CONTENT_TYPE, "text/plain")],
                    String::new(),
                ),
            }
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(base)
}

async fn run_checks(app: &RealApp, url: &str, lifecycle: &str, burst: &str) -> Result<()> {
    app.replace_text("[data-testid=conform-url]", url).await?;
    app.replace_text("[data-testid=conform-lifecycle-url]", lifecycle)
        .await?;
    let advanced = app.wait_for("details.conform-advanced").await?;
    if advanced.attr("open").await?.is_none() {
        app.click("details.conform-advanced > summary").await?;
    }
    app.replace_text("[data-testid=conform-burst]", burst)
        .await?;
    app.click("[data-testid=conform-run]").await?;
    app.wait_until("document.querySelector('[data-testid=conform-busy]') !== null || document.querySelector('[data-testid=conform-report]') !== null")
        .await?;
    // A run takes a few seconds; wait (beyond one WAIT) until it is over.
    for _ in 0..4 {
        if app
            .eval("return document.querySelector('[data-testid=conform-busy]') === null;")
            .await?
            == Value::Bool(true)
        {
            break;
        }
        let _ = app
            .wait_until("document.querySelector('[data-testid=conform-busy]') === null")
            .await;
    }
    Ok(())
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn a_users_handler_is_graded_in_the_window_and_kept() -> Result<()> {
    let app = RealApp::launch("conform").await?;
    app.call("account_add_sandbox", json!({})).await?;
    app.wait_until("document.querySelector('[data-testid=status-receiver]')?.textContent.includes('127.0.0.1')")
        .await?;
    let status = app.call("receiver_status", Value::Null).await?;
    let endpoint = |key: &str| -> Result<String> {
        Ok(status["endpoints"][key]
            .as_str()
            .with_context(|| format!("the receiver's {key}"))?
            .to_owned())
    };
    let (notify, lifecycle) = (
        endpoint("localNotificationUrl")?,
        endpoint("localLifecycleUrl")?,
    );

    app.click("[data-testid=nav-conform]").await?;
    app.wait_for("[data-testid=conform-report-empty]").await?;
    app.screenshot("empty").await?;

    let broken = json_handshake_handler().await?;
    run_checks(
        &app,
        &format!("{broken}/api/notify"),
        &format!("{broken}/api/lifecycle"),
        "100",
    )
    .await?;
    app.wait_for("[data-testid=conform-report][data-outcome=fail]")
        .await?;
    let handshake = app
        .wait_for("[data-testid=conform-check-handshakeNotification]")
        .await?;
    ensure!(
        handshake.attr("data-status").await?.as_deref() == Some("fail"),
        "the JSON handshake fails"
    );
    let fix = app
        .text("[data-testid=conform-fix-handshakeNotification]")
        .await?;
    ensure!(
        fix.contains("text/plain"),
        "the fix says what to send: {fix}"
    );
    let plain = app
        .wait_for("[data-testid=conform-check-notificationPlain]")
        .await?;
    ensure!(
        plain.attr("data-status").await?.as_deref() == Some("pass"),
        "only the handshakes fail"
    );
    app.screenshot("json-handshake").await?;

    run_checks(&app, &notify, &lifecycle, "1000").await?;
    // Nothing fails (a loaded machine may make a time check warn).
    app.wait_for("[data-testid=conform-report]:not([data-outcome=fail])")
        .await?;
    let outcome = app
        .wait_for("[data-testid=conform-report]")
        .await?
        .attr("data-outcome")
        .await?;
    ensure!(
        matches!(outcome.as_deref(), Some("pass" | "warn")),
        "the app's own receiver passes: {outcome:?}"
    );
    app.screenshot("own-receiver").await?;

    let runs = app
        .eval("return [...document.querySelectorAll('[data-testid^=conform-history-]')].map(e => e.dataset.testid).filter(id => /\\d$/.test(id));")
        .await?;
    let runs: Vec<String> = serde_json::from_value(runs)?;
    ensure!(runs.len() == 2, "both runs kept: {runs:?}");
    app.click(&format!("[data-testid={}]", runs[1])).await?;
    app.wait_for("[data-testid=conform-report][data-outcome=fail]")
        .await?;
    // The tested endpoints are followed from run to run on the Subscriptions screen.
    app.click("[data-testid=nav-subscriptions]").await?;
    app.wait_for("[data-testid=tested-endpoint]").await?;
    app.eval("document.querySelector('[data-testid=delivery-endpoints]').scrollIntoView({block: 'center'}); return null")
        .await?;
    app.screenshot("tested-endpoints").await?;
    let rows: Vec<String> = serde_json::from_value(
        app.eval("return [...document.querySelectorAll('[data-testid=tested-endpoint]')].map(r => r.textContent);")
            .await?,
    )?;
    ensure!(
        rows.len() == 2
            && rows
                .iter()
                .all(|r| r.contains(" answers · ") && r.contains(" over 10 s")),
        "both tested endpoints with their last run's numbers: {rows:?}"
    );
    app.close().await
}
