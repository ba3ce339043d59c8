//! Microsoft identity platform v2.0, as far as the app uses it: OpenID discovery, the signing
//! keys, and the token endpoint. Errors use the real OAuth shape with the AADSTS codes the real
//! service sends (`error`, `error_description`, `error_codes`, `trace_id`, `correlation_id`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::bodies::OAuthForm;
use crate::server::Shared;

/// The Graph resource's `.default` scope, the only one client credentials accept.
pub const GRAPH_DEFAULT_SCOPE: &str = "https://graph.microsoft.com/.default";
/// Access tokens live an hour, as Microsoft's do by default.
pub const TOKEN_LIFETIME_SECONDS: i64 = 3600;

/// An OAuth error as Microsoft identity sends it.
pub fn oauth_error(
    status: StatusCode,
    error: &str,
    aadsts: u32,
    description: &str,
    now: i64,
) -> Response {
    let trace = format!("{:08x}-0000-4000-8000-{:012x}", aadsts, now.unsigned_abs());
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{aadsts}: {description} Trace ID: {trace} Correlation ID: {trace} Timestamp: {now}"),
        "error_codes": [aadsts],
        "timestamp": now.to_string(),
        "trace_id": trace,
        "correlation_id": trace,
    });
    (status, Json(body)).into_response()
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`
pub async fn discovery(State(shared): State<Arc<Shared>>, Path(tenant): Path<String>) -> Response {
    if !shared.tenant.answers_to(&tenant) {
        return unknown_tenant(&shared, &tenant);
    }
    let base = &shared.base_url;
    // As Microsoft's: the multi-tenant endpoints name `{tenantid}`, filled from each token's `tid`.
    let tid = if crate::tenant::is_consumers(&tenant) {
        crate::tenant::CONSUMERS_TENANT_ID
    } else if tenant.eq_ignore_ascii_case("common") || tenant.eq_ignore_ascii_case("organizations")
    {
        "{tenantid}"
    } else {
        shared.tenant.tenant_id.as_str()
    };
    Json(json!({
        "issuer": format!("{base}/{tid}/v2.0"),
        "authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/authorize"),
        "token_endpoint": format!("{base}/{tenant}/oauth2/v2.0/token"),
        "device_authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/devicecode"),
        "jwks_uri": format!("{base}/{tenant}/discovery/v2.0/keys"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"],
        "code_challenge_methods_supported": ["S256"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
        "tenant_region_scope": "WW",
    }))
    .into_response()
}

/// `GET /{tenant}/discovery/v2.0/keys`
pub async fn keys(State(shared): State<Arc<Shared>>, Path(tenant): Path<String>) -> Response {
    if !shared.tenant.answers_to(&tenant) {
        return unknown_tenant(&shared, &tenant);
    }
    Json(shared.key.jwks()).into_response()
}

fn unknown_tenant(shared: &Shared, tenant: &str) -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_tenant",
        90002,
        &format!(
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
        ),
        shared.clock.now(),
    )
}

/// `POST /{tenant}/oauth2/v2.0/token`
pub async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    OAuthForm(form): OAuthForm,
) -> Response {
    let now = shared.clock.now();
    if !shared.tenant.answers_to(&tenant) {
        return unknown_tenant(&shared, &tenant);
    }
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    match field("grant_type") {
        "" => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
            now,
        ),
        "client_credentials" => client_credentials(&shared, &form, &tenant, now),
        "authorization_code" => crate::delegated::redeem_code(&shared, &form, now),
        "refresh_token" => crate::delegated::redeem_refresh(&shared, &form, now),
        "urn:ietf:params:oauth:grant-type:device_code" => {
            crate::device::redeem_device(&shared, &form, now)
        }
        other => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
            now,
        ),
    }
}

fn client_credentials(
    shared: &Shared,
    form: &HashMap<String, String>,
    tenant: &str,
    now: i64,
) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let client_id = field("client_id");
    if client_id.is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
            now,
        );
    }
    if client_id != shared.tenant.confidential_client_id {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory 'Sandbox'."
            ),
            now,
        );
    }
    if let Err(response) = client_authentication(shared, form, client_id, tenant, now) {
        return *response;
    }
    // Graph, or an Event Hubs namespace (authorized by role assignments, not app roles).
    let audience = crate::grants::event_hubs_resource(field("scope"));
    if audience.is_none() && field("scope") != GRAPH_DEFAULT_SCOPE {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            &format!(
                "The provided value for scope {} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
                field("scope")
            ),
            now,
        );
    }
    let roles = match audience {
        Some(_) => Vec::new(),
        None => shared
            .app_roles
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default(),
    };
    let claims = json!({
        "aud": audience.as_deref().unwrap_or("https://graph.microsoft.com"),
        "iss": format!("https://sts.windows.net/{}/", shared.tenant.tenant_id),
        "iat": now,
        "nbf": now,
        "exp": now + TOKEN_LIFETIME_SECONDS,
        "appid": client_id,
        "appidacr": "1",
        "idtyp": "app",
        "oid": shared.app_object_id,
        "sub": shared.app_object_id,
        "roles": roles,
        "tid": shared.tenant.tenant_id,
        "ver": "1.0",
    });
    match shared.key.sign(&claims) {
        Ok(access_token) => Json(json!({
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "ext_expires_in": TOKEN_LIFETIME_SECONDS,
            "access_token": access_token,
        }))
        .into_response(),
        Err(error) => oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            50000,
            &format!("There was an error issuing a token: {error}"),
            now,
        ),
    }
}

/// The confidential client proves itself with its secret or a signed client assertion.
fn client_authentication(
    shared: &Shared,
    form: &HashMap<String, String>,
    client_id: &str,
    tenant: &str,
    now: i64,
) -> Result<(), Box<Response>> {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if !field("client_assertion").is_empty() || !field("client_assertion_type").is_empty() {
        if field("client_assertion_type") != crate::assertion::JWT_BEARER {
            return Err(Box::new(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                50027,
                &format!(
                    "client_assertion_type must be {}.",
                    crate::assertion::JWT_BEARER
                ),
                now,
            )));
        }
        return crate::assertion::verify(shared, client_id, field("client_assertion"), tenant, now);
    }
    if field("client_secret").is_empty() {
        return Err(Box::new(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            now,
        )));
    }
    if field("client_secret") != shared.tenant.confidential_client_secret {
        return Err(Box::new(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            &format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
            ),
            now,
        )));
    }
    Ok(())
}

/// A JSON value of the tenant's public facts (used by the ready line and the control API).
pub fn tenant_summary(shared: &Shared) -> Value {
    json!({
        "tenantId": shared.tenant.tenant_id,
        "publicClientId": shared.tenant.public_client_id,
        "confidentialClientId": shared.tenant.confidential_client_id,
        "users": shared.tenant.users,
    })
}
