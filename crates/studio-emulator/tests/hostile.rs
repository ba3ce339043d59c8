//! Everything arriving at the emulator is hostile: malformed and oversized bodies, wrong types,
//! odd paths and bad tokens get the services' own 4xx shapes, never a panic, a hang or a 5xx.

#![allow(clippy::expect_used, reason = "test helpers fail loudly")]

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use studio_emulator::{EmulatorConfig, start};

mod common;

#[tokio::test]
async fn garbage_gets_shaped_4xx_answers_and_the_emulator_keeps_serving() {
    let e = start(EmulatorConfig {
        handshake_timeout: Duration::from_millis(300),
        ..EmulatorConfig::default()
    })
    .await
    .expect("starts");
    let app = common::app_token(&e).await;
    let adele = e.info.users[0].id.clone();
    let huge = "x".repeat(3 * 1024 * 1024);
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("not json", b"{ nope".to_vec()),
        ("array", b"[1,2,3]".to_vec()),
        ("wrong types", br#"{"changeType": 5, "resource": [], "notificationUrl": {}, "expirationDateTime": true, "subject": 7, "@odata.id": 3, "message": "x", "availability": 1}"#.to_vec()),
        ("binary", vec![0xff, 0xfe, 0x00, 0x80, 0x7f]),
        ("deep", format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes()),
        ("huge", huge.into_bytes()),
    ];
    let paths = [
        "/v1.0/subscriptions".to_owned(),
        "/v1.0/subscriptions/nope".to_owned(),
        "/beta/subscriptions/nope/reauthorize".to_owned(),
        format!("/v1.0/users/{adele}/messages"),
        format!("/v1.0/users/{adele}/sendMail"),
        format!("/v1.0/users/{adele}/presence/setPresence"),
        "/v1.0/groups/nope/members/$ref".to_owned(),
        "/v1.0/me/mailFolders('inbox'/messages".to_owned(),
        "/v1.0/users/%FF%FE/messages".to_owned(),
        format!("/v1.0/{}", "a/".repeat(2000)),
        "/_emulator/changes".to_owned(),
        "/_emulator/lifecycle".to_owned(),
        "/_emulator/clock".to_owned(),
        "/_emulator/consent".to_owned(),
        "/_emulator/revoke".to_owned(),
        "/_emulator/certificates".to_owned(),
        "/_emulator/devicecode".to_owned(),
        "/common/oauth2/v2.0/token".to_owned(),
        "/common/oauth2/v2.0/devicecode".to_owned(),
    ];
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    for path in &paths {
        for method in [Method::POST, Method::PATCH, Method::GET, Method::DELETE] {
            for (name, body) in &bodies {
                let response = client
                    .request(method.clone(), format!("{}{path}", e.info.graph_base))
                    .bearer_auth(&app)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap_or_else(|error| {
                        panic!("{method} {path} ({name}) hung or broke: {error}")
                    });
                let status = response.status().as_u16();
                let text = response.text().await.unwrap_or_default();
                assert!(
                    status < 500,
                    "{method} {path} ({name}) answered {status}: {text}"
                );
                if status >= 400 {
                    let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    assert!(
                        parsed["error"]["code"].is_string() || parsed["error"].is_string(),
                        "{method} {path} ({name}) {status} is not Graph- or OAuth-shaped: {text:.200}"
                    );
                }
            }
        }
    }
    for token in [
        "",
        "Bearer",
        "Bearer x.y.z",
        "Basic abc",
        &format!("Bearer {app}x"),
    ] {
        let response = client
            .get(format!("{}/v1.0/users", e.info.graph_base))
            .header("authorization", token)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 401, "{token:.20}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    }
    let alive = client
        .get(&e.info.control)
        .send()
        .await
        .expect("still serving");
    assert_eq!(alive.status().as_u16(), 200);
    e.shutdown().await;
}

#[tokio::test]
async fn graph_can_be_told_to_throttle_with_retry_after() {
    let e = start(EmulatorConfig::default()).await.expect("starts");
    let app = common::app_token(&e).await;
    let (status, _) = common::control(
        &e,
        "throttle",
        serde_json::json!({ "requests": 2, "retryAfterSeconds": 3, "status": 429 }),
    )
    .await;
    assert_eq!(status, 200);
    for _ in 0..2 {
        let response = reqwest::Client::new()
            .get(format!("{}/v1.0/users", e.info.graph_base))
            .bearer_auth(&app)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 429);
        assert_eq!(
            response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("3")
        );
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["code"], "TooManyRequests");
    }
    let (status, _) = common::graph(&e, Method::GET, &app, "/v1.0/users", None).await;
    assert_eq!(status, 200, "throttling ends after the requests asked for");
    let (status, _) = common::control(
        &e,
        "throttle",
        serde_json::json!({ "requests": 1, "status": 418 }),
    )
    .await;
    assert_eq!(status, 400);
    e.shutdown().await;
}
