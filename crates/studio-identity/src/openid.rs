//! Who signed in, from the ID token (OpenID Connect Core §3.1.3.7), never from the access token:
//! Microsoft says clients must treat access tokens as opaque, and for personal accounts they are.
//!
//! The authority's discovery document gives the issuer, the signing keys and whether it adds
//! `iss` to authorization responses (RFC 9207). An ID token counts only when its signature is
//! one of those keys', its issuer is the authority's (Microsoft's multi-tenant issuer names
//! `{tenantid}`, filled from the token's `tid`), its audience is the app (and `azp` the app when
//! there are several), it has not expired and it carries the nonce the sign-in sent. Signature
//! checks are `jsonwebtoken`'s. `nbf`/`iat` are not judged: an authority whose clock runs ahead
//! (the sandbox's can be moved forward) is no reason to refuse a token the nonce ties to this
//! sign-in.

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
const LEEWAY_SECONDS: i64 = 300;
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

    /// Checks an ID token for `client_id` at `now` (Unix seconds) and reads who it names.
    /// `nonce` is the one the authorization request sent (none for the device code, which has no
    /// authorization request).
    pub fn verify(
        &self,
        id_token: &str,
        client_id: &str,
        nonce: Option<&str>,
        now: i64,
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
        let usable = !matches!(
            jwk.common.public_key_use,
            Some(ref used) if *used != jsonwebtoken::jwk::PublicKeyUse::Signature
        ) && jwk
            .common
            .key_algorithm
            .is_none_or(|algorithm| algorithm == jsonwebtoken::jwk::KeyAlgorithm::from(header.alg));
        if !usable {
            return Err(invalid(
                "the ID token is signed with a key the authority publishes for something else",
            ));
        }
        let key = DecodingKey::from_jwk(jwk)
            .map_err(|e| invalid(format!("the authority's key cannot be used: {e}")))?;
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&[client_id]);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims: Value = jsonwebtoken::decode(id_token, &key, &validation)
            .map_err(|e| invalid(format!("the ID token does not hold: {e}")))?
            .claims;
        let text = |name: &str| claims[name].as_str().map(str::to_owned);
        let expires = claims["exp"].as_i64().unwrap_or(0);
        if expires.saturating_add(LEEWAY_SECONDS) < now {
            return Err(invalid("the ID token has expired"));
        }
        // OpenID Connect Core §3.1.3.7: `azp`, when present (and required with several
        // audiences), names this app.
        let several = claims["aud"].as_array().is_some_and(|a| a.len() > 1);
        if (several || text("azp").is_some()) && text("azp").as_deref() != Some(client_id) {
            return Err(invalid(
                "the ID token is not authorized for this app (azp names another)",
            ));
        }
        let tenant_id = text("tid").unwrap_or_default();
        let named_tenant = !self.discovery.issuer.contains("{tenantid}")
            || (!tenant_id.is_empty() && !tenant_id.contains(['/', '?', '#']));
        let expected_issuer = self.discovery.issuer.replace("{tenantid}", &tenant_id);
        if !named_tenant || text("iss").as_deref() != Some(expected_issuer.as_str()) {
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
        // Never `email`: it is neither verified nor stable (Microsoft's guidance on claims).
        let username = text("preferred_username")
            .or_else(|| text("upn"))
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
    let tenant_id = if account.tenant.eq_ignore_ascii_case("consumers") {
        CONSUMERS_TENANT_ID.to_owned()
    } else {
        tenant_id_of(&account.tenant)
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

/// A tenant as configured, when it is a tenant id (a GUID); empty for a domain, `common` or
/// `organizations`, which name no tenant id (tokens' `tid` fills it in).
pub fn tenant_id_of(configured: &str) -> String {
    let guid = configured.len() == 36
        && configured.chars().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if guid {
        configured.to_ascii_lowercase()
    } else {
        String::new()
    }
}

/// An app-only account is its app, in its tenant: the tenant id from the app-only access token's
/// `tid` when it is a readable JWT, else the configured tenant when it is an id.
pub fn of_app(account: &AccountConfig, access_token: &str) -> AccountIdentity {
    let from_token = crate::claims::read(access_token)
        .ok()
        .map(|c| c.tenant_id)
        .filter(|t| !t.is_empty());
    AccountIdentity {
        tenant_id: from_token.unwrap_or_else(|| tenant_id_of(&account.tenant)),
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

    /// An authority with one signing key, and tokens signed with it.
    struct Issuing {
        authority: Authority,
        key: jsonwebtoken::EncodingKey,
    }

    fn issuing(issuer: &str) -> Issuing {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        use rsa::traits::PublicKeyParts;
        let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("key");
        let n = URL_SAFE_NO_PAD.encode(private.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(private.e().to_bytes_be());
        let keys: JwkSet = serde_json::from_value(serde_json::json!({
            "keys": [{ "kty": "RSA", "use": "sig", "kid": "k1", "n": n, "e": e }]
        }))
        .expect("jwks");
        let der = private.to_pkcs1_der().expect("der");
        Issuing {
            authority: Authority {
                discovery: Discovery {
                    issuer: issuer.into(),
                    jwks_uri: String::new(),
                    authorization_response_iss_parameter_supported: false,
                },
                keys,
            },
            key: jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes()),
        }
    }

    const NOW: i64 = 1_800_000_000;

    fn claims() -> Value {
        serde_json::json!({
            "iss": "https://idp/72f9/v2.0", "aud": "app", "sub": "s1", "oid": "o1",
            "tid": "72f9", "exp": NOW + 3600, "nbf": NOW + 900, "nonce": "n1",
            "preferred_username": "ada@contoso", "email": "someone@else", "name": "Ada",
        })
    }

    fn sign(issuing: &Issuing, claims: &Value, kid: Option<&str>) -> String {
        let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &issuing.key).expect("signs")
    }

    #[test]
    fn id_tokens_that_do_not_hold_are_refused() {
        let multi = issuing("https://idp/{tenantid}/v2.0");
        let verify = |token: &str| multi.authority.verify(token, "app", Some("n1"), NOW);
        let good = verify(&sign(&multi, &claims(), Some("k1"))).expect("a good token holds");
        assert_eq!(good.tenant_id, "72f9", "{{tenantid}} filled from tid");
        assert_eq!(good.username, "ada@contoso", "never email");
        assert_eq!(good.object_key, "o1");
        let refused = |change: &dyn Fn(&mut Value), kid: Option<&str>, why: &str| {
            let mut changed = claims();
            change(&mut changed);
            assert!(verify(&sign(&multi, &changed, kid)).is_err(), "{why}");
        };
        refused(
            &|c| c["nonce"] = "other".into(),
            Some("k1"),
            "another sign-in's nonce",
        );
        refused(
            &|c| c["aud"] = "other-app".into(),
            Some("k1"),
            "another app's token",
        );
        refused(&|c| c["exp"] = (NOW - 600).into(), Some("k1"), "expired");
        refused(
            &|c| c["iss"] = "https://evil/72f9/v2.0".into(),
            Some("k1"),
            "another issuer",
        );
        refused(
            &|c| c["tid"] = "other".into(),
            Some("k1"),
            "tid not the issuer's",
        );
        refused(
            &|c| c["tid"] = "a/b".into(),
            Some("k1"),
            "a tid that is a path",
        );
        refused(
            &|c| {
                c["tid"] = "".into();
                c["iss"] = "https://idp//v2.0".into();
            },
            Some("k1"),
            "no tid",
        );
        refused(
            &|c| {
                c["aud"] = serde_json::json!(["app", "other"]);
                c["azp"] = "other".into();
            },
            Some("k1"),
            "several audiences, authorized for another",
        );
        refused(
            &|c| c["azp"] = "other".into(),
            Some("k1"),
            "one audience, azp another app",
        );
        refused(
            &|_| {},
            Some("unknown"),
            "a key the authority does not publish",
        );
        // Another key altogether, and tokens that are not RS-signed.
        let stranger = issuing("https://idp/{tenantid}/v2.0");
        assert!(
            verify(&sign(&stranger, &claims(), Some("k1"))).is_err(),
            "signed by another key"
        );
        let hs = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &claims(),
            &jsonwebtoken::EncodingKey::from_secret(b"k"),
        )
        .expect("signs");
        assert!(verify(&hs).is_err(), "HS256 is not accepted");
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(claims().to_string())
        );
        assert!(verify(&unsigned).is_err(), "alg none is not accepted");
        // A future nbf (an authority whose clock runs ahead) is not held against the token.
        assert!(verify(&sign(&multi, &claims(), Some("k1"))).is_ok());
        // A single-tenant issuer must match exactly.
        let single = issuing("https://idp/72f9/v2.0");
        assert!(
            single
                .authority
                .verify(
                    &sign(&single, &claims(), Some("k1")),
                    "app",
                    Some("n1"),
                    NOW
                )
                .is_ok()
        );
        let mut other = claims();
        other["iss"] = "https://idp/72f8/v2.0".into();
        assert!(
            single
                .authority
                .verify(&sign(&single, &other, Some("k1")), "app", Some("n1"), NOW)
                .is_err()
        );
    }
}
