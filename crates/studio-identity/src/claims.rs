//! What the app shows about an account's sign-in: who (from the sign-in's checked identity), which
//! tenant, until when, and the permissions that feed the explorer's hints (from the token
//! response's `scope`). [`read`] looks into an access token that happens to be a readable JWT,
//! only where nothing else says it (an app's `roles`): access tokens are opaque to clients, and
//! for personal accounts they are not JWTs. Nothing read from one is trusted for security.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// What the app shows about an account's sign-in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Claims {
    /// The user's sign-in name (`preferred_username` of the ID token), or the app id.
    pub subject: String,
    /// `name`, when the token has one.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The tenant id (`tid`).
    pub tenant_id: String,
    /// The user's object id (`oid`; `sub` for personal accounts), or the app id.
    pub object_id: String,
    /// The application (client) id.
    pub app_id: String,
    /// When the access token in memory expires, Unix seconds (a double in TypeScript: seconds
    /// fit exactly).
    #[ts(type = "number")]
    pub expires_at: i64,
    /// The Graph permissions granted (delegated), or the app's `roles`.
    pub permissions: Vec<String>,
    /// Whether the permissions are application roles.
    pub app_only: bool,
}

/// Why a token could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the access token is not a readable JWT")]
pub struct UnreadableToken;

/// Reads the payload of an access token that is a JWT (display only, never verified).
pub fn read(token: &str) -> Result<Claims, UnreadableToken> {
    let payload = token.split('.').nth(1).ok_or(UnreadableToken)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| UnreadableToken)?;
    let claims: Value = serde_json::from_slice(&bytes).map_err(|_| UnreadableToken)?;
    let text = |name: &str| claims[name].as_str().map(str::to_owned);
    let (permissions, app_only) = match (&claims["scp"], &claims["roles"]) {
        (Value::String(scp), _) => (scp.split_whitespace().map(str::to_owned).collect(), false),
        (_, Value::Array(roles)) => (
            roles
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            true,
        ),
        _ => (Vec::new(), false),
    };
    let app_id = text("appid").or_else(|| text("azp")).unwrap_or_default();
    Ok(Claims {
        subject: text("upn")
            .or_else(|| text("preferred_username"))
            .or_else(|| text("unique_name"))
            .unwrap_or_else(|| app_id.clone()),
        display_name: text("name").or_else(|| text("app_displayname")),
        tenant_id: text("tid").unwrap_or_default(),
        object_id: text("oid").unwrap_or_default(),
        app_id,
        expires_at: claims["exp"].as_i64().unwrap_or(0),
        permissions,
        app_only,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(payload))
    }

    #[test]
    fn delegated_and_app_tokens_read_for_display() {
        let user = read(&jwt(
            r#"{"upn":"adele@x","name":"Adele","tid":"t","oid":"o","appid":"a","exp":5,"scp":"Mail.Read User.Read"}"#,
        ));
        assert_eq!(
            user.map(|c| (c.subject, c.permissions, c.app_only)),
            Ok((
                "adele@x".into(),
                vec!["Mail.Read".into(), "User.Read".into()],
                false
            ))
        );
        let app =
            read(&jwt(r#"{"appid":"a","roles":["Chat.Read.All"],"exp":5}"#)).unwrap_or_default();
        assert_eq!((app.subject.as_str(), app.app_only), ("a", true));
        assert_eq!(read("not a token"), Err(UnreadableToken));
        assert_eq!(read("a.!!!.c"), Err(UnreadableToken));
    }
}
