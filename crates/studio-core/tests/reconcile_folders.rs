//! Reconciling what is read folder by folder, or only by time, against the sandbox: a drive
//! watched from its root (its notifications name only the root), a mailbox whose lost message
//! sits in a child folder, and contacts spread over contact folders. Each loses changes while
//! the receiver is stopped, and the downtime gap's reconciliation lists exactly those.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use std::sync::Arc;

use common::gaps::{baseline, gap_studio, open_gap, unnotified, until};
use common::{call, control};
use serde_json::{Value, json};
use studio_catalog::model::ApiVersion::V1;
use studio_core::Studio;
use studio_graph::GraphClient;

/// The sandbox signed in with `scope` granted too, and a Graph client on it (to make folders as
/// a user would).
async fn sandbox_with(dir: &std::path::Path, scope: &str) -> (Arc<Studio>, GraphClient) {
    let studio = gap_studio(dir);
    let account = call(&studio, "account_add_sandbox", json!({})).await;
    call(
        &studio,
        "account_request_permissions",
        json!({"id": account["config"]["id"], "scopes": [scope]}),
    )
    .await;
    let (_, _, client) = studio.accounts().client(None).await.expect("client");
    (studio, client)
}

/// A folder made with Graph's create call; its body.
async fn folder(client: &GraphClient, collection: &str, name: &str) -> Value {
    client
        .send(
            reqwest::Method::POST,
            V1,
            collection,
            Some(&json!({"displayName": name})),
        )
        .await
        .expect("folder made")
        .body
}

