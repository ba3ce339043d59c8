//! After the 202: the items of a stored notification checked (clientState, duplicates,
//! lifecycle events, decryption) and kept in the real store, and a body that is not JSON
//! acknowledged, kept and explained.

#![allow(clippy::expect_used, reason = "tests fail loudly")]

use std::sync::Arc;

use studio_receiver::checks::ItemChecker;
use studio_receiver::{ChangeType, ClientStateVerdict, LifecycleEvent, ReceiverConfig};
use studio_store::{CheckAndKeep, GroupCommit, Store};

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
    let store = Arc::new(Store::in_memory().expect("store"));
    let sink = Arc::new(GroupCommit::start(Arc::clone(&store)));
    let recorder = Arc::new(CheckAndKeep::new(
        Arc::clone(&store),
        ItemChecker::new(Arc::new(Known { key: None })),
    ));
    let r = studio_receiver::start_with(ReceiverConfig::default(), sink, Some(recorder))
        .await
        .expect("starts");
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
