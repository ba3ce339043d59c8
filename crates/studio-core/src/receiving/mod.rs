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
pub mod changes;
pub mod checked;
mod delivery;
mod endpoints;
pub mod event_hubs;
pub mod export;
pub mod forward;
pub mod holder;
pub mod listening;
pub mod owned;
pub mod reading;
pub mod replay;
pub mod signing_keys;

use std::sync::Arc;

use studio_identity::secrets::SecretStore;
use studio_primitives::{Clock, Sensitive};
use studio_receiver::checks::ItemChecker;
use studio_receiver::{LifecycleEvent, Limits, ReceiverConfig, RunningReceiver};
use studio_store::checking::{CheckQueue, CheckWaker};
use studio_store::{GroupCommit, Store};
use studio_tunnel::{OpenTunnel, TunnelChoice, TunnelRequest, TunnelStatus};
use tokio::sync::{Mutex, mpsc, watch};

use crate::accounts::sandbox::Sandbox;
use crate::error::CoreError;
use crate::events::{CoreEvent, EventBus};
use crate::options::{Options, ProcessKind};
use crate::settings::TunnelKind;
use announcements::Announcer;
use checked::Checked;
use endpoints::tunnel_problem;
pub use endpoints::{Endpoints, ReceivingStarted, TunnelProblem};
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

