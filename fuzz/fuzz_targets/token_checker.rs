//! Any bytes as a validation token, against a published key: the checker must answer a verdict,
//! never panic, whatever the header, claims or signature say.
#![no_main]

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, Jwk, JwkSet, KeyAlgorithm, RSAKeyParameters, RSAKeyType,
};
use libfuzzer_sys::fuzz_target;
use rsa::traits::PublicKeyParts;
use studio_receiver::validation_tokens::{Expectation, check};

/// The public half of the fuzzing key (`throwaway-key.pem`).
fn keys() -> &'static JwkSet {
    static KEYS: OnceLock<JwkSet> = OnceLock::new();
    KEYS.get_or_init(|| {
        let pem = include_str!("throwaway-key.pem");
        let Ok(key) = <rsa::RsaPrivateKey as rsa::pkcs8::DecodePrivateKey>::from_pkcs8_pem(pem)
        else {
            return JwkSet { keys: Vec::new() };
        };
        JwkSet {
            keys: vec![Jwk {
                common: CommonParameters {
                    key_id: Some("k1".into()),
                    key_algorithm: Some(KeyAlgorithm::RS256),
                    ..CommonParameters::default()
                },
                algorithm: AlgorithmParameters::RSA(RSAKeyParameters {
                    key_type: RSAKeyType::RSA,
                    n: URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
                    e: URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
                }),
            }],
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let expected = Expectation {
        app_id: "app".into(),
        issuers: Expectation::issuers_for("https://login.microsoftonline.com", "https://sts.windows.net", "t"),
        tenant_id: Some("t".into()),
    };
    let token = String::from_utf8_lossy(data);
    let _ = check(&token, keys(), &expected, 1_800_000_000);
    // The same bytes as each of the three parts of a token with a well-formed header.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k1"}"#);
    let part = URL_SAFE_NO_PAD.encode(data);
    let _ = check(&format!("{header}.{part}.{part}"), keys(), &expected, 1_800_000_000);
    let _ = check(&format!("{part}.{part}.{part}"), keys(), &expected, 1_800_000_000);
});
