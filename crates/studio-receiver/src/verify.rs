//! Reading what arrived, after it was acknowledged: the items of a notification body, the
//! clientState check (constant time), the key that spots duplicates, and decryption of
//! `encryptedContent` (reference §7: RSA-OAEP-SHA1 key, HMAC-SHA256 checked before anything is
//! decrypted, AES-256-CBC with the key's first 16 bytes as IV).
//!
//! Everything here takes hostile input: no panics, bounded work, every failure a value.

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OaepPrivateDecryptingKey, PrivateDecryptingKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rsa::RsaPrivateKey;
use rsa::pkcs8::EncodePrivateKey;
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::checks::ClientStateVerdict;

/// The most items one body is read for.
pub const MAX_ITEMS: usize = 10_000;

/// Why a body or an item could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// Not JSON.
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    /// JSON without a `value` array.
    #[error("the body has no \"value\" array")]
    NoValue,
    /// More items than are read.
    #[error("the body has more than {MAX_ITEMS} items")]
    TooMany,
    /// An empty `value` array.
    #[error("the \"value\" array is empty")]
    Empty,
}

/// The items of a notification POST (`{"value":[…]}`), and its `validationTokens`.
pub fn items(body: &[u8]) -> Result<(Vec<Value>, Vec<String>), ReadError> {
    let parsed: Value =
        serde_json::from_slice(body).map_err(|e| ReadError::NotJson(e.to_string()))?;
    let items = parsed
        .get("value")
        .and_then(Value::as_array)
        .ok_or(ReadError::NoValue)?;
    if items.len() > MAX_ITEMS {
        return Err(ReadError::TooMany);
    }
    let tokens = parsed
        .get("validationTokens")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok((items.clone(), tokens))
}

/// Compares an item's clientState with the subscription's, in constant time.
pub fn check_client_state(item: &Value, expected: Option<Option<&str>>) -> ClientStateVerdict {
    let Some(expected) = expected else {
        return ClientStateVerdict::UnknownSubscription;
    };
    match (item.get("clientState").and_then(Value::as_str), expected) {
        (None, None) => ClientStateVerdict::Matches,
        (None, Some(_)) => ClientStateVerdict::Missing,
        (Some(_), None) => ClientStateVerdict::Differs,
        (Some(got), Some(want)) => {
            if bool::from(got.as_bytes().ct_eq(want.as_bytes())) {
                ClientStateVerdict::Matches
            } else {
                ClientStateVerdict::Differs
            }
        }
    }
}

/// The key duplicates share: the item's `id` when it has one, else a hash of the whole item.
pub fn duplicate_key(item: &Value) -> String {
    match item.get("id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => format!("id:{id}"),
        _ => {
            let bytes = serde_json::to_vec(item).unwrap_or_default();
            let digest = Sha256::digest(bytes);
            format!(
                "sha256:{}",
                digest
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            )
        }
    }
}

/// Why `encryptedContent` could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecryptError {
    /// A field is missing or not base64.
    #[error("encryptedContent.{0} is missing or not base64")]
    Field(&'static str),
    /// The key does not unwrap with this private key.
    #[error("the data key does not unwrap with this certificate's private key")]
    WrongKey,
    /// The signature does not match: the data was changed or the key is wrong. Not decrypted.
    #[error("the HMAC-SHA256 signature does not match; the data was not decrypted")]
    BadSignature,
    /// The ciphertext does not decrypt to padded data.
    #[error("the data does not decrypt (bad padding)")]
    BadPadding,
    /// The plaintext is not UTF-8 JSON.
    #[error("the decrypted data is not JSON")]
    NotJson,
    /// The private key cannot be used (not RSA, or outside 2048–8192 bits).
    #[error("the certificate's private key cannot be used for decryption")]
    UnusableKey,
}

fn field(content: &Value, name: &'static str) -> Result<Vec<u8>, DecryptError> {
    content
        .get(name)
        .and_then(Value::as_str)
        .and_then(|text| STANDARD.decode(text.trim()).ok())
        .ok_or(DecryptError::Field(name))
}

/// A certificate's private key, ready to unwrap data keys. The RSA-OAEP step runs in aws-lc
/// (already in the app for TLS): about seven times faster than pure-Rust big numbers, which is
/// what keeps a burst of rich notifications from queueing behind their decryption.
pub struct DecryptionKey(OaepPrivateDecryptingKey);

impl std::fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DecryptionKey(‹redacted›)")
    }
}

