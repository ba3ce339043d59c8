//! Certificate credentials for the confidential app: a signed client assertion instead of a
//! secret (RFC 7523 `private_key_jwt`, as Microsoft identity takes it).
//!
//! The app's certificates are registered through the control API (the portal's "Upload
//! certificate"), identified by their SHA-1 thumbprint. The assertion's header names the
//! certificate by `x5t` (base64url SHA-1) or `x5t#S256`; it must be signed RS256 or PS256 by
//! that certificate's key, with `iss` = `sub` = the client id, `aud` the token endpoint, a `jti`,
//! and a valid time range by the emulator clock (five minutes of skew allowed).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rsa::pkcs1::EncodeRsaPublicKey;
use serde_json::{Value, json};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::bodies::GraphBody;
use crate::identity::oauth_error;
use crate::server::{Shared, graph_error};
use crate::tenant::DOMAIN;

/// The assertion type Microsoft identity accepts.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Clock skew allowed on `nbf` and `exp`.
pub const SKEW_SECONDS: i64 = 300;

/// A certificate uploaded for the confidential app.
#[derive(Debug, Clone)]
pub struct AppCertificate {
    /// SHA-1 of the DER, uppercase hex (what the portal shows).
    pub thumbprint: String,
    /// base64url SHA-1 (the `x5t` header).
    pub x5t: String,
    /// base64url SHA-256 (the `x5t#S256` header).
    pub x5t_s256: String,
    /// The public key, PKCS#1 DER.
    pub public_key: Vec<u8>,
    /// The certificate as uploaded (kept with `--data`).
    pub der_base64: String,
}

impl AppCertificate {
    /// Reads a base64 DER X.509 certificate with an RSA key.
    pub fn read(base64_der: &str) -> Option<AppCertificate> {
        let (key, thumbprint) = crate::rich::read_certificate(base64_der).ok()?;
        let der = STANDARD.decode(base64_der.trim()).ok()?;
        Some(AppCertificate {
            thumbprint,
            x5t: URL_SAFE_NO_PAD.encode(Sha1::digest(&der)),
            x5t_s256: URL_SAFE_NO_PAD.encode(Sha256::digest(&der)),
            public_key: key.to_pkcs1_der().ok()?.as_bytes().to_vec(),
            der_base64: base64_der.trim().to_owned(),
        })
    }
}

fn malformed(now: i64, why: &str) -> Box<Response> {
    Box::new(oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        50027,
        &format!("JWT token is invalid or malformed: {why}"),
        now,
    ))
}

fn invalid_client(code: u32, text: &str, now: i64) -> Box<Response> {
    Box::new(oauth_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        code,
        text,
        now,
    ))
}

/// Checks a client assertion for `client_id` sent to the token endpoint of `tenant`.
pub fn verify(
    shared: &Shared,
    client_id: &str,
    assertion: &str,
    tenant: &str,
    now: i64,
) -> Result<(), Box<Response>> {
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|_| malformed(now, "the client_assertion is not a JWT."))?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::PS256) {
        return Err(malformed(
            now,
            "sign client assertions with RS256 or PS256.",
        ));
    }
    let certificates = shared
        .app_certificates
        .lock()
        .map(|c| c.clone())
        .unwrap_or_default();
    let certificate = certificates.iter().find(|c| {
        header.x5t.as_deref() == Some(c.x5t.as_str())
            || header.x5t_s256.as_deref() == Some(c.x5t_s256.as_str())
    });
    let Some(certificate) = certificate else {
        let used = header.x5t.or(header.x5t_s256).unwrap_or_default();
        return Err(invalid_client(
            700027,
            &format!(
                "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{used}']"
            ),
            now,
        ));
    };
    let mut validation = Validation::new(header.alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Value>(
        assertion,
        &DecodingKey::from_rsa_der(&certificate.public_key),
        &validation,
    )
    .map_err(|_| {
        invalid_client(
            700027,
            "Client assertion contains an invalid signature.",
            now,
        )
    })?
    .claims;
    let exp = claims["exp"].as_i64().unwrap_or(0);
    let nbf = claims["nbf"].as_i64().unwrap_or(0);
    if exp + SKEW_SECONDS <= now || nbf - SKEW_SECONDS > now {
        return Err(invalid_client(
            700024,
            &format!(
                "Client assertion is not within its valid time range. Current time: {now}, assertion valid from {nbf}, expiry time of assertion {exp}."
            ),
            now,
        ));
    }
    if claims["iss"] != client_id || claims["sub"] != client_id {
        return Err(invalid_client(
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
            now,
        ));
    }
    let audience = claims["aud"].as_str().unwrap_or_default();
    if !audiences(shared, tenant)
        .iter()
        .any(|a| a.eq_ignore_ascii_case(audience))
    {
        return Err(malformed(
            now,
            &format!("the audience '{audience}' is not this tenant's token endpoint."),
        ));
    }
    if claims["jti"].as_str().is_none_or(str::is_empty) {
        return Err(malformed(now, "the client assertion has no 'jti' claim."));
    }
    Ok(())
}

/// What `aud` may be: the token endpoint (or issuer) of this tenant, at the emulator or at
/// `login.microsoftonline.com`.
fn audiences(shared: &Shared, tenant: &str) -> Vec<String> {
    let hosts = [
        shared.base_url.as_str(),
        "https://login.microsoftonline.com",
    ];
    let tenants = [shared.tenant.tenant_id.as_str(), DOMAIN, tenant];
    hosts
        .iter()
        .flat_map(|h| {
            tenants.iter().flat_map(move |t| {
                [
                    format!("{h}/{t}/oauth2/v2.0/token"),
                    format!("{h}/{t}/v2.0"),
                ]
            })
        })
        .collect()
}

/// `POST /_emulator/certificates {"certificate": "<base64 DER>"}`: uploads a certificate for the
/// confidential app; answers its thumbprint.
pub async fn upload(State(shared): State<Arc<Shared>>, GraphBody(body): GraphBody) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(certificate) = request["certificate"]
        .as_str()
        .and_then(AppCertificate::read)
    else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Send {\"certificate\": \"<base64 DER of an X.509 certificate with an RSA key>\"}.",
            shared.clock.now(),
        );
    };
    let answer = json!({ "thumbprint": certificate.thumbprint, "x5t": certificate.x5t });
    if let Ok(mut list) = shared.app_certificates.lock()
        && !list.iter().any(|c| c.thumbprint == certificate.thumbprint)
    {
        list.push(certificate);
    }
    (StatusCode::CREATED, Json(answer)).into_response()
}
