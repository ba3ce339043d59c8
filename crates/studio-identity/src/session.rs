//! An account in use: its access token in memory, refreshed silently before it expires (five
//! minutes early), from the refresh token, client secret or certificate key in the secret store.
//! Concurrent callers share one refresh. Sign-out removes the account's secrets.
//!
//! Refresh tokens rotate: each refresh hands out a new one and the old one is spent (an authority
//! with reuse detection revokes the whole grant when a spent one comes back). The window and a CLI
//! command may refresh the same account at once, so a refresh takes a lock file in the data
//! folder for the account, reads the refresh token from the secret store under that lock, and
//! saves the rotated one before letting go. If the authority still says `invalid_grant` (another
//! process without the lock, an older version), the store is read again and, when it holds a
//! newer token, the refresh is tried once more with it.

use std::path::PathBuf;
use std::sync::Arc;

use studio_primitives::{Clock, SystemClock};
use tokio::sync::Mutex;

use crate::account::{AccountConfig, Credential};
use crate::certificate::AppCertificate;
use crate::claims::{self, Claims};
use crate::flows::{self, AppProof, Tokens};
use crate::secrets::SecretStore;
use crate::{IdentityError, Sensitive};

/// A token is refreshed when it has less than this many seconds left.
pub const REFRESH_MARGIN_SECONDS: i64 = 300;
/// How long a process waits for another one's refresh before giving up.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);
/// How often a contended refresh lock is tried again.
const LOCK_RETRY: std::time::Duration = std::time::Duration::from_millis(50);

#[derive(Debug)]
struct Cached {
    token: Sensitive<String>,
    expires_at: i64,
    granted: Option<Vec<String>>,
}

impl Cached {
    fn of(tokens: Tokens) -> Cached {
        Cached {
            token: tokens.access_token,
            expires_at: tokens.expires_at,
            granted: tokens.granted,
        }
    }

    /// The token, if it has more than the margin left at `now`.
    fn fresh(&self, now: i64) -> Option<Sensitive<String>> {
        (self.expires_at - now > REFRESH_MARGIN_SECONDS).then(|| self.token.clone())
    }
}

/// An account with its tokens.
#[derive(Debug)]
pub struct Session {
    /// The account.
    pub account: AccountConfig,
    secrets: Arc<dyn SecretStore>,
    clock: Arc<dyn Clock>,
    locks: Option<PathBuf>,
    /// The access token in memory (held only to read or replace it).
    cached: Mutex<Option<Cached>>,
    /// Access tokens for other resources than Graph, by resource.
    others: Mutex<std::collections::HashMap<String, Cached>>,
    /// Held through a refresh, so concurrent callers share one.
    refreshing: Mutex<()>,
}

impl Session {
    /// A session for an account whose secrets are in `secrets`.
    pub fn new(account: AccountConfig, secrets: Arc<dyn SecretStore>) -> Session {
        Session {
            account,
            secrets,
            clock: Arc::new(SystemClock),
            locks: None,
            cached: Mutex::new(None),
            others: Mutex::new(std::collections::HashMap::new()),
            refreshing: Mutex::new(()),
        }
    }

