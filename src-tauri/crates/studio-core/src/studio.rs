//! `Studio`: the running app's state and the use-cases behind every command.
//!
//! The GUI shell, the CLI and the tests all hold one `Studio` and call the same methods, so there
//! is exactly one implementation of each behaviour. Methods take `&self` and are safe to call from
//! many tasks at once.

use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::accounts::Accounts;
use crate::accounts::sandbox::Sandbox;
use crate::accounts::views::SecretStorage;
use crate::clock::{Clock, SystemClock};
use crate::error::{CoreError, IpcError};
use crate::events::{CoreEvent, EventBus};
use crate::links::{LinkOpener, SystemBrowser};
use crate::paths::AppPaths;
use crate::pipeline::Pipeline;
use crate::pipeline::renewal::RetryBook;
use crate::settings::{self, Settings, SettingsPatch, SettingsProblem};
use crate::status::{AccountStatus, AccountStatusKind, StatusSnapshot};
use studio_identity::AccountKind;
use studio_identity::flows::Browser;
use studio_identity::secrets::{KeyringStore, SecretStore, SessionStore};

/// The keyring service the app's secrets live under (tests point
/// `WEBHOOK_STUDIO_KEYRING_NAMESPACE` elsewhere).
pub const KEYRING_NAMESPACE: &str = "dev.graphwebhookstudio.app";

/// The secret store for a setting; `WEBHOOK_STUDIO_SECRETS=session` forces the session store
/// (tests, CI) and `WEBHOOK_STUDIO_KEYRING_NAMESPACE` moves keyring entries aside.
fn secret_store(setting: SecretStorage) -> (Arc<dyn SecretStore>, SecretStorage) {
    let forced = std::env::var("WEBHOOK_STUDIO_SECRETS").is_ok_and(|v| v == "session");
    if forced || setting == SecretStorage::Session {
        return (Arc::new(SessionStore::default()), SecretStorage::Session);
    }
    let namespace = std::env::var("WEBHOOK_STUDIO_KEYRING_NAMESPACE")
        .unwrap_or_else(|_| KEYRING_NAMESPACE.to_owned());
    (
        Arc::new(KeyringStore::new(namespace)),
        SecretStorage::Keyring,
    )
}

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

/// The product name as users see it.
pub const PRODUCT_NAME: &str = "Graph Webhook Studio";

/// The running app.
#[derive(Debug)]
pub struct Studio {
    paths: AppPaths,
    clock: Arc<dyn Clock>,
    settings: RwLock<Settings>,
    settings_problem: Option<SettingsProblem>,
    events: EventBus,
    link_opener: Arc<dyn LinkOpener>,
    store: Arc<studio_store::Store>,
    accounts: Accounts,
    pipeline: Pipeline,
    retries: RetryBook,
}

impl Studio {
    /// Opens the app's folders and settings with the real clock.
    pub fn open(paths: AppPaths) -> Result<Self, CoreError> {
        Self::open_with_clock(paths, Arc::new(SystemClock))
    }

    /// Opens the app with an injected clock (tests).
    pub fn open_with_clock(paths: AppPaths, clock: Arc<dyn Clock>) -> Result<Self, CoreError> {
        paths.create_all()?;
        let loaded = settings::load(&paths.settings_file(), clock.as_ref());
        let store = Arc::new(
            studio_store::Store::open(&paths.data_dir.join("studio.sqlite3"))
                .map_err(|e| CoreError::Store(e.to_string()))?,
        );
        let (secrets, storage) = secret_store(loaded.settings.secret_storage);
        let events = EventBus::default();
        let pipeline = Pipeline::new(Arc::clone(&store), Arc::clone(&secrets), events.clone());
        let accounts = Accounts::new(
            Arc::clone(&store),
            secrets,
            storage,
            Sandbox::new(paths.data_dir.join("sandbox.json")),
            events.clone(),
        );
        pipeline.set_sandbox(accounts.sandbox_shared());
        tracing::info!(data_dir = %paths.data_dir.display(), ?storage, "studio opened");
        Ok(Self {
            paths,
            clock,
            settings: RwLock::new(loaded.settings),
            settings_problem: loaded.problem,
            events,
            link_opener: Arc::new(SystemBrowser),
            store,
            accounts,
            pipeline,
            retries: RetryBook::default(),
        })
    }

