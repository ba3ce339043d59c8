//! Who is calling Graph: the bearer token checked like Graph does (signature, audience, lifetime
//! by the emulator clock), reduced to the app, the kind of token and its permissions.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;
use studio_catalog::model::AccountKind;

use crate::server::{Shared, graph_error};

/// The caller of a Graph request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// `appid` of the token.
    pub app_id: String,
    /// `oid`: the user, or the app's service principal.
    pub object_id: String,
    /// Delegated (work account) or application.
    pub kind: AccountKind,
    /// `scp` (delegated) or `roles` (application).
    pub permissions: Vec<String>,
}

/// Checks the `Authorization: Bearer` header; answers Graph's 401 when it is missing or bad.
pub fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Caller, Box<Response>> {
    let now = shared.clock.now();
    let unauthorized = |message: &str| {
        Box::new(graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
            now,
        ))
    };
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(token) = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Err(unauthorized("Access token is empty."));
    };
    let opaque = shared
        .opaque_tokens
        .lock()
        .ok()
        .and_then(|t| t.get(&crate::grants::fingerprint(token)).cloned());
    let claims = match opaque {
        Some(known) => known.claims,
        None => shared.key.verify(token).map_err(|_| {
            unauthorized("Access token validation failure. Invalid signature or format.")
        })?,
    };
    if claims["aud"] != "https://graph.microsoft.com" {
        return Err(unauthorized(
            "Access token validation failure. Invalid audience.",
        ));
    }
    if claims["exp"].as_i64().is_none_or(|exp| exp <= now) {
        return Err(unauthorized(
            "Lifetime validation failed, the token is expired.",
        ));
    }
    let text = |name: &str| claims[name].as_str().unwrap_or_default().to_owned();
    let (kind, permissions) = match (&claims["scp"], &claims["roles"]) {
        (Value::String(scp), _) => (
            if claims["tid"] == crate::tenant::CONSUMERS_TENANT_ID {
                AccountKind::DelegatedPersonal
            } else {
                AccountKind::DelegatedWork
            },
            scp.split_whitespace().map(str::to_owned).collect(),
        ),
        (_, Value::Array(roles)) => (
            AccountKind::Application,
            roles
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        _ => return Err(unauthorized("Access token has neither scp nor roles.")),
    };
    Ok(Caller {
        app_id: text("appid"),
        object_id: text("oid"),
        kind,
        permissions,
    })
}

/// Handlers take a `Caller` argument: the request is authenticated before the handler runs, and
/// answered with Graph's 401 when it is not.
impl FromRequestParts<Arc<Shared>> for Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Arc<Shared>,
    ) -> Result<Self, Self::Rejection> {
        authenticate(shared, &parts.headers).map_err(|rejection| *rejection)
    }
}
