//! The validation handshake: Graph POSTs `?validationToken=…` and needs, within
//! 10 seconds, a 200 with `Content-Type: text/plain` whose body is the URL-decoded token byte for
//! byte. The grade names the mistake when it is a known one (JSON, still encoded, 202, quotes).

use crate::probe::{self, HANDSHAKE_TIMEOUT, Target};
use crate::report::{Check, CheckId, Exchange, Status};

const RULE: &str = "On a POST with ?validationToken=…, answer within 10 seconds with 200 OK, Content-Type: text/plain, and the URL-decoded token as the whole body.";

/// Tokens that catch decoding mistakes: `+` and spaces, `%`, markup characters, an `&` that
/// looks like a second parameter, non-ASCII text, and a literal escape that must not be decoded
/// twice.
pub const ENCODING_TOKENS: [&str; 5] = [
    "Validation: plus+and spaces",
    "100% <sure> & \"quoted\"",
    "x=1&validationToken=injected",
    "Ünïcödé – 日本語 ✓",
    "%2B stays as typed",
];

/// No answer at all: refused, unresolvable, not TLS, or timed out; said in those words.
fn no_answer(exchange: &Exchange) -> (String, String) {
    let error = exchange.error.clone().unwrap_or_default();
    let lower = error.to_ascii_lowercase();
    if error == crate::probe::TIMED_OUT {
        return (
            format!(
                "No answer within {} s; Graph reports \"Subscription validation request timed out.\"",
                HANDSHAKE_TIMEOUT.as_secs()
            ),
            "Answer the handshake at once, before any slow work.".into(),
        );
    }
    if lower.contains("connection refused") {
        return (
            "Nothing answers at this address (connection refused).".into(),
            "Start your handler, and check the port and path in the URL.".into(),
        );
    }
    if lower.contains("dns error") || lower.contains("failed to lookup") {
        return (
            format!("The host name does not resolve ({error})."),
            "Check the host name in the URL.".into(),
        );
    }
    if let Some(problem) = exchange.tls {
        let (what, fix) = super::tls::explain(problem);
        return (format!("TLS refused the connection: {what}"), fix.into());
    }
    (
        format!("No answer ({error}); Graph reports \"Subscription validation request failed.\""),
        "Make the URL reachable and answer the handshake at once, before any slow work.".into(),
    )
}

/// Whether nothing could be reached at all (refused, unresolvable, TLS refused): then sending
/// notifications would only repeat the same error.
pub fn unreachable(exchange: &Exchange) -> bool {
    exchange.status.is_none() && exchange.error.as_deref() != Some(crate::probe::TIMED_OUT)
}

/// A token shaped like Graph's own.
pub fn graph_token() -> String {
    format!(
        "Validation: Testing client application reachability for subscription Request-Id: {}",
        studio_primitives::ids::random_guid()
    )
}

