//! Azure Event Hubs delivery against a real Kafka-protocol broker, signed in as Event Hubs asks:
//! tansu (crates.io, an Apache Kafka-compatible broker nobody here wrote) with `--authentication`,
//! its SASL server (rsasl) offering PLAIN (`tools/tansu-plain`), behind stunnel (Debian) for TLS
//! with a certificate from a CA made by the openssl CLI, as Event Hubs' Kafka endpoint speaks TLS
//! (tansu 0.6's own `--cert` and `--key` flags refuse each other on its command line). The app,
//! the sandbox producing and this harness all sign in with PLAIN, the user `$ConnectionString` and
//! the connection string as password. tansu accepts any PLAIN password, so a wrong one is not
//! tested here; a client that does not sign in is refused, and so is an Entra token offered with
//! OAUTHBEARER, which tansu cannot check (see docs/event-hubs.md).
//!
//! Ignored by `cargo test`; `make eventhub-test` installs tansu (cached) and runs them in a
//! throwaway D-Bus session with gnome-keyring, because the connection string lives in the keyring
//! and several processes share it.

#![cfg(unix)]
#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::broker::{Broker, HUB, NAMESPACE, connection_string, free_port};
use serde_json::Value;

fn studio_with_stdin(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = common::headless(dir, args)
        .env_remove("WEBHOOK_STUDIO_SECRETS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("writes");
    child.wait_with_output().expect("ends")
}

fn studio(dir: &Path, args: &[&str]) -> Output {
    studio_with_stdin(dir, args, "")
}

fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `listen --event-hub local --json …` with its stdout as JSON lines.
struct Listening {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

/// How long a line `listen` should print may take (a test fails rather than hangs).
const LINE_DEADLINE: Duration = Duration::from_secs(60);

impl Listening {
    fn start(dir: &Path, extra: &[&str]) -> Listening {
        let mut args = vec!["listen", "--event-hub", "local", "--json"];
        args.extend_from_slice(extra);
        let mut child = common::headless(dir, &args)
            .env_remove("WEBHOOK_STUDIO_SECRETS")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("listen starts");
        let stdout = child.stdout.take().expect("stdout");
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if send.send(line).is_err() {
                    return;
                }
            }
        });
        Listening { child, lines }
    }

    /// The next line matching `wanted` (lines before it are skipped).
    fn next_where(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        while let Some(left) = LINE_DEADLINE.checked_sub(started.elapsed()) {
            let Ok(line) = self.lines.recv_timeout(left) else {
                break;
            };
            let value: Value = serde_json::from_str(&line).expect("JSON");
            if wanted(&value) {
                return value;
            }
        }
        panic!("listen printed no such line within {LINE_DEADLINE:?}");
    }

    fn stop(mut self) {
        let interrupted = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(interrupted.success());
        let status = self.child.wait().expect("ends");
        assert!(status.success(), "Ctrl-C is a clean stop: {status}");
    }
}

fn set_up(broker: &Broker) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("data dir");
    let added = studio(dir.path(), &["account", "add", "--sandbox"]);
    assert!(added.status.success(), "{}", said(&added));
    let ca = broker.ca.display().to_string();
    let broker_address = format!("localhost:{}", broker.port);
    let saved = studio_with_stdin(
        dir.path(),
        &[
            "event-hub",
            "add",
            "local",
            "--broker",
            &broker_address,
            "--ca-file",
            &ca,
        ],
        &connection_string(),
    );
    assert!(saved.status.success(), "{}", said(&saved));
    assert!(said(&saved).contains("hub graph"), "{}", said(&saved));
    dir
}

fn trigger(dir: &Path) {
    let out = studio(dir, &["trigger", "/me/messages", "--change", "created"]);
    assert!(out.status.success(), "{}", said(&out));
}

