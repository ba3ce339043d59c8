//! Helpers shared by the emulator's integration tests: tokens, and a loopback receiver that
//! answers validation handshakes, records notification bodies and can fail on purpose.

#![allow(
    dead_code,
    clippy::expect_used,
    reason = "each test file uses a subset; helpers fail loudly"
)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::Value;
use studio_emulator::RunningEmulator;

/// An app-only Graph token for the sandbox's confidential client.
pub async fn app_token(e: &RunningEmulator) -> String {
    let body: Value = reqwest::Client::new()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            e.info.authority_host, e.info.tenant_id
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", e.info.confidential_client_id.as_str()),
            ("client_secret", e.info.confidential_client_secret.as_str()),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    body["access_token"].as_str().expect("token").to_owned()
}

/// A delegated token for Adele with `scope`, through the non-interactive authorize mode.
pub async fn user_token(e: &RunningEmulator, scope: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let redirect = "http://localhost:5000/";
    let response = client
        .get(format!(
            "{}/common/oauth2/v2.0/authorize",
            e.info.authority_host
        ))
        .query(&[
            ("client_id", e.info.public_client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("scope", scope),
            ("prompt", "none"),
            ("login_hint", "adele@sandbox.onmicrosoft.com"),
        ])
        .send()
        .await
        .expect("sent");
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let code = location
        .split("code=")
        .nth(1)
        .unwrap_or_default()
        .split('&')
        .next()
        .unwrap_or_default()
        .to_owned();
    let body: Value = client
        .post(format!(
            "{}/common/oauth2/v2.0/token",
            e.info.authority_host
        ))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", e.info.public_client_id.as_str()),
            ("redirect_uri", redirect),
            ("code", &code),
        ])
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    body["access_token"].as_str().expect("token").to_owned()
}

/// `now + minutes` in RFC 3339 (real time, which the emulator clock starts from).
pub fn expiration_in(minutes: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

/// What a recording receiver saw.
#[derive(Clone, Default)]
pub struct Receiver {
    /// Notification bodies, in arrival order.
    pub bodies: Arc<Mutex<Vec<Value>>>,
    fail: Arc<Mutex<u32>>,
}

impl Receiver {
    /// The first body, once one arrived.
    pub fn first(&self) -> Option<Value> {
        self.bodies.lock().expect("lock").first().cloned()
    }
}

/// A loopback receiver at `/hook` that fails its first `fail` deliveries with 503.
pub async fn recording_receiver(fail: u32) -> (String, Receiver) {
    let state = Receiver {
        bodies: Arc::default(),
        fail: Arc::new(Mutex::new(fail)),
    };
    let app = axum::Router::new()
        .route(
            "/hook",
            post(
                |State(r): State<Receiver>,
                 Query(q): Query<HashMap<String, String>>,
                 body: String| async move {
                    if let Some(token) = q.get("validationToken") {
                        return (StatusCode::OK, token.clone());
                    }
                    let mut fail = r.fail.lock().expect("lock");
                    if *fail > 0 {
                        *fail -= 1;
                        return (StatusCode::SERVICE_UNAVAILABLE, String::new());
                    }
                    r.bodies
                        .lock()
                        .expect("lock")
                        .push(serde_json::from_str(&body).unwrap_or(Value::Null));
                    (StatusCode::ACCEPTED, String::new())
                },
            ),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, state)
}
