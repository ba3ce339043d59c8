//! An app registration's certificate credential: the PEM a user gives (certificate plus private
//! key), checked to belong together, and the client assertion it signs (RFC 7523, as Microsoft's
//! certificate-credential documentation describes it today: PS256 with an `x5t#S256` header, `aud`
//! the token endpoint, a fresh `jti`, ten minutes). A certificate stored by an older version has
//! no SHA-256 thumbprint and keeps signing RS256 with the SHA-1 `x5t` until it is added again.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha1::{Digest, Sha1};
use sha2::Sha256;
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};

use crate::{IdentityError, Sensitive};

/// A certificate with its private key.
#[derive(Debug, Clone)]
pub struct AppCertificate {
    /// SHA-1 of the DER, uppercase hex (what the Entra portal shows).
    pub thumbprint: String,
    /// base64url SHA-1 (the legacy `x5t`).
    pub x5t: String,
    /// base64url SHA-256 (the assertion's `x5t#S256`), when known.
    pub x5t_s256: Option<String>,
    /// The private key as PKCS#8 PEM (what the secret store keeps).
    pub key_pem: Sensitive<String>,
}

fn block(pem: &str, labels: &[&str]) -> Option<(String, Vec<u8>)> {
    for label in labels {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        if let Some(start) = pem.find(&begin) {
            let body_start = start + begin.len();
            let body_end = pem[body_start..].find(&end)? + body_start;
            let body: String = pem[body_start..body_end].split_whitespace().collect();
            return STANDARD
                .decode(body)
                .ok()
                .map(|der| ((*label).to_owned(), der));
        }
    }
    None
}

impl AppCertificate {
    /// Reads a PEM holding the certificate and its RSA private key (PKCS#8 or PKCS#1), in any
    /// order, and checks that the key is the certificate's.
    pub fn from_pem(pem: &str) -> Result<AppCertificate, IdentityError> {
        let invalid = |why: &str| IdentityError::Invalid(why.to_owned());
        let (_, der) = block(pem, &["CERTIFICATE"]).ok_or_else(|| {
            invalid(
                "The PEM has no CERTIFICATE block: include the certificate and its private key.",
            )
        })?;
        let certificate = Certificate::from_der(&der)
            .map_err(|_| invalid("The CERTIFICATE block is not an X.509 certificate."))?;
        let spki = certificate
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|_| invalid("The certificate's public key cannot be read."))?;
        let public = RsaPublicKey::from_public_key_der(&spki).map_err(|_| {
            invalid("The certificate does not hold an RSA key (Microsoft identity needs RSA).")
        })?;
        let (label, key_der) =
            block(pem, &["PRIVATE KEY", "RSA PRIVATE KEY"]).ok_or_else(|| {
                invalid(
                    "The PEM has no PRIVATE KEY block (an encrypted key must be decrypted first).",
                )
            })?;
        let key = if label == "PRIVATE KEY" {
            RsaPrivateKey::from_pkcs8_der(&key_der)
        } else {
            RsaPrivateKey::from_pkcs1_der(&key_der).map_err(|_| rsa::pkcs8::Error::KeyMalformed)
        }
        .map_err(|_| invalid("The private key is not an RSA key."))?;
        if key.n() != public.n() || key.e() != public.e() {
            return Err(invalid(
                "The private key does not belong to this certificate.",
            ));
        }
        let key_pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|_| invalid("The private key cannot be re-encoded."))?;
        let digest = Sha1::digest(&der);
        Ok(AppCertificate {
            thumbprint: digest.iter().map(|b| format!("{b:02X}")).collect(),
            x5t: URL_SAFE_NO_PAD.encode(digest),
            x5t_s256: Some(URL_SAFE_NO_PAD.encode(Sha256::digest(&der))),
            key_pem: Sensitive::new(key_pem.to_string()),
        })
    }

    /// Rebuilds from what is stored: the thumbprints in the account, the key in the secret
    /// store.
    pub fn from_stored(
        thumbprint: &str,
        x5t: &str,
        x5t_s256: Option<&str>,
        key_pem: Sensitive<String>,
    ) -> AppCertificate {
        AppCertificate {
            thumbprint: thumbprint.to_owned(),
            x5t: x5t.to_owned(),
            x5t_s256: x5t_s256.map(str::to_owned),
            key_pem,
        }
    }

    /// A client assertion for `client_id` at `token_url`, valid ten minutes from `now`.
    pub fn assertion(
        &self,
        client_id: &str,
        token_url: &str,
        now: i64,
    ) -> Result<Sensitive<String>, IdentityError> {
        let key = RsaPrivateKey::from_pkcs8_pem(self.key_pem.expose()).map_err(|_| {
            IdentityError::Invalid(
                "The stored certificate key cannot be read; add the certificate again.".into(),
            )
        })?;
        let pkcs1 = key.to_pkcs1_der().map_err(|_| {
            IdentityError::Invalid("The certificate key cannot be used for signing.".into())
        })?;
        let header = match &self.x5t_s256 {
            Some(x5t_s256) => {
                let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::PS256);
                header.x5t_s256 = Some(x5t_s256.clone());
                header
            }
            None => {
                let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
                header.x5t = Some(self.x5t.clone());
                header
            }
        };
        let jti: [u8; 16] = rand::random();
        let claims = serde_json::json!({
            "aud": token_url,
            "iss": client_id,
            "sub": client_id,
            "jti": URL_SAFE_NO_PAD.encode(jti),
            "nbf": now,
            "iat": now,
            "exp": now + 600,
        });
        jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_rsa_der(pkcs1.as_bytes()),
        )
        .map(Sensitive::new)
        .map_err(|e| {
            IdentityError::Invalid(format!("The client assertion could not be signed: {e}"))
        })
    }
}
