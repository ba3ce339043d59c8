//! Graph look-ups over the seeded directory: paging, `$select`, `/me` and privileges.

#![allow(clippy::expect_used, reason = "test helpers fail loudly")]

use serde_json::Value;
use studio_emulator::{EmulatorConfig, RunningEmulator, start};

mod common;
use common::{app_token, user_token};

async fn get(e: &RunningEmulator, token: &str, path_or_url: &str) -> (u16, Value) {
    let url = if path_or_url.starts_with("http") {
        path_or_url.to_owned()
    } else {
        format!("{}{path_or_url}", e.info.graph_base)
    };
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn users_page_with_top_select_and_next_link() {
    let e = start(EmulatorConfig::default()).await.expect("starts");
    let token = app_token(&e).await;
    let (status, first) = get(&e, &token, "/v1.0/users?$top=2&$select=displayName").await;
    assert_eq!(status, 200, "{first}");
    let users = first["value"].as_array().expect("value");
    assert_eq!(users.len(), 2);
    assert!(
        users.iter().all(|u| u
            .as_object()
            .is_some_and(|o| o.keys().all(|k| k == "id" || k == "displayName"))),
        "{first}"
    );
    let mut seen = users.len();
    let mut next = first["@odata.nextLink"].as_str().map(str::to_owned);
    while let Some(url) = next {
        let (status, page) = get(&e, &token, &url).await;
        assert_eq!(status, 200);
        seen += page["value"].as_array().map_or(0, Vec::len);
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, e.info.users.len(), "paging visits every user once");
    for bad in [
        "/v1.0/users?$top=0",
        "/v1.0/users?$top=5000",
        "/v1.0/users?$top=many",
    ] {
        assert_eq!(get(&e, &token, bad).await.0, 400, "{bad}");
    }
    e.shutdown().await;
}

#[tokio::test]
async fn me_needs_a_user_and_users_need_a_directory_permission() {
    let e = start(EmulatorConfig::default()).await.expect("starts");
    let app = app_token(&e).await;
    assert_eq!(
        get(&e, &app, "/v1.0/me").await.0,
        400,
        "/me is delegated only"
    );
    let adele = user_token(&e, "User.Read").await;
    let (status, me) = get(&e, &adele, "/v1.0/me").await;
    assert_eq!(
        (status, me["userPrincipalName"].as_str()),
        (200, Some("adele@sandbox.onmicrosoft.com"))
    );
    let (status, denied) = get(&e, &adele, "/v1.0/users").await;
    assert_eq!(
        (status, denied["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied"))
    );
    let reader = user_token(&e, "User.ReadBasic.All").await;
    assert_eq!(get(&e, &reader, "/beta/users").await.0, 200);
    e.shutdown().await;
}

#[tokio::test]
async fn groups_members_teams_and_channels() {
    let e = start(EmulatorConfig::default()).await.expect("starts");
    let token = app_token(&e).await;
    let (_, groups) = get(&e, &token, "/v1.0/groups").await;
    let groups = groups["value"].as_array().cloned().expect("groups");
    assert_eq!(groups.len(), 3);
    assert!(
        groups.iter().all(|g| g.get("members").is_none()),
        "navigation properties are not inlined"
    );
    let group = groups[0]["id"].as_str().expect("id");
    let (status, members) = get(&e, &token, &format!("/v1.0/groups/{group}/members")).await;
    assert_eq!(status, 200);
    assert_eq!(members["value"].as_array().map(Vec::len), Some(3));
    let (_, teams) = get(&e, &token, "/v1.0/teams").await;
    let teams = teams["value"].as_array().cloned().expect("teams");
    assert_eq!(teams.len(), 2, "only team-enabled groups are teams");
    let team = teams[1]["id"].as_str().expect("id");
    let (_, channels) = get(&e, &token, &format!("/v1.0/teams/{team}/channels")).await;
    let names: Vec<_> = channels["value"]
        .as_array()
        .expect("channels")
        .iter()
        .filter_map(|c| c["displayName"].as_str())
        .collect();
    assert_eq!(names, ["General", "Releases", "On-call"]);
    assert!(
        channels["value"][0]["id"]
            .as_str()
            .is_some_and(|id| id.ends_with("@thread.tacv2"))
    );
    assert_eq!(get(&e, &token, "/v1.0/groups/nope/members").await.0, 404);
    assert_eq!(get(&e, &token, "/v1.0/nothing").await.0, 400);
    e.shutdown().await;
}
