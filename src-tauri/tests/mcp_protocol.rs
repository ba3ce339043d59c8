//! `webhook-studio mcp` over raw JSON-RPC on stdio, for what the MCP Inspector cannot send (its
//! tests are in `mcp.rs`): a message over the transport's bound, arguments that are not an object.
#![cfg(unix)]
#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use serde_json::Value;

/// A 17 MiB message is over the stdio transport's 16 MiB line bound.
#[test]
fn a_message_over_the_transport_bound_is_dropped_and_the_session_goes_on() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("dir");
    let mut server = common::headless(dir.path(), &["mcp"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut input = server.stdin.take().expect("stdin");
    let mut output = BufReader::new(server.stdout.take().expect("stdout")).lines();
    let mut send = |message: &Value| {
        writeln!(input, "{message}").expect("sent");
        input.flush().expect("flushed");
    };
    let mut answer = || -> Value {
        serde_json::from_str(&output.next().expect("a line").expect("readable")).expect("JSON")
    };
    send(
        &serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"}}}),
    );
    assert_eq!(
        answer()["result"]["serverInfo"]["name"],
        "graph-webhook-studio"
    );
    send(&serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let huge = "a".repeat(17 * 1024 * 1024);
    send(
        &serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "catalog_check", "arguments": {"resource": huge}}}),
    );
    send(
        &serde_json::json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "catalog_search", "arguments": [1, 2]}}),
    );
    let refused = answer();
    assert_eq!(
        refused["id"], 3,
        "the 17 MiB message got no answer: {refused}"
    );
    assert!(
        refused["error"]["code"].is_i64(),
        "a protocol error: {refused}"
    );
    send(
        &serde_json::json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
        "params": {"name": "catalog_search", "arguments": {"query": "outlook", "limit": 1}}}),
    );
    let fine = answer();
    assert_eq!(fine["id"], 4);
    assert_eq!(fine["result"]["structuredContent"]["count"], 1, "{fine}");
    drop(input);
    assert!(
        server.wait().expect("exits").success(),
        "ends when the client goes"
    );
}
