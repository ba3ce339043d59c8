//! The one-line state the status bar shows: account, receiver, tunnel.
//!
//! `status` answers it and `statusChanged` carries it; the window's status bar shows it.

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
pub struct ReceiverSummary {
    /// Running or not.
    pub state: ServiceState,
    /// The loopback URL when listening.
    pub local_url: Option<String>,
    /// Where its acknowledgements stand by Graph's rules, when it runs in this process.
    pub delivery: Option<studio_receiver::health::DeliveryState>,
}

/// Whether a public URL is up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TunnelSummary {
    /// Which provider.
    pub provider: crate::settings::TunnelKind,
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
    pub receiver: ReceiverSummary,
    /// The tunnel.
    pub tunnel: TunnelSummary,
}

impl StatusSnapshot {
    /// Nothing signed in, nothing running.
    pub fn idle() -> Self {
        Self {
            account: AccountStatus {
                kind: AccountStatusKind::None,
                label: "No account".into(),
            },
            receiver: ReceiverSummary {
                state: ServiceState::Stopped,
                local_url: None,
                delivery: None,
            },
            tunnel: TunnelSummary {
                provider: crate::settings::TunnelKind::None,
                state: ServiceState::Stopped,
                public_url: None,
            },
        }
    }
}
