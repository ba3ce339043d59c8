//! The seeded workloads over HTTP: look-ups of every kind, each service's authorization and error
//! texts, and writes that notify exactly the subscriptions watching them.

#![allow(clippy::expect_used, reason = "test helpers fail loudly")]

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use studio_emulator::RunningEmulator;

mod common;
use common::{app_token, control, graph, recording_receiver, subscribe_to, user_token};

async fn emulator() -> RunningEmulator {
    common::quick_emulator().await
}

fn ids(page: &Value) -> Vec<String> {
    page["value"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|i| i["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn every_workload_has_look_ups() {
    let e = emulator().await;
    let app = app_token(&e).await;
    let adele = e.info.users[0].id.clone();
    let get = |path: String| {
        let (e, app) = (&e, app.clone());
        async move { graph(e, Method::GET, &app, &path, None).await }
    };
    for path in [
        format!("/v1.0/users/{adele}/mailFolders"),
        format!("/v1.0/users/{adele}/mailFolders('inbox')/messages"),
        format!("/v1.0/users/{adele}/messages"),
        format!("/v1.0/users/{adele}/events"),
        format!("/v1.0/users/{adele}/contacts"),
        format!("/v1.0/users/{adele}/todo/lists"),
        format!("/v1.0/users/{adele}/drive/root/children"),
        "/v1.0/chats".to_owned(),
        "/v1.0/drives".to_owned(),
        "/v1.0/print/printers".to_owned(),
        "/v1.0/security/alerts".to_owned(),
        "/v1.0/communications/callRecords".to_owned(),
        "/v1.0/communications/presences".to_owned(),
        "/beta/reports/healthMonitoring/alerts".to_owned(),
        "/v1.0/teams".to_owned(),
    ] {
        let (status, page) = get(path.clone()).await;
        assert_eq!(status, 200, "{path}: {page}");
        assert!(!ids(&page).is_empty(), "{path} lists something: {page}");
    }
    let (_, sites) = get("/v1.0/sites".to_owned()).await;
    let site = ids(&sites)[0].clone();
    let (status, lists) = get(format!("/v1.0/sites/{site}/lists")).await;
    assert_eq!((status, ids(&lists).len()), (200, 2), "{lists}");
    let list = ids(&lists)[0].clone();
    let (status, items) = get(format!("/v1.0/sites/{site}/lists/{list}/items?$top=1")).await;
    assert_eq!(status, 200);
    assert!(items["@odata.nextLink"].is_string(), "paged: {items}");
    let (_, teams) = get("/v1.0/teams".to_owned()).await;
    let team = ids(&teams)[0].clone();
    let (_, channels) = get(format!("/v1.0/teams/{team}/channels")).await;
    let channel = ids(&channels)[0].clone();
    let (status, messages) = get(format!("/v1.0/teams/{team}/channels/{channel}/messages")).await;
    assert_eq!((status, ids(&messages).len()), (200, 1), "{messages}");
    let (_, chats) = get("/v1.0/chats".to_owned()).await;
    let chat = ids(&chats)[0].clone();
    let (status, chat_messages) = get(format!("/v1.0/chats/{chat}/messages?$select=body")).await;
    assert_eq!(status, 200);
    assert!(
        chat_messages["value"][0]["body"]["content"].is_string()
            && chat_messages["value"][0]["from"].is_null(),
        "$select keeps only body: {chat_messages}"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn delegated_callers_reach_only_their_own_data() {
    let e = emulator().await;
    let adele = user_token(&e, "Mail.Read Chat.Read Calendars.Read").await;
    let alex = e.info.users[1].id.clone();
    let (status, mine) = graph(
        &e,
        Method::GET,
        &adele,
        "/v1.0/me/mailFolders('Inbox')/messages?$top=2",
        None,
    )
    .await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(ids(&mine).len(), 2);
    assert!(mine["@odata.nextLink"].is_string());
    let (status, theirs) = graph(
        &e,
        Method::GET,
        &adele,
        &format!("/v1.0/users/{alex}/messages"),
        None,
    )
    .await;
    assert_eq!(
        (status, theirs["error"]["code"].as_str()),
        (403, Some("ErrorAccessDenied"))
    );
    let (status, missing) =
        graph(&e, Method::GET, &adele, "/v1.0/me/messages/aamk0000", None).await;
    assert_eq!(
        (status, missing["error"]["code"].as_str()),
        (404, Some("ErrorItemNotFound"))
    );
    let (status, no_scope) = graph(&e, Method::GET, &adele, "/v1.0/me/todo/lists", None).await;
    assert_eq!(
        (status, no_scope["error"]["code"].as_str()),
        (403, Some("Forbidden")),
        "{no_scope}"
    );
    let (status, chats) = graph(&e, Method::GET, &adele, "/v1.0/chats", None).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&chats).len(), 2, "Adele is in both seeded chats");
    let patti = user_token_for(&e, "patti", "Chat.Read").await;
    let (_, chats) = graph(&e, Method::GET, &patti, "/v1.0/chats", None).await;
    assert!(ids(&chats).is_empty(), "Patti is in no chat: {chats}");
    e.shutdown().await;
}

async fn user_token_for(e: &RunningEmulator, alias: &str, scope: &str) -> String {
    common::user_token_as(e, &format!("{alias}@sandbox.onmicrosoft.com"), scope).await
}

#[tokio::test]
async fn sending_mail_notifies_the_recipients_inbox_subscriptions() {
    let e = emulator().await;
    let (url, rx) = recording_receiver(0).await;
    let app = app_token(&e).await;
    let (adele, alex) = (e.info.users[0].id.clone(), e.info.users[1].id.clone());
    let inbox = subscribe_to(
        &e,
        &app,
        &format!("/users/{adele}/mailFolders('inbox')/messages"),
        "created",
        &url,
    )
    .await;
    let all_mail = subscribe_to(
        &e,
        &app,
        &format!("/users/{alex}/messages"),
        "created",
        &url,
    )
    .await;
    let events = subscribe_to(&e, &app, &format!("/users/{adele}/events"), "created", &url).await;
    let sender = common::user_token_as(&e, "alex@sandbox.onmicrosoft.com", "Mail.Send").await;
    let mail = json!({ "message": { "subject": "Lunch?", "body": { "contentType": "text", "content": "Noon" }, "toRecipients": [{ "emailAddress": { "address": "adele@sandbox.onmicrosoft.com" } }] } });
    let (status, _) = graph(&e, Method::POST, &sender, "/v1.0/me/sendMail", Some(mail)).await;
    assert_eq!(status, 202);
    let received = rx.item_for(&inbox).await;
    assert_eq!(received["changeType"], "created");
    let resource = received["resource"].as_str().expect("resource");
    assert!(
        resource.starts_with(&format!("Users/{adele}/Messages/")),
        "{resource}"
    );
    assert_eq!(
        received["resourceData"]["@odata.type"],
        "#Microsoft.Graph.Message"
    );
    assert!(received["resourceData"]["@odata.etag"].is_string());
    let sent_copy = rx.item_for(&all_mail).await;
    assert!(
        sent_copy["resource"]
            .as_str()
            .is_some_and(|r| r.starts_with(&format!("Users/{alex}/Messages/")))
    );
    let reader = user_token(&e, "Mail.Read").await;
    let message_id = resource.rsplit('/').next().expect("id");
    let (status, message) = graph(
        &e,
        Method::GET,
        &reader,
        &format!("/v1.0/me/messages/{message_id}"),
        None,
    )
    .await;
    assert_eq!((status, message["subject"].as_str()), (200, Some("Lunch?")));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        rx.items()
            .iter()
            .all(|i| i["subscriptionId"] != events.as_str()),
        "events are not mail"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn writes_to_every_workload_notify_their_watchers() {
    let e = emulator().await;
    let (url, rx) = recording_receiver(0).await;
    let app = app_token(&e).await;
    let adele = e.info.users[0].id.clone();
    let (_, groups) = graph(&e, Method::GET, &app, "/v1.0/groups", None).await;
    let group = ids(&groups)[0].clone();
    let (_, chats) = graph(&e, Method::GET, &app, "/v1.0/chats", None).await;
    let chat = ids(&chats)[0].clone();
    let (_, sites) = graph(&e, Method::GET, &app, "/v1.0/sites", None).await;
    let site = ids(&sites)[0].clone();
    let (_, lists) = graph(
        &e,
        Method::GET,
        &app,
        &format!("/v1.0/sites/{site}/lists"),
        None,
    )
    .await;
    let list = ids(&lists)[0].clone();
    let (_, todo) = graph(
        &e,
        Method::GET,
        &app,
        &format!("/v1.0/users/{adele}/todo/lists"),
        None,
    )
    .await;
    let todo = ids(&todo)[0].clone();

    let on_group = subscribe_to(&e, &app, &format!("/groups/{group}"), "updated", &url).await;
    let on_chat = subscribe_to(
        &e,
        &app,
        &format!("/chats/{chat}/messages"),
        "created",
        &url,
    )
    .await;
    let on_all_chats = subscribe_to(&e, &app, "/chats/getAllMessages", "created", &url).await;
    let on_list = subscribe_to(
        &e,
        &app,
        &format!("/sites/{site}/lists/{list}"),
        "updated",
        &url,
    )
    .await;
    let tasks_reader = user_token(&e, "Tasks.ReadWrite").await;
    let on_tasks = subscribe_to(
        &e,
        &tasks_reader,
        &format!("/users/{adele}/todo/lists/{todo}/tasks"),
        "created,updated,deleted",
        &url,
    )
    .await;
    let on_drive = subscribe_to(
        &e,
        &app,
        &format!("/users/{adele}/drive/root"),
        "updated",
        &url,
    )
    .await;
    let on_users = subscribe_to(&e, &app, "/users", "updated", &url).await;

    let nestor = e.info.users[3].id.clone();
    let reference = json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{nestor}") });
    assert_eq!(
        graph(
            &e,
            Method::POST,
            &app,
            &format!("/v1.0/groups/{group}/members/$ref"),
            Some(reference.clone())
        )
        .await
        .0,
        204
    );
    let (status, again) = graph(
        &e,
        Method::POST,
        &app,
        &format!("/v1.0/groups/{group}/members/$ref"),
        Some(reference),
    )
    .await;
    assert_eq!(status, 400, "already a member: {again}");
    let item = rx.item_for(&on_group).await;
    assert_eq!(item["resource"], format!("Groups/{group}"));
    assert_eq!(
        item["resourceData"]["members@delta"][0]["id"],
        nestor.as_str()
    );

    let (status, posted) = graph(
        &e,
        Method::POST,
        &app,
        &format!("/v1.0/chats/{chat}/messages"),
        Some(json!({ "body": { "content": "hello" } })),
    )
    .await;
    assert_eq!(status, 201, "{posted}");
    let item = rx.item_for(&on_chat).await;
    assert_eq!(
        item["resource"],
        format!(
            "chats('{chat}')/messages('{}')",
            posted["id"].as_str().expect("id")
        )
    );
    rx.item_for(&on_all_chats).await;

    let (status, _) = graph(
        &e,
        Method::POST,
        &app,
        &format!("/v1.0/sites/{site}/lists/{list}/items"),
        Some(json!({ "fields": { "Title": "New" } })),
    )
    .await;
    assert_eq!(status, 201);
    let item = rx.item_for(&on_list).await;
    assert_eq!(
        (item["changeType"].as_str(), item["resource"].as_str()),
        (
            Some("updated"),
            Some(format!("sites/{site}/lists/{list}").as_str())
        )
    );

    let tasks = format!("/v1.0/users/{adele}/todo/lists/{todo}/tasks");
    let (_, task) = graph(
        &e,
        Method::POST,
        &app,
        &tasks,
        Some(json!({ "title": "Water plants" })),
    )
    .await;
    let task_id = task["id"].as_str().expect("id").to_owned();
    let (status, patched) = graph(
        &e,
        Method::PATCH,
        &app,
        &format!("{tasks}/{task_id}"),
        Some(json!({ "status": "completed" })),
    )
    .await;
    assert_eq!(
        (status, patched["status"].as_str()),
        (200, Some("completed"))
    );
    assert_eq!(
        graph(
            &e,
            Method::DELETE,
            &app,
            &format!("{tasks}/{task_id}"),
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(
        graph(&e, Method::GET, &app, &format!("{tasks}/{task_id}"), None)
            .await
            .0,
        404
    );
    common::wait_for(|| {
        let kinds: Vec<String> = rx
            .items()
            .iter()
            .filter(|i| i["subscriptionId"] == on_tasks.as_str())
            .filter_map(|i| i["changeType"].as_str().map(str::to_owned))
            .collect();
        (kinds.len() == 3).then_some(kinds)
    })
    .await;

    let drive_children = format!("/v1.0/users/{adele}/drive/root/children");
    let (status, _) = graph(
        &e,
        Method::POST,
        &app,
        &drive_children,
        Some(json!({ "name": "notes.txt", "file": {} })),
    )
    .await;
    assert_eq!(status, 201);
    let item = rx.item_for(&on_drive).await;
    assert_eq!(
        item["resource"],
        format!("users/{adele}/drive/root"),
        "drives report the subscribed resource"
    );

    assert_eq!(
        graph(
            &e,
            Method::PATCH,
            &app,
            &format!("/v1.0/users/{adele}"),
            Some(json!({ "jobTitle": "CMO" }))
        )
        .await
        .0,
        204
    );
    let item = rx.item_for(&on_users).await;
    assert_eq!(item["resource"], format!("Users/{adele}"));
    let (_, user) = graph(
        &e,
        Method::GET,
        &app,
        &format!("/v1.0/users/{adele}?$select=jobTitle"),
        None,
    )
    .await;
    assert_eq!(user["jobTitle"], "CMO");
    e.shutdown().await;
}

#[tokio::test]
async fn the_control_api_makes_real_changes_and_bad_writes_get_graph_errors() {
    let e = emulator().await;
    let adele = user_token(&e, "Mail.ReadWrite").await;
    let (_, before) = graph(
        &e,
        Method::GET,
        &adele,
        "/v1.0/me/mailFolders('inbox')/messages",
        None,
    )
    .await;
    let (status, made) = control(
        &e,
        "changes",
        json!({ "resource": "/me/messages", "changeType": "created" }),
    )
    .await;
    assert_eq!(status, 200, "{made}");
    assert!(made["entity"]["subject"].is_string(), "{made}");
    let (_, after) = graph(
        &e,
        Method::GET,
        &adele,
        "/v1.0/me/mailFolders('inbox')/messages",
        None,
    )
    .await;
    assert_eq!(
        ids(&after).len(),
        ids(&before).len() + 1,
        "arriving mail lands in the inbox"
    );

    let (status, draft) = graph(
        &e,
        Method::POST,
        &adele,
        "/v1.0/me/messages",
        Some(json!({ "subject": "Draft" })),
    )
    .await;
    assert_eq!((status, draft["isDraft"].as_bool()), (201, Some(true)));
    for (method, path, body, expected) in [
        (Method::POST, "/v1.0/me/messages", Some(json!([1, 2])), 400),
        (
            Method::POST,
            "/v1.0/me/events",
            Some(json!({ "subject": "x" })),
            403,
        ),
        (
            Method::PATCH,
            "/v1.0/me/messages/aamknope",
            Some(json!({ "subject": "x" })),
            404,
        ),
        (Method::POST, "/v1.0/nonsense/things", Some(json!({})), 400),
        (
            Method::POST,
            "/v1.0/users",
            Some(json!({ "displayName": "x" })),
            403,
        ),
    ] {
        let (status, answer) = graph(&e, method.clone(), &adele, path, body).await;
        assert_eq!(status, expected, "{method} {path}: {answer}");
        assert!(
            answer["error"]["code"].is_string(),
            "Graph's shape: {answer}"
        );
    }
    let raw = reqwest::Client::new()
        .post(format!("{}/v1.0/me/messages", e.info.graph_base))
        .bearer_auth(&adele)
        .body("{not json")
        .send()
        .await
        .expect("sent");
    assert_eq!(raw.status().as_u16(), 400);
    let (status, _) = control(&e, "reset", json!({})).await;
    assert_eq!(status, 204);
    let (_, restored) = graph(
        &e,
        Method::GET,
        &adele,
        "/v1.0/me/mailFolders('inbox')/messages",
        None,
    )
    .await;
    assert_eq!(
        ids(&restored),
        ids(&before),
        "reset restores the seeded content"
    );
    e.shutdown().await;
}
