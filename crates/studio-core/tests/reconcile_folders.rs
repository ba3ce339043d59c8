//! Reconciling what is read folder by folder, or only by time, against the sandbox: a drive
//! watched from its root (its notifications name only the root), a mailbox whose lost message
//! sits in a child folder, and contacts spread over contact folders. Each loses changes while
//! the receiver is stopped, and the downtime gap's reconciliation lists exactly those.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use common::gaps::{baseline, gap_studio as studio, open_gap, unnotified, until};
use common::{call, control};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drive_watched_from_its_root_is_reconciled_by_when_it_was_last_notified() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path());
    let account = call(&studio, "account_add_sandbox", json!({})).await;
    call(
        &studio,
        "account_request_permissions",
        json!({"id": account["config"]["id"], "scopes": ["Files.ReadWrite.All"]}),
    )
    .await;
    let created = call(
        &studio,
        "subscription_create",
        json!({"resource": "/me/drive/root", "changeType": "updated", "includeLifecycleUrl": false}),
    )
    .await;
    let id = created["subscription"]["subscription"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    baseline(&studio, &id, "/me/drive/root/delta").await;
    let new_file = async || {
        let made = control(
            &studio,
            "/changes",
            json!({"resource": "/me/drive/root/children", "changeType": "created"}),
        )
        .await;
        made["entity"]["id"].as_str().expect("item id").to_owned()
    };
    // Heard: a notification (naming only the root) arrives after the change.
    let heard = new_file().await;
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
    let mut meanwhile = vec![new_file().await, new_file().await];
    meanwhile.sort();
    call(&studio, "receiver_start", Value::Null).await;
    let gap = open_gap(&studio, "downtime").await;
    let result = call(&studio, "gap_reconcile", json!({"id": gap["id"]})).await;
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
    let studio = studio(dir.path());
    let account = call(&studio, "account_add_sandbox", json!({})).await;
    call(
        &studio,
        "account_request_permissions",
        json!({"id": account["config"]["id"], "scopes": ["Mail.ReadWrite"]}),
    )
    .await;
    // A folder inside the inbox, made as a user would (Graph's "create child folder").
    let (_, _, client) = studio.accounts().client(None).await.expect("client");
    let made = client
        .send(
            reqwest::Method::POST,
            studio_catalog::model::ApiVersion::V1,
            "/me/mailFolders/inbox/childFolders",
            Some(&json!({"displayName": "Receipts"})),
        )
        .await
        .expect("child folder");
    let child = made.body["id"].as_str().expect("folder id").to_owned();
    let top = client
        .list(
            studio_catalog::model::ApiVersion::V1,
            "/me/mailFolders",
            100,
        )
        .await
        .expect("folders");
    assert!(
        top.iter().all(|f| f["id"] != child.as_str()),
        "/mailFolders lists only the top level, as Graph does"
    );
    let created = call(
        &studio,
        "subscription_create",
        json!({"resource": "/me/messages", "changeType": "created,updated,deleted", "includeLifecycleUrl": true}),
    )
    .await;
    let id = created["subscription"]["subscription"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    baseline(
        &studio,
        &id,
        &format!("/me/mailFolders/{child}/messages/delta"),
    )
    .await;
    call(&studio, "receiver_stop", Value::Null).await;
    let lost = control(
        &studio,
        "/changes",
        json!({"resource": format!("/me/mailFolders/{child}/messages"), "changeType": "created"}),
    )
    .await["entity"]["id"]
        .as_str()
        .expect("message id")
        .to_owned();
    call(&studio, "receiver_start", Value::Null).await;
    let gap = open_gap(&studio, "downtime").await;
    let result = call(&studio, "gap_reconcile", json!({"id": gap["id"]})).await;
    assert_eq!(unnotified(&result), [lost], "{result:#}");
    assert!(
        result["paths"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p.as_str().is_some_and(|p| p.contains(&child))),
        "{result:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_are_reconciled_in_every_contact_folder() {
    use studio_catalog::model::ApiVersion::V1;
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path());
    let account = call(&studio, "account_add_sandbox", json!({})).await;
    call(
        &studio,
        "account_request_permissions",
        json!({"id": account["config"]["id"], "scopes": ["Contacts.ReadWrite"]}),
    )
    .await;
    let (_, _, client) = studio.accounts().client(None).await.expect("client");
    // A folder of one's own (Graph puts it inside the default Contacts folder).
    let made = client
        .send(
            reqwest::Method::POST,
            V1,
            "/me/contactFolders",
            Some(&json!({"displayName": "Suppliers"})),
        )
        .await
        .expect("contact folder");
    let suppliers = made.body["id"].as_str().expect("folder id").to_owned();
    let default = made.body["parentFolderId"]
        .as_str()
        .expect("parent")
        .to_owned();
    let created = call(
        &studio,
        "subscription_create",
        json!({"resource": "/me/contacts", "changeType": "created,updated,deleted", "includeLifecycleUrl": true}),
    )
    .await;
    let id = created["subscription"]["subscription"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for folder in [&default, &suppliers] {
        baseline(
            &studio,
            &id,
            &format!("/me/contactFolders/{folder}/contacts/delta"),
        )
        .await;
    }
    call(&studio, "receiver_stop", Value::Null).await;
    let mut lost = Vec::new();
    for collection in [
        "/me/contacts".to_owned(),
        format!("/me/contactFolders/{suppliers}/contacts"),
    ] {
        let answer = control(
            &studio,
            "/changes",
            json!({"resource": collection, "changeType": "created"}),
        )
        .await;
        lost.push(
            answer["entity"]["id"]
                .as_str()
                .expect("contact id")
                .to_owned(),
        );
    }
    lost.sort();
    call(&studio, "receiver_start", Value::Null).await;
    let gap = open_gap(&studio, "downtime").await;
    let result = call(&studio, "gap_reconcile", json!({"id": gap["id"]})).await;
    assert_eq!(result["fullSync"], false, "{result:#}");
    assert_eq!(unnotified(&result), lost, "{result:#}");
    assert_eq!(
        result["paths"].as_array().map(Vec::len),
        Some(2),
        "{result:#}"
    );
}
