//! Signing in to the sandbox tenant in one click.
//!
//! The sandbox account runs the real delegated flow (authorization code + PKCE with a loopback
//! redirect), with `prompt=none` and a `login_hint`, so the emulator answers the authorize
//! request at once; instead of the system browser, [`SilentBrowser`] makes that request itself
//! and follows the redirect to the loopback listener. The app-only sandbox account uses client
//! credentials with the sandbox's printed secret. Nothing here is specific to the emulator
//! beyond its URLs and ids.

use std::future::Future;
use std::pin::Pin;

use crate::account::{AccountConfig, AccountKind, Cloud, Credential, new_id};
use crate::flows::Browser;

/// Delegated permissions the sandbox account asks for: reading every workload the explorer
/// lists, so most resources can be subscribed to without another consent.
pub const SANDBOX_SCOPES: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "Mail.Read",
    "Calendars.Read",
    "Contacts.Read",
    "Chat.Read",
    "ChannelMessage.Read.All",
    "Team.ReadBasic.All",
    "Channel.ReadBasic.All",
    "Group.Read.All",
    "Files.Read.All",
    "Sites.Read.All",
    "Tasks.ReadWrite",
    "Presence.Read.All",
];

/// Where a running sandbox is and who it has.
#[derive(Debug, Clone)]
pub struct SandboxFacts {
    /// Stands for `https://login.microsoftonline.com`.
    pub authority_host: String,
    /// Stands for `https://graph.microsoft.com`.
    pub graph_base: String,
    /// The tenant id.
    pub tenant_id: String,
    /// The desktop (public) client.
    pub public_client_id: String,
    /// The app-only client.
    pub confidential_client_id: String,
}

impl SandboxFacts {
    fn cloud(&self) -> Cloud {
        Cloud::Custom {
            authority_host: self.authority_host.clone(),
            graph_base: self.graph_base.clone(),
        }
    }

    /// A delegated sandbox account for the user `upn`.
    pub fn delegated(&self, upn: &str) -> AccountConfig {
        AccountConfig {
            id: new_id(),
            name: upn.to_owned(),
            kind: AccountKind::Sandbox,
            tenant: self.tenant_id.clone(),
            client_id: self.public_client_id.clone(),
            cloud: self.cloud(),
            scopes: SANDBOX_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            credential: Credential::None,
            granted: Vec::new(),
            identity: None,
        }
    }

    /// The app-only sandbox account (its secret goes to the secret store separately).
    pub fn app_only(&self) -> AccountConfig {
        AccountConfig {
            id: new_id(),
            name: "Sandbox app".into(),
            kind: AccountKind::SandboxApp,
            tenant: self.tenant_id.clone(),
            client_id: self.confidential_client_id.clone(),
            cloud: self.cloud(),
            scopes: Vec::new(),
            credential: Credential::Secret,
            granted: Vec::new(),
            identity: None,
        }
    }
}

/// The authorize parameters that make the sandbox answer without a page.
pub fn silent_parameters(upn: &str) -> [(&'static str, String); 2] {
    [
        ("prompt", "none".to_owned()),
        ("login_hint", upn.to_owned()),
    ]
}

/// A "browser" that requests the authorize URL itself and follows its redirect to the loopback
/// listener. Only for authorities that answer without a page (the sandbox with `prompt=none`).
#[derive(Debug, Default)]
pub struct SilentBrowser;

impl Browser for SilentBrowser {
    fn open(&self, url: &str) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
        let url = url.to_owned();
        Box::pin(async move {
            let client = studio_primitives::http::client(
                "the sandbox's silent sign-in",
                std::time::Duration::from_secs(20),
                studio_primitives::http::Redirects::Limited(3),
            )
            .map_err(|e| e.to_string())?;
            client
                .get(&url)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }
}
