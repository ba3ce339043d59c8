//! Rich notifications: the emulator's `encryptedContent` opened by an independent implementation
//! here (certificate from the openssl CLI, decryption written in this file), and its validation
//! tokens checked against the published keys.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use std::time::Duration;

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::Mac;
use serde_json::{Value, json};
use studio_emulator::{EmulatorConfig, start};

mod common;
use common::{app_token, expiration_in, openssl_certificate, recording_receiver};

/// Opens `encryptedContent` the way the reference describes, without the emulator's code.
fn open(private: &rsa::RsaPrivateKey, content: &Value) -> Value {
    let field = |name: &str| {
        STANDARD
            .decode(content[name].as_str().expect("field"))
            .expect("base64")
    };
    let key = private
        .decrypt(rsa::Oaep::new::<sha1::Sha1>(), &field("dataKey"))
        .expect("RSA-OAEP-SHA1 unwrap");
    assert_eq!(key.len(), 32);
    let data = field("data");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).expect("hmac");
    mac.update(&data);
    mac.verify_slice(&field("dataSignature"))
        .expect("the HMAC-SHA256 signature matches (checked before decrypting)");
    let iv: [u8; 16] = key[..16].try_into().expect("iv");
    let key32: [u8; 32] = key[..].try_into().expect("key");
    let plain = cbc::Decryptor::<aes::Aes256>::new(&key32.into(), &iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(&data)
        .expect("AES-256-CBC");
    serde_json::from_slice(&plain).expect("UTF-8 JSON")
}

#[tokio::test]
async fn rich_notifications_decrypt_independently_and_carry_validation_tokens() {
    let dir = std::env::temp_dir().join(format!("studio-rich-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (private, certificate, _) = openssl_certificate(&dir);
    let _ = std::fs::remove_dir_all(&dir);

    let (hook, receiver) = recording_receiver(0).await;

    let e = start(EmulatorConfig {
        retry_base: Duration::from_millis(20),
        ..EmulatorConfig::default()
    })
    .await
    .expect("starts");
    let client = reqwest::Client::new();
    let token = app_token(&e).await;
    let chats: Value = client
        .get(format!("{}/v1.0/chats", e.info.graph_base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let chat = chats["value"][0]["id"]
        .as_str()
        .expect("a seeded chat")
        .to_owned();
    let mut body = json!({
        "changeType": "created",
        "notificationUrl": hook,
        "resource": format!("/chats/{chat}/messages"),
        "expirationDateTime": expiration_in(50),
        "includeResourceData": true,
        "encryptionCertificate": certificate,
        "encryptionCertificateId": "cert-1",
    });
    let created = client
        .post(format!("{}/v1.0/subscriptions", e.info.graph_base))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        created.status().as_u16(),
        201,
        "{}",
        created.text().await.unwrap_or_default()
    );

    let posted: Value = client
        .post(format!("{}/v1.0/chats/{chat}/messages", e.info.graph_base))
        .bearer_auth(&token)
        .json(&json!({ "body": { "contentType": "text", "content": "Ship it" } }))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let mut delivered = None;
    for _ in 0..300 {
        delivered = receiver.first();
        if delivered.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let delivered = delivered.expect("a notification arrives");
    let content = &delivered["value"][0]["encryptedContent"];
    assert_eq!(content["encryptionCertificateId"], "cert-1");
    let der = STANDARD.decode(&certificate).expect("der");
    let thumbprint: String = <sha1::Sha1 as sha1::Digest>::digest(&der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert_eq!(
        content["encryptionCertificateThumbprint"],
        thumbprint.as_str()
    );
    let resource = open(&private, content);
    assert_eq!(
        resource["id"], posted["id"],
        "the posted message, decrypted"
    );
    assert_eq!(resource["body"]["content"], "Ship it");
    // Shaped like Graph's documented chatMessage example: a context, the full property set.
    assert!(
        resource["@odata.context"]
            .as_str()
            .is_some_and(|c| c.contains("$metadata#chats('")),
        "{resource}"
    );
    for key in [
        "replyToId",
        "etag",
        "chatId",
        "importance",
        "reactions",
        "hostedContents",
    ] {
        assert!(resource.get(key).is_some(), "{key}: {resource}");
    }

    let tokens = delivered["validationTokens"]
        .as_array()
        .expect("validationTokens with resource data");
    assert_eq!(tokens.len(), 1);
    let jwks: Value = client
        .get(format!(
            "{}/common/discovery/v2.0/keys",
            e.info.authority_host
        ))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let key = &jwks["keys"][0];
    let decoding = jsonwebtoken::DecodingKey::from_rsa_components(
        key["n"].as_str().expect("n"),
        key["e"].as_str().expect("e"),
    )
    .expect("key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[e.info.confidential_client_id.as_str()]);
    // v1, as Graph sends them and Microsoft's documentation checks them.
    validation.set_issuer(&[format!("https://sts.windows.net/{}/", e.info.tenant_id)]);
    let jwt = tokens[0].as_str().expect("jwt");
    let claims = jsonwebtoken::decode::<Value>(jwt, &decoding, &validation)
        .expect("a valid token")
        .claims;
    assert_eq!(claims["appid"], "0bf30f3b-4a52-48df-9a82-234910c4a086");
    assert_eq!(claims["ver"], "1.0");
    let header = jsonwebtoken::decode_header(jwt).expect("header");
    assert_eq!(header.x5t.as_deref(), header.kid.as_deref());
    assert!(header.x5t.is_some());

    // A certificate that is not one is refused at creation.
    body["encryptionCertificate"] = json!("bm90IGEgY2VydGlmaWNhdGU=");
    body["resource"] = json!("/chats/19:other/messages");
    let refused = client
        .post(format!("{}/v1.0/subscriptions", e.info.graph_base))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status().as_u16(), 400);
    e.shutdown().await;
}
