//! The Accounts screen's commands: add (the sandbox in one click, a Microsoft account, an app
//! registration), check, choose, ask for more permissions, sign out, and where the sandbox tenant
//! answers. Thin forwards to the accounts service (`crate::accounts`), plus the first start.

use crate::accounts::views::{
    AccountRef, AccountSummary, AccountsView, AddSandboxRequest, AppRequest, DelegatedRequest,
    DeviceCodeView, DeviceFlowRef, RequestPermissions, SandboxView,
};
use crate::error::CoreError;
use crate::events::CoreEvent;
use crate::options::FirstStart;
use crate::receiving::event_hubs::HubSignIn;
use crate::studio::Studio;

/// The store key that marks the first start as done.
const FIRST_START: &str = "first-start";

impl Studio {
    /// The account named by `name`: its id, its name, or a unique prefix of either (the CLI's
    /// `--account`, the MCP server's `account`). Not a window command: the window picks by id.
    pub async fn account_named(&self, name: &str) -> Result<String, CoreError> {
        let accounts = self.accounts_list(()).await?.accounts;
        let exact = accounts
            .iter()
            .find(|a| a.config.id == name || a.config.name.eq_ignore_ascii_case(name));
        if let Some(found) = exact {
            return Ok(found.config.id.clone());
        }
        let lower = name.to_lowercase();
        let matching: Vec<&AccountSummary> = accounts
            .iter()
            .filter(|a| {
                a.config.id.starts_with(name) || a.config.name.to_lowercase().starts_with(&lower)
            })
            .collect();
        match matching.as_slice() {
            [one] => Ok(one.config.id.clone()),
            [] => Err(
                CoreError::not_found(format!("No account is called '{name}'."))
                    .with_hint("See `webhook-studio account list`."),
            ),
            _ => Err(
                CoreError::refused(format!("'{name}' names more than one account."))
                    .with_hint("Use more of the name, or the id."),
            ),
        }
    }

    /// `accounts_list`
    pub async fn accounts_list(&self, (): ()) -> Result<AccountsView, CoreError> {
        self.accounts().list().await
    }

    /// `account_add_sandbox`
    pub async fn account_add_sandbox(
        &self,
        request: AddSandboxRequest,
    ) -> Result<AccountSummary, CoreError> {
        let added = self
            .accounts()
            .add_sandbox(request.app_only, request.user_principal_name.as_deref())
            .await;
        self.announce_status().await;
        added
    }

    /// `account_sign_in`
    pub async fn account_sign_in(
        &self,
        request: DelegatedRequest,
    ) -> Result<AccountSummary, CoreError> {
        let added = self.accounts().sign_in(&request).await;
        self.announce_status().await;
        added
    }

    /// `account_device_start`
    pub async fn account_device_start(
        &self,
        request: DelegatedRequest,
    ) -> Result<DeviceCodeView, CoreError> {
        self.accounts().device_start(&request).await
    }

    /// `account_device_finish`
    pub async fn account_device_finish(
        &self,
        request: DeviceFlowRef,
    ) -> Result<AccountSummary, CoreError> {
        let added = self.accounts().device_finish(&request.flow_id, 1.0).await;
        self.announce_status().await;
        added
    }

    /// `account_device_cancel`
    pub async fn account_device_cancel(&self, request: DeviceFlowRef) -> Result<(), CoreError> {
        self.accounts().device_cancel(&request.flow_id);
        Ok(())
    }

    /// `account_add_app`
    pub async fn account_add_app(&self, request: AppRequest) -> Result<AccountSummary, CoreError> {
        let added = self.accounts().add_app(request).await;
        self.announce_status().await;
        added
    }

    /// `account_check`
    pub async fn account_check(&self, request: AccountRef) -> Result<AccountSummary, CoreError> {
        self.accounts().check(&request.id).await
    }

    /// `account_select`
    pub async fn account_select(&self, request: AccountRef) -> Result<(), CoreError> {
        self.accounts().select(&request.id)?;
        self.announce_status().await;
        Ok(())
    }

    /// `account_remove`
    pub async fn account_remove(&self, request: AccountRef) -> Result<(), CoreError> {
        // Hubs read with the account's Entra token stop first: their tokens go with it.
        for connection in self.receiving().hub_connections().unwrap_or_default() {
            if matches!(&connection.sign_in, HubSignIn::Entra { account } if *account == request.id)
            {
                self.receiving().stop_hub_reading(&connection.name).await;
            }
        }
        self.accounts().remove(&request.id).await?;
        self.announce_status().await;
        Ok(())
    }

    /// `account_request_permissions`
    pub async fn account_request_permissions(
        &self,
        request: RequestPermissions,
    ) -> Result<AccountSummary, CoreError> {
        self.accounts()
            .request_permissions(&request.id, &request.scopes)
            .await
    }

    /// `sandbox_info` (starts the sandbox if it is not running)
    pub async fn sandbox_info(&self, (): ()) -> Result<SandboxView, CoreError> {
        let info = self.accounts().sandbox().info().await?;
        Ok(SandboxView {
            authority_host: info.facts.authority_host,
            graph_base: info.facts.graph_base,
            control: info.control,
            tenant_id: info.facts.tenant_id,
            public_client_id: info.facts.public_client_id,
            users: info.users,
        })
    }

    /// The first time the window opens on a data folder with no account, the sandbox tenant is
    /// signed in, so a new user lands in a working app. Once only: an account removed later is
    /// not brought back. [`FirstStart::Empty`] skips it (tests of the empty state).
    pub async fn first_start(&self) {
        if self.options().first_start == FirstStart::Empty {
            return;
        }
        let store = self.store();
        match store.preference(FIRST_START) {
            Ok(None) => {}
            Ok(Some(_)) => return,
            Err(error) => {
                tracing::warn!(%error, "cannot read the first-start mark");
                return;
            }
        }
        if let Err(error) = store.set_preference(FIRST_START, Some("done")) {
            tracing::warn!(%error, "cannot keep the first-start mark");
            return;
        }
        if self.accounts().configs().is_ok_and(|a| a.is_empty()) {
            match self.account_add_sandbox(AddSandboxRequest::default()).await {
                Ok(summary) => {
                    tracing::info!(account = %summary.config.name, "first start: the sandbox tenant is signed in")
                }
                Err(error) => {
                    tracing::warn!(%error, "first start: the sandbox could not be signed in")
                }
            }
        }
    }

    /// Tells the window the status bar's new state.
    pub(crate) async fn announce_status(&self) {
        if let Ok(status) = self.status(()).await {
            self.events().publish(CoreEvent::StatusChanged { status });
        }
    }
}
