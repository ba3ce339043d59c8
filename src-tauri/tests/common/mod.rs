//! What the binary's integration tests share: the binary as a headless command on a data folder,
//! and a bare HTTP POST.

#![allow(dead_code, reason = "each test file uses part of it")]

pub mod broker;
pub mod inspector;

use std::path::Path;
use std::process::{Command, Stdio};

/// The binary with no display, a data folder and secrets kept in memory (the user's keyring is
/// never touched); `args` go before `--data-dir`.
pub fn headless(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_webhook-studio"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("WEBHOOK_STUDIO_SECRETS", "session")
        .stdin(Stdio::null());
    command
}

/// POSTs JSON to a loopback URL with a bare HTTP/1.1 request (no client library needed here).
pub fn post_json(url: &str, body: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = std::net::TcpStream::connect(host)?;
    write!(
        stream,
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}
