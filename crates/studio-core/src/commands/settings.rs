//! Settings and the app's own state: version and folders, the status bar, the settings file.

use serde::{Deserialize, Serialize};
use studio_identity::AccountKind;
use studio_tunnel::TunnelStatus;
use ts_rs::TS;

use crate::error::CoreError;
use crate::events::CoreEvent;
use crate::settings::{self, Settings, SettingsPatch, SettingsProblem};
use crate::status::{AccountStatus, AccountStatusKind, ServiceState, StatusSnapshot};
use crate::studio::{PRODUCT_NAME, Studio};

/// Facts about this build and install, shown in Settings and used by the window at start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// "Graph Webhook Studio".
    pub product_name: String,
    /// The crate version, e.g. "0.1.0".
    pub version: String,
    /// Operating system and architecture, e.g. "linux x86_64".
    pub platform: String,
    /// Where durable data lives.
    pub data_dir: String,
    /// Where the settings file lives.
    pub settings_file: String,
    /// Where log files go.
    pub log_dir: String,
    /// Set when the settings file was bad at start and the defaults are in use.
    pub settings_problem: Option<SettingsProblem>,
}

impl Studio {
    /// `app_info`: version, folders and start-up problems.
    pub async fn app_info(&self, (): ()) -> Result<AppInfo, CoreError> {
        let paths = self.paths();
        Ok(AppInfo {
            product_name: PRODUCT_NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            platform: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            data_dir: paths.data_dir.display().to_string(),
            settings_file: paths.settings_file().display().to_string(),
            log_dir: paths.log_dir.display().to_string(),
            settings_problem: self.settings_problem().cloned(),
        })
    }

    /// `status`: what the status bar shows.
    pub async fn status(&self, (): ()) -> Result<StatusSnapshot, CoreError> {
        let mut status = StatusSnapshot::idle();
        if let Some(account) = self.accounts().current()? {
            status.account = AccountStatus {
                kind: match account.kind {
                    AccountKind::Sandbox | AccountKind::SandboxApp => AccountStatusKind::Sandbox,
                    AccountKind::Application => AccountStatusKind::Application,
                    AccountKind::Work | AccountKind::Personal => AccountStatusKind::Delegated,
                },
                label: account.name,
            };
        }
        if let Some(endpoints) = self.receiving().endpoints().await {
            status.receiver.state = ServiceState::Running;
            status.receiver.local_url = Some(endpoints.local_notification_url.clone());
            status.receiver.delivery = self.receiving().delivery_health().await.map(|h| h.state);
            status.tunnel.provider = endpoints.tunnel;
        }
        let tunnel = self.receiving().tunnel_status();
        status.tunnel.state = match &tunnel {
            TunnelStatus::Off => ServiceState::Stopped,
            TunnelStatus::Connecting | TunnelStatus::Reconnecting { .. } => ServiceState::Starting,
            TunnelStatus::Online { .. } => ServiceState::Running,
            TunnelStatus::Failed { .. } => ServiceState::Failed,
        };
        if let TunnelStatus::Online { public_url } = tunnel {
            status.tunnel.public_url = Some(public_url);
        }
        Ok(status)
    }

    /// `settings_get`: the settings in effect.
    pub async fn settings_get(&self, (): ()) -> Result<Settings, CoreError> {
        Ok(self.settings_now())
    }

    /// `settings_update`: validates, tries what can be tried (a new receiver port is bound
    /// first while the receiver runs), saves atomically, then announces the change. A refusal
    /// saves nothing and leaves the running receiver as it was.
    pub async fn settings_update(&self, patch: SettingsPatch) -> Result<Settings, CoreError> {
        let current = self.settings_now();
        let proposed = current.apply(&patch)?;
        if proposed.receiver_port != current.receiver_port
            && proposed.receiver_port != 0
            && let Some(endpoints) = self.receiving().endpoints().await
        {
            port_is_free(proposed.receiver_port, &endpoints.local_notification_url)?;
        }
        let next = {
            let mut guard = self.settings_lock();
            let next = guard.apply(&patch)?;
            settings::save(&self.paths().settings_file(), &next)?;
            *guard = next.clone();
            next
        };
        tracing::info!(?patch, "settings saved");
        self.events().publish(CoreEvent::SettingsChanged {
            settings: next.clone(),
        });
        Ok(next)
    }
}

/// Binds `port` on loopback and lets it go again: a port another program holds is refused before
/// anything is saved or restarted (the receiver binds the same address when it restarts).
fn port_is_free(port: u16, running_at: &str) -> Result<(), CoreError> {
    match std::net::TcpListener::bind(("127.0.0.1", port)) {
        Ok(listener) => {
            drop(listener);
            Ok(())
        }
        Err(error) => Err(CoreError::refused(format!(
            "Port {port} cannot be used ({error}): nothing was saved, and the receiver keeps running at {running_at}."
        ))
        .with_hint("Choose another port from 1024 to 65535, or 0 to pick a free one at each start.")),
    }
}
