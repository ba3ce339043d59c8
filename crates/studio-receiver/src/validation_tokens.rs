//! Checking the `validationTokens` of rich notifications (reference §8): each is a JWT that must
//! be signed by the tenant authority's keys (RS256; `alg: none` and HMAC are refused), be within
//! its lifetime, be issued by Microsoft identity (v1 `https://sts.windows.net/{tid}/` or v2
//! `…/{tid}/v2.0`), be for this app (`aud`), and come from the Microsoft Graph Change Tracking app
//! (`azp` in v2 tokens, `appid` in v1). If any token fails, the whole POST is suspicious.
//!
//! Pure: the caller supplies the authority's JWKS (cached ≤ 24 h, refetched on an unknown `kid`)
//! and the time.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

/// The Microsoft Graph Change Tracking app, the caller of every notification.
pub const CHANGE_TRACKING_APP_ID: &str = "0bf30f3b-4a52-48df-9a82-234910c4a086";

/// Why a validation token is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenProblem {
    /// Not a JWT, or not RS256.
    #[error("not an RS256 JWT")]
    Malformed,
    /// Signed with a key the authority does not publish (refetch the keys once, then distrust).
    #[error("signed with an unknown key '{0}'")]
    UnknownKey(String),
    /// The signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// Expired or not yet valid.
    #[error("outside its lifetime")]
    Lifetime,
    /// Not issued by Microsoft identity for this tenant.
    #[error("issued by '{0}', not Microsoft identity")]
    Issuer(String),
    /// Meant for another app.
    #[error("for app '{0}', not this one")]
    Audience(String),
    /// Not from the Change Tracking app.
    #[error("from app '{0}', not Microsoft Graph Change Tracking")]
    Caller(String),
}

/// Checks one validation token; answers its claims when it is trusted.
pub fn check(token: &str, keys: &JwkSet, app_id: &str, now: i64) -> Result<Value, TokenProblem> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenProblem::Malformed)?;
    if header.alg != Algorithm::RS256 {
        return Err(TokenProblem::Malformed);
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
    let exp = claims["exp"].as_i64().unwrap_or(0);
    let nbf = claims["nbf"].as_i64().unwrap_or(0);
    if exp <= now || nbf > now + 300 {
        return Err(TokenProblem::Lifetime);
    }
    let text = |name: &str| claims[name].as_str().unwrap_or_default().to_owned();
    let (issuer, tenant) = (text("iss"), text("tid"));
    let issued_by_identity = !tenant.is_empty()
        && (issuer == format!("https://sts.windows.net/{tenant}/")
            || issuer.ends_with(&format!("/{tenant}/v2.0")));
    if !issued_by_identity {
        return Err(TokenProblem::Issuer(issuer));
    }
    if text("aud") != app_id {
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
