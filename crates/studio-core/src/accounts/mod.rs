//! Accounts: add one (the sandbox in one click, a Microsoft work, school or personal account in
//! the browser or with a device code, an app registration with a secret or certificate), list
//! them with what their tokens say, choose the one in use, ask for more permissions, sign out.
//!
//! Nothing is half-saved: an account's configuration and secrets are kept only after a token was
//! obtained with them; if keeping fails, what was kept is removed again. Configurations live in
//! the SQLite store, secrets in the secret store (the OS keyring, or this session's memory by the
//! user's choice).

pub mod microsoft;
pub mod sandbox;
mod sessions;
pub mod views;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use studio_identity::account::AccountConfig;
use studio_identity::flows::{self, AppProof, Browser, DeviceSignIn, Tokens};
use studio_identity::sandbox::{SilentBrowser, silent_parameters};
use studio_identity::secrets::SecretStore;
use studio_identity::session::Session;
use studio_primitives::Sensitive;
use studio_store::Store;
use tokio::sync::Notify;

use crate::error::{CoreError, IpcError};
use crate::events::{CoreEvent, EventBus};
use crate::http_log::HttpLog;
use sandbox::Sandbox;
use studio_primitives::Clock;
use views::{AccountSummary, AccountsView, SecretStorage, cloud_label};

/// The store key of the account in use.
const CURRENT: &str = "current-account";
/// The sandbox user one click signs in as.
pub const DEFAULT_SANDBOX_USER: &str = "adele@sandbox.onmicrosoft.com";

/// The OS's browser, for delegated sign-in.
#[derive(Debug, Default)]
pub struct SystemBrowser;

impl Browser for SystemBrowser {
    fn open(&self, url: &str) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
        let url = url.to_owned();
        Box::pin(async move { open::that_detached(&url).map_err(|e| e.to_string()) })
    }
}

/// Which secret name of an account a value goes under.
type SecretName = fn(&AccountConfig) -> String;

struct PendingDevice {
    account: AccountConfig,
    sign_in: Arc<DeviceSignIn>,
    cancel: Arc<Notify>,
}

/// The accounts service.
pub struct Accounts {
    store: Arc<Store>,
    secrets: Arc<dyn SecretStore>,
    storage: SecretStorage,
    sandbox: Arc<Sandbox>,
    browser: Arc<dyn Browser>,
    events: EventBus,
    clock: Arc<dyn Clock>,
    http_log: Arc<HttpLog>,
    locks: std::path::PathBuf,
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    pending: Mutex<HashMap<String, PendingDevice>>,
    problems: Mutex<HashMap<String, IpcError>>,
    keyring_ok: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts")
            .field("storage", &self.storage)
            .finish_non_exhaustive()
    }
}

fn unknown(id: &str) -> CoreError {
    CoreError::not_found(format!("No account has the id '{id}'."))
        .with_hint("Refresh the list of accounts.")
}

/// What the accounts service is made of.
#[allow(
    missing_debug_implementations,
    reason = "a bag of parts, consumed at once"
)]
pub struct AccountsParts {
    /// Configurations and the account in use.
    pub store: Arc<Store>,
    /// Refresh tokens, client secrets, certificate keys.
    pub secrets: Arc<dyn SecretStore>,
    /// Where `secrets` keeps them (shown to the user).
    pub storage: SecretStorage,
    /// The in-process sandbox tenant.
    pub sandbox: Arc<Sandbox>,
    /// Opens the sign-in page (the system browser; tests answer it themselves).
    pub browser: Arc<dyn Browser>,
    /// Where `accountsChanged` goes.
    pub events: EventBus,
    /// The injected clock.
    pub clock: Arc<dyn Clock>,
    /// Where Graph calls are logged.
    pub http_log: Arc<HttpLog>,
    /// Where refresh lock files go (one per account, shared with every process on the data
    /// folder).
    pub locks: std::path::PathBuf,
}

