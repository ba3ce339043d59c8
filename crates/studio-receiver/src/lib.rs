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
//! - Bodies are bounded in size (413 above the limit) and in time (408 for a client that sends
//!   too slowly), each recorded with the reason; any content type is accepted, since Graph's and
//!   proxies' vary.
//! - Paths carry an unguessable per-install segment; anything else is answered 404 and recorded
//!   as "unexpected" so users see scanners hitting their public URL.
//!
//! Verification and decryption run after the acknowledgement (`verify`: items, clientState,
//! duplicates, `encryptedContent`); JWT checks and forwarding follow.

pub mod certificate;
pub mod checks;
pub mod reception;
pub mod routes;
pub mod validation_tokens;
pub mod verify;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::ListenerExt;
use studio_primitives::{Clock, SystemClock};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use checks::{
    AfterCommit, ChangeType, CheckedItem, ClientStateVerdict, ItemChecker, LifecycleEvent,
    TokenVerdict,
};
pub use reception::{CommitError, NewReception, ReceptionKind, ReceptionSink};

/// Largest notification body by default (4 MiB).
pub const DEFAULT_MAX_BODY: usize = 4 * 1024 * 1024;
/// How long a body may take to arrive by default.
pub const DEFAULT_BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// How to run the receiver.
#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    /// Where to listen (127.0.0.1, port 0 picks a free one).
    pub addr: SocketAddr,
    /// The unguessable path segment (see [`new_secret`]).
    pub secret: String,
    /// The largest body accepted, in bytes.
    pub max_body: usize,
    /// How long a body may take to arrive (slow clients get 408, recorded).
    pub body_timeout: std::time::Duration,
    /// What stamps each reception's arrival.
    pub clock: Arc<dyn Clock>,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        ReceiverConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            secret: new_secret(),
            max_body: DEFAULT_MAX_BODY,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            clock: Arc::new(SystemClock),
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
#[derive(Debug)]
pub struct RunningReceiver {
    /// `http://127.0.0.1:PORT`.
    pub local_url: String,
    /// The notification path, e.g. `/{secret}/notifications`.
    pub notification_path: String,
    /// The lifecycle path.
    pub lifecycle_path: String,
    app: axum::Router,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
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

    /// Serves the same routes on another listener too (a tunnel's connections: ngrok hands them
    /// over directly, so nothing is forwarded through a second local hop). It stops with the
    /// receiver.
    pub fn serve_also<L>(&mut self, listener: L)
    where
        L: axum::serve::Listener<Addr = SocketAddr>,
    {
        let listener = listener.tap_io(|_| {});
        let service = self
            .app
            .clone()
            .into_make_service_with_connect_info::<SocketAddr>();
        let mut stopped = self.stop.subscribe();
        self.tasks.push(tokio::spawn(async move {
            let served = axum::serve(listener, service).with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            });
            if let Err(error) = served.await {
                tracing::error!(%error, "the receiver's tunnel listener stopped with an error");
            }
        }));
    }

    /// Stops accepting, finishes requests in flight, returns when done.
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

/// Starts the receiver on a loopback listener.
pub async fn start(
    config: ReceiverConfig,
    sink: Arc<dyn ReceptionSink>,
) -> Result<RunningReceiver, ReceiverError> {
    start_with(config, sink, None).await
}

/// Starts the receiver; `after` runs on each stored notification (item checks), after the 202.
pub async fn start_with(
    config: ReceiverConfig,
    sink: Arc<dyn ReceptionSink>,
    after: Option<Arc<dyn AfterCommit>>,
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
    let app = routes::router(routes::ReceiverState {
        sink,
        notification_path: notification_path.clone(),
        lifecycle_path: lifecycle_path.clone(),
        max_body: config.max_body,
        body_timeout: config.body_timeout,
        clock: config.clock,
        after,
    });
    let (stop, mut stopped) = watch::channel(false);
    let service = app
        .clone()
        .into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, service).with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        });
        if let Err(error) = served.await {
            tracing::error!(%error, "the receiver stopped with an error");
        }
    });
    tracing::info!(%local, "receiver listening");
    Ok(RunningReceiver {
        local_url: format!("http://{local}"),
        notification_path,
        lifecycle_path,
        app,
        stop,
        tasks: vec![task],
    })
}
