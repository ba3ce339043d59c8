//! The notification pipeline as the app runs it: the receiver (stored before acknowledged), the
//! tunnel that makes it public, the checks after each 202 (clientState, duplicates, lifecycle,
//! decryption, validation tokens), forwarding, and the events that tell the window something
//! arrived. Subscriptions the app creates, their renewal and lifecycle handling live in
//! [`create`] and [`renewal`]; reading what arrived in [`inspect`].
//!
//! One `Pipeline` per process. `start` is idempotent: starting again (new port, new tunnel)
//! stops the previous receiver and tunnel first, and subscriptions whose URL changed are moved by
//! the renewal service.

pub mod certificates;
pub mod create;
pub mod forward;
pub mod inspect;
pub mod known;
pub mod renewal;
pub mod tokens;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use studio_identity::Sensitive;
use studio_identity::secrets::SecretStore;
use studio_receiver::process::{AfterCommit, ItemRecorder};
use studio_receiver::{ReceiverConfig, RunningReceiver};
use studio_store::{GroupCommit, ReceptionKind, Store};
use studio_tunnel::{OpenTunnel, TunnelChoice, TunnelRequest, TunnelStatus};
use tokio::sync::{Mutex, mpsc, watch};
use ts_rs::TS;

use crate::error::{ErrorCode, IpcError};
use crate::events::{CoreEvent, EventBus};
use certificates::Certificates;
use forward::Forwarder;
use known::KnownSubscriptions;

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
    /// Largest body accepted.
    pub max_body: usize,
    /// The public URL provider.
    pub tunnel: TunnelChoice,
    /// Where the ngrok agent connects (`None`: ngrok's service).
    pub ngrok_server: Option<String>,
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
    /// `none`, `url` or `ngrok`.
    pub tunnel: String,
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

struct Live {
    receiver: RunningReceiver,
    tunnel: Option<OpenTunnel>,
    endpoints: Endpoints,
    ticker: tokio::task::JoinHandle<()>,
}

/// A lifecycle notification for one of the app's subscriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleSignal {
    /// The subscription.
    pub subscription_id: String,
    /// `reauthorizationRequired`, `subscriptionRemoved` or `missed`.
    pub event: String,
}

/// The running pipeline.
pub struct Pipeline {
    store: Arc<Store>,
    secrets: Arc<dyn SecretStore>,
    events: EventBus,
    known: Arc<KnownSubscriptions>,
    certificates: Certificates,
    key_cache: Arc<tokens::KeyCache>,
    writer: GroupCommit,
    forwarder: Arc<Forwarder>,
    live: Mutex<Option<Live>>,
    tunnel_status: watch::Sender<TunnelStatus>,
    newest: Arc<AtomicI64>,
    /// Counts receptions whose items were checked and kept (after their 202).
    checked: Arc<AtomicI64>,
    signals: mpsc::UnboundedSender<LifecycleSignal>,
    signals_out: std::sync::Mutex<Option<mpsc::UnboundedReceiver<LifecycleSignal>>>,
    sandbox: std::sync::RwLock<Option<Arc<crate::accounts::sandbox::Sandbox>>>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline").finish_non_exhaustive()
    }
}

impl Pipeline {
    /// The pipeline over the app's store and secret store (nothing listens until `start`).
    pub fn new(store: Arc<Store>, secrets: Arc<dyn SecretStore>, events: EventBus) -> Pipeline {
        let known = Arc::new(KnownSubscriptions::new(
            Arc::clone(&store),
            Arc::clone(&secrets),
        ));
        let (signals, signals_out) = mpsc::unbounded_channel();
        let newest = store.newest_reception_id().unwrap_or(0);
        Pipeline {
            certificates: Certificates::new(
                Arc::clone(&store),
                Arc::clone(&secrets),
                Arc::clone(&known),
            ),
            writer: GroupCommit::start(Arc::clone(&store)),
            forwarder: Arc::new(Forwarder::new(Arc::clone(&store))),
            key_cache: Arc::default(),
            live: Mutex::new(None),
            sandbox: std::sync::RwLock::new(None),
            tunnel_status: watch::channel(TunnelStatus::Off).0,
            newest: Arc::new(AtomicI64::new(newest)),
            checked: Arc::default(),
            signals_out: std::sync::Mutex::new(Some(signals_out)),
            signals,
            store,
            secrets,
            events,
            known,
        }
    }

