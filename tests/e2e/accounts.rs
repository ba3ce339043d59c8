//! Issue #5: the sandbox account in one click, its claims, its subscriptions from Graph, and
//! deleting one, in the real window.

use std::collections::HashMap;

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use studio_tests::webdriver::{Launch, RealApp};

/// A delegated token for Adele from the app's own sandbox, the way any client would get one.
async fn adele_token(sandbox: &Value) -> Result<String> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let authority = sandbox["authorityHost"].as_str().context("authority")?;
    let client_id = sandbox["publicClientId"].as_str().context("client id")?;
    let redirect = "http://localhost:5999/";
    let answer = http
        .get(format!("{authority}/organizations/oauth2/v2.0/authorize"))
        .query(&[
            ("client_id", client_id),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("scope", "Mail.Read"),
            ("prompt", "none"),
            ("login_hint", "adele@sandbox.onmicrosoft.com"),
        ])
        .send()
        .await?;
    let location = answer
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let code = location
        .split("code=")
        .nth(1)
        .and_then(|c| c.split('&').next())
        .context("a code")?
        .to_owned();
    let tokens: Value = http
        .post(format!("{authority}/organizations/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("redirect_uri", redirect),
            ("code", &code),
        ])
        .send()
        .await?
        .json()
        .await?;
    tokens["access_token"]
        .as_str()
        .map(str::to_owned)
        .context("an access token")
}

/// A loopback receiver that answers Graph's validation handshake.
async fn receiver() -> Result<String> {
    let app = axum::Router::new().route(
        "/notifications",
        axum::routing::post(
            |axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>| async move {
                q.get("validationToken").cloned().unwrap_or_default()
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/notifications", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(url)
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn sandbox_in_one_click_then_list_and_delete_a_subscription() -> Result<()> {
    let app = RealApp::launch("accounts").await?;
    app.click("[data-testid=nav-accounts]").await?;
    app.wait_for("[data-testid=accounts-empty]").await?;
    app.click("[data-testid=add-sandbox]").await?;
    app.wait_for("[data-testid=account-card]").await?;
    let name = app.text("[data-testid=account-name]").await?;
    ensure!(name.contains("Adele Vance"), "account: {name}");
    let permissions = app.text("[data-testid=account-permissions]").await?;
    ensure!(
        permissions.contains("Mail.Read"),
        "permissions: {permissions}"
    );
    app.wait_until("document.querySelector('.statusbar')?.textContent.includes('adele@sandbox')")
        .await?;
    app.wait_for("[data-testid=sandbox-details]").await?;
    app.screenshot("accounts-sandbox").await?;

    // A subscription made by another client of the same app shows in the app's list.
    let sandbox = app
        .invoke("sandbox_info", Value::Null)
        .await?
        .map_err(|e| anyhow::anyhow!("sandbox_info: {e}"))?;
    let token = adele_token(&sandbox).await?;
    let expires = (time::OffsetDateTime::now_utc() + time::Duration::hours(1))
        .format(&time::format_description::well_known::Rfc3339)?;
    let created = reqwest::Client::new()
        .post(format!(
            "{}/v1.0/subscriptions",
            sandbox["graphBase"].as_str().context("graph")?
        ))
        .bearer_auth(&token)
        .json(&json!({
            "changeType": "created",
            "notificationUrl": receiver().await?,
            "resource": "/me/mailFolders('inbox')/messages",
            "expirationDateTime": expires,
        }))
        .send()
        .await?;
    ensure!(
        created.status().as_u16() == 201,
        "create: {}",
        created.text().await.unwrap_or_default()
    );

    app.click("[data-testid=nav-subscriptions]").await?;
    app.click("[data-testid=subscriptions-refresh]").await?;
    app.wait_for("[data-testid=subscription-row]").await?;
    let expiry = app.text("[data-testid=subscription-expiry]").await?;
    ensure!(expiry.starts_with("in "), "countdown: {expiry}");
    app.wait_for("[data-testid=http-entry]").await?;
    app.screenshot("subscriptions-list").await?;
    app.click("[data-testid=subscription-delete]").await?;
    app.click("[data-testid=subscription-delete-confirm]")
        .await?;
    app.wait_for("[data-testid=subscriptions-none]").await?;
    app.screenshot("subscriptions-deleted").await?;

    // Another seeded user, picked in the list: a second account beside the first.
    app.click("[data-testid=nav-accounts]").await?;
    app.wait_until("document.querySelector('[data-testid=add-sandbox]')?.disabled === true")
        .await?;
    app.eval(
        "const s = document.querySelector('[data-testid=sandbox-user]');
         const setter = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;
         setter.call(s, s.options[1].value);
         s.dispatchEvent(new Event('change', { bubbles: true }));
         return null;",
    )
    .await?;
    app.wait_until(
        "document.querySelector('[data-testid=add-sandbox]')?.textContent === 'Add this user'",
    )
    .await?;
    app.click("[data-testid=add-sandbox]").await?;
    app.wait_until("document.querySelectorAll('[data-testid=account-card]').length === 2")
        .await?;
    app.screenshot("accounts-second-user").await?;
    app.close().await
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn placeholders_are_picked_from_the_account_in_use() -> Result<()> {
    let app = RealApp::launch("lookup").await?;
    app.invoke("account_add_sandbox", json!({}))
        .await?
        .map_err(|e| anyhow::anyhow!("account_add_sandbox: {e}"))?;
    app.click("[data-testid=nav-resources]").await?;
    let search = app.wait_for("[data-testid=resource-search]").await?;
    search.send_keys("chat").await?;
    app.click("[data-resource-id=chatMessage]").await?;
    app.click("input[data-template=\"/teams/{team-id}/channels/{channel-id}/messages\"]")
        .await?;
    app.wait_until("document.querySelector('select[data-lookup=team-id]')?.options.length > 1")
        .await?;
    let pick = |name: &str| {
        format!(
            "const s = document.querySelector('select[data-lookup={name}]');
             const setter = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;
             setter.call(s, s.options[1].value);
             s.dispatchEvent(new Event('change', {{ bubbles: true }}));
             return null;"
        )
    };
    app.eval(&pick("team-id")).await?;
    app.wait_until("document.querySelector('select[data-lookup=channel-id]')?.options.length > 1")
        .await?;
    app.eval(&pick("channel-id")).await?;
    let resource = app.text("[data-testid=resource-string] code").await?;
    ensure!(
        resource.starts_with("/teams/")
            && resource.contains("/channels/19:")
            && resource.ends_with("/messages"),
        "resource: {resource}"
    );
    app.wait_for("[data-testid=checked-against]").await?;
    app.eval("document.querySelector('.placeholders').scrollIntoView(); return null;")
        .await?;
    app.screenshot("explorer-picked").await?;
    app.close().await
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn a_first_start_lands_signed_in_to_the_sandbox() -> Result<()> {
    let launch = Launch {
        sandbox_on_first_start: true,
        ..Launch::default()
    };
    let app = RealApp::launch_with("first-start", launch).await?;
    app.wait_until("document.querySelector('.statusbar')?.textContent.includes('adele@sandbox')")
        .await?;
    app.click("[data-testid=nav-accounts]").await?;
    app.wait_for("[data-testid=account-in-use]").await?;
    app.screenshot("accounts").await?;
    app.close().await
}
