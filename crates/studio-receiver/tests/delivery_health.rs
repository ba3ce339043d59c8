//! The delivery meter judged against an implementation it shares no code with: the sandbox's
//! own slow/drop accounting of the endpoints it delivers to (`studio-emulator`'s `throttle.rs`).
//! A receiver made slow (its store takes longer than the limit) is delivered to by the sandbox,
//! both with short limits; the meter says "dropping" after the same answers that put the
//! sandbox's endpoint in its drop state, before the sandbox has dropped anything; the next
//! notification is dropped by the sandbox and never reaches the receiver.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use studio_emulator::{EmulatorConfig, start as start_sandbox};
use studio_receiver::health::{DeliveryState, Rules};
use studio_receiver::reception::{CommitError, NewReception, ReceptionSink};
use studio_receiver::{ReceiverConfig, start};

/// A store that takes `delay` to make each reception durable.
struct SlowStore {
    delay: Duration,
    next: AtomicI64,
}

impl ReceptionSink for SlowStore {
    fn commit(
        &self,
        _: NewReception,
    ) -> Pin<Box<dyn Future<Output = Result<i64, CommitError>> + Send + '_>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            Ok(self.next.fetch_add(1, Ordering::Relaxed))
        })
    }
}

async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status} {body}");
    body
}

#[tokio::test]
async fn the_meter_says_dropping_before_the_sandbox_drops_anything() {
    let limit = Duration::from_millis(60);
    let receiver = start(
        ReceiverConfig {
            delivery_rules: Rules {
                expected: limit / 2,
                older_slow: limit / 2,
                slow: limit,
                ..Rules::default()
            },
            ..ReceiverConfig::default()
        },
        Arc::new(SlowStore {
            delay: limit * 2,
            next: AtomicI64::new(1),
        }),
    )
    .await
    .expect("receiver starts");
    let sandbox = start_sandbox(EmulatorConfig {
        slow_response: limit,
        retry_base: Duration::from_secs(3600),
        ..EmulatorConfig::default()
    })
    .await
    .expect("sandbox starts");
    let http = reqwest::Client::new();
    let token = sandbox.app_token().await.expect("token");
    let user = sandbox.info.users[0].id.clone();
    let expiration =
        json_of(http.get(&sandbox.info.control).send().await.expect("info")).await["now"]
            .as_i64()
            .expect("now")
            + 3_000;
    json_of(
        http.post(format!("{}/v1.0/subscriptions", sandbox.info.graph_base))
            .bearer_auth(&token)
            .json(&json!({
                "changeType": "created",
                "notificationUrl": receiver.notification_url(),
                "resource": format!("/users/{user}/messages"),
                "expirationDateTime": studio_emulator::workloads::timestamp(expiration),
                "clientState": "s3cret",
            }))
            .send()
            .await
            .expect("subscribes"),
    )
    .await;
    let sandbox_view = || async {
        let all = json_of(
            http.get(format!("{}/endpoints", sandbox.info.control))
                .send()
                .await
                .expect("endpoints"),
        )
        .await;
        all["value"]
            .as_array()
            .and_then(|v| {
                v.iter()
                    .find(|e| e["url"] == receiver.notification_url().as_str())
                    .cloned()
            })
            .unwrap_or(Value::Null)
    };
    let now = || {
        i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_secs(),
        )
        .expect("now")
    };
    let change = || async {
        json_of(
            http.post(format!("{}/changes", sandbox.info.control))
                .json(&json!({"resource": format!("/users/{user}/messages"), "changeType": "created"}))
                .send()
                .await
                .expect("change"),
        )
        .await
    };
    let answers_reach = |n: u32| {
        let meter = Arc::clone(receiver.delivery());
        async move {
            for _ in 0..400 {
                if meter.health(now()).answers >= n {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("the receiver never answered {n} notifications");
        }
    };
    for n in 1..=studio_receiver::health::MIN_ANSWERS {
        change().await;
        answers_reach(u32::try_from(n).expect("n")).await;
    }
    // Both judged the same ten slow answers; the sandbox records its side after the answer.
    let mut endpoint = sandbox_view().await;
    for _ in 0..100 {
        if endpoint["responses"] == 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        endpoint = sandbox_view().await;
    }
    let health = receiver.delivery().health(now());
    assert_eq!(health.state, DeliveryState::Dropping, "{health:?}");
    assert_eq!(endpoint["state"], "drop", "the sandbox agrees: {endpoint}");
    assert_eq!(
        endpoint["droppedNotifications"], 0,
        "nothing dropped yet: {endpoint}"
    );

    // The next notification is dropped by the sandbox and never arrives.
    change().await;
    let mut dropped = sandbox_view().await;
    for _ in 0..100 {
        if dropped["droppedNotifications"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        dropped = sandbox_view().await;
    }
    assert_eq!(dropped["droppedNotifications"], 1, "{dropped}");
    assert_eq!(receiver.delivery().health(now()).answers, 10);
}
