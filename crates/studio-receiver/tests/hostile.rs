//! Property tests: whatever bytes arrive, reading a notification and opening its
//! `encryptedContent` answer a value (items or an error), never a panic.

#![allow(
    clippy::panic,
    reason = "a test fails loudly when it cannot make its key"
)]

use proptest::prelude::*;
use serde_json::{Value, json};
use studio_receiver::verify::{check_client_state, decrypt, duplicate_key, items};

/// One key for every case (making RSA keys is slow in a debug build).
fn key() -> &'static studio_receiver::verify::DecryptionKey {
    static KEY: std::sync::OnceLock<studio_receiver::verify::DecryptionKey> =
        std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let key = match rsa::RsaPrivateKey::new(&mut rng, 2048) {
            Ok(key) => key,
            Err(error) => panic!("a test key: {error}"),
        };
        match studio_receiver::verify::DecryptionKey::from_rsa(&key) {
            Ok(key) => key,
            Err(error) => panic!("a usable key: {error}"),
        }
    })
}

/// JSON values of any shape, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
            prop::collection::btree_map(".{0,12}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_read_as_items_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = items(&bytes);
    }

    #[test]
    fn any_json_body_reads_and_every_item_checks(value in json_value()) {
        let body = json!({ "value": [value.clone(), value.clone()] }).to_string();
        let (read, _) = items(body.as_bytes()).unwrap_or_default();
        for item in &read {
            let _ = duplicate_key(item);
            let _ = check_client_state(item, Some(Some("s3cret")));
            let _ = decrypt(item, key());
        }
        let _ = decrypt(&value, key());
    }

    #[test]
    fn any_encrypted_content_fields_fail_cleanly(data in ".{0,200}", data_key in ".{0,400}", signature in ".{0,100}") {
        let content = json!({ "data": data, "dataKey": data_key, "dataSignature": signature });
        prop_assert!(decrypt(&content, key()).is_err());
    }
}
