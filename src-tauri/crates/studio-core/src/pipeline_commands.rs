//! The receiver, tunnel, Inspector, certificate and created-subscription commands, and the
//! background work a running app does (renewal, lifecycle handling, retention).

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use studio_identity::Sensitive;
use studio_store::{Forward, OwnedSubscription, ReceptionSummary, RenewalEntry};
use studio_tunnel::{TunnelChoice, TunnelStatus};
use ts_rs::TS;

use crate::error::{ErrorCode, IpcError};
use crate::events::CoreEvent;
use crate::pipeline::certificates::{CertificateExport, CertificateRequest, CertificateView};
use crate::pipeline::create::{
    self, CreateSubscriptionRequest, CreatedSubscription, PreflightReport,
};
use crate::pipeline::inspect::{
    self, ExportRequest, ReceptionDetail, ReceptionRef, ReceptionsRequest,
};
use crate::pipeline::{Endpoints, ListenConfig, renewal};
use crate::settings::{Settings, TunnelKind};
use crate::studio::Studio;

/// The tunnel as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TunnelView {
    /// `off`, `connecting`, `online`, `reconnecting`, `failed`.
    pub state: String,
    /// The public base URL when online.
    pub public_url: Option<String>,
    /// ngrok's error code on failure.
    pub code: Option<String>,
    /// What happened (failure, reconnect).
    pub message: Option<String>,
    /// What to do.
    pub hint: Option<String>,
}

impl From<TunnelStatus> for TunnelView {
    fn from(status: TunnelStatus) -> TunnelView {
        let mut view = TunnelView {
            state: String::new(),
            public_url: None,
            code: None,
            message: None,
            hint: None,
        };
        view.state = match status {
            TunnelStatus::Off => "off",
            TunnelStatus::Connecting => "connecting",
            TunnelStatus::Online { public_url } => {
                view.public_url = Some(public_url);
                "online"
            }
            TunnelStatus::Reconnecting { reason } => {
                view.message = Some(reason);
                "reconnecting"
            }
            TunnelStatus::Failed {
                code,
                message,
                hint,
            } => {
                view.code = code;
                view.message = Some(message);
                view.hint = Some(hint);
                "failed"
            }
        }
        .into();
        view
    }
}

/// `receiver_status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReceiverView {
    /// Where it answers, when running.
    pub endpoints: Option<Endpoints>,
    /// The tunnel.
    pub tunnel: TunnelView,
    /// An ngrok authtoken is saved (or `NGROK_AUTHTOKEN` is set).
    pub ngrok_authtoken_saved: bool,
    /// The newest reception's id.
    #[ts(type = "number")]
    pub newest_id: i64,
}

/// A secret typed by the user (never echoed back).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretInput {
    /// The value; empty removes it.
    #[ts(type = "string")]
    pub value: Sensitive<String>,
}

/// `owned_subscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OwnedView {
    /// Subscriptions this app created, newest first.
    pub items: Vec<OwnedSubscription>,
    /// The renewal history, newest first.
    pub history: Vec<RenewalEntry>,
}

/// Names a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateRef {
    /// Its id.
    pub id: String,
}

/// The listen configuration the settings describe.
pub fn listen_config(settings: &Settings) -> ListenConfig {
    ListenConfig {
        port: settings.receiver_port,
        max_body: usize::try_from(settings.max_body_mib)
            .unwrap_or(4)
            .saturating_mul(1024 * 1024),
        tunnel: match settings.tunnel {
            TunnelKind::None => TunnelChoice::None,
            TunnelKind::Url => TunnelChoice::Url {
                url: settings.tunnel_url.clone(),
            },
            TunnelKind::Ngrok => TunnelChoice::Ngrok {
                domain: Some(settings.ngrok_domain.clone()).filter(|d| !d.is_empty()),
            },
        },
        ngrok_server: std::env::var("WEBHOOK_STUDIO_NGROK_SERVER").ok(),
        forward_to: Some(settings.forward_to.clone()).filter(|f| !f.is_empty()),
    }
}

