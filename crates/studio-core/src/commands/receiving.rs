//! The Inspector's commands: the receiver and its tunnel (start, stop, status, the ngrok
//! authtoken), what arrived (list, one whole, replay, export), and the background work a running
//! app does (upkeep of its subscriptions, lifecycle notifications, retention).

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use studio_primitives::Sensitive;
use studio_tunnel::{TunnelChoice, TunnelStatus};
use ts_rs::TS;

use crate::error::CoreError;
use crate::events::CoreEvent;
use crate::receiving::export::{self, ExportDone, ExportRequest};
use crate::receiving::reading::{
    self, ForwardView, ItemView, ReceptionDetail, ReceptionLine, ReceptionRef, ReceptionsRequest,
};
use crate::receiving::{Endpoints, ListenConfig, ReceivingStarted};
use crate::settings::{Settings, TunnelKind};
use crate::studio::Studio;
use crate::subscriptions::upkeep;

/// `receiver_status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReceiverView {
    /// Where it answers, when running.
    pub endpoints: Option<Endpoints>,
    /// The tunnel.
    pub tunnel: TunnelStatus,
    /// An ngrok authtoken is saved (or the environment has one).
    pub ngrok_authtoken_saved: bool,
    /// The newest reception's id.
    #[ts(type = "number")]
    pub newest_id: i64,
    /// How the acknowledgements of the last 10 minutes look by Graph's rules (when this process
    /// receives).
    pub delivery: Option<studio_receiver::health::DeliveryHealth>,
}

/// A secret typed by the user (never echoed back).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretInput {
    /// The value; empty removes it.
    #[ts(type = "string")]
    pub value: Sensitive<String>,
}

/// The listen configuration the settings describe.
pub fn listen_config(settings: &Settings) -> ListenConfig {
    ListenConfig {
        port: settings.receiver_port,
        limits: studio_receiver::Limits {
            max_body: usize::try_from(settings.max_body_mib)
                .unwrap_or(4)
                .saturating_mul(1024 * 1024),
            header_timeout: Duration::from_secs(u64::from(settings.header_timeout_seconds)),
            max_connections: usize::try_from(settings.max_connections).unwrap_or(256),
            max_header_bytes: usize::try_from(settings.max_header_kib)
                .unwrap_or(16)
                .saturating_mul(1024),
            recorded_refusals_per_second: settings.recorded_refusals_per_second,
            ..studio_receiver::Limits::default()
        },
        tunnel: match settings.tunnel {
            TunnelKind::None => TunnelChoice::None,
            TunnelKind::Url => TunnelChoice::Url {
                url: settings.tunnel_url.clone(),
            },
            TunnelKind::Ngrok => TunnelChoice::Ngrok {
                domain: Some(settings.ngrok_domain.clone()).filter(|d| !d.is_empty()),
            },
        },
        forward_to: Some(settings.forward_to.clone()).filter(|f| !f.is_empty()),
    }
}

impl Studio {
    /// `receiver_status`
    pub async fn receiver_status(&self, (): ()) -> Result<ReceiverView, CoreError> {
        let endpoints = self.receiving().endpoints().await;
        // This process's writer knows the newest reception only while it receives; otherwise
        // another process (the window) may be storing them: the store says.
        let newest_id = if endpoints.is_some() {
            self.receiving().newest()
        } else {
            let store = Arc::clone(self.store());
            tokio::task::spawn_blocking(move || store.newest_reception_id())
                .await??
                .max(self.receiving().newest())
        };
        Ok(ReceiverView {
            endpoints,
            tunnel: self.receiving().tunnel_status(),
            ngrok_authtoken_saved: self.receiving().ngrok_authtoken().is_some(),
            newest_id,
            delivery: self.receiving().delivery_health().await,
        })
    }

    /// `receiver_start`: starts (or restarts) with the settings; moves the app's subscriptions
    /// when the public URL changed.
    pub async fn receiver_start(&self, (): ()) -> Result<ReceivingStarted, CoreError> {
        self.start_receiving(listen_config(&self.settings_now()))
            .await
    }

