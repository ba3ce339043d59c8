//! An account's configuration: everything about it except its secrets, so it can be stored,
//! listed and exported freely. Secrets (refresh token, client secret, certificate key) are in the
//! secret store under the account's id.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which Microsoft cloud an account signs in to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    rename_all = "camelCase",
    tag = "kind",
    rename_all_fields = "camelCase"
)]
pub enum Cloud {
    /// `login.microsoftonline.com` and `graph.microsoft.com`.
    Global,
    /// US Government (L4).
    UsGovernment,
    /// Operated by 21Vianet.
    China,
    /// Any authority and Graph host (the sandbox tenant plugs in here).
    Custom {
        /// Stands for `https://login.microsoftonline.com`.
        authority_host: String,
        /// Stands for `https://graph.microsoft.com`.
        graph_base: String,
    },
}

impl Cloud {
    /// The authority host, without a trailing slash.
    pub fn authority_host(&self) -> &str {
        match self {
            Cloud::Global => "https://login.microsoftonline.com",
            Cloud::UsGovernment => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
            Cloud::Custom { authority_host, .. } => authority_host.trim_end_matches('/'),
        }
    }

    /// The host of the cloud's v1 token issuer (`https://sts.windows.net/{tenant}/`): the
    /// security token service Graph's validation tokens name. A custom cloud stands in for the
    /// global one.
    pub fn v1_issuer_host(&self) -> &'static str {
        match self {
            Cloud::China => "https://sts.chinacloudapi.cn",
            Cloud::Global | Cloud::UsGovernment | Cloud::Custom { .. } => "https://sts.windows.net",
        }
    }

    /// Graph's base URL, without a trailing slash.
    pub fn graph_base(&self) -> &str {
        match self {
            Cloud::Global => "https://graph.microsoft.com",
            Cloud::UsGovernment => "https://graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
            Cloud::Custom { graph_base, .. } => graph_base.trim_end_matches('/'),
        }
    }

    /// The resource that scopes are named after (`{resource}/Mail.Read`, `{resource}/.default`).
    /// A custom cloud stands in for the global one.
    pub fn graph_resource(&self) -> &'static str {
        match self {
            Cloud::UsGovernment => "https://graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
            Cloud::Global | Cloud::Custom { .. } => "https://graph.microsoft.com",
        }
    }
}

/// How an account signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
// The catalog's `AccountKind` (which permissions apply) already has the TypeScript name.
#[ts(rename = "AccountType")]
pub enum AccountKind {
    /// The built-in sandbox tenant, as one of its users (delegated).
    Sandbox,
    /// The built-in sandbox tenant's app (app-only).
    SandboxApp,
    /// A work or school account (delegated).
    Work,
    /// A personal Microsoft account (delegated).
    Personal,
    /// An app registration with a secret or a certificate (app-only).
    Application,
}

impl AccountKind {
    /// Whether tokens carry `roles` (app-only) rather than `scp`.
    pub fn app_only(self) -> bool {
        matches!(self, AccountKind::SandboxApp | AccountKind::Application)
    }

    /// Whether this is the built-in sandbox.
    pub fn sandbox(self) -> bool {
        matches!(self, AccountKind::Sandbox | AccountKind::SandboxApp)
    }
}

/// How an app-only account proves itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    rename_all = "camelCase",
    tag = "kind",
    rename_all_fields = "camelCase"
)]
pub enum Credential {
    /// A public client: no credential (delegated accounts).
    None,
    /// A client secret (kept in the secret store).
    Secret,
    /// A certificate: its SHA-1 thumbprint (hex) and `x5t`; the private key is in the secret store.
    Certificate {
        /// SHA-1 of the DER, uppercase hex, as the Entra portal shows it.
        thumbprint: String,
        /// base64url SHA-1, the assertion's `x5t` header.
        x5t: String,
    },
}

/// One account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountConfig {
    /// Stable id (secret names derive from it).
    pub id: String,
    /// What people see: the user's sign-in name, or the app's name.
    pub name: String,
    /// How it signs in.
    pub kind: AccountKind,
    /// Tenant id, domain, `common`, `organizations` or `consumers`.
    pub tenant: String,
    /// The application (client) id.
    pub client_id: String,
    /// Which cloud.
    pub cloud: Cloud,
    /// Delegated permissions asked for (without the resource prefix), e.g. `Mail.Read`.
    pub scopes: Vec<String>,
    /// How an app-only account proves itself.
    pub credential: Credential,
}

impl AccountConfig {
    /// The token endpoint.
    pub fn token_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.cloud.authority_host(),
            self.tenant
        )
    }

    /// The authorize endpoint.
    pub fn authorize_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/authorize",
            self.cloud.authority_host(),
            self.tenant
        )
    }

    /// The device-code endpoint.
    pub fn device_code_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/devicecode",
            self.cloud.authority_host(),
            self.tenant
        )
    }

    /// The scopes to ask for: Graph permissions with the cloud's resource prefix, plus
    /// `offline_access` (a refresh token) and `openid profile` (who signed in).
    pub fn request_scopes(&self) -> Vec<String> {
        let resource = self.cloud.graph_resource();
        let mut scopes: Vec<String> = self
            .scopes
            .iter()
            .map(|s| {
                if s.starts_with("https://") {
                    s.clone()
                } else {
                    format!("{resource}/{s}")
                }
            })
            .collect();
        scopes.extend(["offline_access", "openid", "profile"].map(str::to_owned));
        scopes
    }

    /// Name of the refresh token in the secret store.
    pub fn refresh_secret(&self) -> String {
        format!("{}/refresh-token", self.id)
    }

    /// Name of the client secret in the secret store.
    pub fn client_secret(&self) -> String {
        format!("{}/client-secret", self.id)
    }

    /// Name of the certificate's private key (PKCS#8 PEM) in the secret store.
    pub fn certificate_key(&self) -> String {
        format!("{}/certificate-key", self.id)
    }

    /// Every secret name the account may have (sign-out removes them all).
    pub fn secret_names(&self) -> [String; 3] {
        [
            self.refresh_secret(),
            self.client_secret(),
            self.certificate_key(),
        ]
    }
}

/// A new account id: 16 random hex digits.
pub fn new_id() -> String {
    let bytes: [u8; 8] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_scopes_follow_the_cloud() {
        let account = AccountConfig {
            id: "a1".into(),
            name: "me".into(),
            kind: AccountKind::Work,
            tenant: "organizations".into(),
            client_id: "c".into(),
            cloud: Cloud::UsGovernment,
            scopes: vec!["Mail.Read".into()],
            credential: Credential::None,
        };
        assert_eq!(
            account.token_url(),
            "https://login.microsoftonline.us/organizations/oauth2/v2.0/token"
        );
        assert_eq!(
            account.request_scopes()[0],
            "https://graph.microsoft.us/Mail.Read"
        );
        assert!(
            account
                .request_scopes()
                .contains(&"offline_access".to_owned())
        );
        let custom = Cloud::Custom {
            authority_host: "http://127.0.0.1:9/".into(),
            graph_base: "http://127.0.0.1:9".into(),
        };
        assert_eq!(custom.authority_host(), "http://127.0.0.1:9");
        assert_eq!(custom.graph_resource(), "https://graph.microsoft.com");
    }
}
