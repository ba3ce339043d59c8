//! Saving Event Hubs connections the way the window does (`event_hub_save` through `dispatch`):
//! the three ways to sign in, what each keeps in the secret store, and the mistakes a user can
//! make. Reading them against a real broker is in `src-tauri/tests/event_hubs.rs`.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::sync::Arc;

use serde_json::{Value, json};
use studio_core::{AppPaths, Studio};
use studio_identity::sandbox::SilentBrowser;
use studio_identity::secrets::{SecretStore, SessionStore};

const PORTAL: &str = "Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=c2VjcmV0;EntityPath=graph";

async fn call(studio: &Studio, command: &str, payload: Value) -> Result<Value, String> {
    studio
        .dispatch(command, payload)
        .await
        .map_err(|error| format!("{error} | hint: {:?}", error.hint))
}

#[tokio::test]
async fn each_way_to_sign_in_keeps_only_what_it_needs() {
    let dir = tempfile::tempdir().expect("dir");
    let secrets = Arc::new(SessionStore::default());
    let studio = Studio::builder(AppPaths::under(dir.path()))
        .secrets(Arc::clone(&secrets) as Arc<dyn SecretStore>)
        .browser(Arc::new(SilentBrowser))
        .open()
        .expect("opens");
    let account = call(&studio, "account_add_sandbox", json!({}))
        .await
        .expect("a sandbox account");
    let account_id = account["config"]["id"].as_str().expect("id").to_owned();

    let saved = call(
        &studio,
        "event_hub_save",
        json!({ "name": "keyed", "connectionString": PORTAL }),
    )
    .await
    .expect("saved with the string");
    assert_eq!(saved["signIn"], json!({ "kind": "connectionString" }));
    assert_eq!(saved["hub"], "graph", "the string's EntityPath");
    assert!(secrets.get("event-hub:keyed").expect("read").is_some());

    // The same name, now signing in as the account: the string it had is forgotten.
    let saved = call(
        &studio,
        "event_hub_save",
        json!({ "name": "keyed", "namespace": "contoso", "hub": "graph",
                "signIn": { "kind": "entra", "account": account_id } }),
    )
    .await
    .expect("saved with an account");
    assert_eq!(saved["namespace"], "contoso.servicebus.windows.net");
    assert_eq!(saved["signIn"]["kind"], "entra");
    assert!(secrets.get("event-hub:keyed").expect("read").is_none());
    assert!(
        studio.hub_tokens("keyed").await.expect("a token").is_some(),
        "the sandbox hands out a token for the namespace"
    );

    for (request, why) in [
        (
            json!({ "name": "e", "hub": "graph", "signIn": { "kind": "entra", "account": account_id } }),
            "Which Event Hubs namespace?",
        ),
        (
            json!({ "name": "e", "namespace": "contoso", "signIn": { "kind": "entra", "account": account_id } }),
            "Which event hub?",
        ),
        (
            json!({ "name": "e", "namespace": "contoso", "hub": "graph",
                    "signIn": { "kind": "entra", "account": "no-such-account" } }),
            "no-such-account",
        ),
        (
            json!({ "name": "e", "namespace": "fabrikam", "connectionString": PORTAL }),
            "is for contoso.servicebus.windows.net, not fabrikam.servicebus.windows.net",
        ),
        (
            json!({ "name": "e", "namespace": "not a host!", "hub": "graph",
                    "signIn": { "kind": "entra", "account": account_id } }),
            "is not an Event Hubs namespace",
        ),
        (
            // An Entra token is only ever asked for an Event Hubs namespace (not Graph's host).
            json!({ "name": "e", "namespace": "graph.microsoft.com", "hub": "graph",
                    "broker": "kafka.example:9093",
                    "signIn": { "kind": "entra", "account": account_id } }),
            "'graph.microsoft.com' is not an Event Hubs namespace",
        ),
        (
            // Nor is one sent to a broker that is neither the namespace nor on this machine.
            json!({ "name": "e", "namespace": "contoso", "hub": "graph",
                    "broker": "evil.example:9093",
                    "signIn": { "kind": "entra", "account": account_id } }),
            "is not sent to evil.example:9093",
        ),
        (
            json!({ "name": "e", "namespace": "contoso", "hub": "graph" }),
            "The connection string is missing",
        ),
        (
            json!({ "name": "e", "namespace": "contoso", "hub": "graph", "signIn": { "kind": "none" } }),
            "Only a broker on this machine",
        ),
    ] {
        let error = call(&studio, "event_hub_save", request.clone())
            .await
            .expect_err(&request.to_string());
        assert!(error.contains(why), "{request}: {error}");
    }
    let names: Vec<String> = call(&studio, "event_hubs_list", Value::Null)
        .await
        .expect("listed")
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| {
            v["connection"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(names, ["keyed"], "nothing refused was kept");

    // A local broker that takes no sign-in needs only the namespace's name.
    let saved = call(
        &studio,
        "event_hub_save",
        json!({ "name": "local", "namespace": "dev", "hub": "graph", "broker": "localhost:9092",
                "tls": "plaintext", "signIn": { "kind": "none" } }),
    )
    .await
    .expect("saved without a sign-in");
    assert_eq!(saved["signIn"], json!({ "kind": "none" }));
    assert!(studio.hub_tokens("local").await.expect("none").is_none());
    studio.shutdown().await;
}

/// The saved connections as the store holds them.
fn stored_connections(studio: &Studio) -> Value {
    serde_json::from_str(
        &studio
            .store()
            .preference("event-hub-connections")
            .expect("read")
            .expect("saved"),
    )
    .expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn saves_at_once_all_stay_and_a_newer_versions_entries_survive_them() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = Arc::new(
        Studio::builder(AppPaths::under(dir.path()))
            .secrets(Arc::new(SessionStore::default()) as Arc<dyn SecretStore>)
            .browser(Arc::new(SilentBrowser))
            .open()
            .expect("opens"),
    );
    // A connection a newer version saved, with a way of signing in this one does not know.
    let newer = json!({ "name": "from-a-newer-version", "namespace": "n.servicebus.windows.net",
                        "hub": "h", "consumerGroup": "$Default", "tls": "system",
                        "signIn": { "kind": "workloadIdentity", "federation": "x" } });
    studio
        .store()
        .set_preference("event-hub-connections", Some(&json!([newer]).to_string()))
        .expect("written as a newer version would");

    let saves = (0..16).map(|n| {
        let studio = Arc::clone(&studio);
        tokio::spawn(async move {
            call(
                &studio,
                "event_hub_save",
                json!({ "name": format!("hub-{n:02}"), "namespace": "dev", "hub": "graph",
                        "broker": "localhost:9092", "tls": "plaintext", "signIn": { "kind": "none" } }),
            )
            .await
        })
    });
    for save in saves.collect::<Vec<_>>() {
        save.await.expect("joined").expect("saved");
    }
    let listed = call(&studio, "event_hubs_list", Value::Null)
        .await
        .expect("listed");
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(16),
        "every save stayed: {listed}"
    );
    call(&studio, "event_hub_remove", json!({ "name": "hub-03" }))
        .await
        .expect("removed");
    let kept = stored_connections(&studio);
    assert!(
        kept.as_array().expect("a list").contains(&newer),
        "the newer version's connection is kept as it was: {kept}"
    );
    assert_eq!(kept.as_array().map(Vec::len), Some(16));
    studio.shutdown().await;
}

#[tokio::test]
async fn saved_connections_that_are_not_a_list_are_kept_aside_not_overwritten() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = Studio::builder(AppPaths::under(dir.path()))
        .secrets(Arc::new(SessionStore::default()) as Arc<dyn SecretStore>)
        .browser(Arc::new(SilentBrowser))
        .open()
        .expect("opens");
    for (stored, aside) in [
        (
            json!({ "connections": ["a newer shape"] }).to_string(),
            json!({ "connections": ["a newer shape"] }),
        ),
        (
            "[{\"name\": \"cut off".to_owned(),
            json!("[{\"name\": \"cut off"),
        ),
    ] {
        studio
            .store()
            .set_preference("event-hub-connections", Some(&stored))
            .expect("written");
        let listed = call(&studio, "event_hubs_list", Value::Null)
            .await
            .expect("listed");
        assert_eq!(listed, json!([]), "nothing this version can read");
        call(
            &studio,
            "event_hub_save",
            json!({ "name": "dev", "namespace": "dev", "hub": "graph", "broker": "localhost:9092",
                    "tls": "plaintext", "signIn": { "kind": "none" } }),
        )
        .await
        .expect("saved");
        let kept = stored_connections(&studio);
        let kept = kept.as_array().expect("a list now");
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert!(
            kept.contains(&json!({ "unreadable": aside })),
            "what was there is kept aside: {kept:?}"
        );
        let listed = call(&studio, "event_hubs_list", Value::Null)
            .await
            .expect("listed");
        assert_eq!(listed.as_array().map(Vec::len), Some(1));
    }
    studio.shutdown().await;
}
