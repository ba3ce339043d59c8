//! Who signed in, from the ID token (OpenID Connect Core §3.1.3.7), never from the access token:
//! Microsoft says clients must treat access tokens as opaque, and for personal accounts they are.
//!
//! The authority's discovery document gives the issuer, the signing keys and whether it adds
//! `iss` to authorization responses (RFC 9207). An ID token counts only when its signature is
//! one of those keys', its issuer is the authority's (Microsoft's multi-tenant issuer names
//! `{tenantid}`, filled from the token's `tid`), its audience is the app, it is within its
//! lifetime and it carries the nonce the sign-in sent. Signature checks are `jsonwebtoken`'s.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;

use crate::IdentityError;
use crate::account::{AccountConfig, AccountIdentity, CONSUMERS_TENANT_ID, IdentitySource};

/// How far clocks may disagree when an ID token's lifetime is checked.
const LEEWAY_SECONDS: u64 = 300;
/// The most of a discovery document or key set read.
const MAX_DOCUMENT: usize = 256 * 1024;

/// What the authority says about itself.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    /// The issuer ID tokens name (Microsoft's multi-tenant ones contain `{tenantid}`).
    pub issuer: String,
    /// Where its signing keys are.
    pub jwks_uri: String,
    /// Whether authorization responses carry `iss` (RFC 9207), which must then be checked.
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

/// The authority's discovery document and signing keys, for one sign-in.
#[derive(Debug, Clone)]
pub struct Authority {
    /// The discovery document.
    pub discovery: Discovery,
    keys: JwkSet,
}

fn invalid(why: impl Into<String>) -> IdentityError {
    IdentityError::IdToken(why.into())
}

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    what: &str,
) -> Result<T, IdentityError> {
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|_| IdentityError::Network(url.to_owned()))?;
    if !response.status().is_success() {
        return Err(invalid(format!(
            "the authority's {what} ({url}) answered {}",
            response.status()
        )));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|_| IdentityError::Network(url.to_owned()))?;
    if bytes.len() > MAX_DOCUMENT {
        return Err(invalid(format!("the authority's {what} is too large")));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| invalid(format!("the authority's {what} cannot be read: {e}")))
}

