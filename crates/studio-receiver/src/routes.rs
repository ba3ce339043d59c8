//! The receiver's one handler: every request goes through it, so nothing escapes recording.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use studio_primitives::Clock;

use crate::checks::AfterCommit;
use crate::reception::{NewReception, ReceptionKind, ReceptionSink};

/// What the handler needs.
#[derive(Clone)]
pub struct ReceiverState {
    /// Where receptions go.
    pub sink: Arc<dyn ReceptionSink>,
    /// `/{secret}/notifications`.
    pub notification_path: String,
    /// `/{secret}/lifecycle`.
    pub lifecycle_path: String,
    /// The largest body accepted.
    pub max_body: usize,
    /// How long a body may take to arrive.
    pub body_timeout: std::time::Duration,
    /// What stamps arrivals.
    pub clock: Arc<dyn Clock>,
    /// What runs on each stored notification, after the answer.
    pub after: Option<Arc<dyn AfterCommit>>,
}

impl std::fmt::Debug for ReceiverState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiverState")
            .field("notification_path", &self.notification_path)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
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

async fn receive(
    State(state): State<ReceiverState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let kind = if path == state.notification_path {
        Some(ReceptionKind::Notification)
    } else if path == state.lifecycle_path {
        Some(ReceptionKind::Lifecycle)
    } else {
        None
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut record = NewReception {
        received_at: state.clock.now_rfc3339(),
        kind: kind.unwrap_or(ReceptionKind::Unexpected),
        method: parts.method.as_str().to_owned(),
        path,
        query,
        headers,
        body: Vec::new(),
        peer: peer.to_string(),
        status: 0,
        reason: None,
    };

    // The handshake first, answered before anything is written.
    if let (Some(_), Some(token)) = (kind, validation_token(&record.query))
        && matches!(parts.method, Method::POST | Method::GET)
    {
        record.kind = ReceptionKind::Validation;
        record.status = 200;
        let sink = Arc::clone(&state.sink);
        tokio::spawn(async move {
            if let Err(error) = sink.commit(record).await {
                tracing::warn!(%error, "a validation handshake could not be recorded");
            }
        });
        return text(StatusCode::OK, token);
    }

    let read = tokio::time::timeout(
        state.body_timeout,
        axum::body::to_bytes(Body::new(body), state.max_body),
    )
    .await;
    let bytes = match read {
        Ok(Ok(bytes)) => bytes,
        Err(_) => {
            record.kind = ReceptionKind::Rejected;
            record.status = 408;
            record.reason = Some(format!(
                "the body did not arrive within {} s",
                state.body_timeout.as_secs_f32()
            ));
            return remember(&state, record, "Request timeout.").await;
        }
        Ok(Err(_)) => {
            record.kind = ReceptionKind::Rejected;
            record.status = 413;
            record.reason = Some(format!("the body is larger than {} bytes", state.max_body));
            return remember(&state, record, "Payload too large.").await;
        }
    };
    record.body = bytes.to_vec();

    match kind {
        None => {
            record.status = 404;
            record.reason = Some("not a receiver path".into());
            remember(&state, record, "Not found.").await
        }
        Some(_) if parts.method != Method::POST => {
            record.kind = ReceptionKind::Rejected;
            record.status = 405;
            record.reason = Some(format!("{} without a validationToken", parts.method));
            remember(&state, record, "Method not allowed.").await
        }
        Some(kind) => {
            record.status = 202;
            // The same buffer, shared (no second copy of up to 4 MiB on the hot path).
            let body = state.after.as_ref().map(|_| bytes.clone());
            match state.sink.commit(record).await {
                Ok(id) => {
                    if let (Some(after), Some(body)) = (state.after.clone(), body) {
                        tokio::task::spawn_blocking(move || after.stored(id, kind, body));
                    }
                    StatusCode::ACCEPTED.into_response()
                }
                Err(error) => {
                    tracing::error!(%error, "a notification could not be stored: answering 503 so Graph retries");
                    text(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "Not stored; try again.".into(),
                    )
                }
            }
        }
    }
}

/// Records a refused or unexpected request (waiting for it, so tests and users see it at once),
/// then answers its status.
async fn remember(state: &ReceiverState, record: NewReception, message: &str) -> Response {
    let status = StatusCode::from_u16(record.status).unwrap_or(StatusCode::BAD_REQUEST);
    if let Err(error) = state.sink.commit(record).await {
        tracing::warn!(%error, "a refused request could not be recorded");
    }
    text(status, message.to_owned())
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
}
