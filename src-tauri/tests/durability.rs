//! "A 202 means stored, and everything stored is checked": the real binary receiving a flood of
//! notifications (some with hundreds of items, so checks lag behind) is killed with SIGKILL
//! mid-load; every notification answered 202 is in the store afterwards, and once `listen` runs
//! again every one of them is checked (items kept, or the reason there are none), none twice.

#![cfg(unix)]
#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    reason = "tests fail loudly and say what they measured"
)]

use std::collections::HashSet;
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `webhook-studio listen` on `dir`; answers the process and its loopback notification URL.
fn listen(dir: &std::path::Path) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_webhook-studio"))
        .args(["listen", "--json", "--tunnel", "none", "--data-dir"])
        .arg(dir)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("WEBHOOK_STUDIO_SECRETS", "session")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the app starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let first = lines.next().expect("a first line").expect("readable");
    // Keep reading what it prints, so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let listening: serde_json::Value = serde_json::from_str(&first).expect("JSON");
    let url = listening["local"].as_str().expect("local URL").to_owned();
    (child, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_notification_survives_a_kill_during_load_and_is_checked_after() {
    let dir = tempfile::tempdir().expect("dir");
    let (mut child, url) = listen(dir.path());

    let acknowledged = Arc::new(Mutex::new(HashSet::new()));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let mut senders = Vec::new();
    for task in 0..32 {
        let (http, url, acknowledged) = (http.clone(), url.clone(), Arc::clone(&acknowledged));
        senders.push(tokio::spawn(async move {
            for n in 0.. {
                let marker = format!("t{task}-n{n}");
                // Every tenth carries 300 items: checks fall behind the acknowledgements.
                let extra = if n % 10 == 0 {
                    (0..300)
                        .map(|i| format!(r#",{{"id":"{marker}-{i}","subscriptionId":"s"}}"#))
                        .collect::<String>()
                } else {
                    String::new()
                };
                let body = format!(
                    r#"{{"value":[{{"subscriptionId":"s","changeType":"created","resource":"Users/u/Messages/{marker}","clientState":"c"}}{extra}]}}"#
                );
                match http.post(&url).header("content-type", "application/json").body(body).send().await {
                    Ok(answer) if answer.status().as_u16() == 202 => {
                        acknowledged.lock().expect("lock").insert(marker);
                    }
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        }));
    }
    // Let the load run, then kill the process without warning.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    for sender in senders {
        let _ = tokio::time::timeout(Duration::from_secs(10), sender).await;
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(
        acknowledged.len() > 100,
        "the load ran: {} acknowledged",
        acknowledged.len()
    );

    let store = studio_store::Store::open(&dir.path().join("studio.sqlite3"))
        .expect("the store opens after a kill");
    let stored: HashSet<String> = store
        .receptions_between(0, i64::MAX, u32::MAX)
        .expect("readable")
        .into_iter()
        .filter_map(|r| {
            let body = String::from_utf8(r.request.body).ok()?;
            let start = body.find("Messages/")? + "Messages/".len();
            let end = body[start..].find('"')? + start;
            Some(body[start..end].to_owned())
        })
        .collect();
    let lost: Vec<&String> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged notifications were lost, e.g. {:?}",
        lost.len(),
        acknowledged.len(),
        lost.first()
    );
    let pending = store.pending_checks().expect("pending");
    eprintln!(
        "{} acknowledged, {} stored (some stored ones never got their 202 out), {pending} not yet checked at the kill",
        acknowledged.len(),
        stored.len()
    );
    drop(store);

    // `listen` again: what was acknowledged but not checked is checked now, once.
    let (mut again, _) = listen(dir.path());
    let store = studio_store::Store::open(&dir.path().join("studio.sqlite3")).expect("opens");
    // However long a loaded machine takes, as long as the queue keeps moving: the test fails
    // when no reception was checked for a whole minute (a reception of 301 items counts once
    // all are kept), or after ten minutes in all.
    let mut left = store.pending_checks().expect("pending");
    let waiting = std::time::Instant::now();
    let mut last_progress = waiting;
    while left > 0
        && last_progress.elapsed() < Duration::from_secs(60)
        && waiting.elapsed() < Duration::from_secs(600)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = store.pending_checks().expect("pending");
        if now < left {
            last_progress = std::time::Instant::now();
        }
        left = now;
    }
    let _ = Command::new("kill")
        .args(["-INT", &again.id().to_string()])
        .status();
    let _ = again.wait();
    assert_eq!(
        store.pending_checks().expect("pending"),
        0,
        "the queue drained"
    );
    for reception in store
        .receptions_between(0, i64::MAX, u32::MAX)
        .expect("readable")
    {
        let items = store.items_of(reception.id).expect("items");
        let expected: usize = String::from_utf8_lossy(&reception.request.body)
            .matches("\"subscriptionId\"")
            .count();
        assert!(
            items.len() == expected || reception.request.reason.is_some(),
            "reception {} has {} of {expected} items and no reason",
            reception.id,
            items.len()
        );
        let mut positions: Vec<u32> = items.iter().map(|i| i.item.position).collect();
        positions.dedup();
        assert_eq!(positions.len(), items.len(), "no item kept twice");
    }
}