#[test]
#[ignore = "needs tansu and a D-Bus session with a keyring: make eventhub-test"]
fn a_sandbox_change_travels_through_the_hub_and_a_restart_neither_loses_nor_repeats_one() {
    let broker = Broker::start();
    let dir = set_up(&broker);
    let mut listening = Listening::start(
        dir.path(),
        &[
            "--from",
            "start",
            "--subscribe",
            "/me/messages?$select=subject",
            "--change-type",
            "created",
            "--rich",
        ],
    );
    let first = listening.next_where(|v| v["event"] == "listening");
    let url = first["subscription"]["notificationUrl"]
        .as_str()
        .unwrap_or_default();
    assert!(
        url.starts_with(&format!(
            "EventHub:https://{NAMESPACE}/eventhubname/{HUB}?tenantId="
        )),
        "{first}"
    );
    assert_eq!(
        first["partitions"].as_array().map(Vec::len),
        Some(2),
        "{first}"
    );
    // Graph's validation event reached the hub when the subscription was made.
    let validation = listening.next_where(|v| v["kind"] == "validation");
    assert_eq!(validation["method"], "EVENT", "{validation}");
    assert!(
        validation["query"]
            .as_str()
            .is_some_and(|q| q.starts_with("partition=") && q.contains("&offset=")),
        "where it was in the hub: {validation}"
    );
    trigger(dir.path());
    let notification = listening.next_where(|v| v["kind"] == "notification");
    let item = &notification["items"][0];
    assert_eq!(item["clientState"], "matches", "{notification}");
    assert_eq!(item["tokens"]["state"], "valid", "{notification}");
    assert!(item["decrypted"]["subject"].is_string(), "{notification}");
    listening.stop();

    // While nobody reads, the hub keeps what the sandbox sends (each trigger's own sandbox
    // delivers before its process ends).
    trigger(dir.path());
    trigger(dir.path());
    let mut again = Listening::start(dir.path(), &[]);
    again.next_where(|v| v["event"] == "listening");
    again.next_where(|v| v["kind"] == "notification");
    again.next_where(|v| v["kind"] == "notification");
    again.stop();

    // In the store: one validation event and three notifications, each offset once.
    let store = studio_store::Store::open(&dir.path().join("studio.sqlite3")).expect("store");
    let events: Vec<String> = store
        .receptions(100)
        .expect("receptions")
        .into_iter()
        .filter(|r| r.request.method == "EVENT")
        .map(|r| r.request.query)
        .collect();
    let mut unique = events.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(unique.len(), 4, "nothing stored twice: {events:?}");
}

#[test]
#[ignore = "needs tansu and a D-Bus session with a keyring: make eventhub-test"]
fn bad_connection_strings_and_unreachable_brokers_say_what_to_do() {
    let dir = tempfile::tempdir().expect("data dir");
    let garbage = studio_with_stdin(
        dir.path(),
        &["event-hub", "add", "bad", "--hub", "graph"],
        "Endpoint=https://not-a-namespace/;SharedAccessKey=x",
    );
    assert_eq!(garbage.status.code(), Some(1), "{}", said(&garbage));
    let text = said(&garbage);
    assert!(text.contains("Endpoint must be sb://"), "{text}");
    assert!(
        text.contains("hint: Copy a connection string from the portal"),
        "{text}"
    );
    assert!(
        !text.contains("SharedAccessKey=x"),
        "the secret is not echoed: {text}"
    );

    let closed = format!("localhost:{}", free_port());
    let saved = studio_with_stdin(
        dir.path(),
        &[
            "event-hub",
            "add",
            "nowhere",
            "--broker",
            &closed,
            "--plaintext",
        ],
        &connection_string(),
    );
    assert!(saved.status.success(), "{}", said(&saved));
    let started = Instant::now();
    let out = studio(dir.path(), &["listen", "--event-hub", "nowhere"]);
    let text = said(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("could not be reached"), "{text}");
    assert!(text.contains("hint: "), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "reported within the deadline"
    );
    assert!(
        !text.contains("SharedAccessKey"),
        "the secret is not echoed: {text}"
    );

    // A broker that wants a sign-in, reached without one.
    let broker = Broker::start();
    let address = format!("localhost:{}", broker.port);
    let ca = broker.ca.display().to_string();
    let saved = studio_with_stdin(
        dir.path(),
        &[
            "event-hub",
            "add",
            "anonymous",
            "--broker",
            &address,
            "--ca-file",
            &ca,
            "--no-sasl",
        ],
        &connection_string(),
    );
    assert!(saved.status.success(), "{}", said(&saved));
    let out = studio(dir.path(), &["listen", "--event-hub", "anonymous"]);
    let text = said(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("closed the connection"), "{text}");
    assert!(
        text.contains("hint: ") && text.contains("sign-in"),
        "{text}"
    );
}

