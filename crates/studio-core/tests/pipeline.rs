//! The whole loop through `Studio::dispatch`, against the in-process sandbox with the tunnel
//! provider "none": receive, create a subscription (preflight first), trigger changes, see every
//! notification stored and verified (clientState, validation tokens) and rich ones decrypted;
//! export and replay; renewal with a moved clock; lifecycle events handled by the running upkeep.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{call, control, studio, wait_for_receptions};
use serde_json::{Value, json};
use studio_core::Studio;
use studio_primitives::clock::{Clock, ManualClock, SystemClock};

async fn history_has(studio: &Studio, action: &str) -> Value {
    for _ in 0..200 {
        let owned = call(studio, "owned_subscriptions", Value::Null).await;
        if owned["history"]
            .as_array()
            .is_some_and(|h| h.iter().any(|e| e["action"] == action))
        {
            return owned;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no '{action}' in the renewal history");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_for_a_subscription_made_here_arrive_verified_and_decrypted() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path(), Arc::new(SystemClock));
    call(&studio, "account_add_sandbox", json!({})).await;
    let started = call(&studio, "receiver_start", Value::Null).await;
    assert!(started.get("tunnelProblem").is_none(), "{started}");
    let endpoints = &started["endpoints"];
    assert_eq!(endpoints["tunnel"], "none");
    let local = endpoints["localNotificationUrl"].as_str().expect("url");
    assert!(local.starts_with("http://127.0.0.1:"), "{local}");

    let preflight = call(&studio, "subscription_preflight", Value::Null).await;
    assert_eq!(preflight["ok"], true, "{preflight}");
    assert_eq!(preflight["echoed"], true);

    let plain = call(
        &studio,
        "subscription_create",
        json!({"resource": "/me/mailFolders('inbox')/messages", "changeType": "created,updated"}),
    )
    .await;
    assert_eq!(plain["preflight"]["ok"], true);
    let rich = call(
        &studio,
        "subscription_create",
        json!({"resource": "/me/messages?$select=subject,from", "changeType": "created", "includeResourceData": true}),
    )
    .await;
    let rich_id = rich["subscription"]["subscription"]["id"]
        .as_str()
        .expect("id");
    assert_eq!(
        rich["subscription"]["subscription"]["includeResourceData"],
        true
    );
    let certificates = call(&studio, "certificates_list", Value::Null).await;
    assert_eq!(
        certificates.as_array().map(Vec::len),
        Some(1),
        "one made on demand"
    );
    assert_eq!(certificates[0]["usedBy"], 1);

    let mut events = studio.events().subscribe();
    control(
        &studio,
        "/changes",
        json!({"resource": "/me/mailFolders('inbox')/messages", "changeType": "created"}),
    )
    .await;
    // The window hears of the reception, and again once its items were checked (after the 202),
    // so its list never keeps "not read yet".
    let mut announced = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while let Ok(Ok(event)) = tokio::time::timeout_at(deadline, events.recv()).await {
        if matches!(event, studio_core::CoreEvent::ReceptionsArrived { .. }) {
            announced += 1;
            let list = call(&studio, "receptions_list", json!({"kind": "notification"})).await;
            if list[0]["items"].as_i64().unwrap_or(0) >= 2 {
                break;
            }
        }
    }
    assert!(announced >= 1, "announced");
    let list = call(&studio, "receptions_list", json!({"kind": "notification"})).await;
    assert!(
        list[0]["items"].as_i64().unwrap_or(0) >= 2,
        "an announcement came after the items were kept: {list}"
    );
    // Graph (and the sandbox) may batch both subscriptions' notifications into one POST.
    let arrived = wait_for_receptions(&studio, |list| {
        list.iter().filter_map(|r| r["items"].as_i64()).sum::<i64>() >= 2
    })
    .await;
    let mut decrypted = 0;
    for summary in &arrived {
        assert_eq!(summary["clientStateProblems"], 0, "{summary}");
        let detail = call(&studio, "reception_get", json!({"id": summary["id"]})).await;
        for item in detail["items"].as_array().expect("items") {
            assert_eq!(item["clientState"], "matches");
            if item["subscriptionId"] == rich_id {
                assert_eq!(item["tokens"], json!({"state": "valid", "count": 1}));
                // Taken apart for people: the claims, and every check passed one by one.
                assert_eq!(detail["tokenCount"], 1);
                let tokens = call(&studio, "reception_tokens", json!({"id": summary["id"]})).await;
                let token = &tokens[0];
                assert!(
                    token["claims"]
                        .as_str()
                        .is_some_and(|c| c
                            .contains(studio_receiver::validation_tokens::CHANGE_TRACKING_APP_ID)),
                    "{token}"
                );
                let checks = token["checks"].as_array().expect("checks");
                assert_eq!(checks.len(), 6);
                assert!(
                    checks.iter().all(|c| c["result"]["outcome"] == "passed"),
                    "{checks:?}"
                );
                let resource: Value =
                    serde_json::from_str(item["decrypted"].as_str().expect("decrypted"))
                        .expect("JSON");
                assert!(resource.get("subject").is_some(), "{resource}");
                decrypted += 1;
            }
        }
    }
    assert_eq!(decrypted, 1);

    // Search, export and replay what arrived.
    let found = call(&studio, "receptions_list", json!({"text": "subject"})).await;
    assert_eq!(
        found.as_array().map(Vec::len),
        Some(1),
        "only the rich one mentions subject"
    );
    // Exports go to the exports folder only (created, private), under a plain name.
    let done = call(
        &studio,
        "receptions_export",
        json!({"format": "ndjson", "fileName": "out"}),
    )
    .await;
    let ndjson = dir.path().join("exports").join("out.ndjson");
    assert_eq!(done["path"], ndjson.display().to_string());
    let count = done["count"].as_u64().expect("count");
    let text = std::fs::read_to_string(&ndjson).expect("written");
    assert_eq!(text.lines().count() as u64, count);
    for line in text.lines() {
        serde_json::from_str::<Value>(line).expect("each line is JSON");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| {
            std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .ok()
        };
        assert_eq!(mode(&ndjson), Some(0o600), "an export is private");
        assert_eq!(mode(&dir.path().join("exports")), Some(0o700));
        assert_eq!(mode(dir.path()), Some(0o700), "the data folder is private");
        assert_eq!(mode(&dir.path().join("studio.sqlite3")), Some(0o600));
    }
    let done = call(&studio, "receptions_export", json!({"format": "har"})).await;
    let har: Value = serde_json::from_str(
        &std::fs::read_to_string(done["path"].as_str().expect("path")).expect("written"),
    )
    .expect("HAR is JSON");
    assert_eq!(har["log"]["version"], "1.2");
    assert_eq!(
        har["log"]["entries"].as_array().map(Vec::len),
        Some(count as usize)
    );

    let target = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let target_url = format!("http://{}/mine", target.local_addr().expect("addr"));
    tokio::spawn(async move {
        let app = axum::Router::new().route("/mine", axum::routing::post(|| async { "thanks" }));
        let _ = axum::serve(target, app).await;
    });
    let forward = call(
        &studio,
        "reception_replay",
        json!({"id": arrived[0]["id"], "url": target_url}),
    )
    .await;
    assert_eq!(forward["status"], 200);
    assert_eq!(forward["body"], "thanks");
    let detail = call(&studio, "reception_get", json!({"id": arrived[0]["id"]})).await;
    assert_eq!(detail["forwards"].as_array().map(Vec::len), Some(1));

    // Bad input is refused with a code and a sentence; nothing is written or lost.
    for (command, payload, code) in [
        (
            "receptions_export",
            json!({"format": "xml"}),
            studio_core::ErrorCode::InvalidInput,
        ),
        (
            "receptions_export",
            json!({"format": "ndjson", "fileName": "../../x"}),
            studio_core::ErrorCode::InvalidInput,
        ),
        (
            "receptions_export",
            json!({"format": "ndjson", "path": "/tmp/anywhere.ndjson"}),
            studio_core::ErrorCode::InvalidInput,
        ),
        (
            "reception_get",
            json!({"id": 999_999}),
            studio_core::ErrorCode::NotFound,
        ),
        (
            "reception_replay",
            json!({"id": 999_999, "url": "http://127.0.0.1:9/"}),
            studio_core::ErrorCode::NotFound,
        ),
        (
            "certificate_export",
            json!({"id": "gws-unknown"}),
            studio_core::ErrorCode::NotFound,
        ),
        (
            "certificate_create",
            json!({"bits": 1024}),
            studio_core::ErrorCode::InvalidInput,
        ),
    ] {
        let error = studio.dispatch(command, payload).await.expect_err(command);
        assert_eq!(error.code, code, "{command}: {error:?}");
        assert!(!error.message.is_empty());
    }
    assert!(!dir.path().join("x.ndjson").exists());
    assert!(!std::path::Path::new("/tmp/anywhere.ndjson").exists());
    // The certificate a live subscription uses cannot be deleted.
    let in_use = studio
        .dispatch("certificate_delete", json!({"id": certificates[0]["id"]}))
        .await
        .expect_err("in use");
    assert_eq!(in_use.code, studio_core::ErrorCode::InvalidInput);
    assert!(
        in_use
            .hint
            .as_deref()
            .is_some_and(|h| h.contains("decrypt")),
        "{in_use:?}"
    );

    let bad = studio
        .dispatch(
            "reception_replay",
            json!({"id": arrived[0]["id"], "url": "ftp://x"}),
        )
        .await
        .expect_err("ftp is refused");
    assert_eq!(bad.code, studio_core::ErrorCode::InvalidInput);

    // The form's "Lifecycle notification URL" box: what the preview shows is what is sent.
    assert!(
        plain["subscription"]["subscription"]["lifecycleNotificationUrl"].is_string(),
        "{plain}"
    );
    let quiet = call(
        &studio,
        "subscription_create",
        json!({"resource": "/me/contacts", "changeType": "created", "expirationMinutes": 30, "includeLifecycleUrl": false}),
    )
    .await;
    let quiet = &quiet["subscription"]["subscription"];
    assert!(
        quiet["lifecycleNotificationUrl"].is_null(),
        "no lifecycle URL when unchecked: {quiet}"
    );
    studio.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewal_and_lifecycle_keep_subscriptions_alive() {
    let dir = tempfile::tempdir().expect("dir");
    let start = time::OffsetDateTime::now_utc().unix_timestamp();
    let clock = Arc::new(ManualClock::at_unix(start));
    let studio = Arc::new(studio(dir.path(), Arc::clone(&clock) as Arc<dyn Clock>));
    call(&studio, "account_add_sandbox", json!({})).await;
    call(&studio, "receiver_start", Value::Null).await;
    let created = call(
        &studio,
        "subscription_create",
        json!({"resource": "/me/events", "changeType": "created", "expirationMinutes": 60}),
    )
    .await;
    let id = created["subscription"]["subscription"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // Nothing is due yet.
    let none = call(&studio, "subscriptions_upkeep", Value::Null).await;
    assert_eq!(none, json!([]));
    // 55 minutes later (on both clocks) it is within its margin and renewed for the hour the
    // user chose, not the resource's longest.
    clock.advance(55 * 60);
    control(&studio, "/clock", json!({"advanceSeconds": 55 * 60})).await;
    let renewed = call(&studio, "subscriptions_upkeep", Value::Null).await;
    assert_eq!(renewed[0]["action"], "renewed", "{renewed}");
    assert_eq!(renewed[0]["ok"], true, "{renewed}");
    let owned = call(&studio, "owned_subscriptions", Value::Null).await;
    let minutes_left = |owned: &Value| {
        let expiration = owned["items"][0]["expiration"].as_str().expect("expiry");
        let expires =
            time::OffsetDateTime::parse(expiration, &time::format_description::well_known::Rfc3339)
                .expect("RFC 3339")
                .unix_timestamp();
        (expires - clock.now_unix()) / 60
    };
    assert_eq!(minutes_left(&owned), 60, "{owned}");

    // The running upkeep acts on lifecycle notifications as they arrive.
    tokio::spawn(Arc::clone(&studio).run_upkeep());
    control(
        &studio,
        "/lifecycle",
        json!({"subscriptionId": id, "event": "reauthorizationRequired"}),
    )
    .await;
    history_has(&studio, "reauthorized").await;
    control(
        &studio,
        "/lifecycle",
        json!({"subscriptionId": id, "event": "missed"}),
    )
    .await;
    let flagged = history_has(&studio, "missed").await;
    assert_eq!(flagged["items"][0]["state"], "missed", "{flagged}");
    control(
        &studio,
        "/lifecycle",
        json!({"subscriptionId": id, "event": "subscriptionRemoved"}),
    )
    .await;
    let recreated = history_has(&studio, "recreated").await;
    let items = recreated["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_ne!(
        items[0]["id"],
        id.as_str(),
        "a new subscription replaced it"
    );
    assert_eq!(items[0]["state"], "active");
    assert_eq!(
        minutes_left(&recreated),
        60,
        "recreated for the hour chosen: {recreated}"
    );

    // Deleting it here forgets it (kept as deleted, so its history stays readable).
    call(
        &studio,
        "subscription_delete",
        json!({"id": items[0]["id"]}),
    )
    .await;
    let after = call(&studio, "owned_subscriptions", Value::Null).await;
    assert_eq!(after["items"][0]["state"], "deleted");
    studio.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tunnel_that_fails_leaves_the_receiver_listening_locally() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path(), Arc::new(SystemClock));
    call(&studio, "account_add_sandbox", json!({})).await;
    let config = studio_core::receiving::ListenConfig {
        port: 0,
        limits: studio_receiver::Limits::default(),
        tunnel: studio_tunnel::TunnelChoice::Ngrok { domain: None },
        forward_to: None,
    };
    // No authtoken is saved in this test's secret store, and the options carry none.
    let started = studio
        .start_receiving(config)
        .await
        .expect("the receiver listens even though the tunnel failed");
    let failed = started
        .tunnel_problem
        .expect("ngrok cannot open without an authtoken");
    assert!(
        failed.message.contains("did not open"),
        "{}",
        failed.message
    );
    assert!(
        failed
            .hint
            .as_deref()
            .is_some_and(|h| h.contains("authtoken")),
        "{failed:?}"
    );
    let status = call(&studio, "receiver_status", Value::Null).await;
    assert_eq!(status["tunnel"]["state"], "failed");
    assert!(
        status["endpoints"]["localNotificationUrl"].is_string(),
        "{status}"
    );
    // The sandbox still delivers to the local receiver.
    let created = call(
        &studio,
        "subscription_create",
        json!({"resource": "/me/events", "changeType": "created"}),
    )
    .await;
    assert_eq!(created["preflight"]["ok"], true);
    studio.shutdown().await;
}
