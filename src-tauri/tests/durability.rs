//! "A 202 means stored": the real binary receiving a flood of notifications is killed with
//! SIGKILL mid-load, and every notification that was answered 202 is in the store afterwards.

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_notification_survives_a_kill_during_load() {
    let dir = tempfile::tempdir().expect("dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_webhook-studio"))
        .args(["listen", "--json", "--tunnel", "none", "--data-dir"])
        .arg(dir.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("WEBHOOK_STUDIO_SECRETS", "session")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the app starts");
    let stdout = child.stdout.take().expect("stdout");
    let first = std::io::BufReader::new(stdout)
        .lines()
        .next()
        .expect("a first line")
        .expect("readable");
    let listening: serde_json::Value = serde_json::from_str(&first).expect("JSON");
    let url = listening["local"].as_str().expect("local URL").to_owned();

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
                let body = format!(
                    r#"{{"value":[{{"subscriptionId":"s","changeType":"created","resource":"Users/u/Messages/{marker}","clientState":"c"}}]}}"#
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
    eprintln!(
        "{} acknowledged, {} stored (some stored ones never got their 202 out)",
        acknowledged.len(),
        stored.len()
    );
}
