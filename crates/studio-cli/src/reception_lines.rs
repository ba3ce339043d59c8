//! How `listen` (and `follow`, `listen --event-hub`) print what arrives: one line per
//! reception with its checks, or one JSON object per line with `--json`; what a sender wrote is
//! shown, never obeyed (control characters are escaped).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI's output is its interface"
)]

use std::io::Write;

use serde_json::{Value, json};
use studio_core::receiving::reading::{self, ReceptionLine, ReceptionsRequest};
use studio_primitives::Clock;
use studio_receiver::TokenVerdict;
use studio_store::{Store, StoredItem};

/// How long a notification may wait for its checks before it is printed without them.
const CHECKS_AWAITED_SECONDS: i64 = 10;

/// Says that upkeep made a subscription again (or could not): what Graph sends from now on
/// names the new id.
pub(crate) fn recreated_line(
    previous: &str,
    replacement: Option<&str>,
    reason: &str,
    error: Option<&str>,
    json: bool,
) -> String {
    if json {
        return json!({
            "event": "recreated",
            "previous": previous,
            "subscription": replacement,
            "reason": reason,
            "error": error,
        })
        .to_string();
    }
    match (replacement, error) {
        (Some(new), _) => format!("Recreated {previous} as {new} ({reason})"),
        (None, error) => format!(
            "Could not recreate {previous} ({reason}): {}",
            error.unwrap_or("no reason given")
        ),
    }
}

/// The most receptions read in one look (more are read in further looks).
const PAGE: u32 = 256;

/// What [`print_ready`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Printed {
    /// Everything ready up to this id is printed.
    UpTo(i64),
    /// Nobody reads the output any more (a closed pipe): nothing left to print to.
    Closed,
}

/// Prints the receptions after `after` that are ready, in order of arrival, stopping at the first
/// notification still waiting for its checks (at most [`CHECKS_AWAITED_SECONDS`]) or when
/// `stopped` says so. Reads the store directly: it runs on the printer's own thread
/// (`printer.rs`), and writes a page at a time.
pub(crate) fn print_ready(
    store: &Store,
    clock: &dyn Clock,
    after: i64,
    json: bool,
    stopped: &dyn Fn() -> bool,
) -> Printed {
    let mut last = after;
    loop {
        let page = reading::list(
            store,
            &ReceptionsRequest {
                after: Some(last),
                limit: Some(PAGE),
                oldest_first: Some(true),
                ..ReceptionsRequest::default()
            },
        )
        .unwrap_or_default();
        let now = clock.now_unix();
        let full = page.len() == PAGE as usize;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for line in page {
            if stopped() {
                break;
            }
            let waited = now - studio_primitives::clock::unix_of(&line.received_at);
            if line.pending && waited < CHECKS_AWAITED_SECONDS {
                return flushed(out, last);
            }
            last = line.id;
            // The page's line says what it was; only its items are read (not its body), as
            // stored: the window's pretty-printed copies would be parsed again here.
            let Ok(items) = store.items_of(line.id) else {
                continue;
            };
            let written = if json {
                writeln!(out, "{}", reception_json(&line, &items))
            } else {
                write_reception(&mut out, &line, &items)
            };
            if written.is_err() {
                return Printed::Closed;
            }
        }
        if flushed(out, last) == Printed::Closed {
            return Printed::Closed;
        }
        if !full || stopped() {
            return Printed::UpTo(last);
        }
    }
}

fn flushed(mut out: impl Write, last: i64) -> Printed {
    match out.flush() {
        Ok(()) => Printed::UpTo(last),
        Err(_) => Printed::Closed,
    }
}

fn reception_json(s: &ReceptionLine, items: &[StoredItem]) -> Value {
    json!({
        "event": "reception",
        "id": s.id,
        "receivedAt": s.received_at,
        "kind": s.kind,
        "status": s.status,
        "method": s.method,
        "path": s.path,
        "query": s.query,
        "reason": s.reason,
        "items": items.iter().map(|stored| {
            let i = &stored.item;
            json!({
                "subscriptionId": i.subscription_id,
                "changeType": i.change_type,
                "lifecycleEvent": i.lifecycle_event,
                "resource": i.resource,
                "clientState": i.client_state,
                "duplicateOf": stored.duplicate_of,
                "tokens": i.tokens,
                "decrypted": i.decrypted.as_deref().and_then(|d| serde_json::from_str::<Value>(d).ok()),
                "decryptError": i.decrypt_error,
            })
        }).collect::<Vec<_>>(),
    })
}