    /// Decides when tokens are due with `clock` (the app's injected one).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Session {
        self.clock = clock;
        self
    }

    /// Serialises refreshes with other processes through lock files in `folder` (the data
    /// folder's; created private to the user when missing).
    pub fn with_refresh_locks(mut self, folder: PathBuf) -> Session {
        self.locks = Some(folder);
        self
    }

    /// A valid access token now, by the session's clock.
    pub async fn current_access_token(&self) -> Result<Sensitive<String>, IdentityError> {
        self.access_token(self.clock.now_unix()).await
    }

    /// Keeps what a sign-in handed out: the refresh token in the secret store, the access token
    /// in memory.
    pub async fn accept(&self, tokens: Tokens) -> Result<(), IdentityError> {
        if let Some(refresh) = &tokens.refresh_token {
            // Under the lock, so a refresh in another process cannot overwrite it with a token
            // rotated from the grant this sign-in replaces.
            let _turn = self.turn().await?;
            let _lock = self.lock().await?;
            self.secrets.put(&self.account.refresh_secret(), refresh)?;
        }
        *self.cached.lock().await = Some(Cached::of(tokens));
        Ok(())
    }

    /// A valid access token, refreshed first when it is about to expire.
    pub async fn access_token(&self, now: i64) -> Result<Sensitive<String>, IdentityError> {
        if let Some(token) = self.fresh(now).await {
            return Ok(token);
        }
        let _turn = self.turn().await?;
        // Another caller may have refreshed while this one waited for its turn.
        if let Some(token) = self.fresh(now).await {
            return Ok(token);
        }
        let tokens = self.fetch(None).await?;
        let token = tokens.access_token.clone();
        *self.cached.lock().await = Some(Cached::of(tokens));
        Ok(token)
    }

    /// The access token in memory, if it has more than the margin left.
    async fn fresh(&self, now: i64) -> Option<Sensitive<String>> {
        self.cached.lock().await.as_ref()?.fresh(now)
    }

    /// Forgets the access token so the next call gets a new one (after consent changed).
    pub async fn forget_access_token(&self) {
        *self.cached.lock().await = None;
        self.others.lock().await.clear();
    }

    /// A valid access token for another resource than Graph (Event Hubs' Kafka endpoint wants
    /// one for `https://<namespace>.servicebus.windows.net`), from the same refresh token or app
    /// proof, kept apart from Graph's and refreshed the same way.
    pub async fn resource_token(&self, resource: &str) -> Result<Sensitive<String>, IdentityError> {
        let resource = resource.trim_end_matches('/');
        let fresh = |now: i64| async move { self.others.lock().await.get(resource)?.fresh(now) };
        if let Some(token) = fresh(self.clock.now_unix()).await {
            return Ok(token);
        }
        let _turn = self.turn().await?;
        if let Some(token) = fresh(self.clock.now_unix()).await {
            return Ok(token);
        }
        let tokens = self.fetch(Some(resource)).await?;
        let token = tokens.access_token.clone();
        self.others
            .lock()
            .await
            .insert(resource.to_owned(), Cached::of(tokens));
        Ok(token)
    }

    /// New tokens for Graph (`None`) or another resource.
    async fn fetch(&self, resource: Option<&str>) -> Result<Tokens, IdentityError> {
        let account = &self.account;
        let resource_or_graph = resource.unwrap_or(account.cloud.graph_resource());
        match &account.credential {
            Credential::None => {
                let scopes = match resource {
                    None => account.refresh_scopes(),
                    Some(resource) => vec![format!("{resource}/.default"), "offline_access".into()],
                };
                self.refresh(scopes).await
            }
            Credential::Secret => {
                let secret = self
                    .secrets
                    .get(&account.client_secret())?
                    .ok_or(IdentityError::NotSignedIn)?;
                flows::client_credentials_for(account, AppProof::Secret(&secret), resource_or_graph)
                    .await
            }
            Credential::Certificate {
                thumbprint,
                x5t,
                x5t_s256,
            } => {
                let key = self
                    .secrets
                    .get(&account.certificate_key())?
                    .ok_or(IdentityError::NotSignedIn)?;
                let certificate =
                    AppCertificate::from_stored(thumbprint, x5t, x5t_s256.as_deref(), key);
                flows::client_credentials_for(
                    account,
                    AppProof::Certificate(&certificate),
                    resource_or_graph,
                )
                .await
            }
        }
    }

    /// One refresh, under the account's lock; the rotated token is saved before the lock goes.
    async fn refresh(&self, scopes: Vec<String>) -> Result<Tokens, IdentityError> {
        let _lock = self.lock().await?;
        let name = self.account.refresh_secret();
        let presented = self.secrets.get(&name)?.ok_or(IdentityError::NotSignedIn)?;
        let tokens = match flows::refresh_for(&self.account, &presented, scopes.clone()).await {
            Err(refused @ IdentityError::Service { .. }) if invalid_grant(&refused) => {
                let again = self.secrets.get(&name)?.ok_or(IdentityError::NotSignedIn)?;
                if again.expose() == presented.expose() {
                    return Err(refused);
                }
                tracing::info!(account = %self.account.id, "another process rotated the refresh token first; trying once more with the new one");
                flows::refresh_for(&self.account, &again, scopes).await?
            }
            other => other?,
        };
        if let Some(rotated) = &tokens.refresh_token {
            self.secrets.put(&name, rotated)?;
        }
        Ok(tokens)
    }

    /// Takes the account's refresh lock (an exclusive lock on a file, released when the handle
    /// is dropped, also when the process dies).
    async fn lock(&self) -> Result<Option<std::fs::File>, IdentityError> {
        let Some(folder) = self.locks.clone() else {
            return Ok(None);
        };
        let path = folder.join(format!("{}.refresh.lock", self.account.id));
        let failed = |source| IdentityError::Lock {
            path: path.clone(),
            source,
        };
        private_folder(&folder).map_err(failed)?;
        let mut options = std::fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(failed)?;
        // The OS says nothing when a file lock is let go, so a contended lock is tried again
        // every 50 ms, never longer than LOCK_WAIT: a process stuck while holding it (a keyring
        // prompt nobody answers) must not hang this one.
        let deadline = tokio::time::Instant::now() + LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(file)),
                Err(std::fs::TryLockError::WouldBlock)
                    if tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(LOCK_RETRY).await;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(failed(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "another process has been refreshing this account for 30 seconds",
                    )));
                }
                Err(std::fs::TryLockError::Error(error)) => return Err(failed(error)),
            }
        }
    }

    /// This process's turn to refresh, sign in or sign out (at most [`LOCK_WAIT`]).
    async fn turn(&self) -> Result<tokio::sync::MutexGuard<'_, ()>, IdentityError> {
        tokio::time::timeout(LOCK_WAIT, self.refreshing.lock())
            .await
            .map_err(|_| IdentityError::Lock {
                path: self.locks.clone().unwrap_or_default(),
                source: std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "this account has been refreshing for 30 seconds",
                ),
            })
    }

    /// What the app knows about this account's sign-in, without asking the network (`None`
    /// until a token is in memory, after a restart until the account is used).
    pub async fn cached_claims(&self) -> Option<Claims> {
        let cached = self.cached.lock().await;
        cached.as_ref().map(|c| self.describe(c))
    }

    /// What the app knows about this account's sign-in (refreshes the token if needed).
    pub async fn claims(&self, now: i64) -> Result<Claims, IdentityError> {
        self.access_token(now).await?;
        let cached = self.cached.lock().await;
        cached
            .as_ref()
            .map(|c| self.describe(c))
            .ok_or(IdentityError::NotSignedIn)
    }

    /// Who from the sign-in's identity; permissions from the token response's `scope`. The
    /// access token is only looked into where nothing else says it (an app's `roles`, an
    /// authority that sent no `scope`), and only if it happens to be a readable JWT.
    fn describe(&self, cached: &Cached) -> Claims {
        let account = &self.account;
        let token = claims::read(cached.token.expose()).ok();
        let permissions = match (&cached.granted, &token) {
            _ if account.kind.app_only() => token.as_ref().map(|t| t.permissions.clone()),
            (Some(granted), _) => Some(account.graph_permissions(granted)),
            (None, Some(token)) => Some(token.permissions.clone()),
            (None, None) => None,
        }
        .unwrap_or_else(|| account.scopes.clone());
        let identity = account.identity.as_ref();
        Claims {
            subject: identity.map_or_else(|| account.name.clone(), |i| i.username.clone()),
            display_name: identity.and_then(|i| i.display_name.clone()),
            tenant_id: identity
                .map(|i| i.tenant_id.clone())
                .filter(|t| !t.is_empty())
                .or_else(|| token.as_ref().map(|t| t.tenant_id.clone()))
                .unwrap_or_default(),
            // An account added by an older version has no identity until it signs in again.
            object_id: identity
                .map(|i| i.object_key.clone())
                .or_else(|| token.as_ref().map(|t| t.object_id.clone()))
                .unwrap_or_default(),
            app_id: account.client_id.clone(),
            expires_at: cached.expires_at,
            permissions,
            app_only: account.kind.app_only(),
        }
    }

    /// Removes every secret of the account.
    pub async fn sign_out(&self) -> Result<(), IdentityError> {
        // Under the lock: a refresh in another process finishes first, and its rotated token is
        // removed with the rest. (The lock file stays: removing it would race with a process
        // waiting on it.)
        let _turn = self.turn().await?;
        let _lock = self.lock().await?;
        *self.cached.lock().await = None;
        self.others.lock().await.clear();
        for name in self.account.secret_names() {
            self.secrets.delete(&name)?;
        }
        Ok(())
    }
}

fn invalid_grant(error: &IdentityError) -> bool {
    matches!(error, IdentityError::Service { error, .. } if error == "invalid_grant")
}

/// Creates `folder` private to the user when it is missing.
fn private_folder(folder: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(folder)
}
