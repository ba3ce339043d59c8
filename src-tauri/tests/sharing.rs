//! Two processes on one data folder (the window and a terminal, or two terminals): one receives
//! and runs the sandbox; the other follows and uses that one, never starting a rival.
#![cfg(unix)]
#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use std::io::{BufRead, BufReader, Lines};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

fn command(dir: &Path, args: &[&str]) -> Command {
    common::headless(dir, args)
}

/// A `listen --json` process and its output lines.
struct Listening {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Listening {
    fn start(dir: &Path, extra: &[&str]) -> Listening {
        let mut args = vec!["listen", "--json"];
        args.extend_from_slice(extra);
        let mut child = command(dir, &args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("listen starts");
        let stdout = child.stdout.take().expect("stdout");
        Listening {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }

    fn next(&mut self) -> serde_json::Value {
        let line = self.lines.next().expect("a line").expect("readable");
        serde_json::from_str(&line).expect("JSON")
    }

    fn next_notification(&mut self) -> serde_json::Value {
        loop {
            let value = self.next();
            if value["kind"] == "notification" {
                return value;
            }
        }
    }

    fn interrupt(&mut self) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
        self.child.wait().expect("exits")
    }
}

fn post_json(url: &str, body: &str) -> String {
    common::post_json(url, body).expect("posted")
}

#[test]
fn a_second_process_follows_the_receiver_and_shares_the_sandbox() {
    let dir = tempfile::tempdir().expect("dir");
    let added = command(dir.path(), &["account", "add", "--sandbox"])
        .output()
        .expect("runs");
    assert!(added.status.success());

    // The first receives, with a subscription in its sandbox.
    let mut first = Listening::start(dir.path(), &["--subscribe", "/me/messages"]);
    let listening = first.next();
    assert_eq!(listening["event"], "listening", "{listening}");
    let subscription = listening["subscription"]["id"]
        .as_str()
        .expect("subscribed")
        .to_owned();
    let control = listening["sandboxControl"]
        .as_str()
        .expect("sandbox")
        .to_owned();

    // A second `listen` follows it instead of fighting over the port or the checks.
    let mut second = Listening::start(dir.path(), &[]);
    let following = second.next();
    assert_eq!(following["event"], "following", "{following}");
    assert_eq!(following["pid"], first.child.id(), "{following}");
    assert_eq!(following["notificationUrl"], listening["notificationUrl"]);

    // Asking the follower for a receiver of its own is refused, naming the one that runs.
    let refused = command(dir.path(), &["listen", "--port", "0"])
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("already receives"), "{said}");
    assert!(said.contains(&first.child.id().to_string()), "{said}");

    // Another command uses the first process's sandbox: the subscription it made there (not yet
    // saved to sandbox.json) is visible, so no rival sandbox was started from the file.
    let listed = command(dir.path(), &["subscription", "list", "--json"])
        .output()
        .expect("runs");
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains(&subscription), "{listed}");

    // A change: both print the notification, checked once, by the first.
    let answer = post_json(
        &format!("{control}/changes"),
        r#"{"resource":"/me/messages","changeType":"created"}"#,
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let received = first.next_notification();
    let followed = second.next_notification();
    assert_eq!(received["id"], followed["id"]);
    assert_eq!(followed["items"][0]["clientState"], "matches", "{followed}");
    assert_eq!(
        followed["items"].as_array().map(Vec::len),
        Some(1),
        "each item kept once: {followed}"
    );

    // When the first stops, the follower says so and ends.
    assert!(first.interrupt().success());
    loop {
        let value = second.next();
        if value["event"] == "stopped" {
            break;
        }
    }
    assert!(second.child.wait().expect("exits").success());
}
