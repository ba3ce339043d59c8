//! What the window and the CLI get about accounts: requests to add one, and summaries with the
//! claims of the token in use. Secrets arrive in requests (wrapped in `Sensitive`, which cannot
//! be serialized back) and never leave.

use serde::{Deserialize, Serialize};
use studio_identity::account::{AccountConfig, AccountKind, Cloud};
use studio_identity::claims::Claims;
use studio_primitives::Sensitive;
use ts_rs::TS;

use crate::error::{CoreError, IpcError};

/// One account as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountSummary {
    /// Its configuration (no secrets in it).
    pub config: AccountConfig,
    /// A label for the cloud ("Global", "Sandbox (this computer)", …).
    pub cloud_label: String,
    /// Whether it is the account in use.
    pub current: bool,
    /// What its access token says, when one is in memory.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<Claims>,
    /// What went wrong the last time it was checked.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<IpcError>,
}

/// Where secrets are kept now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SecretStorage {
    /// The OS keyring.
    Keyring,
    /// This session only (the user's explicit choice: no keyring).
    Session,
}

/// Every account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountsView {
    /// In the order they were added.
    pub accounts: Vec<AccountSummary>,
    /// Where secrets go.
    pub secret_storage: SecretStorage,
    /// Why the keyring cannot be used right now, when it cannot.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_problem: Option<IpcError>,
}

/// `account_add_sandbox`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddSandboxRequest {
    /// App-only (the sandbox app) instead of a user.
    #[serde(default)]
    pub app_only: bool,
    /// The sandbox user to sign in as (default Adele).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
}

/// Which Microsoft cloud, as the window offers it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum CloudChoice {
    /// login.microsoftonline.com.
    #[default]
    Global,
    /// US Government.
    UsGovernment,
    /// China (21Vianet).
    China,
    /// Any authority and Graph host (`customAuthority`, `customGraph`).
    Custom,
}

/// The cloud a request names; `custom` needs both URLs (http only for loopback hosts).
pub fn cloud_of(
    choice: CloudChoice,
    authority: Option<&str>,
    graph: Option<&str>,
) -> Result<Cloud, CoreError> {
    Ok(match choice {
        CloudChoice::Global => Cloud::Global,
        CloudChoice::UsGovernment => Cloud::UsGovernment,
        CloudChoice::China => Cloud::China,
        CloudChoice::Custom => {
            let check = |what: &str, value: Option<&str>| -> Result<String, CoreError> {
                let text = value.map(str::trim).unwrap_or_default();
                let parsed = url::Url::parse(text).map_err(|_| {
                    CoreError::refused(format!("The custom {what} '{text}' is not a URL."))
                        .with_hint("Give the scheme and host, e.g. https://login.example.com.")
                })?;
                let loopback =
                    matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
                if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
                    return Err(CoreError::refused(format!(
                        "The custom {what} must use https (http only on this computer)."
                    )));
                }
                Ok(text.trim_end_matches('/').to_owned())
            };
            Cloud::Custom {
                authority_host: check("authority", authority)?,
                graph_base: check("Graph host", graph)?,
            }
        }
    })
}

/// `account_sign_in` and `account_device_start`: a delegated Microsoft account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DelegatedRequest {
    /// Work or school, or personal.
    pub personal: bool,
    /// Tenant id, domain, `organizations`, `common` or `consumers`.
    pub tenant: String,
    /// The app registration's application (client) id.
    pub client_id: String,
    /// Which cloud.
    #[serde(default)]
    pub cloud: CloudChoice,
    /// With `cloud: custom`: the authority host (stands for https://login.microsoftonline.com).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_authority: Option<String>,
    /// With `cloud: custom`: the Graph host (stands for https://graph.microsoft.com).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_graph: Option<String>,
    /// Permissions to ask for (e.g. `Mail.Read`); `User.Read` is always added.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// `account_add_app`: an app registration with a secret or a certificate.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppRequest {
    /// Tenant id or domain (app-only needs a real tenant, not `common`).
    pub tenant: String,
    /// The application (client) id.
    pub client_id: String,
    /// Which cloud.
    #[serde(default)]
    pub cloud: CloudChoice,
    /// With `cloud: custom`: the authority host.
    #[ts(optional)]
    #[serde(default)]
    pub custom_authority: Option<String>,
    /// With `cloud: custom`: the Graph host.
    #[ts(optional)]
    #[serde(default)]
    pub custom_graph: Option<String>,
    /// A name to show.
    #[ts(optional)]
    #[serde(default)]
    pub name: Option<String>,
    /// The client secret's value.
    #[ts(optional, type = "string")]
    #[serde(default)]
    pub client_secret: Option<Sensitive<String>>,
    /// A PEM with the certificate and its private key.
    #[ts(optional, type = "string")]
    #[serde(default)]
    pub certificate_pem: Option<Sensitive<String>>,
}

/// A device-code sign-in waiting for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeviceCodeView {
    /// Pass to `account_device_finish` / `account_device_cancel`.
    pub flow_id: String,
    /// The code to type.
    pub user_code: String,
    /// Where to type it.
    pub verification_uri: String,
    /// Microsoft's sentence.
    pub message: String,
    /// Seconds until the code expires.
    #[ts(type = "number")]
    pub expires_in: u64,
}

/// Names one account (`account_remove`, `account_select`, `account_check`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountRef {
    /// The account's id.
    pub id: String,
}

/// Names one device-code sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceFlowRef {
    /// From `account_device_start`.
    pub flow_id: String,
}

/// `account_request_permissions`: incremental consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestPermissions {
    /// The account's id.
    pub id: String,
    /// The permissions to add (e.g. `Mail.Read`).
    pub scopes: Vec<String>,
}

/// A label for people.
pub fn cloud_label(kind: AccountKind, cloud: &Cloud) -> String {
    if kind.sandbox() {
        return "Sandbox tenant (on this computer)".into();
    }
    match cloud {
        Cloud::Global => "Microsoft cloud (global)".into(),
        Cloud::UsGovernment => "US Government cloud".into(),
        Cloud::China => "China cloud (21Vianet)".into(),
        Cloud::Custom { authority_host, .. } => format!("Custom ({authority_host})"),
    }
}

/// Where the in-process sandbox tenant answers (for curl, users' own tests, "trigger a change").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SandboxView {
    /// Stands for `https://login.microsoftonline.com`.
    pub authority_host: String,
    /// Stands for `https://graph.microsoft.com`.
    pub graph_base: String,
    /// The control API (`POST /changes`, `GET /deliveries`, …).
    pub control: String,
    /// The sandbox tenant's id.
    pub tenant_id: String,
    /// The desktop (public) client's id.
    pub public_client_id: String,
    /// The seeded users' sign-in names.
    pub users: Vec<String>,
}
