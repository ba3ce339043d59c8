//! Receiving notifications as the app runs it: the receiver (stored before acknowledged), the
//! tunnel that makes it public, the store's durable check queue and what follows each check
//! ([`checked`]: lifecycle signals, forwarding), and the announcements that tell the window what
//! arrived ([`announcements`]). Reading what arrived is in [`reading`] and [`export`]; the
//! subscriptions the checks know in [`owned`].
//!
//! One `Receiving` per process. `start` is idempotent: starting again (new port, new tunnel)
//! stops the previous receiver and tunnel first; subscriptions whose URL changed are then moved
//! by the upkeep (`crate::subscriptions::upkeep`).

pub mod announcements;
pub mod checked;
pub mod export;
pub mod forward;
pub mod owned;
pub mod reading;
pub mod signing_keys;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use studio_identity::secrets::SecretStore;
use studio_primitives::{Clock, Sensitive};
use studio_receiver::checks::ItemChecker;
use studio_receiver::{LifecycleEvent, Limits, ReceiverConfig, RunningReceiver};
use studio_store::checking::{CheckQueue, CheckWaker};
use studio_store::{GroupCommit, Store};
use studio_tunnel::{OpenTunnel, TunnelChoice, TunnelRequest, TunnelStatus};
use tokio::sync::{Mutex, mpsc, watch};
use ts_rs::TS;

use crate::accounts::sandbox::Sandbox;
use crate::error::CoreError;
use crate::events::{CoreEvent, EventBus};
use crate::options::Options;
use crate::settings::TunnelKind;
use announcements::Announcer;
use checked::Checked;
use forward::Forwarder;
use owned::OwnedSubscriptions;
use signing_keys::{SigningKeys, TokenVerifier};

/// The preference the receiver's unguessable path segment is kept under (stable across starts,
/// so subscriptions keep working).
const SECRET_PREFERENCE: &str = "receiver-secret";
/// The keyring entry of the ngrok authtoken.
pub const NGROK_AUTHTOKEN_SECRET: &str = "ngrok:authtoken";

/// How to listen.
#[derive(Debug, Clone)]
pub struct ListenConfig {
    /// Loopback port (0: a free one).
    pub port: u16,
    /// What the receiver puts up with.
    pub limits: Limits,
    /// The public URL provider.
    pub tunnel: TunnelChoice,
    /// Re-POST every notification here.
    pub forward_to: Option<String>,
}

/// Where the receiver answers, locally and publicly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    /// `http://127.0.0.1:PORT/{secret}/notifications`.
    pub local_notification_url: String,
    /// The lifecycle path, locally.
    pub local_lifecycle_url: String,
    /// The public notification URL (through the tunnel), when there is one.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_notification_url: Option<String>,
    /// The public lifecycle URL.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_lifecycle_url: Option<String>,
    /// Which provider makes it public.
    pub tunnel: TunnelKind,
    /// Where notifications are forwarded, if anywhere.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forward_to: Option<String>,
}

impl Endpoints {
    /// The notification and lifecycle URLs Graph should use: public when there is a tunnel,
    /// loopback otherwise (only the sandbox can deliver there).
    pub fn for_graph(&self) -> (String, String) {
        match (&self.public_notification_url, &self.public_lifecycle_url) {
            (Some(n), Some(l)) => (n.clone(), l.clone()),
            _ => (
                self.local_notification_url.clone(),
                self.local_lifecycle_url.clone(),
            ),
        }
    }
}

/// `receiver_start`'s answer: the receiver listens; the tunnel may have failed (then the
/// receiver keeps listening on this computer, where the sandbox still delivers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReceivingStarted {
    /// Where it answers.
    pub endpoints: Endpoints,
    /// Why the tunnel did not open, with what to do.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tunnel_problem: Option<TunnelProblem>,
}

