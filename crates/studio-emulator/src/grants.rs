//! The delegated flows: authorization code with PKCE, rotating refresh tokens, device code.
//!
//! Grants live in memory and expire by the emulator clock. A sandbox user consents to whatever
//! the app asks for; the non-interactive mode (`login_hint` + `prompt=none` on `/authorize`)
//! redirects at once, which is how tests and the app's one-click sandbox sign-in use it.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::issuing::Issue;

/// An authorization code waiting to be redeemed.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    /// What redeeming the code hands out.
    pub issue: Issue,
    /// Must match at redemption.
    pub redirect_uri: String,
    /// PKCE challenge and method.
    pub challenge: Option<(String, String)>,
    /// Unix seconds.
    pub expires_at: i64,
    /// Codes are single-use.
    pub redeemed: bool,
}

/// A refresh token's grant.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshGrant {
    /// What the refresh token hands out again (its scopes may be narrowed or widened within
    /// consent).
    pub issue: Issue,
    /// Unix seconds.
    pub expires_at: i64,
}

/// A pending device-code sign-in.
#[derive(Debug, Clone)]
pub struct DeviceGrant {
    /// The code the user types.
    pub user_code: String,
    /// The app.
    pub client_id: String,
    /// Requested scopes.
    pub scopes: Vec<String>,
    /// Whether a refresh token was asked for.
    pub offline: bool,
    /// Whether an id token was asked for (`openid`).
    pub openid: bool,
    /// Started on the consumers tenant (a personal account).
    pub personal: bool,
    /// Unix seconds.
    pub expires_at: i64,
    /// Minimum seconds between polls.
    pub interval: i64,
    /// When the app last polled.
    pub last_poll: Option<i64>,
    /// The user who approved, once approved.
    pub approved_by: Option<String>,
    /// The user declined.
    pub declined: bool,
}

/// All grants.
#[derive(Debug, Default)]
pub struct Grants {
    /// Authorization codes.
    pub codes: Mutex<HashMap<String, CodeGrant>>,
    /// Refresh tokens, by their [`fingerprint`] (the tokens themselves are never kept, so the
    /// `--data` file holds nothing a client could use).
    pub refresh: Mutex<HashMap<String, RefreshGrant>>,
    /// Device codes, by device code.
    pub devices: Mutex<HashMap<String, DeviceGrant>>,
    /// Fingerprints of refresh tokens revoked by ending the user's sessions (answered AADSTS50173).
    pub revoked: Mutex<std::collections::HashSet<String>>,
    /// Fingerprints of refresh tokens already rotated, with the user and app they belonged to.
    pub spent: Mutex<HashMap<String, (String, String)>>,
    /// Whether presenting a spent refresh token revokes the user's grant to that app (reuse
    /// detection, RFC 9700 §4.14.2). Microsoft does not do this today; off by default.
    pub detect_reuse: std::sync::atomic::AtomicBool,
}

/// At most this many spent refresh tokens are remembered (then all are forgotten at once).
pub const SPENT_REMEMBERED: usize = 10_000;

/// Authorization codes live ten minutes, device codes fifteen, refresh tokens ninety days.
pub const CODE_LIFETIME: i64 = 600;
/// Device-code lifetime.
pub const DEVICE_CODE_LIFETIME: i64 = 900;
/// Device-code polling interval.
pub const DEVICE_POLL_INTERVAL: i64 = 5;
/// Refresh-token lifetime.
pub const REFRESH_LIFETIME: i64 = 90 * 24 * 3600;

