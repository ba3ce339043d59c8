//! An account's session: its tokens in memory (one [`Session`] per account, shared by every
//! caller), a sandbox account signing in again by itself when its secrets are gone, the Graph
//! client over it, and *Check now*.

use std::sync::Arc;

use studio_graph::GraphClient;
use studio_identity::IdentityError;
use studio_identity::account::{AccountConfig, AccountKind};
use studio_identity::flows;
use studio_identity::sandbox::{SilentBrowser, silent_parameters};
use studio_identity::session::Session;

use super::Accounts;
use super::views::AccountSummary;
use crate::error::{CoreError, IpcError};

impl Accounts {
    /// The account's session (its tokens), with the sandbox's live URLs for sandbox accounts.
    pub async fn session(&self, config: &AccountConfig) -> Result<Arc<Session>, CoreError> {
        if let Some(session) = self
            .sessions
            .lock()
            .ok()
            .and_then(|s| s.get(&config.id).cloned())
        {
            return Ok(session);
        }
        let live = self.sandbox.live(config).await?;
        let session = Arc::new(self.new_session(live));
        self.revive_sandbox(config, &session).await?;
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.insert(config.id.clone(), Arc::clone(&session));
        }
        Ok(session)
    }

    pub(super) fn new_session(&self, config: AccountConfig) -> Session {
        Session::new(config, Arc::clone(&self.secrets))
            .with_clock(Arc::clone(&self.clock))
            .with_refresh_locks(self.locks.clone())
    }

    /// A sandbox account whose secrets are gone (session-only storage, a cleared keyring) signs
    /// in again by itself: the sandbox asks nobody anything.
    async fn revive_sandbox(
        &self,
        config: &AccountConfig,
        session: &Session,
    ) -> Result<(), CoreError> {
        match config.kind {
            AccountKind::Sandbox if self.secrets.get(&config.refresh_secret())?.is_none() => {
                let params = silent_parameters(&config.name);
                let extra: Vec<(&str, &str)> =
                    params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let tokens = flows::sign_in_with_browser(
                    &session.account,
                    &SilentBrowser,
                    &extra,
                    std::time::Duration::from_secs(20),
                )
                .await?;
                session.accept(tokens).await?;
            }
            AccountKind::SandboxApp if self.secrets.get(&config.client_secret())?.is_none() => {
                let info = self.sandbox.info().await?;
                self.secrets.put(&config.client_secret(), &info.secret)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// A Graph client for an account (the one in use by default); every call is logged.
    pub async fn client(
        &self,
        id: Option<&str>,
    ) -> Result<(AccountConfig, Arc<Session>, GraphClient), CoreError> {
        let config = self.account(id)?;
        let session = self.session(&config).await?;
        let client = GraphClient::new(
            session.account.cloud.graph_base(),
            &config.id,
            session.clone(),
            Arc::clone(&self.http_log) as Arc<dyn studio_graph::ExchangeLog>,
        )
        .map_err(|e| CoreError::graph(e, &studio_graph::HintContext::default()))?
        .with_clock(Arc::clone(&self.clock));
        Ok((config, session, client))
    }

    /// Checks an account now: gets a token (refreshing it) and answers what it says.
    pub async fn check(&self, id: &str) -> Result<AccountSummary, CoreError> {
        let config = self.account(Some(id))?;
        let session = self.session(&config).await?;
        let result = session.claims(self.clock.now_unix()).await;
        if let Ok(mut problems) = self.problems.lock() {
            match &result {
                Ok(_) => problems.remove(id),
                Err(error) => problems.insert(
                    id.to_owned(),
                    IpcError::from(CoreError::from(clone_error(error))),
                ),
            };
        }
        result?;
        let current = self.current()?.map(|a| a.id);
        Ok(self.summary(config, current.as_deref()).await)
    }
}

/// Identity errors are not `Clone`; the problem kept for display is rebuilt from the parts.
fn clone_error(error: &IdentityError) -> IdentityError {
    match error {
        IdentityError::Service {
            error,
            code,
            description,
        } => IdentityError::Service {
            error: error.clone(),
            code: *code,
            description: description.clone(),
        },
        IdentityError::Network(what) => IdentityError::Network(what.clone()),
        IdentityError::Cancelled(why) => IdentityError::Cancelled(why.clone()),
        IdentityError::NotSignedIn => IdentityError::NotSignedIn,
        other => IdentityError::Invalid(other.to_string()),
    }
}
