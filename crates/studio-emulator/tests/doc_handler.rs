//! The sandbox judged by a handler written from Microsoft's documentation, not by its own code:
//! `tests/graph-handler/handler.mjs` echoes handshakes, validates validation tokens with
//! `jsonwebtoken` and `jwks-rsa` exactly as Microsoft's docs and samples do (issuer
//! `https://sts.windows.net/{tid}/`, audience the app, `appid` the Change Tracking app) and
//! decrypts rich content with node's crypto. Ignored by a plain `cargo test` (the npm packages
//! come from `scripts/setup.sh test`); `make fidelity-test` runs it.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use studio_emulator::{EmulatorConfig, RunningEmulator, start};

mod common;
use common::{app_token, expiration_in, openssl_certificate};

/// The handler process (its stdin held open; killed on drop).
struct Handler {
    child: Child,
    notification_url: String,
    lifecycle_url: String,
    base: String,
}

impl Drop for Handler {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn handler(e: &RunningEmulator, key: &Path) -> Handler {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/graph-handler");
    assert!(
        dir.join("node_modules/jsonwebtoken").is_dir(),
        "the handler's npm packages are missing: run scripts/setup.sh test (make test does)"
    );
    let mut child = Command::new("node")
        .arg(dir.join("handler.mjs"))
        .env("HANDLER_APP_ID", &e.info.confidential_client_id)
        .env("HANDLER_TENANT_ID", &e.info.tenant_id)
        .env(
            "HANDLER_JWKS_URI",
            format!("{}/common/discovery/v2.0/keys", e.info.authority_host),
        )
        .env("HANDLER_PRIVATE_KEY", key)
        .env("HANDLER_CLIENT_STATE", "s3cret")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    let ready: Value = serde_json::from_str(&line).expect("ready JSON");
    let text = |k: &str| ready[k].as_str().expect("field").to_owned();
    Handler {
        notification_url: text("notificationUrl"),
        lifecycle_url: text("lifecycleUrl"),
        base: text("base"),
        child,
    }
}

/// A sandbox, the doc-written handler holding a certificate's key (made by the openssl CLI), an
/// app token, and the certificate (base64 DER) to subscribe with.
async fn judged() -> (tempfile::TempDir, RunningEmulator, Handler, String, String) {
    let dir = tempfile::tempdir().expect("dir");
    let (_, certificate, key_pem) = openssl_certificate(dir.path());
    let key = dir.path().join("handler-key.pem");
    std::fs::write(&key, key_pem).expect("key");
    let e = start(EmulatorConfig {
        retry_base: Duration::from_millis(20),
        ..EmulatorConfig::default()
    })
    .await
    .expect("starts");
    let handler = handler(&e, &key);
    let token = app_token(&e).await;
    (dir, e, handler, token, certificate)
}

async fn report(handler: &Handler) -> Value {
    reqwest::get(format!("{}/report", handler.base))
        .await
        .expect("report")
        .json()
        .await
        .expect("json")
}

/// Waits for the handler to have `n` notifications.
async fn notifications(handler: &Handler, n: usize) -> Vec<Value> {
    for _ in 0..300 {
        let seen = report(handler).await["notifications"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if seen.len() >= n {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "the handler never got {n} notifications: {}",
        report(handler).await
    );
}

async fn post(e: &RunningEmulator, token: &str, path: &str, body: &Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/v1.0/{path}", e.info.graph_base))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {answer}");
    answer
}

#[tokio::test]
#[ignore = "needs the doc-written handler's npm packages: make fidelity-test"]
async fn a_handler_written_from_microsofts_docs_accepts_what_the_sandbox_sends() {
    let (_dir, e, handler, token, certificate) = judged().await;
    let chats = reqwest::Client::new()
        .get(format!("{}/v1.0/chats", e.info.graph_base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent")
        .json::<Value>()
        .await
        .expect("json");
    let chat = chats["value"][0]["id"].as_str().expect("a chat").to_owned();
    let subscription = post(
        &e,
        &token,
        "subscriptions",
        &json!({
            "changeType": "created",
            "notificationUrl": handler.notification_url,
            "lifecycleNotificationUrl": handler.lifecycle_url,
            "resource": format!("/chats/{chat}/messages"),
            "expirationDateTime": expiration_in(50),
            "includeResourceData": true,
            "encryptionCertificate": certificate,
            "encryptionCertificateId": "doc-cert",
            "clientState": "s3cret",
        }),
    )
    .await;
    // The documented subscription response: every property, null where not set.
    for key in [
        "notificationQueryOptions",
        "notificationUrlAppId",
        "encryptionCertificate",
    ] {
        assert!(subscription.get(key).is_some(), "{key}: {subscription}");
    }
    let expiration = subscription["expirationDateTime"]
        .as_str()
        .unwrap_or_default();
    assert!(
        expiration.len() == 28 && expiration.ends_with('Z') && expiration.as_bytes()[19] == b'.',
        "seven fractional digits: {expiration}"
    );
    // Both URLs were validated, and the handler's echo (text/plain, the decoded token) accepted.
    let handshakes = report(&handler).await["handshakes"].clone();
    assert_eq!(handshakes.as_array().map(Vec::len), Some(2), "{handshakes}");

    post(
        &e,
        &token,
        &format!("chats/{chat}/messages"),
        &json!({ "body": { "contentType": "text", "content": "Judged by the docs" } }),
    )
    .await;
    let seen = notifications(&handler, 1).await;
    let item = &seen[0];
    assert_eq!(item["clientStateMatches"], true, "{item}");
    let tokens = item["tokens"].as_array().cloned().unwrap_or_default();
    assert!(
        !tokens.is_empty(),
        "validation tokens with resource data: {item}"
    );
    for token in &tokens {
        assert_eq!(token["valid"], true, "Microsoft's checks pass: {token}");
        assert_eq!(token["header"]["x5t"], token["header"]["kid"], "{token}");
        assert_eq!(token["claims"]["ver"], "1.0");
    }
    let decrypted = &item["decrypted"];
    assert_eq!(decrypted["body"]["content"], "Judged by the docs", "{item}");
    for key in [
        "replyToId",
        "etag",
        "messageType",
        "createdDateTime",
        "lastModifiedDateTime",
        "lastEditedDateTime",
        "deletedDateTime",
        "subject",
        "summary",
        "chatId",
        "importance",
        "locale",
        "webUrl",
        "channelIdentity",
        "policyViolation",
        "from",
        "body",
        "attachments",
        "mentions",
        "reactions",
        "replies",
        "hostedContents",
    ] {
        assert!(
            decrypted.get(key).is_some(),
            "the documented {key} is missing: {decrypted}"
        );
    }

    // v2 tokens, on request: a handler written from the docs refuses them, which is why v1 is
    // the default.
    let control = reqwest::Client::new();
    let switched = control
        .post(format!("{}/validation-tokens", e.info.control))
        .json(&json!({ "version": "2.0" }))
        .send()
        .await
        .expect("sent");
    assert!(switched.status().is_success());
    post(
        &e,
        &token,
        &format!("chats/{chat}/messages"),
        &json!({ "body": { "contentType": "text", "content": "v2 this time" } }),
    )
    .await;
    let seen = notifications(&handler, 2).await;
    let v2 = seen[1]["tokens"].as_array().cloned().unwrap_or_default();
    assert!(
        !v2.is_empty()
            && v2
                .iter()
                .all(|t| t["valid"] == false && t["claims"]["ver"] == "2.0"),
        "{v2:?}"
    );
    e.shutdown().await;
}

#[tokio::test]
#[ignore = "needs the doc-written handler's npm packages: make fidelity-test"]
async fn outlook_rich_notifications_carry_the_selection_and_its_annotations() {
    let (_dir, e, handler, token, certificate) = judged().await;
    let user = e.info.users[0].id.clone();
    post(
        &e,
        &token,
        "subscriptions",
        &json!({
            "changeType": "created,updated",
            "notificationUrl": handler.notification_url,
            "lifecycleNotificationUrl": handler.lifecycle_url,
            "resource": format!("/users/{user}/messages?$select=subject,from"),
            "expirationDateTime": expiration_in(50),
            "includeResourceData": true,
            "encryptionCertificate": certificate,
            "encryptionCertificateId": "doc-cert",
            "clientState": "s3cret",
        }),
    )
    .await;
    post(
        &e,
        &token,
        &format!("users/{user}/messages"),
        &json!({ "subject": "Quarterly numbers", "body": { "content": "not selected" } }),
    )
    .await;
    let seen = notifications(&handler, 1).await;
    let item = &seen[0];
    let decrypted = &item["decrypted"];
    assert_eq!(decrypted["subject"], "Quarterly numbers", "{item}");
    assert!(
        decrypted.get("body").is_none(),
        "only the selection: {decrypted}"
    );
    assert_eq!(decrypted["@odata.type"], "#Microsoft.Graph.Message");
    let etag = decrypted["@odata.etag"].as_str().unwrap_or_default();
    assert!(
        etag.starts_with("W/\"CQAAABYAAAD"),
        "an opaque change key: {etag}"
    );
    assert_eq!(
        item["resourceData"]["@odata.etag"], etag,
        "the same change key"
    );
    assert!(
        decrypted["@odata.context"]
            .as_str()
            .is_some_and(|c| c.contains("messages(subject,from)")),
        "{decrypted}"
    );
    assert!(
        item["tokens"]
            .as_array()
            .is_some_and(|t| !t.is_empty() && t.iter().all(|t| t["valid"] == true))
    );
    e.shutdown().await;
}
