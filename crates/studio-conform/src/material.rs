//! What the suite sends comes from the sandbox, not from templates: an in-process sandbox tenant
//! holds real subscriptions whose notification and lifecycle URLs point at a small capture server
//! of ours; changes made in its seeded workloads and lifecycle events raised through its control
//! API arrive there exactly as the sandbox delivers them (items, batching, encryption to the
//! certificate, v1 validation tokens). The suite then sends those bodies to the user's handler.
//! The sandbox stays up for the whole run, so a handler can fetch its signing keys.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use serde_json::{Value, json};
use studio_emulator::{EmulatorConfig, RunningEmulator};
use tokio::sync::{Mutex, mpsc};

use crate::ConformError;

/// How long the sandbox may take to deliver what was asked of it.
const DELIVERY_WAIT: Duration = Duration::from_secs(10);

/// Bodies captured from the sandbox, ready to send to the handler.
#[derive(Debug)]
pub struct Material {
    /// A message created in a mailbox (no resource data).
    pub plain: Value,
    /// An event created in a calendar (another subscription; batched with `plain`).
    pub second: Value,
    /// A chat message with resource data: `encryptedContent` and `validationTokens`.
    pub rich: Value,
    /// `reauthorizationRequired`, `subscriptionRemoved`, `missed`, in that order.
    pub lifecycle: Vec<Value>,
    /// The clientState the subscriptions carry.
    pub client_state: String,
    /// Tenant, app, issuer, keys.
    pub tenant_id: String,
    /// The tokens' audience.
    pub app_id: String,
    /// Where the sandbox publishes its signing keys.
    pub jwks_uri: String,
    /// Kept running until the run ends.
    pub sandbox: RunningEmulator,
}

/// The certificate rich notifications are encrypted to: base64 DER.
#[derive(Debug)]
pub struct Encryption {
    /// base64 DER, as `encryptionCertificate` carries it.
    pub certificate: String,
    /// Its id in `encryptionCertificateId`.
    pub id: String,
}

#[derive(Clone, Default)]
struct Captured {
    bodies: Arc<Mutex<Vec<(String, Value)>>>,
    arrived: Option<mpsc::UnboundedSender<()>>,
}

async fn capture(
    State(captured): State<Captured>,
    axum::extract::Path(route): axum::extract::Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    if let Some(token) = query.get("validationToken") {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            token.clone(),
        )
            .into_response();
    }
    if let Ok(value) = serde_json::from_slice::<Value>(&body) {
        captured.bodies.lock().await.push((route, value));
        if let Some(arrived) = &captured.arrived {
            let _ = arrived.send(());
        }
    }
    StatusCode::ACCEPTED.into_response()
}

/// Graph calls through the sandbox with its confidential app.
struct Sandbox<'a> {
    running: &'a RunningEmulator,
    http: reqwest::Client,
    token: String,
}

impl Sandbox<'_> {
    async fn call(
        &self,
        method: reqwest::Method,
        url: String,
        body: Option<Value>,
    ) -> Result<Value, ConformError> {
        let mut request = self.http.request(method, &url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| ConformError::Sandbox(format!("{url}: {e}")))?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(ConformError::Sandbox(format!("{url}: {status} {answer}")));
        }
        Ok(answer)
    }

    async fn graph(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ConformError> {
        let url = format!("{}/v1.0/{path}", self.running.info.graph_base);
        self.call(method, url, body).await
    }

    async fn control(&self, path: &str, body: Value) -> Result<Value, ConformError> {
        let url = format!("{}/{path}", self.running.info.control);
        self.call(reqwest::Method::POST, url, Some(body)).await
    }
}

/// Starts the sandbox (on `port`, 0 for any) and the capture server, subscribes, makes changes and
/// raises lifecycle events, and returns the bodies the sandbox delivered.
pub async fn gather(
    port: u16,
    client_state: String,
    app_id: Option<String>,
    encryption: &Encryption,
    now: i64,
) -> Result<Material, ConformError> {
    let (arrived, mut arrivals) = mpsc::unbounded_channel();
    let captured = Captured {
        bodies: Arc::default(),
        arrived: Some(arrived),
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| ConformError::Sandbox(format!("the capture server: {e}")))?;
    let capture_base = format!(
        "http://{}",
        listener
            .local_addr()
            .map_err(|e| ConformError::Sandbox(e.to_string()))?
    );
    // The sandbox starts last: nothing above can fail with it running.
    let running = studio_emulator::start(EmulatorConfig {
        addr: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        ..EmulatorConfig::default()
    })
    .await
    .map_err(|e| ConformError::Sandbox(e.to_string()))?;
    let app = axum::Router::new()
        .route("/{route}", post(capture))
        .with_state(captured.clone());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let result = subscribe_and_collect(
        &running,
        &capture_base,
        Asked {
            client_state: &client_state,
            app_id: app_id.as_deref(),
            encryption,
            now,
        },
        &captured,
        &mut arrivals,
    )
    .await;
    server.abort();
    let (plain, second, rich, lifecycle) = match result {
        Ok(bodies) => bodies,
        Err(error) => {
            // Stopped (not only dropped) so its port is free again at once.
            let _ = tokio::time::timeout(Duration::from_secs(5), running.shutdown()).await;
            return Err(error);
        }
    };
    Ok(Material {
        plain,
        second,
        rich,
        lifecycle,
        client_state,
        tenant_id: running.info.tenant_id.clone(),
        app_id: app_id.unwrap_or_else(|| running.info.confidential_client_id.clone()),
        jwks_uri: format!("{}/common/discovery/v2.0/keys", running.info.authority_host),
        sandbox: running,
    })
}

