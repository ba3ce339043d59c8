//! Reading what arrived: pages of receptions for the Inspector and `listen`, one reception whole
//! with its checked items and forwards, and exports to NDJSON and HAR.
//!
//! Everything here is data for display as text: bodies go out as text (or base64 when they are
//! not UTF-8), capped, and the window never renders them as HTML. Exports leave out credentials a
//! sender may have put in headers (`Authorization`, `Cookie`).

use std::io::Write;
use std::path::Path;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use studio_store::{Forward, Reception, ReceptionQuery, ReceptionSummary, Store, StoredItem};
use ts_rs::TS;

use crate::error::{ErrorCode, IpcError};

/// The most of a body shown in the window (the export has all of it).
pub const BODY_SHOWN: usize = 1024 * 1024;
/// Headers never exported.
const REDACTED_HEADERS: [&str; 4] = [
    "authorization",
    "cookie",
    "proxy-authorization",
    "x-api-key",
];

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
    /// Only this kind (`notification`, `lifecycle`, `validation`, `unexpected`, `rejected`).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Words an item must contain (as received or decrypted).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// At most this many (default 200, at most 1,000).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
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
    pub change_type: Option<String>,
    /// `resource`.
    pub resource: Option<String>,
    /// `lifecycleEvent`.
    pub lifecycle_event: Option<String>,
    /// `matches`, `differs`, `missing`, `unknownSubscription`.
    pub client_state: String,
    /// The item this repeats.
    #[ts(type = "number | null")]
    pub duplicate_of: Option<i64>,
    /// The validation tokens' verdict.
    pub tokens: Option<String>,
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
    pub summary: ReceptionSummary,
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
    pub forwards: Vec<Forward>,
}

/// `reception_get` / `reception_replay`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReceptionRef {
    /// The reception.
    #[ts(type = "number")]
    pub id: i64,
    /// Where to replay it (replay only).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `receptions_export`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportRequest {
    /// `ndjson` or `har`.
    pub format: String,
    /// The file to write (replaced).
    pub path: String,
}

fn pretty(text: &str) -> String {
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

/// A page of reception summaries, newest first.
pub fn list(store: &Store, request: &ReceptionsRequest) -> Result<Vec<ReceptionSummary>, IpcError> {
    Ok(store.reception_summaries(&ReceptionQuery {
        before: request.before,
        after: request.after,
        kind: request.kind.clone().filter(|k| !k.is_empty()),
        text: request.text.clone().filter(|t| !t.trim().is_empty()),
        limit: request.limit.unwrap_or(200).clamp(1, 1000),
    })?)
}

/// One reception with its items and forwards.
pub fn detail(store: &Store, id: i64) -> Result<ReceptionDetail, IpcError> {
    let reception = store.reception(id)?.ok_or_else(|| {
        IpcError::new(
            ErrorCode::NotFound,
            format!("Reception {id} is not stored."),
        )
        .with_hint("It may have been pruned by the retention limit (Settings → Receiver).")
    })?;
    let summary = store
        .reception_summaries(&ReceptionQuery {
            before: Some(id + 1),
            after: Some(id - 1),
            limit: 1,
            ..ReceptionQuery::default()
        })?
        .into_iter()
        .next()
        .ok_or_else(|| {
            IpcError::new(
                ErrorCode::NotFound,
                format!("Reception {id} is not stored."),
            )
        })?;
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
    Ok(ReceptionDetail {
        summary,
        query: reception.request.query.clone(),
        headers: reception.request.headers.clone(),
        body_text,
        body_base64,
        body_truncated: shown.len() < body.len(),
        items: store.items_of(id)?.into_iter().map(item_view).collect(),
        forwards: store.forwards_of(id)?,
    })
}

fn exported_headers(reception: &Reception) -> Vec<(String, String)> {
    reception
        .request
        .headers
        .iter()
        .map(|(name, value)| {
            if REDACTED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                (name.clone(), "[redacted]".into())
            } else {
                (name.clone(), value.clone())
            }
        })
        .collect()
}

