//! HTTP side of the browser-based delegated flow: `/authorize` (sign-in page and non-interactive
//! mode) and the `authorization_code` and `refresh_token` grants. The device-code flow is in
//! `device.rs`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::bodies::OAuthForm;
use crate::consent::consent_missing_text;
use crate::grants::{
    CODE_LIFETIME, CodeGrant, fingerprint, is_loopback_redirect, pkce_matches, random_token,
    split_scopes, wants_openid,
};
use crate::identity::oauth_error;
use crate::issuing::{Issue, delegated_tokens};
use crate::server::Shared;
use crate::tenant::{User, is_consumers};

pub(crate) type Params = HashMap<String, String>;

pub(crate) fn get<'a>(params: &'a Params, name: &str) -> &'a str {
    params.get(name).map(String::as_str).unwrap_or_default()
}

/// Escapes text for HTML (the sign-in pages echo app-supplied values).
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub(crate) fn find_user<'a>(shared: &'a Shared, hint: &str) -> Option<&'a User> {
    shared
        .tenant
        .users
        .iter()
        .find(|u| u.user_principal_name.eq_ignore_ascii_case(hint) || u.id == hint)
}

/// `GET /{tenant}/oauth2/v2.0/authorize`: checks the request, then either shows the sign-in page
/// or (with `prompt=none` and a `login_hint`) redirects at once.
pub async fn authorize(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let now = shared.clock.now();
    if let Some(problem) = check_authorize(&shared, &tenant, &params, now) {
        return problem;
    }
    if get(&params, "prompt") == "none" {
        return match find_user(&shared, get(&params, "login_hint")) {
            Some(user) => {
                let (scopes, _) = split_scopes(get(&params, "scope"));
                let client = get(&params, "client_id");
                let missing = shared
                    .consent
                    .lock()
                    .map(|c| c.missing(&user.id, client, &scopes))
                    .unwrap_or_default();
                if missing.is_empty() {
                    issue_code(
                        &shared,
                        &params,
                        &user.id.clone(),
                        is_consumers(&tenant),
                        now,
                    )
                } else {
                    redirect_error(
                        &params,
                        "consent_required",
                        &format!("AADSTS65001: {}", consent_missing_text(client)),
                    )
                }
            }
            None => redirect_error(
                &params,
                "login_required",
                "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
            ),
        };
    }
    let hidden: String = params
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    let users: String = shared
        .tenant
        .users
        .iter()
        .map(|u| {
            format!(
                "<button name=\"login_hint\" value=\"{upn}\">{name}<br><small>{upn}</small></button>",
                upn = escape(&u.user_principal_name),
                name = escape(&u.display_name)
            )
        })
        .collect();
    let (scopes, _) = split_scopes(get(&params, "scope"));
    let scope_list: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    Html(format!(
        "<!doctype html><meta charset=utf-8><title>Sandbox sign-in</title>\
         <style>body{{font:15px system-ui;max-width:28rem;margin:3rem auto}}button{{display:block;width:100%;margin:.4rem 0;padding:.6rem;text-align:left}}</style>\
         <h1>Sign in to the sandbox tenant</h1><p>The app asks for:</p><ul>{scope_list}</ul>\
         <form method=post action=\"authorize\">{hidden}<input type=hidden name=consent value=accept>{users}</form>\
         <form method=post action=\"authorize\">{hidden}<input type=hidden name=consent value=deny><button>Cancel</button></form>"
    ))
    .into_response()
}

/// `POST /{tenant}/oauth2/v2.0/authorize`: the sign-in page's answer.
pub async fn authorize_answer(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    OAuthForm(params): OAuthForm,
) -> Response {
    let now = shared.clock.now();
    if let Some(problem) = check_authorize(&shared, &tenant, &params, now) {
        return problem;
    }
    if get(&params, "consent") != "accept" {
        return redirect_error(
            &params,
            "access_denied",
            "AADSTS65004: User declined to consent to access the app.",
        );
    }
    match find_user(&shared, get(&params, "login_hint")) {
        Some(user) => {
            let (scopes, _) = split_scopes(get(&params, "scope"));
            if let Ok(mut consent) = shared.consent.lock() {
                consent.grant(&user.id, get(&params, "client_id"), &scopes);
            }
            issue_code(
                &shared,
                &params,
                &user.id.clone(),
                is_consumers(&tenant),
                now,
            )
        }
        None => redirect_error(
            &params,
            "access_denied",
            "AADSTS50034: The user account does not exist in the sandbox directory.",
        ),
    }
}

