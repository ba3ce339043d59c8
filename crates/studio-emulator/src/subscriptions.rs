//! `/subscriptions`: create, list, get, renew/update, delete, reauthorize, with Graph's rules.
//!
//! The rules are the catalog's (`studio_catalog::validate`, the same code the app's explorer
//! uses), permissions come from the caller's token against the catalog, and creation runs the
//! real validation handshake against `notificationUrl` (and the lifecycle URL) before answering.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use studio_catalog::Catalog;
use studio_catalog::model::ApiVersion;
use studio_catalog::validate::{MIN_EXPIRATION_MINUTES, Proposal, Severity, check};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::bodies::GraphBody;
use crate::caller::Caller;
use crate::handshake::{check_url, handshake};
use crate::server::{Shared, graph_error};
use crate::subscription_rules::{forbidden, over_quota, payload_shape};
use crate::workloads::graph_time;
use crate::workloads::paths::canonical;

pub use crate::subscription::Subscription;

fn bad(shared: &Shared, code: &str, message: &str) -> Response {
    graph_error(StatusCode::BAD_REQUEST, code, message, shared.clock.now())
}

fn context(shared: &Shared, api: ApiVersion) -> String {
    format!(
        "{}/{}/$metadata#subscriptions",
        shared.base_url,
        api.as_str()
    )
}

fn catalog(shared: &Shared) -> Result<&'static Catalog, Box<Response>> {
    Catalog::get().map_err(|e| {
        Box::new(graph_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            &e.to_string(),
            shared.clock.now(),
        ))
    })
}

/// `POST /{v1.0|beta}/subscriptions`
pub async fn create(shared: Arc<Shared>, api: ApiVersion, caller: Caller, body: Bytes) -> Response {
    let now = shared.clock.now();
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return bad(
            &shared,
            "BadRequest",
            "Could not process subscription creation payload. Are all property names spelled and camelCased properly? Also are the dateTimeOffest properties in a valid internet date and time format?",
        );
    };
    if let Err(message) = payload_shape(&body) {
        return bad(&shared, "BadRequest", &message);
    }
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    for required in [
        "changeType",
        "notificationUrl",
        "resource",
        "expirationDateTime",
    ] {
        if text(required).is_none_or(|v| v.trim().is_empty()) {
            return bad(
                &shared,
                "InvalidRequest",
                &format!(
                    "Subscription property '{required}' is required and must be a non-empty string."
                ),
            );
        }
    }
    let (change_type, notification_url, resource, expiration) = (
        text("changeType").unwrap_or_default(),
        text("notificationUrl").unwrap_or_default(),
        text("resource").unwrap_or_default(),
        text("expirationDateTime").unwrap_or_default(),
    );
    let lifecycle_url = text("lifecycleNotificationUrl");
    let Ok(expires) = OffsetDateTime::parse(&expiration, &Rfc3339) else {
        return bad(
            &shared,
            "InvalidRequest",
            "expirationDateTime must be a date and time in RFC 3339 form, e.g. 2026-11-23T12:00:00Z.",
        );
    };
    let include_resource_data = body
        .get("includeResourceData")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let certificate = text("encryptionCertificate");
    if let Some(certificate) = &certificate
        && let Err(error) = crate::rich::read_certificate(certificate)
    {
        return bad(
            &shared,
            "InvalidRequest",
            &format!(
                "{error}: send the base64 DER of an X.509 certificate with an RSA public key."
            ),
        );
    }
    if let Some(version) = text("latestSupportedTlsVersion")
        && !["v1_0", "v1_1", "v1_2", "v1_3"].contains(&version.as_str())
    {
        return bad(
            &shared,
            "InvalidRequest",
            "latestSupportedTlsVersion must be one of v1_0, v1_1, v1_2, v1_3.",
        );
    }
    if text("notificationQueryOptions").is_some()
        && !resource
            .trim_start_matches('/')
            .to_lowercase()
            .starts_with("print/")
    {
        return bad(
            &shared,
            "InvalidRequest",
            "notificationQueryOptions is supported only for Universal Print resources.",
        );
    }
    if let Some(state) = text("clientState")
        && state.chars().count() > 128
    {
        return bad(
            &shared,
            "InvalidRequest",
            "clientState must be at most 128 characters long.",
        );
    }
    for url in std::iter::once(&notification_url).chain(lifecycle_url.as_ref()) {
        if let Err(why) = check_url(&shared, url) {
            return bad(&shared, "InvalidRequest", &why);
        }
    }
    let minutes = i32::try_from((expires.unix_timestamp() - now) / 60).unwrap_or(i32::MAX);
    let proposal = Proposal {
        resource: resource.clone(),
        change_types: change_type
            .split(',')
            .map(|c| c.trim().to_owned())
            .collect(),
        expires_in_minutes: Some(minutes),
        include_resource_data,
        has_encryption_certificate: certificate.is_some(),
        has_lifecycle_url: lifecycle_url.is_some(),
        account_kind: Some(caller.kind),
        api_version: Some(api),
        ..Proposal::default()
    };
    let catalog = match catalog(&shared) {
        Ok(catalog) => catalog,
        Err(response) => return *response,
    };
    let result = check(catalog, &proposal);
    if let Some(problem) = result
        .problems
        .iter()
        // An account kind that cannot subscribe at all is a permission problem: Graph's 403 below.
        .find(|p| p.severity == Severity::Error && p.field != "account")
    {
        let code = if problem.field == "lifecycleNotificationUrl" {
            "ValidationError"
        } else {
            "InvalidRequest"
        };
        return bad(&shared, code, &problem.message);
    }
    if let Some(response) = forbidden(&shared, catalog, &result.resolved, &caller, "Create") {
        return response;
    }
    // The same resource (as Graph resolves it: `/me` is the caller) and the same set of change
    // types from the same app is a duplicate.
    let wanted = canonical(&resource, Some(&caller.object_id), &shared.tenant);
    let change_set = |text: &str| {
        let mut set: Vec<String> = text.split(',').map(|c| c.trim().to_lowercase()).collect();
        set.sort();
        set
    };
    let duplicate = shared.subscriptions.lock().is_ok_and(|subs| {
        subs.iter().any(|s| {
            s.application_id == caller.app_id
                && canonical(&s.resource, Some(&s.creator_id), &shared.tenant) == wanted
                && change_set(&s.change_type) == change_set(&change_type)
        })
    });
    if duplicate {
        return graph_error(
            StatusCode::CONFLICT,
            "Conflict",
            "A subscription with the same resource and changeType already exists for this application.",
            now,
        );
    }
    if let Some(reason) = over_quota(&shared, catalog, &result.resolved, &caller, &resource) {
        return graph_error(
            StatusCode::FORBIDDEN,
            "ExtensionError",
            &format!("Operation: Create; Exception: [Status Code: Forbidden; Reason: {reason}]"),
            now,
        );
    }
    if let Err(message) =
        validate_targets(&shared, &notification_url, lifecycle_url.as_deref()).await
    {
        return bad(&shared, "ValidationError", &message);
    }
    let expires_at = expires
        .unix_timestamp()
        .max(now + i64::from(MIN_EXPIRATION_MINUTES) * 60);
    let subscription = Subscription {
        id: uuid_like(),
        resource,
        application_id: caller.app_id.clone(),
        change_type,
        client_state: text("clientState"),
        notification_url,
        lifecycle_notification_url: lifecycle_url,
        expiration_date_time: graph_time(
            expires_at,
            if expires_at == expires.unix_timestamp() {
                expires.nanosecond()
            } else {
                0
            },
        ),
        creator_id: caller.object_id.clone(),
        include_resource_data,
        latest_supported_tls_version: text("latestSupportedTlsVersion")
            .unwrap_or_else(|| "v1_2".into()),
        encryption_certificate_id: text("encryptionCertificateId"),
        notification_query_options: text("notificationQueryOptions"),
        notification_url_app_id: text("notificationUrlAppId"),
        notification_content_type: "application/json".into(),
        api: Some(api),
        encryption_certificate: certificate,
        expires_at,
        reauthorization_sent: false,
    };
    if let Ok(mut subs) = shared.subscriptions.lock() {
        subs.push(subscription.clone());
    }
    let mut out = subscription.answer();
    out["@odata.context"] = json!(format!("{}/$entity", context(&shared, api)));
    (StatusCode::CREATED, Json(out)).into_response()
}

