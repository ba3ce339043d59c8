//! Reading what arrived: pages of receptions for the Inspector and `listen`, and one reception
//! whole with its checked items and forwards.
//!
//! These are the window's views, not the store's rows: verdicts and kinds cross as typed unions,
//! bodies as text (or base64 when they are not UTF-8), capped, and the window never renders them
//! as HTML.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use studio_receiver::{
    ChangeType, ClientStateVerdict, LifecycleEvent, ReceptionKind, TokenVerdict,
};
use studio_store::{Forward, ReceptionQuery, ReceptionSummary, Store, StoredItem};
use ts_rs::TS;

use crate::error::CoreError;

/// The most of a body shown in the window (the export has all of it).
pub const BODY_SHOWN: usize = 1024 * 1024;

/// `receptions_list`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReceptionsRequest {
    /// Older than this id (the next page).
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<i64>,
    /// Newer than this id (what arrived since).
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
    /// Only this kind.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ReceptionKind>,
    /// Words an item must contain (as received or decrypted).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// At most this many (default 200, at most 1,000).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Oldest first (with `after`: read what arrived since, in order, a page at a time).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_first: Option<bool>,
    /// Skip this many first: the page at a scroll position (the Inspector's list).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
}

/// `receptions_count`'s answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReceptionCount {
    /// How many receptions the filter holds.
    #[ts(type = "number")]
    pub count: u64,
}

/// How many receptions a filter (kind, search words) holds.
pub fn count(store: &Store, request: &ReceptionsRequest) -> Result<ReceptionCount, CoreError> {
    Ok(ReceptionCount {
        count: store.filtered_count(&query_of(request))?,
    })
}

fn query_of(request: &ReceptionsRequest) -> ReceptionQuery {
    ReceptionQuery {
        before: request.before,
        after: request.after,
        kind: request.kind,
        text: request.text.clone().filter(|t| !t.trim().is_empty()),
        limit: request.limit.unwrap_or(200).clamp(1, 1000),
        offset: request.offset.unwrap_or(0),
        oldest_first: request.oldest_first.unwrap_or(false),
    }
}

/// A line of the Inspector's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReceptionLine {
    /// Its id.
    #[ts(type = "number")]
    pub id: i64,
    /// When it arrived (RFC 3339).
    pub received_at: String,
    /// What it was.
    pub kind: ReceptionKind,
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// The query string (a validation token; a hub event's `partition=P&offset=O`).
    pub query: String,
    /// The status answered.
    pub status: u16,
    /// Why it was refused or unexpected, or why it has no items.
    pub reason: Option<String>,
    /// Body size in bytes.
    #[ts(type = "number")]
    pub body_bytes: i64,
    /// Who sent it.
    pub peer: String,
    /// Its items have not been checked yet (a moment after the 202).
    pub pending: bool,
    /// Items read from it.
    #[ts(type = "number")]
    pub items: i64,
    /// The first item's change type.
    pub change_type: Option<ChangeType>,
    /// The first item's lifecycle event.
    pub lifecycle_event: Option<LifecycleEvent>,
    /// The first item's resource.
    pub resource: Option<String>,
    /// Items whose clientState differs or is missing (forged, or not for this app).
    #[ts(type = "number")]
    pub client_state_problems: i64,
    /// Items for a subscription not made here (their clientState could not be checked).
    #[ts(type = "number")]
    pub unknown_subscriptions: i64,
    /// Items that repeat an earlier one.
    #[ts(type = "number")]
    pub duplicates: i64,
    /// Items decrypted.
    #[ts(type = "number")]
    pub decrypted: i64,
    /// Items that could not be decrypted.
    #[ts(type = "number")]
    pub decrypt_failures: i64,
}

impl From<ReceptionSummary> for ReceptionLine {
    fn from(s: ReceptionSummary) -> ReceptionLine {
        ReceptionLine {
            pending: s.pending,
            id: s.id,
            received_at: s.received_at,
            kind: s.kind,
            method: s.method,
            path: s.path,
            query: s.query,
            status: s.status,
            reason: s.reason,
            body_bytes: s.body_bytes,
            peer: s.peer,
            items: s.items,
            change_type: s.change_type,
            lifecycle_event: s.lifecycle_event,
            resource: s.resource,
            client_state_problems: s.client_state_problems,
            unknown_subscriptions: s.unknown_subscriptions,
            duplicates: s.duplicates,
            decrypted: s.decrypted,
            decrypt_failures: s.decrypt_failures,
        }
    }
}

/// A forwarded or replayed copy and what the target answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ForwardView {
    /// The reception sent.
    #[ts(type = "number")]
    pub reception_id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Where to.
    pub url: String,
    /// The status answered, when there was an answer.
    pub status: Option<u16>,
    /// How long it took.
    #[ts(type = "number")]
    pub duration_ms: i64,
    /// The answer's body (first 64 KiB).
    pub body: Option<String>,
    /// Why there was no answer.
    pub failure: Option<String>,
}

impl From<Forward> for ForwardView {
    fn from(f: Forward) -> ForwardView {
        ForwardView {
            reception_id: f.reception_id,
            at: f.at,
            url: f.url,
            status: f.status,
            duration_ms: f.duration_ms,
            body: f.body,
            failure: f.failure,
        }
    }
}