    /// The in-process sandbox, whose authority signs the sandbox's validation tokens.
    pub fn set_sandbox(&self, sandbox: Arc<crate::accounts::sandbox::Sandbox>) {
        *self
            .sandbox
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(sandbox);
    }

    /// The certificates service.
    pub fn certificates(&self) -> &Certificates {
        &self.certificates
    }

    /// The app's own subscriptions as the checks see them.
    pub fn known(&self) -> &Arc<KnownSubscriptions> {
        &self.known
    }

    /// The forwarding and replay service.
    pub fn forwarder(&self) -> &Arc<Forwarder> {
        &self.forwarder
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Lifecycle notifications as they arrive (taken once, by the renewal service).
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
        self.live.lock().await.as_ref().map(|l| l.endpoints.clone())
    }

    /// The newest reception's id.
    pub fn newest(&self) -> i64 {
        self.newest.load(Ordering::Relaxed)
    }

    /// The ngrok authtoken: the keyring's, else `NGROK_AUTHTOKEN`.
    pub fn ngrok_authtoken(&self) -> Option<Sensitive<String>> {
        match self.secrets.get(NGROK_AUTHTOKEN_SECRET) {
            Ok(Some(token)) if !token.is_empty() => Some(token),
            _ => std::env::var("NGROK_AUTHTOKEN")
                .ok()
                .filter(|t| !t.trim().is_empty())
                .map(|t| Sensitive::new(t.trim().to_owned())),
        }
    }

    /// Saves (or with an empty value, removes) the ngrok authtoken in the keyring.
    pub fn set_ngrok_authtoken(&self, token: &Sensitive<String>) -> Result<(), IpcError> {
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

    fn secret(&self) -> Result<String, IpcError> {
        if let Some(secret) = self.store.preference(SECRET_PREFERENCE)? {
            return Ok(secret);
        }
        let secret = studio_receiver::new_secret();
        self.store
            .set_preference(SECRET_PREFERENCE, Some(&secret))?;
        Ok(secret)
    }

    /// Starts (or restarts) the receiver and the tunnel.
    pub async fn start(&self, config: ListenConfig) -> Result<Endpoints, IpcError> {
        let mut live = self.live.lock().await;
        if let Some(previous) = live.take() {
            stop_live(previous).await;
        }
        let runtime = tokio::runtime::Handle::current();
        let recorder = ItemRecorder::new(
            Arc::clone(&self.store),
            Arc::clone(&self.known) as Arc<dyn studio_receiver::process::Subscriptions>,
        )
        .with_tokens(Arc::new(tokens::Tokens {
            store: Arc::clone(&self.store),
            known: Arc::clone(&self.known),
            cache: Arc::clone(&self.key_cache),
            runtime: runtime.clone(),
            sandbox: self
                .sandbox
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
        }));
        self.forwarder.set_target(config.forward_to.clone());
        let after = Arc::new(AfterStored {
            items: recorder,
            store: Arc::clone(&self.store),
            signals: self.signals.clone(),
            forwarder: Arc::clone(&self.forwarder),
            checked: Arc::clone(&self.checked),
            runtime,
        });
        let receiver_config = ReceiverConfig {
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], config.port)),
            secret: self.secret()?,
            max_body: config.max_body,
            ..ReceiverConfig::default()
        };
        let mut receiver = studio_receiver::start_with(
            receiver_config,
            Arc::new(self.writer.clone()),
            Some(after as Arc<dyn AfterCommit>),
        )
        .await
        .map_err(|e| {
            IpcError::new(ErrorCode::InvalidInput, e.to_string()).with_hint(
                "Another program uses that port. Choose another in Settings → Receiver, or 0 for a free one.",
            )
        })?;
        let request = TunnelRequest {
            authtoken: matches!(config.tunnel, TunnelChoice::Ngrok { .. })
                .then(|| self.ngrok_authtoken())
                .flatten(),
            choice: config.tunnel.clone(),
            ngrok_server: config.ngrok_server.clone(),
        };
        // A tunnel that fails leaves the receiver listening locally (the sandbox still delivers);
        // the failure is reported, with ngrok's code and a hint, after the receiver is in place.
        let (mut tunnel, problem) = match studio_tunnel::open(request, self.tunnel_status.clone())
            .await
        {
            Ok(tunnel) => (Some(tunnel), None),
            Err(error) => {
                let hint = match error.status() {
                    TunnelStatus::Failed { hint, .. } => hint,
                    _ => String::new(),
                };
                let failure = IpcError::new(
                    ErrorCode::Network,
                    format!(
                        "The tunnel did not open: {error}. The receiver keeps listening on this computer (the sandbox still delivers)."
                    ),
                );
                (
                    None,
                    Some(if hint.is_empty() {
                        failure
                    } else {
                        failure.with_hint(hint)
                    }),
                )
            }
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
            tunnel: match config.tunnel {
                TunnelChoice::None => "none",
                TunnelChoice::Url { .. } => "url",
                TunnelChoice::Ngrok { .. } => "ngrok",
            }
            .into(),
            forward_to: config.forward_to,
        };
        let ticker = tokio::spawn(announce(
            Arc::clone(&self.store),
            Arc::clone(&self.newest),
            Arc::clone(&self.checked),
            self.events.clone(),
            self.tunnel_status.subscribe(),
        ));
        *live = Some(Live {
            receiver,
            tunnel,
            endpoints: endpoints.clone(),
            ticker,
        });
        drop(live);
        self.events.publish(CoreEvent::ReceiverChanged);
        tracing::info!(?endpoints, "receiving");
        match problem {
            Some(problem) => Err(problem),
            None => Ok(endpoints),
        }
    }

    /// Stops the tunnel and the receiver (requests in flight finish).
    pub async fn stop(&self) {
        if let Some(previous) = self.live.lock().await.take() {
            stop_live(previous).await;
            self.tunnel_status.send_replace(TunnelStatus::Off);
            self.events.publish(CoreEvent::ReceiverChanged);
        }
    }
}

