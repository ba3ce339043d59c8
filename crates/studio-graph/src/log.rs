//! The HTTP exchange log: every Graph request the app makes, with its answer, so users can see
//! exactly what was sent and copy any call as `curl`.
//!
//! Authorization headers are redacted before an exchange is recorded; bodies are kept up to
//! 64 KiB each. Where the log lives is the caller's choice ([`ExchangeLog`]); the app keeps it in
//! its SQLite store, tests in memory.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The most of a body an exchange keeps.
pub const MAX_LOGGED_BODY: usize = 64 * 1024;
/// What a redacted header value reads.
pub const REDACTED_HEADER: &str = "‹redacted›";

/// One request and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Exchange {
    /// The `client-request-id` the app sent (also Graph's correlation id).
    pub id: String,
    /// The account that made it.
    pub account_id: String,
    /// When it started, RFC 3339.
    pub at: String,
    /// `GET`, `POST`, …
    pub method: String,
    /// The full URL.
    pub url: String,
    /// The HTTP status, or none when no answer came.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// How long it took, in milliseconds.
    pub duration_ms: u32,
    /// Request headers (Authorization redacted).
    pub request_headers: Vec<(String, String)>,
    /// The request body, if any (truncated at 64 KiB).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    /// Response headers.
    pub response_headers: Vec<(String, String)>,
    /// The response body, if any (truncated at 64 KiB).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    /// What went wrong when there was no answer (timeout, connection refused).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

impl Exchange {
    /// The request as a `curl` command; the token is left for the user to supply as `$TOKEN`, a
    /// redacted clientState as `$CLIENT_STATE`.
    pub fn to_curl(&self) -> String {
        let quote = studio_primitives::shell::quote;
        let mut parts = vec![format!("curl -X {}", self.method), quote(&self.url)];
        for (name, value) in &self.request_headers {
            if name.eq_ignore_ascii_case("authorization") {
                parts.push("-H \"Authorization: Bearer $TOKEN\"".to_owned());
            } else {
                parts.push(format!("-H {}", quote(&format!("{name}: {value}"))));
            }
        }
        if let Some(body) = &self.request_body {
            // A redacted clientState becomes a variable the user sets, spliced out of the quotes.
            let placeholder = format!("\"{REDACTED_HEADER}\"");
            let variable = format!("\"'\"{CLIENT_STATE_VARIABLE}\"'\"");
            parts.push(format!(
                "--data-raw {}",
                quote(body).replace(&placeholder, &variable)
            ));
        }
        parts.join(" \\\n  ")
    }
}

/// JSON fields whose values are shared secrets: a subscription's `clientState` is what proves a
/// notification came from Graph, so the log (and a copied curl) never shows it.
const SECRET_FIELDS: &[&str] = &["clientState"];

/// What `to_curl` puts where a redacted `clientState` was: a shell variable the user sets.
const CLIENT_STATE_VARIABLE: &str = "$CLIENT_STATE";

/// Keeps a body for the log: secret JSON fields redacted, UTF-8 (lossy), at most
/// `MAX_LOGGED_BODY` bytes.
pub fn loggable_body(bytes: &[u8]) -> Option<String> {
    if bytes.is_empty() {
        return None;
    }
    let redacted = redact_secret_fields(bytes);
    let bytes = redacted.as_deref().unwrap_or(bytes);
    let kept = &bytes[..bytes.len().min(MAX_LOGGED_BODY)];
    let mut text = String::from_utf8_lossy(kept).into_owned();
    if bytes.len() > MAX_LOGGED_BODY {
        text.push_str(&format!(
            "\n… ({} more bytes not kept)",
            bytes.len() - MAX_LOGGED_BODY
        ));
    }
    Some(text)
}

