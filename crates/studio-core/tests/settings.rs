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

/// Records what would have been shown on the desktop.
#[derive(Debug, Default)]
struct RecordedDesktop(std::sync::Mutex<Vec<&'static str>>);

impl studio_core::notices::DesktopNotifier for RecordedDesktop {
    fn show(&self, notice: &studio_core::notices::Notice) -> Result<(), studio_core::CoreError> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(notice.title);
        Ok(())
    }
}

#[tokio::test]
async fn desktop_notifications_follow_delivery_health_and_the_setting() {
    use studio_core::notices::{Notices, TEST};
    use studio_receiver::health::DeliveryState;
    let dir = tempfile::tempdir().expect("tempdir");
    let desktop = std::sync::Arc::new(RecordedDesktop::default());
    let studio = studio_core::Studio::builder(studio_core::AppPaths::under(dir.path()))
        .secrets(std::sync::Arc::new(
            studio_identity::secrets::SessionStore::default(),
        ))
        .desktop(std::sync::Arc::clone(&desktop) as _)
        .open()
        .expect("opens");
    let shown = || desktop.0.lock().map(|v| v.clone()).unwrap_or_default();
    let mut notices = Notices::default();
    studio.notify_delivery(&mut notices, DeliveryState::Slow);
    assert_eq!(shown(), ["Graph would slow down your notifications"]);
    // Turned off: the decision is still remembered, nothing is shown.
    call(
        &studio,
        "settings_update",
        json!({"desktopNotifications": false}),
    )
    .await;
    studio.notify_delivery(&mut notices, DeliveryState::Dropping);
    assert_eq!(shown().len(), 1);
    // The test notification is asked for: shown whatever the setting.
    call(&studio, "notification_test", json!(null)).await;
    assert_eq!(shown().last().copied(), Some(TEST.title));

    // The command line has no desktop: it says so with a hint.
    let cli = common::studio(
        tempfile::tempdir().expect("tempdir").path(),
        std::sync::Arc::new(studio_primitives::clock::SystemClock),
    );
    let refused = cli
        .dispatch("notification_test", json!(null))
        .await
        .expect_err("no desktop");
    assert!(refused.message.contains("no desktop"), "{refused:?}");
    assert!(refused.hint.is_some());
}
