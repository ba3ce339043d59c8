//! The control API under `/_emulator`: drive the sandbox from tests, the app's "Trigger a
//! change", or a user's CI. Bad input answers Graph-shaped 400s.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::bodies::GraphBody;
use crate::delivery::{self, deliver};
use crate::server::{Shared, graph_error};
use crate::workloads::Change;
use crate::workloads::paths::canonical;
use crate::workloads::routes::collection_kind;
use crate::workloads::writes::{create_in, sample, touch};
use crate::{device, identity};

fn parse(body: &Bytes) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

/// `POST /_emulator/changes {"resource": "…", "changeType": "created|updated|deleted"}`
pub async fn changes(State(shared): State<Arc<Shared>>, GraphBody(body): GraphBody) -> Response {
    let now = shared.clock.now();
    let request = parse(&body);
    let resource = request["resource"].as_str().unwrap_or_default().to_owned();
    let change = request["changeType"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if resource.trim().is_empty() || !matches!(change.as_str(), "created" | "updated" | "deleted") {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Send {\"resource\": \"/users/{id}/messages/{id}\", \"changeType\": \"created|updated|deleted\"}.",
            now,
        );
    }
    let change = match stored_change(&shared, &change, &resource) {
        Ok(change) => change,
        Err(response) => return *response,
    };
    // `"wait": true`: answer once each matched subscription's first delivery was tried (at most
    // a few seconds), saying how it went.
    let wait = request["wait"].as_bool() == Some(true);
    let attempts = shared.attempts.subscribe();
    let matched = delivery::dispatch(&shared, &change);
    let mut answer = json!({ "matchedSubscriptions": matched, "resource": change.resource, "changeType": change.change_type, "entity": change.body });
    if wait {
        let tried =
            delivery::first_attempts(attempts, &change, &matched, WAIT_FOR_DELIVERIES).await;
        answer["deliveries"] = json!(tried
            .iter()
            .map(|d| json!({"subscriptionIds": d.subscription_ids, "url": d.url, "status": d.status, "dropped": d.dropped}))
            .collect::<Vec<_>>());
    }
    Json(answer).into_response()
}

/// How long a change that waits for its deliveries waits at most.
const WAIT_FOR_DELIVERIES: std::time::Duration = std::time::Duration::from_secs(5);

/// What a control-API change does to the store: a path of a stored entity updates or deletes
/// it; a collection gets a new item (`created`), its first item touched (`updated`) or its last
/// removed (`deleted`); any other path is announced as it is. `/me` is the first seeded user.
fn stored_change(shared: &Shared, change_type: &str, raw: &str) -> Result<Change, Box<Response>> {
    let me = shared.tenant.users.first().map(|u| u.id.clone());
    let mut path = canonical(raw, me.as_deref(), &shared.tenant);
    let Ok(mut store) = shared.store.lock() else {
        return Err(Box::new(graph_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "The sandbox store is unavailable.",
            shared.clock.now(),
        )));
    };
    if store.find(&path).is_none() && collection_kind(&format!("{path}/children")).is_some() {
        path.push_str("/children");
    }
    if store.find(&path).is_some() {
        let entity = match change_type {
            "deleted" => store.remove(&path),
            "updated" => touch(shared, &mut store, &path, serde_json::Map::new()),
            _ => store.find(&path).cloned(),
        };
        if let Some(entity) = entity {
            return Ok(Change::of(&entity, change_type, &store));
        }
    }
    if let Some((kind, owner)) = collection_kind(&path)
        && (owner.is_empty() || store.find(&owner).is_some())
    {
        let listed: Vec<String> = store.listed(&path).iter().map(|e| e.path.clone()).collect();
        let entity = match change_type {
            "created" => {
                let fields = sample(kind, store.issued, shared.clock.now(), shared);
                Some(create_in(
                    shared, &mut store, kind, &path, fields, None, true,
                ))
            }
            "updated" => listed
                .first()
                .and_then(|p| touch(shared, &mut store, p, serde_json::Map::new())),
            _ => listed.last().and_then(|p| store.remove(p)),
        };
        if let Some(entity) = entity {
            return Ok(Change::of(&entity, change_type, &store));
        }
    }
    Ok(Change::bare(change_type, raw, &path))
}

