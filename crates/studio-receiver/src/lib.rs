//! The webhook receiver: the local endpoint Graph reaches (through a tunnel) with validation
//! handshakes, change notifications and lifecycle notifications.
//!
//! Rules it keeps, whatever arrives:
//! - A validation request (`?validationToken=` on POST, or GET, which some proxies turn it into)
//!   on the notification or lifecycle path is answered at once: 200, `text/plain`, the URL-decoded
//!   token byte for byte. The handshake is recorded after the answer, never before it.
//! - A notification is stored, raw (method, path, query, headers, body, peer, time), **before**
//!   the 202 goes out; if it cannot be stored the answer is 503 so Graph retries. Concurrent
//!   requests share a transaction (the app's store implements [`ReceptionSink`] with a group
//!   commit).
//! - Bodies are bounded in size (413 above the limit, at once for a larger `Content-Length`) and
//!   in time (408), malformed ones answered 400, each recorded with the reason; any content type
//!   is accepted, since Graph's and proxies' vary.
//! - Paths carry an unguessable per-install segment; anything else is answered 404 and recorded
//!   as a bounded summary so users see scanners hitting their public URL.
//! - Connections are bounded in number and in how long a head may take ([`server`]).
//!
//! Checks run after the acknowledgement, elsewhere: the store's check queue reads each stored
//! notification with an [`ItemChecker`] (`checks`: items, clientState, duplicates, decryption,
//! `validationTokens`).

pub mod certificate;
pub mod checks;
pub mod health;
pub mod hub_event;
pub mod reception;
pub mod routes;
pub mod server;
pub mod validation_tokens;
pub mod verify;

use std::net::SocketAddr;
use std::sync::Arc;

use studio_primitives::{Clock, SystemClock};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use checks::{
    ChangeType, CheckedItem, ClientStateVerdict, ItemChecker, LifecycleEvent, ReadBody,
    TokenVerdict,
};
pub use reception::{CommitError, NewReception, ReceptionKind, ReceptionSink};
pub use server::Limits;

/// How to run the receiver.
#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    /// Where to listen (127.0.0.1, port 0 picks a free one).
    pub addr: SocketAddr,
    /// The unguessable path segment (see [`new_secret`]).
    pub secret: String,
    /// What the receiver puts up with.
    pub limits: Limits,
    /// What stamps each reception's arrival.
    pub clock: Arc<dyn Clock>,
    /// The limits the acknowledgements are judged by (Graph's; shorter in tests).
    pub delivery_rules: health::Rules,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        ReceiverConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            secret: new_secret(),
            limits: Limits::default(),
            clock: Arc::new(SystemClock),
            delivery_rules: health::Rules::default(),
        }
    }
}

/// A new unguessable path segment: 128 random bits, hex.
pub fn new_secret() -> String {
    studio_primitives::ids::random_hex(16)
}

/// Why the receiver could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiverError {
    /// The port is taken or not allowed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The path segment would not be a single URL path segment.
    #[error("the receiver's path segment must be letters and digits")]
    BadSecret,
}

/// A running receiver.
pub struct RunningReceiver {
    /// `http://127.0.0.1:PORT`.
    pub local_url: String,
    /// The notification path, e.g. `/{secret}/notifications`.
    pub notification_path: String,
    /// The lifecycle path.
    pub lifecycle_path: String,
    app: axum::Router,
    limits: Arc<Limits>,
    connections: Arc<server::Connections>,
    refusals: Arc<dyn server::Refusals>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    delivery: Arc<health::AckMeter>,
}

impl std::fmt::Debug for RunningReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningReceiver")
            .field("local_url", &self.local_url)
            .finish_non_exhaustive()
    }
}

impl RunningReceiver {
    /// The local notification URL.
    pub fn notification_url(&self) -> String {
        format!("{}{}", self.local_url, self.notification_path)
    }

    /// The local lifecycle URL.
    pub fn lifecycle_url(&self) -> String {
        format!("{}{}", self.local_url, self.lifecycle_path)
    }

    /// How the acknowledgements of the last 10 minutes look by Graph's rules.
    pub fn delivery(&self) -> &Arc<health::AckMeter> {
        &self.delivery
    }

    /// How many connections are open now (loopback and tunnel together).
    pub fn open_connections(&self) -> usize {
        self.connections.open()
    }

    /// Serves the same routes, with the same limits, on another listener too (a tunnel's
    /// connections: ngrok hands them over directly, so nothing is forwarded through a second
    /// local hop). It stops with the receiver.
    pub fn serve_also<L>(&mut self, listener: L)
    where
        L: axum::serve::Listener<Addr = SocketAddr>,
    {
        self.tasks.push(server::spawn(
            listener,
            self.app.clone(),
            Arc::clone(&self.limits),
            Arc::clone(&self.connections),
            Arc::clone(&self.refusals),
            self.stop.subscribe(),
        ));
    }

    /// Stops accepting, finishes requests in flight (a few seconds at most), returns when done.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for RunningReceiver {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// Starts the receiver on a loopback listener; receptions are committed to `sink`.
pub async fn start(
    config: ReceiverConfig,
    sink: Arc<dyn ReceptionSink>,
) -> Result<RunningReceiver, ReceiverError> {
    if config.secret.is_empty() || !config.secret.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ReceiverError::BadSecret);
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| ReceiverError::Bind {
            addr: config.addr,
            source,
        })?;
    let local = listener
        .local_addr()
        .map_err(|source| ReceiverError::Bind {
            addr: config.addr,
            source,
        })?;
    let notification_path = format!("/{}/notifications", config.secret);
    let lifecycle_path = format!("/{}/lifecycle", config.secret);
    let limits = Arc::new(config.limits);
    let budget = Arc::new(routes::RecordingBudget::new(
        limits.recorded_refusals_per_second,
    ));
    let delivery = Arc::new(health::AckMeter::new(config.delivery_rules));
    let app = routes::router(routes::ReceiverState {
        sink: Arc::clone(&sink),
        notification_path: notification_path.clone(),
        lifecycle_path: lifecycle_path.clone(),
        limits: Arc::clone(&limits),
        clock: Arc::clone(&config.clock),
        budget: Arc::clone(&budget),
        delivery: Arc::clone(&delivery),
    });
    let refusals: Arc<dyn server::Refusals> = Arc::new(routes::RecordRefusals {
        sink,
        clock: config.clock,
        budget,
    });
    let connections = server::Connections::new(limits.max_connections);
    let (stop, stopped) = watch::channel(false);
    let task = server::spawn(
        listener,
        app.clone(),
        Arc::clone(&limits),
        Arc::clone(&connections),
        Arc::clone(&refusals),
        stopped,
    );
    tracing::info!(%local, "receiver listening");
    Ok(RunningReceiver {
        local_url: format!("http://{local}"),
        notification_path,
        lifecycle_path,
        app,
        limits,
        connections,
        refusals,
        stop,
        tasks: vec![task],
        delivery,
    })
}
