//! `make bench`: the receiver's pipeline (parse, durable commit to SQLite on disk, 202) against a
//! bare axum handler that answers 202 without storing, in the same run; the acknowledgement
//! latency at a steady 100 POSTs/s; validation handshakes. Figures are printed, never asserted.
//! The load generator shares the machine's cores with the receiver, so throughput is a floor.

#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    reason = "a benchmark prints its figures and fails loudly"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use studio_receiver::ItemChecker;
use studio_receiver::checks::NoSubscriptions;
use studio_receiver::{ReceiverConfig, start};
use studio_store::checking::{CheckQueue, NoListener};
use studio_store::{GroupCommit, Store};

const WORKERS: usize = 64;
const RUN: Duration = Duration::from_secs(5);

/// A notification POST of ten items, about 4 KB; `n` makes its ids and resources its own.
fn body(n: u64) -> String {
    let item = r##"{"id":"lsgTZMr9KwAAA","subscriptionId":"7f105c7d-2dc5-4530-97cd-4e7ae6534c07","subscriptionExpirationDateTime":"2026-11-23T18:23:45.9356913Z","clientState":"secretClientValue","changeType":"created","resource":"Users/8ed8a7f5-3a16-4d70-a4b9-2fe1f5a4c3f0/Messages/AAMkADAwATM3ZmYAZS0yMDA2LTQ2MGEtODExZC03ODg4AAAA=","tenantId":"84bd8158-6d4d-4958-8b9f-9d6445542f95","resourceData":{"@odata.type":"#Microsoft.Graph.Message","@odata.id":"Users/8ed8a7f5/Messages/AAMkADAw=","@odata.etag":"W/\"CQAAABYAAADkrWGo7bouTKlsgTZMr9KwAAAUWRHf\"","id":"AAMkADAwATM3ZmYAZS0yMDA2LTQ2MGEtODExZC03ODg4AAAA="}}"##;
    let items: Vec<String> = (0..10)
        .map(|i| {
            item.replace("lsgTZMr9KwAAA", &format!("n{n}-{i}"))
                .replace("AAMkADAwATM3", &format!("m{n}-{i}"))
        })
        .collect();
    format!("{{\"value\":[{}]}}", items.join(","))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a list"
    )]
    let index = ((sorted.len().saturating_sub(1)) as f64 * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default().as_secs_f64() * 1000.0
}

/// Posts as fast as `WORKERS` connections allow for `RUN`; answers (requests/s, latencies).
async fn saturate(url: &str) -> (f64, Vec<Duration>) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(WORKERS)
        .build()
        .expect("client");
    let stop = Arc::new(AtomicBool::new(false));
    let sequence = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let (client, url, stop, sequence) = (
            client.clone(),
            url.to_owned(),
            Arc::clone(&stop),
            Arc::clone(&sequence),
        );
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let response = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body(sequence.fetch_add(1, Ordering::Relaxed)))
                    .send()
                    .await;
                if response.is_ok_and(|r| r.status().as_u16() == 202) {
                    latencies.push(sent.elapsed());
                }
            }
            latencies
        }));
    }
    tokio::time::sleep(RUN).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.expect("joined"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    #[allow(clippy::cast_precision_loss, reason = "a count")]
    let rate = all.len() as f64 / elapsed;
    (rate, all)
}

/// A bare handler: reads the body, answers 202, stores nothing.
async fn bare() -> String {
    // Reads the body like any receiver must, then answers without storing it.
    let app = axum::Router::new().fallback(|body: axum::body::Bytes| async move {
        std::hint::black_box(body.len());
        axum::http::StatusCode::ACCEPTED
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/n", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("receiver-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let store = Arc::new(Store::open(&dir.join("bench.sqlite3")).expect("store"));
    let receiver = start(
        ReceiverConfig::default(),
        Arc::new(GroupCommit::start(&store).expect("writer")),
    )
    .await
    .expect("receiver");
    let body = body(0);
    println!(
        "receiver pipeline on loopback: {} byte POSTs of 10 notifications, {WORKERS} connections, SQLite on disk (WAL)\n",
        body.len()
    );

    let (full, latencies) = saturate(&receiver.notification_url()).await;
    println!(
        "full pipeline (parse, durable commit, 202): {full:.0} POSTs/s = {:.0} notifications/s; ack p50 {:.2} ms, p99 {:.2} ms",
        full * 10.0,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );
    let (bare_rate, bare_latencies) = saturate(&bare().await).await;
    println!(
        "bare axum (read body, 202, no storing):    {bare_rate:.0} POSTs/s; p99 {:.2} ms; pipeline/bare = {:.2}",
        percentile(&bare_latencies, 0.99),
        full / bare_rate
    );

    // The same with the check queue behind the writer (items, search index), as the app runs it.
    let checked_store = Arc::new(Store::open(&dir.join("checked.sqlite3")).expect("store"));
    let queue = CheckQueue::start(
        &checked_store,
        ItemChecker::new(Arc::new(NoSubscriptions)),
        Arc::new(NoListener),
    )
    .expect("queue");
    let waker = queue.waker();
    let checked = start(
        ReceiverConfig::default(),
        Arc::new(GroupCommit::start_with(&checked_store, move |_| waker.wake()).expect("writer")),
    )
    .await
    .expect("receiver");
    let (with_checks, checked_latencies) = saturate(&checked.notification_url()).await;
    let load_ended = Instant::now();
    while checked_store.pending_checks().unwrap_or(0) > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "with the check queue behind it:            {with_checks:.0} POSTs/s; ack p50 {:.2} ms, p99 {:.2} ms; checks done {:.1} s after the load",
        percentile(&checked_latencies, 0.5),
        percentile(&checked_latencies, 0.99),
        load_ended.elapsed().as_secs_f64()
    );
    checked.shutdown().await;
    drop(queue);

    // A steady 100 POSTs/s.
    let client = reqwest::Client::new();
    let mut steady = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    for _ in 0..500 {
        tick.tick().await;
        let sent = Instant::now();
        let ok = client
            .post(receiver.notification_url())
            .body(body.clone())
            .send()
            .await
            .is_ok_and(|r| r.status().as_u16() == 202);
        if ok {
            steady.push(sent.elapsed());
        }
    }
    steady.sort();
    println!(
        "steady 100 POSTs/s for 5 s: ack p50 {:.2} ms, p99 {:.2} ms ({} acknowledged)",
        percentile(&steady, 0.5),
        percentile(&steady, 0.99),
        steady.len()
    );

    let mut handshakes = Vec::new();
    for n in 0..1000 {
        let sent = Instant::now();
        let token = format!(
            "Validation: Testing client application reachability for subscription Request-Id: {n}"
        );
        let answer = client
            .post(receiver.notification_url())
            .query(&[("validationToken", &token)])
            .send()
            .await
            .expect("handshake");
        let echoed = answer.text().await.unwrap_or_default() == token;
        if echoed {
            handshakes.push(sent.elapsed());
        }
    }
    handshakes.sort();
    println!(
        "validation handshakes (1,000, one at a time): p50 {:.2} ms, p99 {:.2} ms, {} echoed exactly",
        percentile(&handshakes, 0.5),
        percentile(&handshakes, 0.99),
        handshakes.len()
    );
    println!(
        "stored receptions: {}",
        store.reception_count().unwrap_or(-1)
    );
    receiver.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