/// The body with every secret field's string value replaced by [`REDACTED_HEADER`], or `None`
/// when it is not JSON or holds none. The rest keeps its bytes (what was sent is what is shown):
/// each value is replaced where it follows its key. Whenever that cannot be trusted (a key
/// written twice or with escapes, a value in another escaping), the body is written again from
/// what was parsed, without any secret.
fn redact_secret_fields(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let mut secrets = Vec::new();
    let fields = take_secrets(&mut value, &mut secrets);
    let text = std::str::from_utf8(bytes).ok()?;
    let written = secret_keys(text).count();
    if written == 0 && fields == 0 {
        return None;
    }
    let rewritten = || serde_json::to_vec(&value).ok();
    if written != fields {
        return rewritten();
    }
    let placeholder = serde_json::Value::String(REDACTED_HEADER.to_owned()).to_string();
    let encoded: Vec<String> = secrets
        .iter()
        .map(|s| serde_json::Value::String(s.clone()).to_string())
        .collect();
    let mut kept = String::with_capacity(text.len());
    let mut copied = 0;
    for after_key in secret_keys(text) {
        let rest = &text[after_key..];
        let Some(colon) = rest.trim_start().strip_prefix(':') else {
            continue;
        };
        let value_at = text.len() - colon.trim_start().len();
        if let Some(secret) = encoded
            .iter()
            .find(|e| text[value_at..].starts_with(e.as_str()))
        {
            kept.push_str(&text[copied..value_at]);
            kept.push_str(&placeholder);
            copied = value_at + secret.len();
        }
    }
    kept.push_str(&text[copied..]);
    let mut check: serde_json::Value = match serde_json::from_str(&kept) {
        Ok(check) => check,
        Err(_) => return rewritten(),
    };
    let mut left = Vec::new();
    take_secrets(&mut check, &mut left);
    if left.is_empty() && check == value {
        Some(kept.into_bytes())
    } else {
        rewritten()
    }
}

/// Where each secret key, as written (`"clientState"`, any case), ends in `text`.
fn secret_keys(text: &str) -> impl Iterator<Item = usize> + '_ {
    let lower = text.to_ascii_lowercase();
    let patterns: Vec<String> = SECRET_FIELDS
        .iter()
        .map(|f| format!("\"{}\"", f.to_ascii_lowercase()))
        .collect();
    let mut ends: Vec<usize> = patterns
        .iter()
        .flat_map(|p| {
            lower
                .match_indices(p.as_str())
                .map(|(at, m)| at + m.len())
                .collect::<Vec<_>>()
        })
        .collect();
    ends.sort_unstable();
    ends.into_iter()
}

/// Replaces secret fields' string values (at any depth) by the placeholder, collecting them;
/// answers how many secret fields (of any type) there are.
fn take_secrets(value: &mut serde_json::Value, found: &mut Vec<String>) -> usize {
    let mut fields = 0;
    match value {
        serde_json::Value::Object(map) => {
            for (name, field) in map.iter_mut() {
                let secret = SECRET_FIELDS.iter().any(|s| s.eq_ignore_ascii_case(name));
                fields += usize::from(secret);
                match field {
                    serde_json::Value::String(text) if secret && text != REDACTED_HEADER => {
                        found.push(std::mem::replace(text, REDACTED_HEADER.to_owned()));
                    }
                    other => fields += take_secrets(other, found),
                }
            }
        }
        serde_json::Value::Array(values) => {
            for value in values {
                fields += take_secrets(value, found);
            }
        }
        _ => {}
    }
    fields
}

