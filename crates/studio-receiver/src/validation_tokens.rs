//! Checking the `validationTokens` of rich notifications (reference §8): each is a JWT that must
//! be signed by the authority's keys (RS256; `alg: none` and HMAC are refused, and so is any
//! `crit` header, since none is understood), carry a numeric `exp` and `nbf` that hold now, be
//! issued by one of the issuers the subscription's account may have (its authority's v2 issuer
//! or the cloud's v1 STS, for the subscription's tenant), name that tenant in `tid`, be for this
//! app (`aud`), and come from the Microsoft Graph Change Tracking app (`appid` in v1 tokens,
//! `azp` in v2). If any token fails, the whole POST is suspicious.
//!
//! Pure: the caller supplies the authority's JWKS (cached ≤ 24 h, refetched on an unknown `kid`),
//! what to expect, and the time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

/// The Microsoft Graph Change Tracking app, the caller of every notification.
pub const CHANGE_TRACKING_APP_ID: &str = "0bf30f3b-4a52-48df-9a82-234910c4a086";

/// How far a token's `nbf` may be in the future (clock skew), in seconds.
pub const SKEW_SECONDS: i64 = 300;

/// What a valid token must say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// The subscription's app (`aud`).
    pub app_id: String,
    /// The issuers the subscription's account may have (`iss`, exactly).
    pub issuers: Vec<String>,
    /// The tenant the subscription was made in (`tid`), when known.
    pub tenant_id: Option<String>,
}

impl Expectation {
    /// The issuers of a tenant on an authority: the v2 issuer on the authority's host, and the v1
    /// issuer on the cloud's security token service (`https://sts.windows.net` for the global and
    /// US Government clouds, `https://sts.chinacloudapi.cn` for China).
    pub fn issuers_for(authority_host: &str, v1_sts_host: &str, tenant_id: &str) -> Vec<String> {
        vec![
            format!("{}/{tenant_id}/v2.0", authority_host.trim_end_matches('/')),
            format!("{}/{tenant_id}/", v1_sts_host.trim_end_matches('/')),
        ]
    }
}

/// Why a validation token is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenProblem {
    /// Not a JWT, or not RS256.
    #[error("not an RS256 JWT")]
    Malformed,
    /// A `crit` header names an extension this checker does not understand.
    #[error("a critical header extension is not understood")]
    Critical,
    /// Signed with a key the authority does not publish (refetch the keys once, then distrust).
    #[error("signed with an unknown key '{0}'")]
    UnknownKey(String),
    /// The signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// `exp` or `nbf` is missing or not a number.
    #[error("its lifetime is not given as numbers")]
    LifetimeMissing,
    /// Expired or not yet valid.
    #[error("outside its lifetime")]
    Lifetime,
    /// Not issued by the subscription's authority.
    #[error("issued by '{0}', not the subscription's authority")]
    Issuer(String),
    /// Issued for another tenant than the subscription's.
    #[error("issued for tenant '{0}', not the subscription's")]
    Tenant(String),
    /// Meant for another app.
    #[error("for app '{0}', not this one")]
    Audience(String),
    /// Not from the Change Tracking app.
    #[error("from app '{0}', not Microsoft Graph Change Tracking")]
    Caller(String),
}

/// Whether the token's header carries `crit` (any value: none is understood).
fn has_critical_header(token: &str) -> bool {
    token
        .split('.')
        .next()
        .and_then(|header| URL_SAFE_NO_PAD.decode(header.trim_end_matches('=')).ok())
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .is_some_and(|header| header.get("crit").is_some())
}

/// Checks one validation token; answers its claims when it is trusted.
pub fn check(
    token: &str,
    keys: &JwkSet,
    expected: &Expectation,
    now: i64,
) -> Result<Value, TokenProblem> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenProblem::Malformed)?;
    if header.alg != Algorithm::RS256 {
        return Err(TokenProblem::Malformed);
    }
    if has_critical_header(token) {
        return Err(TokenProblem::Critical);
    }
    let kid = header.kid.unwrap_or_default();
    let jwk = keys
        .find(&kid)
        .ok_or_else(|| TokenProblem::UnknownKey(kid.clone()))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| TokenProblem::UnknownKey(kid))?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map_err(|_| TokenProblem::BadSignature)?
        .claims;
    let (Some(exp), Some(nbf)) = (claims["exp"].as_i64(), claims["nbf"].as_i64()) else {
        return Err(TokenProblem::LifetimeMissing);
    };
    if exp <= now || nbf > now + SKEW_SECONDS {
        return Err(TokenProblem::Lifetime);
    }
    let text = |name: &str| claims[name].as_str().unwrap_or_default().to_owned();
    let (issuer, tenant) = (text("iss"), text("tid"));
    if !expected.issuers.contains(&issuer) {
        return Err(TokenProblem::Issuer(issuer));
    }
    let tenant_matches = match &expected.tenant_id {
        Some(wanted) => tenant.eq_ignore_ascii_case(wanted),
        None => !tenant.is_empty() && issuer.contains(&format!("/{tenant}/")),
    };
    if !tenant_matches {
        return Err(TokenProblem::Tenant(tenant));
    }
    if text("aud") != expected.app_id {
        return Err(TokenProblem::Audience(text("aud")));
    }
    let caller = if claims["ver"] == "1.0" {
        text("appid")
    } else {
        text("azp")
    };
    if caller != CHANGE_TRACKING_APP_ID {
        return Err(TokenProblem::Caller(caller));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_the_authoritys_v2_and_the_clouds_v1() {
        assert_eq!(
            Expectation::issuers_for(
                "https://login.microsoftonline.com/",
                "https://sts.windows.net",
                "t1"
            ),
            [
                "https://login.microsoftonline.com/t1/v2.0",
                "https://sts.windows.net/t1/"
            ]
        );
    }

    #[test]
    fn a_crit_header_is_seen() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","crit":["exp"]}"#);
        assert!(has_critical_header(&format!("{header}.e30.sig")));
        let plain = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#);
        assert!(!has_critical_header(&format!("{plain}.e30.sig")));
        assert!(!has_critical_header("garbage"));
    }
}