/// `POST /_emulator/lifecycle {"subscriptionId": "…", "event": "reauthorizationRequired|subscriptionRemoved|missed"}`
pub async fn lifecycle(State(shared): State<Arc<Shared>>, GraphBody(body): GraphBody) -> Response {
    let now = shared.clock.now();
    let request = parse(&body);
    let id = request["subscriptionId"].as_str().unwrap_or_default();
    let event = request["event"].as_str().unwrap_or_default();
    if !matches!(
        event,
        "reauthorizationRequired" | "subscriptionRemoved" | "missed"
    ) {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "event must be reauthorizationRequired, subscriptionRemoved or missed.",
            now,
        );
    }
    let Some(subscription) = shared
        .subscriptions
        .lock()
        .ok()
        .and_then(|subs| subs.iter().find(|s| s.id == id).cloned())
    else {
        return graph_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("No subscription '{id}'."),
            now,
        );
    };
    let Some(url) = subscription.lifecycle_notification_url.clone() else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "That subscription has no lifecycleNotificationUrl.",
            now,
        );
    };
    if event == "subscriptionRemoved"
        && let Ok(mut subs) = shared.subscriptions.lock()
    {
        subs.retain(|s| s.id != subscription.id);
    }
    let body = delivery::lifecycle_body(&shared, &subscription, event);
    let shared2 = Arc::clone(&shared);
    let ids = vec![subscription.id.clone()];
    tokio::spawn(async move { deliver(&shared2, "lifecycle", &url, ids, body).await });
    Json(json!({ "sent": event })).into_response()
}

/// `GET /_emulator/deliveries`: every attempt, oldest first.
pub async fn deliveries(State(shared): State<Arc<Shared>>) -> Response {
    let log = shared
        .deliveries
        .lock()
        .map(|d| d.clone())
        .unwrap_or_default();
    Json(json!({ "value": log })).into_response()
}

/// `GET /_emulator/endpoints`: Graph's slow/drop accounting of every notification endpoint.
pub async fn endpoints(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!({ "value": shared.throttle.report(shared.clock.now()) })).into_response()
}

/// `POST /_emulator/endpoints {"url": "…", "state": "drop"}`: puts a notification endpoint in
/// Graph's drop state for ten minutes, as a run of slow answers would: its notifications are
/// lost and Outlook subscriptions with a lifecycle URL are told `missed`.
pub async fn endpoint_state(
    State(shared): State<Arc<Shared>>,
    GraphBody(body): GraphBody,
) -> Response {
    let now = shared.clock.now();
    let request = parse(&body);
    let url = request["url"].as_str().unwrap_or_default();
    if url.is_empty() || request["state"].as_str() != Some("drop") {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Send {\"url\": \"<notificationUrl>\", \"state\": \"drop\"}.",
            now,
        );
    }
    shared.throttle.force_drop(url, now);
    Json(json!({ "url": url, "state": "drop", "until": now + crate::throttle::DROP_SECONDS }))
        .into_response()
}