/// One item with its checks, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ItemView {
    /// Its id.
    #[ts(type = "number")]
    pub id: i64,
    /// Place in the POST.
    pub position: u32,
    /// `subscriptionId`.
    pub subscription_id: Option<String>,
    /// `changeType`.
    pub change_type: Option<ChangeType>,
    /// `resource`.
    pub resource: Option<String>,
    /// `lifecycleEvent`.
    pub lifecycle_event: Option<LifecycleEvent>,
    /// The clientState check.
    pub client_state: ClientStateVerdict,
    /// The item this repeats.
    #[ts(type = "number | null")]
    pub duplicate_of: Option<i64>,
    /// The validation tokens' verdict (none when the POST carried none).
    pub tokens: Option<TokenVerdict>,
    /// The decrypted resource, pretty JSON.
    pub decrypted: Option<String>,
    /// Why it could not be decrypted.
    pub decrypt_error: Option<String>,
    /// The item as received, pretty JSON.
    pub item: String,
}

/// A reception whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReceptionDetail {
    /// The list line.
    pub summary: ReceptionLine,
    /// The raw query string.
    pub query: String,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// The body as text (pretty when JSON), when it is UTF-8.
    pub body_text: Option<String>,
    /// The body as base64, when it is not UTF-8.
    pub body_base64: Option<String>,
    /// Only the first [`BODY_SHOWN`] bytes are shown.
    pub body_truncated: bool,
    /// Its items with their checks.
    pub items: Vec<ItemView>,
    /// Where it was forwarded or replayed.
    pub forwards: Vec<ForwardView>,
    /// How many validation tokens the POST carried (`reception_tokens` takes them apart).
    pub token_count: u32,
}

/// `reception_get` / `reception_replay` / `reception_curl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReceptionRef {
    /// The reception.
    #[ts(type = "number")]
    pub id: i64,
    /// Where to replay it (replay and curl only; by default the forwarding target).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A body to send instead of the stored one (replay and curl only).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// JSON text made readable (anything else as it is).
pub fn pretty(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_owned())
}

fn item_view(stored: StoredItem) -> ItemView {
    ItemView {
        id: stored.id,
        position: stored.item.position,
        subscription_id: stored.item.subscription_id,
        change_type: stored.item.change_type,
        resource: stored.item.resource,
        lifecycle_event: stored.item.lifecycle_event,
        client_state: stored.item.client_state,
        duplicate_of: stored.duplicate_of,
        tokens: stored.item.tokens,
        decrypted: stored.item.decrypted.as_deref().map(pretty),
        decrypt_error: stored.item.decrypt_error,
        item: pretty(&stored.item.item),
    }
}

fn not_stored(id: i64) -> CoreError {
    CoreError::not_found(format!("Reception {id} is not stored."))
        .with_hint("It may have been pruned by the retention limit (Settings → Receiver).")
}

/// A page of receptions, newest first.
pub fn list(store: &Store, request: &ReceptionsRequest) -> Result<Vec<ReceptionLine>, CoreError> {
    Ok(store
        .reception_summaries(&query_of(request))?
        .into_iter()
        .map(ReceptionLine::from)
        .collect())
}

/// Only the checked items of reception `id` (none while it is pending, or for a request that has
/// none): one query, no body read or formatted.
pub fn items(store: &Store, id: i64) -> Result<Vec<ItemView>, CoreError> {
    Ok(store.items_of(id)?.into_iter().map(item_view).collect())
}

/// How many validation tokens a notification or lifecycle POST carried.
fn token_count(kind: ReceptionKind, body: &[u8]) -> u32 {
    if !matches!(kind, ReceptionKind::Notification | ReceptionKind::Lifecycle) {
        return 0;
    }
    studio_receiver::verify::items(body)
        .map(|(_, tokens)| u32::try_from(tokens.len()).unwrap_or(u32::MAX))
        .unwrap_or(0)
}

/// One reception with its items and forwards, and its whole body.
pub fn detail(store: &Store, id: i64) -> Result<(ReceptionDetail, Vec<u8>), CoreError> {
    let reception = store.reception(id)?.ok_or_else(|| not_stored(id))?;
    let summary = store
        .reception_summaries(&ReceptionQuery {
            before: Some(id + 1),
            after: Some(id - 1),
            limit: 1,
            oldest_first: false,
            ..ReceptionQuery::default()
        })?
        .into_iter()
        .next()
        .ok_or_else(|| not_stored(id))?;
    let body = &reception.request.body;
    let shown = &body[..body.len().min(BODY_SHOWN)];
    let (body_text, body_base64) = match std::str::from_utf8(shown) {
        Ok(text) if shown.len() == body.len() => (Some(pretty(text)), None),
        Ok(text) => (Some(text.to_owned()), None),
        Err(_) => (
            None,
            Some(base64::engine::general_purpose::STANDARD.encode(shown)),
        ),
    };
    let summary_kind = summary.kind;
    let detail = ReceptionDetail {
        summary: summary.into(),
        query: reception.request.query.clone(),
        headers: reception.request.headers.clone(),
        body_text,
        body_base64,
        body_truncated: shown.len() < body.len(),
        items: items(store, id)?,
        forwards: store
            .forwards_of(id)?
            .into_iter()
            .map(ForwardView::from)
            .collect(),
        token_count: token_count(summary_kind, body),
    };
    Ok((detail, reception.request.body))
}
