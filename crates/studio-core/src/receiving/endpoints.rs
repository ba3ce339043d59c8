//! Where the receiver answers, and what a start reports.

use serde::{Deserialize, Serialize};
use studio_tunnel::TunnelStatus;
use ts_rs::TS;

use crate::settings::TunnelKind;

/// Where the receiver answers, locally and publicly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    /// `http://127.0.0.1:PORT/{secret}/notifications`.
    pub local_notification_url: String,
    /// The lifecycle path, locally.
    pub local_lifecycle_url: String,
    /// The public notification URL (through the tunnel), when there is one.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_notification_url: Option<String>,
    /// The public lifecycle URL.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_lifecycle_url: Option<String>,
    /// Which provider makes it public.
    pub tunnel: TunnelKind,
    /// Where notifications are forwarded, if anywhere.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forward_to: Option<String>,
}

impl Endpoints {
    /// The notification and lifecycle URLs Graph should use: public when there is a tunnel,
    /// loopback otherwise (only the sandbox can deliver there).
    pub fn for_graph(&self) -> (String, String) {
        match (&self.public_notification_url, &self.public_lifecycle_url) {
            (Some(n), Some(l)) => (n.clone(), l.clone()),
            _ => (
                self.local_notification_url.clone(),
                self.local_lifecycle_url.clone(),
            ),
        }
    }
}

/// `receiver_start`'s answer: the receiver listens; the tunnel may have failed (then the
/// receiver keeps listening on this computer, where the sandbox still delivers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReceivingStarted {
    /// Where it answers.
    pub endpoints: Endpoints,
    /// Why the tunnel did not open, with what to do.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tunnel_problem: Option<TunnelProblem>,
}

/// Why the tunnel did not open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TunnelProblem {
    /// ngrok's error code (`ERR_NGROK_107`), when it gave one.
    pub code: Option<String>,
    /// What happened, in a sentence.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

/// A tunnel's failure as the window shows it.
pub(crate) fn tunnel_problem(error: &studio_tunnel::TunnelError) -> TunnelProblem {
    let (code, hint) = match error.status() {
        TunnelStatus::Failed { code, hint, .. } => (code, Some(hint).filter(|h| !h.is_empty())),
        _ => (None, None),
    };
    TunnelProblem {
        code,
        message: format!("The tunnel did not open: {error}."),
        hint,
    }
}
