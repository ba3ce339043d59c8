//! After the 202: the items of a stored notification checked (clientState, duplicates,
//! lifecycle events, decryption) and kept in the real store, and a body that is not JSON
//! acknowledged, kept and explained.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::sync::Arc;

use studio_receiver::checks::ItemChecker;
use studio_receiver::{ChangeType, ClientStateVerdict, LifecycleEvent, ReceiverConfig};
use studio_store::checking::{CheckQueue, NoListener};
use studio_store::{GroupCommit, Store};

/// Knows one subscription and one certificate key.
struct Known {
    key: Option<Arc<studio_receiver::verify::DecryptionKey>>,
}

impl studio_receiver::checks::Subscriptions for Known {
    fn client_state(&self, subscription_id: &str) -> Option<Option<String>> {
        (subscription_id == "s1").then(|| Some("s3cret".to_owned()))
    }
    fn private_key(&self, _: &str) -> Option<Arc<studio_receiver::verify::DecryptionKey>> {
        self.key.clone()
    }
}

#[tokio::test]
async fn after_the_202_items_are_checked_and_duplicates_marked() {
    let (r, store, _queue) = checked_receiver().await;
    let body = serde_json::json!({ "value": [
        { "id": "n1", "subscriptionId": "s1", "clientState": "s3cret", "changeType": "created", "resource": "Users/u/Messages/m1" },
        { "id": "n2", "subscriptionId": "s1", "clientState": "forged", "changeType": "updated", "resource": "Users/u/Messages/m1" },
        { "id": "n3", "subscriptionId": "s1", "changeType": "deleted", "resource": "Users/u/Messages/m1" },
        { "id": "n4", "subscriptionId": "other", "clientState": "x", "changeType": "created" },
        { "subscriptionId": "s1", "clientState": "s3cret", "lifecycleEvent": "reauthorizationRequired" },
        { "id": "n5", "subscriptionId": "s1", "clientState": "s3cret", "encryptedContent": { "data": "AAAA", "dataKey": "AAAA", "dataSignature": "AAAA", "encryptionCertificateId": "c1" } },
    ]});
    let client = reqwest::Client::new();
    for _ in 0..2 {
        let sent = client
            .post(r.notification_url())
            .json(&body)
            .send()
            .await
            .expect("sent");
        assert_eq!(sent.status().as_u16(), 202);
    }
    let mut items = Vec::new();
    for _ in 0..200 {
        items = store.items(100).expect("items");
        if items.len() == 12 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(items.len(), 12);
    let first: Vec<&studio_store::StoredItem> =
        items.iter().filter(|i| i.duplicate_of.is_none()).collect();
    assert_eq!(first.len(), 6, "the second POST repeats the first");
    let checks: Vec<ClientStateVerdict> = first.iter().rev().map(|i| i.item.client_state).collect();
    assert_eq!(
        checks,
        vec![
            ClientStateVerdict::Matches,
            ClientStateVerdict::Differs,
            ClientStateVerdict::Missing,
            ClientStateVerdict::UnknownSubscription,
            ClientStateVerdict::Matches,
            ClientStateVerdict::Matches
        ]
    );
    assert_eq!(
        first.last().and_then(|i| i.item.change_type),
        Some(ChangeType::Created)
    );
    assert!(
        first
            .iter()
            .any(|i| i.item.lifecycle_event == Some(LifecycleEvent::ReauthorizationRequired))
    );
    assert!(first.iter().any(|i| {
        i.item
            .decrypt_error
            .as_deref()
            .is_some_and(|e| e.contains("no private key"))
    }));

    // Malformed JSON under a JSON content type: acknowledged (Graph must not retry it forever),
    // kept, and explained once it was read.
    let garbage = client
        .post(r.notification_url())
        .header("content-type", "application/json")
        .body("{\"value\": [tru")
        .send()
        .await
        .expect("sent");
    assert_eq!(garbage.status().as_u16(), 202);
    let mut reason = None;
    for _ in 0..200 {
        reason = store
            .receptions(1)
            .expect("receptions")
            .first()
            .and_then(|r| r.request.reason.clone());
        if reason.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        reason.as_deref().is_some_and(|r| r.contains("not JSON")),
        "{reason:?}"
    );
    r.shutdown().await;
}

/// A receiver over a temporary store with a check queue that knows subscription `s1`.
async fn checked_receiver() -> (
    studio_receiver::RunningReceiver,
    Arc<Store>,
    Arc<CheckQueue>,
) {
    let store = Arc::new(Store::temporary().expect("store"));
    let queue = Arc::new(
        CheckQueue::start(
            &store,
            ItemChecker::new(Arc::new(Known { key: None })),
            Arc::new(NoListener),
        )
        .expect("queue"),
    );
    let waker = queue.waker();
    let sink = Arc::new(GroupCommit::start_with(&store, move |_| waker.wake()).expect("writer"));
    let r = studio_receiver::start(ReceiverConfig::default(), sink)
        .await
        .expect("starts");
    (r, store, queue)
}

async fn drained(store: &Store) {
    for _ in 0..1000 {
        if store.pending_checks().expect("pending") == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("checks never finished");
}

#[tokio::test]
async fn a_client_that_hangs_up_still_gets_its_notifications_checked() {
    use tokio::io::AsyncWriteExt;
    let (r, store, _queue) = checked_receiver().await;
    let address = r.local_url.trim_start_matches("http://").to_owned();
    for n in 0..40 {
        let body = format!(
            r#"{{"value":[{{"id":"h{n}","subscriptionId":"s1","clientState":"s3cret"}}]}}"#
        );
        let mut stream = tokio::net::TcpStream::connect(&address)
            .await
            .expect("connects");
        let request = format!(
            "POST {} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            r.notification_path,
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("writes");
        // Gone before the 202 is read.
        drop(stream);
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    drained(&store).await;
    let stored = store.reception_count().expect("count");
    assert!(stored > 0, "some were stored before their clients left");
    let items = store.items(1000).expect("items");
    assert_eq!(
        items.len() as i64,
        stored,
        "every stored notification was checked"
    );
    assert!(
        items
            .iter()
            .all(|i| i.item.client_state == ClientStateVerdict::Matches)
    );
    r.shutdown().await;
}

#[tokio::test]
async fn the_acknowledgement_does_not_wait_for_a_large_bodys_checks() {
    let (r, store, _queue) = checked_receiver().await;
    let client = reqwest::Client::new();
    let items: Vec<String> = (0..studio_receiver::verify::MAX_ITEMS)
        .map(|n| format!(r#"{{"id":"big{n}","subscriptionId":"s1","clientState":"s3cret","resource":"Users/u/Messages/{n}"}}"#))
        .collect();
    let big = client
        .post(r.notification_url())
        .body(format!(r#"{{"value":[{}]}}"#, items.join(",")))
        .send()
        .await
        .expect("sent");
    assert_eq!(big.status().as_u16(), 202);
    let small = client
        .post(r.notification_url())
        .body(r#"{"value":[{"id":"small","subscriptionId":"s1","clientState":"s3cret"}]}"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(small.status().as_u16(), 202);
    assert!(
        store.pending_checks().expect("pending") >= 1,
        "the small one was acknowledged while the large one was still being checked"
    );
    drained(&store).await;
    assert_eq!(
        store.items(30_000).expect("items").len(),
        studio_receiver::verify::MAX_ITEMS + 1
    );
    r.shutdown().await;
}

#[tokio::test]
async fn a_rich_item_without_validation_tokens_is_flagged() {
    let (r, store, _queue) = checked_receiver().await;
    let body = serde_json::json!({ "value": [
        { "id": "r1", "subscriptionId": "s1", "clientState": "s3cret", "encryptedContent": { "data": "AAAA", "dataKey": "AAAA", "dataSignature": "AAAA", "encryptionCertificateId": "c1" } },
        { "id": "p1", "subscriptionId": "s1", "clientState": "s3cret" },
    ]});
    reqwest::Client::new()
        .post(r.notification_url())
        .json(&body)
        .send()
        .await
        .expect("sent");
    drained(&store).await;
    let mut items = store.items(10).expect("items");
    items.sort_by_key(|i| i.item.position);
    assert_eq!(
        items[0].item.tokens,
        Some(studio_receiver::TokenVerdict::Missing)
    );
    assert_eq!(items[1].item.tokens, None, "plain items carry no tokens");
    r.shutdown().await;
}
