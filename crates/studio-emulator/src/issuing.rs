//! Issuing delegated tokens: the access token Graph accepts (v1 shape, `scp`), a rotating refresh
//! token when `offline_access` was granted, and an OpenID Connect id token when `openid` was
//! asked for (v2 shape, `aud` the app, the `nonce` of the authorization request).

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::grants::{REFRESH_LIFETIME, RefreshGrant, fingerprint, random_token};
use crate::identity::{TOKEN_LIFETIME_SECONDS, oauth_error};
use crate::server::Shared;

/// What a delegated grant hands out.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    /// The app.
    pub client_id: String,
    /// The signed-in user's object id.
    pub user_id: String,
    /// Graph permissions (`scp`).
    pub scopes: Vec<String>,
    /// `offline_access`: a refresh token too.
    pub offline: bool,
    /// `openid`: an id token too.
    pub openid: bool,
    /// The authorization request's `nonce`, echoed in the id token.
    pub nonce: Option<String>,
    /// Signed in as a personal Microsoft account (tenant `consumers`): the access token is
    /// opaque and the id token names the consumers tenant and a per-app `sub`.
    #[serde(default)]
    pub personal: bool,
}

/// An opaque access token's meaning (kept under the token's fingerprint).
#[derive(Debug, Clone)]
pub struct OpaqueToken {
    /// The claims a JWT would have carried.
    pub claims: serde_json::Value,
    /// Unix seconds.
    pub expires_at: i64,
}

/// At most this many opaque access tokens are remembered (expired ones go first).
const OPAQUE_REMEMBERED: usize = 10_000;

/// A personal account's `sub`: the same user looks different to each app, as with Microsoft
/// accounts.
fn pairwise_subject(user_id: &str, client_id: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{user_id}|{client_id}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..24])
}

/// An opaque access token standing for `claims` (what Microsoft accounts get: not a JWT).
/// `None` when the sandbox already knows as many live ones as it keeps.
fn opaque(shared: &Shared, claims: &serde_json::Value, now: i64) -> Option<String> {
    let token = format!("EwA{}", random_token(96));
    let mut tokens = shared.opaque_tokens.lock().ok()?;
    if tokens.len() >= OPAQUE_REMEMBERED {
        tokens.retain(|_, t| t.expires_at > now);
    }
    if tokens.len() >= OPAQUE_REMEMBERED {
        return None;
    }
    tokens.insert(
        fingerprint(&token),
        OpaqueToken {
            claims: claims.clone(),
            expires_at: now + TOKEN_LIFETIME_SECONDS,
        },
    );
    Some(token)
}

/// The token response for a delegated grant.
pub fn delegated_tokens(shared: &Shared, issue: &Issue, now: i64) -> Response {
    delegated_tokens_for(shared, issue, None, now)
}

/// The token response for a delegated grant, its access token for `audience` when that is
/// another resource than Graph (an Event Hubs namespace: `scp` is that resource's
/// `user_impersonation`, and no id token comes with it). The rotated refresh token keeps the
/// grant as it was.
pub fn delegated_tokens_for(
    shared: &Shared,
    issue: &Issue,
    audience: Option<&str>,
    now: i64,
) -> Response {
    let Some(user) = shared.tenant.users.iter().find(|u| u.id == issue.user_id) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50034,
            "The user account does not exist in the sandbox directory.",
            now,
        );
    };
    let tid = if issue.personal {
        crate::tenant::CONSUMERS_TENANT_ID
    } else {
        shared.tenant.tenant_id.as_str()
    };
    let scope = match audience {
        Some(_) => "user_impersonation".to_owned(),
        None => issue.scopes.join(" "),
    };
    let claims = json!({
        "aud": audience.unwrap_or("https://graph.microsoft.com"),
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": now, "nbf": now, "exp": now + TOKEN_LIFETIME_SECONDS,
        "appid": issue.client_id, "appidacr": "0", "idtyp": "user",
        "oid": user.id, "sub": user.id, "upn": user.user_principal_name, "name": user.display_name,
        "scp": scope,
        "tid": tid, "ver": "1.0",
    });
    let access = if issue.personal {
        opaque(shared, &claims, now).ok_or_else(|| {
            crate::EmulatorError::Key(format!(
                "the sandbox keeps at most {OPAQUE_REMEMBERED} live personal-account tokens"
            ))
        })
    } else {
        shared.key.sign(&claims)
    };
    let signed = access.and_then(|access| {
        let id = (issue.openid && audience.is_none())
            .then(|| {
                let mut claims = json!({
                    "aud": issue.client_id,
                    "iss": format!("{}/{tid}/v2.0", shared.base_url),
                    "iat": now, "nbf": now, "exp": now + TOKEN_LIFETIME_SECONDS,
                    "sub": user.id, "oid": user.id, "tid": tid,
                    "preferred_username": user.user_principal_name, "name": user.display_name,
                    "ver": "2.0",
                });
                if issue.personal {
                    claims["sub"] = json!(pairwise_subject(&user.id, &issue.client_id));
                    // Microsoft accounts' object ids start with zeros; the rest is the user's.
                    let tail: String = user.id.chars().filter(char::is_ascii_hexdigit).collect();
                    claims["oid"] = json!(format!(
                        "00000000-0000-0000-{}-{}",
                        tail.get(..4).unwrap_or("0000"),
                        tail.get(4..16).unwrap_or("000000000000")
                    ));
                }
                if let Some(nonce) = &issue.nonce {
                    claims["nonce"] = json!(nonce);
                }
                shared.key.sign(&claims)
            })
            .transpose()?;
        Ok((access, id))
    });
    let (access_token, id_token) = match signed {
        Ok(tokens) => tokens,
        Err(error) => {
            return oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                50000,
                &error.to_string(),
                now,
            );
        }
    };
    let mut body = json!({
        "token_type": "Bearer",
        "scope": match audience {
            Some(audience) => format!("{audience}/{scope}"),
            None => scope,
        },
        "expires_in": TOKEN_LIFETIME_SECONDS,
        "ext_expires_in": TOKEN_LIFETIME_SECONDS,
        "access_token": access_token,
    });
    if let Some(id_token) = id_token {
        body["id_token"] = json!(id_token);
    }
    if issue.offline {
        let refresh = random_token(48);
        if let Ok(mut tokens) = shared.grants.refresh.lock() {
            tokens.insert(
                fingerprint(&refresh),
                RefreshGrant {
                    issue: issue.clone(),
                    expires_at: now + REFRESH_LIFETIME,
                },
            );
        }
        body["refresh_token"] = json!(refresh);
    }
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    )
        .into_response()
}
