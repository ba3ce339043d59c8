//! The screen never lies: for every path of every catalog resource, the request the explorer's
//! preview shows is the request `subscription_create` sends, read back from the HTTP log (what
//! went on the wire), with only the values made at creation (clientState, certificate, the
//! receiver's URLs) differing from their named stand-ins.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use std::sync::Arc;

use common::{call, studio};
use serde_json::{Value, json};
use studio_catalog::Catalog;
use studio_primitives::clock::{Clock, ManualClock};

/// A resource string for a template: placeholders filled with the catalog's examples, and
/// `$select` for rich paths that need it.
fn resource_for(catalog: &Catalog, template: &str, select_required: bool) -> String {
    let mut resource = template.to_owned();
    for (name, placeholder) in &catalog.data().placeholders {
        resource = resource.replace(&format!("{{{name}}}"), &placeholder.example);
    }
    if select_required {
        resource.push_str(if resource.contains('?') { "&" } else { "?" });
        resource.push_str("$select=id");
    }
    resource
}

/// The sent body with what creation made put back to the preview's stand-ins.
fn as_previewed(mut sent: Value, preview: &Value) -> Value {
    // The secrets made at creation stay stand-ins in the preview; the receiver's URLs are
    // previewed as they are sent (the receiver runs).
    for field in [
        "clientState",
        "encryptionCertificate",
        "encryptionCertificateId",
    ] {
        if sent.get(field).is_some() && preview.get(field).is_some() {
            sent[field] = preview[field].clone();
        }
    }
    sent
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_catalog_resource_sends_exactly_the_request_it_previewed() {
    let dir = tempfile::tempdir().expect("dir");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // A clock that does not move between the preview and the creation.
    let clock = Arc::new(ManualClock::at_unix(now));
    let studio = studio(dir.path(), Arc::clone(&clock) as Arc<dyn Clock>);
    call(&studio, "account_add_sandbox", json!({})).await;
    call(&studio, "receiver_start", Value::Null).await;
    let catalog = Catalog::get().expect("catalog");
    let mut compared = 0;
    for (resource, path, _) in catalog.templates() {
        let rich = resource.rich.supported;
        let select = rich && resource.rich.select == studio_catalog::model::SelectRule::Required;
        let string = resource_for(catalog, &path.template, select);
        let change = serde_json::to_value(resource.change_types.first())
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let check = call(
            &studio,
            "catalog_check",
            json!({"proposal": {
                "resource": string, "changeTypes": [change], "expiresInMinutes": 45,
                "includeResourceData": rich, "hasEncryptionCertificate": false,
                "hasLifecycleUrl": true,
            }}),
        )
        .await;
        let preview: Value =
            serde_json::from_str(check["preview"]["json"].as_str().expect("json")).expect("json");
        let url = check["preview"]["http"]
            .as_str()
            .and_then(|h| h.lines().next())
            .expect("request line")
            .trim_start_matches("POST ")
            .to_owned();
        call(&studio, "http_log_clear", Value::Null).await;
        // Graph (the sandbox) may refuse it; what matters is what was sent.
        let _ = studio
            .dispatch(
                "subscription_create",
                json!({"resource": string, "changeType": change, "expirationMinutes": 45,
                       "includeResourceData": rich, "includeLifecycleUrl": true, "skipPreflight": true}),
            )
            .await;
        let log = call(&studio, "http_log_list", json!({})).await;
        let Some(post) = log.as_array().and_then(|entries| {
            entries.iter().find(|e| {
                e["method"] == "POST"
                    && e["url"]
                        .as_str()
                        .is_some_and(|u| u.ends_with("/subscriptions"))
            })
        }) else {
            panic!("{string}: no POST /subscriptions was sent: {log}");
        };
        let sent: Value =
            serde_json::from_str(post["requestBody"].as_str().expect("body")).expect("json");
        assert_eq!(as_previewed(sent, &preview), preview, "{string}");
        let version = |u: &str| u.rsplit('/').nth(1).map(str::to_owned);
        assert_eq!(
            version(post["url"].as_str().unwrap_or_default()),
            version(&url),
            "{string}: the API version the preview shows"
        );
        compared += 1;
    }
    assert!(compared >= 60, "every path was compared ({compared})");
    studio.shutdown().await;
}
