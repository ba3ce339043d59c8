//! Forwarding and replay: a stored reception re-POSTed to a URL of the user's (their own service
//! on localhost, usually), with the target's status, latency and answer kept beside it.
//!
//! Forwarding happens once a notification is checked and never affects what Graph was told. It
//! goes through a bounded queue of reception ids worked by a few tasks, each request with a
//! timeout: a slow or dead target fills the forward log, never memory or sockets. When the queue
//! is full, the reception is recorded as not forwarded, with why.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use studio_primitives::Clock;
use studio_primitives::http::{self, Redirects};
use studio_store::{Forward, Store};
use tokio::sync::mpsc;

use super::replay::ReplayRequest;
use crate::error::CoreError;

/// The most of a target's answer kept.
const ANSWER_LIMIT: usize = 64 * 1024;
/// Receptions waiting to be forwarded at most.
pub const QUEUE: usize = 256;
/// Requests to the target at once.
pub const WORKERS: usize = 4;
/// How long the target has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Sends copies of receptions.
#[derive(Debug)]
pub struct Forwarder {
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    http: reqwest::Client,
    queue: Mutex<Option<mpsc::Sender<i64>>>,
    target: RwLock<Option<String>>,
}

/// Checks a forwarding or replay target: an absolute http(s) URL.
pub fn check_target(url: &str) -> Result<String, CoreError> {
    let parsed = url::Url::parse(url.trim()).map_err(|_| {
        CoreError::refused(format!("'{}' is not a URL.", url.trim()))
            .with_hint("Give a full URL, e.g. http://localhost:3000/api/notifications.")
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(CoreError::refused(
            "Notifications can only be forwarded over http or https.",
        ));
    }
    Ok(parsed.to_string())
}

impl Forwarder {
    /// Keeps outcomes in `store`, stamped by `clock`.
    pub fn new(store: Arc<Store>, clock: Arc<dyn Clock>) -> Result<Forwarder, CoreError> {
        Ok(Forwarder {
            store,
            clock,
            http: http::client("forwarding", TIMEOUT, Redirects::None)?,
            queue: Mutex::new(None),
            target: RwLock::new(None),
        })
    }

    /// Starts the workers (once; later calls do nothing). Needs a Tokio runtime.
    pub fn start(self: &Arc<Self>) {
        let Ok(mut queue) = self.queue.lock() else {
            return;
        };
        if queue.is_some() {
            return;
        }
        let (sender, receiver) = mpsc::channel::<i64>(QUEUE);
        let receiver = Arc::new(tokio::sync::Mutex::new(receiver));
        for _ in 0..WORKERS {
            let forwarder = Arc::clone(self);
            let receiver = Arc::clone(&receiver);
            tokio::spawn(async move {
                loop {
                    let next = receiver.lock().await.recv().await;
                    let Some(id) = next else { break };
                    forwarder.forward(id).await;
                }
            });
        }
        *queue = Some(sender);
    }

    /// Queues a checked reception for the current target; a full queue is recorded, not waited
    /// for (this runs on the check queue's thread).
    pub fn enqueue(&self, reception_id: i64) {
        let Some(url) = self.target() else { return };
        let sender = self.queue.lock().ok().and_then(|q| q.clone());
        let refused = match sender {
            Some(sender) => match sender.try_send(reception_id) {
                Ok(()) => return,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    format!("not forwarded: {QUEUE} receptions were already waiting for the target")
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    "not forwarded: forwarding stopped".into()
                }
            },
            None => "not forwarded: forwarding has not started".into(),
        };
        let outcome = Forward {
            reception_id,
            at: self.clock.now_rfc3339(),
            url,
            status: None,
            duration_ms: 0,
            body: None,
            failure: Some(refused),
        };
        if let Err(error) = self.store.record_forward(&outcome) {
            tracing::warn!(%error, "a forward's outcome could not be kept");
        }
    }

    /// Where every notification goes from now on (`None`: nowhere).
    pub fn set_target(&self, target: Option<String>) {
        *self
            .target
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = target;
    }

    /// The current forwarding target.
    pub fn target(&self) -> Option<String> {
        self.target
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Forwards a stored reception to the current target.
    async fn forward(&self, reception_id: i64) {
        let Some(url) = self.target() else { return };
        let store = Arc::clone(&self.store);
        let reception = tokio::task::spawn_blocking(move || store.reception(reception_id)).await;
        let Ok(Ok(Some(reception))) = reception else {
            return;
        };
        let request = match ReplayRequest::new(reception_id, &url, reception.request.body, None) {
            Ok(request) => request,
            Err(error) => {
                tracing::debug!(%error, %url, "the forwarding target is not a URL");
                return;
            }
        };
        let outcome = self.send(reception_id, request).await;
        if let Some(failure) = &outcome.failure {
            tracing::debug!(%failure, %url, "forwarding failed");
        }
    }

    /// Re-POSTs a stored reception (its body, or `edited` instead) to `url`; answers the outcome.
    pub async fn replay(
        &self,
        reception_id: i64,
        url: &str,
        edited: Option<String>,
    ) -> Result<Forward, CoreError> {
        let request = self.replay_request(reception_id, url, edited).await?;
        Ok(self.send(reception_id, request).await)
    }

    /// What [`Forwarder::replay`] would send, without sending it.
    pub async fn replay_request(
        &self,
        reception_id: i64,
        url: &str,
        edited: Option<String>,
    ) -> Result<ReplayRequest, CoreError> {
        let store = Arc::clone(&self.store);
        let reception = tokio::task::spawn_blocking(move || store.reception(reception_id))
            .await??
            .ok_or_else(|| {
                CoreError::not_found(format!("Reception {reception_id} is not stored."))
                    .with_hint("It may have been pruned by the retention limit.")
            })?;
        ReplayRequest::new(reception_id, url, reception.request.body, edited)
    }

    async fn send(&self, reception_id: i64, request: ReplayRequest) -> Forward {
        let started = Instant::now();
        let mut outgoing = self.http.post(&request.url);
        for (name, value) in &request.headers {
            outgoing = outgoing.header(*name, value);
        }
        let sent = outgoing.body(request.body).send().await;
        let (status, body, failure) = match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let bytes = response.bytes().await.unwrap_or_default();
                let kept = &bytes[..bytes.len().min(ANSWER_LIMIT)];
                (
                    Some(status),
                    Some(String::from_utf8_lossy(kept).into_owned()),
                    None,
                )
            }
            Err(error) => (None, None, Some(describe(&error))),
        };
        let forward = Forward {
            reception_id,
            at: self.clock.now_rfc3339(),
            url: request.url,
            status,
            duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
            body,
            failure,
        };
        let store = Arc::clone(&self.store);
        let kept = forward.clone();
        let recorded = tokio::task::spawn_blocking(move || store.record_forward(&kept)).await;
        if !matches!(recorded, Ok(Ok(()))) {
            tracing::warn!("a forward's outcome could not be kept");
        }
        forward
    }
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        format!("the target did not answer within {} s", TIMEOUT.as_secs())
    } else if error.is_connect() {
        "nothing answers at that address (is your service running?)".into()
    } else {
        error.to_string()
    }
}
