//! What the receiver hands to storage: every request as it arrived ([`NewReception`]), and the
//! sink it is committed to ([`ReceptionSink`]). The receiver declares both; the app's store
//! implements the sink (`studio_store::GroupCommit`), tests bring their own.

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What kind of request it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ReceptionKind {
    /// A change notification POST.
    Notification,
    /// A lifecycle notification POST.
    Lifecycle,
    /// A validation handshake (`?validationToken=`).
    Validation,
    /// Anything else (scanners, typos): answered 404, kept so users see it.
    Unexpected,
    /// Refused (too large, too slow, wrong method): kept with the reason.
    Rejected,
}

impl ReceptionKind {
    /// Every kind, in the order the Inspector offers them.
    pub const ALL: [ReceptionKind; 5] = [
        ReceptionKind::Notification,
        ReceptionKind::Lifecycle,
        ReceptionKind::Validation,
        ReceptionKind::Unexpected,
        ReceptionKind::Rejected,
    ];

    /// The stored name (`notification`, …), also its JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReceptionKind::Notification => "notification",
            ReceptionKind::Lifecycle => "lifecycle",
            ReceptionKind::Validation => "validation",
            ReceptionKind::Unexpected => "unexpected",
            ReceptionKind::Rejected => "rejected",
        }
    }

    /// The kind of a stored name (anything unknown reads as `unexpected`).
    pub fn from_stored(text: &str) -> ReceptionKind {
        ReceptionKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .unwrap_or(ReceptionKind::Unexpected)
    }

    /// Notifications and lifecycle notifications carry items to check.
    pub fn has_items(self) -> bool {
        matches!(self, ReceptionKind::Notification | ReceptionKind::Lifecycle)
    }
}

/// A request as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReception {
    /// RFC 3339 with milliseconds, from the receiver's clock.
    pub received_at: String,
    /// What it was.
    pub kind: ReceptionKind,
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Raw query string (may be empty).
    pub query: String,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body, byte for byte (empty when refused unread).
    pub body: Vec<u8>,
    /// The peer's address.
    pub peer: String,
    /// The status answered.
    pub status: u16,
    /// Why it was refused or unexpected.
    pub reason: Option<String>,
}

/// Why a reception could not be committed (the receiver then answers 503 so Graph retries).
#[derive(Debug, thiserror::Error)]
#[error("the reception could not be stored")]
pub struct CommitError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Where receptions go (the store's group commit in the app; failing sinks in tests).
pub trait ReceptionSink: Send + Sync {
    /// Stores a reception; resolves with its id once it is durable.
    fn commit(
        &self,
        reception: NewReception,
    ) -> Pin<Box<dyn Future<Output = Result<i64, CommitError>> + Send + '_>>;
}