impl Studio {
    fn now(&self) -> i64 {
        self.clock().now_utc().unix_timestamp()
    }

    /// `receiver_status`
    pub async fn receiver_status(&self, (): ()) -> Result<ReceiverView, IpcError> {
        Ok(ReceiverView {
            endpoints: self.pipeline().endpoints().await,
            tunnel: self.pipeline().tunnel_status().into(),
            ngrok_authtoken_saved: self.pipeline().ngrok_authtoken().is_some(),
            newest_id: self.pipeline().newest(),
        })
    }

    /// `receiver_start`: starts (or restarts) with the settings; moves the app's subscriptions
    /// when the public URL changed.
    pub async fn receiver_start(&self, (): ()) -> Result<Endpoints, IpcError> {
        self.start_receiving(listen_config(&self.settings_now()))
            .await
    }

    /// Starts with an explicit configuration (the CLI's `listen` flags).
    pub async fn start_receiving(&self, config: ListenConfig) -> Result<Endpoints, IpcError> {
        let endpoints = self.pipeline().start(config).await?;
        let moved =
            renewal::move_all(self.accounts(), self.pipeline(), &endpoints, self.now()).await?;
        if !moved.is_empty() {
            tracing::info!(count = moved.len(), "subscriptions moved to the new URL");
        }
        Ok(endpoints)
    }

    /// `receiver_stop`
    pub async fn receiver_stop(&self, (): ()) -> Result<(), IpcError> {
        self.pipeline().stop().await;
        Ok(())
    }

    /// `ngrok_authtoken_set`: saves the authtoken in the keyring (empty removes it).
    pub async fn ngrok_authtoken_set(&self, input: SecretInput) -> Result<(), IpcError> {
        self.pipeline().set_ngrok_authtoken(&input.value)?;
        self.events().publish(CoreEvent::ReceiverChanged);
        Ok(())
    }

    /// `receptions_list`
    pub async fn receptions_list(
        &self,
        request: ReceptionsRequest,
    ) -> Result<Vec<ReceptionSummary>, IpcError> {
        let store = Arc::clone(self.pipeline().store());
        blocking(move || inspect::list(&store, &request)).await
    }

    /// `reception_get`
    pub async fn reception_get(&self, request: ReceptionRef) -> Result<ReceptionDetail, IpcError> {
        let store = Arc::clone(self.pipeline().store());
        blocking(move || inspect::detail(&store, request.id)).await
    }

    /// `reception_replay`: re-POSTs a stored reception to a URL.
    pub async fn reception_replay(&self, request: ReceptionRef) -> Result<Forward, IpcError> {
        let url = request
            .url
            .clone()
            .or_else(|| self.pipeline().forwarder().target())
            .ok_or_else(|| {
                IpcError::new(ErrorCode::InvalidInput, "Replay needs a URL.").with_hint(
                    "Type where to send it, e.g. http://localhost:3000/api/notifications.",
                )
            })?;
        self.pipeline().forwarder().replay(request.id, &url).await
    }

    /// `receptions_export`: writes NDJSON or HAR; answers how many receptions.
    pub async fn receptions_export(&self, request: ExportRequest) -> Result<u64, IpcError> {
        let store = Arc::clone(self.pipeline().store());
        blocking(move || inspect::export(&store, &request)).await
    }

    /// `subscription_create`
    pub async fn subscription_create(
        &self,
        request: CreateSubscriptionRequest,
    ) -> Result<CreatedSubscription, IpcError> {
        if self.pipeline().endpoints().await.is_none() {
            self.receiver_start(()).await?;
        }
        create::create(self.accounts(), self.pipeline(), &request, self.now()).await
    }

    /// `subscription_preflight`: plays Graph's validation request against the receiver's URL.
    pub async fn subscription_preflight(&self, (): ()) -> Result<PreflightReport, IpcError> {
        let endpoints = self.pipeline().endpoints().await.ok_or_else(|| {
            IpcError::new(ErrorCode::InvalidInput, "The receiver is not running.")
                .with_hint("Start receiving first.")
        })?;
        Ok(create::preflight(&endpoints.for_graph().0).await)
    }