    /// Starts with an explicit configuration (the CLI's `listen` flags).
    pub async fn start_receiving(
        &self,
        config: ListenConfig,
    ) -> Result<ReceivingStarted, CoreError> {
        let started = self.receiving().start(config).await?;
        // Gaps first (a recreated subscription takes its gaps along): downtime since the last
        // listening period, and subscriptions whose URL is no longer this receiver's.
        let moving = upkeep::to_move(self.accounts(), self.store(), &started.endpoints)?;
        let opened = crate::gaps::after_start(
            self.store(),
            &moving,
            self.options().downtime_gap_seconds,
            self.clock().now_unix(),
        )?;
        if !opened.is_empty() {
            tracing::info!(count = opened.len(), "gaps opened at start");
        }
        // Subscriptions follow the receiver only to URLs their service can reach: a tunnel that
        // failed leaves Microsoft's where they were (see `upkeep::move_all`).
        let moved = upkeep::move_all(
            &self.upkeep_context(),
            &started.endpoints,
            self.clock().now_unix(),
        )
        .await?;
        if !moved.is_empty() {
            tracing::info!(count = moved.len(), "subscriptions moved to the new URL");
        }
        self.announce_status().await;
        Ok(started)
    }

    /// `receiver_stop`
    pub async fn receiver_stop(&self, (): ()) -> Result<(), CoreError> {
        self.receiving().stop().await;
        self.announce_status().await;
        Ok(())
    }

    /// `ngrok_authtoken_set`: saves the authtoken in the keyring (empty removes it).
    pub async fn ngrok_authtoken_set(&self, input: SecretInput) -> Result<(), CoreError> {
        self.receiving().set_ngrok_authtoken(&input.value)?;
        self.events().publish(CoreEvent::ReceiverChanged);
        Ok(())
    }

    /// `receptions_list`
    pub async fn receptions_list(
        &self,
        request: ReceptionsRequest,
    ) -> Result<Vec<ReceptionLine>, CoreError> {
        let store = Arc::clone(self.store());
        tokio::task::spawn_blocking(move || reading::list(&store, &request)).await?
    }

    /// `reception_get`
    pub async fn reception_get(&self, request: ReceptionRef) -> Result<ReceptionDetail, CoreError> {
        let store = Arc::clone(self.store());
        let (detail, _) =
            tokio::task::spawn_blocking(move || reading::detail(&store, request.id)).await??;
        Ok(detail)
    }

    /// `reception_tokens`: a notification or lifecycle POST's validation tokens taken apart,
    /// each check made again (the keys may be fetched), the lifetime as at arrival.
    pub async fn reception_tokens(
        &self,
        request: ReceptionRef,
    ) -> Result<Vec<studio_receiver::validation_tokens::ExplainedToken>, CoreError> {
        let store = Arc::clone(self.store());
        let (detail, body) =
            tokio::task::spawn_blocking(move || reading::detail(&store, request.id)).await??;
        if detail.token_count == 0 {
            return Ok(Vec::new());
        }
        let at = studio_primitives::clock::unix_of(&detail.summary.received_at);
        self.receiving().explain_tokens(body, at).await
    }

    /// `receptions_count`
    pub async fn receptions_count(
        &self,
        request: ReceptionsRequest,
    ) -> Result<reading::ReceptionCount, CoreError> {
        let store = Arc::clone(self.store());
        tokio::task::spawn_blocking(move || reading::count(&store, &request)).await?
    }

    /// `reception_items`
    pub async fn reception_items(&self, request: ReceptionRef) -> Result<Vec<ItemView>, CoreError> {
        let store = Arc::clone(self.store());
        tokio::task::spawn_blocking(move || reading::items(&store, request.id)).await?
    }