    /// Replaces how links are opened (tests record them instead of starting a browser).
    pub fn with_link_opener(mut self, opener: Arc<dyn LinkOpener>) -> Self {
        self.link_opener = opener;
        self
    }

    /// Replaces the secret store (tests use memory) and the sign-in browser.
    pub fn with_accounts(
        mut self,
        secrets: Arc<dyn SecretStore>,
        browser: Arc<dyn Browser>,
    ) -> Self {
        let sandbox = Sandbox::new(self.paths.data_dir.join("sandbox.json"));
        self.pipeline = Pipeline::new(
            Arc::clone(&self.store),
            Arc::clone(&secrets),
            self.events.clone(),
        );
        self.accounts = Accounts::new(
            Arc::clone(&self.store),
            secrets,
            SecretStorage::Session,
            sandbox,
            self.events.clone(),
        )
        .with_browser(browser);
        self.pipeline.set_sandbox(self.accounts.sandbox_shared());
        self
    }

    /// The accounts service.
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// The notification pipeline.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// Renewal retries in progress.
    pub fn retries(&self) -> &RetryBook {
        &self.retries
    }

    /// The settings in effect now.
    pub fn settings_now(&self) -> Settings {
        self.current_settings()
    }

    /// The SQLite store.
    pub fn store(&self) -> &studio_store::Store {
        &self.store
    }

    /// How links are opened.
    pub fn link_opener(&self) -> &dyn LinkOpener {
        self.link_opener.as_ref()
    }

    /// The folders in use.
    pub fn paths(&self) -> &AppPaths {
        &self.paths
    }

    /// The injected clock.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The event bus; the shell forwards it to the window.
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// `app_info`: version, folders and start-up problems.
    pub async fn app_info(&self, (): ()) -> Result<AppInfo, IpcError> {
        Ok(AppInfo {
            product_name: PRODUCT_NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            platform: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            data_dir: self.paths.data_dir.display().to_string(),
            settings_file: self.paths.settings_file().display().to_string(),
            log_dir: self.paths.log_dir.display().to_string(),
            settings_problem: self.settings_problem.clone(),
        })
    }

    /// `status`: what the status bar shows.
    pub async fn status(&self, (): ()) -> Result<StatusSnapshot, IpcError> {
        let mut status = StatusSnapshot::idle();
        if let Some(account) = self.accounts.current()? {
            status.account = AccountStatus {
                kind: match account.kind {
                    AccountKind::Sandbox | AccountKind::SandboxApp => AccountStatusKind::Sandbox,
                    AccountKind::Application => AccountStatusKind::Application,
                    AccountKind::Work | AccountKind::Personal => AccountStatusKind::Delegated,
                },
                label: account.name,
            };
        }
        if let Some(endpoints) = self.pipeline.endpoints().await {
            status.receiver.state = crate::status::ServiceState::Running;
            status.receiver.local_url = Some(endpoints.local_notification_url.clone());
            status.tunnel.provider = endpoints.tunnel.clone();
        }
        let tunnel = self.pipeline.tunnel_status();
        status.tunnel.state = match &tunnel {
            studio_tunnel::TunnelStatus::Off => crate::status::ServiceState::Stopped,
            studio_tunnel::TunnelStatus::Connecting
            | studio_tunnel::TunnelStatus::Reconnecting { .. } => {
                crate::status::ServiceState::Starting
            }
            studio_tunnel::TunnelStatus::Online { .. } => crate::status::ServiceState::Running,
            studio_tunnel::TunnelStatus::Failed { .. } => crate::status::ServiceState::Failed,
        };
        if let studio_tunnel::TunnelStatus::Online { public_url } = tunnel {
            status.tunnel.public_url = Some(public_url);
        }
        Ok(status)
    }

    /// `settings_get`: the settings in effect.
    pub async fn settings_get(&self, (): ()) -> Result<Settings, IpcError> {
        Ok(self.current_settings())
    }

    /// `settings_update`: validates, saves atomically, then announces the change.
    pub async fn settings_update(&self, patch: SettingsPatch) -> Result<Settings, IpcError> {
        let mut guard = self
            .settings
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let next = guard.apply(&patch)?;
        settings::save(&self.paths.settings_file(), &next)?;
        *guard = next.clone();
        drop(guard);
        tracing::info!(?patch, "settings saved");
        self.events.publish(CoreEvent::SettingsChanged {
            settings: next.clone(),
        });
        Ok(next)
    }

    fn current_settings(&self) -> Settings {
        self.settings
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}
