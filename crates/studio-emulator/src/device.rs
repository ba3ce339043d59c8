//! The device-code flow (RFC 8628): `/devicecode`, polling through the token endpoint, and the
//! approval, by the `/devicelogin` page or the control API.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use crate::bodies::OAuthForm;
use crate::delegated::{Params, escape, find_user, get};
use crate::grants::{
    DEVICE_CODE_LIFETIME, DEVICE_POLL_INTERVAL, DeviceGrant, random_token, split_scopes, user_code,
    wants_openid,
};
use crate::identity::oauth_error;
use crate::issuing::{Issue, delegated_tokens};
use crate::server::Shared;

/// `POST /{tenant}/oauth2/v2.0/devicecode`
pub async fn device_code(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    OAuthForm(form): OAuthForm,
) -> Response {
    let now = shared.clock.now();
    if !shared.tenant.answers_to(&tenant) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_tenant",
            90002,
            &format!("Tenant '{tenant}' not found."),
            now,
        );
    }
    if get(&form, "client_id") != shared.tenant.public_client_id {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            "Application was not found in the directory 'Sandbox'.",
            now,
        );
    }
    let (scopes, offline) = split_scopes(get(&form, "scope"));
    let offline = offline && !crate::consent::offline_blocked(&shared);
    let device_code = random_token(48);
    let code = user_code();
    if let Ok(mut devices) = shared.grants.devices.lock() {
        devices.insert(
            device_code.clone(),
            DeviceGrant {
                user_code: code.clone(),
                client_id: get(&form, "client_id").to_owned(),
                scopes,
                offline,
                openid: wants_openid(get(&form, "scope")),
                personal: crate::tenant::is_consumers(&tenant),
                expires_at: now + DEVICE_CODE_LIFETIME,
                interval: DEVICE_POLL_INTERVAL,
                last_poll: None,
                approved_by: None,
                declined: false,
            },
        );
    }
    let verification_uri = format!("{}/devicelogin", shared.base_url);
    Json(json!({
        "device_code": device_code,
        "user_code": code,
        "verification_uri": verification_uri,
        "expires_in": DEVICE_CODE_LIFETIME,
        "interval": DEVICE_POLL_INTERVAL,
        "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {code} to authenticate."),
    }))
    .into_response()
}

/// `grant_type=urn:ietf:params:oauth:grant-type:device_code`
pub fn redeem_device(shared: &Shared, form: &Params, now: i64) -> Response {
    let Ok(mut devices) = shared.grants.devices.lock() else {
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            50000,
            "state unavailable",
            now,
        );
    };
    let key = get(form, "device_code");
    let Some(grant) = devices.get_mut(key) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70000,
            "The device code is not known.",
            now,
        );
    };
    if now > grant.expires_at {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "expired_token",
            70020,
            "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
            now,
        );
    }
    if grant.declined {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "authorization_declined",
            70000,
            "The user declined the sign-in request.",
            now,
        );
    }
    let too_fast = grant
        .last_poll
        .is_some_and(|last| now - last < grant.interval);
    grant.last_poll = Some(now);
    if let Some(user_id) = grant.approved_by.clone() {
        let grant = grant.clone();
        devices.remove(key);
        drop(devices);
        let issue = Issue {
            client_id: grant.client_id,
            user_id,
            scopes: grant.scopes,
            offline: grant.offline,
            openid: grant.openid,
            nonce: None,
            personal: grant.personal,
        };
        return delegated_tokens(shared, &issue, now);
    }
    if too_fast {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "slow_down",
            70016,
            "Polling too fast: wait the interval between requests.",
            now,
        );
    }
    oauth_error(
        StatusCode::BAD_REQUEST,
        "authorization_pending",
        70016,
        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        now,
    )
}

/// Approves or declines a pending device code (the device-login page and `POST /_emulator/devicecode`).
pub fn answer_device(
    shared: &Shared,
    user_code: &str,
    user: &str,
    approve: bool,
) -> Result<(), &'static str> {
    let user_id = find_user(shared, user)
        .map(|u| u.id.clone())
        .ok_or("no such sandbox user")?;
    let mut devices = shared
        .grants
        .devices
        .lock()
        .map_err(|_| "state unavailable")?;
    let grant = devices
        .values_mut()
        .find(|g| g.user_code.eq_ignore_ascii_case(user_code.trim()))
        .ok_or("no pending sign-in has that code")?;
    if approve {
        if let Ok(mut consent) = shared.consent.lock() {
            consent.grant(&user_id, &grant.client_id, &grant.scopes);
        }
        grant.approved_by = Some(user_id);
    } else {
        grant.declined = true;
    }
    Ok(())
}

/// `GET /devicelogin`: a small page to approve a device code as a sandbox user.
pub async fn device_login_page(State(shared): State<Arc<Shared>>) -> Html<String> {
    let users: String = shared
        .tenant
        .users
        .iter()
        .map(|u| {
            format!(
                "<option value=\"{0}\">{0}</option>",
                escape(&u.user_principal_name)
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><meta charset=utf-8><title>Sandbox device sign-in</title>\
         <style>body{{font:15px system-ui;max-width:28rem;margin:3rem auto}}input,select,button{{display:block;width:100%;margin:.4rem 0;padding:.5rem}}</style>\
         <h1>Enter the code</h1><form method=post action=devicelogin><input name=user_code placeholder=\"XXXX-XXXX\" autofocus>\
         <select name=user>{users}</select><button name=answer value=approve>Sign in</button><button name=answer value=decline>Decline</button></form>"
    ))
}

/// `POST /devicelogin`
pub async fn device_login_answer(
    State(shared): State<Arc<Shared>>,
    OAuthForm(form): OAuthForm,
) -> Html<String> {
    let approve = get(&form, "answer") != "decline";
    match answer_device(
        &shared,
        get(&form, "user_code"),
        get(&form, "user"),
        approve,
    ) {
        Ok(()) if approve => Html(
            "<!doctype html><meta charset=utf-8><p>Signed in. You can close this window.</p>"
                .into(),
        ),
        Ok(()) => Html(
            "<!doctype html><meta charset=utf-8><p>Declined. You can close this window.</p>".into(),
        ),
        Err(why) => Html(format!(
            "<!doctype html><meta charset=utf-8><p>{}</p><a href=devicelogin>Try again</a>",
            escape(why)
        )),
    }
}