/// What was wrong with one answer to a handshake, with the fix; `None` when it was right.
pub fn fault(exchange: &Exchange, body: &[u8], token: &str) -> Option<(String, String)> {
    let Some(status) = exchange.status else {
        return Some(no_answer(exchange));
    };
    if exchange.error.is_some() {
        return Some((
            format!(
                "Answered {status}, but the body did not complete within {} s (a Content-Length promising more than was sent, or a stream left open); Graph reports \"Subscription validation request timed out.\"",
                HANDSHAKE_TIMEOUT.as_secs()
            ),
            "Send the token as the whole body and end the response (the right Content-Length, or close it).".into(),
        ));
    }
    if exchange.latency_ms > HANDSHAKE_TIMEOUT.as_millis() as u64 {
        return Some((
            format!(
                "Answered after {} ms; Graph gives up after 10 s.",
                exchange.latency_ms
            ),
            "Answer the handshake at once: do nothing else before echoing the token.".into(),
        ));
    }
    if (300..400).contains(&status) {
        let to = exchange
            .location
            .as_deref()
            .map(|l| format!(" to {l}"))
            .unwrap_or_default();
        return Some((
            format!("Answered {status}, a redirect{to}; Graph follows no redirects."),
            "Subscribe with the final URL (mind a trailing slash, or http redirected to https)."
                .into(),
        ));
    }
    if status != 200 {
        let fix = if (200..300).contains(&status) {
            format!(
                "Answer 200, not {status}: Graph accepts only 200 OK for the handshake (202 is for notifications)."
            )
        } else {
            "When the query has validationToken, answer 200 with the token, before checking anything else (the POST has an empty body).".into()
        };
        return Some((format!("Answered {status}; Graph needs 200 OK."), fix));
    }
    let content_type = exchange.content_type.clone().unwrap_or_default();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media != "text/plain" {
        let shown = if content_type.is_empty() {
            "no Content-Type".to_owned()
        } else {
            format!("Content-Type '{content_type}'")
        };
        return Some((
            format!("Answered with {shown}; Graph needs text/plain."),
            "Set Content-Type: text/plain on the handshake answer (a JSON framework's default is application/json).".into(),
        ));
    }
    if body == token.as_bytes() {
        return None;
    }
    let text = String::from_utf8_lossy(body);
    let encoded: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    let detail = if text == encoded {
        "The body is the token still URL-encoded.".to_owned()
    } else if text.trim() == token {
        "The body is the token with whitespace or a line break added.".to_owned()
    } else if text.trim().trim_matches('"') == token {
        "The body is the token in quotes (serialised as JSON?).".to_owned()
    } else if text == token.replace(' ', "+") {
        "Spaces came back as '+': the query was not form-decoded.".to_owned()
    } else if text.trim_start().starts_with('{') {
        format!(
            "The body is JSON ({}), not the token itself.",
            crate::report::excerpt(&text, 80)
        )
    } else {
        format!(
            "The body differs from the token ({} bytes sent, {} returned{}: \"{}\").",
            token.len(),
            body.len(),
            if body.len() >= crate::probe::ANSWER_LIMIT {
                " or more, read up to that"
            } else {
                ""
            },
            crate::report::excerpt(&text, 80)
        )
    };
    Some((
        format!("{detail} Graph reports \"Response must exactly match validationToken query parameter.\""),
        "Echo the query parameter as your framework decodes it (form decoding: '+' is a space, %XX a byte), unchanged, as the whole body.".into(),
    ))
}

fn graded(
    id: CheckId,
    title: &str,
    faults: Vec<(String, String)>,
    exchanges: Vec<Exchange>,
    passed: String,
) -> Check {
    let slowest = exchanges.iter().map(|e| e.latency_ms).max().unwrap_or(0);
    let (status, detail, fix) = match faults.first() {
        Some((_, fix)) => {
            let details: Vec<&str> = faults.iter().map(|(d, _)| d.as_str()).collect();
            (Status::Fail, details.join(" "), Some(fix.clone()))
        }
        None if slowest > 3_000 => (
            Status::Warn,
            format!("{passed} The slowest took {slowest} ms, close to Graph's 10 s limit."),
            Some("Answer the handshake before doing anything else.".into()),
        ),
        None => (Status::Pass, passed, None),
    };
    Check {
        id,
        title: title.into(),
        status,
        rule: RULE.into(),
        detail,
        fix,
        exchanges,
    }
}

/// One handshake with a Graph-shaped token on `url`.
pub async fn single(target: &Target, id: CheckId, url: &reqwest::Url, title: &str) -> Check {
    let token = graph_token();
    let (exchange, body) = probe::handshake(&target.http, url, &token).await;
    let faults: Vec<_> = fault(&exchange, &body, &token).into_iter().collect();
    let passed = format!(
        "Answered 200, text/plain, the token byte for byte, in {} ms.",
        exchange.latency_ms
    );
    graded(id, title, faults, vec![exchange], passed)
}

