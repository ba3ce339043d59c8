//! Request bodies that fail the way the real services fail, never with a framework's plain text.
//!
//! axum's own extractors answer a too-large body or a wrong content type with plain text; Graph
//! and Microsoft identity answer with their JSON error shapes. These two extractors close the gap.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::Response;

use crate::server::{Shared, graph_error};

/// The largest body the sandbox reads (axum's default limit), in bytes.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// A Graph request body; too large or unreadable bodies get Graph's error shape.
#[derive(Debug)]
pub struct GraphBody(pub Bytes);

impl FromRequest<Arc<Shared>> for GraphBody {
    type Rejection = Response;

    async fn from_request(request: Request, shared: &Arc<Shared>) -> Result<Self, Self::Rejection> {
        Bytes::from_request(request, shared).await.map(GraphBody).map_err(|rejection| {
            let now = shared.clock.now();
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                graph_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "RequestEntityTooLarge",
                    &format!("The request body is larger than the {MAX_BODY_BYTES} bytes the sandbox accepts."),
                    now,
                )
            } else {
                graph_error(StatusCode::BAD_REQUEST, "BadRequest", "The request body could not be read.", now)
            }
        })
    }
}

/// Form parameters of an identity endpoint. A body that is not a form reads as no parameters,
/// so the endpoint answers what Microsoft identity answers: the required parameter is missing.
#[derive(Debug)]
pub struct OAuthForm(pub HashMap<String, String>);

impl FromRequest<Arc<Shared>> for OAuthForm {
    type Rejection = Response;

    async fn from_request(request: Request, shared: &Arc<Shared>) -> Result<Self, Self::Rejection> {
        let params = Form::<HashMap<String, String>>::from_request(request, shared)
            .await
            .map(|Form(p)| p)
            .unwrap_or_default();
        Ok(OAuthForm(params))
    }
}