/// Headers for the log, with credentials redacted.
pub fn loggable_headers(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let shown = if is_credential(name.as_str()) {
                REDACTED_HEADER.to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

fn is_credential(name: &str) -> bool {
    [
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    ]
    .iter()
    .any(|c| name.eq_ignore_ascii_case(c))
}

/// Somewhere exchanges go.
pub trait ExchangeLog: Send + Sync + std::fmt::Debug {
    /// Records one exchange.
    fn record(&self, exchange: Exchange);
}

/// The newest exchanges in memory (tests, the CLI).
#[derive(Debug)]
pub struct MemoryLog {
    capacity: usize,
    entries: Mutex<VecDeque<Exchange>>,
}

impl MemoryLog {
    /// Keeps at most `capacity` exchanges.
    pub fn new(capacity: usize) -> MemoryLog {
        MemoryLog {
            capacity,
            entries: Mutex::new(VecDeque::new()),
        }
    }

    /// Every kept exchange, oldest first.
    pub fn entries(&self) -> Vec<Exchange> {
        self.entries
            .lock()
            .map(|e| e.iter().cloned().collect())
            .unwrap_or_default()
    }
}

impl ExchangeLog for MemoryLog {
    fn record(&self, exchange: Exchange) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.push_back(exchange);
            while entries.len() > self.capacity {
                entries.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A logged `POST /subscriptions` with these headers and body.
    fn posted(request_headers: Vec<(String, String)>, request_body: Option<String>) -> Exchange {
        Exchange {
            id: "r1".into(),
            account_id: "a".into(),
            at: "t".into(),
            method: "POST".into(),
            url: "https://graph.microsoft.com/v1.0/subscriptions".into(),
            status: Some(201),
            duration_ms: 12,
            request_headers,
            request_body,
            response_headers: vec![],
            response_body: None,
            failure: None,
        }
    }

    #[test]
    fn curl_never_carries_the_token_and_quotes_safely() {
        let exchange = posted(
            vec![
                ("authorization".into(), REDACTED_HEADER.into()),
                ("content-type".into(), "application/json".into()),
            ],
            Some("{\"note\":\"it's\"}".into()),
        );
        let curl = exchange.to_curl();
        assert!(curl.contains("$TOKEN") && !curl.contains(REDACTED_HEADER));
        assert!(curl.contains("it'\\''s"), "{curl}");
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "Authorization",
            reqwest::header::HeaderValue::from_static("Bearer secret"),
        );
        assert_eq!(loggable_headers(&headers)[0].1, REDACTED_HEADER);
        assert_eq!(
            loggable_body(&vec![b'a'; MAX_LOGGED_BODY + 5]).map(|b| b.ends_with("not kept)")),
            Some(true)
        );
    }

    #[test]
    fn client_states_never_reach_the_log_and_curl_asks_for_them() {
        // As sent: the bytes around the secret are kept as they were.
        let sent = br#"{"changeType": "created", "clientState": "s3cr3t-value", "expirationDateTime": "x"}"#;
        let logged = loggable_body(sent).unwrap_or_default();
        assert_eq!(
            logged,
            format!(
                r#"{{"changeType": "created", "clientState": "{REDACTED_HEADER}", "expirationDateTime": "x"}}"#
            )
        );
        // Nested (a list of subscriptions), any case, another escaping of the same value.
        let listed = br#"{"value":[{"ClientState":"caf\u00e9-secret"},{"clientState":null}],"other":"caf\u00e9"}"#;
        let logged = loggable_body(listed).unwrap_or_default();
        assert!(!logged.contains("secret"), "{logged}");
        assert!(
            logged.contains(REDACTED_HEADER) && logged.contains("null"),
            "{logged}"
        );
        // A clientState like other values only replaces itself; one whose value is ':' or that
        // is written twice (serde keeps the last) leaves nothing either.
        let short = br#"{"changeType":"created","clientState":"created"}"#;
        assert_eq!(
            loggable_body(short).unwrap_or_default(),
            format!(r#"{{"changeType":"created","clientState":"{REDACTED_HEADER}"}}"#)
        );
        let colon = br#"{"clientState" : ":","a":":"}"#;
        let logged = loggable_body(colon).unwrap_or_default();
        assert_eq!(
            logged,
            format!(r#"{{"clientState" : "{REDACTED_HEADER}","a":":"}}"#)
        );
        let twice = br#"{"clientState":"first-secret","clientState":"second-secret"}"#;
        let logged = loggable_body(twice).unwrap_or_default();
        assert!(!logged.contains("secret\""), "{logged}");
        let escaped_key = br#"{"client\u0053tate":"hidden-secret"}"#;
        let logged = loggable_body(escaped_key).unwrap_or_default();
        assert!(!logged.contains("hidden"), "{logged}");
        // Not JSON, or no secret: unchanged.
        assert_eq!(
            loggable_body(b"clientState=abc").as_deref(),
            Some("clientState=abc")
        );
        assert_eq!(loggable_body(br#"{"a":1}"#).as_deref(), Some(r#"{"a":1}"#));

        let exchange = posted(vec![], loggable_body(sent));
        let curl = exchange.to_curl();
        assert!(
            curl.contains(r#""clientState": "'"$CLIENT_STATE"'", "#),
            "{curl}"
        );
        assert!(
            !curl.contains("s3cr3t") && !curl.contains(REDACTED_HEADER),
            "{curl}"
        );
    }
}
