//! The one-line state the status bar shows: account, receiver, tunnel.
//!
//! Later issues fill these in (sign-in, the receiver, the tunnel); the shape is fixed now so the
//! window's status bar and the events that update it do not change when they arrive.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which account is active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountStatus {
    /// No account, the sandbox tenant, or a Microsoft account.
    pub kind: AccountStatusKind,
    /// What to show: a user principal name, an app name or "No account".
    pub label: String,
}

/// The kinds of account the status bar distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatusKind {
    /// Nothing signed in.
    None,
    /// The built-in offline tenant.
    Sandbox,
    /// A signed-in user (delegated).
    Delegated,
    /// An app-only identity.
    Application,
}

/// Whether the webhook receiver is listening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReceiverStatus {
    /// Running or not.
    pub state: ServiceState,
    /// The loopback URL when listening.
    pub local_url: Option<String>,
}

/// Whether a public URL is up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TunnelStatus {
    /// `none`, `ngrok` or `url`.
    pub provider: String,
    /// Running or not.
    pub state: ServiceState,
    /// The public URL when online.
    pub public_url: Option<String>,
}

/// The states a background service passes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    /// Not started.
    Stopped,
    /// Starting or reconnecting.
    Starting,
    /// Up.
    Running,
    /// Failed; the UI shows why elsewhere.
    Failed,
}

/// Account, receiver and tunnel at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StatusSnapshot {
    /// The active account.
    pub account: AccountStatus,
    /// The receiver.
    pub receiver: ReceiverStatus,
    /// The tunnel.
    pub tunnel: TunnelStatus,
}

impl StatusSnapshot {
    /// Nothing signed in, nothing running.
    pub fn idle() -> Self {
        Self {
            account: AccountStatus {
                kind: AccountStatusKind::None,
                label: "No account".into(),
            },
            receiver: ReceiverStatus {
                state: ServiceState::Stopped,
                local_url: None,
            },
            tunnel: TunnelStatus {
                provider: "none".into(),
                state: ServiceState::Stopped,
                public_url: None,
            },
        }
    }
}
