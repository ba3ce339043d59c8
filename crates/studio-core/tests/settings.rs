//! Settings are tried before they are applied: a receiver port another program holds is refused
//! with nothing saved, and the running receiver keeps its URL.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use std::sync::Arc;

use common::{call, studio};
use serde_json::{Value, json};
use studio_primitives::clock::SystemClock;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_port_is_refused_before_anything_is_saved_or_stopped() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path(), Arc::new(SystemClock));
    let started = call(&studio, "receiver_start", Value::Null).await;
    let running = started["endpoints"]["localNotificationUrl"].clone();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = taken.local_addr().expect("addr").port();

    let refused = studio
        .dispatch("settings_update", json!({"receiverPort": port}))
        .await
        .expect_err("a taken port is refused");
    assert!(refused.message.contains("nothing was saved"), "{refused:?}");
    assert!(
        refused.message.contains(running.as_str().unwrap_or("?")),
        "{refused:?}"
    );
    let settings = call(&studio, "settings_get", Value::Null).await;
    assert_eq!(settings["receiverPort"], 0, "unchanged");
    assert!(
        !dir.path().join("config/settings.toml").exists(),
        "nothing written"
    );
    let status = call(&studio, "receiver_status", Value::Null).await;
    assert_eq!(
        status["endpoints"]["localNotificationUrl"], running,
        "still receiving there"
    );

    // A free one is saved.
    drop(taken);
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let saved = call(&studio, "settings_update", json!({"receiverPort": free})).await;
    assert_eq!(saved["receiverPort"], free);
    studio.shutdown().await;
}