/// The origin (scheme, host, port) of a URL, for comparing where documents point.
fn origin(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

impl Authority {
    /// Reads `{authority}/{tenant}/v2.0/.well-known/openid-configuration` and the keys it names.
    /// The keys must be served from the authority's own origin.
    pub async fn discover(
        account: &AccountConfig,
        http: &reqwest::Client,
    ) -> Result<Authority, IdentityError> {
        let url = format!(
            "{}/{}/v2.0/.well-known/openid-configuration",
            account.cloud.authority_host(),
            account.tenant
        );
        let discovery: Discovery = get_json(http, &url, "OpenID configuration").await?;
        if origin(&discovery.jwks_uri) != origin(account.cloud.authority_host()) {
            return Err(invalid(format!(
                "the authority's keys are said to be at {}, outside the authority",
                discovery.jwks_uri
            )));
        }
        let keys: JwkSet = get_json(http, &discovery.jwks_uri, "signing keys").await?;
        Ok(Authority { discovery, keys })
    }

    /// Checks an ID token for `client_id` and reads who it names. `nonce` is the one the
    /// authorization request sent (none for the device code, which has no authorization request).
    pub fn verify(
        &self,
        id_token: &str,
        client_id: &str,
        nonce: Option<&str>,
    ) -> Result<AccountIdentity, IdentityError> {
        let header = jsonwebtoken::decode_header(id_token)
            .map_err(|e| invalid(format!("the ID token is not a JWT: {e}")))?;
        if !matches!(
            header.alg,
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::ES256
        ) {
            return Err(invalid(format!(
                "the ID token is signed with {:?}, which the app does not accept",
                header.alg
            )));
        }
        let jwk = match &header.kid {
            Some(kid) => self.keys.find(kid),
            None if self.keys.keys.len() == 1 => self.keys.keys.first(),
            None => None,
        }
        .ok_or_else(|| {
            invalid("the ID token is signed with a key the authority does not publish")
        })?;
        let key = DecodingKey::from_jwk(jwk)
            .map_err(|e| invalid(format!("the authority's key cannot be used: {e}")))?;
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&[client_id]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims: Value = jsonwebtoken::decode(id_token, &key, &validation)
            .map_err(|e| invalid(format!("the ID token does not hold: {e}")))?
            .claims;
        let text = |name: &str| claims[name].as_str().map(str::to_owned);
        let tenant_id = text("tid").unwrap_or_default();
        let expected_issuer = self.discovery.issuer.replace("{tenantid}", &tenant_id);
        if tenant_id.contains('/') || text("iss").as_deref() != Some(expected_issuer.as_str()) {
            return Err(invalid(format!(
                "the ID token was issued by {}, not by {expected_issuer}",
                text("iss").unwrap_or_default()
            )));
        }
        if let Some(nonce) = nonce
            && text("nonce").as_deref() != Some(nonce)
        {
            return Err(invalid(
                "the ID token does not carry the nonce of this sign-in (a replayed token?)",
            ));
        }
        let subject = text("sub").unwrap_or_default();
        let personal = tenant_id.eq_ignore_ascii_case(CONSUMERS_TENANT_ID);
        let object_key = match text("oid") {
            Some(oid) if !personal => oid,
            _ => subject.clone(),
        };
        let username = text("preferred_username")
            .or_else(|| text("upn"))
            .or_else(|| text("email"))
            .unwrap_or_else(|| subject.clone());
        Ok(AccountIdentity {
            tenant_id,
            object_key,
            username,
            display_name: text("name"),
            source: IdentitySource::IdToken,
        })
    }
}

/// Whether `actual` is an issuer the discovery document's `template` names: the same text, or
/// for Microsoft's multi-tenant documents (`…/{tenantid}/v2.0`) the same with one tenant id in
/// place of the placeholder.
pub fn issuer_matches(template: &str, actual: &str) -> bool {
    match template.split_once("{tenantid}") {
        None => template == actual,
        Some((before, after)) => actual
            .strip_prefix(before)
            .and_then(|rest| rest.strip_suffix(after))
            .is_some_and(|tenant| !tenant.is_empty() && !tenant.contains(['/', '?', '#'])),
    }
}

/// A fresh `nonce` for an authorization request: 128 random bits.
pub fn new_nonce() -> String {
    let bytes: [u8; 16] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Me {
    id: String,
    user_principal_name: Option<String>,
    mail: Option<String>,
    display_name: Option<String>,
}

/// Who signed in, from `GET /me`, when the authority issued no ID token.
pub async fn from_graph_me(
    account: &AccountConfig,
    access_token: &str,
    http: &reqwest::Client,
) -> Result<AccountIdentity, IdentityError> {
    let url = format!(
        "{}/v1.0/me?$select=id,userPrincipalName,mail,displayName",
        account.cloud.graph_base()
    );
    let response = tokio::time::timeout(
        Duration::from_secs(30),
        http.get(&url).bearer_auth(access_token).send(),
    )
    .await
    .map_err(|_| IdentityError::Network(url.clone()))?
    .map_err(|_| IdentityError::Network(url.clone()))?;
    if !response.status().is_success() {
        return Err(invalid(format!(
            "the authority issued no ID token and Graph's /me answered {}",
            response.status()
        )));
    }
    let me: Me = response
        .json()
        .await
        .map_err(|e| invalid(format!("Graph's /me cannot be read: {e}")))?;
    let tenant_id = if matches!(
        account.tenant.to_ascii_lowercase().as_str(),
        "common" | "organizations"
    ) {
        String::new()
    } else if account.tenant.eq_ignore_ascii_case("consumers") {
        CONSUMERS_TENANT_ID.to_owned()
    } else {
        account.tenant.clone()
    };
    Ok(AccountIdentity {
        tenant_id,
        username: me
            .user_principal_name
            .or(me.mail)
            .unwrap_or_else(|| me.id.clone()),
        object_key: me.id,
        display_name: me.display_name,
        source: IdentitySource::GraphMe,
    })
}

/// An app-only account is its app.
pub fn of_app(account: &AccountConfig) -> AccountIdentity {
    AccountIdentity {
        tenant_id: account.tenant.clone(),
        object_key: account.client_id.clone(),
        username: account.client_id.clone(),
        display_name: None,
        source: IdentitySource::App,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_tenant_issuers_name_one_tenant() {
        let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
        assert!(issuer_matches(
            template,
            "https://login.microsoftonline.com/72f9/v2.0"
        ));
        assert!(!issuer_matches(
            template,
            "https://login.microsoftonline.com//v2.0"
        ));
        assert!(!issuer_matches(
            template,
            "https://login.microsoftonline.com/a/b/v2.0"
        ));
        assert!(!issuer_matches(template, "https://evil.example/72f9/v2.0"));
        assert!(issuer_matches("https://idp/t/v2.0", "https://idp/t/v2.0"));
        assert!(!issuer_matches("https://idp/t/v2.0", "https://idp/u/v2.0"));
    }
}