impl DecryptionKey {
    /// From a PKCS#8 DER private key (RSA, 2048 to 8192 bits).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<DecryptionKey, DecryptError> {
        let key = PrivateDecryptingKey::from_pkcs8(der).map_err(|_| DecryptError::UnusableKey)?;
        OaepPrivateDecryptingKey::new(key)
            .map(DecryptionKey)
            .map_err(|_| DecryptError::UnusableKey)
    }

    /// From an RSA private key.
    pub fn from_rsa(key: &RsaPrivateKey) -> Result<DecryptionKey, DecryptError> {
        let der = key.to_pkcs8_der().map_err(|_| DecryptError::UnusableKey)?;
        DecryptionKey::from_pkcs8_der(der.as_bytes())
    }

    fn unwrap_data_key(&self, wrapped: &[u8]) -> Result<Vec<u8>, DecryptError> {
        let mut out = vec![0_u8; self.0.min_output_size()];
        let plain = self
            .0
            .decrypt(&OAEP_SHA1_MGF1SHA1, wrapped, &mut out, None)
            .map_err(|_| DecryptError::WrongKey)?;
        Ok(plain.to_vec())
    }
}

/// Opens an item's `encryptedContent` with the private key of its certificate.
pub fn decrypt(content: &Value, key: &DecryptionKey) -> Result<Value, DecryptError> {
    let wrapped = field(content, "dataKey")?;
    let data = field(content, "data")?;
    let signature = field(content, "dataSignature")?;
    let symmetric = key.unwrap_data_key(&wrapped)?;
    if symmetric.len() != 32 {
        return Err(DecryptError::WrongKey);
    }
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(&symmetric).map_err(|_| DecryptError::WrongKey)?;
    mac.update(&data);
    mac.verify_slice(&signature)
        .map_err(|_| DecryptError::BadSignature)?;
    let iv: [u8; 16] = symmetric[..16]
        .try_into()
        .map_err(|_| DecryptError::WrongKey)?;
    let key32: [u8; 32] = symmetric[..]
        .try_into()
        .map_err(|_| DecryptError::WrongKey)?;
    let plain = cbc::Decryptor::<aes::Aes256>::new(&key32.into(), &iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(&data)
        .map_err(|_| DecryptError::BadPadding)?;
    serde_json::from_slice(&plain).map_err(|_| DecryptError::NotJson)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_items_and_hostile_input() {
        let (items, tokens) =
            items(br#"{"value":[{"id":"1"},{"id":"2"}],"validationTokens":["a.b.c"]}"#)
                .unwrap_or_default();
        assert_eq!((items.len(), tokens), (2, vec!["a.b.c".to_owned()]));
        for hostile in [
            &b""[..],
            b"{",
            b"[]",
            b"{\"value\":3}",
            b"\xff\xfe",
            b"null",
        ] {
            assert!(super::items(hostile).is_err(), "{hostile:?}");
        }
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(
            super::items(deep.as_bytes()).is_err(),
            "deep nesting is an error, not a crash"
        );
    }

    #[test]
    fn client_state_is_compared_with_its_own_states() {
        let item = json!({ "clientState": "s3cret" });
        assert_eq!(
            check_client_state(&item, Some(Some("s3cret"))),
            ClientStateVerdict::Matches
        );
        assert_eq!(
            check_client_state(&item, Some(Some("other"))),
            ClientStateVerdict::Differs
        );
        assert_eq!(
            check_client_state(&json!({}), Some(Some("s3cret"))),
            ClientStateVerdict::Missing
        );
        assert_eq!(
            check_client_state(&item, None),
            ClientStateVerdict::UnknownSubscription
        );
        assert_eq!(
            check_client_state(&json!({}), Some(None)),
            ClientStateVerdict::Matches
        );
    }

    #[test]
    fn duplicates_by_id_else_by_content() {
        assert_eq!(
            duplicate_key(&json!({ "id": "x", "a": 1 })),
            duplicate_key(&json!({ "id": "x", "a": 2 }))
        );
        assert_ne!(
            duplicate_key(&json!({ "a": 1 })),
            duplicate_key(&json!({ "a": 2 }))
        );
        assert!(duplicate_key(&json!({ "a": 1 })).starts_with("sha256:"));
    }

    #[test]
    fn decrypting_garbage_fails_cleanly() {
        let mut rng = rand::thread_rng();
        let key = DecryptionKey::from_rsa(&RsaPrivateKey::new(&mut rng, 2048).expect("a key"))
            .expect("usable");
        assert!(
            DecryptionKey::from_rsa(&RsaPrivateKey::new(&mut rng, 1024).expect("small")).is_err()
        );
        assert_eq!(format!("{key:?}"), "DecryptionKey(‹redacted›)");
        assert_eq!(
            decrypt(&json!({}), &key),
            Err(DecryptError::Field("dataKey"))
        );
        let junk = json!({ "dataKey": "AAAA", "data": "AAAA", "dataSignature": "AAAA" });
        assert_eq!(decrypt(&junk, &key), Err(DecryptError::WrongKey));
        let truncated = json!({ "dataKey": "AAA", "data": "AAAA", "dataSignature": "AAAA" });
        assert_eq!(
            decrypt(&truncated, &key),
            Err(DecryptError::Field("dataKey"))
        );
    }
}
