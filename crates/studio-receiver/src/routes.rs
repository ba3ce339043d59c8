//! The receiver's one handler: every request goes through it, so nothing escapes recording, and
//! nothing it records is unbounded.
//!
//! - On the receiver's secret paths a request is kept as it arrived (headers, query, body), within
//!   the limits: a `Content-Length` above the body limit is answered 413 at once, a body that goes
//!   past it or arrives too slowly 413 or 408, a malformed body 400 with the reason, a query
//!   above its limit 414. What is refused is kept with its reason and without its body.
//! - Anything else (scanners, typos) is answered 404 without reading its body and kept as a
//!   summary only (method, the first part of its path, peer, sizes, time); at most
//!   [`Limits::recorded_refusals_per_second`] of those and of the refusals above are recorded a
//!   second, the rest counted and the count kept with the next one recorded.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use studio_primitives::Clock;

use crate::reception::{NewReception, ReceptionKind, ReceptionSink};
use crate::server::{Limits, Refusals};

/// The most of a path kept for a request off the receiver's paths.
pub const SUMMARY_PATH_CHARS: usize = 120;

/// What the handler needs.
#[derive(Clone)]
pub struct ReceiverState {
    /// Where receptions go.
    pub sink: Arc<dyn ReceptionSink>,
    /// `/{secret}/notifications`.
    pub notification_path: String,
    /// `/{secret}/lifecycle`.
    pub lifecycle_path: String,
    /// What the receiver puts up with.
    pub limits: Arc<Limits>,
    /// What stamps arrivals.
    pub clock: Arc<dyn Clock>,
    /// How many summaries may still be recorded this second.
    pub budget: Arc<RecordingBudget>,
    /// Each acknowledgement's time, judged by Graph's rules.
    pub delivery: Arc<crate::health::AckMeter>,
}

impl std::fmt::Debug for ReceiverState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiverState")
            .field("notification_path", &self.notification_path)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A per-second allowance of recorded summaries, and how many went unrecorded.
#[derive(Debug)]
pub struct RecordingBudget {
    per_second: u32,
    window: Mutex<(i64, u32, u64)>,
}

impl RecordingBudget {
    /// `per_second` summaries a second.
    pub fn new(per_second: u32) -> RecordingBudget {
        RecordingBudget {
            per_second,
            window: Mutex::new((0, 0, 0)),
        }
    }

    /// Whether one more may be recorded in second `now`; when it may, how many were skipped
    /// since the last one recorded.
    pub fn take(&self, now: i64) -> Option<u64> {
        let Ok(mut window) = self.window.lock() else {
            return None;
        };
        let (second, used, skipped) = &mut *window;
        if *second != now {
            *second = now;
            *used = 0;
        }
        if *used >= self.per_second {
            *skipped += 1;
            return None;
        }
        *used += 1;
        Some(std::mem::take(skipped))
    }
}

/// The router: one fallback handler for everything.
pub fn router(state: ReceiverState) -> Router {
    Router::new().fallback(receive).with_state(state)
}

/// The URL-decoded `validationToken`, if the query has one.
pub fn validation_token(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "validationToken")
        .map(|(_, value)| value.into_owned())
}

