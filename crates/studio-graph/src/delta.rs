//! Delta queries: read what changed in a collection since a token, following Graph's paging
//! (`@odata.nextLink` until an `@odata.deltaLink`), and start again with a full sync when Graph
//! says the token expired (`410 Gone`, or `syncStateNotFound`/`resyncRequired`).
//!
//! The caller keeps the returned `deltaLink` for the next round; this module keeps nothing.

use reqwest::Method;
use serde_json::Value;
use studio_catalog::model::ApiVersion;

use crate::{GraphClient, GraphError};

/// Pages read in one round before giving up (a runaway `nextLink` loop).
pub const MAX_PAGES: usize = 5_000;
/// Changes a reconciliation keeps from one round (the rest are counted as cut).
pub const MAX_CHANGES: usize = 100_000;

/// One changed item as delta reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeltaChange {
    /// The item's id.
    pub id: String,
    /// It was deleted (or left the collection): `@removed`, or a drive item's `deleted` facet.
    pub removed: bool,
    /// Its `@odata.etag` (Outlook's change key), when it has one.
    pub etag: Option<String>,
    /// Its `lastModifiedDateTime`, when it has one.
    pub last_modified: Option<String>,
    /// A subject, name or title to recognise it by (at most 120 characters).
    pub label: Option<String>,
    /// A drive's root folder (its `root` facet): listed by drive delta whenever anything below
    /// it changes.
    pub drive_root: bool,
}

impl DeltaChange {
    /// Reads one item of a delta page; `None` without an id.
    pub fn of(item: &Value) -> Option<DeltaChange> {
        let id = item["id"].as_str()?.to_owned();
        Some(DeltaChange {
            id,
            removed: item.get("@removed").is_some() || item.get("deleted").is_some(),
            etag: item["@odata.etag"].as_str().map(str::to_owned),
            last_modified: item["lastModifiedDateTime"].as_str().map(str::to_owned),
            label: ["subject", "displayName", "name", "title"]
                .iter()
                .find_map(|k| item[*k].as_str())
                .map(|s| s.chars().take(120).collect()),
            drive_root: item.get("root").is_some(),
        })
    }
}

/// What one delta round read.
#[derive(Debug, Clone, Default)]
pub struct DeltaRound {
    /// Every changed item, in Graph's order.
    pub changes: Vec<DeltaChange>,
    /// The link to ask next time.
    pub delta_link: String,
    /// Pages read.
    pub pages: usize,
    /// Whether this was a full sync (no token, or the token expired).
    pub full_sync: bool,
    /// Why the token was not used: Graph's error code when it had expired.
    pub restarted: Option<String>,
    /// More changes than asked to keep were listed (the rest were read and not kept).
    pub truncated: bool,
}

/// Whether Graph's answer means "this token is no longer good: sync again from the start".
pub fn is_expired_token(error: &GraphError) -> bool {
    match error {
        GraphError::Service { status: 410, .. } => true,
        GraphError::Service { code, .. } => {
            let code = code.to_ascii_lowercase();
            code == "syncstatenotfound" || code == "resyncrequired" || code == "syncstateinvalid"
        }
        _ => false,
    }
}

impl GraphClient {
    /// One delta round: from `from` (a kept `deltaLink`, or `None` for a full sync of
    /// `start`), through every page, to the next `deltaLink`, keeping at most `keep` changes
    /// (0 for a baseline, which needs only the link). An expired token restarts with a full sync
    /// of `start`, and the round says so.
    pub async fn delta(
        &self,
        api: ApiVersion,
        start: &str,
        from: Option<&str>,
        keep: usize,
    ) -> Result<DeltaRound, GraphError> {
        // A kept link that is not this account's Graph (a sandbox now on another port, a damaged
        // record) is never followed: the round starts again from the start.
        let from = from.filter(|link| self.is_own(&self.url(api, link)));
        let mut round = DeltaRound {
            full_sync: from.is_none(),
            ..DeltaRound::default()
        };
        let mut next = from.unwrap_or(start).to_owned();
        loop {
            if round.pages >= MAX_PAGES {
                return Err(GraphError::Decode(format!(
                    "delta did not end after {MAX_PAGES} pages"
                )));
            }
            let response = match self.send(Method::GET, api, &next, None).await {
                Ok(response) => response,
                Err(error) if is_expired_token(&error) && round.restarted.is_none() => {
                    let code = match &error {
                        GraphError::Service { code, .. } => code.clone(),
                        _ => String::new(),
                    };
                    tracing::info!(%code, start, "delta token expired: full sync");
                    round = DeltaRound {
                        full_sync: true,
                        restarted: Some(code),
                        ..DeltaRound::default()
                    };
                    next = start.to_owned();
                    continue;
                }
                Err(error) => return Err(error),
            };
            round.pages += 1;
            if let Some(values) = response.body["value"].as_array() {
                for change in values.iter().filter_map(DeltaChange::of) {
                    if round.changes.len() < keep {
                        round.changes.push(change);
                    } else {
                        round.truncated = true;
                    }
                }
            }
            if let Some(link) = response.body["@odata.nextLink"].as_str() {
                next = link.to_owned();
                continue;
            }
            match response.body["@odata.deltaLink"].as_str() {
                Some(link) => {
                    round.delta_link = link.to_owned();
                    return Ok(round);
                }
                None => {
                    return Err(GraphError::Decode(
                        "a delta page had neither @odata.nextLink nor @odata.deltaLink".into(),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn removed_items_and_change_keys_are_read() {
        let gone = DeltaChange::of(&json!({"id": "a", "@removed": {"reason": "deleted"}}));
        assert!(gone.is_some_and(|c| c.removed));
        let file = DeltaChange::of(&json!({"id": "f", "deleted": {"state": "deleted"}}));
        assert!(file.is_some_and(|c| c.removed));
        let kept = DeltaChange::of(
            &json!({"id": "m", "@odata.etag": "W/\"k\"", "lastModifiedDateTime": "2026-01-01T00:00:00Z"}),
        );
        assert!(
            kept.as_ref()
                .is_some_and(|c| !c.removed && c.etag.as_deref() == Some("W/\"k\""))
        );
        assert!(DeltaChange::of(&json!({"subject": "no id"})).is_none());
    }

    #[test]
    fn expired_tokens_are_recognised_by_status_or_code() {
        let gone = GraphError::from_body(
            410,
            br#"{"error":{"code":"syncStateNotFound","message":"x"}}"#,
            None,
        );
        assert!(is_expired_token(&gone));
        let old = GraphError::from_body(
            400,
            br#"{"error":{"code":"resyncRequired","message":"x"}}"#,
            None,
        );
        assert!(is_expired_token(&old));
        let other = GraphError::from_body(
            400,
            br#"{"error":{"code":"BadRequest","message":"x"}}"#,
            None,
        );
        assert!(!is_expired_token(&other));
    }
}