type Bodies = (Value, Value, Value, Vec<Value>);

/// What the subscriptions carry.
struct Asked<'a> {
    client_state: &'a str,
    app_id: Option<&'a str>,
    encryption: &'a Encryption,
    now: i64,
}

async fn subscribe_and_collect(
    running: &RunningEmulator,
    capture_base: &str,
    asked: Asked<'_>,
    captured: &Captured,
    arrivals: &mut mpsc::UnboundedReceiver<()>,
) -> Result<Bodies, ConformError> {
    let Asked {
        client_state,
        app_id,
        encryption,
        now,
    } = asked;
    let token = running
        .app_token()
        .await
        .map_err(|e| ConformError::Sandbox(format!("an app token: {e}")))?;
    let http = studio_primitives::http::client(
        "the conformance sandbox",
        Duration::from_secs(30),
        studio_primitives::http::Redirects::None,
    )
    .map_err(|e| ConformError::Sandbox(e.to_string()))?;
    let sandbox = Sandbox {
        running,
        http,
        token,
    };
    let user = running
        .info
        .users
        .first()
        .map(|u| u.id.clone())
        .ok_or_else(|| ConformError::Sandbox("the sandbox has no users".into()))?;
    let chats = sandbox.graph(reqwest::Method::GET, "chats", None).await?;
    let chat = chats["value"][0]["id"]
        .as_str()
        .ok_or_else(|| ConformError::Sandbox("the sandbox has no chats".into()))?
        .to_owned();
    // Expirations follow the sandbox's clock, whatever the caller's says.
    let info = sandbox
        .call(reqwest::Method::GET, running.info.control.clone(), None)
        .await?;
    let sandbox_now = info["now"].as_i64().unwrap_or(now);
    let expiration = studio_emulator::workloads::timestamp(sandbox_now + 50 * 60);
    let subscribe = |resource: String, route: &str, rich: bool| {
        let mut body = json!({
            "changeType": "created",
            "notificationUrl": format!("{capture_base}/{route}"),
            "lifecycleNotificationUrl": format!("{capture_base}/lifecycle"),
            "resource": resource,
            "expirationDateTime": expiration,
            "clientState": client_state,
        });
        if rich {
            body["includeResourceData"] = json!(true);
            body["encryptionCertificate"] = json!(encryption.certificate);
            body["encryptionCertificateId"] = json!(encryption.id);
        }
        if let Some(app_id) = app_id {
            body["notificationUrlAppId"] = json!(app_id);
        }
        body
    };
    let mail = sandbox
        .graph(
            reqwest::Method::POST,
            "subscriptions",
            Some(subscribe(format!("/users/{user}/messages"), "plain", false)),
        )
        .await?;
    sandbox
        .graph(
            reqwest::Method::POST,
            "subscriptions",
            Some(subscribe(format!("/users/{user}/events"), "second", false)),
        )
        .await?;
    sandbox
        .graph(
            reqwest::Method::POST,
            "subscriptions",
            Some(subscribe(format!("/chats/{chat}/messages"), "rich", true)),
        )
        .await?;
    for resource in [
        format!("/users/{user}/messages"),
        format!("/users/{user}/events"),
    ] {
        sandbox
            .control(
                "changes",
                json!({"resource": resource, "changeType": "created"}),
            )
            .await?;
    }
    sandbox
        .graph(
            reqwest::Method::POST,
            &format!("chats/{chat}/messages"),
            Some(json!({"body": {"contentType": "text", "content": "Conformance check: a chat message with resource data"}})),
        )
        .await?;
    let mail_id = mail["id"].as_str().unwrap_or_default().to_owned();
    for event in ["reauthorizationRequired", "missed", "subscriptionRemoved"] {
        sandbox
            .control(
                "lifecycle",
                json!({"subscriptionId": mail_id, "event": event}),
            )
            .await?;
    }
    let deadline = tokio::time::Instant::now() + DELIVERY_WAIT;
    loop {
        if let Some(found) = complete(&captured.bodies.lock().await) {
            return Ok(found);
        }
        if tokio::time::timeout_at(deadline, arrivals.recv())
            .await
            .is_err()
        {
            let seen: Vec<String> = captured
                .bodies
                .lock()
                .await
                .iter()
                .map(|(r, _)| r.clone())
                .collect();
            return Err(ConformError::Sandbox(format!(
                "the sandbox did not deliver everything within {} s (got: {})",
                DELIVERY_WAIT.as_secs(),
                seen.join(", ")
            )));
        }
    }
}

/// All bodies, once each route has what the suite needs: one body per notification route and the
/// three lifecycle events (each as its own one-item body).
fn complete(bodies: &[(String, Value)]) -> Option<Bodies> {
    let first = |route: &str| {
        bodies
            .iter()
            .find(|(r, _)| r == route)
            .map(|(_, body)| body.clone())
    };
    let mut lifecycle = Vec::new();
    for event in ["reauthorizationRequired", "subscriptionRemoved", "missed"] {
        let item = bodies
            .iter()
            .filter(|(r, _)| r == "lifecycle")
            .flat_map(|(_, body)| body["value"].as_array().cloned().unwrap_or_default())
            .find(|item| item["lifecycleEvent"] == event)?;
        lifecycle.push(json!({ "value": [item] }));
    }
    Some((first("plain")?, first("second")?, first("rich")?, lifecycle))
}
