//! The emulator's routes: identity, Graph (`/v1.0`, `/beta`), the control API, and the answers
//! that make even framework errors look like Graph's. Apart from `server.rs`, which starts and
//! stops the emulator, so the table of routes reads in one place.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use studio_catalog::model::ApiVersion;

use crate::bodies::GraphBody;
use crate::caller::Caller;
use crate::server::{Shared, graph_error};
use crate::subscriptions;
use crate::workloads::{routes, writes};
use crate::{control, delegated, device, identity};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(identity::discovery),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(identity::keys))
        .route("/{tenant}/oauth2/v2.0/token", post(identity::token))
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(delegated::authorize).post(delegated::authorize_answer),
        )
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            post(device::device_code),
        )
        .route(
            "/devicelogin",
            get(device::device_login_page).post(device::device_login_answer),
        )
        .route("/_emulator/devicecode", post(control::control_device))
        .route("/_emulator/consent", post(crate::consent::consent))
        .route("/_emulator/revoke", post(crate::consent::revoke))
        .route(
            "/_emulator/refresh-reuse",
            post(crate::consent::refresh_reuse),
        )
        .route("/_emulator/certificates", post(crate::assertion::upload))
        .route("/v1.0/subscriptions", get(list_v1).post(create_v1))
        .route("/beta/subscriptions", get(list_beta).post(create_beta))
        .route(
            "/v1.0/subscriptions/{id}",
            get(subscriptions::get_one)
                .patch(subscriptions::update)
                .delete(subscriptions::delete),
        )
        .route(
            "/beta/subscriptions/{id}",
            get(subscriptions::get_one)
                .patch(subscriptions::update)
                .delete(subscriptions::delete),
        )
        .route(
            "/v1.0/subscriptions/{id}/reauthorize",
            post(subscriptions::reauthorize),
        )
        .route(
            "/beta/subscriptions/{id}/reauthorize",
            post(subscriptions::reauthorize),
        )
        .route(
            "/v1.0/{*rest}",
            get(routes::get)
                .post(writes::post)
                .patch(writes::patch)
                .delete(writes::delete),
        )
        .route(
            "/beta/{*rest}",
            get(routes::get)
                .post(writes::post)
                .patch(writes::patch)
                .delete(writes::delete),
        )
        .route("/_emulator", get(control::control_info))
        .route("/_emulator/changes", post(control::changes))
        .route("/_emulator/lifecycle", post(control::lifecycle))
        .route("/_emulator/deliveries", get(control::deliveries))
        .route(
            "/_emulator/endpoints",
            get(control::endpoints).post(control::endpoint_state),
        )
        .route(
            "/_emulator/delta/forget",
            post(control::forget_delta_tokens),
        )
        .route("/_emulator/throttle", post(crate::busy::throttle))
        .route(
            "/_emulator/event-hubs",
            get(crate::event_hubs::list).post(crate::event_hubs::map),
        )
        .route("/_emulator/subscriptions", get(control::subscriptions))
        .route("/_emulator/reset", post(control::reset))
        .route("/_emulator/clock", post(control::control_clock))
        .route(
            "/_emulator/validation-tokens",
            post(control::validation_tokens),
        )
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            crate::busy::answer_busy,
        ))
        .layer(axum::middleware::map_response_with_state(
            Arc::clone(&shared),
            graph_shaped,
        ))
        .with_state(shared)
}

/// Framework answers (a path that is not UTF-8, a method a route lacks) become Graph-shaped
/// errors too: a client of Graph never sees plain text.
async fn graph_shaped(State(shared): State<Arc<Shared>>, response: Response) -> Response {
    let status = response.status();
    let json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || json {
        return response;
    }
    let text = axum::body::to_bytes(response.into_body(), 2048)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let (code, fallback) = match status.as_u16() {
        405 => (
            "MethodNotAllowed",
            "The HTTP method is not allowed on this resource.",
        ),
        413 => ("RequestEntityTooLarge", "The request body is too large."),
        415 => (
            "UnsupportedMediaType",
            "The request's content type is not supported.",
        ),
        _ => ("BadRequest", "The request could not be read."),
    };
    let message = if text.trim().is_empty() {
        fallback.to_owned()
    } else {
        text
    };
    graph_error(status, code, &message, shared.clock.now())
}

async fn not_found(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let path: String = uri.path().chars().take(200).collect();
    graph_error(
        StatusCode::NOT_FOUND,
        "UnknownError",
        &format!("Resource not found for the segment '{path}'."),
        shared.clock.now(),
    )
}

async fn create_v1(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    GraphBody(body): GraphBody,
) -> Response {
    subscriptions::create(shared, ApiVersion::V1, caller, body).await
}

async fn create_beta(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    GraphBody(body): GraphBody,
) -> Response {
    subscriptions::create(shared, ApiVersion::Beta, caller, body).await
}

async fn list_v1(State(shared): State<Arc<Shared>>, caller: Caller) -> Response {
    subscriptions::list(shared, ApiVersion::V1, caller).await
}

async fn list_beta(State(shared): State<Arc<Shared>>, caller: Caller) -> Response {
    subscriptions::list(shared, ApiVersion::Beta, caller).await
}