fn text(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn header_list(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

async fn receive(
    State(state): State<ReceiverState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let started = std::time::Instant::now();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path();
    let kind = if path == state.notification_path {
        ReceptionKind::Notification
    } else if path == state.lifecycle_path {
        ReceptionKind::Lifecycle
    } else {
        return off_path(&state, peer, &parts.method, path, &parts.headers).await;
    };
    // Timed from here to the answer, or to the moment the client gave up (then dropped).
    let mut timed = Timed {
        meter: Arc::clone(&state.delivery),
        clock: Arc::clone(&state.clock),
        started,
        armed: true,
    };
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let mut record = NewReception {
        received_at: state.clock.now_rfc3339(),
        kind,
        method: parts.method.as_str().to_owned(),
        path: path.to_owned(),
        query: String::new(),
        headers: header_list(&parts.headers),
        body: Vec::new(),
        peer: peer.to_string(),
        status: 0,
        reason: None,
    };
    if query.len() > state.limits.max_query_bytes {
        record.query = query.chars().take(256).collect();
        return refuse(
            &state,
            record,
            414,
            format!(
                "the query is {} bytes; at most {} are accepted",
                query.len(),
                state.limits.max_query_bytes
            ),
            "URI too long.",
        )
        .await;
    }
    record.query = query;

    // The handshake first, answered before anything is written.
    if let Some(token) = validation_token(&record.query)
        && matches!(parts.method, Method::POST | Method::GET)
    {
        record.kind = ReceptionKind::Validation;
        record.status = 200;
        // A handshake is judged by its own rules, not counted with the acknowledgements.
        timed.armed = false;
        let sink = Arc::clone(&state.sink);
        tokio::spawn(async move {
            if let Err(error) = sink.commit(record).await {
                tracing::warn!(%error, "a validation handshake could not be recorded");
            }
        });
        return text(StatusCode::OK, token);
    }
    if let Some(length) = declared_length(&parts.headers)
        && length > state.limits.max_body as u64
    {
        return refuse(
            &state,
            record,
            413,
            format!(
                "the body is declared as {length} bytes; at most {} are accepted",
                state.limits.max_body
            ),
            "Payload too large.",
        )
        .await;
    }
    let read = tokio::time::timeout(
        state.limits.body_timeout,
        Limited::new(Body::new(body), state.limits.max_body).collect(),
    )
    .await;
    let bytes = match read {
        Ok(Ok(collected)) => collected.to_bytes(),
        Err(_) => {
            let reason = format!(
                "the body did not arrive within {} s",
                state.limits.body_timeout.as_secs_f32()
            );
            return refuse(&state, record, 408, reason, "Request timeout.").await;
        }
        Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => {
            let reason = format!("the body is larger than {} bytes", state.limits.max_body);
            return refuse(&state, record, 413, reason, "Payload too large.").await;
        }
        Ok(Err(error)) => {
            let reason = format!("the body is not well-formed HTTP: {error}");
            return refuse(&state, record, 400, reason, "Malformed body.").await;
        }
    };
    if parts.method != Method::POST {
        let reason = format!("{} without a validationToken", parts.method);
        return refuse(&state, record, 405, reason, "Method not allowed.").await;
    }
    record.status = 202;
    record.body = bytes.to_vec();
    let answer = match state.sink.commit(record).await {
        Ok(_) => StatusCode::ACCEPTED.into_response(),
        Err(error) => {
            tracing::error!(%error, "a notification could not be stored: answering 503 so Graph retries");
            text(
                StatusCode::SERVICE_UNAVAILABLE,
                "Not stored; try again.".into(),
            )
        }
    };
    drop(timed);
    answer
}

/// Records a notification's or lifecycle event's answer time in the delivery meter when dropped:
/// once answered, or when the client gave up first (hyper drops the handler; those are the
/// slowest answers of all, which Graph counts as timeouts). Measured at this receiver: a tunnel's
/// hop and the wait for the request's head are not in it.
struct Timed {
    meter: Arc<crate::health::AckMeter>,
    clock: Arc<dyn Clock>,
    started: std::time::Instant,
    armed: bool,
}

impl Drop for Timed {
    fn drop(&mut self) {
        if self.armed {
            let (before, after) = self
                .meter
                .record(self.clock.now_unix(), self.started.elapsed());
            if before != after {
                tracing::debug!(?before, ?after, "delivery health changed");
            }
        }
    }
}

/// A request on a receiver path refused: kept with its reason, without its body (waiting for the
/// store, so tests and users see it at once), within the recording budget.
async fn refuse(
    state: &ReceiverState,
    mut record: NewReception,
    status: u16,
    reason: String,
    message: &str,
) -> Response {
    record.kind = ReceptionKind::Rejected;
    record.status = status;
    if let Some(skipped) = state.budget.take(state.clock.now_unix()) {
        record.reason = Some(with_skipped(reason, skipped));
        if let Err(error) = state.sink.commit(record).await {
            tracing::warn!(%error, "a refused request could not be recorded");
        }
    }
    text(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        message.to_owned(),
    )
}

/// A request off the receiver's paths: 404 at once, its body unread, a bounded summary kept.
async fn off_path(
    state: &ReceiverState,
    peer: SocketAddr,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Response {
    if let Some(skipped) = state.budget.take(state.clock.now_unix()) {
        let header_bytes: usize = headers
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len())
            .sum();
        let mut reason = format!(
            "not a receiver path; {} header(s), {header_bytes} bytes",
            headers.len()
        );
        if let Some(length) = declared_length(headers) {
            reason.push_str(&format!("; a {length}-byte body, not read"));
        }
        let record = NewReception {
            received_at: state.clock.now_rfc3339(),
            kind: ReceptionKind::Unexpected,
            method: method.as_str().chars().take(16).collect(),
            path: path.chars().take(SUMMARY_PATH_CHARS).collect(),
            query: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
            peer: peer.to_string(),
            status: 404,
            reason: Some(with_skipped(reason, skipped)),
        };
        if let Err(error) = state.sink.commit(record).await {
            tracing::warn!(%error, "an unexpected request could not be recorded");
        }
    }
    let mut response = text(StatusCode::NOT_FOUND, "Not found.".into());
    // The body was not read: do not keep the connection for what follows it.
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn with_skipped(reason: String, skipped: u64) -> String {
    if skipped == 0 {
        reason
    } else {
        format!("{reason} ({skipped} more refused or unexpected requests were not recorded)")
    }
}

/// The store-backed [`Refusals`]: what hyper refused, kept like the handler's refusals.
pub(crate) struct RecordRefusals {
    pub(crate) sink: Arc<dyn ReceptionSink>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) budget: Arc<RecordingBudget>,
}

impl Refusals for RecordRefusals {
    fn refused(&self, peer: SocketAddr, status: u16, reason: String) {
        let Some(skipped) = self.budget.take(self.clock.now_unix()) else {
            return;
        };
        let record = NewReception {
            received_at: self.clock.now_rfc3339(),
            kind: ReceptionKind::Rejected,
            method: String::new(),
            path: String::new(),
            query: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
            peer: peer.to_string(),
            status,
            reason: Some(with_skipped(reason, skipped)),
        };
        let sink = Arc::clone(&self.sink);
        tokio::spawn(async move {
            if let Err(error) = sink.commit(record).await {
                tracing::warn!(%error, "a refused connection could not be recorded");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_url_decoded_exactly() {
        assert_eq!(
            validation_token("validationToken=Validation%3A+Testing+client+application%26more"),
            Some("Validation: Testing client application&more".into())
        );
        assert_eq!(
            validation_token("a=1&validationToken=%E2%9C%93"),
            Some("✓".into())
        );
        assert_eq!(validation_token("other=1"), None);
    }

    #[test]
    fn the_budget_counts_what_it_skips_and_tells_the_next_one() {
        let budget = RecordingBudget::new(2);
        assert_eq!(budget.take(10), Some(0));
        assert_eq!(budget.take(10), Some(0));
        assert_eq!(budget.take(10), None);
        assert_eq!(budget.take(10), None);
        assert_eq!(budget.take(11), Some(2));
    }
}
