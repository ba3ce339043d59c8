//! `Studio`: the running app's state, assembled once from its injected parts.
//!
//! The GUI shell, the CLI and the tests all hold one `Studio` and call the same command methods
//! (`crate::commands`), so there is exactly one implementation of each behaviour. Methods take
//! `&self` and are safe to call from many tasks at once.
//!
//! Everything the outside world decides is injected here and nowhere else: the folders
//! ([`AppPaths`]), what the environment said ([`Options`]), the clock, the secret store, the
//! sign-in browser and the link opener.

use std::sync::{Arc, RwLock, RwLockWriteGuard};

use studio_identity::flows::Browser;
use studio_identity::secrets::{KeyringStore, SecretStore, SessionStore};
use studio_primitives::{Clock, SystemClock};
use studio_store::Store;

use crate::accounts::sandbox::Sandbox;
use crate::accounts::views::SecretStorage;
use crate::accounts::{Accounts, AccountsParts, SystemBrowser};
use crate::certificates::Certificates;
use crate::error::CoreError;
use crate::events::EventBus;
use crate::http_log::HttpLog;
use crate::links::{LinkOpener, SystemLinks};
use crate::notices::{DesktopNotifier, NoDesktop};
use crate::options::Options;
use crate::paths::AppPaths;
use crate::receiving::{Receiving, ReceivingParts};
use crate::save_dialog::{NoSaveDialog, SaveDialog};
use crate::settings::{self, Settings, SettingsProblem};
use crate::subscriptions::upkeep::{RetryBook, UpkeepContext};
use crate::updates::{NoUpdater, Updater};

/// The product name as users see it.
pub const PRODUCT_NAME: &str = "Graph Webhook Studio";

/// The running app.
#[derive(Debug)]
pub struct Studio {
    paths: AppPaths,
    options: Options,
    clock: Arc<dyn Clock>,
    settings: RwLock<Settings>,
    settings_problem: Option<SettingsProblem>,
    events: EventBus,
    link_opener: Arc<dyn LinkOpener>,
    store: Arc<Store>,
    accounts: Accounts,
    receiving: Receiving,
    certificates: Certificates,
    retries: RetryBook,
    updater: Arc<dyn Updater>,
    save_dialog: Arc<dyn SaveDialog>,
    desktop: Arc<dyn DesktopNotifier>,
    /// The newest version the last look found (for a window that opens after it was announced).
    pub(crate) announced_update: std::sync::Mutex<Option<crate::updates::UpdateOffer>>,
}

/// Assembles a [`Studio`]; every part has the real default.
pub struct StudioBuilder {
    paths: AppPaths,
    options: Options,
    clock: Arc<dyn Clock>,
    secrets: Option<Arc<dyn SecretStore>>,
    browser: Arc<dyn Browser>,
    link_opener: Arc<dyn LinkOpener>,
    updater: Arc<dyn Updater>,
    save_dialog: Arc<dyn SaveDialog>,
    desktop: Arc<dyn DesktopNotifier>,
}

impl std::fmt::Debug for StudioBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StudioBuilder")
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

impl StudioBuilder {
    /// What the environment decided (the shell and the CLI read it).
    pub fn options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    /// The clock (tests pin or move it).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The secret store (tests keep secrets in memory); by default the settings and options
    /// choose the OS keyring or this session's memory.
    pub fn secrets(mut self, secrets: Arc<dyn SecretStore>) -> Self {
        self.secrets = Some(secrets);
        self
    }

    /// How delegated sign-in opens its page (tests answer it themselves).
    pub fn browser(mut self, browser: Arc<dyn Browser>) -> Self {
        self.browser = browser;
        self
    }

    /// How documentation links are opened (tests record them).
    pub fn link_opener(mut self, opener: Arc<dyn LinkOpener>) -> Self {
        self.link_opener = opener;
        self
    }

    /// How the app updates itself (the desktop shell's; none by default).
    pub fn updater(mut self, updater: Arc<dyn Updater>) -> Self {
        self.updater = updater;
        self
    }

    /// How the user picks where a file goes (the desktop shell's save dialog; none by default).
    pub fn save_dialog(mut self, dialog: Arc<dyn SaveDialog>) -> Self {
        self.save_dialog = dialog;
        self
    }

    /// Who shows desktop notifications (the desktop shell's; none by default).
    pub fn desktop(mut self, desktop: Arc<dyn DesktopNotifier>) -> Self {
        self.desktop = desktop;
        self
    }

