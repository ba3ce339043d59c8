//! `/subscriptions` against the emulator: lifecycle, the validation handshake, Graph's rules.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use std::time::Duration;

use axum::extract::Query;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};
use studio_emulator::{EmulatorConfig, RunningEmulator, start};

mod common;
use common::{app_token, user_token};

/// A loopback receiver answering the handshake in one of several ways.
async fn receiver(kind: &'static str) -> String {
    let app = axum::Router::new().route(
        "/hook",
        post(
            move |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                let token = q.get("validationToken").cloned().unwrap_or_default();
                match kind {
                    "good" => (StatusCode::OK, token),
                    "wrong-body" => (StatusCode::OK, format!("{token}!")),
                    "wrong-status" => (StatusCode::INTERNAL_SERVER_ERROR, token),
                    _ => {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        (StatusCode::OK, token)
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

async fn emulator() -> RunningEmulator {
    start(EmulatorConfig {
        handshake_timeout: Duration::from_secs(1),
        ..EmulatorConfig::default()
    })
    .await
    .expect("starts")
}

async fn now(e: &RunningEmulator) -> i64 {
    let info: Value = reqwest::get(&e.info.control)
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    info["now"].as_i64().expect("now")
}

fn in_minutes(now: i64, minutes: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(now + minutes * 60)
        .expect("time")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

async fn send(
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn subscription(resource: &str, change: &str, url: &str, expiration: &str) -> Value {
    json!({ "changeType": change, "notificationUrl": url, "resource": resource, "expirationDateTime": expiration, "clientState": "secret-state" })
}

#[tokio::test]
async fn create_list_renew_reauthorize_delete() {
    let e = emulator().await;
    let hook = receiver("good").await;
    let token = app_token(&e).await;
    let base = format!("{}/v1.0/subscriptions", e.info.graph_base);
    let t0 = now(&e).await;
    let (status, created) = send(
        reqwest::Method::POST,
        base.clone(),
        Some(&token),
        Some(subscription(
            "/communications/callRecords",
            "created",
            &hook,
            &in_minutes(t0, 60),
        )),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["applicationId"],
        e.info.confidential_client_id.as_str()
    );
    assert_eq!(created["notificationContentType"], "application/json");
    // Every property of the documented response, null where it was not set.
    for key in [
        "encryptionCertificate",
        "encryptionCertificateId",
        "notificationQueryOptions",
        "notificationUrlAppId",
    ] {
        assert_eq!(created.get(key), Some(&Value::Null), "{key}: {created}");
    }
    let id = created["id"].as_str().expect("id").to_owned();

    let (_, listed) = send(reqwest::Method::GET, base.clone(), Some(&token), None).await;
    assert_eq!(listed["value"].as_array().map(Vec::len), Some(1));
    let other_app = user_token(&e, "User.Read").await;
    let (_, theirs) = send(reqwest::Method::GET, base.clone(), Some(&other_app), None).await;
    assert_eq!(
        theirs["value"].as_array().map(Vec::len),
        Some(0),
        "subscriptions are visible only to their app"
    );

    let (status, renewed) = send(
        reqwest::Method::PATCH,
        format!("{base}/{id}"),
        Some(&token),
        Some(json!({ "expirationDateTime": in_minutes(t0, 120) })),
    )
    .await;
    assert_eq!(status, 200, "{renewed}");
    let (status, too_far) = send(
        reqwest::Method::PATCH,
        format!("{base}/{id}"),
        Some(&token),
        Some(json!({ "expirationDateTime": in_minutes(t0, 5000) })),
    )
    .await;
    assert_eq!(status, 400, "{too_far}");
    let (status, _) = send(
        reqwest::Method::POST,
        format!("{base}/{id}/reauthorize"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = send(
        reqwest::Method::DELETE,
        format!("{base}/{id}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, gone) = send(
        reqwest::Method::GET,
        format!("{base}/{id}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        (status, gone["error"]["code"].as_str()),
        (404, Some("ResourceNotFound"))
    );
    e.shutdown().await;
}

#[tokio::test]
async fn the_validation_handshake_fails_like_graph() {
    let e = emulator().await;
    let token = app_token(&e).await;
    let base = format!("{}/v1.0/subscriptions", e.info.graph_base);
    let t0 = now(&e).await;
    let cases = [
        (
            "wrong-body",
            "Subscription validation request failed. Response must exactly match validationToken query parameter.",
        ),
        (
            "wrong-status",
            "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
        ),
        ("slow", "Subscription validation request timed out."),
    ];
    for (kind, message) in cases {
        let hook = receiver(kind).await;
        let (status, body) = send(
            reqwest::Method::POST,
            base.clone(),
            Some(&token),
            Some(subscription(
                "/communications/callRecords",
                "created",
                &hook,
                &in_minutes(t0, 60),
            )),
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("ValidationError")),
            "{kind}: {body}"
        );
        assert_eq!(body["error"]["message"], message, "{kind}");
    }
    e.shutdown().await;
}

#[tokio::test]
async fn graph_rules_are_enforced() {
    let e = emulator().await;
    let hook = receiver("good").await;
    let app = app_token(&e).await;
    let base = format!("{}/v1.0/subscriptions", e.info.graph_base);
    let t0 = now(&e).await;
    let post = |token: Option<String>, body: Value| {
        let base = base.clone();
        async move { send(reqwest::Method::POST, base, token.as_deref(), Some(body)).await }
    };
    let error = |r: &(u16, Value)| {
        (
            r.0,
            r.1["error"]["code"].as_str().unwrap_or_default().to_owned(),
            r.1["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };

    let (status, code, _) = error(
        &post(
            None,
            subscription("/users", "updated", &hook, &in_minutes(t0, 60)),
        )
        .await,
    );
    assert_eq!((status, code.as_str()), (401, "InvalidAuthenticationToken"));
    let (status, _, message) =
        error(&post(Some(app.clone()), json!({ "resource": "/users" })).await);
    assert_eq!(status, 400);
    assert!(message.contains("'changeType' is required"), "{message}");
    let (status, _, message) = error(
        &post(
            Some(app.clone()),
            subscription("/nope", "updated", &hook, &in_minutes(t0, 60)),
        )
        .await,
    );
    assert!(
        status == 400 && message.contains("not a subscribable resource"),
        "{message}"
    );
    let (status, _, message) = error(
        &post(
            Some(app.clone()),
            subscription("/drives/d1/root", "created", &hook, &in_minutes(t0, 60)),
        )
        .await,
    );
    assert!(
        status == 400 && message.contains("does not support `created`"),
        "{message}"
    );
    let (status, _, message) = error(
        &post(
            Some(app.clone()),
            subscription("/users", "updated", &hook, &in_minutes(t0, 50_000)),
        )
        .await,
    );
    assert!(
        status == 400 && message.contains("at most 41,760 minutes"),
        "{message}"
    );
    let (status, code, message) = error(
        &post(
            Some(app.clone()),
            subscription(
                "/teams/t1/channels/c1/messages",
                "created",
                &hook,
                &in_minutes(t0, 120),
            ),
        )
        .await,
    );
    assert_eq!((status, code.as_str()), (400, "ValidationError"));
    assert!(
        message.starts_with("lifecycleNotificationUrl is a required property"),
        "{message}"
    );
    let (status, _, message) = error(
        &post(
            Some(app.clone()),
            subscription(
                "/users",
                "updated",
                "https://example.com/hook",
                &in_minutes(t0, 60),
            ),
        )
        .await,
    );
    assert!(status == 400 && message.contains("loopback"), "{message}");

    // Permissions come from the token: a user with only User.Read cannot watch their mail.
    let reader = user_token(&e, "User.Read").await;
    let (status, code, message) = error(
        &post(
            Some(reader),
            subscription("/me/messages", "created", &hook, &in_minutes(t0, 60)),
        )
        .await,
    );
    assert_eq!((status, code.as_str()), (403, "ExtensionError"));
    assert_eq!(
        message,
        "Operation: Create; Exception: [Status Code: Forbidden; Reason: Access denied]"
    );

    // A duplicate from the same app conflicts; a short expiration is raised to 45 minutes.
    let (status, first) = post(
        Some(app.clone()),
        subscription("/users", "updated", &hook, &in_minutes(t0, 10)),
    )
    .await;
    assert_eq!(status, 201, "{first}");
    let expires = time::OffsetDateTime::parse(
        first["expirationDateTime"].as_str().expect("date"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("parse");
    assert!(
        expires.unix_timestamp() - t0 >= 45 * 60 - 5,
        "raised to the 45-minute floor"
    );
    let (status, _, _) = error(
        &post(
            Some(app.clone()),
            subscription("Users/", "updated", &hook, &in_minutes(t0, 60)),
        )
        .await,
    );
    assert_eq!(status, 409, "the same resource however it is spelled");
    // `/me/messages` of two users are two mailboxes, not a duplicate.
    for upn in [
        "adele@sandbox.onmicrosoft.com",
        "alex@sandbox.onmicrosoft.com",
    ] {
        let token = common::user_token_as(&e, upn, "Mail.Read").await;
        let (status, created) = post(
            Some(token),
            subscription("/me/messages", "created", &hook, &in_minutes(t0, 60)),
        )
        .await;
        assert_eq!(status, 201, "{upn}: {created}");
    }

    // Tokens expire by the emulator clock.
    reqwest::Client::new()
        .post(format!("{}/clock", e.info.control))
        .body("{\"advanceSeconds\": 3601}")
        .send()
        .await
        .expect("sent");
    let (status, _, message) =
        error(&send(reqwest::Method::GET, base.clone(), Some(&app), None).await);
    assert_eq!(status, 401);
    assert!(message.contains("expired"), "{message}");
    e.shutdown().await;
}

#[tokio::test]
async fn payload_shape_and_quotas_are_enforced() {
    let e = start(EmulatorConfig {
        mailbox_subscription_limit: 2,
        ..EmulatorConfig::default()
    })
    .await
    .expect("starts");
    let url = receiver("good").await;
    let token = app_token(&e).await;
    let adele = e.info.users[0].id.clone();
    let base = |resource: &str, change: &str| {
        json!({
            "changeType": change,
            "notificationUrl": url,
            "resource": resource,
            "expirationDateTime": common::expiration_in(60),
        })
    };
    let create = |body: Value| {
        let (e, token) = (&e, token.clone());
        async move {
            common::graph(
                e,
                reqwest::Method::POST,
                &token,
                "/v1.0/subscriptions",
                Some(body),
            )
            .await
        }
    };
    let messages = format!("/users/{adele}/messages");
    for (field, value) in [
        ("clientStat", json!("typo")),
        ("includeResourceData", json!("yes")),
        ("changeType", json!(["created"])),
    ] {
        let mut body = base(&messages, "created");
        body[field] = value;
        let (status, answer) = create(body).await;
        assert_eq!(status, 400, "{field}: {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Could not process subscription creation payload"))
        );
    }
    let mut body = base(&messages, "created");
    body["latestSupportedTlsVersion"] = json!("v9");
    assert_eq!(create(body).await.0, 400);
    let mut body = base(&messages, "created");
    body["notificationQueryOptions"] = json!("$filter=isFetchable eq true");
    assert_eq!(create(body).await.0, 400, "Universal Print only");

    let (_, printers) = common::graph(
        &e,
        reqwest::Method::GET,
        &token,
        "/v1.0/print/printers",
        None,
    )
    .await;
    let printer = printers["value"][0]["id"]
        .as_str()
        .expect("printer")
        .to_owned();
    let mut body = base(&format!("/print/printers/{printer}/jobs"), "created");
    body["notificationQueryOptions"] = json!("$filter=isFetchable eq true");
    let (status, created) = create(body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["notificationQueryOptions"],
        "$filter=isFetchable eq true"
    );

    assert_eq!(
        create(base("/teams/getAllMessages", "created")).await.0,
        201
    );
    let (status, second) = create(base("/teams/getAllMessages", "updated")).await;
    assert_eq!(
        (status, second["error"]["code"].as_str()),
        (403, Some("ExtensionError")),
        "{second}"
    );

    assert_eq!(create(base(&messages, "created")).await.0, 201);
    assert_eq!(
        create(base(&format!("/users/{adele}/events"), "created"))
            .await
            .0,
        201
    );
    let (status, full) = create(base(&format!("/users/{adele}/contacts"), "created")).await;
    assert_eq!(status, 403, "the mailbox is full: {full}");
    let alex = e.info.users[1].id.clone();
    assert_eq!(
        create(base(&format!("/users/{alex}/contacts"), "created"))
            .await
            .0,
        201
    );
    e.shutdown().await;
}
