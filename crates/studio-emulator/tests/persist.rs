//! `--data`: the tenant's state survives a restart.

#![allow(clippy::expect_used, reason = "test helpers fail loudly")]

use reqwest::Method;
use serde_json::json;
use studio_emulator::{EmulatorConfig, start};

mod common;
use common::{app_token, graph, recording_receiver, subscribe_to};

#[tokio::test]
async fn subscriptions_content_and_settings_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("studio-persist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("sandbox.json");
    let config = EmulatorConfig {
        data_file: Some(file.clone()),
        seed: 5,
        ..EmulatorConfig::default()
    };
    let (url, _rx) = recording_receiver(0).await;
    let e = start(config.clone()).await.expect("starts");
    let token = app_token(&e).await;
    let adele = e.info.users[0].id.clone();
    let subscription = subscribe_to(
        &e,
        &token,
        &format!("/users/{adele}/messages"),
        "created",
        &url,
    )
    .await;
    let (status, task) = graph(
        &e,
        Method::POST,
        &token,
        &format!("/v1.0/users/{adele}/events"),
        Some(json!({ "subject": "Remember me" })),
    )
    .await;
    assert_eq!(status, 201, "{task}");
    let roles = json!({ "appRoles": ["User.Read.All", "Calendars.Read"] });
    let (status, _) = common::control(&e, "consent", roles).await;
    assert_eq!(status, 200);
    let tenant = e.info.tenant_id.clone();
    e.shutdown().await;

    let again = start(EmulatorConfig {
        seed: 9,
        ..config.clone()
    })
    .await
    .expect("starts again");
    assert_eq!(again.info.tenant_id, tenant, "the file's seed wins");
    let token = app_token(&again).await;
    let (status, listed) = graph(&again, Method::GET, &token, "/v1.0/subscriptions", None).await;
    assert_eq!(status, 200);
    assert_eq!(listed["value"][0]["id"], subscription.as_str(), "{listed}");
    let event = task["id"].as_str().expect("id");
    let (status, kept) = graph(
        &again,
        Method::GET,
        &token,
        &format!("/v1.0/users/{adele}/events/{event}"),
        None,
    )
    .await;
    assert_eq!(
        (status, kept["subject"].as_str()),
        (200, Some("Remember me"))
    );
    let (status, _) = graph(
        &again,
        Method::GET,
        &token,
        &format!("/v1.0/users/{adele}/messages"),
        None,
    )
    .await;
    assert_eq!(status, 403, "the app's reduced permissions were kept");
    again.shutdown().await;

    std::fs::write(&file, "{ not json").expect("write");
    let refused = start(config).await;
    assert!(
        matches!(refused, Err(studio_emulator::EmulatorError::Data(_))),
        "an unreadable file stops the emulator instead of being overwritten"
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "{ not json");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn refresh_tokens_are_kept_only_as_fingerprints() {
    let dir = tempfile_dir("tokens");
    let file = dir.join("sandbox.json");
    let config = EmulatorConfig {
        data_file: Some(file.clone()),
        ..EmulatorConfig::default()
    };
    let e = start(config.clone()).await.expect("starts");
    let tokens = common::user_tokens_as(
        &e,
        "adele@sandbox.onmicrosoft.com",
        "offline_access User.Read",
    )
    .await;
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    let client_id = e.info.public_client_id.clone();
    e.shutdown().await;
    let kept = std::fs::read_to_string(&file).expect("saved");
    assert!(
        !kept.contains(&refresh),
        "the data file never holds a usable refresh token"
    );

    let again = start(config).await.expect("starts again");
    let refreshed: serde_json::Value = reqwest::Client::new()
        .post(format!(
            "{}/common/oauth2/v2.0/token",
            again.info.authority_host
        ))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", client_id.as_str()),
            ("refresh_token", refresh.as_str()),
        ])
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert!(
        refreshed["access_token"].is_string(),
        "the kept fingerprint still redeems: {refreshed}"
    );
    again.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("studio-persist-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}
