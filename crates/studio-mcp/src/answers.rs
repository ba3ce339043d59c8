//! How tools answer. What the app refuses is a tool result flagged as an error that carries the
//! app's `{code, message, hint}`, so the agent reads the hint and can act on it (arguments of the
//! wrong type or out of bounds are tool errors too, see `params.rs`; an unknown tool is a protocol
//! error). Every clientState in an answer is hidden.

use rmcp::ErrorData;
use rmcp::model::CallToolResult;
use serde::Serialize;
use serde_json::{Value, json};
use studio_core::{CoreError, IpcError};

/// A tool's outcome.
pub type Answer = Result<CallToolResult, ErrorData>;

/// What stands for a clientState in answers.
pub const HIDDEN: &str = "(hidden)";

/// The value as structured content (and as its JSON text, for clients that read only text),
/// every `clientState` hidden.
pub fn done<T: Serialize>(value: &T) -> Answer {
    let mut value = serde_json::to_value(value)
        .map_err(|e| ErrorData::internal_error(format!("the answer is not JSON: {e}"), None))?;
    hide_client_states(&mut value);
    Ok(CallToolResult::structured(match value {
        // Structured content must be an object.
        Value::Object(_) => value,
        other => json!({ "result": other }),
    }))
}

/// The app's refusal, as a tool error with its code and hint.
pub fn refused(error: CoreError) -> CallToolResult {
    let error = IpcError::from(error);
    CallToolResult::structured_error(json!({
        "code": error.code,
        "message": error.message,
        "hint": error.hint,
    }))
}

/// `done` for a success, `refused` for the app's refusal.
pub fn answer<T: Serialize>(outcome: Result<T, CoreError>) -> Answer {
    match outcome {
        Ok(value) => done(&value),
        Err(error) => Ok(refused(error)),
    }
}

/// JSON text kept as text in the store (items, decrypted resources) as JSON again, so agents get
/// nested values rather than strings to parse.
pub fn as_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// Hides every `clientState` string: it is the secret Graph echoes so the app can tell its own
/// notifications from forged ones, and an agent has no use for it (each item's verdict says
/// whether it matched). Verdicts (`matches`, `differs`, …) are enums elsewhere, not strings under
/// this key in payloads, but a verdict object keeps its shape: only strings are replaced.
pub fn hide_client_states(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if key == "clientState" && inner.is_string() && !is_verdict(inner) {
                    *inner = Value::String(HIDDEN.to_owned());
                } else {
                    hide_client_states(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(hide_client_states),
        _ => {}
    }
}

/// The receiver's clientState verdicts, which are not secrets.
fn is_verdict(value: &Value) -> bool {
    matches!(
        value.as_str(),
        Some("matches" | "differs" | "missing" | "unknownSubscription")
    )
}

/// A body as text with each `"clientState": "…"` hidden.
pub fn without_client_state(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\"clientState\"") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let key_end = "\"clientState\"".len();
        let after_key = &from[key_end..];
        let colon = after_key.len() - after_key.trim_start().len();
        let value = after_key.trim_start();
        match value.strip_prefix(':').map(str::trim_start) {
            Some(quoted) if quoted.starts_with('"') => {
                let spaces = value.len() - quoted.len();
                // The closing quote: the first one not escaped.
                let bytes = quoted.as_bytes();
                let mut end = 1;
                while end < bytes.len() && (bytes[end] != b'"' || bytes[end - 1] == b'\\') {
                    end += 1;
                }
                out.push_str(&from[..key_end + colon + spaces]);
                out.push('"');
                out.push_str(HIDDEN);
                out.push('"');
                rest = quoted.get(end + 1..).unwrap_or_default();
            }
            _ => {
                out.push_str(&from[..key_end]);
                rest = after_key;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_states_are_hidden_in_values_and_bodies() {
        let mut value = json!({
            "subscription": { "clientState": "s3cret", "id": "a" },
            "items": [{ "clientState": "matches", "item": { "clientState": "s3cret" } }],
        });
        hide_client_states(&mut value);
        let text = value.to_string();
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("\"matches\""), "the verdict stays: {text}");

        let body = "{\n  \"clientState\" : \"s3\\\"cret\",\n  \"clientState\": null, \"x\": 1}";
        let hidden = without_client_state(body);
        assert!(!hidden.contains("s3"), "{hidden}");
        assert!(
            hidden.contains("\"clientState\" : \"(hidden)\""),
            "{hidden}"
        );
        assert!(hidden.contains("\"clientState\": null"), "{hidden}");
        assert!(hidden.ends_with("\"x\": 1}"), "{hidden}");
    }
}
