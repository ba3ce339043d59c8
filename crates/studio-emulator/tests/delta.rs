//! Delta queries on the sandbox, held to the documented call pattern: a full sync pages with
//! `@odata.nextLink` (the client's `Prefer: odata.maxpagesize`) until an `@odata.deltaLink`; the
//! link then lists each changed item once in its latest state, deletions as `@removed`; a token
//! Graph no longer knows answers `410 Gone` with `syncStateNotFound` and a `Location` to start
//! again; resources without a delta function are refused.

#![allow(clippy::expect_used, reason = "test helpers fail loudly")]

use reqwest::Method;
use serde_json::{Value, json};
use studio_emulator::RunningEmulator;

mod common;
use common::{app_token, control, graph};

async fn emulator() -> RunningEmulator {
    common::quick_emulator().await
}

/// One GET with an optional page size; answers status, `Location` and body.
async fn get(url: &str, token: &str, page: Option<usize>) -> (u16, Option<String>, Value) {
    let mut request = reqwest::Client::new().get(url).bearer_auth(token);
    if let Some(page) = page {
        request = request.header("Prefer", format!("odata.maxpagesize={page}"));
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (
        status,
        location,
        response.json().await.unwrap_or(Value::Null),
    )
}

/// Follows a delta round to its deltaLink: (items, pages, deltaLink).
async fn round(url: &str, token: &str, page: Option<usize>) -> (Vec<Value>, usize, String) {
    let (mut items, mut pages, mut next) = (Vec::new(), 0, url.to_owned());
    loop {
        let (status, _, body) = get(&next, token, page).await;
        assert_eq!(status, 200, "{next}: {body}");
        pages += 1;
        items.extend(body["value"].as_array().cloned().unwrap_or_default());
        assert!(
            body.get("@odata.nextLink").is_none() || body.get("@odata.deltaLink").is_none(),
            "a page never has both links"
        );
        if let Some(link) = body["@odata.nextLink"].as_str() {
            next = link.to_owned();
            continue;
        }
        let link = body["@odata.deltaLink"].as_str().expect("a deltaLink");
        return (items, pages, link.to_owned());
    }
}

#[tokio::test]
async fn mail_folder_delta_pages_then_lists_changes_once_and_deletions_as_removed() {
    let e = emulator().await;
    let app = app_token(&e).await;
    let user = e.info.users[0].id.clone();
    let inbox = format!("/users/{user}/mailFolders('inbox')/messages");
    let folder = format!("/v1.0{inbox}");
    for _ in 0..5 {
        control(
            &e,
            "changes",
            json!({"resource": inbox, "changeType": "created"}),
        )
        .await;
    }
    let (_, listed) = graph(&e, Method::GET, &app, &folder, None).await;
    let everything = listed["value"].as_array().map_or(0, Vec::len);
    assert!(everything >= 5, "{listed}");

    let start = format!("{}{folder}/delta", e.info.graph_base);
    let (items, pages, link) = round(&start, &app, Some(2)).await;
    assert_eq!(
        items.len(),
        everything,
        "a full sync lists what is there now"
    );
    assert_eq!(pages, everything.div_ceil(2));
    assert!(
        items.iter().all(|i| i["@odata.etag"].is_string()),
        "Outlook items carry their change key"
    );

    let (empty, _, link) = round(&link, &app, None).await;
    assert!(empty.is_empty(), "nothing changed since");

    // One message updated twice, one deleted, one created.
    let first = items[0]["id"].as_str().expect("id").to_owned();
    let second = items[1]["id"].as_str().expect("id").to_owned();
    let message = |id: &str| format!("/v1.0/users/{user}/messages/{id}");
    for subject in ["once", "twice"] {
        let (status, _) = graph(
            &e,
            Method::PATCH,
            &app,
            &message(&first),
            Some(json!({"subject": subject})),
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, _) = graph(&e, Method::DELETE, &app, &message(&second), None).await;
    assert_eq!(status, 204);
    let (_, made) = control(
        &e,
        "changes",
        json!({"resource": inbox, "changeType": "created"}),
    )
    .await;
    let created = made["entity"]["id"].as_str().expect("id").to_owned();

    let (changes, pages, next_link) = round(&link, &app, Some(1)).await;
    assert_eq!(pages, 3, "changes page too");
    let summary: Vec<(String, bool)> = changes
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_owned(),
                c.get("@removed").is_some(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (first.clone(), false),
            (second.clone(), true),
            (created, false)
        ],
        "each changed item once, in the order of its latest change"
    );
    assert_eq!(changes[0]["subject"], "twice", "the latest state");
    assert_ne!(
        changes[0]["@odata.etag"], items[0]["@odata.etag"],
        "a new change key"
    );
    assert_eq!(changes[1]["@removed"]["reason"], "deleted");

    // Graph loses its sync state: 410 with where to start again, and a full sync works.
    control(&e, "delta/forget", json!({})).await;
    let (status, location, body) = get(&next_link, &app, None).await;
    assert_eq!(status, 410, "{body}");
    assert_eq!(body["error"]["code"], "syncStateNotFound");
    assert_eq!(location.as_deref(), Some(start.as_str()));
    let (again, _, _) = round(&start, &app, None).await;
    assert_eq!(
        again.len(),
        everything,
        "5 seeded or made, one deleted, one made"
    );

    let (status, _, _) = get(&format!("{start}?$deltatoken=nonsense"), &app, None).await;
    assert_eq!(status, 400);
    // A skip token naming an absurd offset is an empty last page, not a crash.
    let (_, _, first) = get(&start, &app, Some(1)).await;
    let next = first["@odata.nextLink"].as_str().expect("a next page");
    let (head, _) = next.rsplit_once('~').expect("an offset");
    let (status, _, body) = get(&format!("{head}~{}", u64::MAX), &app, Some(1)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"], json!([]));
    assert!(body["@odata.deltaLink"].is_string());
}

#[tokio::test]
async fn directory_and_drive_delta_exist_and_chat_messages_have_none() {
    let e = emulator().await;
    let app = app_token(&e).await;
    let (users, _, _) = round(
        &format!("{}/v1.0/users/delta", e.info.graph_base),
        &app,
        None,
    )
    .await;
    assert_eq!(users.len(), e.info.users.len());
    let (groups, _, _) = round(
        &format!("{}/v1.0/groups/delta", e.info.graph_base),
        &app,
        None,
    )
    .await;
    assert!(!groups.is_empty());
    // A drive's delta lists the items that changed below its root (whose subscriptions are told
    // only of the root), each once.
    let user = e.info.users[0].id.clone();
    let drive = format!("{}/v1.0/users/{user}/drive/root/delta", e.info.graph_base);
    let (seeded, _, link) = round(&drive, &app, None).await;
    assert!(!seeded.is_empty());
    let mut made = Vec::new();
    for _ in 0..2 {
        let (_, answer) = control(
            &e,
            "changes",
            json!({"resource": format!("/users/{user}/drive/root/children"), "changeType": "created"}),
        )
        .await;
        made.push(answer["entity"]["id"].as_str().expect("item id").to_owned());
    }
    let (changed, _, _) = round(&link, &app, None).await;
    let ids: Vec<&str> = changed.iter().filter_map(|i| i["id"].as_str()).collect();
    assert_eq!(ids, made, "{changed:?}");
    assert!(
        changed
            .iter()
            .all(|i| i["lastModifiedDateTime"].is_string() || i["name"].is_string())
    );
    let (_, chats) = graph(&e, Method::GET, &app, "/v1.0/chats", None).await;
    let chat = chats["value"][0]["id"].as_str().expect("a chat");
    let (status, _, _) = get(
        &format!("{}/v1.0/chats/{chat}/messages/delta", e.info.graph_base),
        &app,
        None,
    )
    .await;
    assert!(
        matches!(status, 400 | 404),
        "Graph has no chat message delta: {status}"
    );
}
