//! An account in use: its access token in memory, refreshed silently before it expires (five
//! minutes early), from the refresh token, client secret or certificate key in the secret store.
//! Concurrent callers share one refresh. Sign-out removes the account's secrets.

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

#[derive(Debug)]
struct Cached {
    token: Sensitive<String>,
    expires_at: i64,
}

/// An account with its tokens.
#[derive(Debug)]
pub struct Session {
    /// The account.
    pub account: AccountConfig,
    secrets: Arc<dyn SecretStore>,
    clock: Arc<dyn Clock>,
    cached: Mutex<Option<Cached>>,
}

impl Session {
    /// A session for an account whose secrets are in `secrets`.
    pub fn new(account: AccountConfig, secrets: Arc<dyn SecretStore>) -> Session {
        Session {
            account,
            secrets,
            clock: Arc::new(SystemClock),
            cached: Mutex::new(None),
        }
    }

    /// Decides when tokens are due with `clock` (the app's injected one).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Session {
        self.clock = clock;
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
            self.secrets.put(&self.account.refresh_secret(), refresh)?;
        }
        *self.cached.lock().await = Some(Cached {
            token: tokens.access_token,
            expires_at: tokens.expires_at,
        });
        Ok(())
    }

    /// A valid access token, refreshed first when it is about to expire.
    pub async fn access_token(&self, now: i64) -> Result<Sensitive<String>, IdentityError> {
        let mut cached = self.cached.lock().await;
        if let Some(current) = cached.as_ref()
            && current.expires_at - now > REFRESH_MARGIN_SECONDS
        {
            return Ok(current.token.clone());
        }
        let tokens = self.fetch().await?;
        if let Some(refresh) = &tokens.refresh_token {
            self.secrets.put(&self.account.refresh_secret(), refresh)?;
        }
        let token = tokens.access_token.clone();
        *cached = Some(Cached {
            token: tokens.access_token,
            expires_at: tokens.expires_at,
        });
        Ok(token)
    }

    /// Forgets the access token so the next call gets a new one (after consent changed).
    pub async fn forget_access_token(&self) {
        *self.cached.lock().await = None;
    }

    async fn fetch(&self) -> Result<Tokens, IdentityError> {
        let account = &self.account;
        match &account.credential {
            Credential::None => {
                let refresh = self
                    .secrets
                    .get(&account.refresh_secret())?
                    .ok_or(IdentityError::NotSignedIn)?;
                flows::refresh(account, &refresh).await
            }
            Credential::Secret => {
                let secret = self
                    .secrets
                    .get(&account.client_secret())?
                    .ok_or(IdentityError::NotSignedIn)?;
                flows::client_credentials(account, AppProof::Secret(&secret)).await
            }
            Credential::Certificate { thumbprint, x5t } => {
                let key = self
                    .secrets
                    .get(&account.certificate_key())?
                    .ok_or(IdentityError::NotSignedIn)?;
                let certificate = AppCertificate::from_stored(thumbprint, x5t, key);
                flows::client_credentials(account, AppProof::Certificate(&certificate)).await
            }
        }
    }

    /// What the access token in memory says, without asking the network (none after a restart
    /// until the account is used).
    pub async fn cached_claims(&self) -> Option<Claims> {
        let cached = self.cached.lock().await;
        cached
            .as_ref()
            .and_then(|c| claims::read(c.token.expose()).ok())
    }

    /// What the current access token says (for display; refreshes it if needed).
    pub async fn claims(&self, now: i64) -> Result<Claims, IdentityError> {
        let token = self.access_token(now).await?;
        claims::read(token.expose()).map_err(|e| IdentityError::Invalid(e.to_string()))
    }

    /// Removes every secret of the account.
    pub async fn sign_out(&self) -> Result<(), IdentityError> {
        *self.cached.lock().await = None;
        for name in self.account.secret_names() {
            self.secrets.delete(&name)?;
        }
        Ok(())
    }
}
