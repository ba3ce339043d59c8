//! `make bench`: how fast the sandbox delivers notifications to a local receiver.
//!
//! Three figures, printed (never asserted): the latency of one change to its notification
//! arriving, a burst of changes to one subscription, and a fan-out of each change to four
//! subscriptions on four endpoints. The receiver is a minimal axum server on loopback that answers
//! 202 and counts items, so the figures are the emulator's and the loopback's.

#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    reason = "a benchmark prints its figures and fails loudly"
)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::routing::post;
use serde_json::{Value, json};
use studio_emulator::{EmulatorConfig, RunningEmulator, start};

const BURST: usize = 4000;
const FAN_OUT_CHANGES: usize = 500;
const FAN_OUT: usize = 4;
const SINGLE: usize = 300;
const CONCURRENCY: usize = 32;

async fn receiver(count: Arc<AtomicUsize>) -> String {
    let app = axum::Router::new()
        .route(
            "/hook",
            post(
                |State(count): State<Arc<AtomicUsize>>,
                 Query(q): Query<HashMap<String, String>>,
                 body: String| async move {
                    if let Some(token) = q.get("validationToken") {
                        return (axum::http::StatusCode::OK, token.clone());
                    }
                    let items: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    let n = items["value"].as_array().map_or(0, Vec::len);
                    count.fetch_add(n, Ordering::SeqCst);
                    (axum::http::StatusCode::ACCEPTED, String::new())
                },
            ),
        )
        .with_state(count);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

async fn subscribe(
    e: &RunningEmulator,
    http: &reqwest::Client,
    token: &str,
    resource: &str,
    change_types: &str,
    url: &str,
) {
    let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let expires = expires
        .format(&time::format_description::well_known::Rfc3339)
        .expect("time");
    let response = http
        .post(format!("{}/v1.0/subscriptions", e.info.graph_base))
        .bearer_auth(token)
        .json(&json!({ "changeType": change_types, "notificationUrl": url, "resource": resource, "expirationDateTime": expires }))
        .send()
        .await
        .expect("subscribe");
    assert_eq!(response.status().as_u16(), 201);
}

/// Sends `n` changes with `CONCURRENCY` in flight.
async fn changes(e: &RunningEmulator, http: &reqwest::Client, resource: &str, n: usize) {
    let url = format!("{}/changes", e.info.control);
    let body = json!({ "resource": resource, "changeType": "updated" });
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (http, url, body, next) = (http.clone(), url.clone(), body.clone(), Arc::clone(&next));
        workers.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::SeqCst) < n {
                let _ = http.post(&url).json(&body).send().await;
            }
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
}

async fn wait_until(count: &AtomicUsize, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while count.load(Ordering::SeqCst) < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "an index into a short list"
    )]
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let http = reqwest::Client::new();
    let e = start(EmulatorConfig::default()).await.expect("emulator");
    let token = e.app_token().await.expect("token");
    let user = format!("/users/{}", e.info.users[0].id);
    let other = format!("/users/{}", e.info.users[1].id);
    println!("graph-emulator delivery to a loopback receiver ({CONCURRENCY} changes in flight)\n");

    let count = Arc::new(AtomicUsize::new(0));
    let url = receiver(Arc::clone(&count)).await;
    subscribe(&e, &http, &token, &other, "updated", &url).await;
    let mut latencies = Vec::with_capacity(SINGLE);
    for _ in 0..SINGLE {
        let before = count.load(Ordering::SeqCst);
        let started = Instant::now();
        changes(&e, &http, &other, 1).await;
        wait_until(&count, before + 1).await;
        latencies.push(started.elapsed());
    }
    latencies.sort();
    println!(
        "one change → its notification arrives: p50 {:.2} ms, p99 {:.2} ms ({SINGLE} changes, one at a time)",
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0
    );

    let before = count.load(Ordering::SeqCst);
    let started = Instant::now();
    changes(&e, &http, &other, BURST).await;
    wait_until(&count, before + BURST).await;
    let elapsed = started.elapsed();
    let delivered = count.load(Ordering::SeqCst) - before;
    println!(
        "burst: {delivered}/{BURST} notifications in {:.2} s = {:.0} notifications/s",
        elapsed.as_secs_f64(),
        delivered as f64 / elapsed.as_secs_f64()
    );

    let fan = Arc::new(AtomicUsize::new(0));
    // Four subscriptions that all watch another user: the collection and the user, each for two
    // sets of change types.
    let watching = [
        ("/users", "updated"),
        ("/users", "updated,deleted"),
        (user.as_str(), "updated"),
        (user.as_str(), "updated,deleted"),
    ];
    let mut urls = Vec::new();
    for _ in 0..FAN_OUT {
        urls.push(receiver(Arc::clone(&fan)).await);
    }
    for ((resource, changes), url) in watching.iter().zip(&urls) {
        subscribe(&e, &http, &token, resource, changes, url).await;
    }
    let started = Instant::now();
    changes(&e, &http, &user, FAN_OUT_CHANGES).await;
    let expected = FAN_OUT_CHANGES * FAN_OUT;
    wait_until(&fan, expected).await;
    let elapsed = started.elapsed();
    let delivered = fan.load(Ordering::SeqCst);
    println!(
        "fan-out: {FAN_OUT_CHANGES} changes × {FAN_OUT} endpoints = {delivered}/{expected} notifications in {:.2} s = {:.0} notifications/s",
        elapsed.as_secs_f64(),
        delivered as f64 / elapsed.as_secs_f64()
    );
    e.shutdown().await;
}
