//! Rich notifications: `encryptedContent` as Graph builds it, and the `validationTokens`.
//!
//! Per the reference (§7, §8): a random 32-byte key encrypts the resource JSON with AES-256-CBC
//! (PKCS#7, IV = the key's first 16 bytes); HMAC-SHA256 with the same key signs the ciphertext;
//! the key is wrapped with RSA-OAEP (SHA-1, MGF1-SHA-1) under the subscription's certificate; the
//! certificate's id and SHA-1 thumbprint travel along. Each batch carries one JWT per app and
//! tenant, issued to the app by the Change Tracking app.

use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use rsa::{Oaep, RsaPublicKey};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use sha2::Sha256;
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};

use crate::server::Shared;

/// The Microsoft Graph Change Tracking app, the caller of every notification.
pub const CHANGE_TRACKING_APP_ID: &str = "0bf30f3b-4a52-48df-9a82-234910c4a086";

/// Why a certificate cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    /// Not base64.
    #[error("encryptionCertificate is not base64")]
    Base64,
    /// Not an X.509 certificate.
    #[error("encryptionCertificate is not a DER X.509 certificate")]
    Der,
    /// Not an RSA key.
    #[error("encryptionCertificate does not hold an RSA public key")]
    NotRsa,
}

/// The public key and SHA-1 thumbprint of a base64 DER certificate.
pub fn read_certificate(base64_der: &str) -> Result<(RsaPublicKey, String), CertificateError> {
    let der = STANDARD
        .decode(base64_der.trim())
        .map_err(|_| CertificateError::Base64)?;
    let certificate = Certificate::from_der(&der).map_err(|_| CertificateError::Der)?;
    let spki = certificate
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|_| CertificateError::Der)?;
    let key = <RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(&spki)
        .map_err(|_| CertificateError::NotRsa)?;
    let thumbprint = Sha1::digest(&der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    Ok((key, thumbprint))
}

/// `encryptedContent` for a resource under a certificate.
pub fn encrypt(
    resource: &Value,
    certificate: &str,
    certificate_id: &str,
) -> Result<Value, CertificateError> {
    let (public_key, thumbprint) = read_certificate(certificate)?;
    let mut rng = rand::thread_rng();
    let mut key = [0u8; 32];
    rng.fill_bytes(&mut key);
    let plaintext = serde_json::to_vec(resource).unwrap_or_default();
    let iv: [u8; 16] = key[..16].try_into().unwrap_or([0; 16]);
    let ciphertext = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into())
        .encrypt_padded_vec_mut::<Pkcs7>(&plaintext);
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(&key).map_err(|_| CertificateError::NotRsa)?;
    mac.update(&ciphertext);
    let signature = mac.finalize().into_bytes();
    let wrapped = public_key
        .encrypt(&mut rng, Oaep::new::<Sha1>(), &key)
        .map_err(|_| CertificateError::NotRsa)?;
    Ok(json!({
        "data": STANDARD.encode(ciphertext),
        "dataSignature": STANDARD.encode(signature),
        "dataKey": STANDARD.encode(wrapped),
        "encryptionCertificateId": certificate_id,
        "encryptionCertificateThumbprint": thumbprint,
    }))
}

/// How long a validation token is valid (Microsoft's example token: issued five minutes in the
/// past, valid 65 minutes from then).
pub const VALIDATION_TOKEN_LIFETIME: i64 = 3900;
/// Entra backdates `iat`/`nbf` by five minutes against clock skew.
const BACKDATED: i64 = 300;

/// A validation token for one app of this tenant, issued by the Change Tracking app: v1 as Graph
/// sends them and as Microsoft's documentation and samples check them (`iss`
/// `https://sts.windows.net/{tid}/`, `appid`, `x5t` and `kid` in the header), or v2 (`azp`,
/// `iss` `…/{tid}/v2.0`) when the control API asks for it.
pub fn validation_token(shared: &Shared, app_id: &str) -> Option<String> {
    let issued = shared.clock.now() - BACKDATED;
    let tid = &shared.tenant.tenant_id;
    // The Change Tracking app's service principal in this tenant: a fixed id per tenant.
    let digest = Sha256::digest(format!("change-tracking|{tid}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    let principal = crate::tenant::guid_of(bytes);
    let unique = || crate::grants::random_token(16);
    let v2 = shared
        .v2_validation_tokens
        .load(std::sync::atomic::Ordering::Relaxed);
    let (issuer, caller, strength, version) = if v2 {
        let issuer = format!("https://login.microsoftonline.com/{tid}/v2.0");
        (issuer, "azp", "azpacr", "2.0")
    } else {
        (
            format!("https://sts.windows.net/{tid}/"),
            "appid",
            "appidacr",
            "1.0",
        )
    };
    let mut claims = json!({
        "aud": app_id,
        "iss": issuer,
        "iat": issued, "nbf": issued, "exp": issued + VALIDATION_TOKEN_LIFETIME,
        "aio": unique(),
        "oid": principal, "sub": principal,
        "rh": format!("0.{}.", unique()),
        "tid": tid,
        "uti": unique(),
        "ver": version,
    });
    claims[caller] = json!(CHANGE_TRACKING_APP_ID);
    claims[strength] = json!("2");
    if v2 {
        shared.key.sign(&claims).ok()
    } else {
        claims["idp"] = json!(format!("https://sts.windows.net/{tid}/"));
        shared.key.sign_v1(&claims).ok()
    }
}