async fn stop_live(live: Live) {
    live.ticker.abort();
    if let Some(tunnel) = live.tunnel {
        tunnel.close().await;
    }
    live.receiver.shutdown().await;
}

/// Tells the window when something arrived or was checked (at most four times a second, however
/// many arrive: a reception is listed at once, its items a moment later, after the 202) and when
/// the tunnel's state changes.
async fn announce(
    store: Arc<Store>,
    newest: Arc<AtomicI64>,
    checked: Arc<AtomicI64>,
    events: EventBus,
    mut tunnel: watch::Receiver<TunnelStatus>,
) {
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let mut announced_checks = checked.load(Ordering::Relaxed);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let store = Arc::clone(&store);
                let latest = tokio::task::spawn_blocking(move || store.newest_reception_id())
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or(0);
                let checks = checked.load(Ordering::Relaxed);
                let arrived = latest > newest.swap(latest, Ordering::Relaxed);
                if arrived || checks != announced_checks {
                    announced_checks = checks;
                    events.publish(CoreEvent::ReceptionsArrived { newest_id: latest });
                }
            }
            changed = tunnel.changed() => {
                if changed.is_err() {
                    // The tunnel is gone; keep announcing receptions.
                    tunnel = watch::channel(TunnelStatus::Off).1;
                    continue;
                }
                events.publish(CoreEvent::ReceiverChanged);
            }
        }
    }
}

/// What runs after each stored notification: its checked items, lifecycle signals, forwarding.
struct AfterStored {
    items: ItemRecorder,
    store: Arc<Store>,
    signals: mpsc::UnboundedSender<LifecycleSignal>,
    forwarder: Arc<Forwarder>,
    checked: Arc<AtomicI64>,
    runtime: tokio::runtime::Handle,
}

impl AfterCommit for AfterStored {
    fn stored(&self, id: i64, kind: ReceptionKind, body: studio_receiver::process::Bytes) {
        if self.forwarder.target().is_some() {
            let forwarder = Arc::clone(&self.forwarder);
            let body = body.clone();
            self.runtime
                .spawn(async move { forwarder.forward(id, body.to_vec()).await });
        }
        let items = match self.items.read(&body) {
            Ok(items) => items,
            Err(why) => {
                // Acknowledged (Graph must not retry garbage forever), kept, and now explained.
                if let Err(error) = self.store.set_reception_reason(id, &why) {
                    tracing::warn!(%error, reception = id, "the reason could not be kept");
                }
                self.checked.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        if let Err(error) = self.store.insert_items(id, &items) {
            tracing::warn!(%error, reception = id, "the items of a notification could not be kept");
        }
        self.checked.fetch_add(1, Ordering::Relaxed);
        if kind == ReceptionKind::Lifecycle {
            for item in items {
                if let (Some(subscription_id), Some(event)) =
                    (item.subscription_id, item.lifecycle_event)
                {
                    let _ = self.signals.send(LifecycleSignal {
                        subscription_id,
                        event,
                    });
                }
            }
        }
    }
}
