//! Sending to the handler as Graph does, and recording what came back as an [`Exchange`]: the
//! status, the time to the whole answer, the content type and a short excerpt of the body.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::report::{Exchange, ExchangeKind, excerpt};

/// How long a handshake may take before Graph gives up (reference §4).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the suite waits for a notification's answer: past Graph's 10 s "slow" line, so a slow
/// handler is measured rather than cut off.
pub const NOTIFICATION_TIMEOUT: Duration = Duration::from_secs(15);
/// What an exchange's error says when the time limit passed.
pub const TIMED_OUT: &str = "no answer before the time limit";
/// The most of an answer read (a handshake echo is short; nothing else matters).
pub const ANSWER_LIMIT: usize = 64 * 1024;

/// The client and where things go.
#[derive(Debug, Clone)]
pub struct Target {
    /// Shared client: no redirects (Graph follows none), rustls with the OS's roots.
    pub http: reqwest::Client,
    /// The notification URL.
    pub url: reqwest::Url,
    /// The lifecycle URL, if given.
    pub lifecycle: Option<reqwest::Url>,
}

/// The ids of a notification body's items (empty strings for items without one).
pub fn ids_of(body: &Value) -> Vec<String> {
    body["value"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The handshake: `POST url?validationToken=…`, `text/plain`, empty body, Graph's timeout.
/// Returns the exchange and the body bytes read (for the byte-for-byte comparison).
pub async fn handshake(
    http: &reqwest::Client,
    url: &reqwest::Url,
    token: &str,
) -> (Exchange, Vec<u8>) {
    let mut target = url.clone();
    target
        .query_pairs_mut()
        .append_pair("validationToken", token);
    let request = http
        .post(target)
        .header("content-type", "text/plain; charset=utf-8")
        .timeout(HANDSHAKE_TIMEOUT);
    send(request, ExchangeKind::Handshake, url, Vec::new()).await
}

/// A notification or lifecycle POST of `body` (JSON, as Graph sends it).
pub async fn notify(
    http: &reqwest::Client,
    url: &reqwest::Url,
    kind: ExchangeKind,
    body: &Value,
) -> Exchange {
    let request = http
        .post(url.clone())
        .header("content-type", "application/json; charset=utf-8")
        .body(body.to_string())
        .timeout(NOTIFICATION_TIMEOUT);
    send(request, kind, url, ids_of(body)).await.0
}

async fn send(
    request: reqwest::RequestBuilder,
    kind: ExchangeKind,
    url: &reqwest::Url,
    notification_ids: Vec<String>,
) -> (Exchange, Vec<u8>) {
    let started = Instant::now();
    let mut exchange = Exchange {
        kind,
        url: crate::report::shown_url(url.as_str()),
        status: None,
        latency_ms: 0,
        content_type: None,
        body_excerpt: None,
        error: None,
        tls: None,
        location: None,
        notification_ids,
    };
    let mut read = Vec::new();
    match request.send().await {
        Ok(mut response) => {
            exchange.status = Some(response.status().as_u16());
            exchange.location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|v| crate::report::shown_url(&String::from_utf8_lossy(v.as_bytes())));
            exchange.content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .map(|v| excerpt(&String::from_utf8_lossy(v.as_bytes()), 120));
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        let room = ANSWER_LIMIT.saturating_sub(read.len());
                        read.extend_from_slice(&chunk[..chunk.len().min(room)]);
                        if room <= chunk.len() {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(error) => {
                        exchange.error = Some(describe(error));
                        break;
                    }
                }
            }
            if !read.is_empty() {
                exchange.body_excerpt = Some(excerpt(&String::from_utf8_lossy(&read), 300));
            }
        }
        Err(error) => {
            exchange.tls = crate::checks::tls::problem_of(&error);
            exchange.error = Some(describe(error));
        }
    }
    exchange.latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    (exchange, read)
}

/// A sentence for a failed request, with the TLS or connection cause when there is one (never the
/// URL, which may carry a key).
pub fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        return TIMED_OUT.into();
    }
    let error = error.without_url();
    let mut causes = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(&error);
    while let Some(current) = source {
        let text = current.to_string();
        if !causes.contains(&text) {
            causes.push(text);
        }
        source = current.source();
    }
    excerpt(&causes.join(": "), 400)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_read_from_items_that_have_one() {
        let body = json!({"value": [{"id": "a"}, {"changeType": "created"}, {"id": "b"}]});
        assert_eq!(ids_of(&body), ["a", "b"]);
        assert!(ids_of(&json!({"value": "x"})).is_empty());
    }
}