    /// `reception_replay`: re-POSTs a stored reception (or an edit of its body) to a URL.
    pub async fn reception_replay(&self, request: ReceptionRef) -> Result<ForwardView, CoreError> {
        let url = self.replay_target(&request)?;
        Ok(self
            .receiving()
            .forwarder()
            .replay(request.id, &url, request.body)
            .await?
            .into())
    }

    /// `reception_curl`: the request `reception_replay` would send, as a shell command.
    pub async fn reception_curl(&self, request: ReceptionRef) -> Result<String, CoreError> {
        let url = self.replay_target(&request)?;
        Ok(self
            .receiving()
            .forwarder()
            .replay_request(request.id, &url, request.body)
            .await?
            .to_curl())
    }

    fn replay_target(&self, request: &ReceptionRef) -> Result<String, CoreError> {
        request
            .url
            .clone()
            .or_else(|| self.receiving().forwarder().target())
            .ok_or_else(|| {
                CoreError::refused("Replay needs a URL.").with_hint(
                    "Type where to send it, e.g. http://localhost:3000/api/notifications.",
                )
            })
    }

    /// `receptions_export`: writes what the filter holds as NDJSON or HAR, into the exports
    /// folder or where the user picks in the save dialog; answers where and how many.
    pub async fn receptions_export(&self, request: ExportRequest) -> Result<ExportDone, CoreError> {
        let suggested = export::export_path(
            &self.paths().exports_dir(),
            &request,
            &self.clock().now_rfc3339(),
        )?;
        let (path, private_folder) = if request.ask {
            let name = suggested
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let kind = export::file_kind(request.format);
            match self
                .save_dialog()
                .ask("Export receptions", &name, &kind)
                .await?
            {
                Some(chosen) => (
                    export::with_extension(chosen, request.format.extension()),
                    false,
                ),
                None => return Ok(ExportDone::Cancelled),
            }
        } else {
            (suggested, true)
        };
        let store = Arc::clone(self.store());
        let written = path.clone();
        let filter = request.filter();
        let count = tokio::task::spawn_blocking(move || {
            export::export(&store, &written, request.format, &filter, private_folder)
        })
        .await??;
        tracing::info!(path = %path.display(), count, "receptions exported");
        Ok(ExportDone::Written {
            path: path.display().to_string(),
            count,
        })
    }

    /// What the window's app does once open: the first-start sandbox, the receiver (with the
    /// settings' tunnel), then upkeep until the process ends. A receiver that cannot start is
    /// reported in the window (Inspector, status bar), not fatal.
    pub async fn launch(self: Arc<Self>) {
        self.first_start().await;
        match self.receiver_start(()).await {
            Ok(started) => {
                if let Some(problem) = started.tunnel_problem {
                    tracing::warn!(message = %problem.message, "the tunnel did not open");
                }
            }
            Err(error) => tracing::warn!(%error, "the receiver did not start"),
        }
        self.run_upkeep().await;
    }

    /// The background work of a running app: renewal every 30 s, lifecycle notifications as they
    /// arrive, retention every minute. Runs until the process ends.
    pub async fn run_upkeep(self: Arc<Self>) {
        let Some(mut signals) = self.receiving().take_signals() else {
            return;
        };
        let mut renew = tokio::time::interval(Duration::from_secs(30));
        let mut prune = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = renew.tick() => {
                    if let Err(error) = self.subscriptions_upkeep(()).await {
                        tracing::warn!(%error, "renewal pass failed");
                    }
                }
                _ = prune.tick() => self.prune_now().await,
                signal = signals.recv() => {
                    let Some(signal) = signal else { return };
                    upkeep::on_lifecycle(&self.upkeep_context(), &signal, self.clock().now_unix()).await;
                    self.events().publish(CoreEvent::ReceiverChanged);
                }
            }
        }
    }

    /// Prunes the oldest receptions beyond the retention settings.
    pub async fn prune_now(&self) {
        let settings = self.settings_now();
        let store = Arc::clone(self.store());
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
