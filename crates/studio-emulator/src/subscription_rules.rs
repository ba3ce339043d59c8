//! The rules `POST /subscriptions` checks beyond the catalog's: the payload's shape (Graph
//! refuses misspelled properties and wrong types), permissions from the token against the
//! catalog (403 `ExtensionError`), and Graph's quotas.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use studio_catalog::Catalog;
use studio_catalog::hints::{HintStatus, hint};

use crate::caller::Caller;
use crate::server::{Shared, graph_error};
use crate::workloads::paths::canonical;

/// The properties a subscription may be created with, and whether each is a string.
const PROPERTIES: [(&str, bool); 12] = [
    ("changeType", true),
    ("notificationUrl", true),
    ("resource", true),
    ("expirationDateTime", true),
    ("clientState", true),
    ("lifecycleNotificationUrl", true),
    ("includeResourceData", false),
    ("encryptionCertificate", true),
    ("encryptionCertificateId", true),
    ("latestSupportedTlsVersion", true),
    ("notificationUrlAppId", true),
    ("notificationQueryOptions", true),
];

/// Graph refuses a creation payload with a misspelled property or a value of the wrong type.
pub fn payload_shape(body: &serde_json::Map<String, Value>) -> Result<(), String> {
    const TEXT: &str = "Could not process subscription creation payload. Are all property names spelled and camelCased properly? Also are the dateTimeOffest properties in a valid internet date and time format?";
    for (key, value) in body {
        let known = PROPERTIES.iter().find(|(name, _)| name == key);
        let fits = match known {
            Some((_, true)) => value.is_string() || value.is_null(),
            Some((_, false)) => value.is_boolean() || value.is_null(),
            None => key.starts_with("@odata."),
        };
        if !fits {
            return Err(TEXT.into());
        }
    }
    Ok(())
}

/// Graph's quotas: 1,000 subscriptions per mailbox across apps (Outlook), and one subscription
/// per app for the tenant-wide paths the catalog marks so (`/teams/getAllMessages`, …).
pub fn over_quota(
    shared: &Shared,
    catalog: &Catalog,
    resolved: &Option<studio_catalog::Resolved>,
    caller: &Caller,
    resource: &str,
) -> Option<String> {
    let resolved = resolved.as_ref()?;
    let (_, path) = catalog.path(&resolved.template)?;
    let subs = shared.subscriptions.lock().ok()?;
    let me = Some(caller.object_id.as_str());
    let wanted = canonical(resource, me, &shared.tenant);
    if path
        .quotas
        .iter()
        .any(|q| q.starts_with("One subscription per app"))
    {
        let taken = subs.iter().any(|s| {
            s.application_id == caller.app_id
                && canonical(&s.resource, Some(&s.creator_id), &shared.tenant) == wanted
        });
        if taken {
            return Some(format!(
                "This app already has a subscription to {}; only one per app is allowed",
                resolved.canonical
            ));
        }
    }
    if ["message", "event", "contact"].contains(&resolved.resource_id.as_str()) {
        let mailbox: String = wanted.split('/').take(2).collect::<Vec<_>>().join("/");
        let count = subs
            .iter()
            .filter(|s| {
                canonical(&s.resource, Some(&s.creator_id), &shared.tenant)
                    .starts_with(&format!("{mailbox}/"))
            })
            .count();
        if count >= shared.mailbox_subscription_limit {
            return Some(format!(
                "The mailbox has reached its limit of {} subscriptions",
                shared.mailbox_subscription_limit
            ));
        }
    }
    None
}

/// Graph's 403 when the token lacks the permission the catalog names for this path.
pub fn forbidden(
    shared: &Shared,
    catalog: &Catalog,
    resolved: &Option<studio_catalog::Resolved>,
    caller: &Caller,
    operation: &str,
) -> Option<Response> {
    let (_, path) = catalog.path(&resolved.as_ref()?.template)?;
    let h = hint(catalog, path, caller.kind, &caller.permissions);
    matches!(
        h.status,
        HintStatus::Missing { .. } | HintStatus::Unsupported { .. }
    )
    .then(|| {
        graph_error(
            StatusCode::FORBIDDEN,
            "ExtensionError",
            &format!(
                "Operation: {operation}; Exception: [Status Code: Forbidden; Reason: Access denied]"
            ),
            shared.clock.now(),
        )
    })
}