/// Handshakes with the [`ENCODING_TOKENS`], all at once.
pub async fn encodings(target: &Target) -> Check {
    let sent = ENCODING_TOKENS.iter().map(|token| async move {
        let (exchange, body) = probe::handshake(&target.http, &target.url, token).await;
        let fault = fault(&exchange, &body, token);
        (exchange, (*token, fault))
    });
    let results = futures_util::future::join_all(sent).await;
    let found: Vec<(&str, (String, String))> = results
        .iter()
        .filter_map(|(_, (token, fault))| fault.clone().map(|f| (*token, f)))
        .collect();
    // The same mistake for every token is said once; different ones token by token.
    let same = found.windows(2).all(|w| w[0].1 == w[1].1);
    let faults: Vec<(String, String)> = match found.first() {
        Some((_, (detail, fix))) if same && found.len() == ENCODING_TOKENS.len() => {
            vec![(format!("Every token: {detail}"), fix.clone())]
        }
        _ => found
            .into_iter()
            .map(|(token, (detail, fix))| (format!("Token {token:?}: {detail}"), fix))
            .collect(),
    };
    let exchanges = results.into_iter().map(|(e, _)| e).collect();
    let passed = format!(
        "All {} tokens (with +, spaces, %, <, &, quotes and non-ASCII text) came back byte for byte.",
        ENCODING_TOKENS.len()
    );
    graded(
        CheckId::HandshakeEncoding,
        "Handshake tokens with special characters",
        faults,
        exchanges,
        passed,
    )
}

/// The lifecycle URL's handshake, or a warning that there is none.
pub async fn lifecycle(target: &Target) -> Check {
    match &target.lifecycle {
        Some(url) => single(target, CheckId::HandshakeLifecycle, url, "Handshake on the lifecycle URL").await,
        None => Check {
            id: CheckId::HandshakeLifecycle,
            title: "Handshake on the lifecycle URL".into(),
            status: Status::Warn,
            rule: RULE.into(),
            detail: "No lifecycle URL was given, so the lifecycle checks were skipped.".into(),
            fix: Some("Give subscriptions a lifecycleNotificationUrl (and this suite --lifecycle-url): without one you never hear of reauthorizationRequired, subscriptionRemoved or missed, and notifications stop silently.".into()),
            exchanges: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ExchangeKind;

    fn answered(status: u16, content_type: &str) -> Exchange {
        Exchange {
            kind: ExchangeKind::Handshake,
            url: "http://localhost/".into(),
            status: Some(status),
            latency_ms: 5,
            content_type: Some(content_type.into()),
            body_excerpt: None,
            error: None,
            tls: None,
            location: None,
            notification_ids: Vec::new(),
        }
    }

    #[test]
    fn each_known_mistake_is_named() {
        let token = "a+b c&d";
        assert!(
            fault(
                &answered(200, "text/plain; charset=utf-8"),
                token.as_bytes(),
                token
            )
            .is_none()
        );
        let cases: [(Exchange, &[u8], &str); 6] = [
            (answered(202, "text/plain"), token.as_bytes(), "not 202"),
            (
                answered(200, "application/json"),
                b"\"a+b c&d\"",
                "application/json",
            ),
            (
                answered(200, "text/plain"),
                b"a%2Bb+c%26d",
                "still URL-encoded",
            ),
            (answered(200, "text/plain"), b"a+b c&d\n", "line break"),
            (answered(200, "text/plain"), b"\"a+b c&d\"", "quotes"),
            (
                answered(500, "text/plain"),
                b"",
                "before checking anything else",
            ),
        ];
        for (exchange, body, says) in cases {
            let (detail, fix) = fault(&exchange, body, token).expect("a fault");
            assert!(
                detail.contains(says) || fix.contains(says),
                "{says}: {detail} / {fix}"
            );
        }
        let mut slow = answered(200, "text/plain");
        slow.latency_ms = 12_000;
        assert!(fault(&slow, token.as_bytes(), token).is_some_and(|(d, _)| d.contains("10 s")));
    }
}