/// Why the tunnel did not open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TunnelProblem {
    /// ngrok's error code (`ERR_NGROK_107`), when it gave one.
    pub code: Option<String>,
    /// What happened, in a sentence.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

/// What runs while the receiver listens.
struct Listening {
    receiver: RunningReceiver,
    tunnel: Option<OpenTunnel>,
    endpoints: Endpoints,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// A lifecycle notification for one of the app's subscriptions, checked and trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleSignal {
    /// The subscription.
    pub subscription_id: String,
    /// What Graph said.
    pub event: LifecycleEvent,
}

/// The receiver, its tunnel and what runs after each 202.
pub struct Receiving {
    store: Arc<Store>,
    secrets: Arc<dyn SecretStore>,
    events: EventBus,
    clock: Arc<dyn Clock>,
    options: Options,
    owned: Arc<OwnedSubscriptions>,
    signing_keys: Arc<SigningKeys>,
    writer: GroupCommit,
    announcer: Announcer,
    announcing: std::sync::OnceLock<tokio::task::JoinHandle<()>>,
    /// The durable check queue, started with the first `start` (its token checks need the
    /// runtime); the writer wakes it through `check_waker`.
    checks: std::sync::Mutex<Option<CheckQueue>>,
    check_waker: Arc<std::sync::OnceLock<CheckWaker>>,
    forwarder: Arc<Forwarder>,
    listening: Mutex<Option<Listening>>,
    tunnel_status: watch::Sender<TunnelStatus>,
    signals: mpsc::UnboundedSender<LifecycleSignal>,
    signals_out: std::sync::Mutex<Option<mpsc::UnboundedReceiver<LifecycleSignal>>>,
    sandbox: Arc<Sandbox>,
}

impl std::fmt::Debug for Receiving {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiving").finish_non_exhaustive()
    }
}

/// What `Receiving` is made of.
#[allow(
    missing_debug_implementations,
    reason = "a bag of parts, consumed at once"
)]
pub struct ReceivingParts {
    /// The app's store.
    pub store: Arc<Store>,
    /// Where the ngrok authtoken and certificates' keys live.
    pub secrets: Arc<dyn SecretStore>,
    /// Where announcements go.
    pub events: EventBus,
    /// The injected clock.
    pub clock: Arc<dyn Clock>,
    /// What the environment decided.
    pub options: Options,
    /// The in-process sandbox (its authority signs the sandbox's validation tokens).
    pub sandbox: Arc<Sandbox>,
}

impl Receiving {
    /// Ready to start (nothing listens until [`Receiving::start`]).
    pub fn new(parts: ReceivingParts) -> Result<Receiving, CoreError> {
        let ReceivingParts {
            store,
            secrets,
            events,
            clock,
            options,
            sandbox,
        } = parts;
        let owned = Arc::new(OwnedSubscriptions::new(
            Arc::clone(&store),
            Arc::clone(&secrets),
            Arc::clone(&clock),
        ));
        let announcer = Announcer::new(events.clone());
        announcer.committed(store.newest_reception_id()?);
        let check_waker: Arc<std::sync::OnceLock<CheckWaker>> = Arc::default();
        let writer = {
            let announcer = announcer.clone();
            let check_waker = Arc::clone(&check_waker);
            GroupCommit::start_with(&store, move |newest| {
                announcer.committed(newest);
                if let Some(waker) = check_waker.get() {
                    waker.wake();
                }
            })?
        };
        let (signals, signals_out) = mpsc::unbounded_channel();
        Ok(Receiving {
            signing_keys: Arc::new(SigningKeys::new(Arc::clone(&clock))?),
            forwarder: Arc::new(Forwarder::new(Arc::clone(&store), Arc::clone(&clock))?),
            listening: Mutex::new(None),
            announcing: std::sync::OnceLock::new(),
            checks: std::sync::Mutex::new(None),
            check_waker,
            tunnel_status: watch::channel(TunnelStatus::Off).0,
            signals_out: std::sync::Mutex::new(Some(signals_out)),
            signals,
            writer,
            announcer,
            owned,
            store,
            secrets,
            events,
            clock,
            options,
            sandbox,
        })
    }

