//! The receiver over real HTTP: exact handshakes (POST and GET), notifications stored before
//! the 202, 503 when they cannot be, 413 above the limit, everything else recorded as unexpected.

#![allow(clippy::expect_used, reason = "tests fail loudly")]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use studio_receiver::{
    CommitError, NewReception, ReceiverConfig, ReceptionKind, ReceptionSink, RunningReceiver, start,
};
use studio_store::{GroupCommit, Store};

async fn receiver(max_body: usize) -> (RunningReceiver, Arc<Store>) {
    let store = Arc::new(Store::temporary().expect("store"));
    let sink = Arc::new(GroupCommit::start(&store).expect("writer"));
    let config = ReceiverConfig {
        limits: studio_receiver::Limits {
            max_body,
            ..studio_receiver::Limits::default()
        },
        ..ReceiverConfig::default()
    };
    (start(config, sink).await.expect("starts"), store)
}

#[tokio::test]
async fn handshakes_are_answered_byte_for_byte_on_post_and_get() {
    let (r, store) = receiver(1024).await;
    let client = reqwest::Client::new();
    let token = "Validation: Testing client application reachability for subscription Request-Id: 5a2c<&>\"'✓";
    for (method, url) in [
        (reqwest::Method::POST, r.notification_url()),
        (reqwest::Method::GET, r.lifecycle_url()),
    ] {
        let response = client
            .request(method, &url)
            .query(&[("validationToken", token)])
            .header("content-type", "text/plain; charset=utf-8")
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .expect("type")
                .starts_with("text/plain")
        );
        assert_eq!(
            response.bytes().await.expect("body").as_ref(),
            token.as_bytes()
        );
    }
    for _ in 0..100 {
        if store.reception_count().expect("count") == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let kinds: Vec<ReceptionKind> = store
        .receptions(10)
        .expect("list")
        .iter()
        .map(|x| x.request.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![ReceptionKind::Validation, ReceptionKind::Validation]
    );
    r.shutdown().await;
}

#[tokio::test]
async fn a_notification_is_stored_before_it_is_acknowledged() {
    let (r, store) = receiver(1024).await;
    let body = r#"{"value":[{"subscriptionId":"s1","clientState":"x","changeType":"created","resource":"Users/u/Messages/m"}]}"#;
    let response = reqwest::Client::new()
        .post(r.notification_url())
        .header("content-type", "application/json; odata.metadata=minimal")
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 202);
    // No waiting: a 202 means it is already in the store.
    let stored = store.receptions(1).expect("list");
    assert_eq!(stored.len(), 1);
    let request = &stored[0].request;
    assert_eq!(
        (request.kind, request.status),
        (ReceptionKind::Notification, 202)
    );
    assert_eq!(request.body, body.as_bytes());
    assert!(
        request
            .headers
            .iter()
            .any(|(n, v)| n == "content-type" && v.contains("odata"))
    );
    assert!(request.peer.starts_with("127.0.0.1:"));
    r.shutdown().await;
}

#[tokio::test]
async fn oversized_unexpected_and_wrong_method_requests_are_refused_and_recorded() {
    let (r, store) = receiver(64).await;
    let client = reqwest::Client::new();
    let big = client
        .post(r.notification_url())
        .body(vec![b'x'; 65])
        .send()
        .await
        .expect("sent");
    assert_eq!(big.status().as_u16(), 413);
    let scan = client
        .get(format!("{}/wp-login.php?x=1", r.local_url))
        .send()
        .await
        .expect("sent");
    assert_eq!(scan.status().as_u16(), 404);
    let guess = client
        .post(format!("{}/notifications", r.local_url))
        .body("{}")
        .send()
        .await
        .expect("sent");
    assert_eq!(guess.status().as_u16(), 404, "the secret segment is needed");
    let get = client.get(r.notification_url()).send().await.expect("sent");
    assert_eq!(get.status().as_u16(), 405);
    let stored = store.receptions(10).expect("list");
    let seen: Vec<(ReceptionKind, u16)> = stored
        .iter()
        .rev()
        .map(|x| (x.request.kind, x.request.status))
        .collect();
    assert_eq!(
        seen,
        vec![
            (ReceptionKind::Rejected, 413),
            (ReceptionKind::Unexpected, 404),
            (ReceptionKind::Unexpected, 404),
            (ReceptionKind::Rejected, 405),
        ]
    );
    // Off the receiver's paths only a summary is kept: no query, headers or body.
    assert!(stored.iter().any(|x| x.request.path == "/wp-login.php"
        && x.request.query.is_empty()
        && x.request.headers.is_empty()
        && x.request.body.is_empty()));
    r.shutdown().await;
}

/// A store that is full.
struct Failing;

impl ReceptionSink for Failing {
    fn commit(
        &self,
        _: NewReception,
    ) -> Pin<Box<dyn Future<Output = Result<i64, CommitError>> + Send + '_>> {
        Box::pin(async { Err(CommitError(Box::new(std::io::Error::other("disk full")))) })
    }
}

