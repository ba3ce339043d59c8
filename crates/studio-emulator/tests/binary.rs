//! `graph-emulator --port 0` prints its ready line and serves until stopped.

#![allow(clippy::expect_used, reason = "test helpers fail loudly")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn prints_one_json_line_with_urls_ids_and_users() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_graph-emulator"))
        .args(["--port", "0", "--seed", "42"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a line");
    let _ = child.kill();
    let _ = child.wait();
    let info: serde_json::Value = serde_json::from_str(&line).expect("JSON");
    for key in [
        "authorityHost",
        "graphBase",
        "control",
        "tenantId",
        "publicClientId",
        "confidentialClientId",
        "confidentialClientSecret",
    ] {
        assert!(
            info[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key} in {line}"
        );
    }
    assert!(
        info["authorityHost"]
            .as_str()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:"))
    );
    assert_eq!(info["users"].as_array().map(Vec::len), Some(5));
}

#[test]
fn time_scale_is_checked_and_runs_the_clock_faster() {
    for bad in ["0", "-2", "fast", "1e9"] {
        let status = Command::new(env!("CARGO_BIN_EXE_graph-emulator"))
            .args(["--port", "0", "--time-scale", bad])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("runs");
        assert_eq!(status.code(), Some(2), "--time-scale {bad} is refused");
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_graph-emulator"))
        .args(["--port", "0", "--time-scale", "7200"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a line");
    let info: serde_json::Value = serde_json::from_str(&line).expect("JSON");
    let control = info["control"].as_str().expect("control").to_owned();
    let now = || -> i64 {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let info: serde_json::Value = reqwest::get(&control)
                .await
                .expect("sent")
                .json()
                .await
                .expect("json");
            info["now"].as_i64().expect("now")
        })
    };
    let before = now();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let after = now();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        after - before >= 3000,
        "half a second is an hour at 7200x: {before} → {after}"
    );
}