fn body_fields(body: &[u8]) -> (Value, &'static str) {
    match std::str::from_utf8(body) {
        Ok(text) => (Value::String(text.to_owned()), "utf8"),
        Err(_) => (
            Value::String(base64::engine::general_purpose::STANDARD.encode(body)),
            "base64",
        ),
    }
}

/// One reception and its items as an NDJSON line.
pub fn ndjson_line(reception: &Reception, items: &[StoredItem]) -> Value {
    let (body, encoding) = body_fields(&reception.request.body);
    json!({
        "id": reception.id,
        "receivedAt": reception.request.received_at,
        "kind": reception.request.kind.as_str(),
        "method": reception.request.method,
        "path": reception.request.path,
        "query": reception.request.query,
        "headers": exported_headers(reception),
        "body": body,
        "bodyEncoding": encoding,
        "peer": reception.request.peer,
        "status": reception.request.status,
        "reason": reception.request.reason,
        "items": items.iter().map(|i| json!({
            "position": i.item.position,
            "subscriptionId": i.item.subscription_id,
            "changeType": i.item.change_type,
            "resource": i.item.resource,
            "lifecycleEvent": i.item.lifecycle_event,
            "clientState": i.item.client_state,
            "duplicateOf": i.duplicate_of,
            "tokens": i.item.tokens,
            "decrypted": i.item.decrypted.as_deref().and_then(|d| serde_json::from_str::<Value>(d).ok()),
            "decryptError": i.item.decrypt_error,
        })).collect::<Vec<_>>(),
    })
}

fn har_entry(reception: &Reception) -> Value {
    let r = &reception.request;
    let (text, encoding) = body_fields(&r.body);
    let mime = r
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let query: Vec<Value> = url::form_urlencoded::parse(r.query.as_bytes())
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
    let mut post = json!({"mimeType": mime, "text": text});
    if encoding == "base64" {
        post["encoding"] = json!("base64");
    }
    json!({
        "startedDateTime": r.received_at,
        "time": 0,
        "request": {
            "method": r.method,
            "url": format!("http://receiver{}{}{}", r.path, if r.query.is_empty() { "" } else { "?" }, r.query),
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": exported_headers(reception).into_iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
            "queryString": query,
            "postData": post,
            "headersSize": -1,
            "bodySize": r.body.len(),
        },
        "response": {
            "status": r.status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "text/plain"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
        "comment": format!("{} #{}{}", r.kind.as_str(), reception.id, r.reason.as_deref().map(|x| format!(": {x}")).unwrap_or_default()),
    })
}

/// Writes every stored reception (oldest first) to `path`; answers how many.
pub fn export(store: &Store, request: &ExportRequest) -> Result<u64, IpcError> {
    let format = request.format.to_ascii_lowercase();
    if !matches!(format.as_str(), "ndjson" | "har") {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            format!("'{}' is not an export format.", request.format),
        )
        .with_hint("Use ndjson or har."));
    }
    let io = |e: std::io::Error| {
        IpcError::new(
            ErrorCode::Storage,
            format!("{} could not be written: {e}", request.path),
        )
    };
    let path = Path::new(&request.path);
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(io)?;
    }
    let temporary = path.with_extension("partial");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&temporary).map_err(io)?);
    let upto = store.newest_reception_id()?;
    let mut after = 0;
    let mut count = 0_u64;
    if format == "har" {
        write!(out, "{{\"log\":{{\"version\":\"1.2\",\"creator\":{{\"name\":\"Graph Webhook Studio\",\"version\":\"{}\"}},\"entries\":[", env!("CARGO_PKG_VERSION")).map_err(io)?;
    }
    loop {
        let page = store.receptions_between(after, upto, 500)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for reception in &page {
            let line = if format == "har" {
                let separator = if count == 0 { "" } else { "," };
                format!("{separator}{}", har_entry(reception))
            } else {
                format!(
                    "{}\n",
                    ndjson_line(reception, &store.items_of(reception.id)?)
                )
            };
            out.write_all(line.as_bytes()).map_err(io)?;
            count += 1;
        }
    }
    if format == "har" {
        out.write_all(b"]}}").map_err(io)?;
    }
    out.flush().map_err(io)?;
    drop(out);
    std::fs::rename(&temporary, path).map_err(io)?;
    Ok(count)
}
