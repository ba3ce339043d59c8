//! `webhook-studio mcp` driven by a client nobody here wrote: the official MCP Inspector's CLI
//! (`common/inspector.rs`). Ignored by a plain `cargo test`; `make mcp-test` (part of
//! `make test`) runs them.
//!
//! Each Inspector call is one MCP session: over stdio it starts the server anew on the same data
//! folder; over HTTP it connects to one long-running server, which must outlive hostile calls.
#![cfg(unix)]
#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{ChildStdout, Command, Stdio};

use common::inspector::{HttpServer, raw_post, stdio, strings, tool, trigger_and_find};
use serde_json::Value;

/// Every tool the server lists.
const TOOLS: [&str; 13] = [
    "accounts_list",
    "catalog_check",
    "catalog_search",
    "receiver_status",
    "reception_get",
    "receptions_search",
    "replay",
    "sandbox_account_add",
    "subscription_create",
    "subscription_delete",
    "subscription_renew",
    "subscriptions_list",
    "trigger_change",
];

#[test]
#[ignore = "needs the MCP Inspector (scripts/setup.sh test); run by `make mcp-test`"]
fn the_inspector_lists_every_tool_with_schemas_strict_clients_accept() {
    let dir = tempfile::tempdir().expect("dir");
    // --strict: the Inspector's schema portability check fails on any error-severity problem.
    let listed = stdio(
        dir.path(),
        &[],
        &strings(&["--method", "tools/list", "--strict"]),
    );
    assert!(listed.ok, "{}", listed.text);
    let tools = listed.answer["tools"].as_array().expect("tools");
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, TOOLS);
    for tool in tools {
        let name = tool["name"].as_str().unwrap_or_default();
        let schema = &tool["inputSchema"];
        assert_eq!(schema["type"], "object", "{name}");
        let writes = name.starts_with("subscription_") && name != "subscriptions_list";
        if writes {
            assert_eq!(tool["annotations"]["readOnlyHint"], false, "{name}");
            let description = tool["description"].as_str().unwrap_or_default();
            assert!(
                description.starts_with("WRITE (needs --allow-writes)"),
                "{name}"
            );
        }
    }
    let resources = stdio(dir.path(), &[], &strings(&["--method", "resources/list"]));
    assert!(resources.ok, "{}", resources.text);
    let uris: Vec<&str> = resources.answer["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["uri"].as_str())
        .collect();
    for uri in [
        "studio://receptions/latest",
        "studio://catalog",
        "studio://catalog/message",
        "studio://catalog/chatMessage",
    ] {
        assert!(uris.contains(&uri), "{uri} in {uris:?}");
    }
    let message = stdio(
        dir.path(),
        &[],
        &strings(&[
            "--method",
            "resources/read",
            "--uri",
            "studio://catalog/message",
        ]),
    );
    let text = message.answer["contents"][0]["text"]
        .as_str()
        .unwrap_or_default();
    let document: Value = serde_json::from_str(text).expect("a JSON document");
    assert_eq!(document["id"], "message");
    assert!(text.contains("Mail.ReadBasic"), "{text}");
    let missing = stdio(
        dir.path(),
        &[],
        &strings(&[
            "--method",
            "resources/read",
            "--uri",
            "studio://catalog/nothing",
        ]),
    );
    assert!(!missing.ok, "{}", missing.text);
    let prompts = stdio(dir.path(), &[], &strings(&["--method", "prompts/list"]));
    assert!(prompts.text.contains("sandbox_loop"), "{}", prompts.text);
    let prompt = stdio(
        dir.path(),
        &[],
        &strings(&[
            "--method",
            "prompts/get",
            "--prompt-name",
            "sandbox_loop",
            "--prompt-args",
            "resource=/me/events",
        ]),
    );
    assert!(prompt.ok, "{}", prompt.text);
    assert!(prompt.text.contains("/me/events"), "{}", prompt.text);
}