/// A subscription made in the window's way; its id.
async fn subscribe(studio: &Studio, resource: &str, change_type: &str, lifecycle: bool) -> String {
    let created = call(
        studio,
        "subscription_create",
        json!({"resource": resource, "changeType": change_type, "includeLifecycleUrl": lifecycle}),
    )
    .await;
    created["subscription"]["subscription"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// A new item in `collection`, made by the sandbox's control API; its id.
async fn new_item(studio: &Studio, collection: &str) -> String {
    control(
        studio,
        "/changes",
        json!({"resource": collection, "changeType": "created"}),
    )
    .await["entity"]["id"]
        .as_str()
        .expect("item id")
        .to_owned()
}

/// Starts the receiver again and reconciles the downtime gap that opens.
async fn reconcile_downtime(studio: &Studio) -> Value {
    call(studio, "receiver_start", Value::Null).await;
    let gap = open_gap(studio, "downtime").await;
    call(studio, "gap_reconcile", json!({"id": gap["id"]})).await
}

fn read_paths(result: &Value) -> Vec<String> {
    result["paths"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drive_watched_from_its_root_is_reconciled_by_when_it_was_last_notified() {
    let dir = tempfile::tempdir().expect("dir");
    let (studio, _) = sandbox_with(dir.path(), "Files.ReadWrite.All").await;
    let id = subscribe(&studio, "/me/drive/root", "updated", false).await;
    baseline(&studio, &id, "/me/drive/root/delta").await;
    let files = "/me/drive/root/children";
    // Heard: a notification (naming only the root) arrives after the change.
    let heard = new_item(&studio, files).await;
    until("the root's notification", async || {
        let list = call(&studio, "receptions_list", json!({"kind": "notification"})).await;
        (!list.as_array().is_some_and(Vec::is_empty)).then_some(())
    })
    .await;
    // Not heard: the receiver is stopped while two files are made, ten minutes later by
    // Graph's clock (closer than a minute to the last notification counts as told: clocks
    // differ).
    call(&studio, "receiver_stop", Value::Null).await;
    control(&studio, "/clock", json!({"advanceSeconds": 600})).await;
    let mut meanwhile = vec![
        new_item(&studio, files).await,
        new_item(&studio, files).await,
    ];
    meanwhile.sort();
    let result = reconcile_downtime(&studio).await;
    assert_eq!(result["fullSync"], false, "{result:#}");
    assert_eq!(unnotified(&result), meanwhile, "{result:#}");
    assert!(!unnotified(&result).contains(&heard), "{result:#}");
    assert!(
        result["notes"].as_array().into_iter().flatten().any(|n| n
            .as_str()
            .is_some_and(|n| n.contains("name only the drive's root"))),
        "{result:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailbox_is_reconciled_in_its_child_folders_too() {
    let dir = tempfile::tempdir().expect("dir");
    let (studio, client) = sandbox_with(dir.path(), "Mail.ReadWrite").await;
    // A folder inside the inbox, made as a user would (Graph's "create child folder").
    let made = folder(&client, "/me/mailFolders/inbox/childFolders", "Receipts").await;
    let child = made["id"].as_str().expect("folder id").to_owned();
    let top = client
        .list(V1, "/me/mailFolders", 100)
        .await
        .expect("folders");
    assert!(
        top.iter().all(|f| f["id"] != child.as_str()),
        "/mailFolders lists only the top level, as Graph does"
    );
    let id = subscribe(&studio, "/me/messages", "created,updated,deleted", true).await;
    baseline(
        &studio,
        &id,
        &format!("/me/mailFolders/{child}/messages/delta"),
    )
    .await;
    call(&studio, "receiver_stop", Value::Null).await;
    let lost = new_item(&studio, &format!("/me/mailFolders/{child}/messages")).await;
    let result = reconcile_downtime(&studio).await;
    assert_eq!(unnotified(&result), [lost], "{result:#}");
    assert!(
        read_paths(&result).iter().any(|p| p.contains(&child)),
        "{result:#}"
    );
}

/// `/me/contacts` subscribed with a folder of one's own (Graph puts it inside the default
/// Contacts folder), both folders' delta baselines taken, then the receiver stopped; the studio,
/// a Graph client, and the default and own folders' ids.
async fn contacts_in_two_folders(
    dir: &std::path::Path,
) -> (Arc<Studio>, GraphClient, String, String) {
    let (studio, client) = sandbox_with(dir, "Contacts.ReadWrite").await;
    let made = folder(&client, "/me/contactFolders", "Suppliers").await;
    let suppliers = made["id"].as_str().expect("folder id").to_owned();
    let default = made["parentFolderId"].as_str().expect("parent").to_owned();
    let id = subscribe(&studio, "/me/contacts", "created,updated,deleted", true).await;
    for folder in [&default, &suppliers] {
        baseline(
            &studio,
            &id,
            &format!("/me/contactFolders/{folder}/contacts/delta"),
        )
        .await;
    }
    call(&studio, "receiver_stop", Value::Null).await;
    (studio, client, default, suppliers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_are_reconciled_in_every_contact_folder() {
    let dir = tempfile::tempdir().expect("dir");
    let (studio, _client, _default, suppliers) = contacts_in_two_folders(dir.path()).await;
    let mut lost = vec![
        new_item(&studio, "/me/contacts").await,
        new_item(&studio, &format!("/me/contactFolders/{suppliers}/contacts")).await,
    ];
    lost.sort();
    let result = reconcile_downtime(&studio).await;
    assert_eq!(result["fullSync"], false, "{result:#}");
    assert_eq!(unnotified(&result), lost, "{result:#}");
    assert_eq!(read_paths(&result).len(), 2, "{result:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_folder_or_contact_left_the_kept_folders_that_still_exist_are_read() {
    let dir = tempfile::tempdir().expect("dir");
    let (studio, client, default, suppliers) = contacts_in_two_folders(dir.path()).await;
    // The folder goes, and every contact: nothing names the default folder any more.
    async fn delete(client: &GraphClient, path: String) {
        client
            .send(reqwest::Method::DELETE, V1, &path, None)
            .await
            .expect("deleted");
    }
    delete(&client, format!("/me/contactFolders/{suppliers}")).await;
    let contacts = client
        .list(V1, "/me/contacts?$select=id", 1_000)
        .await
        .expect("contacts");
    for contact in contacts {
        delete(
            &client,
            format!("/me/contacts/{}", contact["id"].as_str().expect("id")),
        )
        .await;
    }
    let result = reconcile_downtime(&studio).await;
    // The kept link of the default folder still answers; the deleted folder's says 404.
    assert_eq!(
        read_paths(&result),
        vec![format!("/me/contactFolders/{default}/contacts/delta")],
        "{result:#}"
    );
}
