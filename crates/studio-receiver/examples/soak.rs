//! `make soak` (10 minutes) or `SOAK_SECONDS=N`: a steady load of notification POSTs through the
//! whole receiver (durable commit, then the items checked and kept), printing the process's
//! resident memory every 30 seconds, so growth shows. Printed, never asserted.

#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    reason = "a benchmark prints its figures and fails loudly"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use studio_receiver::checks::{ItemChecker, NoSubscriptions};
use studio_receiver::{ReceiverConfig, start};
use studio_store::checking::{CheckQueue, NoListener};
use studio_store::{GroupCommit, Store};

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let rate: u64 = std::env::var("SOAK_RATE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let dir = std::env::temp_dir().join(format!("receiver-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let store = Arc::new(Store::open(&dir.join("soak.sqlite3")).expect("store"));
    let queue = CheckQueue::start(
        &store,
        ItemChecker::new(Arc::new(NoSubscriptions)),
        Arc::new(NoListener),
    )
    .expect("queue");
    let waker = queue.waker();
    let receiver = start(
        ReceiverConfig::default(),
        Arc::new(GroupCommit::start_with(&store, move |_| waker.wake()).expect("writer")),
    )
    .await
    .expect("receiver");
    let url = receiver.notification_url();
    let client = reqwest::Client::new();
    println!(
        "soak: {rate} POSTs/s of 3 notifications for {seconds} s; RSS at start {:.1} MiB",
        rss_mib()
    );
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    let mut next_report = Duration::from_secs(30);
    let mut sent = 0_u64;
    let mut failed = 0_u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        tick.tick().await;
        let (client, url) = (client.clone(), url.clone());
        let body = format!(
            r#"{{"value":[{{"id":"{sent}a","subscriptionId":"s","changeType":"created","resource":"Users/u/Messages/{sent}"}},{{"id":"{sent}b","subscriptionId":"s","changeType":"updated","resource":"Users/u/Messages/{sent}"}},{{"id":"{sent}c","subscriptionId":"s","changeType":"deleted","resource":"Users/u/Messages/{sent}"}}]}}"#
        );
        sent += 1;
        let answer = client.post(&url).body(body).send().await;
        if !answer.is_ok_and(|a| a.status().as_u16() == 202) {
            failed += 1;
        }
        if started.elapsed() >= next_report {
            println!(
                "  {:>4} s: RSS {:.1} MiB, {sent} POSTs, {failed} not acknowledged, {} stored",
                next_report.as_secs(),
                rss_mib(),
                store.reception_count().unwrap_or(-1)
            );
            next_report += Duration::from_secs(30);
        }
    }
    println!(
        "soak done: RSS {:.1} MiB after {sent} POSTs ({failed} not acknowledged)",
        rss_mib()
    );
    receiver.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
