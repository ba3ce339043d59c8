//! Starting and stopping the emulator: one axum router on one loopback listener, serving identity
//! (`authorityHost`), Graph (`graphBase`) and the control API (`/_emulator`); the routes are in
//! `router.rs`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::EmulatorError;
use crate::clock::EmulatorClock;
use crate::grants::Grants;
use crate::keys::SigningKey;
use crate::subscriptions::Subscription;
use crate::tenant::{Tenant, User};

/// How to start the emulator.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Where to listen; port 0 picks a free one. Must be a loopback address.
    pub addr: SocketAddr,
    /// Seed of the tenant, its ids and keys.
    pub seed: u64,
    /// How long a validation handshake may take (Graph: 10 seconds).
    pub handshake_timeout: Duration,
    /// Whether HTTPS notification URLs beyond loopback may be called (off unless asked for).
    pub allow_remote_delivery: bool,
    /// The first retry delay of a failed delivery (doubles each retry).
    pub retry_base: Duration,
    /// Active subscriptions allowed per mailbox across apps (Graph: 1,000).
    pub mailbox_subscription_limit: usize,
    /// Emulated seconds per real second (`--time-scale`); retries and lifecycle speed up.
    pub time_scale: f64,
    /// A response slower than this counts against the endpoint (Graph: 10 seconds).
    pub slow_response: Duration,
    /// Where the tenant's state is kept between runs (`--data`).
    pub data_file: Option<std::path::PathBuf>,
    /// Event Hubs namespaces (hosts) mapped to Kafka brokers (`--event-hub`).
    pub event_hubs: Vec<(String, studio_primitives::kafka::KafkaEndpoint)>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 1,
            handshake_timeout: Duration::from_secs(10),
            allow_remote_delivery: false,
            retry_base: crate::delivery::DEFAULT_RETRY_BASE,
            mailbox_subscription_limit: MAILBOX_SUBSCRIPTION_LIMIT,
            time_scale: 1.0,
            slow_response: crate::throttle::DEFAULT_SLOW_RESPONSE,
            data_file: None,
            event_hubs: Vec::new(),
        }
    }
}

/// Graph's limit of active subscriptions per mailbox, across all apps.
pub const MAILBOX_SUBSCRIPTION_LIMIT: usize = 1000;

/// State every handler shares.
#[derive(Debug)]
pub struct Shared {
    /// The seeded tenant.
    pub tenant: Tenant,
    /// The token-signing key.
    pub key: SigningKey,
    /// Time, advanceable through the control API.
    pub clock: EmulatorClock,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The confidential app's service principal id (the `oid` of app-only tokens).
    pub app_object_id: String,
    /// Application permissions consented for the confidential app.
    pub app_roles: Mutex<Vec<String>>,
    /// Certificates uploaded for the confidential app (client assertions).
    pub app_certificates: Mutex<Vec<crate::assertion::AppCertificate>>,
    /// Who consented to what for the desktop app.
    pub consent: Mutex<crate::consent::Consent>,
    /// Codes, refresh tokens and device codes in flight.
    pub grants: Grants,
    /// Opaque access tokens of personal accounts, by fingerprint.
    pub opaque_tokens: Mutex<std::collections::HashMap<String, crate::issuing::OpaqueToken>>,
    /// Every subscription, of every app.
    pub subscriptions: Mutex<Vec<Subscription>>,
    /// Calls to notification endpoints.
    pub http: reqwest::Client,
    /// Validation handshake timeout.
    pub handshake_timeout: Duration,
    /// HTTPS endpoints beyond loopback may be called.
    pub allow_remote_delivery: bool,
    /// Every delivery attempt, oldest first.
    pub deliveries: Mutex<Vec<crate::delivery::Delivery>>,
    /// Each attempt as it is recorded (a control-API change that waits for its deliveries).
    pub attempts: tokio::sync::broadcast::Sender<crate::delivery::Delivery>,
    /// The first retry delay (doubles each retry).
    pub retry_base: Duration,
    /// The tenant's content: users, groups, mail, chats, files, …
    pub store: Mutex<crate::workloads::Store>,
    /// The seed (the store is rebuilt from it on reset).
    pub seed: u64,
    /// Active subscriptions allowed per mailbox across apps.
    pub mailbox_subscription_limit: usize,
    /// Graph's slow/drop accounting per endpoint.
    pub throttle: crate::throttle::Throttle,
    /// A response slower than this counts against the endpoint.
    pub slow_response: Duration,
    /// Graph requests to answer 429/503 with `Retry-After` (control API).
    pub busy: Mutex<Option<crate::busy::Busy>>,
    /// Raised when the control API moves the clock, and when the sandbox stops or is reset
    /// (retries waiting on it wake up).
    pub clock_moved: tokio::sync::Notify,
    /// Bumped when the sandbox stops or is reset: pending retries of before end.
    pub generation: std::sync::atomic::AtomicU64,
    /// Validation tokens in the v2 form instead of Graph's v1 (control API).
    pub v2_validation_tokens: std::sync::atomic::AtomicBool,
    /// Event Hubs namespaces mapped to Kafka brokers.
    pub event_hubs: crate::event_hubs::HubBrokers,
}

