//! What the store's own tests share.

use studio_receiver::{NewReception, ReceptionKind};

/// A notification POST with `body`, acknowledged (202), so it waits for its checks once stored.
pub(crate) fn acknowledged(body: impl Into<Vec<u8>>) -> NewReception {
    NewReception {
        received_at: "2026-11-29T00:00:00.000Z".into(),
        kind: ReceptionKind::Notification,
        method: "POST".into(),
        path: "/s/notifications".into(),
        query: String::new(),
        headers: vec![],
        body: body.into(),
        peer: "127.0.0.1:1".into(),
        status: 202,
        reason: None,
    }
}