#[test]
#[ignore = "needs the MCP Inspector (scripts/setup.sh test); run by `make mcp-test`"]
fn an_agent_subscribes_triggers_and_reads_the_checked_notification_on_the_sandbox() {
    let dir = tempfile::tempdir().expect("dir");
    let server = HttpServer::start(dir.path(), &["--allow-writes"]);

    let added = server.call(&tool("sandbox_account_add", &[]));
    assert!(added.ok, "{}", added.text);
    assert!(
        added.content()["config"]["id"].is_string(),
        "{}",
        added.text
    );

    let checked = server.call(&tool("catalog_check", &["resource=/me/messages"]));
    assert!(checked.ok, "{}", checked.text);
    assert_eq!(checked.content()["acceptable"], true);
    assert_eq!(
        checked.content()["check"]["problems"],
        Value::Array(vec![]),
        "{}",
        checked.text
    );
    let request = checked.content()["request"].to_string();
    assert!(request.contains("/me/messages"), "{request}");
    // The sandbox user's token grants Mail.Read: the check says so.
    let work = &checked.content()["permissions"][0];
    assert_eq!(work["accountKind"], "delegatedWork");
    assert_eq!(work["status"]["state"], "satisfied", "{work}");

    let created = server.call(&tool("subscription_create", &["resource=/me/messages"]));
    assert!(created.ok, "{}", created.text);
    let subscription = &created.content()["subscription"]["subscription"];
    let id = subscription["id"].as_str().expect("an id").to_owned();
    assert_eq!(subscription["clientState"], "(hidden)");
    assert_eq!(created.content()["preflight"]["ok"], true);

    let (triggered, found) = trigger_and_find(&|call| server.call(call), "/me/messages", "created");
    assert_eq!(triggered.content()["done"]["matchedSubscriptions"], 1);
    let line = &found.content()["receptions"][0];
    assert_eq!(line["kind"], "notification", "{}", found.text);
    assert_eq!(line["pending"], false);
    assert_eq!(line["clientStateProblems"], 0);
    assert_eq!(line["changeType"], "created");
    let reception = line["id"].as_i64().expect("an id");

    let detail = server.call(&tool("reception_get", &[&format!("id={reception}")]));
    assert!(detail.ok, "{}", detail.text);
    let item = &detail.content()["items"][0];
    assert_eq!(item["clientState"], "matches", "{}", detail.text);
    assert_eq!(item["subscriptionId"], id.as_str());
    assert_eq!(
        item["item"]["subscriptionId"],
        id.as_str(),
        "the item is nested JSON"
    );

    // The clientState the app recorded never reaches the agent.
    let store = studio_store::Store::open(&dir.path().join("studio.sqlite3")).expect("store");
    let secret = store
        .owned_one(&id)
        .expect("readable")
        .expect("recorded")
        .client_state;
    assert!(secret.len() > 20);
    // A handler that echoes what it is sent: its answer comes back with the clientState hidden.
    let echo = echo_server();
    let replayed = server.call(&tool(
        "replay",
        &[&format!("id={reception}"), &format!("url={echo}")],
    ));
    assert!(replayed.ok, "{}", replayed.text);
    assert_eq!(replayed.content()["status"], 200, "{}", replayed.text);
    assert!(replayed.text.contains("(hidden)"), "{}", replayed.text);
    for answer in [&created, &found, &detail, &replayed] {
        assert!(!answer.text.contains(&secret), "{}", answer.text);
    }
    let latest = server.call(&strings(&[
        "--method",
        "resources/read",
        "--uri",
        "studio://receptions/latest",
    ]));
    assert!(latest.text.contains("notification"), "{}", latest.text);
}

/// A loopback HTTP server that answers every POST with its body, once; its URL.
fn echo_server() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bound");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let mut request = Vec::new();
        let mut chunk = [0_u8; 8192];
        // Headers, then as many body bytes as Content-Length says.
        loop {
            let Ok(read) = stream.read(&mut chunk) else {
                return;
            };
            request.extend_from_slice(&chunk[..read]);
            let text = String::from_utf8_lossy(&request).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if body.len() >= length || read == 0 {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    return;
                }
            }
        }
    });
    url
}

#[test]
#[ignore = "needs the MCP Inspector (scripts/setup.sh test); run by `make mcp-test`"]
fn hostile_calls_are_refused_and_the_server_lives_on() {
    let dir = tempfile::tempdir().expect("dir");
    let mut server = HttpServer::start(dir.path(), &[]);

    // An unknown tool: a protocol error.
    let unknown = server.call(&tool("rm_rf", &[]));
    assert!(!unknown.ok);
    assert!(unknown.text.contains("rm_rf"), "{}", unknown.text);
    // Wrong types, an unknown field, a value outside the schema, a huge string: tool errors that
    // say what is wrong (the specification's input validation errors).
    let huge = format!("resource=/me/{}", "a".repeat(100_000));
    for (name, args, says) in [
        ("reception_get", vec!["id=abc"], "failed to deserialize"),
        (
            "catalog_check",
            vec!["resource=/me/events", "accountKind=robot"],
            "unknown variant",
        ),
        ("catalog_search", vec!["bogus=1"], "unknown field"),
        (
            "catalog_check",
            vec![huge.as_str()],
            "longer than 2048 bytes",
        ),
    ] {
        let refused = server.call(&tool(name, &args));
        assert!(refused.is_tool_error(), "{name}: {}", refused.text);
        assert!(refused.text.contains(says), "{name}: {}", refused.text);
        assert!(server.alive(), "after {name}");
    }
    // Deep JSON where a string is expected, and a 200-level object: still one refusal.
    let deep = format!("text={}", "[".repeat(200) + &"]".repeat(200));
    let nested = server.call(&tool("receptions_search", &[&deep]));
    assert!(server.alive(), "{}", nested.text);

    let fine = server.call(&tool("catalog_search", &["query=teams channel", "limit=2"]));
    assert!(fine.ok, "{}", fine.text);
    assert_eq!(fine.content()["count"], 2);
    assert_eq!(fine.content()["resources"][0]["workload"], "Teams");

    // Without the run's token nothing answers.
    for header in ["", "Authorization: Bearer wrong\r\n"] {
        let answer = raw_post(&server.url, header);
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    }
    assert!(server.alive());
}

