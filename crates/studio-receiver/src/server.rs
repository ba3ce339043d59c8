//! The receiver's own accept loop: HTTP/1.1 connections served by hyper with the limits that
//! keep an exposed endpoint standing (`axum::serve` has none of them).
//!
//! - A request's head must arrive within [`Limits::header_timeout`]; a connection waiting for
//!   its next request is closed after the same time (hyper runs one timer for both), so neither a
//!   slow sender nor an idle socket holds a slot for long.
//! - Heads are bounded ([`Limits::max_header_bytes`], [`MAX_HEADERS`]): hyper answers 431.
//! - At most [`Limits::max_connections`] connections; at the cap, the connection that has been
//!   idle longest is closed to make room, so a crowd of idle sockets cannot lock Graph out (nor
//!   exhaust the process's file descriptors).
//! - What hyper refuses before our handler sees it (a malformed head, one too large) is recorded
//!   through [`Refusals`]. A connection that sends no complete head in time is closed without a
//!   record: there is no request to show.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

/// The most header lines one request may carry.
pub const MAX_HEADERS: usize = 64;

/// How long a stopping receiver waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(5);

/// What the receiver puts up with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest body accepted, in bytes (413 above; a larger `Content-Length` at once).
    pub max_body: usize,
    /// How long a body may take to arrive (408).
    pub body_timeout: Duration,
    /// How long a request head may take, and how long a connection may wait for its next one.
    pub header_timeout: Duration,
    /// The most connections at once.
    pub max_connections: usize,
    /// The largest request head (request line and headers), in bytes (431 above).
    pub max_header_bytes: usize,
    /// The longest query string on the receiver's paths (414 above).
    pub max_query_bytes: usize,
    /// Requests refused or off the receiver's paths recorded per second at most (their summary
    /// only); those beyond are counted and the count recorded with the next one.
    pub recorded_refusals_per_second: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: 4 * 1024 * 1024,
            body_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(15),
            max_connections: 256,
            max_header_bytes: 16 * 1024,
            max_query_bytes: 4 * 1024,
            recorded_refusals_per_second: 20,
        }
    }
}

/// Records what hyper refused before a handler saw it.
pub trait Refusals: Send + Sync {
    /// `peer` sent something hyper answered with `status` (or closed), for `reason`.
    fn refused(&self, peer: SocketAddr, status: u16, reason: String);
}

/// One live connection.
#[derive(Debug)]
struct Slot {
    id: u64,
    /// Milliseconds since the loop started when a request last began or ended.
    last_active: AtomicU64,
    /// Requests in progress.
    busy: AtomicUsize,
    close: Notify,
}

/// The live connections, for the cap.
#[derive(Debug)]
pub(crate) struct Connections {
    started: Instant,
    next: AtomicU64,
    slots: Mutex<Vec<Arc<Slot>>>,
    max: usize,
}

impl Connections {
    pub(crate) fn new(max: usize) -> Arc<Connections> {
        Arc::new(Connections {
            started: Instant::now(),
            next: AtomicU64::new(0),
            slots: Mutex::new(Vec::new()),
            max: max.max(1),
        })
    }

    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// A slot for a new connection, closing the longest-idle one when at the cap; `None` when
    /// every connection is busy with a request (the new one is then turned away).
    fn admit(&self) -> Option<Arc<Slot>> {
        let mut slots = self.slots.lock().ok()?;
        if slots.len() >= self.max {
            let idle = slots
                .iter()
                .filter(|s| s.busy.load(Ordering::Relaxed) == 0)
                .min_by_key(|s| s.last_active.load(Ordering::Relaxed))
                .cloned()?;
            idle.close.notify_one();
            slots.retain(|s| s.id != idle.id);
            tracing::debug!(
                id = idle.id,
                "at the connection cap: closed the longest-idle one"
            );
        }
        let slot = Arc::new(Slot {
            id: self.next.fetch_add(1, Ordering::Relaxed),
            last_active: AtomicU64::new(self.now()),
            busy: AtomicUsize::new(0),
            close: Notify::new(),
        });
        slots.push(Arc::clone(&slot));
        Some(slot)
    }