impl Accounts {
    /// The service over its parts.
    pub fn new(parts: AccountsParts) -> Accounts {
        let AccountsParts {
            store,
            secrets,
            storage,
            sandbox,
            browser,
            events,
            clock,
            http_log,
            locks,
        } = parts;
        Accounts {
            store,
            secrets,
            storage,
            sandbox,
            browser,
            events,
            clock,
            http_log,
            locks,
            sessions: Mutex::new(HashMap::new()),
            pending: Mutex::new(HashMap::new()),
            problems: Mutex::new(HashMap::new()),
            keyring_ok: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The in-process sandbox.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// The tenant an account's tokens come from: the signed-in identity's, else its token's `tid`
    /// when one is in memory, else the configured tenant unless that is `common`,
    /// `organizations` or `consumers`.
    pub async fn tenant_id(&self, config: &AccountConfig) -> Option<String> {
        if let Some(identity) = &config.identity
            && !identity.tenant_id.is_empty()
        {
            return Some(identity.tenant_id.clone());
        }
        let session = self.session(config).await.ok()?;
        let claimed = session
            .cached_claims()
            .await
            .map(|c| c.tenant_id)
            .filter(|t| !t.is_empty());
        // A domain or `common` is no tenant id: validation tokens name the id.
        claimed.or_else(|| {
            Some(studio_identity::openid::tenant_id_of(&config.tenant)).filter(|t| !t.is_empty())
        })
    }

    /// Every account's configuration, in the order they were added.
    pub fn configs(&self) -> Result<Vec<AccountConfig>, CoreError> {
        Ok(self.store.accounts::<AccountConfig>()?)
    }

    /// The account in use, if any.
    pub fn current(&self) -> Result<Option<AccountConfig>, CoreError> {
        let accounts = self.configs()?;
        let chosen = self.store.preference(CURRENT)?;
        Ok(chosen
            .and_then(|id| accounts.iter().find(|a| a.id == id).cloned())
            .or_else(|| accounts.first().cloned()))
    }

    /// An account by id, or the one in use.
    pub fn account(&self, id: Option<&str>) -> Result<AccountConfig, CoreError> {
        match id {
            Some(id) => self
                .configs()?
                .into_iter()
                .find(|a| a.id == id)
                .ok_or_else(|| unknown(id)),
            None => self.current()?.ok_or_else(|| {
                CoreError::not_found("No account is signed in.")
                    .with_hint("Add one under Accounts: the sandbox tenant needs one click.")
            }),
        }
    }

    /// Every account with what its token says.
    pub async fn list(&self) -> Result<AccountsView, CoreError> {
        let current = self.current()?.map(|a| a.id);
        let mut accounts = Vec::new();
        for config in self.configs()? {
            accounts.push(self.summary(config, current.as_deref()).await);
        }
        Ok(AccountsView {
            accounts,
            secret_storage: self.storage,
            secret_problem: self.secret_problem().await,
        })
    }

    /// Why secrets cannot be kept right now (probed until it works once).
    async fn secret_problem(&self) -> Option<IpcError> {
        if self.keyring_ok.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        let secrets = Arc::clone(&self.secrets);
        let probed = tokio::task::spawn_blocking(move || secrets.probe()).await;
        match probed {
            Ok(Ok(())) => {
                self.keyring_ok
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                None
            }
            Ok(Err(error)) => Some(IpcError::from(CoreError::from(error))),
            Err(_) => None,
        }
    }

    async fn summary(&self, config: AccountConfig, current: Option<&str>) -> AccountSummary {
        let session = self
            .sessions
            .lock()
            .ok()
            .and_then(|s| s.get(&config.id).cloned());
        let claims = match session {
            Some(session) => session.cached_claims().await,
            None => None,
        };
        let problem = self
            .problems
            .lock()
            .ok()
            .and_then(|p| p.get(&config.id).cloned());
        AccountSummary {
            cloud_label: cloud_label(config.kind, &config.cloud),
            current: current == Some(config.id.as_str()),
            claims,
            problem,
            config,
        }
    }

    /// Keeps a signed-in account: secrets first (through the session), then the configuration;
    /// if the configuration cannot be kept, the secrets are removed again. The sign-in's identity
    /// decides whether it is an account already listed (same cloud, client, tenant and user).
    async fn save_signed_in(
        &self,
        mut config: AccountConfig,
        tokens: Tokens,
        secret: Option<(SecretName, &Sensitive<String>)>,
    ) -> Result<AccountSummary, CoreError> {
        if let Some(identity) = &tokens.identity {
            if !config.kind.app_only() {
                config.name.clone_from(&identity.username);
            }
            config.identity = Some(identity.clone());
        }
        if !config.kind.app_only() {
            match &tokens.granted {
                Some(granted) => {
                    config.scopes = config.graph_permissions(granted);
                    config.granted.clone_from(granted);
                }
                // No `scope`: what was asked for was granted (RFC 6749 §5.1), so refreshes ask
                // for that again, not for an older grant.
                None => config.granted.clear(),
            }
        }
        let configs = self.configs()?;
        let known = configs.iter().any(|a| a.same_as(&config));
        match configs.iter().find(|a| a.same_as(&config)) {
            Some(existing) => config.id.clone_from(&existing.id),
            // Asking one account for more permissions, someone else signed in in the browser:
            // that is another account, and the first one stays as it was.
            None if configs.iter().any(|a| a.id == config.id) => {
                config.id = studio_identity::account::new_id();
            }
            None => {}
        }
        let live = self.sandbox.live(&config).await?;
        let session = Arc::new(self.new_session(live));
        if let Some((name, value)) = secret {
            self.secrets.put(&name(&config), value)?;
        }
        // What failed to be kept is removed again, but only for a new account: an account that
        // was already here keeps its secrets (another process may have just rotated its token).
        if let Err(error) = session.accept(tokens).await {
            if !known {
                let _ = session.sign_out().await;
            }
            return Err(error.into());
        }
        if let Err(error) = self.store.put_account(&config.id, &config) {
            if !known {
                let _ = session.sign_out().await;
            }
            return Err(error.into());
        }
        self.store.set_preference(CURRENT, Some(&config.id))?;
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.insert(config.id.clone(), session);
        }
        if let Ok(mut problems) = self.problems.lock() {
            problems.remove(&config.id);
        }
        tracing::info!(account = %config.id, kind = ?config.kind, "account signed in");
        self.changed();
        Ok(self.summary(config.clone(), Some(&config.id)).await)
    }

    fn changed(&self) {
        self.events.publish(CoreEvent::AccountsChanged);
    }

    /// One click: the sandbox as a user (Adele unless told otherwise) or as its app.
    pub async fn add_sandbox(
        &self,
        app_only: bool,
        user: Option<&str>,
    ) -> Result<AccountSummary, CoreError> {
        let info = self.sandbox.info().await?;
        if app_only {
            let config = info.facts.app_only();
            let tokens = flows::client_credentials(&config, AppProof::Secret(&info.secret)).await?;
            return self
                .save_signed_in(
                    config,
                    tokens,
                    Some((AccountConfig::client_secret, &info.secret)),
                )
                .await;
        }
        let upn = user.unwrap_or(DEFAULT_SANDBOX_USER);
        if !info.users.iter().any(|u| u.eq_ignore_ascii_case(upn)) {
            return Err(
                CoreError::refused(format!("The sandbox has no user '{upn}'."))
                    .with_hint(format!("Choose one of {}.", info.users.join(", "))),
            );
        }
        let config = info.facts.delegated(upn);
        let params = silent_parameters(upn);
        let extra: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let tokens = flows::sign_in_with_browser(
            &config,
            &SilentBrowser,
            &extra,
            std::time::Duration::from_secs(20),
        )
        .await?;
        self.save_signed_in(config, tokens, None).await
    }

    /// Incremental consent: signs in again asking for more permissions.
    pub async fn request_permissions(
        &self,
        id: &str,
        scopes: &[String],
    ) -> Result<AccountSummary, CoreError> {
        let mut config = self.account(Some(id))?;
        if config.kind.app_only() {
            return Err(CoreError::refused("App-only accounts get their permissions from admin consent, not from a sign-in.").with_hint("Add the application permission to the app registration and grant admin consent, then check the account again."));
        }
        for scope in scopes {
            if !config.scopes.iter().any(|s| s.eq_ignore_ascii_case(scope)) {
                config.scopes.push(scope.clone());
            }
        }
        let live = self.sandbox.live(&config).await?;
        let tokens = if config.kind.sandbox() {
            let params = silent_parameters(&config.name);
            let extra: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            flows::sign_in_with_browser(
                &live,
                &SilentBrowser,
                &extra,
                std::time::Duration::from_secs(20),
            )
            .await?
        } else {
            flows::sign_in_with_browser(
                &live,
                self.browser.as_ref(),
                &[("login_hint", config.name.as_str())],
                flows::BROWSER_TIMEOUT,
            )
            .await?
        };
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.remove(id);
        }
        self.save_signed_in(config, tokens, None).await
    }

    /// Makes an account the one in use.
    pub fn select(&self, id: &str) -> Result<(), CoreError> {
        self.account(Some(id))?;
        self.store.set_preference(CURRENT, Some(id))?;
        self.changed();
        Ok(())
    }

    /// Signs out: removes the account's secrets, then the account.
    pub async fn remove(&self, id: &str) -> Result<(), CoreError> {
        let config = self.account(Some(id))?;
        let session = self.session(&config).await?;
        session.sign_out().await?;
        self.store.remove_account(id)?;
        if self.store.preference(CURRENT)?.as_deref() == Some(id) {
            self.store.set_preference(CURRENT, None)?;
        }
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.remove(id);
        }
        tracing::info!(account = %id, "account signed out");
        self.changed();
        Ok(())
    }
}
