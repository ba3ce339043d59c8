//! `encryptedContent` with fuzzer-chosen fields. Half the inputs go through the deep path: the
//! first 32 bytes become a correctly wrapped data key and the signature is a valid HMAC of the
//! rest, so AES-CBC unpadding and the JSON parse of the plaintext are exercised too.
#![no_main]

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use rsa::{Oaep, RsaPrivateKey, RsaPublicKey};
use serde_json::json;
use studio_receiver::verify;

/// A throwaway key made for fuzzing only (made once, kept, so no run spends time on key
/// generation).
const KEY_PEM: &str = include_str!("throwaway-key.pem");

fn key() -> &'static (RsaPrivateKey, verify::DecryptionKey) {
    static KEY: OnceLock<(RsaPrivateKey, verify::DecryptionKey)> = OnceLock::new();
    KEY.get_or_init(|| {
        let key = match rsa::pkcs8::DecodePrivateKey::from_pkcs8_pem(KEY_PEM) {
            Ok(key) => key,
            Err(error) => panic!("the fuzzing key: {error}"),
        };
        match verify::DecryptionKey::from_rsa(&key) {
            Ok(usable) => (key, usable),
            Err(error) => panic!("a usable key: {error}"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let (key, usable) = key();
    let Some((&mode, rest)) = data.split_first() else { return };
    let content = if mode % 2 == 0 || rest.len() < 32 {
        // Arbitrary text in every field.
        let text = String::from_utf8_lossy(rest);
        let mut parts = text.splitn(3, '|');
        json!({
            "dataKey": parts.next().unwrap_or_default(),
            "data": parts.next().unwrap_or_default(),
            "dataSignature": parts.next().unwrap_or_default(),
        })
    } else {
        let (symmetric, payload) = rest.split_at(32);
        let public = RsaPublicKey::from(key);
        let Ok(wrapped) = public.encrypt(&mut rand::thread_rng(), Oaep::new::<sha1::Sha1>(), symmetric) else { return };
        let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(symmetric) else { return };
        mac.update(payload);
        json!({
            "dataKey": STANDARD.encode(wrapped),
            "data": STANDARD.encode(payload),
            "dataSignature": STANDARD.encode(mac.finalize().into_bytes()),
        })
    };
    let _ = verify::decrypt(&content, usable);
});
