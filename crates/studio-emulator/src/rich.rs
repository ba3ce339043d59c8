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
use crate::workloads::Change;
use crate::workloads::routes::select;

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

/// A validation token for one app of this tenant (v2 form: `azp` is the Change Tracking app).
pub fn validation_token(shared: &Shared, app_id: &str) -> Option<String> {
    let now = shared.clock.now();
    let claims = json!({
        "aud": app_id,
        "iss": format!("https://login.microsoftonline.com/{}/v2.0", shared.tenant.tenant_id),
        "iat": now, "nbf": now, "exp": now + 3600,
        "azp": CHANGE_TRACKING_APP_ID,
        "azpacr": "2",
        "tid": shared.tenant.tenant_id,
        "ver": "2.0",
    });
    shared.key.sign(&claims).ok()
}

/// The resource as it travels in a rich notification: the entity as it is now (as it was, for a
/// deletion), limited to the subscription's `$select` when it has one (Outlook requires it).
pub fn resource_body(change: &Change, subscribed: &str) -> Value {
    let fields = subscribed.split_once('?').and_then(|(_, query)| {
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            key.eq_ignore_ascii_case("$select")
                .then(|| value.replace("%2C", ","))
        })
    });
    let id = change.path.rsplit('/').next().unwrap_or_default();
    let mut body = match &change.body {
        Some(body) => select(body, fields.as_deref()),
        None => json!({ "id": id }),
    };
    body["@odata.type"] = json!(change.odata_type);
    body["@odata.id"] = json!(change.resource);
    body["id"] = json!(id);
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rich_bodies_keep_only_the_selected_properties() {
        let mut change = Change::bare("created", "Users/u/Messages/m1", "users/u/messages/m1");
        change.odata_type = "#Microsoft.Graph.Message".into();
        change.body = Some(json!({ "id": "m1", "subject": "Hi", "body": { "content": "secret" } }));
        let body = resource_body(&change, "/me/messages?$select=subject");
        assert_eq!(body["subject"], "Hi");
        assert!(body.get("body").is_none(), "{body}");
        assert_eq!(body["@odata.id"], "Users/u/Messages/m1");
        let full = resource_body(&change, "/chats/c/messages");
        assert_eq!(full["body"]["content"], "secret");
    }
}