#[test]
#[ignore = "needs tansu and a D-Bus session with a keyring: make eventhub-test"]
fn a_hub_that_started_again_is_read_from_its_start_and_said_so() {
    let mut broker = Broker::start();
    let dir = set_up(&broker);
    let mut listening = Listening::start(
        dir.path(),
        &[
            "--from",
            "start",
            "--subscribe",
            "/me/messages",
            "--change-type",
            "created",
        ],
    );
    listening.next_where(|v| v["event"] == "listening");
    trigger(dir.path());
    trigger(dir.path());
    listening.next_where(|v| v["kind"] == "notification");
    listening.next_where(|v| v["kind"] == "notification");
    listening.stop();
    // The hub is recreated while the app is closed; its offsets start at 0 again.
    broker.restart();
    trigger(dir.path());
    let mut again = Listening::start(dir.path(), &[]);
    again.next_where(|v| v["event"] == "listening");
    let after = again.next_where(|v| v["kind"] == "notification");
    assert_eq!(after["items"][0]["clientState"], "matches", "{after}");
    again.stop();
    // What the old hub held and nobody read is lost: the subscription delivering there has a gap
    // to reconcile.
    let health = studio(dir.path(), &["health", "--json"]);
    assert!(health.status.success(), "{}", said(&health));
    let health: Value = serde_json::from_slice(&health.stdout).expect("JSON");
    let gaps = health["openGaps"].as_array().cloned().unwrap_or_default();
    assert!(
        gaps.iter().any(|g| g["cause"] == "hubLost"
            && g["detail"]
                .as_str()
                .is_some_and(|d| d.contains("started again"))),
        "{health}"
    );
}

#[test]
#[ignore = "needs tansu and a D-Bus session with a keyring: make eventhub-test"]
fn an_entra_sign_in_reaches_the_broker_and_its_refusal_says_what_to_do() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().expect("data dir");
    let added = studio(dir.path(), &["account", "add", "--sandbox"]);
    assert!(added.status.success(), "{}", said(&added));
    let address = format!("localhost:{}", broker.port);
    let ca = broker.ca.display().to_string();
    // No connection string: standard input is empty, and nothing asks for it.
    let saved = studio(
        dir.path(),
        &[
            "event-hub",
            "add",
            "entra",
            "--namespace",
            NAMESPACE,
            "--hub",
            HUB,
            "--entra",
            "adele",
            "--broker",
            &address,
            "--ca-file",
            &ca,
        ],
    );
    let text = said(&saved);
    assert!(saved.status.success(), "{text}");
    assert!(
        text.contains("signs in with the account's Entra token"),
        "{text}"
    );
    let listed = said(&studio(dir.path(), &["event-hub", "list"]));
    assert!(
        listed.contains("signs in as adele@sandbox.onmicrosoft.com with Entra"),
        "{listed}"
    );

    // The sandbox hands out a token for the namespace; the client offers it with OAUTHBEARER;
    // tansu's SASL server takes the message and, unable to check an Entra token, refuses it.
    let asked = Instant::now();
    let out = studio(dir.path(), &["listen", "--event-hub", "entra"]);
    let took = asked.elapsed();
    let text = said(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("refused the credentials"), "{text}");
    // Told after the first try (3 s), not after the whole connect deadline (15 s) the client
    // spends retrying every failure.
    assert!(
        took < Duration::from_secs(12),
        "a refusal is told at once: {took:?}"
    );
    assert!(
        text.contains("SaslAuthenticationFailed") || text.contains("authentication failed"),
        "refused after the token was read, not at the mechanism: {text}"
    );
    assert!(
        text.contains("hint: ") && text.contains("Azure Event Hubs Data Receiver"),
        "{text}"
    );
    assert!(!text.contains("eyJ"), "the token is not echoed: {text}");

    // An account that is gone is named as the problem, before any broker is asked.
    let removed = studio(dir.path(), &["account", "remove", "adele"]);
    assert!(removed.status.success(), "{}", said(&removed));
    let out = studio(dir.path(), &["listen", "--event-hub", "entra"]);
    let text = said(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("no longer here"), "{text}");
}
