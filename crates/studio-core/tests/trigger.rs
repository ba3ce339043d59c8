//! "Trigger a change" through `Studio::dispatch`: the plan shows the exact requests, the change
//! happens, and the notification it causes arrives checked, on both paths: the sandbox's control
//! API and the safe writes a real tenant gets (played against the sandbox's Graph, whose write
//! endpoints follow Graph's documented shapes; `safe_writes` tests the shapes themselves).

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use std::sync::Arc;

use common::{call, studio, wait_for_receptions};
use serde_json::{Value, json};
use studio_core::Studio;
use studio_primitives::clock::SystemClock;

async fn subscribe(studio: &Studio, resource: &str, changes: &str, rich: bool) -> String {
    let created = call(
        studio,
        "subscription_create",
        json!({"resource": resource, "changeType": changes, "includeResourceData": rich}),
    )
    .await;
    created["subscription"]["subscription"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// Every item of the notifications for `subscription`, as `changeType resource` lines.
async fn items_for(studio: &Studio, subscription: &str, count: usize) -> Vec<Value> {
    let mut items = Vec::new();
    for _ in 0..200 {
        items.clear();
        let list = wait_for_receptions(studio, |_| true).await;
        for line in list {
            let found = call(studio, "reception_items", json!({"id": line["id"]})).await;
            items.extend(
                found
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|i| i["subscriptionId"] == subscription)
                    .cloned(),
            );
        }
        if items.len() >= count {
            return items;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("expected {count} items for {subscription}, saw {items:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_changes_what_a_subscription_watches_and_the_notification_arrives() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path(), Arc::new(SystemClock));
    let account = call(&studio, "account_add_sandbox", json!({})).await;
    let rich = subscribe(
        &studio,
        "/me/messages?$select=subject,from",
        "created",
        true,
    )
    .await;

    let request = json!({"resource": "/me/messages?$select=subject,from", "changeType": "created"});
    let plan = call(&studio, "trigger_plan", request.clone()).await;
    assert_eq!(plan["via"], "sandbox");
    assert_eq!(plan["confirm"], false, "the sandbox asks no one");
    assert_eq!(plan["requests"][0]["method"], "POST");
    assert_eq!(plan["requests"][0]["path"], "/changes");
    let me = account["claims"]["objectId"]
        .as_str()
        .expect("the user's id");
    assert_eq!(
        plan["requests"][0]["body"]["resource"],
        format!("/users/{me}/messages"),
        "/me is the signed-in user, not the sandbox's first"
    );

    let done = call(&studio, "trigger_change", request).await;
    assert_eq!(done["matchedSubscriptions"], 1, "{done}");
    let items = items_for(&studio, &rich, 1).await;
    assert_eq!(items[0]["changeType"], "created");
    assert_eq!(items[0]["clientState"], "matches");
    let decrypted = items[0]["decrypted"]
        .as_str()
        .expect("a real body, decrypted");
    assert!(decrypted.contains("\"subject\""), "{decrypted}");

    // A change nobody watches is made, and says that nothing will arrive.
    let quiet = call(
        &studio,
        "trigger_change",
        json!({"resource": "/me/contacts", "changeType": "created"}),
    )
    .await;
    assert_eq!(quiet["matchedSubscriptions"], 0);
    assert!(
        quiet["summary"]
            .as_str()
            .is_some_and(|s| s.contains("nothing will arrive"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_tenant_writes_send_what_the_plan_showed_and_clean_up() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path(), Arc::new(SystemClock));
    let account = call(&studio, "account_add_sandbox", json!({})).await;
    let events = subscribe(&studio, "/me/events", "created,updated,deleted", false).await;
    let inbox = subscribe(
        &studio,
        "/me/mailFolders('inbox')/messages",
        "created",
        false,
    )
    .await;
    call(&studio, "http_log_clear", Value::Null).await;

    let request = json!({"resource": "/me/events", "changeType": "updated", "via": "graph"});
    let plan = call(&studio, "trigger_plan", request.clone()).await;
    let methods: Vec<&str> = plan["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter_map(|r| r["method"].as_str())
        .collect();
    assert_eq!(methods, ["POST", "PATCH", "DELETE"]);
    assert_eq!(plan["permissions"], json!(["Calendars.ReadWrite"]));
    // The sandbox user starts without it: the plan says so, and nothing is sent.
    assert_eq!(plan["missingPermission"], "Calendars.ReadWrite");
    let refused = studio
        .dispatch("trigger_change", request.clone())
        .await
        .expect_err("refused before any write");
    assert!(
        refused
            .hint
            .is_some_and(|h| h.contains("Request permissions"))
    );
    let log = call(&studio, "http_log_list", json!({})).await;
    assert!(
        log.as_array()
            .is_some_and(|l| l.iter().all(|e| e["method"] == "GET")),
        "nothing written: {log}"
    );
    call(
        &studio,
        "account_request_permissions",
        json!({"id": account["config"]["id"], "scopes": ["Calendars.ReadWrite", "Mail.Send"]}),
    )
    .await;
    let plan = call(&studio, "trigger_plan", request.clone()).await;
    assert_eq!(plan["missingPermission"], Value::Null);
    let mut exact = request;
    exact["at"] = plan["at"].clone();
    let done = call(&studio, "trigger_change", exact).await;
    let statuses: Vec<u64> = done["sent"]
        .as_array()
        .expect("sent")
        .iter()
        .filter_map(|s| s["status"].as_u64())
        .collect();
    assert_eq!(statuses, [201, 200, 204], "{done}");

    // What was sent is what the plan showed: the HTTP log holds the same bodies.
    let log = call(&studio, "http_log_list", json!({})).await;
    let posted = log
        .as_array()
        .expect("log")
        .iter()
        .find(|e| {
            e["method"] == "POST" && e["url"].as_str().is_some_and(|u| u.ends_with("/me/events"))
        })
        .expect("the POST is in the HTTP log");
    let body: Value =
        serde_json::from_str(posted["requestBody"].as_str().expect("body")).expect("json");
    assert_eq!(body, plan["requests"][0]["body"]);

    let items = items_for(&studio, &events, 3).await;
    let mut changes: Vec<&str> = items
        .iter()
        .filter_map(|i| i["changeType"].as_str())
        .collect();
    changes.sort_unstable();
    assert_eq!(changes, ["created", "deleted", "updated"]);

    // Mail to yourself: the address comes from Graph, and the mail lands in the inbox.
    call(
        &studio,
        "trigger_change",
        json!({"resource": "/me/mailFolders('inbox')/messages", "changeType": "created", "via": "graph"}),
    )
    .await;
    let mail = items_for(&studio, &inbox, 1).await;
    assert_eq!(mail[0]["changeType"], "created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_cannot_be_triggered_says_why_and_how() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path(), Arc::new(SystemClock));
    call(&studio, "account_add_sandbox", json!({})).await;
    for request in [
        json!({"resource": "/communications/callRecords", "changeType": "created", "via": "graph"}),
        json!({"resource": "", "changeType": "created"}),
    ] {
        let error = studio
            .dispatch("trigger_plan", request.clone())
            .await
            .expect_err("refused");
        assert!(!error.message.is_empty(), "{request}");
        assert!(
            error.hint.is_some() || request["resource"] == "",
            "{error:?}"
        );
    }
    // An app registration cannot ask for a permission by signing in: the plan says so.
    let app = call(&studio, "account_add_sandbox", json!({"appOnly": true})).await;
    let plan = call(
        &studio,
        "trigger_plan",
        json!({"accountId": app["config"]["id"], "resource": "/users/adele@sandbox.onmicrosoft.com/events",
               "changeType": "created", "via": "graph"}),
    )
    .await;
    assert_eq!(plan["canAsk"], false, "{plan}");
    let wrong = studio
        .dispatch(
            "trigger_change",
            json!({"resource": "/me", "changeType": "renamed"}),
        )
        .await
        .expect_err("an unknown change type is refused");
    assert_eq!(wrong.code, studio_core::ErrorCode::InvalidInput);
}
