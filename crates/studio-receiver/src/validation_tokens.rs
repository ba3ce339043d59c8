//! Checking the `validationTokens` of rich notifications (reference §8): each is a JWT that must
//! be signed by the authority's keys (RS256; `alg: none` and HMAC are refused, and so is any
//! `crit` header, since none is understood), carry a numeric `exp` and `nbf` that hold now, be
//! issued by one of the issuers the subscription's account may have (its authority's v2 issuer
//! or the cloud's v1 STS, for the subscription's tenant), name that tenant in `tid`, be for this
//! app (`aud`), and come from the Microsoft Graph Change Tracking app (`appid` in v1 tokens,
//! `azp` in v2). If any token fails, the whole POST is suspicious.
//!
//! [`explain`] makes the same checks one by one, for people: the Inspector shows each token's
//! claims and every check's outcome.
//!
//! Pure: the caller supplies the authority's JWKS (cached ≤ 24 h, refetched on an unknown `kid`),
//! what to expect, and the time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

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
    let claims = signature(token, keys)?;
    lifetime(&claims, now)?;
    issuer(&claims, expected)?;
    tenant(&claims, expected)?;
    audience(&claims, expected)?;
    caller(&claims)?;
    Ok(claims)
}

/// The claims of a token whose header and signature hold.
fn signature(token: &str, keys: &JwkSet) -> Result<Value, TokenProblem> {
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
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|_| TokenProblem::BadSignature)
}

fn text<'a>(claims: &'a Value, name: &str) -> &'a str {
    claims[name].as_str().unwrap_or_default()
}

fn lifetime(claims: &Value, now: i64) -> Result<(), TokenProblem> {
    let (Some(exp), Some(nbf)) = (claims["exp"].as_i64(), claims["nbf"].as_i64()) else {
        return Err(TokenProblem::LifetimeMissing);
    };
    if exp <= now || nbf > now + SKEW_SECONDS {
        return Err(TokenProblem::Lifetime);
    }
    Ok(())
}

fn issuer(claims: &Value, expected: &Expectation) -> Result<(), TokenProblem> {
    let issuer = text(claims, "iss");
    if expected.issuers.iter().any(|i| i == issuer) {
        Ok(())
    } else {
        Err(TokenProblem::Issuer(issuer.to_owned()))
    }
}

fn tenant(claims: &Value, expected: &Expectation) -> Result<(), TokenProblem> {
    let (issuer, tenant) = (text(claims, "iss"), text(claims, "tid"));
    let matches = match &expected.tenant_id {
        Some(wanted) => tenant.eq_ignore_ascii_case(wanted),
        None => !tenant.is_empty() && issuer.contains(&format!("/{tenant}/")),
    };
    if matches {
        Ok(())
    } else {
        Err(TokenProblem::Tenant(tenant.to_owned()))
    }
}

fn audience(claims: &Value, expected: &Expectation) -> Result<(), TokenProblem> {
    if text(claims, "aud") == expected.app_id {
        Ok(())
    } else {
        Err(TokenProblem::Audience(text(claims, "aud").to_owned()))
    }
}

fn caller(claims: &Value) -> Result<(), TokenProblem> {
    let caller = if claims["ver"] == "1.0" {
        text(claims, "appid")
    } else {
        text(claims, "azp")
    };
    if caller == CHANGE_TRACKING_APP_ID {
        Ok(())
    } else {
        Err(TokenProblem::Caller(caller.to_owned()))
    }
}

/// What one check of a token looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum TokenCheckName {
    /// RS256, no critical extension, signed by a key the authority publishes.
    Signature,
    /// `nbf` and `exp` hold at the time the token arrived.
    Lifetime,
    /// `iss` is the subscription's authority.
    Issuer,
    /// `tid` is the subscription's tenant.
    Tenant,
    /// `aud` is this app.
    Audience,
    /// `appid` (v1) or `azp` (v2) is Microsoft Graph Change Tracking.
    Caller,
}

/// How one check of a token came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "outcome",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum CheckOutcome {
    /// It holds.
    Passed,
    /// It does not: why, for people.
    Failed {
        /// Why.
        reason: String,
    },
    /// It could not be made (no keys, or nothing to compare with): why, for people.
    NotChecked {
        /// Why.
        reason: String,
    },
}

impl From<Result<(), TokenProblem>> for CheckOutcome {
    fn from(result: Result<(), TokenProblem>) -> Self {
        match result {
            Ok(()) => CheckOutcome::Passed,
            Err(problem) => CheckOutcome::Failed {
                reason: problem.to_string(),
            },
        }
    }
}

/// One validation token taken apart for people: its header and claims (decoded whether or not
/// they can be trusted) and every check, each on its own, so all that is wrong shows at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExplainedToken {
    /// The JOSE header, pretty JSON (`null` when it is not JSON).
    pub header: String,
    /// The claims, pretty JSON (`null` when they are not JSON).
    pub claims: String,
    /// Each check, in the order [`check`] makes them.
    pub checks: Vec<TokenCheck>,
}

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TokenCheck {
    /// What it looks at.
    pub name: TokenCheckName,
    /// How it came out.
    pub result: CheckOutcome,
}

/// Part `index` of a JWT, base64url-decoded and parsed (`Value::Null` when it is not JSON).
fn part(token: &str, index: usize) -> Value {
    token
        .split('.')
        .nth(index)
        .and_then(|part| URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null)
}

/// Takes `token` apart and makes every check: the signature with `keys` (when they could be had),
/// the claims against `expected` (when the subscription is known), the lifetime at `at` (the
/// time the token arrived, so an old reception still reads as it was judged).
pub fn explain(
    token: &str,
    keys: Result<&JwkSet, &str>,
    expected: Result<&Expectation, &str>,
    at: i64,
) -> ExplainedToken {
    let claims = part(token, 1);
    let against = |check: fn(&Value, &Expectation) -> Result<(), TokenProblem>| match expected {
        Ok(expected) => check(&claims, expected).into(),
        Err(why) => CheckOutcome::NotChecked {
            reason: why.to_owned(),
        },
    };
    let signed = match keys {
        Ok(keys) => signature(token, keys).map(|_| ()).into(),
        Err(why) => CheckOutcome::NotChecked {
            reason: why.to_owned(),
        },
    };
    let checks = [
        (TokenCheckName::Signature, signed),
        (TokenCheckName::Lifetime, lifetime(&claims, at).into()),
        (TokenCheckName::Issuer, against(issuer)),
        (TokenCheckName::Tenant, against(tenant)),
        (TokenCheckName::Audience, against(audience)),
        (TokenCheckName::Caller, caller(&claims).into()),
    ]
    .into_iter()
    .map(|(name, result)| TokenCheck { name, result })
    .collect();
    let pretty = |value: &Value| serde_json::to_string_pretty(value).unwrap_or_default();
    ExplainedToken {
        header: pretty(&part(token, 0)),
        claims: pretty(&claims),
        checks,
    }
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