/// `POST /_emulator/delta/forget`: every delta token handed out so far answers `410 Gone` (what
/// Graph does when its sync state is lost), so a client's full resync can be tested.
pub async fn forget_delta_tokens(State(shared): State<Arc<Shared>>) -> Response {
    if let Ok(mut store) = shared.store.lock() {
        store.journal.forget_tokens();
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /_emulator/subscriptions`: every app's subscriptions.
pub async fn subscriptions(State(shared): State<Arc<Shared>>) -> Response {
    let subs = shared
        .subscriptions
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    Json(json!({ "value": subs })).into_response()
}

/// `POST /_emulator/reset`: forgets subscriptions, deliveries, grants in flight and consent
/// changes, and restores the seeded content and the app's permissions.
pub async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    if let Ok(mut subs) = shared.subscriptions.lock() {
        subs.clear();
    }
    shared.end_pending_retries();
    if let Ok(mut log) = shared.deliveries.lock() {
        log.clear();
    }
    shared.throttle.clear();
    if let Ok(mut busy) = shared.busy.lock() {
        *busy = None;
    }
    if let Ok(mut store) = shared.store.lock() {
        let epoch = store.journal.epoch;
        *store = crate::workloads::seed::seeded(&shared.tenant, shared.seed, shared.clock.now());
        // Tokens handed out before the reset are expired.
        store.journal.epoch = epoch + 1;
    }
    if let Ok(mut m) = shared.grants.codes.lock() {
        m.clear();
    }
    if let Ok(mut m) = shared.grants.refresh.lock() {
        m.clear();
    }
    if let Ok(mut m) = shared.grants.devices.lock() {
        m.clear();
    }
    if let Ok(mut m) = shared.grants.revoked.lock() {
        m.clear();
    }
    if let Ok(mut m) = shared.grants.spent.lock() {
        m.clear();
    }
    shared
        .v2_validation_tokens
        .store(false, std::sync::atomic::Ordering::Relaxed);
    if let Ok(mut consent) = shared.consent.lock() {
        *consent = crate::consent::Consent::default();
    }
    if let Ok(mut roles) = shared.app_roles.lock() {
        *roles = crate::server::DEFAULT_APP_ROLES
            .iter()
            .map(|r| (*r).to_owned())
            .collect();
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /_emulator`: the tenant's ids, users and the emulator's clock.
pub async fn control_info(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let mut summary = identity::tenant_summary(&shared);
    if let Value::Object(map) = &mut summary {
        map.insert("now".into(), json!(shared.clock.now()));
    }
    Json(summary)
}

/// `POST /_emulator/clock {"advanceSeconds": N}`
pub async fn control_clock(
    State(shared): State<Arc<Shared>>,
    GraphBody(body): GraphBody,
) -> Response {
    let now = shared.clock.now();
    let parsed: Result<Value, _> = serde_json::from_slice(&body);
    let seconds = parsed
        .ok()
        .and_then(|v| v.get("advanceSeconds").and_then(Value::as_u64));
    match seconds.and_then(|s| u32::try_from(s).ok()) {
        Some(seconds) => {
            shared.clock.advance(seconds);
            shared.clock_moved.notify_waiters();
            Json(json!({ "now": shared.clock.now() })).into_response()
        }
        None => graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Send {\"advanceSeconds\": N} with N a whole number of seconds up to 4294967295.",
            now,
        ),
    }
}

/// `POST /_emulator/validation-tokens {"version": "2.0"}`: rich notifications carry v2 validation
/// tokens (`azp`, `iss` `…/{tid}/v2.0`) instead of Graph's v1 ones; `"1.0"` (and `reset`) goes
/// back.
pub async fn validation_tokens(
    State(shared): State<Arc<Shared>>,
    GraphBody(body): GraphBody,
) -> Response {
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let v2 = match parsed["version"].as_str() {
        Some("1.0") => false,
        Some("2.0") => true,
        _ => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "Send {\"version\": \"1.0\"} (Graph's, the default) or {\"version\": \"2.0\"}.",
                shared.clock.now(),
            );
        }
    };
    shared
        .v2_validation_tokens
        .store(v2, std::sync::atomic::Ordering::Relaxed);
    Json(json!({ "version": if v2 { "2.0" } else { "1.0" } })).into_response()
}

/// `POST /_emulator/devicecode {"userCode": "…", "userPrincipalName": "…", "approve": true}`:
/// answers a device-code sign-in without a browser (tests, CI).
pub async fn control_device(
    State(shared): State<Arc<Shared>>,
    GraphBody(body): GraphBody,
) -> Response {
    let now = shared.clock.now();
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let field = |name: &str| {
        parsed
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let approve = parsed
        .get("approve")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    match device::answer_device(
        &shared,
        &field("userCode"),
        &field("userPrincipalName"),
        approve,
    ) {
        Ok(()) => Json(json!({ "answered": true, "approved": approve })).into_response(),
        Err(why) => graph_error(StatusCode::BAD_REQUEST, "BadRequest", why, now),
    }
}