    fn release(&self, slot: &Slot) {
        if let Ok(mut slots) = self.slots.lock() {
            slots.retain(|s| s.id != slot.id);
        }
    }

    /// How many connections are open.
    pub(crate) fn open(&self) -> usize {
        self.slots.lock().map(|s| s.len()).unwrap_or(0)
    }
}

/// Serves `app` on `listener` until `stop` turns true; then finishes requests in flight (for a
/// few seconds at most).
pub(crate) fn spawn<L>(
    listener: L,
    app: Router,
    limits: Arc<Limits>,
    connections: Arc<Connections>,
    refusals: Arc<dyn Refusals>,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    tokio::spawn(async move {
        let mut listener = listener;
        let mut live = JoinSet::new();
        let for_connections = stop.clone();
        loop {
            tokio::select! {
                (io, peer) = listener.accept() => {
                    let Some(slot) = connections.admit() else {
                        refusals.refused(peer, 503, "every connection is busy with a request; this one was closed".into());
                        continue;
                    };
                    live.spawn(connection(io, peer, slot, app.clone(), Arc::clone(&limits), Arc::clone(&connections), Arc::clone(&refusals), for_connections.clone()));
                }
                Some(_) = live.join_next(), if !live.is_empty() => {}
                stopping = stop.wait_for(|stopped| *stopped) => {
                    drop(stopping);
                    break;
                }
            }
        }
        drop(listener);
        let _ =
            tokio::time::timeout(DRAIN, async { while live.join_next().await.is_some() {} }).await;
        live.abort_all();
    })
}

#[allow(
    clippy::too_many_arguments,
    reason = "one connection's whole context, passed once"
)]
async fn connection<I>(
    io: I,
    peer: SocketAddr,
    slot: Arc<Slot>,
    app: Router,
    limits: Arc<Limits>,
    connections: Arc<Connections>,
    refusals: Arc<dyn Refusals>,
    mut stop: watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = {
        let slot = Arc::clone(&slot);
        let connections = Arc::clone(&connections);
        hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            slot.busy.fetch_add(1, Ordering::Relaxed);
            slot.last_active.store(connections.now(), Ordering::Relaxed);
            let answered = app.clone().oneshot(request.map(axum::body::Body::new));
            let slot = Arc::clone(&slot);
            let connections = Arc::clone(&connections);
            async move {
                let response = answered.await;
                slot.busy.fetch_sub(1, Ordering::Relaxed);
                slot.last_active.store(connections.now(), Ordering::Relaxed);
                response
            }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_headers(MAX_HEADERS)
        .max_header_size(limits.max_header_bytes)
        .keep_alive(true);
    let served = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(served);
    enum Ending {
        Served(Result<(), hyper::Error>),
        Evicted,
        Stopping,
    }
    let ending = tokio::select! {
        outcome = served.as_mut() => Ending::Served(outcome),
        () = slot.close.notified() => Ending::Evicted,
        _ = stop.wait_for(|stopped| *stopped) => Ending::Stopping,
    };
    let outcome = match ending {
        Ending::Served(outcome) => outcome,
        Ending::Evicted => Ok(()),
        Ending::Stopping => {
            served.as_mut().graceful_shutdown();
            served.as_mut().await
        }
    };
    connections.release(&slot);
    if let Err(error) = outcome {
        let (status, reason) = if error.is_parse_too_large() {
            (
                431,
                "the request head is larger than the receiver accepts".to_owned(),
            )
        } else if error.is_parse() {
            (400, format!("the request is not valid HTTP/1.1: {error}"))
        } else {
            // A head that did not come in time, an idle connection closed, a client gone: no
            // request to record.
            return;
        };
        refusals.refused(peer, status, reason);
    }
}
