//! Who consented to what, and taking it back.
//!
//! By default the sandbox behaves like a developer tenant whose administrator consented to every
//! delegated permission for the sandbox's desktop app, so one-click sign-in just works. Tests and
//! users turn that off (`POST /_emulator/consent {"adminConsent": false}`) to meet Microsoft
//! identity's "consent missing" (AADSTS65001) in the silent flow, grant or revoke a user's
//! consent, set the confidential app's application permissions, or revoke a user's sessions
//! (refresh tokens, AADSTS50173). Revoking consent sends `reauthorizationRequired` for the
//! user's subscriptions, as Graph does.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::bodies::GraphBody;
use crate::delivery::deliver;
use crate::server::{Shared, graph_error};

/// Consent state of the tenant.
#[derive(Debug)]
pub struct Consent {
    /// An administrator consented to every delegated permission for the desktop app.
    pub admin_consented: bool,
    /// `offline_access` is never granted (a tenant policy): sign-ins bring no refresh token.
    pub offline_access_blocked: bool,
    /// Per (user id, client id): the permissions the user consented to (lowercase).
    pub granted: HashMap<(String, String), BTreeSet<String>>,
}

impl Default for Consent {
    fn default() -> Self {
        Consent {
            offline_access_blocked: false,
            admin_consented: true,
            granted: HashMap::new(),
        }
    }
}

impl Consent {
    /// The requested permissions the user has not consented to (none under admin consent).
    pub fn missing(&self, user: &str, client: &str, scopes: &[String]) -> Vec<String> {
        if self.admin_consented {
            return Vec::new();
        }
        let granted = self.granted.get(&(user.to_owned(), client.to_owned()));
        scopes
            .iter()
            .filter(|s| granted.is_none_or(|g| !g.contains(&s.to_lowercase())))
            .cloned()
            .collect()
    }

    /// Records the user's consent to `scopes`.
    pub fn grant(&mut self, user: &str, client: &str, scopes: &[String]) {
        self.granted
            .entry((user.to_owned(), client.to_owned()))
            .or_default()
            .extend(scopes.iter().map(|s| s.to_lowercase()));
    }
}

/// The sentence Microsoft identity sends with AADSTS65001.
pub fn consent_missing_text(client_id: &str) -> String {
    format!(
        "The user or administrator has not consented to use the application with ID '{client_id}' named 'Graph Webhook Studio (sandbox)'. Send an interactive authorization request for this user and resource."
    )
}

fn bad(shared: &Shared, message: &str) -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        message,
        shared.clock.now(),
    )
}

fn strings(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// `POST /_emulator/consent`: `{"adminConsent": bool}`, `{"offlineAccess": false}` (no refresh
/// tokens are issued: a sign-in without `offline_access` granted), `{"appRoles": [..]}`, or
/// `{"userPrincipalName": "..", "scopes": [..], "grant": bool}` (revoking takes back all of
/// the user's consent to the desktop app, ends their sessions and asks their subscriptions to
/// reauthorize).
pub async fn consent(State(shared): State<Arc<Shared>>, GraphBody(body): GraphBody) -> Response {
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return bad(
            &shared,
            "Send a JSON object: {\"adminConsent\": false}, {\"appRoles\": [\"Mail.Read\"]} or {\"userPrincipalName\": \"…\", \"scopes\": [\"Mail.Read\"], \"grant\": true}.",
        );
    };
    let client = shared.tenant.public_client_id.clone();
    if let Some(roles) = request.get("appRoles") {
        let Some(roles) = strings(roles) else {
            return bad(&shared, "appRoles must be a list of permission names.");
        };
        if let Ok(mut current) = shared.app_roles.lock() {
            *current = roles;
        }
    }
    if let Some(offline) = request.get("offlineAccess") {
        let Some(offline) = offline.as_bool() else {
            return bad(&shared, "offlineAccess must be true or false.");
        };
        if let Ok(mut consent) = shared.consent.lock() {
            consent.offline_access_blocked = !offline;
        }
    }
    if let Some(admin) = request.get("adminConsent") {
        let Some(admin) = admin.as_bool() else {
            return bad(&shared, "adminConsent must be true or false.");
        };
        if let Ok(mut consent) = shared.consent.lock() {
            consent.admin_consented = admin;
        }
    }
    if let Some(upn) = request.get("userPrincipalName").and_then(Value::as_str) {
        let Some(user) = crate::delegated::find_user(&shared, upn).map(|u| u.id.clone()) else {
            return bad(&shared, "No sandbox user has that userPrincipalName.");
        };
        let grant = request
            .get("grant")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        if grant {
            let scopes = request.get("scopes").and_then(strings).unwrap_or_default();
            if let Ok(mut consent) = shared.consent.lock() {
                consent.grant(&user, &client, &scopes);
            }
        } else {
            if let Ok(mut consent) = shared.consent.lock() {
                consent.granted.remove(&(user.clone(), client.clone()));
            }
            end_sessions(&shared, &user);
            ask_to_reauthorize(&shared, &user, &client);
        }
    }
    state(&shared).into_response()
}

