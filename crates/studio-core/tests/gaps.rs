//! The gap audit against the sandbox: a `missed` event (Graph's drop state, which the sandbox
//! enters as Graph would) and a stopped receiver each open a gap that delta reconciliation fills
//! with exactly the changes made meanwhile; a notification delivered twice is grouped as a
//! duplicate; an expired delta token is restarted with a full sync and reported.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::gaps::{gap_studio as studio, open_gap, unnotified, until};
use common::{call, control};
use serde_json::{Value, json};
use studio_core::options::Options;
use studio_core::{AppPaths, Studio};
use studio_identity::sandbox::SilentBrowser;
use studio_identity::secrets::SessionStore;
use studio_primitives::clock::SystemClock;

const INBOX: &str = "/me/mailFolders('inbox')/messages";

/// Subscribes to the inbox and waits for its delta baseline.
async fn subscribe(studio: &Studio) -> String {
    let created = call(
        studio,
        "subscription_create",
        json!({"resource": INBOX, "changeType": "created,updated,deleted", "includeLifecycleUrl": true}),
    )
    .await;
    let id = created["subscription"]["subscription"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    until("the delta baseline", async || {
        studio
            .store()
            .delta_link(&id, &format!("{INBOX}/delta"))
            .ok()
            .flatten()
    })
    .await;
    id
}

/// Makes a new message arrive in the inbox; answers its id.
async fn new_mail(studio: &Studio) -> String {
    let made = control(
        studio,
        "/changes",
        json!({"resource": INBOX, "changeType": "created"}),
    )
    .await;
    made["entity"]["id"]
        .as_str()
        .expect("message id")
        .to_owned()
}

/// The ids of the items notified for a subscription so far.
async fn notified_ids(studio: &Studio, subscription: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let list = call(studio, "receptions_list", json!({"kind": "notification"})).await;
    for line in list.as_array().into_iter().flatten() {
        let items = call(studio, "reception_items", json!({"id": line["id"]})).await;
        for item in items.as_array().into_iter().flatten() {
            if item["subscriptionId"] == subscription {
                let resource = item["resource"].as_str().unwrap_or_default();
                ids.push(resource.rsplit('/').next().unwrap_or_default().to_owned());
            }
        }
    }
    ids
}

async fn wait_notified(studio: &Studio, subscription: &str, message: &str) {
    until("the notification", async || {
        notified_ids(studio, subscription)
            .await
            .iter()
            .any(|id| id.eq_ignore_ascii_case(message))
            .then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_event_opens_a_gap_that_delta_fills_with_exactly_the_dropped_changes() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path());
    call(&studio, "account_add_sandbox", json!({})).await;
    let subscription = subscribe(&studio).await;
    tokio::spawn(Arc::clone(&studio).run_upkeep());

    let heard = new_mail(&studio).await;
    wait_notified(&studio, &subscription, &heard).await;

    // Graph's drop state: notifications to the URL are lost, and Outlook subscriptions with a
    // lifecycle URL are told `missed`.
    let owned = studio
        .store()
        .owned_one(&subscription)
        .ok()
        .flatten()
        .expect("owned");
    control(
        &studio,
        "/endpoints",
        json!({"url": owned.notification_url, "state": "drop"}),
    )
    .await;
    let mut dropped = vec![new_mail(&studio).await, new_mail(&studio).await];
    dropped.sort();

    let gap = open_gap(&studio, "missed").await;
    // Someone who knows the URL forges a notification for a lost message: its clientState is
    // wrong, so it must not count as one.
    let forged = reqwest::Client::new()
        .post(&owned.notification_url)
        .json(&json!({"value": [{
            "subscriptionId": subscription,
            "clientState": "forged",
            "changeType": "created",
            "resource": format!("Users/x/Messages/{}", dropped[0]),
            "resourceData": {"id": dropped[0]},
            "subscriptionExpirationDateTime": "2099-01-01T00:00:00Z",
            "tenantId": "x"
        }]}))
        .send()
        .await
        .expect("posted");
    assert_eq!(forged.status().as_u16(), 202);
    until("the forgery checked", async || {
        notified_ids(&studio, &subscription)
            .await
            .contains(&dropped[0])
            .then_some(())
    })
    .await;
    let health = call(&studio, "health", Value::Null).await;
    assert_eq!(health["openGaps"][0]["id"], gap["id"]);
    assert_eq!(health["subscriptions"][0]["openGaps"], 1);

    let result = call(&studio, "gap_reconcile", json!({"id": gap["id"]})).await;
    assert_eq!(result["fullSync"], false, "{result:#}");
    assert_eq!(unnotified(&result), dropped, "{result:#}");
    assert!(
        result["unnotified"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|u| u["inGap"] == true && u["deleted"] == false)
    );

    // The result is kept; the gap is closed; the next round starts where this one ended.
    let state = studio
        .store()
        .owned_one(&subscription)
        .ok()
        .flatten()
        .map(|o| o.state);
    assert_eq!(
        state,
        Some(studio_store::SubscriptionState::Active),
        "no longer flagged missed"
    );
    let kept = call(&studio, "gap_reconciliation", json!({"id": gap["id"]})).await;
    assert_eq!(kept, result);
    let gaps = call(
        &studio,
        "gaps_list",
        json!({"subscriptionId": subscription}),
    )
    .await;
    assert_eq!(gaps[0]["outcome"]["unnotified"], 2);
    let since = studio_primitives::clock::Clock::now_unix(&SystemClock) - 3_600;
    let again = call(
        &studio,
        "reconcile_since",
        json!({"subscriptionId": subscription, "since": since}),
    )
    .await;
    // From before the kept link: read in full, judged by modification time; the two lost
    // messages are still the only changes without a notification.
    assert_eq!(again["fullSync"], true, "{again:#}");
    assert_eq!(unnotified(&again), dropped, "{again:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_receiver_opens_a_gap_duplicates_are_grouped_and_an_expired_token_resyncs() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path());
    call(&studio, "account_add_sandbox", json!({})).await;
    let subscription = subscribe(&studio).await;

    let heard = new_mail(&studio).await;
    wait_notified(&studio, &subscription, &heard).await;
    // Graph delivers the same notification again (a retry whose 202 it never saw).
    let deliveries = reqwest::get(format!(
        "{}/deliveries",
        call(&studio, "sandbox_info", Value::Null).await["control"]
            .as_str()
            .expect("control")
    ))
    .await
    .expect("deliveries")
    .json::<Value>()
    .await
    .expect("json");
    let delivered = deliveries["value"]
        .as_array()
        .or(deliveries.as_array())
        .into_iter()
        .flatten()
        .rev()
        .find(|d| d["kind"] == "notification" && d["status"] == 202)
        .cloned()
        .expect("a delivery");
    let url = delivered["url"].as_str().expect("url");
    let again = reqwest::Client::new()
        .post(url)
        .json(&delivered["body"])
        .send()
        .await
        .expect("posted");
    assert_eq!(again.status().as_u16(), 202);

    // The receiver stops; changes are made; it starts again on another port (the URL moves,
    // so what Graph keeps retrying to the old one never arrives).
    call(&studio, "receiver_stop", Value::Null).await;
    let mut meanwhile = vec![new_mail(&studio).await, new_mail(&studio).await];
    meanwhile.sort();
    call(&studio, "receiver_start", Value::Null).await;
    let gap = open_gap(&studio, "downtime").await;
    // With a lifecycle URL it was made again at the new URL (Graph cannot move that one); its
    // gap and delta links went with it.
    let live: Vec<String> = studio
        .store()
        .owned()
        .expect("owned")
        .into_iter()
        .filter(|o| o.state.is_live())
        .map(|o| o.id)
        .collect();
    assert_eq!(live.len(), 1);
    assert_eq!(gap["subscriptionId"], live[0].as_str());
    assert_ne!(live[0], subscription, "recreated");
    let by_old_id = call(
        &studio,
        "gaps_list",
        json!({"subscriptionId": subscription}),
    )
    .await;
    assert_eq!(
        by_old_id[0]["id"], gap["id"],
        "the old id finds its successor's gaps"
    );

    let result = call(&studio, "gap_reconcile", json!({"id": gap["id"]})).await;
    assert_eq!(unnotified(&result), meanwhile, "{result:#}");
    let duplicates = result["duplicates"].as_array().expect("duplicates");
    assert_eq!(duplicates.len(), 1, "{result:#}");
    assert!(
        duplicates[0]["id"]
            .as_str()
            .is_some_and(|id| id.eq_ignore_ascii_case(&heard))
    );
    assert_eq!(duplicates[0]["count"], 2);

    // Graph loses its sync state: the kept token answers 410, the app syncs again from the
    // start, reports it, and still finds what changed without a notification.
    control(&studio, "/delta/forget", json!({})).await;
    call(&studio, "receiver_stop", Value::Null).await;
    let lost = new_mail(&studio).await;
    call(&studio, "receiver_start", Value::Null).await;
    let gap = open_gap(&studio, "downtime").await;
    let result = call(&studio, "gap_reconcile", json!({"id": gap["id"]})).await;
    assert_eq!(result["fullSync"], true, "{result:#}");
    assert_eq!(result["restarted"], "syncStateNotFound", "{result:#}");
    assert!(unnotified(&result).contains(&lost), "{result:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_puts_every_accounts_subscriptions_together_with_overlaps() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path());
    let user = call(&studio, "account_add_sandbox", json!({})).await;
    let mine = subscribe(&studio).await;
    let app = call(&studio, "account_add_sandbox", json!({"appOnly": true})).await;
    let me = user["claims"]["objectId"].as_str().expect("the user's id");
    let theirs = call(
        &studio,
        "subscription_create",
        json!({"accountId": app["id"], "resource": format!("/users/{me}/mailFolders('inbox')/messages"), "changeType": "created"}),
    )
    .await;
    let theirs = theirs["subscription"]["subscription"]["id"]
        .as_str()
        .expect("id");

    let ledger = call(&studio, "subscription_ledger", Value::Null).await;
    let entries = ledger["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "{ledger:#}");
    let entry = |id: &str| {
        entries
            .iter()
            .find(|e| e["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {ledger:#}"))
    };
    assert_eq!(
        entry(&mine)["overlaps"],
        json!([theirs]),
        "/me is the same mailbox"
    );
    assert_eq!(entry(theirs)["overlaps"], json!([mine]));
    assert_eq!(entry(&mine)["madeHere"], true);
    assert_eq!(entry(&mine)["servedHere"], true);
    assert!(
        entry(&mine)["quotas"]
            .as_array()
            .is_some_and(|q| !q.is_empty())
    );
    let lists: Vec<&str> = ledger["accounts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["lists"].as_str())
        .collect();
    assert!(
        lists.iter().any(|l| l.starts_with("Delegated"))
            && lists.iter().any(|l| l.starts_with("App-only"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_judged_slow_is_announced_once_with_its_words_for_the_desktop() {
    use studio_core::events::{CoreEvent, DeliveryState};
    use studio_receiver::health::Rules;
    let dir = tempfile::tempdir().expect("dir");
    // Every answer counts as slow: three answers make the receiver "dropping".
    let options = Options {
        delivery_rules: Rules {
            expected: Duration::ZERO,
            older_slow: Duration::ZERO,
            slow: Duration::ZERO,
            min_answers: 3,
        },
        ..Options::default()
    };
    let studio = Studio::builder(AppPaths::under(dir.path()))
        .options(options)
        .clock(Arc::new(SystemClock))
        .secrets(Arc::new(SessionStore::default()))
        .browser(Arc::new(SilentBrowser))
        .open()
        .expect("opens");
    let mut events = studio.events().subscribe();
    let started = call(&studio, "receiver_start", Value::Null).await;
    let url = started["endpoints"]["localNotificationUrl"]
        .as_str()
        .expect("url")
        .to_owned();
    // Answers are timed in whole milliseconds and "slow" means over the limit: a megabyte to store
    // makes each answer take at least one, so each counts (an empty body could take 0 ms).
    let padding = "x".repeat(1 << 20);
    for _ in 0..3 {
        reqwest::Client::new()
            .post(&url)
            .json(&json!({"value": [], "padding": padding}))
            .send()
            .await
            .expect("posted");
    }
    let moved = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(CoreEvent::DeliveryChanged { previous, state }) = events.recv().await
                && state == DeliveryState::Dropping
            {
                return previous;
            }
        }
    })
    .await
    .expect("announced");
    assert_ne!(moved, DeliveryState::Dropping, "a move, not a repeat");
    let notice = studio_core::notices::Notices::default()
        .on_change(DeliveryState::Dropping, 0)
        .expect("a notice");
    assert!(notice.title.contains("drop"), "{notice:?}");
}