/// Errors that must not redirect (unknown app or redirect URI) are shown; others redirect.
fn check_authorize(shared: &Shared, tenant: &str, params: &Params, now: i64) -> Option<Response> {
    if !shared.tenant.answers_to(tenant) {
        return Some(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_tenant",
            90002,
            &format!("Tenant '{tenant}' not found."),
            now,
        ));
    }
    let client_id = get(params, "client_id");
    if client_id != shared.tenant.public_client_id {
        return Some(oauth_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory 'Sandbox'."
            ),
            now,
        ));
    }
    let redirect = get(params, "redirect_uri");
    if !is_loopback_redirect(redirect) {
        return Some(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            50011,
            &format!(
                "The redirect URI '{redirect}' specified in the request does not match the redirect URIs configured for the application. Desktop apps use http://localhost."
            ),
            now,
        ));
    }
    if get(params, "response_type") != "code" {
        return Some(redirect_error(
            params,
            "unsupported_response_type",
            "AADSTS700054: response_type must be 'code'.",
        ));
    }
    let method = get(params, "code_challenge_method");
    if !get(params, "code_challenge").is_empty() && !matches!(method, "S256" | "plain" | "") {
        return Some(redirect_error(
            params,
            "invalid_request",
            "AADSTS501491: Invalid code_challenge_method.",
        ));
    }
    None
}

fn redirect_error(params: &Params, error: &str, description: &str) -> Response {
    let mut url = format!(
        "{}?error={}&error_description={}",
        get(params, "redirect_uri"),
        encode(error),
        encode(description)
    );
    if !get(params, "state").is_empty() {
        url.push_str(&format!("&state={}", encode(get(params, "state"))));
    }
    Redirect::to(&url).into_response()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn issue_code(
    shared: &Shared,
    params: &Params,
    user_id: &str,
    personal: bool,
    now: i64,
) -> Response {
    let (scopes, offline) = split_scopes(get(params, "scope"));
    let offline = offline && !crate::consent::offline_blocked(shared);
    let code = random_token(32);
    let challenge = match get(params, "code_challenge") {
        "" => None,
        c => Some((
            c.to_owned(),
            if get(params, "code_challenge_method").is_empty() {
                "plain"
            } else {
                get(params, "code_challenge_method")
            }
            .to_owned(),
        )),
    };
    if let Ok(mut codes) = shared.grants.codes.lock() {
        codes.insert(
            code.clone(),
            CodeGrant {
                issue: Issue {
                    client_id: get(params, "client_id").to_owned(),
                    user_id: user_id.to_owned(),
                    scopes,
                    offline,
                    openid: wants_openid(get(params, "scope")),
                    nonce: Some(get(params, "nonce").to_owned()).filter(|n| !n.is_empty()),
                    personal,
                },
                redirect_uri: get(params, "redirect_uri").to_owned(),
                challenge,
                expires_at: now + CODE_LIFETIME,
                redeemed: false,
            },
        );
    }
    let mut url = format!("{}?code={code}", get(params, "redirect_uri"));
    if !get(params, "state").is_empty() {
        url.push_str(&format!("&state={}", encode(get(params, "state"))));
    }
    Redirect::to(&url).into_response()
}

/// `grant_type=authorization_code`
pub fn redeem_code(shared: &Shared, form: &Params, now: i64) -> Response {
    let code = get(form, "code");
    let grant = shared.grants.codes.lock().ok().and_then(|mut codes| {
        let grant = codes.get(code).cloned();
        if let Some(g) = codes.get_mut(code) {
            g.redeemed = true;
        }
        grant
    });
    let Some(grant) = grant else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid: the authorization code is not known.",
            now,
        );
    };
    if grant.redeemed {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
            now,
        );
    }
    if now > grant.expires_at {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
            now,
        );
    }
    if get(form, "client_id") != grant.issue.client_id
        || get(form, "redirect_uri") != grant.redirect_uri
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50148,
            "The client_id or redirect_uri does not match the authorization request.",
            now,
        );
    }
    if let Some((challenge, method)) = &grant.challenge
        && !pkce_matches(challenge, method, get(form, "code_verifier"))
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            now,
        );
    }
    delegated_tokens(shared, &grant.issue, now)
}