/// What runs while the receiver listens.
struct Listening {
    receiver: RunningReceiver,
    tunnel: Option<OpenTunnel>,
    endpoints: Endpoints,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The store's record of this listening period (`None` when it could not be written).
    period: Option<i64>,
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
    check_waker: Arc<std::sync::RwLock<Option<CheckWaker>>>,
    forwarder: Arc<Forwarder>,
    listening: Mutex<Option<Listening>>,
    tunnel_status: watch::Sender<TunnelStatus>,
    signals: mpsc::UnboundedSender<LifecycleSignal>,
    signals_out: std::sync::Mutex<Option<mpsc::UnboundedReceiver<LifecycleSignal>>>,
    sandbox: Arc<Sandbox>,
    /// The data folder (its receiver lock).
    data_dir: std::path::PathBuf,
    /// Held from the first `start` until `shutdown`: this process receives for the folder.
    lease: holder::HeldLease,
    /// The Event Hubs read in this process, by connection name.
    hub_readers: Mutex<std::collections::BTreeMap<String, event_hubs::reading::HubReader>>,
    /// Why a hub stopped being read without being asked to, by connection name, until it is
    /// read again or removed.
    hub_stops: std::sync::Mutex<event_hubs::running::HubStops>,
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
    /// The data folder: one process at a time receives for it.
    pub data_dir: std::path::PathBuf,
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
            data_dir,
        } = parts;
        let owned = Arc::new(OwnedSubscriptions::new(
            Arc::clone(&store),
            Arc::clone(&secrets),
            Arc::clone(&clock),
        ));
        let announcer = Announcer::new(events.clone());
        announcer.committed(store.newest_reception_id()?);
        let check_waker: Arc<std::sync::RwLock<Option<CheckWaker>>> = Arc::default();
        let writer = {
            let announcer = announcer.clone();
            let check_waker = Arc::clone(&check_waker);
            GroupCommit::start_with(&store, move |newest| {
                announcer.committed(newest);
                if let Ok(waker) = check_waker.read()
                    && let Some(waker) = waker.as_ref()
                {
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
            data_dir,
            lease: holder::HeldLease::default(),
            hub_readers: Mutex::default(),
            hub_stops: std::sync::Mutex::default(),
        })
    }

    /// The app's own subscriptions as the checks see them.
    pub fn owned(&self) -> &Arc<OwnedSubscriptions> {
        &self.owned
    }

    /// The validation-token checker (it blocks on the runtime: call it from a blocking thread).
    fn verifier(&self) -> TokenVerifier {
        TokenVerifier {
            store: Arc::clone(&self.store),
            owned: Arc::clone(&self.owned),
            keys: Arc::clone(&self.signing_keys),
            runtime: tokio::runtime::Handle::current(),
            sandbox: Arc::clone(&self.sandbox),
            clock: Arc::clone(&self.clock),
        }
    }

    /// A stored POST's validation tokens taken apart, each check shown, judged as at `at` (when
    /// the POST arrived). Nothing for a body without tokens, or with more than the checks read.
    pub async fn explain_tokens(
        &self,
        body: Vec<u8>,
        at: i64,
    ) -> Result<Vec<studio_receiver::validation_tokens::ExplainedToken>, CoreError> {
        let verifier = self.verifier();
        Ok(tokio::task::spawn_blocking(move || {
            let Ok((items, tokens)) = studio_receiver::verify::items(&body) else {
                return Vec::new();
            };
            // The tokens are for the rich items (all of one app and tenant): judge them by one.
            let subscription = items
                .iter()
                .find(|item| item.get("encryptedContent").is_some())
                .or_else(|| items.first())
                .and_then(|item| item.get("subscriptionId"))
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            let bounded = tokens.len() <= studio_receiver::checks::MAX_TOKENS
                && tokens
                    .iter()
                    .all(|t| t.len() <= studio_receiver::checks::MAX_TOKEN_BYTES);
            if !bounded {
                return Vec::new();
            }
            verifier.explain(subscription, &tokens, at)
        })
        .await?)
    }

    /// The forwarding and replay service.
    pub fn forwarder(&self) -> &Arc<Forwarder> {
        &self.forwarder
    }

    /// Where announcements go.
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// The app's store.
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

    /// Where the window or `listen` receives for this data folder, when one of them does, so a
    /// subscription made here (by `mcp`, a CLI command) can point at it instead of starting a
    /// rival receiver. An MCP server's receiver is not offered: it ends with the agent's session,
    /// and the subscriptions pointing at it would go quiet.
    pub fn receiving_elsewhere(&self) -> Option<holder::HolderUrls> {
        holder::current(&self.data_dir)
            .filter(|h| h.process != ProcessKind::Mcp)
            .and_then(|h| h.urls())
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
            ItemChecker::new(Arc::clone(&self.owned) as _).with_tokens(Arc::new(self.verifier()));
        let listener = Arc::new(Checked {
            store: Arc::clone(&self.store),
            owned: Arc::clone(&self.owned),
            signals: self.signals.clone(),
            forwarder: Arc::clone(&self.forwarder),
            announcer: self.announcer.clone(),
            clock: Arc::clone(&self.clock),
        });
        let queue = CheckQueue::start(&self.store, checker, listener)?;
        *self
            .check_waker
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(queue.waker());
        *checks = Some(queue);
        Ok(())
    }

    /// Starts (or restarts) the receiver and the tunnel. A tunnel that fails leaves the receiver
    /// listening locally; the failure comes back with the endpoints, with ngrok's code and a hint.
    pub async fn start(&self, config: ListenConfig) -> Result<ReceivingStarted, CoreError> {
        let mut listening = self.listening.lock().await;
        self.lease.take(&self.data_dir, self.options.process)?;
        if let Some(previous) = listening.take() {
            self.stop_listening(previous).await;
        }
        match self.open(config).await {
            Ok((now, tunnel_problem)) => {
                let endpoints = now.endpoints.clone();
                *listening = Some(now);
                self.lease.announce(self.options.process, Some(&endpoints));
                drop(listening);
                self.events.publish(CoreEvent::ReceiverChanged);
                tracing::info!(?endpoints, "receiving");
                Ok(ReceivingStarted {
                    endpoints,
                    tunnel_problem,
                })
            }
            Err(error) => {
                // Nothing listens: another process may receive for the folder instead.
                self.release().await;
                drop(listening);
                self.events.publish(CoreEvent::ReceiverChanged);
                Err(error)
            }
        }
    }

    /// Opens the receiver and the tunnel, and starts the checks.
    async fn open(
        &self,
        config: ListenConfig,
    ) -> Result<(Listening, Option<TunnelProblem>), CoreError> {
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
            delivery_rules: self.options.delivery_rules,
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
        let period = self
            .store
            .listening_started(self.clock.now_unix())
            .inspect_err(|error| tracing::warn!(%error, "the listening period was not recorded"))
            .ok();
        let mut tasks = vec![
            tokio::spawn(announce_tunnel(
                self.events.clone(),
                self.tunnel_status.subscribe(),
            )),
            tokio::spawn(delivery::announce_delivery(
                self.events.clone(),
                Arc::clone(receiver.delivery()),
                Arc::clone(&self.clock),
            )),
        ];
        if let Some(period) = period {
            tasks.push(tokio::spawn(listening::heartbeat(
                Arc::clone(&self.store),
                period,
                Arc::clone(receiver.delivery()),
                Arc::clone(&self.clock),
                self.options.downtime_gap_seconds,
                self.events.clone(),
            )));
        }
        Ok((
            Listening {
                receiver,
                tunnel,
                endpoints,
                tasks,
                period,
            },
            tunnel_problem,
        ))
    }

    /// Stops the tunnel and the receiver (requests in flight finish). This process stays the
    /// one that receives for the folder (its check queue may still be working) until
    /// [`Receiving::shutdown`].
    pub async fn stop(&self) {
        let mut listening = self.listening.lock().await;
        if let Some(previous) = listening.take() {
            self.stop_listening(previous).await;
            self.tunnel_status.send_replace(TunnelStatus::Off);
            self.lease.announce(self.options.process, None);
            self.events.publish(CoreEvent::ReceiverChanged);
        }
    }

    /// Stops everything and lets another process receive for the folder: the check queue ends
    /// its round first, so no reception is checked by two processes.
    pub async fn shutdown(&self) {
        self.stop_hub_readers().await;
        self.stop().await;
        let listening = self.listening.lock().await;
        self.release().await;
        drop(listening);
    }

    /// Ends the check queue (waiting for its round) and gives up the folder's lease.
    async fn release(&self) {
        let queue = self
            .checks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(queue) = queue
            && tokio::task::spawn_blocking(move || queue.stop())
                .await
                .is_err()
        {
            tracing::error!("the check queue did not stop cleanly");
        }
        self.lease.release();
    }
}

impl Receiving {
    /// Closes the tunnel and the receiver, and records when listening ended.
    async fn stop_listening(&self, listening: Listening) {
        if let Some(tunnel) = listening.tunnel {
            tunnel.close().await;
        }
        listening.receiver.shutdown().await;
        for task in listening.tasks {
            task.abort();
        }
        if let Some(period) = listening.period
            && let Err(error) = self.store.listening_stopped(period, self.clock.now_unix())
        {
            tracing::warn!(%error, "the end of the listening period was not recorded");
        }
    }
}

/// Tells the window each time the tunnel's state changes (connecting, online, reconnecting).
async fn announce_tunnel(events: EventBus, mut tunnel: watch::Receiver<TunnelStatus>) {
    while tunnel.changed().await.is_ok() {
        events.publish(CoreEvent::ReceiverChanged);
    }
}
