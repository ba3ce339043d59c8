//! The Graph client against the sandbox emulator over real HTTP: every subscription call and its
//! errors with their hints, paging, throttling with `Retry-After`, look-ups, and the exchange
//! log (Authorization redacted, copyable as curl).

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Query;
use axum::routing::post;
use serde_json::json;
use studio_catalog::model::{AccountKind, ApiVersion};
use studio_emulator::{EmulatorConfig, RunningEmulator, start};
use studio_graph::{
    GraphClient, GraphError, HintContext, LookupKind, MemoryLog, NewSubscription, RetryPolicy,
    Sleeper,
};
use studio_identity::AccountConfig;
use studio_identity::flows::{self, AppProof};
use studio_identity::sandbox::{SandboxFacts, SilentBrowser, silent_parameters};
use studio_identity::secrets::SessionStore;
use studio_identity::session::Session;
use studio_primitives::Sensitive;

fn facts(e: &RunningEmulator) -> SandboxFacts {
    SandboxFacts {
        authority_host: e.info.authority_host.clone(),
        graph_base: e.info.graph_base.clone(),
        tenant_id: e.info.tenant_id.clone(),
        public_client_id: e.info.public_client_id.clone(),
        confidential_client_id: e.info.confidential_client_id.clone(),
    }
}

async fn delegated(e: &RunningEmulator) -> (AccountConfig, Arc<Session>) {
    let account = facts(e).delegated("adele@sandbox.onmicrosoft.com");
    let params = silent_parameters("adele@sandbox.onmicrosoft.com");
    let extra: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let tokens =
        flows::sign_in_with_browser(&account, &SilentBrowser, &extra, Duration::from_secs(10))
            .await
            .expect("signed in");
    let session = Arc::new(Session::new(
        account.clone(),
        Arc::new(SessionStore::default()),
    ));
    session.accept(tokens).await.expect("kept");
    (account, session)
}

async fn app_only(e: &RunningEmulator) -> (AccountConfig, Arc<Session>) {
    let account = facts(e).app_only();
    let secret = Sensitive::new(e.info.confidential_client_secret.clone());
    let tokens = flows::client_credentials(&account, AppProof::Secret(&secret))
        .await
        .expect("token");
    let store = Arc::new(SessionStore::default());
    studio_identity::secrets::SecretStore::put(store.as_ref(), &account.client_secret(), &secret)
        .expect("kept");
    let session = Arc::new(Session::new(account.clone(), store));
    session.accept(tokens).await.expect("kept");
    (account, session)
}