/// `POST /_emulator/revoke {"userPrincipalName": ".."}`: ends the user's sessions, like
/// `revokeSignInSessions`; their refresh tokens stop working.
pub async fn revoke(State(shared): State<Arc<Shared>>, GraphBody(body): GraphBody) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let upn = request["userPrincipalName"].as_str().unwrap_or_default();
    let Some(user) = crate::delegated::find_user(&shared, upn).map(|u| u.id.clone()) else {
        return bad(
            &shared,
            "Send {\"userPrincipalName\": \"…\"} of a sandbox user.",
        );
    };
    let ended = end_sessions(&shared, &user);
    Json(json!({ "revokedRefreshTokens": ended })).into_response()
}

/// `POST /_emulator/refresh-reuse {"detect": true}`: presenting a refresh token that was already
/// rotated then revokes the user's grant to the app (answered AADSTS50173); `false` turns it off.
pub async fn refresh_reuse(
    State(shared): State<Arc<Shared>>,
    GraphBody(body): GraphBody,
) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(detect) = request["detect"].as_bool() else {
        return bad(&shared, "Send {\"detect\": true} or {\"detect\": false}.");
    };
    shared
        .grants
        .detect_reuse
        .store(detect, std::sync::atomic::Ordering::Relaxed);
    Json(json!({ "detectReuse": detect })).into_response()
}

/// Revokes every refresh token of a user; returns how many there were.
fn end_sessions(shared: &Shared, user: &str) -> usize {
    let Ok(mut tokens) = shared.grants.refresh.lock() else {
        return 0;
    };
    let mut ended = 0;
    for (token, grant) in tokens.iter() {
        if grant.issue.user_id == user {
            ended += 1;
            if let Ok(mut revoked) = shared.grants.revoked.lock() {
                revoked.insert(token.clone());
            }
        }
    }
    tokens.retain(|_, g| g.issue.user_id != user);
    ended
}

/// `reauthorizationRequired` to the lifecycle URL of every subscription the user created with
/// the desktop app.
fn ask_to_reauthorize(shared: &Arc<Shared>, user: &str, client: &str) {
    let due: Vec<_> = shared
        .subscriptions
        .lock()
        .map(|subs| {
            subs.iter()
                .filter(|s| s.creator_id == user && s.application_id == client)
                .filter_map(|s| Some((s.clone(), s.lifecycle_notification_url.clone()?)))
                .collect()
        })
        .unwrap_or_default();
    for (subscription, url) in due {
        let body =
            crate::delivery::lifecycle_body(shared, &subscription, "reauthorizationRequired");
        let shared = Arc::clone(shared);
        tokio::spawn(async move {
            deliver(&shared, "lifecycle", &url, vec![subscription.id], body).await
        });
    }
}

fn state(shared: &Shared) -> Json<Value> {
    let admin = shared
        .consent
        .lock()
        .map(|c| c.admin_consented)
        .unwrap_or(true);
    let roles = shared
        .app_roles
        .lock()
        .map(|r| r.clone())
        .unwrap_or_default();
    Json(json!({ "adminConsent": admin, "appRoles": roles }))
}

/// Whether the tenant withholds `offline_access` (control API).
pub fn offline_blocked(shared: &Shared) -> bool {
    shared
        .consent
        .lock()
        .is_ok_and(|c| c.offline_access_blocked)
}