/// Graph's check of where a subscription delivers: the `validationToken` handshake for each
/// webhook URL, one validation event for each distinct Event Hub.
async fn validate_targets(
    shared: &Shared,
    notification_url: &str,
    lifecycle_url: Option<&str>,
) -> Result<(), String> {
    let mut hubs_told: Vec<&str> = Vec::new();
    for url in std::iter::once(notification_url).chain(lifecycle_url) {
        let is_hub = studio_catalog::targets::is_event_hub_url(url);
        if !is_hub {
            handshake(shared, url).await?;
        } else if !hubs_told.contains(&url) {
            let event = crate::event_hubs::validation_event(shared);
            crate::event_hubs::produce(shared, url, "validation", &event)
                .await
                .map_err(|why| {
                    format!("Could not send the validation event to the event hub: {why}")
                })?;
            hubs_told.push(url);
        }
    }
    Ok(())
}

/// A random id shaped like a GUID.
pub fn uuid_like() -> String {
    crate::tenant::guid_of(rand::random())
}

fn own(shared: &Shared, caller: &Caller, id: &str) -> Option<Subscription> {
    shared
        .subscriptions
        .lock()
        .ok()?
        .iter()
        .find(|s| s.id == id && s.application_id == caller.app_id)
        .cloned()
}

fn not_found(shared: &Shared, id: &str) -> Response {
    graph_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!("The object was not found: subscription '{id}'."),
        shared.clock.now(),
    )
}