/// The token verdict in a few words.
fn tokens_text(verdict: &TokenVerdict) -> String {
    match verdict {
        TokenVerdict::Valid { count } => format!("valid ({count})"),
        TokenVerdict::Invalid { reason } => format!("invalid: {reason}"),
        TokenVerdict::NotChecked { reason } => format!("not checked: {reason}"),
        TokenVerdict::Missing => "missing (resource data without validation tokens)".into(),
    }
}

/// `text` with control characters shown as escapes: what a sender put in a path, a resource or
/// a reason must not move the cursor, retitle the terminal or clear it.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

fn write_reception(
    out: &mut impl Write,
    s: &ReceptionLine,
    items: &[StoredItem],
) -> std::io::Result<()> {
    let reason = s
        .reason
        .as_deref()
        .map(|r| format!("  ({r})"))
        .unwrap_or_default();
    // An event read from a hub says where it was: `partition 1 · offset 42`.
    let origin = if s.method == studio_receiver::hub_event::HUB_METHOD {
        let mut parts = s.query.split('&').filter_map(|p| p.split_once('='));
        match (parts.next(), parts.next()) {
            (Some(("partition", partition)), Some(("offset", offset))) => {
                format!("  partition {partition} · offset {offset}")
            }
            _ => String::new(),
        }
    } else {
        String::new()
    };
    let line = format!(
        "{}  {:<12} {}  {} {}{origin}{reason}",
        s.received_at,
        s.kind.as_str(),
        s.status,
        s.method,
        s.path
    );
    writeln!(out, "{}", printable(&line))?;
    for stored in items {
        let item = &stored.item;
        let what = match (item.change_type, item.lifecycle_event) {
            (Some(change), _) => change.as_str(),
            (None, Some(event)) => event.as_str(),
            (None, None) => "?",
        };
        let mut checks = vec![format!("clientState={}", item.client_state.as_str())];
        if let Some(of) = stored.duplicate_of {
            checks.push(format!("duplicate-of={of}"));
        }
        if let Some(tokens) = &item.tokens {
            checks.push(format!("tokens={}", tokens_text(tokens)));
        }
        if let Some(error) = &item.decrypt_error {
            checks.push(format!("not-decrypted: {error}"));
        }
        let line = format!(
            "    {what:<10} {}  {}",
            item.resource.as_deref().unwrap_or("-"),
            checks.join("  ")
        );
        writeln!(out, "{}", printable(&line))?;
        if let Some(decrypted) = &item.decrypted {
            let compact = serde_json::from_str::<Value>(decrypted)
                .map(|v| v.to_string())
                .unwrap_or_else(|_| decrypted.clone());
            writeln!(out, "      decrypted {}", printable(&compact))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_from_a_sender_are_shown_not_obeyed() {
        assert_eq!(printable("Users/u/Messages/m"), "Users/u/Messages/m");
        assert_eq!(
            printable("\u{1b}]0;PWNED\u{7}\u{1b}[2J/x"),
            "\\u{1b}]0;PWNED\\u{7}\\u{1b}[2J/x"
        );
        assert!(!printable("a\u{9b}b\rc").chars().any(char::is_control));
    }

    #[test]
    fn an_event_from_a_hub_says_its_partition_and_offset() {
        let line = ReceptionLine {
            id: 7,
            received_at: "2026-11-28T10:00:00.000Z".into(),
            kind: studio_receiver::ReceptionKind::Validation,
            method: "EVENT".into(),
            path: "/graph".into(),
            query: "partition=1&offset=42".into(),
            status: 200,
            reason: None,
            body_bytes: 10,
            peer: "localhost:9093".into(),
            pending: false,
            items: 0,
            change_type: None,
            lifecycle_event: None,
            resource: None,
            client_state_problems: 0,
            unknown_subscriptions: 0,
            duplicates: 0,
            decrypted: 0,
            decrypt_failures: 0,
        };
        let mut out = Vec::new();
        write_reception(&mut out, &line, &[]).expect("written");
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.contains("EVENT /graph  partition 1 · offset 42"),
            "{text}"
        );
        assert_eq!(reception_json(&line, &[])["query"], "partition=1&offset=42");
    }

    #[test]
    fn token_verdicts_read_as_before() {
        assert_eq!(tokens_text(&TokenVerdict::Valid { count: 1 }), "valid (1)");
        assert_eq!(
            tokens_text(&TokenVerdict::Invalid {
                reason: "outside its lifetime".into()
            }),
            "invalid: outside its lifetime"
        );
    }
}
