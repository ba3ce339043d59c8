//! Accounts and subscriptions through `Studio::dispatch`, the way the window calls them, against
//! the in-process sandbox: one-click sign-in, claims, the status bar, subscriptions from Graph
//! (renew, reauthorize, delete), the HTTP log, sign-out, and bad input. Secrets stay in memory.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::Query;
use serde_json::{Value, json};
use studio_core::{AppPaths, Studio};
use studio_identity::sandbox::SilentBrowser;
use studio_identity::secrets::{SecretStore, SessionStore};

fn studio(dir: &std::path::Path, secrets: Arc<SessionStore>) -> Studio {
    Studio::builder(AppPaths::under(dir))
        .secrets(secrets)
        .browser(Arc::new(SilentBrowser))
        .open()
        .expect("opens")
}

async fn call(studio: &Studio, command: &str, payload: Value) -> Value {
    studio
        .dispatch(command, payload)
        .await
        .unwrap_or_else(|error| panic!("{command}: {error}"))
}

async fn receiver() -> String {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(|Query(q): Query<HashMap<String, String>>| async move {
            q.get("validationToken").cloned().unwrap_or_default()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

#[tokio::test]
async fn the_sandbox_in_one_click_then_its_subscriptions_then_sign_out() {
    let dir = tempfile::tempdir().expect("dir");
    let secrets = Arc::new(SessionStore::default());
    let studio = studio(dir.path(), Arc::clone(&secrets));
    let empty = call(&studio, "accounts_list", Value::Null).await;
    assert_eq!(empty["accounts"], json!([]));
    assert_eq!(empty["secretStorage"], "session");

    let mut events = studio.events().subscribe();
    let added = call(&studio, "account_add_sandbox", json!({})).await;
    assert_eq!(added["config"]["name"], "adele@sandbox.onmicrosoft.com");
    assert_eq!(added["config"]["kind"], "sandbox");
    assert_eq!(added["current"], true);
    assert!(
        added["claims"]["permissions"]
            .as_array()
            .is_some_and(|p| p.iter().any(|x| x == "Mail.Read"))
    );
    assert!(matches!(
        events.recv().await,
        Ok(studio_core::CoreEvent::AccountsChanged)
    ));
    let status = call(&studio, "status", Value::Null).await;
    assert_eq!(
        (
            status["account"]["kind"].as_str(),
            status["account"]["label"].as_str()
        ),
        (Some("sandbox"), Some("adele@sandbox.onmicrosoft.com"))
    );
    let id = added["config"]["id"].as_str().expect("id").to_owned();
    let again = call(&studio, "account_add_sandbox", json!({})).await;
    assert_eq!(
        again["config"]["id"],
        id.as_str(),
        "signing in again keeps one account"
    );
    let app = call(&studio, "account_add_sandbox", json!({ "appOnly": true })).await;
    assert_eq!(app["claims"]["appOnly"], true);
    let app_id = app["config"]["id"].as_str().expect("id").to_owned();
    call(&studio, "account_select", json!({ "id": id })).await;

    // Look-ups fill placeholders from the account's tenant.
    let teams = call(&studio, "lookup", json!({ "placeholder": "team-id" })).await;
    assert_eq!(teams.as_array().map(Vec::len), Some(2), "{teams}");
    let team = teams[0]["id"].as_str().expect("team").to_owned();
    let channels = call(
        &studio,
        "lookup",
        json!({ "placeholder": "channel-id", "parent": team }),
    )
    .await;
    assert!(
        channels[0]["id"]
            .as_str()
            .is_some_and(|c| c.starts_with("19:")),
        "{channels}"
    );
    assert_eq!(
        call(&studio, "lookup", json!({ "placeholder": "odata-filter" })).await,
        json!([])
    );
    let needs_team = studio
        .dispatch("lookup", json!({ "placeholder": "channel-id" }))
        .await
        .expect_err("needs a team");
    assert!(needs_team.message.contains("team"), "{needs_team}");

    // A subscription made through the account's Graph client shows up in the list.
    let (_, _, client) = studio.accounts().client(None).await.expect("client");
    let url = receiver().await;
    let expires = (time::OffsetDateTime::now_utc() + time::Duration::minutes(60))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("time");
    let made = client
        .create_subscription(
            studio_catalog::model::ApiVersion::V1,
            &studio_graph::NewSubscription {
                change_type: "created".into(),
                notification_url: url,
                resource: "/me/messages".into(),
                expiration_date_time: expires,
                ..studio_graph::NewSubscription::default()
            },
        )
        .await
        .expect("created");
    let listed = call(&studio, "subscriptions_list", json!({})).await;
    assert_eq!(listed["items"][0]["subscription"]["id"], made.id.as_str());
    assert_eq!(listed["items"][0]["resourceName"], "Outlook message");
    let before = listed["items"][0]["expiresAt"].as_i64().expect("expiry");
    let renewed = call(&studio, "subscription_renew", json!({ "id": made.id })).await;
    assert!(
        renewed["expiresAt"].as_i64().expect("expiry") > before + 24 * 3600,
        "renewed to the resource's maximum"
    );
    call(
        &studio,
        "subscription_reauthorize",
        json!({ "id": made.id }),
    )
    .await;
    call(&studio, "subscription_delete", json!({ "id": made.id })).await;
    assert_eq!(
        call(&studio, "subscriptions_list", json!({})).await["items"],
        json!([])
    );
    let gone = studio
        .dispatch("subscription_delete", json!({ "id": made.id }))
        .await
        .expect_err("already gone");
    assert_eq!(serde_json::to_value(gone.code).expect("code"), "not_found");
    assert!(gone.hint.is_some_and(|h| h.contains("no longer exists")));

    let log = call(&studio, "http_log_list", json!({ "accountId": id })).await;
    let log = log.as_array().expect("list");
    assert!(log.len() >= 5);
    assert!(
        log.iter()
            .all(|x| x["requestHeaders"].as_array().is_some_and(|h| h
                .iter()
                .all(|pair| pair[0] != "authorization" || pair[1] == "‹redacted›")))
    );

    // Signing out removes the secrets; a restart keeps the other account.
    call(&studio, "account_remove", json!({ "id": app_id })).await;
    let config: studio_identity::AccountConfig =
        serde_json::from_value(app["config"].clone()).expect("config");
    assert!(
        secrets
            .get(&config.client_secret())
            .expect("read")
            .is_none()
    );
    studio.shutdown().await;
    drop(studio);
    let reopened = self::studio(dir.path(), secrets);
    let list = call(&reopened, "accounts_list", Value::Null).await;
    assert_eq!(list["accounts"].as_array().map(Vec::len), Some(1));
    let checked = call(&reopened, "account_check", json!({ "id": id })).await;
    assert_eq!(
        checked["claims"]["subject"], "adele@sandbox.onmicrosoft.com",
        "the refresh token still works after a restart"
    );
    reopened.shutdown().await;
}

#[tokio::test]
async fn bad_input_is_refused_and_nothing_is_half_saved() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path(), Arc::new(SessionStore::default()));
    for (command, payload, code) in [
        (
            "account_add_app",
            json!({ "tenant": "common", "clientId": "c", "clientSecret": "s" }),
            "invalid_input",
        ),
        (
            "account_add_app",
            json!({ "tenant": "contoso.example", "clientId": "c" }),
            "invalid_input",
        ),
        (
            "account_add_app",
            json!({ "tenant": "t", "clientId": "c", "certificatePem": "not a pem" }),
            "invalid_input",
        ),
        (
            "account_sign_in",
            json!({ "personal": false, "tenant": "", "clientId": "" }),
            "invalid_input",
        ),
        (
            "account_add_sandbox",
            json!({ "userPrincipalName": "nobody@sandbox.onmicrosoft.com" }),
            "invalid_input",
        ),
        ("account_select", json!({ "id": "nope" }), "not_found"),
        ("subscriptions_list", json!({}), "not_found"),
        (
            "account_device_finish",
            json!({ "flowId": "nope" }),
            "not_found",
        ),
    ] {
        let error = studio
            .dispatch(command, payload.clone())
            .await
            .expect_err(command);
        assert_eq!(
            serde_json::to_value(error.code).expect("code"),
            code,
            "{command} {payload}: {error}"
        );
        assert!(!error.message.contains("\"s\""), "no secret in messages");
    }
    assert_eq!(
        call(&studio, "accounts_list", Value::Null).await["accounts"],
        json!([])
    );
    studio.shutdown().await;
}

/// A browser whose user clicks Cancel on the sandbox's sign-in page.
#[derive(Debug)]
struct DecliningBrowser;

impl studio_identity::flows::Browser for DecliningBrowser {
    fn open(
        &self,
        url: &str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + '_>> {
        let url = url.to_owned();
        Box::pin(async move {
            let parsed = reqwest::Url::parse(&url).map_err(|e| e.to_string())?;
            let mut form: Vec<(String, String)> = parsed
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            form.push(("consent".into(), "deny".into()));
            let mut target = parsed.clone();
            target.set_query(None);
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::limited(3))
                .build()
                .map_err(|e| e.to_string())?;
            client
                .post(target)
                .form(&form)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }
}

fn sandbox_request(info: &Value) -> Value {
    json!({
        "personal": false,
        "tenant": info["tenantId"],
        "clientId": info["publicClientId"],
        "cloud": "custom",
        "customAuthority": info["authorityHost"],
        "customGraph": info["graphBase"],
        "scopes": ["Mail.Read"],
    })
}

#[tokio::test]
async fn a_declined_consent_or_a_cancelled_device_code_keeps_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = Studio::builder(AppPaths::under(dir.path()))
        .secrets(Arc::new(SessionStore::default()))
        .browser(Arc::new(DecliningBrowser))
        .open()
        .expect("opens");
    let info = call(&studio, "sandbox_info", Value::Null).await;
    let request = sandbox_request(&info);

    let declined = studio
        .dispatch("account_sign_in", request.clone())
        .await
        .expect_err("declined");
    assert_eq!(
        serde_json::to_value(declined.code).expect("code"),
        "permission_denied",
        "{declined}"
    );
    assert!(declined.message.contains("AADSTS65004"), "{declined}");
    assert!(declined.hint.is_some_and(|h| h.contains("declined")));

    let device = call(&studio, "account_device_start", request.clone()).await;
    let flow = device["flowId"].as_str().expect("flow").to_owned();
    assert!(
        device["userCode"].as_str().is_some_and(|c| c.len() == 9),
        "{device}"
    );
    let studio = Arc::new(studio);
    let waiting = {
        let studio = Arc::clone(&studio);
        let flow = flow.clone();
        tokio::spawn(async move {
            studio
                .dispatch("account_device_finish", json!({ "flowId": flow }))
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    call(&studio, "account_device_cancel", json!({ "flowId": flow })).await;
    let cancelled = waiting.await.expect("joined").expect_err("cancelled");
    assert_eq!(
        serde_json::to_value(cancelled.code).expect("code"),
        "cancelled"
    );

    let mut insecure = request;
    insecure["customAuthority"] = json!("http://login.example.com");
    let refused = studio
        .dispatch("account_sign_in", insecure)
        .await
        .expect_err("plain http elsewhere");
    assert_eq!(
        serde_json::to_value(refused.code).expect("code"),
        "invalid_input"
    );
    assert_eq!(
        call(&studio, "accounts_list", Value::Null).await["accounts"],
        json!([])
    );
    studio.shutdown().await;
}