    /// The app's own subscriptions as the checks see them.
    pub fn owned(&self) -> &Arc<OwnedSubscriptions> {
        &self.owned
    }

    /// The forwarding and replay service.
    pub fn forwarder(&self) -> &Arc<Forwarder> {
        &self.forwarder
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Lifecycle notifications as they arrive (taken once, by the upkeep).
    pub fn take_signals(&self) -> Option<mpsc::UnboundedReceiver<LifecycleSignal>> {
        self.signals_out
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// The tunnel's state now.
    pub fn tunnel_status(&self) -> TunnelStatus {
        self.tunnel_status.borrow().clone()
    }

    /// Where the receiver answers, when it runs.
    pub async fn endpoints(&self) -> Option<Endpoints> {
        self.listening
            .lock()
            .await
            .as_ref()
            .map(|l| l.endpoints.clone())
    }

    /// The newest reception's id.
    pub fn newest(&self) -> i64 {
        self.announcer.newest()
    }

    /// The ngrok authtoken: the keyring's, else the environment's.
    pub fn ngrok_authtoken(&self) -> Option<Sensitive<String>> {
        match self.secrets.get(NGROK_AUTHTOKEN_SECRET) {
            Ok(Some(token)) if !token.is_empty() => Some(token),
            _ => self.options.ngrok_authtoken.clone(),
        }
    }

    /// Saves (or with an empty value, removes) the ngrok authtoken in the keyring.
    pub fn set_ngrok_authtoken(&self, token: &Sensitive<String>) -> Result<(), CoreError> {
        if token.expose().trim().is_empty() {
            self.secrets.delete(NGROK_AUTHTOKEN_SECRET)?;
        } else {
            self.secrets.put(
                NGROK_AUTHTOKEN_SECRET,
                &Sensitive::new(token.expose().trim().to_owned()),
            )?;
        }
        Ok(())
    }

    fn path_secret(&self) -> Result<String, CoreError> {
        if let Some(secret) = self.store.preference(SECRET_PREFERENCE)? {
            return Ok(secret);
        }
        let secret = studio_receiver::new_secret();
        self.store
            .set_preference(SECRET_PREFERENCE, Some(&secret))?;
        Ok(secret)
    }

    /// Starts the check queue (once): it first checks what earlier runs acknowledged but never
    /// checked, then whatever the writer commits.
    fn start_checks(&self) -> Result<(), CoreError> {
        let mut checks = self
            .checks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if checks.is_some() {
            return Ok(());
        }
        let checker =
            ItemChecker::new(Arc::clone(&self.owned) as _).with_tokens(Arc::new(TokenVerifier {
                store: Arc::clone(&self.store),
                owned: Arc::clone(&self.owned),
                keys: Arc::clone(&self.signing_keys),
                runtime: tokio::runtime::Handle::current(),
                sandbox: Arc::clone(&self.sandbox),
                clock: Arc::clone(&self.clock),
            }));
        let listener = Arc::new(Checked {
            store: Arc::clone(&self.store),
            owned: Arc::clone(&self.owned),
            signals: self.signals.clone(),
            forwarder: Arc::clone(&self.forwarder),
            announcer: self.announcer.clone(),
            clock: Arc::clone(&self.clock),
        });
        let queue = CheckQueue::start(&self.store, checker, listener)?;
        let _ = self.check_waker.set(queue.waker());
        *checks = Some(queue);
        Ok(())
    }

    /// Starts (or restarts) the receiver and the tunnel. A tunnel that fails leaves the receiver
    /// listening locally; the failure comes back with the endpoints, with ngrok's code and a hint.
    pub async fn start(&self, config: ListenConfig) -> Result<ReceivingStarted, CoreError> {
        let mut listening = self.listening.lock().await;
        if let Some(previous) = listening.take() {
            stop_listening(previous).await;
        }
        let forward_to = match &config.forward_to {
            Some(target) => Some(forward::check_target(target)?),
            None => None,
        };
        self.forwarder.set_target(forward_to.clone());
        self.forwarder.start();
        self.start_checks()?;
        let receiver_config = ReceiverConfig {
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], config.port)),
            secret: self.path_secret()?,
            limits: config.limits.clone(),
            clock: Arc::clone(&self.clock),
        };
        let mut receiver = studio_receiver::start(receiver_config, Arc::new(self.writer.clone()))
            .await
            .map_err(|source| CoreError::Receiver { source })?;
        let request = TunnelRequest {
            authtoken: matches!(config.tunnel, TunnelChoice::Ngrok { .. })
                .then(|| self.ngrok_authtoken())
                .flatten(),
            choice: config.tunnel.clone(),
            ngrok_server: self.options.ngrok_server.clone(),
        };
        let (mut tunnel, tunnel_problem) =
            match studio_tunnel::open(request, self.tunnel_status.clone()).await {
                Ok(tunnel) => (Some(tunnel), None),
                Err(error) => (None, Some(tunnel_problem(&error))),
            };
        if let Some(listener) = tunnel.as_mut().and_then(|t| t.listener.take()) {
            receiver.serve_also(listener);
        }
        let public = tunnel.as_ref().and_then(|t| t.public_url.clone());
        let endpoints = Endpoints {
            local_notification_url: receiver.notification_url(),
            local_lifecycle_url: receiver.lifecycle_url(),
            public_notification_url: public
                .as_ref()
                .map(|p| format!("{p}{}", receiver.notification_path)),
            public_lifecycle_url: public
                .as_ref()
                .map(|p| format!("{p}{}", receiver.lifecycle_path)),
            tunnel: TunnelKind::of(&config.tunnel),
            forward_to,
        };
        // Announcements run for the life of the process (checks finish after a stop too).
        self.announcing
            .get_or_init(|| tokio::spawn(self.announcer.clone().run()));
        let tasks = vec![tokio::spawn(announce_tunnel(
            self.events.clone(),
            self.tunnel_status.subscribe(),
        ))];
        *listening = Some(Listening {
            receiver,
            tunnel,
            endpoints: endpoints.clone(),
            tasks,
        });
        drop(listening);
        self.events.publish(CoreEvent::ReceiverChanged);
        tracing::info!(?endpoints, "receiving");
        Ok(ReceivingStarted {
            endpoints,
            tunnel_problem,
        })
    }

    /// Stops the tunnel and the receiver (requests in flight finish).
    pub async fn stop(&self) {
        if let Some(previous) = self.listening.lock().await.take() {
            stop_listening(previous).await;
            self.tunnel_status.send_replace(TunnelStatus::Off);
            self.events.publish(CoreEvent::ReceiverChanged);
        }
    }
}

fn tunnel_problem(error: &studio_tunnel::TunnelError) -> TunnelProblem {
    let (code, hint) = match error.status() {
        TunnelStatus::Failed { code, hint, .. } => (code, Some(hint).filter(|h| !h.is_empty())),
        _ => (None, None),
    };
    TunnelProblem {
        code,
        message: format!("The tunnel did not open: {error}."),
        hint,
    }
}

async fn stop_listening(listening: Listening) {
    if let Some(tunnel) = listening.tunnel {
        tunnel.close().await;
    }
    listening.receiver.shutdown().await;
    for task in listening.tasks {
        task.abort();
    }
}

/// Tells the window each time the tunnel's state changes (connecting, online, reconnecting).
async fn announce_tunnel(events: EventBus, mut tunnel: watch::Receiver<TunnelStatus>) {
    while tunnel.changed().await.is_ok() {
        events.publish(CoreEvent::ReceiverChanged);
    }
}
