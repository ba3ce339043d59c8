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
    /// A certificate: its SHA-1 thumbprint (hex), `x5t` and `x5t#S256`; the private key is in the
    /// secret store.
    Certificate {
        /// SHA-1 of the DER, uppercase hex, as the Entra portal shows it.
        thumbprint: String,
        /// base64url SHA-1, the `x5t` header of assertions made before `x5t#S256` was kept.
        x5t: String,
        /// base64url SHA-256, the assertion's `x5t#S256` header (PS256). Absent for certificates
        /// added by an older version, which still sign RS256 with `x5t` until added again.
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        x5t_s256: Option<String>,
    },
}

/// Where an account's identity was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum IdentitySource {
    /// The ID token of the sign-in, its signature, issuer, audience, lifetime and nonce checked.
    IdToken,
    /// `GET /me` with the new access token (the authority issued no ID token).
    GraphMe,
    /// An app-only account is the app itself: its client id in its tenant.
    App,
}

/// Who an account is, as the sign-in established it. Two accounts are the same when their cloud,
/// client, tenant id and object key are equal, so two users of one app never collide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountIdentity {
    /// The tenant id (`tid`); the consumers tenant for personal accounts.
    pub tenant_id: String,
    /// `oid` for work and school accounts, `sub` for personal ones, the client id for an app.
    pub object_key: String,
    /// `preferred_username` (or the user principal name); the client id for an app.
    pub username: String,
    /// `name`, when the authority gave one.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Where this was read from.
    pub source: IdentitySource,
}

/// The tenant id personal Microsoft accounts sign in to.
pub const CONSUMERS_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

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
    /// Delegated permissions (without the resource prefix), e.g. `Mail.Read`: those asked for
    /// until a sign-in answers, then those the authority granted.
    pub scopes: Vec<String>,
    /// How an app-only account proves itself.
    pub credential: Credential,
    /// Every scope the last sign-in granted, as the authority wrote them (`scope` of the token
    /// response); refreshes ask for exactly these. Empty before a sign-in.
    #[serde(default)]
    pub granted: Vec<String>,
    /// Who signed in; absent until a sign-in established it (and for accounts added by an older
    /// version until they sign in again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub identity: Option<AccountIdentity>,
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

    /// The scopes a refresh asks for: the ones granted, or those asked for when the authority did
    /// not say (RFC 6749 §5.1: no `scope` means as requested). `offline_access` is always among
    /// them (holding a refresh token means it was granted, though not every authority lists it).
    pub fn refresh_scopes(&self) -> Vec<String> {
        if self.granted.is_empty() {
            return self.request_scopes();
        }
        let mut scopes = self.granted.clone();
        if !scopes.iter().any(|s| s == "offline_access") {
            scopes.push("offline_access".into());
        }
        scopes
    }

    /// The Graph permissions among granted scopes, without the resource prefix (`Mail.Read`);
    /// OpenID Connect scopes and `.default` are left out.
    pub fn graph_permissions(&self, granted: &[String]) -> Vec<String> {
        let prefix = format!("{}/", self.cloud.graph_resource());
        let mut permissions: Vec<String> = Vec::new();
        for scope in granted {
            let name = match scope.get(..prefix.len()) {
                Some(head) if head.eq_ignore_ascii_case(&prefix) => &scope[prefix.len()..],
                _ => scope.as_str(),
            };
            let oidc = ["openid", "profile", "email", "offline_access", ".default"]
                .iter()
                .any(|o| o.eq_ignore_ascii_case(name));
            if !oidc
                && !name.is_empty()
                && !permissions.iter().any(|p| p.eq_ignore_ascii_case(name))
            {
                permissions.push(name.to_owned());
            }
        }
        permissions
    }

    /// Whether `other` is the same sign-in: same cloud, kind and client, and the same user (tenant
    /// id and object key), or for an app the same tenant.
    pub fn same_as(&self, other: &AccountConfig) -> bool {
        // The sandbox moves to another port each time it starts; it is one tenant per data
        // folder wherever it listens.
        let same_cloud = self.kind.sandbox() || self.cloud == other.cloud;
        if !same_cloud || self.kind != other.kind || self.client_id != other.client_id {
            return false;
        }
        match (&self.identity, &other.identity) {
            (Some(mine), Some(theirs)) => {
                let tenants = if mine.tenant_id.is_empty() || theirs.tenant_id.is_empty() {
                    // A user's tenant id is unknown only from `/me` with `common`: the object id
                    // decides. An app's is unknown with an opaque token and a domain: the
                    // configured tenant decides (one client may be in several tenants).
                    !self.kind.app_only() || self.tenant.eq_ignore_ascii_case(&other.tenant)
                } else {
                    mine.tenant_id.eq_ignore_ascii_case(&theirs.tenant_id)
                };
                tenants && mine.object_key == theirs.object_key
            }
            _ if self.kind.app_only() => self.tenant.eq_ignore_ascii_case(&other.tenant),
            // An account from an older version, without an identity: the same user name.
            _ => self.tenant == other.tenant && self.name.eq_ignore_ascii_case(&other.name),
        }
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
            granted: Vec::new(),
            identity: None,
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
        assert_eq!(
            account.graph_permissions(&[
                "https://graph.microsoft.us/Mail.Read".into(),
                "User.Read".into(),
                "openid".into(),
                "offline_access".into(),
                "mail.read".into(),
            ]),
            ["Mail.Read", "User.Read"]
        );
        let mut other = account.clone();
        other.id = "a2".into();
        assert!(
            account.same_as(&other),
            "the same user name without identities"
        );
        other.cloud = Cloud::Global;
        assert!(!account.same_as(&other), "another cloud is another account");
        let identity = |key: &str| AccountIdentity {
            tenant_id: "T".into(),
            object_key: key.into(),
            username: "me".into(),
            display_name: None,
            source: IdentitySource::IdToken,
        };
        let (mut alice, mut bob) = (account.clone(), account.clone());
        alice.identity = Some(identity("o1"));
        bob.identity = Some(identity("o2"));
        assert!(
            !alice.same_as(&bob),
            "two users with one name are two accounts"
        );
        let mut sandbox = alice.clone();
        sandbox.kind = AccountKind::Sandbox;
        let mut moved = sandbox.clone();
        moved.cloud = Cloud::Custom {
            authority_host: "http://127.0.0.1:2".into(),
            graph_base: "http://127.0.0.1:2".into(),
        };
        assert!(
            sandbox.same_as(&moved),
            "the sandbox on another port is the same"
        );
        let custom = Cloud::Custom {
            authority_host: "http://127.0.0.1:9/".into(),
            graph_base: "http://127.0.0.1:9".into(),
        };
        assert_eq!(custom.authority_host(), "http://127.0.0.1:9");
        assert_eq!(custom.graph_resource(), "https://graph.microsoft.com");
    }

    #[test]
    fn accounts_stored_by_an_older_version_still_read() {
        let stored = r#"{"id":"a1","name":"ada@contoso","kind":"application","tenant":"t",
            "clientId":"c","cloud":{"kind":"global"},"scopes":[],
            "credential":{"kind":"certificate","thumbprint":"AB","x5t":"qw"}}"#;
        let account: AccountConfig = serde_json::from_str(stored).expect("reads");
        assert!(account.granted.is_empty() && account.identity.is_none());
        assert_eq!(
            account.credential,
            Credential::Certificate {
                thumbprint: "AB".into(),
                x5t: "qw".into(),
                x5t_s256: None
            }
        );
        assert_eq!(account.refresh_scopes(), account.request_scopes());
    }
}
