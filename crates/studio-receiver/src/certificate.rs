//! Certificates for rich notifications, made in the app: an RSA key (2048, 3072 or 4096 bits) and
//! a self-signed X.509 certificate whose public key Graph uses to encrypt each notification's
//! symmetric key. The private key leaves here as PKCS#8 PEM for the keyring and never goes to disk.

use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::Encode;
use x509_cert::der::asn1::UtcTime;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};
use zeroize::Zeroizing;

/// Key sizes offered.
pub const KEY_SIZES: [usize; 3] = [2048, 3072, 4096];

/// A certificate just made.
pub struct NewCertificate {
    /// The certificate, DER (what `encryptionCertificate` carries, base64).
    pub der: Vec<u8>,
    /// The private key, PKCS#8 PEM (for the keyring only).
    pub private_key_pem: Zeroizing<String>,
    /// SHA-256 of the DER, lowercase hex.
    pub thumbprint: String,
    /// Unix seconds it stops being valid.
    pub not_after: u64,
}

impl std::fmt::Debug for NewCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewCertificate")
            .field("thumbprint", &self.thumbprint)
            .field("private_key_pem", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Why a certificate could not be made or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// Not one of [`KEY_SIZES`].
    #[error("RSA keys are 2048, 3072 or 4096 bits, not {0}")]
    KeySize(usize),
    /// The subject is not a usable common name.
    #[error("the certificate's name must be 1 to 64 letters, digits, spaces, dots or dashes")]
    Subject,
    /// The crypto library failed.
    #[error("the certificate could not be made: {0}")]
    Crypto(String),
}

/// Makes a key and a self-signed certificate for `common_name`, valid from `now` (Unix seconds)
/// for `days`.
pub fn generate(
    bits: usize,
    common_name: &str,
    now: u64,
    days: u32,
) -> Result<NewCertificate, CertificateError> {
    if !KEY_SIZES.contains(&bits) {
        return Err(CertificateError::KeySize(bits));
    }
    let name_ok = !common_name.is_empty()
        && common_name.len() <= 64
        && common_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " .-".contains(c));
    if !name_ok {
        return Err(CertificateError::Subject);
    }
    let crypto = |e: &dyn std::fmt::Display| CertificateError::Crypto(e.to_string());
    let key = RsaPrivateKey::new(&mut rand::thread_rng(), bits).map_err(|e| crypto(&e))?;
    let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(key.clone());
    let subject: Name = format!("CN={common_name}")
        .parse()
        .map_err(|e| crypto(&e))?;
    let not_after = now + u64::from(days) * 86_400;
    let time = |unix: u64| -> Result<Time, CertificateError> {
        UtcTime::from_unix_duration(std::time::Duration::from_secs(unix))
            .map(Time::UtcTime)
            .map_err(|e| crypto(&e))
    };
    let validity = Validity {
        not_before: time(now.saturating_sub(300))?,
        not_after: time(not_after)?,
    };
    let serial: [u8; 16] = rand::random();
    let mut serial = serial;
    serial[0] &= 0x7f; // positive
    let serial = SerialNumber::new(&serial).map_err(|e| crypto(&e))?;
    let public =
        SubjectPublicKeyInfoOwned::from_key(RsaPublicKey::from(&key)).map_err(|e| crypto(&e))?;
    let builder = CertificateBuilder::new(
        Profile::Leaf {
            issuer: subject.clone(),
            enable_key_agreement: false,
            enable_key_encipherment: true,
        },
        serial,
        validity,
        subject,
        public,
        &signer,
    )
    .map_err(|e| crypto(&e))?;
    let certificate = builder
        .build::<rsa::pkcs1v15::Signature>()
        .map_err(|e| crypto(&e))?;
    let der = certificate.to_der().map_err(|e| crypto(&e))?;
    let private_key_pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| crypto(&e))?;
    Ok(NewCertificate {
        thumbprint: thumbprint(&der),
        der,
        private_key_pem: Zeroizing::new(private_key_pem.to_string()),
        not_after,
    })
}

/// SHA-256 of a DER certificate, lowercase hex.
pub fn thumbprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads a private key kept as PKCS#8 PEM.
pub fn private_key(pem: &str) -> Result<RsaPrivateKey, CertificateError> {
    RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| CertificateError::Crypto(e.to_string()))
}

/// Reads a private key kept as PKCS#8 PEM, ready to decrypt notifications.
pub fn decryption_key(pem: &str) -> Result<crate::verify::DecryptionKey, CertificateError> {
    crate::verify::DecryptionKey::from_rsa(&private_key(pem)?)
        .map_err(|e| CertificateError::Crypto(e.to_string()))
}

/// A DER certificate as PEM text.
pub fn to_pem(der: &[u8]) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in text.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_cert::Certificate;
    use x509_cert::der::Decode;
    use x509_cert::der::referenced::OwnedToRef;

    #[test]
    fn a_made_certificate_is_self_signed_and_its_key_decrypts() {
        let made = generate(2048, "Graph Webhook Studio", 1_795_000_000, 365).expect("made");
        let parsed = Certificate::from_der(&made.der).expect("DER parses");
        assert_eq!(
            parsed.tbs_certificate.subject.to_string(),
            "CN=Graph Webhook Studio"
        );
        assert_eq!(
            parsed.tbs_certificate.issuer,
            parsed.tbs_certificate.subject
        );
        assert_eq!(made.not_after, 1_795_000_000 + 365 * 86_400);
        let key = private_key(&made.private_key_pem).expect("key reads back");
        let public = RsaPublicKey::try_from(
            parsed
                .tbs_certificate
                .subject_public_key_info
                .owned_to_ref(),
        )
        .expect("RSA public key");
        assert_eq!(public, RsaPublicKey::from(&key));
        assert!(to_pem(&made.der).starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(!format!("{made:?}").contains("PRIVATE"));
        assert!(matches!(
            generate(1024, "x", 0, 1),
            Err(CertificateError::KeySize(1024))
        ));
        assert!(matches!(
            generate(2048, "<x>", 0, 1),
            Err(CertificateError::Subject)
        ));
    }
}
