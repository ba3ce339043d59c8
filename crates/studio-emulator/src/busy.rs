//! Graph throttling the caller: `429 Too Many Requests` (or `503 Service Unavailable`) with a
//! `Retry-After` header, on demand, so clients' back-off can be tested (reference §9).
//!
//! `POST /_emulator/throttle {"requests": N, "retryAfterSeconds": S, "status": 429}` makes the
//! next N Graph requests (under `/v1.0` and `/beta`) answer that way; `{"requests": 0}` stops it.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::bodies::GraphBody;
use crate::server::{Shared, graph_error};

/// Throttling in force.
#[derive(Debug, Clone, Copy)]
pub struct Busy {
    /// Requests still to refuse.
    pub remaining: u32,
    /// Seconds in `Retry-After`.
    pub retry_after: u32,
    /// 429 or 503.
    pub status: StatusCode,
}

/// `POST /_emulator/throttle`
pub async fn throttle(State(shared): State<Arc<Shared>>, GraphBody(body): GraphBody) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let requests = request["requests"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok());
    let retry_after = request["retryAfterSeconds"]
        .as_u64()
        .map_or(Some(1), |s| u32::try_from(s).ok());
    let status = match request["status"].as_u64() {
        None | Some(429) => Some(StatusCode::TOO_MANY_REQUESTS),
        Some(503) => Some(StatusCode::SERVICE_UNAVAILABLE),
        Some(_) => None,
    };
    let (Some(remaining), Some(retry_after), Some(status)) = (requests, retry_after, status) else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Send {\"requests\": N, \"retryAfterSeconds\": S, \"status\": 429 or 503}.",
            shared.clock.now(),
        );
    };
    if let Ok(mut busy) = shared.busy.lock() {
        *busy = (remaining > 0).then_some(Busy {
            remaining,
            retry_after,
            status,
        });
    }
    Json(json!({ "requests": remaining, "retryAfterSeconds": retry_after, "status": status.as_u16() })).into_response()
}

/// Answers Graph requests with 429/503 while throttling is in force.
pub async fn answer_busy(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path.starts_with("/v1.0/") || path.starts_with("/beta/") {
        let taken = shared.busy.lock().ok().and_then(|mut busy| {
            let current = (*busy)?;
            *busy = (current.remaining > 1).then_some(Busy {
                remaining: current.remaining - 1,
                ..current
            });
            Some(current)
        });
        if let Some(busy) = taken {
            let (code, message) = if busy.status == StatusCode::TOO_MANY_REQUESTS {
                (
                    "TooManyRequests",
                    "Too many requests. Please try again later.",
                )
            } else {
                (
                    "ServiceUnavailable",
                    "The service is temporarily unavailable. Please try again later.",
                )
            };
            let mut response = graph_error(busy.status, code, message, shared.clock.now());
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(busy.retry_after));
            return response;
        }
    }
    next.run(request).await
}