/// `grant_type=refresh_token`: rotates (the old refresh token stops working). A `scope`
/// parameter may ask for other permissions the user consented to.
pub fn redeem_refresh(shared: &Shared, form: &Params, now: i64) -> Response {
    let token = fingerprint(get(form, "refresh_token"));
    let token = token.as_str();
    let revoked = shared
        .grants
        .revoked
        .lock()
        .is_ok_and(|r| r.contains(token));
    if revoked {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50173,
            "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
            now,
        );
    }
    let grant = shared
        .grants
        .refresh
        .lock()
        .ok()
        .and_then(|mut tokens| tokens.remove(token));
    let mut issue = match grant {
        None if reused(shared, token) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                50173,
                "The refresh token was already used: its grant has been revoked (refresh token reuse detected). A fresh sign-in is needed.",
                now,
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                9002313,
                "Invalid request. The refresh token is not known or was already used.",
                now,
            );
        }
        Some(g) if now > g.expires_at => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                700082,
                "The refresh token has expired due to inactivity.",
                now,
            );
        }
        Some(g) if g.issue.client_id != get(form, "client_id") => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                70000,
                "The refresh token was issued to a different client.",
                now,
            );
        }
        Some(g) => g.issue,
    };
    // A token for an Event Hubs namespace: the same grant, redeemed for another resource.
    let audience = crate::grants::event_hubs_resource(get(form, "scope"));
    if audience.is_none() && !get(form, "scope").is_empty() {
        let (scopes, _) = split_scopes(get(form, "scope"));
        let missing = shared
            .consent
            .lock()
            .map(|c| c.missing(&issue.user_id, &issue.client_id, &scopes))
            .unwrap_or_default();
        if !missing.is_empty() {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                65001,
                &consent_missing_text(&issue.client_id),
                now,
            );
        }
        issue.scopes = scopes;
        issue.openid = wants_openid(get(form, "scope"));
    }
    issue.offline = true;
    issue.nonce = None;
    if let Ok(mut spent) = shared.grants.spent.lock() {
        if spent.len() >= crate::grants::SPENT_REMEMBERED {
            spent.clear();
        }
        spent.insert(
            token.to_owned(),
            (issue.user_id.clone(), issue.client_id.clone()),
        );
    }
    crate::issuing::delegated_tokens_for(shared, &issue, audience.as_deref(), now)
}

/// With reuse detection on, a spent refresh token revokes every refresh token of its user and
/// app, as an authority that suspects a stolen token does.
fn reused(shared: &Shared, token: &str) -> bool {
    if !shared
        .grants
        .detect_reuse
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        return false;
    }
    let Some((user, client)) = shared
        .grants
        .spent
        .lock()
        .ok()
        .and_then(|s| s.get(token).cloned())
    else {
        return false;
    };
    if let Ok(mut tokens) = shared.grants.refresh.lock() {
        let family: Vec<String> = tokens
            .iter()
            .filter(|(_, g)| g.issue.user_id == user && g.issue.client_id == client)
            .map(|(k, _)| k.clone())
            .collect();
        if let Ok(mut revoked) = shared.grants.revoked.lock() {
            for token in family {
                tokens.remove(&token);
                revoked.insert(token);
            }
        }
    }
    tracing::info!(%user, %client, "refresh token reuse detected: the grant is revoked");
    true
}