/// A receiver that answers the validation handshake (or, with `good = false`, refuses it).
async fn receiver(good: bool) -> String {
    let app = axum::Router::new().route(
        "/hook",
        post(move |Query(q): Query<HashMap<String, String>>| async move {
            match (good, q.get("validationToken")) {
                (true, Some(token)) => (axum::http::StatusCode::OK, token.clone()),
                (false, Some(_)) => (axum::http::StatusCode::FORBIDDEN, String::new()),
                _ => (axum::http::StatusCode::ACCEPTED, String::new()),
            }
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

fn in_minutes(minutes: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("time")
}

/// Records waits instead of sleeping.
#[derive(Default)]
struct Waits(Mutex<Vec<Duration>>);

impl Sleeper for Waits {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        if let Ok(mut waits) = self.0.lock() {
            waits.push(duration);
        }
        Box::pin(async {})
    }
}

fn hint(error: &GraphError, resource: Option<&str>, granted: &[String]) -> String {
    error
        .hint(&HintContext {
            resource,
            account_kind: Some(AccountKind::DelegatedWork),
            granted,
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn every_subscription_call_and_its_errors() {
    let e = start(EmulatorConfig {
        handshake_timeout: Duration::from_secs(2),
        ..EmulatorConfig::default()
    })
    .await
    .expect("starts");
    let (account, session) = delegated(&e).await;
    let log = Arc::new(MemoryLog::new(100));
    let client = GraphClient::new(
        &e.info.graph_base,
        &account.id,
        session.clone(),
        log.clone(),
    )
    .expect("client");
    let url = receiver(true).await;
    let new = NewSubscription {
        change_type: "created,updated".into(),
        notification_url: url.clone(),
        resource: "/me/mailFolders('inbox')/messages".into(),
        expiration_date_time: in_minutes(60),
        client_state: Some("s3cret".into()),
        ..NewSubscription::default()
    };
    let created = client
        .create_subscription(ApiVersion::V1, &new)
        .await
        .expect("created");
    assert_eq!(created.client_state.as_deref(), Some("s3cret"));
    let listed = client
        .list_subscriptions(ApiVersion::V1)
        .await
        .expect("listed");
    assert_eq!(
        listed.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        vec![created.id.as_str()]
    );
    assert_eq!(
        client
            .get_subscription(ApiVersion::V1, &created.id)
            .await
            .expect("got"),
        created
    );
    let renewed = client
        .renew_subscription(ApiVersion::V1, &created.id, &in_minutes(600))
        .await
        .expect("renewed");
    assert_ne!(renewed.expiration_date_time, created.expiration_date_time);
    let other = receiver(true).await;
    let moved = client
        .move_subscription(ApiVersion::V1, &created.id, &other)
        .await
        .expect("moved");
    assert_eq!(moved.notification_url, other);
    client
        .reauthorize_subscription(ApiVersion::V1, &created.id)
        .await
        .expect("reauthorized");

    let granted = studio_identity::claims::read(
        session
            .access_token(flows::now())
            .await
            .expect("token")
            .expose(),
    )
    .expect("claims")
    .permissions;
    let duplicate = client
        .create_subscription(ApiVersion::V1, &new)
        .await
        .expect_err("duplicate");
    assert_eq!(duplicate.status(), Some(409));
    assert!(hint(&duplicate, Some(&new.resource), &granted).contains("renew"));
    let too_long = client
        .renew_subscription(ApiVersion::V1, &created.id, &in_minutes(100_000))
        .await
        .expect_err("too long");
    assert!(
        hint(&too_long, None, &granted).contains("10080"),
        "{}",
        hint(&too_long, None, &granted)
    );
    let refused = NewSubscription {
        notification_url: receiver(false).await,
        resource: "/me/events".into(),
        ..new.clone()
    };
    let validation = client
        .create_subscription(ApiVersion::V1, &refused)
        .await
        .expect_err("validation fails");
    assert!(hint(&validation, Some(&refused.resource), &granted).contains("tunnel"));
    let app_only_path = NewSubscription {
        resource: "/communications/callRecords".into(),
        change_type: "created".into(),
        ..new.clone()
    };
    let forbidden = client
        .create_subscription(ApiVersion::V1, &app_only_path)
        .await
        .expect_err("delegated cannot");
    assert_eq!(forbidden.status(), Some(403));
    assert!(!hint(&forbidden, Some(&app_only_path.resource), &granted).is_empty());

    client
        .delete_subscription(ApiVersion::V1, &created.id)
        .await
        .expect("deleted");
    let gone = client
        .get_subscription(ApiVersion::V1, &created.id)
        .await
        .expect_err("gone");
    assert_eq!(gone.status(), Some(404));
    assert!(hint(&gone, None, &granted).contains("no longer exists"));
    assert!(
        client
            .get_subscription(ApiVersion::V1, "../users")
            .await
            .is_err(),
        "ids never become paths"
    );

    let entries = log.entries();
    assert!(entries.len() >= 10);
    assert!(entries.iter().all(|x| {
        x.request_headers
            .iter()
            .all(|(n, v)| n != "authorization" || v == "‹redacted›")
    }));
    let post = entries
        .iter()
        .find(|x| x.method == "POST" && x.status == Some(201))
        .expect("the create is logged");
    // The body is logged as sent, its clientState (a shared secret) aside: not even in a curl.
    assert!(post.request_body.as_deref().is_some_and(|b| {
        b.contains("\"notificationUrl\"") && b.contains("‹redacted›") && !b.contains("s3cret")
    }));
    assert!(entries.iter().all(|x| {
        !x.response_body
            .as_deref()
            .unwrap_or_default()
            .contains("s3cret")
    }));
    assert!(post.to_curl().contains("$TOKEN") && post.to_curl().contains("$CLIENT_STATE"));
    e.shutdown().await;
}

#[tokio::test]
async fn throttling_is_waited_out_as_graph_asks_then_reported() {
    let e = start(EmulatorConfig::default()).await.expect("starts");
    let (account, session) = app_only(&e).await;
    let waits = Arc::new(Waits::default());
    let client = GraphClient::new(
        &e.info.graph_base,
        &account.id,
        session,
        Arc::new(MemoryLog::new(10)),
    )
    .expect("client")
    .with_retries(
        RetryPolicy {
            max_retries: 3,
            max_wait: Duration::from_secs(60),
            default_wait: Duration::from_secs(2),
        },
        waits.clone(),
    );
    let throttle = |n: u32, seconds: u32| {
        let control = e.info.control.clone();
        async move {
            reqwest::Client::new()
                .post(format!("{control}/throttle"))
                .json(&json!({ "requests": n, "retryAfterSeconds": seconds }))
                .send()
                .await
                .expect("throttled");
        }
    };
    throttle(2, 7).await;
    let users = client
        .list(ApiVersion::V1, "/users?$top=2", 100)
        .await
        .expect("after two waits");
    assert_eq!(users.len(), 5, "every page was followed");
    assert_eq!(
        *waits.0.lock().expect("lock"),
        vec![Duration::from_secs(7); 2]
    );

    throttle(10, 3).await;
    let error = client
        .list(ApiVersion::V1, "/users", 100)
        .await
        .expect_err("gives up after three retries");
    assert!(matches!(
        &error,
        GraphError::Service {
            status: 429,
            retry_after: Some(3),
            ..
        }
    ));
    assert!(
        error
            .hint(&HintContext::default())
            .is_some_and(|h| h.contains("3 seconds"))
    );
    throttle(0, 1).await;
    throttle(1, 3600).await;
    let error = client
        .list(ApiVersion::V1, "/users", 100)
        .await
        .expect_err("an hour is too long to wait");
    assert_eq!(error.status(), Some(429));
    e.shutdown().await;
}

#[tokio::test]
async fn look_ups_fill_placeholders() {
    let e = start(EmulatorConfig::default()).await.expect("starts");
    let (account, session) = delegated(&e).await;
    let client = GraphClient::new(
        &e.info.graph_base,
        &account.id,
        session,
        Arc::new(MemoryLog::new(10)),
    )
    .expect("client");
    let users = client
        .lookup(LookupKind::Users, None, true)
        .await
        .expect("users");
    assert_eq!(users.len(), 5);
    assert!(users[0].detail.as_deref().is_some_and(|d| d.contains('@')));
    let teams = client
        .lookup(LookupKind::Teams, None, true)
        .await
        .expect("teams");
    let channels = client
        .lookup(LookupKind::Channels, Some(&teams[0].id), true)
        .await
        .expect("channels");
    assert!(!channels.is_empty());
    assert!(
        client
            .lookup(LookupKind::Channels, None, true)
            .await
            .is_err(),
        "channels need a team"
    );
    let chats = client
        .lookup(LookupKind::Chats, None, true)
        .await
        .expect("my chats");
    assert_eq!(chats.len(), 2);
    for kind in [
        LookupKind::MailFolders,
        LookupKind::Drives,
        LookupKind::Sites,
        LookupKind::TodoLists,
        LookupKind::Groups,
    ] {
        let items = client
            .lookup(kind, None, true)
            .await
            .unwrap_or_else(|error| panic!("{kind:?}: {error}"));
        assert!(!items.is_empty(), "{kind:?}");
    }
    let sites = client
        .lookup(LookupKind::Sites, None, true)
        .await
        .expect("sites");
    assert_eq!(
        client
            .lookup(LookupKind::Lists, Some(&sites[0].id), true)
            .await
            .expect("lists")
            .len(),
        2
    );
    assert_eq!(
        LookupKind::for_placeholder("team-id"),
        Some(LookupKind::Teams)
    );
    e.shutdown().await;
}