#[tokio::test]
async fn a_notification_that_cannot_be_stored_is_answered_503_so_graph_retries() {
    let r = start(ReceiverConfig::default(), Arc::new(Failing))
        .await
        .expect("starts");
    let response = reqwest::Client::new()
        .post(r.notification_url())
        .body("{}")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 503);
    r.shutdown().await;
}

#[tokio::test]
async fn a_burst_of_concurrent_notifications_all_land() {
    let (r, store) = receiver(1024 * 1024).await;
    let client = reqwest::Client::new();
    let url = r.notification_url();
    let mut sends = Vec::new();
    for n in 0..200 {
        let (client, url) = (client.clone(), url.clone());
        sends.push(tokio::spawn(async move {
            client
                .post(url)
                .body(format!("{{\"value\":[{{\"n\":{n}}}]}}"))
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    for send in sends {
        assert_eq!(send.await.expect("joined").expect("sent"), 202);
    }
    assert_eq!(store.reception_count().expect("count"), 200);
    assert!(
        start(
            ReceiverConfig {
                secret: "../x".into(),
                ..ReceiverConfig::default()
            },
            Arc::new(Failing)
        )
        .await
        .is_err()
    );
    r.shutdown().await;
}

/// Creates a sandbox subscription (`fields` plus an expiry 50 minutes out); answers Graph's status.
async fn subscribe(
    e: &studio_emulator::RunningEmulator,
    token: &str,
    mut fields: serde_json::Value,
) -> u16 {
    fields["expirationDateTime"] = serde_json::json!(
        (time::OffsetDateTime::now_utc() + time::Duration::minutes(50))
            .format(&time::format_description::well_known::Rfc3339)
            .expect("time")
    );
    reqwest::Client::new()
        .post(format!("{}/v1.0/subscriptions", e.info.graph_base))
        .bearer_auth(token)
        .json(&fields)
        .send()
        .await
        .expect("created")
        .status()
        .as_u16()
}

/// The body of the first notification stored, once it arrived (2 s at most).
async fn first_notification(store: &Store) -> Vec<u8> {
    for _ in 0..200 {
        let found = store
            .receptions(10)
            .expect("list")
            .into_iter()
            .find(|x| x.request.kind == ReceptionKind::Notification);
        if let Some(found) = found {
            return found.request.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    Vec::new()
}

#[tokio::test]
async fn the_sandbox_validates_then_delivers_to_the_receiver() {
    let (r, store) = receiver(1024 * 1024).await;
    let e = studio_emulator::start(studio_emulator::EmulatorConfig::default())
        .await
        .expect("emulator");
    let http = reqwest::Client::new();
    let token = e.app_token().await.expect("token");
    let status = subscribe(
        &e,
        &token,
        serde_json::json!({
            "changeType": "updated",
            "notificationUrl": r.notification_url(),
            "lifecycleNotificationUrl": r.lifecycle_url(),
            "resource": "/users",
            "clientState": "s3cret",
        }),
    )
    .await;
    assert_eq!(status, 201, "the receiver passed Graph's handshake");
    let user = &e.info.users[0].id;
    http.post(format!("{}/changes", e.info.control))
        .json(&serde_json::json!({ "resource": format!("/users/{user}"), "changeType": "updated" }))
        .send()
        .await
        .expect("change");
    let notification = first_notification(&store).await;
    let body: serde_json::Value =
        serde_json::from_slice(&notification).expect("the notification arrived and was stored");
    assert_eq!(body["value"][0]["clientState"], "s3cret");
    let handshakes = store
        .receptions(10)
        .expect("list")
        .iter()
        .filter(|x| x.request.kind == ReceptionKind::Validation)
        .count();
    assert_eq!(
        handshakes, 2,
        "notification and lifecycle URLs were both validated"
    );
    e.shutdown().await;
    r.shutdown().await;
}

#[tokio::test]
async fn rich_notifications_from_the_sandbox_decrypt_with_the_certificates_key() {
    let dir = std::env::temp_dir().join(format!("receiver-rich-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=receiver-test",
            "-outform",
            "DER",
        ])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.der"))
        .output()
        .expect("the openssl CLI runs");
    assert!(made.status.success());
    let key = studio_receiver::certificate::decryption_key(
        &std::fs::read_to_string(dir.join("key.pem")).expect("key"),
    )
    .expect("pkcs8");
    let certificate = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        std::fs::read(dir.join("cert.der")).expect("cert"),
    );
    let _ = std::fs::remove_dir_all(&dir);

    let (r, store) = receiver(1024 * 1024).await;
    let e = studio_emulator::start(studio_emulator::EmulatorConfig::default())
        .await
        .expect("emulator");
    let token = e.app_token().await.expect("token");
    let http = reqwest::Client::new();
    let chats: serde_json::Value = http
        .get(format!("{}/v1.0/chats", e.info.graph_base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("chats")
        .json()
        .await
        .expect("json");
    let chat = chats["value"][0]["id"].as_str().expect("chat").to_owned();
    let status = subscribe(
        &e,
        &token,
        serde_json::json!({
            "changeType": "created",
            "notificationUrl": r.notification_url(),
            "resource": format!("/chats/{chat}/messages"),
            "includeResourceData": true,
            "encryptionCertificate": certificate,
            "encryptionCertificateId": "cert-1",
        }),
    )
    .await;
    assert_eq!(status, 201);
    http.post(format!("{}/v1.0/chats/{chat}/messages", e.info.graph_base))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "body": { "content": "decrypt me" } }))
        .send()
        .await
        .expect("posted");
    let body = first_notification(&store).await;
    let (items, tokens) = studio_receiver::verify::items(&body).expect("arrived, with items");
    assert_eq!(
        tokens.len(),
        1,
        "rich notifications carry validation tokens"
    );
    let resource =
        studio_receiver::verify::decrypt(&items[0]["encryptedContent"], &key).expect("decrypts");
    assert_eq!(resource["body"]["content"], "decrypt me");
    // The validation token checks out against the authority's published keys; forgeries do not.
    let keys: jsonwebtoken::jwk::JwkSet = http
        .get(format!(
            "{}/common/discovery/v2.0/keys",
            e.info.authority_host
        ))
        .send()
        .await
        .expect("keys")
        .json()
        .await
        .expect("jwks");
    use studio_receiver::validation_tokens::{Expectation, TokenProblem, check};
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let expect = |app: &str| Expectation {
        app_id: app.to_owned(),
        // The sandbox stands for the global cloud and issues its issuers.
        issuers: Expectation::issuers_for(
            "https://login.microsoftonline.com",
            "https://sts.windows.net",
            &e.info.tenant_id,
        ),
        tenant_id: Some(e.info.tenant_id.clone()),
    };
    let app = e.info.confidential_client_id.as_str();
    let claims = check(&tokens[0], &keys, &expect(app), now).expect("a trusted token");
    // v1, as Graph sends them: the caller in `appid`.
    assert_eq!(claims["appid"], "0bf30f3b-4a52-48df-9a82-234910c4a086");
    assert_eq!(claims["ver"], "1.0");
    assert!(matches!(
        check(&tokens[0], &keys, &expect("another-app"), now),
        Err(TokenProblem::Audience(_))
    ));
    assert_eq!(
        check(&tokens[0], &keys, &expect(app), now + 7200),
        Err(TokenProblem::Lifetime)
    );
    let payload = tokens[0].split('.').nth(1).expect("payload");
    assert_eq!(
        check(
            &format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}."),
            &keys,
            &expect(app),
            now
        ),
        Err(TokenProblem::Malformed),
        "alg none"
    );
    let kid = jsonwebtoken::decode_header(&tokens[0])
        .expect("header")
        .kid
        .expect("kid");
    let forger = {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(99);
        rsa::RsaPrivateKey::new(&mut rng, 2048).expect("a key")
    };
    let der = rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_der(&forger).expect("der");
    let claims_value: serde_json::Value = claims.clone();
    for (forged_kid, expected) in [
        (kid.clone(), TokenProblem::BadSignature),
        ("nope".to_owned(), TokenProblem::UnknownKey("nope".into())),
    ] {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(forged_kid);
        let forged = jsonwebtoken::encode(
            &header,
            &claims_value,
            &jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes()),
        )
        .expect("signed");
        assert_eq!(check(&forged, &keys, &expect(app), now), Err(expected));
    }

    let mut tampered = items[0]["encryptedContent"].clone();
    tampered["data"] = serde_json::json!("AAAAAAAAAAAAAAAAAAAAAA==");
    assert_eq!(
        studio_receiver::verify::decrypt(&tampered, &key),
        Err(studio_receiver::verify::DecryptError::BadSignature)
    );
    e.shutdown().await;
    r.shutdown().await;
}

#[tokio::test]
async fn a_client_that_sends_too_slowly_gets_408_and_is_recorded() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let store = Arc::new(Store::temporary().expect("store"));
    let sink = Arc::new(GroupCommit::start(&store).expect("writer"));
    let config = ReceiverConfig {
        limits: studio_receiver::Limits {
            body_timeout: std::time::Duration::from_millis(200),
            ..studio_receiver::Limits::default()
        },
        ..ReceiverConfig::default()
    };
    let r = start(config, sink).await.expect("starts");
    let address = r.local_url.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connects");
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 1000\r\n\r\n{{\"value\":",
        r.notification_path
    );
    stream.write_all(head.as_bytes()).await.expect("writes");
    let mut answer = vec![0u8; 256];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("answered in time")
        .expect("reads");
    let text = String::from_utf8_lossy(&answer[..n]).into_owned();
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    let stored = store.receptions(1).expect("list");
    assert_eq!(
        (stored[0].request.kind, stored[0].request.status),
        (ReceptionKind::Rejected, 408)
    );
    r.shutdown().await;
}