/// What the emulator prints when ready (the `graph-emulator` JSON line).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyInfo {
    /// Stands for `https://login.microsoftonline.com`.
    pub authority_host: String,
    /// Stands for `https://graph.microsoft.com`.
    pub graph_base: String,
    /// The control API.
    pub control: String,
    /// Directory id.
    pub tenant_id: String,
    /// The desktop (public) client id.
    pub public_client_id: String,
    /// The app-only (confidential) client id.
    pub confidential_client_id: String,
    /// Its secret: a sandbox value, printed so users can point their own code at the emulator.
    pub confidential_client_secret: String,
    /// The seeded users.
    pub users: Vec<User>,
}

/// A running emulator; dropping it without [`RunningEmulator::shutdown`] stops it too.
#[derive(Debug)]
pub struct RunningEmulator {
    /// URLs and ids.
    pub info: ReadyInfo,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
}

impl RunningEmulator {
    /// An app-only Graph token for the sandbox's confidential app (client credentials with its
    /// secret), for users' own tests and ours.
    pub async fn app_token(&self) -> Result<String, reqwest::Error> {
        let body: Value = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()?
            .post(format!(
                "{}/{}/oauth2/v2.0/token",
                self.info.authority_host, self.info.tenant_id
            ))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.info.confidential_client_id.as_str()),
                (
                    "client_secret",
                    self.info.confidential_client_secret.as_str(),
                ),
                ("scope", crate::identity::GRAPH_DEFAULT_SCOPE),
            ])
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(body["access_token"].as_str().unwrap_or_default().to_owned())
    }

    /// Stops accepting requests and waits for the server task to end. Notifications on their way
    /// to an event hub are given a few seconds first: a hub keeps them for a consumer that is not
    /// running, which is the point of one (a webhook with nobody listening would refuse them).
    pub async fn shutdown(mut self) {
        self.shared
            .event_hubs
            .settle(std::time::Duration::from_secs(10))
            .await;
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The application permissions the sandbox's confidential app has been granted: reading every
/// workload, and writing the ones whose changes the sandbox can make.
pub const DEFAULT_APP_ROLES: &[&str] = &[
    "User.Read.All",
    "Group.Read.All",
    "Mail.Read",
    "Calendars.Read",
    "Contacts.Read",
    "ChannelMessage.Read.All",
    "Chat.Read.All",
    "CallRecords.Read.All",
    "Files.ReadWrite.All",
    "Sites.ReadWrite.All",
    "Team.ReadBasic.All",
    "Channel.ReadBasic.All",
    "TeamMember.Read.All",
    "Mail.ReadWrite",
    "Mail.Send",
    "Calendars.ReadWrite",
    "Contacts.ReadWrite",
    "Tasks.ReadWrite.All",
    "Chat.ReadWrite.All",
    "GroupMember.ReadWrite.All",
    "User.ReadWrite.All",
    "Presence.Read.All",
    "Presence.ReadWrite.All",
    "Printer.Read.All",
    "PrintJob.ReadWrite.All",
    "SecurityEvents.ReadWrite.All",
    "HealthMonitoringAlert.Read.All",
];

/// Starts the emulator on a loopback address.
pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
    if !config.addr.ip().is_loopback() {
        return Err(EmulatorError::NotLoopback(config.addr));
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| EmulatorError::Bind {
            addr: config.addr,
            source,
        })?;
    let local = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind {
            addr: config.addr,
            source,
        })?;
    let base_url = format!("http://{local}");
    let saved = match &config.data_file {
        Some(path) => crate::persist::load(path)?,
        None => None,
    };
    let seed = saved.as_ref().map_or(config.seed, |s| s.seed);
    if seed != config.seed {
        tracing::warn!(
            seed,
            asked = config.seed,
            "the data file's seed wins over --seed"
        );
    }
    let tenant = Tenant::seeded(seed);
    let key = SigningKey::seeded(seed)?;
    let app_object_id = Tenant::seeded(seed.wrapping_add(1)).tenant_id;
    let tenant_for_store = tenant.clone();
    let clock = EmulatorClock::scaled(config.time_scale);
    let now = clock.now();
    let shared = Arc::new(Shared {
        tenant,
        key,
        clock,
        base_url: base_url.clone(),
        app_object_id,
        app_roles: Mutex::new(DEFAULT_APP_ROLES.iter().map(|r| (*r).to_owned()).collect()),
        consent: Mutex::new(crate::consent::Consent::default()),
        app_certificates: Mutex::new(Vec::new()),
        grants: Grants::default(),
        opaque_tokens: std::sync::Mutex::default(),
        subscriptions: Mutex::new(Vec::new()),
        http: studio_primitives::http::client(
            "webhook delivery",
            std::time::Duration::from_secs(60),
            studio_primitives::http::Redirects::None,
        )
        .map_err(|e| EmulatorError::Key(format!("HTTP client: {e}")))?,
        handshake_timeout: config.handshake_timeout,
        allow_remote_delivery: config.allow_remote_delivery,
        deliveries: Mutex::new(Vec::new()),
        attempts: tokio::sync::broadcast::channel(256).0,
        retry_base: config.retry_base,
        store: Mutex::new({
            let mut store = crate::workloads::seed::seeded(&tenant_for_store, seed, now);
            // Tokens of an earlier run of a sandbox without a data file are not this one's.
            store.journal.epoch = u64::try_from(now).unwrap_or(0);
            store
        }),
        seed,
        mailbox_subscription_limit: config.mailbox_subscription_limit,
        throttle: crate::throttle::Throttle::default(),
        slow_response: config.slow_response,
        busy: Mutex::new(None),
        clock_moved: tokio::sync::Notify::new(),
        generation: std::sync::atomic::AtomicU64::new(0),
        v2_validation_tokens: std::sync::atomic::AtomicBool::new(false),
        event_hubs: crate::event_hubs::HubBrokers::default(),
    });
    for (namespace, endpoint) in &config.event_hubs {
        shared.event_hubs.map(namespace, endpoint.clone());
    }
    let info = ReadyInfo {
        authority_host: base_url.clone(),
        graph_base: base_url.clone(),
        control: format!("{base_url}/_emulator"),
        tenant_id: shared.tenant.tenant_id.clone(),
        public_client_id: shared.tenant.public_client_id.clone(),
        confidential_client_id: shared.tenant.confidential_client_id.clone(),
        confidential_client_secret: shared.tenant.confidential_client_secret.clone(),
        users: shared.tenant.users.clone(),
    };
    if let Some(saved) = saved {
        crate::persist::restore(&shared, saved);
    }
    let ticker = tokio::spawn(crate::expiry::run(Arc::clone(&shared)));
    let keeper = config
        .data_file
        .clone()
        .map(|path| tokio::spawn(crate::persist::keep(Arc::clone(&shared), path)));
    let last_save = config
        .data_file
        .clone()
        .map(|path| (Arc::clone(&shared), path));
    let app = crate::router::router(Arc::clone(&shared));
    let (stop, stopped) = oneshot::channel::<()>();
    let kept = Arc::clone(&shared);
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(error) = serve.await {
            tracing::error!(%error, "the emulator stopped with an error");
        }
        shared.end_pending_retries();
        ticker.abort();
        if let Some(keeper) = keeper {
            keeper.abort();
        }
        if let Some((shared, path)) = last_save
            && let Err(error) = crate::persist::save(&path, &crate::persist::snapshot(&shared))
        {
            tracing::warn!(%error, path = %path.display(), "cannot save the sandbox state");
        }
    });
    tracing::info!(%base_url, "graph emulator listening");
    Ok(RunningEmulator {
        info,
        stop: Some(stop),
        task: Some(task),
        shared: kept,
    })
}

impl Shared {
    /// Ends every pending delivery retry (the sandbox stops or is reset).
    pub fn end_pending_retries(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.clock_moved.notify_waiters();
    }
}

/// Graph's error shape: `{"error":{"code","message","innerError":{…}}}`.
pub fn graph_error(status: StatusCode, code: &str, message: &str, now: i64) -> Response {
    let request_id = format!("00000000-0000-4000-8000-{:012x}", now.unsigned_abs());
    (
        status,
        Json(json!({
            "error": {
                "code": code,
                "message": message,
                "innerError": { "date": now.to_string(), "request-id": request_id, "client-request-id": request_id }
            }
        })),
    )
        .into_response()
}
