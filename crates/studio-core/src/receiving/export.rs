//! Exports of what arrived: every stored reception (oldest first) as NDJSON (one reception and
//! its checked items per line) or as a HAR file other tools open. Credentials a sender may have
//! put in headers (`Authorization`, `Cookie`) are left out.
//!
//! An export holds decrypted resource data, so it goes to the app's exports folder
//! (`<data>/exports/`, private to the user like the rest of the data folder) under a plain file
//! name, or where the user picks in the system's save dialog (`ask`); a request naming any other
//! place is refused. It holds what the Inspector's filter shows (a kind, search words) or all.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use studio_receiver::ReceptionKind;
use studio_store::{Reception, ReceptionQuery, Store, StoredItem};
use ts_rs::TS;

use crate::error::CoreError;

/// Headers never exported.
const REDACTED_HEADERS: [&str; 4] = [
    "authorization",
    "cookie",
    "proxy-authorization",
    "x-api-key",
];

/// The formats receptions export to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ExportFormat {
    /// One JSON object per line: the reception, its body and its checked items.
    Ndjson,
    /// HTTP Archive 1.2 (browsers' and proxies' tools open it).
    Har,
}

impl ExportFormat {
    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Ndjson => "ndjson",
            ExportFormat::Har => "har",
        }
    }
}

/// `receptions_export`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportRequest {
    /// Which format.
    pub format: ExportFormat,
    /// The file's name in the exports folder (letters, digits, `.`, `-`, `_`; the format's
    /// extension is added when missing); by default one made from the time.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// Only this kind (the Inspector's filter).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ReceptionKind>,
    /// Only what these words find (the Inspector's search).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Ask where to write it, in the system's save dialog (the window only); the file name is
    /// then the one suggested.
    #[serde(default)]
    pub ask: bool,
}

impl ExportRequest {
    /// Which receptions it holds.
    pub fn filter(&self) -> ExportFilter {
        ExportFilter {
            kind: self.kind,
            text: self.text.clone().filter(|t| !t.trim().is_empty()),
        }
    }
}

/// Which receptions an export holds (everything when both are empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportFilter {
    /// Only this kind.
    pub kind: Option<ReceptionKind>,
    /// Only what these words find.
    pub text: Option<String>,
}

/// `receptions_export`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "state",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ExportDone {
    /// The file is written.
    Written {
        /// Where the file is.
        path: String,
        /// How many receptions it holds.
        #[ts(type = "number")]
        count: u64,
    },
    /// The user closed the save dialog: nothing was written.
    Cancelled,
}

/// The format as the save dialog's filter names it.
pub fn file_kind(format: ExportFormat) -> crate::save_dialog::FileKind {
    match format {
        ExportFormat::Ndjson => crate::save_dialog::FileKind {
            name: "NDJSON (one reception a line)",
            extension: "ndjson",
        },
        ExportFormat::Har => crate::save_dialog::FileKind {
            name: "HTTP Archive (HAR)",
            extension: "har",
        },
    }
}

/// A path chosen in a save dialog, with `extension` added when the user typed none.
pub fn with_extension(path: std::path::PathBuf, extension: &str) -> std::path::PathBuf {
    if path.extension().is_some() {
        path
    } else {
        path.with_extension(extension)
    }
}

/// The export's file in `folder`, from a requested name or the time.
pub fn export_path(
    folder: &Path,
    request: &ExportRequest,
    stamp: &str,
) -> Result<std::path::PathBuf, CoreError> {
    let extension = request.format.extension();
    let name = match request.file_name.as_deref().map(str::trim) {
        None | Some("") => format!("receptions-{}.{extension}", stamp.replace(':', "-")),
        Some(name) => {
            let plain = name.len() <= 120
                && !name.starts_with('.')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            if !plain {
                return Err(CoreError::refused(format!(
                    "'{name}' is not a plain file name."
                ))
                .with_hint("Exports go to the app's exports folder: give a name of letters, digits, dots, dashes and underscores."));
            }
            if name.ends_with(&format!(".{extension}")) {
                name.to_owned()
            } else {
                format!("{name}.{extension}")
            }
        }
    };
    Ok(folder.join(name))
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
        "kind": reception.request.kind,
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

/// The next page (oldest first, after `after`, up to `upto`) of the receptions `filter` holds.
fn page(
    store: &Store,
    filter: &ExportFilter,
    after: i64,
    upto: i64,
) -> Result<Vec<Reception>, CoreError> {
    if filter == &ExportFilter::default() {
        return Ok(store.receptions_between(after, upto, 500)?);
    }
    let lines = store.reception_summaries(&ReceptionQuery {
        after: Some(after),
        kind: filter.kind,
        text: filter.text.clone(),
        limit: 500,
        oldest_first: true,
        ..ReceptionQuery::default()
    })?;
    let mut page = Vec::with_capacity(lines.len());
    for line in lines.into_iter().filter(|line| line.id <= upto) {
        // One pruned since the list was read is simply not in the export.
        if let Some(reception) = store.reception(line.id)? {
            page.push(reception);
        }
    }
    Ok(page)
}

/// Writes the stored receptions `filter` holds (oldest first) to `path`, private to the user,
/// through a temporary file beside it; answers how many. The folder must exist unless it is the
/// app's own (`private_folder`), which is made.
pub fn export(
    store: &Store,
    path: &Path,
    format: ExportFormat,
    filter: &ExportFilter,
    private_folder: bool,
) -> Result<u64, CoreError> {
    let io = |source: std::io::Error| CoreError::Io {
        action: "write the export",
        path: path.to_path_buf(),
        source,
    };
    let har = format == ExportFormat::Har;
    if private_folder && let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        crate::paths::create_private_dir(folder).map_err(io)?;
    }
    let temporary = path.with_extension("partial");
    let mut out =
        std::io::BufWriter::new(crate::paths::create_private_file(&temporary).map_err(io)?);
    let upto = store.newest_reception_id()?;
    let mut after = 0;
    let mut count = 0_u64;
    if har {
        write!(out, "{{\"log\":{{\"version\":\"1.2\",\"creator\":{{\"name\":\"Graph Webhook Studio\",\"version\":\"{}\"}},\"entries\":[", env!("CARGO_PKG_VERSION")).map_err(io)?;
    }
    loop {
        let page = page(store, filter, after, upto)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for reception in &page {
            let line = if har {
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
    if har {
        out.write_all(b"]}}").map_err(io)?;
    }
    out.flush().map_err(io)?;
    drop(out);
    std::fs::rename(&temporary, path).map_err(io)?;
    Ok(count)
}