    /// `owned_subscriptions`
    pub async fn owned_subscriptions(&self, (): ()) -> Result<OwnedView, IpcError> {
        let store = self.pipeline().store();
        Ok(OwnedView {
            items: store.owned()?,
            history: store.renewals(None, 200)?,
        })
    }

    /// `subscriptions_upkeep`: renews what is due now (the scheduler does this every 30 s).
    pub async fn subscriptions_upkeep(&self, (): ()) -> Result<Vec<RenewalEntry>, IpcError> {
        renewal::renew_due(self.accounts(), self.pipeline(), self.retries(), self.now()).await
    }

    /// `certificates_list`
    pub async fn certificates_list(&self, (): ()) -> Result<Vec<CertificateView>, IpcError> {
        self.pipeline().certificates().list()
    }

    /// `certificate_create`: makes a certificate; it becomes the one new subscriptions use.
    pub async fn certificate_create(
        &self,
        request: CertificateRequest,
    ) -> Result<CertificateView, IpcError> {
        self.pipeline()
            .certificates()
            .create(request.bits.unwrap_or(2048), self.now())
            .await
    }

    /// `certificate_export`: PEM or base64 DER.
    pub async fn certificate_export(&self, request: CertificateExport) -> Result<String, IpcError> {
        self.pipeline().certificates().export(&request)
    }

    /// `certificate_delete`
    pub async fn certificate_delete(&self, request: CertificateRef) -> Result<(), IpcError> {
        self.pipeline().certificates().delete(&request.id)
    }

    /// Forgets a subscription the app created once it was deleted.
    pub(crate) fn forget_owned(&self, id: &str) {
        if let Ok(Some(mut owned)) = self.pipeline().store().owned_one(id) {
            owned.state = "deleted".into();
            let _ = self.pipeline().store().put_owned(&owned);
            self.pipeline().known().reload();
            let _ = self.pipeline().certificates().prune_retired();
        }
    }

    /// What the window's app does once open: the first-start sandbox, the receiver (with the
    /// settings' tunnel), then upkeep until the process ends. A receiver that cannot start is
    /// reported in the window (Receiver screen, status bar), not fatal.
    pub async fn launch(self: Arc<Self>) {
        self.first_start().await;
        if let Err(error) = self.receiver_start(()).await {
            tracing::warn!(message = %error.message, "the receiver did not start");
        }
        self.run_upkeep().await;
    }

    /// The background work of a running app: renewal every 30 s, lifecycle notifications as they
    /// arrive, retention every minute. Runs until the process ends.
    pub async fn run_upkeep(self: Arc<Self>) {
        let Some(mut signals) = self.pipeline().take_signals() else {
            return;
        };
        let mut renew = tokio::time::interval(Duration::from_secs(30));
        let mut prune = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = renew.tick() => {
                    if let Err(error) = self.subscriptions_upkeep(()).await {
                        tracing::warn!(message = %error.message, "renewal pass failed");
                    }
                }
                _ = prune.tick() => self.prune_now().await,
                signal = signals.recv() => {
                    let Some(signal) = signal else { return };
                    renewal::on_lifecycle(self.accounts(), self.pipeline(), self.retries(), &signal, self.now()).await;
                    self.events().publish(CoreEvent::ReceiverChanged);
                }
            }
        }
    }

    /// Prunes the oldest receptions beyond the retention settings.
    pub async fn prune_now(&self) {
        let settings = self.settings_now();
        let store = Arc::clone(self.pipeline().store());
        let count = u64::from(settings.retention_max_receptions);
        let bytes = u64::from(settings.retention_max_mib) * 1024 * 1024;
        match tokio::task::spawn_blocking(move || store.prune(count, bytes)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(removed)) => tracing::info!(removed, "old receptions pruned"),
            Ok(Err(error)) => tracing::warn!(%error, "pruning failed"),
            Err(error) => tracing::warn!(%error, "pruning stopped"),
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?
}
