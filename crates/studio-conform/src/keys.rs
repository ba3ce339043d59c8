//! The keys of a run: the certificate rich notifications are encrypted to (the user's, read from
//! PEM or DER, or one made for the run), the user's private key when given (read once, to check
//! that it opens what was encrypted to the certificate; never kept), and a key no authority
//! published, to forge validation tokens with.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use serde_json::{Value, json};
use x509_cert::Certificate;
use x509_cert::der::{Decode, DecodePem, Encode};

use crate::material::Encryption;
use crate::{ConformError, Request};

/// The keys of a run: the certificate rich notifications are encrypted to, the user's key when
/// given (to check the pair), and a key the authority never published (to forge tokens with).
pub struct Keys {
    /// What the sandbox encrypts to.
    pub encryption: Encryption,
    /// SHA-1 thumbprint of that certificate, hex.
    pub thumbprint: String,
    /// Whether that certificate is the user's (not one made for the run).
    pub users_certificate: bool,
    /// The user's key, when given.
    pub users_key: Option<RsaPrivateKey>,
    pub(crate) forger: jsonwebtoken::EncodingKey,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("thumbprint", &self.thumbprint)
            .field("users_key", &self.users_key.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

/// A certificate and key made for the user to hand to their handler.
pub struct MadePair {
    /// The certificate, PEM.
    pub certificate_pem: String,
    /// Its private key, PKCS#8 PEM.
    pub key_pem: zeroize::Zeroizing<String>,
    /// SHA-1 thumbprint, hex (as `encryptionCertificateThumbprint` says).
    pub thumbprint: String,
}

impl std::fmt::Debug for MadePair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MadePair")
            .field("thumbprint", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

/// Makes a 2048-bit RSA key and a self-signed certificate valid for 30 days, for testing a
/// handler's decryption (`conform --certificate … --key …`).
pub fn make_pair(now: u64) -> Result<MadePair, ConformError> {
    let made = studio_receiver::certificate::generate(2048, "Graph webhook handler test", now, 30)
        .map_err(|e| ConformError::Certificate(e.to_string()))?;
    Ok(MadePair {
        certificate_pem: studio_receiver::certificate::to_pem(&made.der),
        thumbprint: sha1_hex(&made.der),
        key_pem: made.private_key_pem,
    })
}

/// The first `-----BEGIN {label}-----` block of a PEM text, markers included.
fn pem_block<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)?;
    let stop = text[start..].find(&end)? + start + end.len();
    Some(&text[start..stop])
}

/// A certificate file as DER: PEM (the first certificate of a chain, or of a file that also
/// holds the key) or DER.
fn certificate_der(path: &str) -> Result<Vec<u8>, ConformError> {
    let bytes = std::fs::read(path)
        .map_err(|e| ConformError::Certificate(format!("cannot read {path}: {e}")))?;
    let certificate = match std::str::from_utf8(&bytes) {
        Ok(text) if text.contains("-----BEGIN") => {
            let block = pem_block(text, "CERTIFICATE").ok_or_else(|| {
                ConformError::Certificate(format!(
                    "{path} holds no -----BEGIN CERTIFICATE----- block"
                ))
            })?;
            Certificate::from_pem(block.as_bytes()).map_err(|e| {
                ConformError::Certificate(format!("the certificate in {path} is damaged ({e})"))
            })?
        }
        _ => Certificate::from_der(&bytes).map_err(|_| {
            ConformError::Certificate(format!("{path} is neither a PEM nor a DER certificate"))
        })?,
    };
    certificate
        .to_der()
        .map_err(|e| ConformError::Certificate(e.to_string()))
}

/// The user's RSA key from a PEM file (PKCS#8 or PKCS#1, alone or beside the certificate).
fn private_key(path: &str) -> Result<RsaPrivateKey, ConformError> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| ConformError::Key(format!("cannot read {path} as PEM text: {e}")))?,
    );
    if text.contains("ENCRYPTED") {
        return Err(ConformError::Key(format!(
            "{path} is encrypted with a passphrase: give a decrypted copy (openssl pkey -in {path} -out key-plain.pem)"
        )));
    }
    let pkcs8 = pem_block(&text, "PRIVATE KEY").and_then(|b| RsaPrivateKey::from_pkcs8_pem(b).ok());
    let pkcs1 =
        || pem_block(&text, "RSA PRIVATE KEY").and_then(|b| RsaPrivateKey::from_pkcs1_pem(b).ok());
    pkcs8.or_else(pkcs1).ok_or_else(|| {
        ConformError::Key(format!(
            "{path} holds no RSA private key in PEM (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)"
        ))
    })
}

impl Keys {
    /// Reads the user's certificate and key, or makes a certificate for the run.
    pub fn prepare(request: &Request, now: u64) -> Result<Keys, ConformError> {
        let made = studio_receiver::certificate::generate(
            2048,
            "Graph Webhook Studio conformance",
            now,
            2,
        )
        .map_err(|e| ConformError::Certificate(e.to_string()))?;
        let forger = {
            use rsa::pkcs1::EncodeRsaPrivateKey;
            let key = studio_receiver::certificate::private_key(&made.private_key_pem)
                .map_err(|e| ConformError::Key(e.to_string()))?;
            let der = key
                .to_pkcs1_der()
                .map_err(|e| ConformError::Key(e.to_string()))?;
            jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes())
        };
        let users_certificate = request
            .certificate_path
            .as_deref()
            .is_some_and(|p| !p.trim().is_empty());
        let der = match request
            .certificate_path
            .as_deref()
            .filter(|p| !p.trim().is_empty())
        {
            Some(path) => certificate_der(path)?,
            None => made.der.clone(),
        };
        let users_key = match request.key_path.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(path) => Some(private_key(path)?),
            None => None,
        };
        let thumbprint = sha1_hex(&der);
        Ok(Keys {
            encryption: Encryption {
                certificate: STANDARD.encode(&der),
                id: "conformance-run".into(),
            },
            thumbprint,
            users_certificate,
            users_key,
            forger,
        })
    }
}

fn sha1_hex(der: &[u8]) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// The rich body with each validation token re-signed by a key no authority published (same
/// header, same claims), and new item ids; `None` when a token could not be re-signed (then no
/// forgery is sent, rather than the genuine token under a forgery's name).
pub fn forged(body: &Value, forger: &jsonwebtoken::EncodingKey) -> Option<Value> {
    let mut body = body.clone();
    let reforge = |token: &str| -> Option<String> {
        let mut parts = token.split('.');
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next()?).ok()?).ok()?;
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next()?).ok()?).ok()?;
        let mut forged_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        forged_header.kid = header["kid"].as_str().map(str::to_owned);
        forged_header.x5t = header["x5t"].as_str().map(str::to_owned);
        forged_header.typ = Some("JWT".into());
        jsonwebtoken::encode(&forged_header, &claims, forger).ok()
    };
    let tokens = body["validationTokens"].as_array_mut()?;
    if tokens.is_empty() {
        return None;
    }
    for token in tokens.iter_mut() {
        *token = json!(token.as_str().and_then(reforge)?);
    }
    crate::checks::delivery::renumber(&mut body);
    Some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_block_of_a_label_is_found() {
        let text = "junk\n-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n";
        assert_eq!(
            pem_block(text, "CERTIFICATE"),
            Some("-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----")
        );
        assert_eq!(pem_block(text, "PRIVATE KEY"), None);
        // A PKCS#1 block is not taken for a PKCS#8 one.
        assert_eq!(
            pem_block(
                "-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----",
                "PRIVATE KEY"
            ),
            None
        );
    }
}