#[test]
#[ignore = "needs the MCP Inspector (scripts/setup.sh test); run by `make mcp-test`"]
fn writes_are_refused_unless_the_server_allows_them() {
    let dir = tempfile::tempdir().expect("dir");
    let added = stdio(dir.path(), &[], &tool("sandbox_account_add", &[]));
    assert!(added.ok, "{}", added.text);
    for (name, args) in [
        ("subscription_create", vec!["resource=/me/messages"]),
        ("subscription_renew", vec!["id=abc"]),
        ("subscription_delete", vec!["id=abc"]),
        ("replay", vec!["id=1", "url=https://example.com/hook"]),
    ] {
        let refused = stdio(dir.path(), &[], &tool(name, &args));
        assert!(refused.is_tool_error(), "{name}: {}", refused.text);
        assert!(
            refused.content()["hint"]
                .as_str()
                .is_some_and(|h| h.contains("--allow-writes")),
            "{name}: {}",
            refused.text
        );
    }
    // The sandbox is this computer: making a change there is not a write to guard.
    let triggered = stdio(
        dir.path(),
        &[],
        &tool("trigger_change", &["resource=/me/messages"]),
    );
    assert!(triggered.ok, "{}", triggered.text);
    // Nothing was created.
    let listed = stdio(dir.path(), &[], &tool("subscriptions_list", &[]));
    assert!(listed.ok, "{}", listed.text);
    assert_eq!(
        listed.content()["items"],
        Value::Array(vec![]),
        "{}",
        listed.text
    );
}

#[test]
#[ignore = "needs the MCP Inspector (scripts/setup.sh test); run by `make mcp-test`"]
fn beside_the_process_that_receives_subscriptions_point_at_it() {
    let dir = tempfile::tempdir().expect("dir");
    let added = common::headless(dir.path(), &["account", "add", "--sandbox"])
        .output()
        .expect("runs");
    assert!(added.status.success());
    // `listen` stands in for the window: it receives for the folder and runs the sandbox.
    let mut listen = common::headless(dir.path(), &["listen", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("listen starts");
    let stdout: ChildStdout = listen.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let listening: Value =
        serde_json::from_str(&lines.next().expect("a line").expect("readable")).expect("JSON");
    let url = listening["notificationUrl"]
        .as_str()
        .expect("a URL")
        .to_owned();

    // One long-lived server, as an agent's client keeps it: what it reports as newest must follow
    // what the other process stores.
    let server = HttpServer::start(dir.path(), &["--allow-writes"]);
    let run = |call: &[String]| server.call(call);
    let created = run(&tool("subscription_create", &["resource=/me/events"]));
    assert!(created.ok, "{}", created.text);
    assert_eq!(
        created.content()["subscription"]["subscription"]["notificationUrl"],
        url.as_str()
    );
    let status = run(&tool("receiver_status", &[]));
    assert!(
        status.content()["receivedElsewhereBy"]["process"]
            .as_str()
            .is_some_and(|p| p.contains("listen")),
        "{}",
        status.text
    );
    let mut seen = Vec::new();
    for change in ["updated", "deleted"] {
        let (_, found) = trigger_and_find(&run, "/me/events", change);
        let line = &found.content()["receptions"][0];
        assert_eq!(line["changeType"], change, "{}", found.text);
        let reception = line["id"].as_i64().expect("one arrived");
        assert!(found.content()["newestId"].as_i64() >= Some(reception));
        // `listen` checked it: it found the subscription another process made in the store.
        let detail = run(&tool("reception_get", &[&format!("id={reception}")]));
        assert_eq!(
            detail.content()["items"][0]["clientState"],
            "matches",
            "{}",
            detail.text
        );
        seen.push(reception);
    }
    assert!(seen[1] > seen[0], "{seen:?}");
    drop(server);
    let _ = Command::new("kill")
        .args(["-INT", &listen.id().to_string()])
        .status();
    let _ = listen.wait();
}
