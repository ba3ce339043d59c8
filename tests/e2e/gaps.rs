//! Delivery health and gaps in the real window: a subscription whose endpoint Graph starts
//! dropping gets `missed`, the Subscriptions screen shows the gap, and "Reconcile" lists exactly
//! the two changes that were never notified; the ledger shows every account's subscriptions.

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use studio_tests::webdriver::RealApp;

const INBOX: &str = "/me/mailFolders('inbox')/messages";

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn a_missed_gap_is_shown_and_reconciled_in_the_window() -> Result<()> {
    let app = RealApp::launch("gaps").await?;
    app.call("account_add_sandbox", json!({})).await?;
    app.wait_until("document.querySelector('[data-testid=status-receiver]')?.textContent.includes('127.0.0.1')")
        .await?;
    let created = app
        .call(
            "subscription_create",
            json!({"resource": INBOX, "changeType": "created,updated,deleted", "includeLifecycleUrl": true}),
        )
        .await?;
    let id = created["subscription"]["subscription"]["id"]
        .as_str()
        .context("subscription id")?
        .to_owned();
    let sandbox = app.call("sandbox_info", Value::Null).await?;
    let control = sandbox["control"].as_str().context("control URL")?;
    let http = reqwest::Client::new();
    let change = || async {
        http.post(format!("{control}/changes"))
            .json(&json!({"resource": INBOX, "changeType": "created"}))
            .send()
            .await?
            .error_for_status()?
            .json::<Value>()
            .await
    };
    change().await?;
    app.click("[data-testid=nav-subscriptions]").await?;
    app.wait_for("[data-testid=subscription-health-row]")
        .await?;
    app.wait_until("[...document.querySelectorAll('[data-testid=subscription-health-row]')].some(r => !r.textContent.includes('none yet'))")
        .await?;
    app.screenshot("healthy").await?;

    // Graph's drop state for the receiver's URL: the next two messages are lost and the sandbox
    // says `missed`.
    let owned = app.call("owned_subscriptions", Value::Null).await?;
    let url = owned["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["id"] == id.as_str())
        .and_then(|s| s["notificationUrl"].as_str())
        .context("the subscription's notification URL")?
        .to_owned();
    http.post(format!("{control}/endpoints"))
        .json(&json!({"url": url, "state": "drop"}))
        .send()
        .await?
        .error_for_status()?;
    let mut lost = Vec::new();
    for _ in 0..2 {
        let made = change().await?;
        lost.push(made["entity"]["id"].as_str().context("id")?.to_owned());
    }
    app.wait_for("[data-testid=gap-row] [data-testid=gap-reconcile]")
        .await?;
    let row = app.text("[data-testid=gap-row]").await?;
    ensure!(row.contains("missed"), "the gap says why: {row}");
    app.screenshot("gap").await?;

    app.click("[data-testid=gap-reconcile]").await?;
    app.wait_for("[data-testid=reconciliation]").await?;
    let rows = app
        .eval("return [...document.querySelectorAll('[data-testid=unnotified-row]')].map(r => r.textContent);")
        .await?;
    let rows: Vec<String> = serde_json::from_value(rows)?;
    ensure!(rows.len() == 2, "exactly the two lost messages: {rows:?}");
    for lost in &lost {
        ensure!(
            rows.iter()
                .any(|r| r.contains(lost.as_str()) || r.contains("Sandbox message")),
            "{lost} is listed: {rows:?}"
        );
    }
    app.screenshot("reconciled").await?;

    // Every account's subscriptions together: this one, made and served here.
    app.click("[data-testid=reconciliation-close]").await?;
    app.click("[data-testid=ledger-load]").await?;
    app.wait_for("[data-testid=ledger-row] [data-testid=ledger-served-here]")
        .await?;
    let account = app.text("[data-testid=ledger-account]").await?;
    ensure!(
        account.contains("Delegated"),
        "the account says what its token lists: {account}"
    );
    app.eval("document.querySelector('[data-testid=ledger]').scrollIntoView(); return null;")
        .await?;
    app.screenshot("ledger").await?;
    app.close().await
}