/// `GET /{v1.0|beta}/subscriptions`: only the calling app's.
pub async fn list(shared: Arc<Shared>, api: ApiVersion, caller: Caller) -> Response {
    let now = shared.clock.now();
    let value: Vec<Value> = shared
        .subscriptions
        .lock()
        .map(|subs| {
            subs.iter()
                .filter(|s| s.application_id == caller.app_id && s.expires_at > now)
                .map(Subscription::answer)
                .collect()
        })
        .unwrap_or_default();
    Json(json!({ "@odata.context": context(&shared, api), "value": value })).into_response()
}

/// `GET /{v1.0|beta}/subscriptions/{id}`
pub async fn get_one(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    caller: Caller,
) -> Response {
    match own(&shared, &caller, &id) {
        Some(subscription) => Json(subscription.answer()).into_response(),
        None => not_found(&shared, &id),
    }
}

/// `PATCH /{v1.0|beta}/subscriptions/{id}`: renew, or move the notification URL or certificate.
pub async fn update(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    caller: Caller,
    GraphBody(body): GraphBody,
) -> Response {
    let now = shared.clock.now();
    let Some(mut subscription) = own(&shared, &caller, &id) else {
        return not_found(&shared, &id);
    };
    let Ok(Value::Object(patch)) = serde_json::from_slice::<Value>(&body) else {
        return bad(
            &shared,
            "BadRequest",
            "The request body must be a JSON object.",
        );
    };
    if patch.values().any(|v| !v.is_string()) {
        return bad(
            &shared,
            "BadRequest",
            "Could not process subscription update payload: expirationDateTime, notificationUrl, encryptionCertificate and encryptionCertificateId are strings.",
        );
    }
    for key in patch.keys() {
        if ![
            "expirationDateTime",
            "notificationUrl",
            "encryptionCertificate",
            "encryptionCertificateId",
        ]
        .contains(&key.as_str())
        {
            return bad(
                &shared,
                "InvalidRequest",
                &format!(
                    "Property '{key}' cannot be updated; only expirationDateTime, notificationUrl, encryptionCertificate and encryptionCertificateId can."
                ),
            );
        }
    }
    if let Some(text) = patch.get("expirationDateTime").and_then(Value::as_str) {
        let Ok(expires) = OffsetDateTime::parse(text, &Rfc3339) else {
            return bad(
                &shared,
                "InvalidRequest",
                "expirationDateTime must be a date and time in RFC 3339 form.",
            );
        };
        let max = Catalog::get()
            .ok()
            .and_then(|c| {
                c.resolve(&subscription.resource).and_then(|r| {
                    c.resource(&r.resource_id)
                        .map(|res| res.max_minutes_for(subscription.include_resource_data))
                })
            })
            .unwrap_or(u32::MAX);
        if expires.unix_timestamp() - now > i64::from(max) * 60 {
            return bad(
                &shared,
                "InvalidRequest",
                &format!("Subscription expiration can only be {max} minutes in the future."),
            );
        }
        subscription.reauthorization_sent = false;
        subscription.expires_at = expires
            .unix_timestamp()
            .max(now + i64::from(MIN_EXPIRATION_MINUTES) * 60);
        subscription.expiration_date_time = graph_time(
            subscription.expires_at,
            if subscription.expires_at == expires.unix_timestamp() {
                expires.nanosecond()
            } else {
                0
            },
        );
    }
    if let Some(url) = patch.get("notificationUrl").and_then(Value::as_str) {
        if let Err(why) = check_url(&shared, url) {
            return bad(&shared, "InvalidRequest", &why);
        }
        if let Err(message) = validate_targets(&shared, url, None).await {
            return bad(&shared, "ValidationError", &message);
        }
        subscription.notification_url = url.to_owned();
    }
    if let Some(certificate) = patch.get("encryptionCertificate").and_then(Value::as_str) {
        if let Err(error) = crate::rich::read_certificate(certificate) {
            return bad(
                &shared,
                "InvalidRequest",
                &format!(
                    "{error}: send the base64 DER of an X.509 certificate with an RSA public key."
                ),
            );
        }
        subscription.encryption_certificate = Some(certificate.to_owned());
    }
    if let Some(id) = patch.get("encryptionCertificateId").and_then(Value::as_str) {
        subscription.encryption_certificate_id = Some(id.to_owned());
    }
    if let Ok(mut subs) = shared.subscriptions.lock()
        && let Some(slot) = subs.iter_mut().find(|s| s.id == subscription.id)
    {
        *slot = subscription.clone();
    }
    Json(subscription.answer()).into_response()
}

/// `DELETE /{v1.0|beta}/subscriptions/{id}`
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    caller: Caller,
) -> Response {
    let removed = shared.subscriptions.lock().is_ok_and(|mut subs| {
        let before = subs.len();
        subs.retain(|s| !(s.id == id && s.application_id == caller.app_id));
        subs.len() < before
    });
    if removed {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found(&shared, &id)
    }
}

/// `POST /{v1.0|beta}/subscriptions/{id}/reauthorize`
pub async fn reauthorize(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    caller: Caller,
) -> Response {
    match own(&shared, &caller, &id) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => not_found(&shared, &id),
    }
}
