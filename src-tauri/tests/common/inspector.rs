//! The official MCP Inspector's CLI (npm `@modelcontextprotocol/inspector`, installed in
//! `tests/mcp-inspector` by `scripts/setup.sh test`) as the MCP tests drive it: one call a run,
//! over stdio (the Inspector starts the server) or HTTP (to one long-running server).

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_webhook-studio");

fn inspector() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/mcp-inspector/node_modules/.bin/mcp-inspector");
    assert!(
        path.exists(),
        "the MCP Inspector is not installed: run `scripts/setup.sh test` (or `make test`)"
    );
    path
}

/// What one Inspector call printed: its first JSON document (the answer) and whether it
/// exited 0 (it does not for tool errors and protocol errors).
#[derive(Debug)]
pub struct Said {
    pub answer: Value,
    pub ok: bool,
    pub text: String,
}

impl Said {
    /// A tool call's structured content.
    pub fn content(&self) -> &Value {
        &self.answer["structuredContent"]
    }

    /// A tool error flagged `isError`.
    pub fn is_tool_error(&self) -> bool {
        self.answer["isError"] == true && !self.ok
    }
}

fn said(output: &std::process::Output) -> Said {
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let answer = serde_json::Deserializer::from_str(&text)
        .into_iter::<Value>()
        .next()
        .and_then(Result::ok)
        .unwrap_or(Value::Null);
    Said {
        answer,
        ok: output.status.success(),
        text: format!("{text}{}", String::from_utf8_lossy(&output.stderr)),
    }
}

/// One Inspector call to a server it starts over stdio on `dir` (`server` are `mcp`'s flags).
pub fn stdio(dir: &Path, server: &[&str], call: &[String]) -> Said {
    let output = Command::new(inspector())
        .arg("--cli")
        // The Inspector passes a server only the environment it is given.
        .args(["-e", "WEBHOOK_STUDIO_SECRETS=session"])
        .arg(BIN)
        .arg("--data-dir")
        .arg(dir)
        .arg("mcp")
        .args(server)
        .args(call)
        .stdin(Stdio::null())
        .output()
        .expect("the Inspector runs");
    said(&output)
}

/// A tool call's Inspector arguments.
pub fn tool(name: &str, args: &[&str]) -> Vec<String> {
    let mut call = vec![
        "--method".to_owned(),
        "tools/call".to_owned(),
        "--tool-name".to_owned(),
        name.to_owned(),
    ];
    for arg in args {
        call.push("--tool-arg".to_owned());
        call.push((*arg).to_owned());
    }
    call
}

/// `webhook-studio mcp --http` and where it answers.
pub struct HttpServer {
    child: Child,
    pub url: String,
    token: String,
}

impl HttpServer {
    pub fn start(dir: &Path, extra: &[&str]) -> HttpServer {
        let mut args = vec!["mcp", "--http"];
        args.extend_from_slice(extra);
        let mut child = super::headless(dir, &args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines: Lines<BufReader<_>> = BufReader::new(stderr).lines();
        let mut url = None;
        let token = loop {
            let line = lines.next().expect("a line").expect("readable");
            if let Some(at) = line.strip_prefix("MCP server (streamable HTTP): ") {
                url = Some(at.to_owned());
            }
            if let Some(token) = line.strip_prefix("Authorization: Bearer ") {
                break token.to_owned();
            }
        };
        // Keep reading stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        HttpServer {
            child,
            url: url.expect("the URL is printed first"),
            token,
        }
    }

    pub fn call(&self, call: &[String]) -> Said {
        let output = Command::new(inspector())
            .arg("--cli")
            .args(["--transport", "http", "--server-url", &self.url])
            .args(["--header", &format!("Authorization: Bearer {}", self.token)])
            .args(call)
            .stdin(Stdio::null())
            .output()
            .expect("the Inspector runs");
        said(&output)
    }

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().expect("status").is_none()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Makes a change with `trigger_change`, then waits for its notification with
/// `receptions_search` (`after` the newest id before the change): both answers.
pub fn trigger_and_find(
    call: &dyn Fn(&[String]) -> Said,
    resource: &str,
    change: &str,
) -> (Said, Said) {
    let resource = format!("resource={resource}");
    let change = format!("change={change}");
    let triggered = call(&tool("trigger_change", &[&resource, &change]));
    assert!(triggered.ok, "{}", triggered.text);
    let before = triggered.content()["newestIdBefore"]
        .as_i64()
        .expect("an id");
    let after = format!("after={before}");
    let found = call(&tool(
        "receptions_search",
        &[&after, "kind=notification", "waitSeconds=30"],
    ));
    assert!(found.ok, "{}", found.text);
    (triggered, found)
}

pub fn strings(call: &[&str]) -> Vec<String> {
    call.iter().map(|s| (*s).to_owned()).collect()
}

/// A bare MCP initialize POST with `header` (a full header line, or nothing).
pub fn raw_post(url: &str, header: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').expect("a path");
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    let mut stream = std::net::TcpStream::connect(host).expect("connects");
    write!(
        stream,
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\n{header}Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}
