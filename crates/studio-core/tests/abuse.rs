//! The app under abuse, through its real receiver: forged lifecycle notifications are recorded
//! and never acted on, a genuine one repeated is acted on once, forwarding to a target that never
//! answers stays bounded, and a burst of items naming an unknown certificate costs one keyring
//! look-up.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use studio_core::{AppPaths, Studio};
use studio_identity::sandbox::SilentBrowser;
use studio_identity::secrets::{SecretError, SecretStore, SessionStore};
use studio_primitives::Sensitive;

fn studio(dir: &std::path::Path, secrets: Arc<dyn SecretStore>) -> Arc<Studio> {
    Arc::new(
        Studio::builder(AppPaths::under(dir))
            .secrets(secrets)
            .browser(Arc::new(SilentBrowser))
            .open()
            .expect("opens"),
    )
}

async fn call(studio: &Studio, command: &str, payload: Value) -> Value {
    studio
        .dispatch(command, payload)
        .await
        .unwrap_or_else(|error| panic!("{command}: {error}"))
}

/// Waits (up to 20 s) until `done` accepts what `command` answers.
async fn until(studio: &Studio, command: &str, done: impl Fn(&Value) -> bool) -> Value {
    let payload = if command == "receptions_list" {
        json!({})
    } else {
        Value::Null
    };
    let mut seen = Value::Null;
    for _ in 0..400 {
        seen = call(studio, command, payload.clone()).await;
        if done(&seen) {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{command} never got there: {seen:#}");
}

async fn sandbox_subscription(studio: &Arc<Studio>) -> (String, String, String) {
    call(studio, "account_add_sandbox", json!({})).await;
    let started = call(studio, "receiver_start", Value::Null).await;
    let created = call(
        studio,
        "subscription_create",
        json!({"resource": "/me/events", "changeType": "created"}),
    )
    .await;
    let id = created["subscription"]["subscription"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let endpoints = &started["endpoints"];
    (
        id,
        endpoints["localNotificationUrl"]
            .as_str()
            .expect("url")
            .to_owned(),
        endpoints["localLifecycleUrl"]
            .as_str()
            .expect("url")
            .to_owned(),
    )
}

fn history(owned: &Value, action: &str) -> usize {
    owned["history"]
        .as_array()
        .map_or(0, |h| h.iter().filter(|e| e["action"] == action).count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_lifecycle_notifications_are_recorded_and_never_acted_on() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path(), Arc::new(SessionStore::default()));
    let (id, _, lifecycle) = sandbox_subscription(&studio).await;
    tokio::spawn(Arc::clone(&studio).run_upkeep());
    let http = reqwest::Client::new();
    let forged = |event: &str| {
        json!({"value": [{"subscriptionId": id, "clientState": "forged", "lifecycleEvent": event,
            "subscriptionExpirationDateTime": "2030-01-01T00:00:00Z"}]})
    };
    let mut sent = vec![forged("subscriptionRemoved")];
    sent.extend((0..20).map(|_| forged("reauthorizationRequired")));
    sent.push(json!({"value": [{"subscriptionId": id, "lifecycleEvent": "subscriptionRemoved"}]}));
    // One POST repeating a forged event 5,000 times: one entry in the history, not 5,000.
    let flood: Vec<Value> = (0..5000)
        .map(|_| forged("reauthorizationRequired")["value"][0].clone())
        .collect();
    sent.push(json!({ "value": flood }));
    for body in &sent {
        let answer = http.post(&lifecycle).json(body).send().await.expect("sent");
        assert_eq!(answer.status().as_u16(), 202, "acknowledged like any other");
    }
    let owned = until(&studio, "owned_subscriptions", |o| {
        history(o, "ignored") >= 23
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let owned_now = call(&studio, "owned_subscriptions", Value::Null).await;
    assert_eq!(history(&owned_now, "ignored"), 23, "{owned_now:#}");
    assert!(
        owned_now["history"]
            .as_array()
            .expect("history")
            .iter()
            .any(|e| e["detail"].as_str().unwrap_or_default().contains("×5000")),
        "the flood is one entry that counts it"
    );
    assert_eq!(history(&owned, "recreated"), 0, "{owned:#}");
    assert_eq!(history(&owned, "reauthorized"), 0, "{owned:#}");
    assert_eq!(owned["items"][0]["id"], id.as_str());
    assert_eq!(owned["items"][0]["state"], "active");
    let calls = call(&studio, "http_log_list", json!({})).await;
    assert!(
        calls.as_array().expect("log").iter().all(|e| !e["url"]
            .as_str()
            .unwrap_or_default()
            .contains("reauthorize")),
        "no reauthorize call was made"
    );
    studio.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_genuine_lifecycle_event_repeated_is_acted_on_once() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path(), Arc::new(SessionStore::default()));
    let (id, _, _) = sandbox_subscription(&studio).await;
    tokio::spawn(Arc::clone(&studio).run_upkeep());
    let control = call(&studio, "sandbox_info", Value::Null).await["control"]
        .as_str()
        .expect("control")
        .to_owned();
    let http = reqwest::Client::new();
    for _ in 0..5 {
        http.post(format!("{control}/lifecycle"))
            .json(&json!({"subscriptionId": id, "event": "reauthorizationRequired"}))
            .send()
            .await
            .expect("sent");
    }
    until(&studio, "owned_subscriptions", |o| {
        history(o, "reauthorized") >= 1
    })
    .await;
    // Give the other four time to arrive and be checked; none is acted on.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let owned = call(&studio, "owned_subscriptions", Value::Null).await;
    assert_eq!(history(&owned, "reauthorized"), 1, "{owned:#}");
    studio.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_genuine_lifecycle_event_for_a_deleted_subscription_does_not_bring_it_back() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path(), Arc::new(SessionStore::default()));
    let (id, _, lifecycle) = sandbox_subscription(&studio).await;
    // The clientState is the subscription's own: as if the event were genuine but late.
    let store = studio_store::Store::open(&dir.path().join("studio.sqlite3")).expect("store");
    let client_state = store
        .owned_one(&id)
        .expect("read")
        .expect("kept")
        .client_state;
    call(&studio, "subscription_delete", json!({"id": id})).await;
    tokio::spawn(Arc::clone(&studio).run_upkeep());
    let answer = reqwest::Client::new()
        .post(&lifecycle)
        .json(&json!({"value": [{"subscriptionId": id, "clientState": client_state,
            "lifecycleEvent": "subscriptionRemoved", "subscriptionExpirationDateTime": "2030-01-01T00:00:00Z"}]}))
        .send()
        .await
        .expect("sent");
    assert_eq!(answer.status().as_u16(), 202);
    until(&studio, "receptions_list", |r| {
        r.as_array().is_some_and(|lines| {
            lines
                .iter()
                .any(|l| l["kind"] == "lifecycle" && l["pending"] == false)
        })
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let owned = call(&studio, "owned_subscriptions", Value::Null).await;
    assert_eq!(history(&owned, "recreated"), 0, "{owned:#}");
    let items = owned["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "nothing was created again: {owned:#}");
    assert_eq!(items[0]["state"], "deleted");
    studio.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarding_to_a_target_that_never_answers_stays_bounded() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path(), Arc::new(SessionStore::default()));
    // A target that accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let target = format!("http://{}/hook", silent.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    call(&studio, "settings_update", json!({"forwardTo": target})).await;
    let started = call(&studio, "receiver_start", Value::Null).await;
    let url = started["endpoints"]["localNotificationUrl"]
        .as_str()
        .expect("url")
        .to_owned();
    let http = reqwest::Client::new();
    let total = studio_core::receiving::forward::QUEUE + 100;
    for n in 0..total {
        http.post(&url)
            .json(&json!({"value": [{"id": format!("f{n}"), "subscriptionId": "s"}]}))
            .send()
            .await
            .expect("sent");
    }
    // Every one beyond the queue and the workers in flight is recorded as not forwarded.
    let mut refused = 0;
    for _ in 0..200 {
        let page = call(&studio, "receptions_list", json!({"limit": 1000})).await;
        refused = 0;
        for line in page.as_array().expect("list").iter().take(150) {
            let detail = call(&studio, "reception_get", json!({"id": line["id"]})).await;
            refused += detail["forwards"]
                .as_array()
                .expect("forwards")
                .iter()
                .filter(|f| {
                    f["failure"]
                        .as_str()
                        .is_some_and(|f| f.contains("already waiting"))
                })
                .count();
        }
        if refused >= 50 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused >= 50, "only {refused} recorded as not forwarded");
    studio.shutdown().await;
}

/// A secret store that counts look-ups.
#[derive(Debug, Default)]
struct Counting {
    inner: SessionStore,
    gets: AtomicUsize,
}

impl SecretStore for Counting {
    fn get(&self, name: &str) -> Result<Option<Sensitive<String>>, SecretError> {
        self.gets.fetch_add(1, Ordering::Relaxed);
        self.inner.get(name)
    }
    fn put(&self, name: &str, value: &Sensitive<String>) -> Result<(), SecretError> {
        self.inner.put(name, value)
    }
    fn delete(&self, name: &str) -> Result<(), SecretError> {
        self.inner.delete(name)
    }
    fn describe(&self) -> &'static str {
        "counting"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_naming_an_unknown_certificate_cost_one_keyring_look_up() {
    let dir = tempfile::tempdir().expect("dir");
    let counting = Arc::new(Counting::default());
    let studio = studio(dir.path(), Arc::clone(&counting) as Arc<dyn SecretStore>);
    let started = call(&studio, "receiver_start", Value::Null).await;
    let url = started["endpoints"]["localNotificationUrl"]
        .as_str()
        .expect("url")
        .to_owned();
    let items: Vec<Value> = (0..2000)
        .map(|n| json!({"id": format!("e{n}"), "subscriptionId": "s", "encryptedContent": {
            "data": "AAAA", "dataKey": "AAAA", "dataSignature": "AAAA", "encryptionCertificateId": "forged-id"}}))
        .collect();
    let before = counting.gets.load(Ordering::Relaxed);
    reqwest::Client::new()
        .post(&url)
        .json(&json!({"value": items}))
        .send()
        .await
        .expect("sent");
    until(&studio, "receptions_list", |list| {
        list[0]["pending"] == false && list[0]["items"] == 2000
    })
    .await;
    let looked_up = counting.gets.load(Ordering::Relaxed) - before;
    assert!(
        looked_up <= 2,
        "{looked_up} keyring look-ups for one unknown certificate"
    );
    studio.shutdown().await;
}