    /// Opens the folders, the settings and the store, and assembles the services.
    pub fn open(self) -> Result<Studio, CoreError> {
        let StudioBuilder {
            paths,
            options,
            clock,
            secrets,
            browser,
            link_opener,
            updater,
            save_dialog,
            desktop,
        } = self;
        paths.create_all()?;
        let loaded = settings::load(&paths.settings_file(), clock.as_ref());
        let store = Arc::new(Store::open(&paths.data_dir.join("studio.sqlite3"))?);
        let (secrets, storage) = match secrets {
            Some(secrets) => (secrets, SecretStorage::Session),
            None => secret_store(loaded.settings.secret_storage, &options),
        };
        let events = EventBus::default();
        let sandbox = Arc::new(Sandbox::new(paths.data_dir.join("sandbox.json")));
        let receiving = Receiving::new(ReceivingParts {
            store: Arc::clone(&store),
            secrets: Arc::clone(&secrets),
            events: events.clone(),
            clock: Arc::clone(&clock),
            options: options.clone(),
            sandbox: Arc::clone(&sandbox),
            data_dir: paths.data_dir.clone(),
        })?;
        {
            let (store, secrets) = (Arc::clone(&store), Arc::clone(&secrets));
            sandbox.set_hub_brokers(Box::new(move || {
                crate::receiving::event_hubs::sandbox_brokers(&store, secrets.as_ref())
            }));
        }
        let certificates = Certificates::new(
            Arc::clone(&store),
            Arc::clone(&secrets),
            Arc::clone(receiving.owned()),
        );
        let accounts = Accounts::new(AccountsParts {
            http_log: Arc::new(HttpLog::new(Arc::clone(&store), events.clone())),
            store: Arc::clone(&store),
            secrets,
            storage,
            sandbox,
            browser,
            events: events.clone(),
            clock: Arc::clone(&clock),
            locks: paths.data_dir.join("locks"),
        });
        tracing::info!(data_dir = %paths.data_dir.display(), ?storage, "studio opened");
        Ok(Studio {
            paths,
            options,
            clock,
            settings: RwLock::new(loaded.settings),
            settings_problem: loaded.problem,
            events,
            link_opener,
            store,
            accounts,
            receiving,
            certificates,
            retries: RetryBook::default(),
            updater,
            save_dialog,
            desktop,
            announced_update: std::sync::Mutex::new(None),
        })
    }
}

/// The secret store the settings and options choose.
fn secret_store(
    setting: SecretStorage,
    options: &Options,
) -> (Arc<dyn SecretStore>, SecretStorage) {
    if options.session_secrets_only || setting == SecretStorage::Session {
        return (Arc::new(SessionStore::default()), SecretStorage::Session);
    }
    (
        Arc::new(KeyringStore::new(options.keyring_namespace.clone())),
        SecretStorage::Keyring,
    )
}

impl Studio {
    /// A builder with the real parts: the wall clock, the OS keyring (unless the settings or
    /// options say otherwise), the system browser.
    pub fn builder(paths: AppPaths) -> StudioBuilder {
        StudioBuilder {
            paths,
            options: Options::default(),
            clock: Arc::new(SystemClock),
            secrets: None,
            browser: Arc::new(SystemBrowser),
            link_opener: Arc::new(SystemLinks),
            updater: Arc::new(NoUpdater),
            save_dialog: Arc::new(NoSaveDialog),
            desktop: Arc::new(NoDesktop),
        }
    }

    /// Opens the app with the real parts and the environment's options.
    pub fn open(paths: AppPaths, options: Options) -> Result<Studio, CoreError> {
        Studio::builder(paths).options(options).open()
    }

    /// Stops receiving and the sandbox tenant (which saves its state). Call before the process
    /// ends; the CLI does after every command.
    pub async fn shutdown(&self) {
        self.receiving.shutdown().await;
        self.accounts.sandbox().stop().await;
    }

    /// The accounts service.
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// The receiver, its tunnel and the checks after each 202.
    pub fn receiving(&self) -> &Receiving {
        &self.receiving
    }

    /// Certificates for rich notifications.
    pub fn certificates(&self) -> &Certificates {
        &self.certificates
    }

    /// What the upkeep of the app's subscriptions works with.
    pub(crate) fn upkeep_context(&self) -> UpkeepContext<'_> {
        UpkeepContext {
            accounts: &self.accounts,
            receiving: &self.receiving,
            certificates: &self.certificates,
            retries: &self.retries,
        }
    }

    /// The settings in effect now.
    pub fn settings_now(&self) -> Settings {
        self.settings
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn settings_lock(&self) -> RwLockWriteGuard<'_, Settings> {
        self.settings
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Why the settings file was not used at start, if it was not.
    pub fn settings_problem(&self) -> Option<&SettingsProblem> {
        self.settings_problem.as_ref()
    }

    /// The SQLite store.
    pub fn store(&self) -> &Arc<Store> {
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

    /// What the environment decided.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The injected clock.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The injected clock, for a thread of its own.
    pub fn shared_clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.clock)
    }

    /// How the app updates itself.
    pub(crate) fn save_dialog(&self) -> &dyn SaveDialog {
        self.save_dialog.as_ref()
    }

    pub(crate) fn desktop(&self) -> &dyn DesktopNotifier {
        self.desktop.as_ref()
    }

    pub(crate) fn updater(&self) -> &dyn Updater {
        self.updater.as_ref()
    }

    /// The event bus; the shell forwards it to the window.
    pub fn events(&self) -> &EventBus {
        &self.events
    }
}
