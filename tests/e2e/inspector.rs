//! Issue #6 in the real window: create a subscription from Resources, trigger changes in the
//! sandbox, and watch them arrive in the Inspector verified and decrypted; the subscription's
//! upkeep on Subscriptions; the tunnel and certificates in Settings.

use anyhow::{Context, Result, anyhow, ensure};
use serde_json::{Value, json};
use studio_tests::webdriver::RealApp;

async fn call(app: &RealApp, command: &str, payload: Value) -> Result<Value> {
    app.invoke(command, payload)
        .await?
        .map_err(|e| anyhow!("{command}: {e}"))
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn a_subscription_made_in_the_app_delivers_into_the_inspector() -> Result<()> {
    let app = RealApp::launch("inspector").await?;
    call(&app, "account_add_sandbox", json!({})).await?;
    app.wait_until("document.querySelector('[data-testid=status-receiver]')?.textContent.includes('127.0.0.1')")
        .await?;

    // Resources → Outlook message → Create subscription (as /me/messages, to this app's receiver).
    app.click("[data-testid=nav-resources]").await?;
    let search = app.wait_for("[data-testid=resource-search]").await?;
    search.send_keys("outlook message").await?;
    app.click("[data-resource-id=message]").await?;
    app.wait_until("!document.querySelector('[data-testid=create-subscription-button]')?.disabled")
        .await?;
    app.click("[data-testid=create-subscription-button]")
        .await?;
    app.wait_for("[data-testid=create-done]").await?;
    app.eval("document.querySelector('[data-testid=create-done]').scrollIntoView(); return null;")
        .await?;
    app.screenshot("inspector-created").await?;

    // A rich one too, then a change in the sandbox's mailbox.
    call(
        &app,
        "subscription_create",
        json!({"resource": "/me/mailFolders('inbox')/messages?$select=subject,from", "changeType": "created", "includeResourceData": true}),
    )
    .await?;
    let sandbox = call(&app, "sandbox_info", Value::Null).await?;
    let control = sandbox["control"].as_str().context("control URL")?;
    let changed = reqwest::Client::new()
        .post(format!("{control}/changes"))
        .json(&json!({"resource": "/me/mailFolders('inbox')/messages", "changeType": "created"}))
        .send()
        .await?;
    ensure!(
        changed.status().is_success(),
        "change: {}",
        changed.status()
    );

    app.click("[data-testid=nav-inspector]").await?;
    app.wait_for("[data-testid=reception-row][data-kind=notification]")
        .await?;
    app.click("[data-testid=reception-row][data-kind=notification]")
        .await?;
    app.wait_until("document.querySelectorAll('[data-testid=check-client-state]').length >= 2")
        .await?;
    let checks = app
        .eval("return [...document.querySelectorAll('[data-testid=check-client-state]')].map(e => e.textContent);")
        .await?;
    ensure!(
        checks.as_array().is_some_and(|c| c
            .iter()
            .all(|t| t.as_str().is_some_and(|t| t.contains("matches")))),
        "clientState checks: {checks}"
    );
    app.wait_for("[data-testid=check-decrypted]").await?;
    // The list line catches up once the items were checked (after the 202).
    app.wait_until("document.querySelector('[data-testid=reception-row][data-kind=notification]')?.textContent.includes('verified')")
        .await?;
    app.screenshot("inspector-notification").await?;
    let decrypted = app.text("[data-testid=decrypted]").await?;
    ensure!(decrypted.contains("subject"), "decrypted: {decrypted}");
    let tokens = app.text("[data-testid=check-tokens]").await?;
    ensure!(tokens.contains("valid"), "tokens: {tokens}");

    // Handshakes are listed too; a filter narrows the list.
    app.click("[data-value=validation]").await?;
    app.wait_until("[...document.querySelectorAll('[data-testid=reception-row]')].every(r => r.dataset.kind === 'validation')")
        .await?;

    // The subscription list says which ones the app keeps alive.
    app.click("[data-testid=nav-subscriptions]").await?;
    app.wait_for("[data-testid=owned-note]").await?;
    app.wait_for("[data-testid=upkeep-history]").await?;
    app.screenshot("subscriptions-owned").await?;

    // Settings: the tunnel form and the certificate made for the rich subscription.
    app.click("[data-testid=nav-settings]").await?;
    app.wait_for("[data-testid=tunnel-form]").await?;
    app.wait_for("[data-testid=certificate-row]").await?;
    app.eval("document.querySelector('[data-testid=tunnel-form]').scrollIntoView(); return null;")
        .await?;
    app.screenshot("settings-tunnel-certificates").await?;

    // A URL of your own must be https: the form says so and nothing changes.
    app.click("#tunnel-kind [data-value=url]").await?;
    app.replace_text("#tunnel-url", "http://plain.example.com")
        .await?;
    app.click("[data-testid=tunnel-apply]").await?;
    let error = app.text("[data-testid=error-message]").await?;
    ensure!(error.contains("https"), "error: {error}");
    app.close().await
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn ngrok_without_an_authtoken_says_what_to_do_and_keeps_receiving_locally() -> Result<()> {
    let app = RealApp::launch("tunnel").await?;
    call(&app, "account_add_sandbox", json!({})).await?;
    app.click("[data-testid=nav-settings]").await?;
    app.click("#tunnel-kind [data-value=ngrok]").await?;
    app.wait_for("#ngrok-token").await?;
    app.click("[data-testid=tunnel-apply]").await?;
    let error = app
        .text("[data-testid=tunnel-form] [data-testid=error-message]")
        .await?;
    ensure!(error.contains("did not open"), "error: {error}");
    let hint = app
        .text("[data-testid=tunnel-form] [data-testid=error-hint]")
        .await?;
    ensure!(hint.contains("authtoken"), "hint: {hint}");
    app.eval("document.querySelector('[data-testid=tunnel-form]').scrollIntoView(); return null;")
        .await?;
    app.screenshot("settings-ngrok-without-token").await?;

    app.click("[data-testid=nav-inspector]").await?;
    app.wait_for("[data-testid=tunnel-failed]").await?;
    app.screenshot("inspector-tunnel-failed").await?;
    let url = app
        .eval("return document.querySelector('[data-testid=receiver-url]')?.textContent ?? '';")
        .await?;
    ensure!(
        url.as_str()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:")),
        "still receiving locally: {url}"
    );
    app.close().await
}
