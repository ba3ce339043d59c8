//! What the store's own tests share.

use studio_receiver::{NewReception, ReceptionKind};

use crate::Store;
use crate::inspect::ReceptionQuery;

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

/// The ids of the receptions a search for `text` lists, newest first (at most 10).
pub(crate) fn searched(store: &Store, text: &str) -> Vec<i64> {
    store
        .reception_summaries(&ReceptionQuery {
            text: Some(text.into()),
            limit: 10,
            ..ReceptionQuery::default()
        })
        .expect("search")
        .iter()
        .map(|s| s.id)
        .collect()
}
