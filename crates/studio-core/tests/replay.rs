//! "Copy as curl" is judged by curl itself: the command the app prints for a reception is run by
//! `sh` and the real `curl`, and the bytes and headers it delivers must be the ones "Replay"
//! delivers, for bodies a shell would mangle (quotes, `$`, backticks, newlines, non-UTF-8 bytes,
//! NUL) and for an edited body.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use serde_json::{Value, json};
use studio_primitives::clock::SystemClock;

type Seen = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A target that keeps every request's headers and body.
async fn recording_target() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let kept = Arc::clone(&seen);
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let kept = Arc::clone(&kept);
        async move {
            kept.lock().expect("lock").push((headers, body));
            "ok"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/api/notifications",
        listener.local_addr().expect("addr")
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

fn last(seen: &Seen) -> (HeaderMap, Bytes) {
    seen.lock()
        .expect("lock")
        .last()
        .cloned()
        .expect("a request arrived")
}

async fn run_curl(command: &str) {
    let command = command.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{command} --silent --show-error --fail"))
            .output()
    })
    .await
    .expect("joined")
    .expect("sh runs");
    assert!(
        output.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_curl_command_sends_exactly_what_replay_sends() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = common::studio(dir.path(), Arc::new(SystemClock));
    let started = common::call(&studio, "receiver_start", Value::Null).await;
    let receiver = started["endpoints"]["localNotificationUrl"]
        .as_str()
        .expect("url")
        .to_owned();
    let (target, seen) = recording_target().await;

    let nasty_text = "{\"value\":[{\"subscriptionId\":\"s\",\"note\":\"it's $HOME `id` \\\\ \\n ü 🙂 @file\"}]}\n\r\n".as_bytes().to_vec();
    let not_utf8 = [
        b"{\"value\":[]}".as_slice(),
        &[0xff, 0x00, 0xfe, b'\''],
        b"$(id)",
    ]
    .concat();
    let http = reqwest::Client::new();
    for body in [nasty_text, not_utf8] {
        http.post(&receiver)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("stored");
        let id = stored_id(&studio).await;
        let (edited, expected) = (None::<String>, body.clone());
        for (edit, wanted) in [
            (edited, expected),
            (
                Some("{\"edited\": \"'$x'\"}".to_owned()),
                b"{\"edited\": \"'$x'\"}".to_vec(),
            ),
        ] {
            let request = json!({"id": id, "url": target, "body": edit});
            common::call(&studio, "reception_replay", request.clone()).await;
            let (replay_headers, replay_body) = last(&seen);
            let curl = common::call(&studio, "reception_curl", request).await;
            run_curl(curl.as_str().expect("a command")).await;
            let (curl_headers, curl_body) = last(&seen);
            assert_eq!(
                replay_body.as_ref(),
                wanted.as_slice(),
                "replay sent the body"
            );
            assert_eq!(curl_body, replay_body, "curl sent the same bytes: {curl}");
            for name in ["content-type", "x-webhook-studio-reception"] {
                assert_eq!(curl_headers.get(name), replay_headers.get(name), "{name}");
            }
            assert_eq!(
                curl_headers
                    .get("x-webhook-studio-reception")
                    .and_then(|v| v.to_str().ok()),
                Some(id.to_string().as_str())
            );
        }
    }
}

/// The newest reception's id, once it is stored.
async fn stored_id(studio: &studio_core::Studio) -> i64 {
    for _ in 0..200 {
        let list = common::call(studio, "receptions_list", json!({"limit": 1})).await;
        if let Some(id) = list[0]["id"].as_i64() {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("nothing was stored");
}
