//! The conformance suite: will the user's own webhook handler survive what Graph sends?
//!
//! Most people who install the app are writing a service that receives Graph notifications. The
//! suite drives that service (on this machine or at a public URL) with what the sandbox tenant
//! really delivers (see `material.rs`): handshakes with awkward tokens, plain, batched and rich
//! notifications, lifecycle events, retries and duplicates, suspicious POSTs, a burst; and grades
//! what is observable from outside against Graph's documented rules (`checks/`). Each check says
//! pass, warn, fail or skipped, the rule, what happened and the fix (`report.rs`); `junit.rs`
//! writes the same for CI. The CLI's `conform` and the window's "Test an endpoint" screen call
//! [`run`] through the core, which keeps the history.
//!
//! See `docs/conformance.md`.

pub mod checks;
pub mod junit;
pub mod keys;
mod material;
pub mod probe;
pub mod report;

use std::time::Instant;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use report::{Check, CheckId, Exchange, ExchangeKind, Report, SandboxFacts, Status};

/// What to test.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ConformRequest")]
pub struct Request {
    /// The handler's notification URL (http on this machine, https anywhere).
    pub url: String,
    /// Its lifecycle URL, when it has one.
    #[serde(default)]
    pub lifecycle_url: Option<String>,
    /// The clientState the handler expects (one is made up when absent).
    #[serde(default)]
    pub client_state: Option<String>,
    /// A PEM certificate to encrypt rich notifications to (one is made for the run when absent).
    #[serde(default)]
    pub certificate_path: Option<String>,
    /// Its private key (PEM, PKCS#8 or PKCS#1): read once to check the pair, never kept.
    #[serde(default)]
    pub key_path: Option<String>,
    /// The validation tokens' audience: the handler's app id (the sandbox app's when absent).
    #[serde(default)]
    pub app_id: Option<String>,
    /// How many notifications the burst sends (1,000 when absent; 0 skips it).
    #[serde(default)]
    pub burst: Option<u32>,
    /// The sandbox's port for the run (any free one when absent), so a handler can be pointed at
    /// its signing keys ahead of time.
    #[serde(default)]
    pub sandbox_port: Option<u16>,
}

/// Why a run could not start (a check that fails is not an error: it is in the report).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConformError {
    /// The URL is not an absolute http(s) URL.
    #[error("'{0}' is not an http:// or https:// URL")]
    Url(String),
    /// The certificate file could not be used.
    #[error("the certificate: {0}")]
    Certificate(String),
    /// The key file could not be used.
    #[error("the private key: {0}")]
    Key(String),
    /// The sandbox could not produce the material.
    #[error("the sandbox: {0}")]
    Sandbox(String),
    /// The clientState is longer than Graph allows.
    #[error("a clientState is at most {MAX_CLIENT_STATE} characters, not {0}")]
    ClientState(usize),
    /// The burst size is out of range.
    #[error("a burst is 0 to {MAX_BURST} notifications, not {0}")]
    Burst(u32),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Http(#[from] studio_primitives::http::HttpClientError),
}

/// The default burst size.
pub const DEFAULT_BURST: u32 = 1_000;
/// Graph's limit on a clientState.
pub const MAX_CLIENT_STATE: usize = 128;
/// The largest burst (a bound on what one run sends and keeps in memory).
pub const MAX_BURST: u32 = 10_000;
/// How long the run's sandbox may take to stop (a client holding a request open on it must not
/// stall the run).
const SANDBOX_STOP: std::time::Duration = std::time::Duration::from_secs(5);

fn parse_url(text: &str) -> Result<reqwest::Url, ConformError> {
    let url = reqwest::Url::parse(text.trim()).map_err(|_| ConformError::Url(text.to_owned()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConformError::Url(text.to_owned()));
    }
    Ok(url)
}

/// Runs every check against the handler. `now` is Unix seconds (the caller's clock).
pub async fn run(request: &Request, now: i64) -> Result<Report, ConformError> {
    let started = Instant::now();
    let url = parse_url(&request.url)?;
    let lifecycle = match request.lifecycle_url.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => Some(parse_url(text)?),
        _ => None,
    };
    let http = studio_primitives::http::client(
        "the conformance suite",
        probe::NOTIFICATION_TIMEOUT,
        studio_primitives::http::Redirects::None,
    )?;
    let burst = request.burst.unwrap_or(DEFAULT_BURST);
    if burst > MAX_BURST {
        return Err(ConformError::Burst(burst));
    }
    if let Some(state) = request.client_state.as_deref()
        && state.trim().chars().count() > MAX_CLIENT_STATE
    {
        return Err(ConformError::ClientState(state.trim().chars().count()));
    }
    let target = probe::Target {
        http,
        url,
        lifecycle,
    };
    // Making an RSA key takes a while: not on the async runtime's threads.
    let asked = request.clone();
    let keys = tokio::task::spawn_blocking(move || {
        keys::Keys::prepare(&asked, u64::try_from(now).unwrap_or(0))
    })
    .await
    .map_err(|e| ConformError::Certificate(format!("making a certificate stopped: {e}")))??;
    let given = request
        .client_state
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let client_state = match given {
        Some(state) => state.to_owned(),
        None => format!("conform-{}", studio_primitives::ids::random_hex(8)),
    };
    let material = material::gather(
        request.sandbox_port.unwrap_or(0),
        client_state,
        request.app_id.clone().filter(|a| !a.trim().is_empty()),
        &keys.encryption,
        now,
    )
    .await?;
    let burst = usize::try_from(burst).unwrap_or(0);
    let (checks, delivery) = checks::all(&target, &material, &keys, burst).await;
    let sandbox = SandboxFacts {
        issuer: format!("https://sts.windows.net/{}/", material.tenant_id),
        tenant_id: material.tenant_id.clone(),
        app_id: material.app_id.clone(),
        jwks_uri: material.jwks_uri.clone(),
        certificate_thumbprint: keys.thumbprint.clone(),
        certificate_is_users: keys.users_certificate,
        client_state: material.client_state.clone(),
        client_state_made_up: given.is_none(),
    };
    let _ = tokio::time::timeout(SANDBOX_STOP, material.sandbox.shutdown()).await;
    Ok(Report {
        url: report::shown_url(target.url.as_str()),
        lifecycle_url: target
            .lifecycle
            .as_ref()
            .map(|u| report::shown_url(u.as_str())),
        started_at: now,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        outcome: Report::outcome_of(&checks),
        checks,
        delivery: Some(delivery),
        sandbox,
    })
}
