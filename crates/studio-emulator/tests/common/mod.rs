//! Helpers shared by the emulator's integration tests: tokens, and a loopback receiver that
//! answers validation handshakes, records notification bodies and can fail on purpose.

#![allow(
    dead_code,
    clippy::expect_used,
    clippy::panic,
    reason = "each test file uses a subset; helpers fail loudly"
)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::post;
use base64::Engine;
use serde_json::Value;
use studio_emulator::{EmulatorConfig, RunningEmulator};

/// An app-only Graph token for the sandbox's confidential client.
pub async fn app_token(e: &RunningEmulator) -> String {
    e.app_token().await.expect("an app token")
}

/// A delegated token for Adele with `scope`, through the non-interactive authorize mode.
pub async fn user_token(e: &RunningEmulator, scope: &str) -> String {
    user_token_as(e, "adele@sandbox.onmicrosoft.com", scope).await
}

/// A delegated token for the user `upn` with `scope`, through the non-interactive mode.
pub async fn user_token_as(e: &RunningEmulator, upn: &str, scope: &str) -> String {
    user_tokens_as(e, upn, scope).await["access_token"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// The whole token response for the user `upn` with `scope` (non-interactive mode).
pub async fn user_tokens_as(e: &RunningEmulator, upn: &str, scope: &str) -> Value {
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
            ("login_hint", upn),
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
    body
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

/// A Graph request with a token; the status and the JSON answer (null when there is none).
pub async fn graph(
    e: &RunningEmulator,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        format!("{}{path}", e.info.graph_base)
    };
    let mut request = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Creates a subscription for `changes` on `resource` to `url` (50 minutes, clientState
/// `s3cret`); panics unless Graph answers 201.
pub async fn subscribe_to(
    e: &RunningEmulator,
    token: &str,
    resource: &str,
    changes: &str,
    url: &str,
) -> String {
    subscribe_with(e, token, resource, changes, url, None).await
}

/// [`subscribe_to`] with a lifecycle notification URL too.
pub async fn subscribe_with(
    e: &RunningEmulator,
    token: &str,
    resource: &str,
    changes: &str,
    url: &str,
    lifecycle: Option<&str>,
) -> String {
    let mut body = serde_json::json!({
        "changeType": changes,
        "notificationUrl": url,
        "resource": resource,
        "expirationDateTime": expiration_in(50),
        "clientState": "s3cret",
    });
    if let Some(lifecycle) = lifecycle {
        body["lifecycleNotificationUrl"] = serde_json::json!(lifecycle);
    }
    let (status, created) = graph(
        e,
        reqwest::Method::POST,
        token,
        "/v1.0/subscriptions",
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "subscribing to {resource}: {created}");
    created["id"].as_str().expect("id").to_owned()
}

/// A control-API POST.
pub async fn control(e: &RunningEmulator, path: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/{path}", e.info.control))
        .json(&body)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Polls `probe` every 10 ms for up to 2 seconds.
pub async fn wait_for<T>(mut probe: impl FnMut() -> Option<T>) -> T {
    for _ in 0..200 {
        if let Some(value) = probe() {
            return value;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("timed out waiting");
}

impl Receiver {
    /// Every notification item received so far, across bodies.
    pub fn items(&self) -> Vec<Value> {
        self.bodies
            .lock()
            .expect("lock")
            .iter()
            .flat_map(|b| b["value"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    /// Waits until an item for `subscription` arrived, and returns it.
    pub async fn item_for(&self, subscription: &str) -> Value {
        wait_for(|| {
            self.items()
                .into_iter()
                .find(|i| i["subscriptionId"] == subscription)
        })
        .await
    }
}

/// A fresh RSA key and self-signed certificate from the openssl CLI: (private key, base64 DER,
/// the key as PKCS#8 PEM).
pub fn openssl_certificate(dir: &std::path::Path) -> (rsa::RsaPrivateKey, String, String) {
    let key = dir.join("key.pem");
    let cert = dir.join("cert.der");
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=studio-test",
            "-outform",
            "DER",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("the openssl CLI runs (scripts/setup.sh installs it)");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let pem = std::fs::read_to_string(key).expect("key");
    let private = <rsa::RsaPrivateKey as rsa::pkcs8::DecodePrivateKey>::from_pkcs8_pem(&pem)
        .expect("PKCS#8 key");
    let der = std::fs::read(cert).expect("cert");
    (
        private,
        base64::engine::general_purpose::STANDARD.encode(der),
        pem,
    )
}

/// An emulator that gives up on handshakes after 2 s and retries deliveries after 20 ms.
pub async fn quick_emulator() -> RunningEmulator {
    studio_emulator::start(EmulatorConfig {
        handshake_timeout: std::time::Duration::from_secs(2),
        retry_base: std::time::Duration::from_millis(20),
        ..EmulatorConfig::default()
    })
    .await
    .expect("starts")
}