/// What a refresh token is kept under: its SHA-256, hex.
pub fn fingerprint(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A random URL-safe token.
pub fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// A user code like `HK7F-3QZP` (no ambiguous letters).
pub fn user_code() -> String {
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ23456789";
    let mut raw = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut raw);
    let chars: String = raw
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// PKCE: does the verifier answer the challenge?
pub fn pkce_matches(challenge: &str, method: &str, verifier: &str) -> bool {
    match method {
        "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge,
        "plain" => verifier == challenge,
        _ => false,
    }
}

/// Whether a scope string asks for an id token.
pub fn wants_openid(scope: &str) -> bool {
    scope.split_whitespace().any(|s| s == "openid")
}

/// Splits a `scope` parameter into delegated Graph scopes and whether `offline_access` was asked.
/// `https://graph.microsoft.com/Mail.Read` becomes `Mail.Read`; OIDC scopes are dropped.
pub fn split_scopes(scope: &str) -> (Vec<String>, bool) {
    let mut offline = false;
    let mut scopes = Vec::new();
    for raw in scope.split_whitespace() {
        let name = raw
            .strip_prefix("https://graph.microsoft.com/")
            .unwrap_or(raw);
        match name {
            "offline_access" => offline = true,
            "openid" | "profile" | "email" | ".default" => {}
            _ if !scopes.iter().any(|s: &String| s.eq_ignore_ascii_case(name)) => {
                scopes.push(name.to_owned())
            }
            _ => {}
        }
    }
    (scopes, offline)
}

/// The Event Hubs resource a requested scope names, if it names one: Kafka clients ask for
/// `https://<namespace>.servicebus.windows.net/.default`, the other SDKs for
/// `https://eventhubs.azure.net/.default` (`offline_access` and OpenID scopes may come along).
pub fn event_hubs_resource(scope: &str) -> Option<String> {
    let mut found = None;
    for raw in scope.split_whitespace() {
        match raw {
            "offline_access" | "openid" | "profile" | "email" => continue,
            _ => {}
        }
        let resource = raw.strip_suffix("/.default")?;
        let host = resource.strip_prefix("https://")?;
        let namespace = host.strip_suffix(".servicebus.windows.net");
        let named = host == "eventhubs.azure.net"
            || namespace.is_some_and(|n| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !named || found.is_some() {
            return None;
        }
        found = Some(resource.to_ascii_lowercase());
    }
    found
}

/// Loopback redirect URIs are accepted on any port, as Entra does for desktop apps (RFC 8252).
pub fn is_loopback_redirect(uri: &str) -> bool {
    ["http://localhost", "http://127.0.0.1", "http://[::1]"]
        .iter()
        .any(|base| {
            uri.strip_prefix(base).is_some_and(|rest| {
                rest.is_empty() || rest.starts_with(':') || rest.starts_with('/')
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_hubs_scopes_name_their_resource_and_nothing_else_does() {
        assert_eq!(
            event_hubs_resource("https://Contoso.servicebus.windows.net/.default offline_access")
                .as_deref(),
            Some("https://contoso.servicebus.windows.net")
        );
        assert_eq!(
            event_hubs_resource("https://eventhubs.azure.net/.default").as_deref(),
            Some("https://eventhubs.azure.net")
        );
        for scope in [
            "",
            "offline_access",
            "https://graph.microsoft.com/.default",
            "https://evil.example/.default",
            "https://a.servicebus.windows.net/Send",
            "https://.servicebus.windows.net/.default",
            "https://a.servicebus.windows.net/.default https://b.servicebus.windows.net/.default",
            "https://a.servicebus.windows.net/.default Mail.Read",
        ] {
            assert_eq!(event_hubs_resource(scope), None, "{scope}");
        }
    }

    #[test]
    fn pkce_s256_follows_rfc_7636() {
        // RFC 7636 appendix B.
        assert!(pkce_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "S256",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!pkce_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "S256",
            "wrong"
        ));
        assert!(!pkce_matches("x", "S512", "x"));
    }

    #[test]
    fn scopes_are_normalized() {
        let (scopes, offline) = split_scopes(
            "openid https://graph.microsoft.com/Mail.Read offline_access User.Read mail.read",
        );
        assert_eq!(scopes, ["Mail.Read", "User.Read"]);
        assert!(offline);
    }

    #[test]
    fn only_loopback_redirects_pass() {
        assert!(is_loopback_redirect("http://localhost:51234/"));
        assert!(is_loopback_redirect("http://127.0.0.1:8400"));
        assert!(!is_loopback_redirect("http://localhost.evil.example/"));
        assert!(!is_loopback_redirect("https://example.com/callback"));
    }
}
