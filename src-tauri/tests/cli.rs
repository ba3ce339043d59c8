//! The real `webhook-studio` binary as a headless CLI: no display, no GTK.

mod common;

use std::process::{Command, Output};

fn studio(args: &[&str]) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_webhook-studio"))
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WEBHOOK_STUDIO_DATA_DIR")
        .output()
}

#[test]
fn version_prints_without_a_display() -> std::io::Result<()> {
    let out = studio(&["--version"])?;
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("webhook-studio {}", env!("CARGO_PKG_VERSION"))
    );
    Ok(())
}

#[test]
fn help_lists_the_data_dir_override() -> std::io::Result<()> {
    let out = studio(&["--help"])?;
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--data-dir"), "{text}");
    assert!(text.contains("WEBHOOK_STUDIO_DATA_DIR"), "{text}");
    Ok(())
}

#[test]
fn unknown_flag_is_a_usage_error_with_exit_code_2() -> std::io::Result<()> {
    let out = studio(&["--bogus"])?;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unexpected argument"));
    Ok(())
}

#[test]
fn info_uses_the_data_dir_it_is_given() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().display().to_string();
    let out = studio(&["info", "--json", "--data-dir", &path])?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(info["dataDir"], serde_json::json!(path));
    assert!(
        dir.path().join("logs").is_dir(),
        "the log folder is created below the data dir"
    );
    Ok(())
}

#[test]
fn info_reports_a_corrupt_settings_file_and_keeps_it() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("config"))?;
    std::fs::write(
        dir.path().join("config/settings.toml"),
        "receiverPort = \"eighty\"",
    )?;
    let out = Command::new(env!("CARGO_BIN_EXE_webhook-studio"))
        .args(["info"])
        .env("WEBHOOK_STUDIO_DATA_DIR", dir.path())
        .env_remove("DISPLAY")
        .output()?;
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("warning:") && text.contains("defaults are in use"),
        "{text}"
    );
    let kept = std::fs::read_dir(dir.path().join("config"))?
        .flatten()
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("settings.toml.bad-")
        });
    assert!(kept);
    Ok(())
}

#[test]
fn the_window_without_a_display_explains_instead_of_panicking() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let out = studio(&["--data-dir", &dir.path().display().to_string()])?;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no display"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    Ok(())
}

#[test]
fn catalog_json_lists_every_resource_with_paths_and_permissions() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let out = studio(&[
        "catalog",
        "--json",
        "--data-dir",
        &dir.path().display().to_string(),
    ])?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let resources: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let list = resources.as_array().map(Vec::as_slice).unwrap_or_default();
    assert!(list.len() >= 30, "{} resources", list.len());
    let chat_message = list
        .iter()
        .find(|r| r["id"] == "chatMessage")
        .cloned()
        .unwrap_or_default();
    assert_eq!(chat_message["maxMinutes"], 4320);
    assert!(
        chat_message["paths"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["template"] == "/teams/getAllMessages"))
    );
    Ok(())
}

#[test]
fn catalog_check_exits_0_when_acceptable_and_1_on_problems() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().display().to_string();
    let good = studio(&[
        "catalog",
        "check",
        "/me/messages",
        "--expires-in",
        "60",
        "--data-dir",
        &data,
    ])?;
    assert_eq!(
        good.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&good.stdout)
    );
    let bad = studio(&[
        "catalog",
        "check",
        "/drives/d1/root",
        "--change-type",
        "created",
        "--data-dir",
        &data,
    ])?;
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("does not support `created`"));
    let unknown = studio(&["catalog", "check", "/nope", "--json", "--data-dir", &data])?;
    assert_eq!(unknown.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&unknown.stdout)?;
    assert!(
        json["check"]["nearest"]
            .as_array()
            .is_some_and(|n| !n.is_empty())
    );
    Ok(())
}

#[test]
fn catalog_check_fails_when_the_granted_permissions_fall_short() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().display().to_string();
    let args = [
        "catalog",
        "check",
        "/communications/callRecords",
        "--account-kind",
        "app",
        "--data-dir",
        &data,
    ];
    let short = studio(&[&args[..], &["--granted", "User.Read.All"]].concat())?;
    assert_eq!(short.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&short.stdout).contains("/adminconsent?client_id="));
    let enough = studio(&[&args[..], &["--granted", "CallRecords.Read.All"]].concat())?;
    assert_eq!(
        enough.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&enough.stdout)
    );
    Ok(())
}

/// The binary with a data dir and secrets kept in memory (the user's keyring is never touched).
fn studio_in(dir: &std::path::Path, args: &[&str]) -> std::io::Result<Output> {
    common::headless(dir, args).output()
}

#[test]
fn accounts_and_subscriptions_from_the_command_line() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let text = |out: &Output| String::from_utf8_lossy(&out.stdout).into_owned();
    let err = |out: &Output| String::from_utf8_lossy(&out.stderr).into_owned();
    let out = studio_in(dir.path(), &["account", "add", "--sandbox"])?;
    assert!(out.status.success(), "{}", err(&out));
    assert!(
        text(&out).contains("adele@sandbox.onmicrosoft.com"),
        "{}",
        text(&out)
    );
    let out = studio_in(dir.path(), &["account", "add", "--sandbox", "--app"])?;
    assert!(out.status.success(), "{}", err(&out));
    let out = studio_in(dir.path(), &["account", "list", "--json"])?;
    let list: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(list["accounts"].as_array().map(Vec::len), Some(2));
    assert!(
        !text(&out).contains("sbx~"),
        "the sandbox app's secret never leaves"
    );
    let out = studio_in(dir.path(), &["subscription", "list", "--account", "adele"])?;
    assert!(out.status.success(), "{}", err(&out));
    assert!(text(&out).contains("no subscriptions"), "{}", text(&out));
    let out = studio_in(dir.path(), &["subscription", "delete", "0000-missing"])?;
    assert_eq!(out.status.code(), Some(1));
    assert!(err(&out).contains("hint:"), "{}", err(&out));
    let out = studio_in(dir.path(), &["account", "remove", "sandbox app"])?;
    assert!(out.status.success(), "{}", err(&out));
    let out = studio_in(dir.path(), &["account", "remove", "nobody"])?;
    assert_eq!(out.status.code(), Some(1));
    Ok(())
}

#[test]
fn secrets_never_come_from_the_command_line() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let out = studio_in(
        dir.path(),
        &[
            "account",
            "add",
            "--tenant",
            "t",
            "--client-id",
            "c",
            "--client-secret",
            "x",
        ],
    )?;
    assert_eq!(
        out.status.code(),
        Some(2),
        "there is no --client-secret flag"
    );
    let out = studio_in(
        dir.path(),
        &[
            "account",
            "add",
            "--tenant",
            "contoso.example",
            "--client-id",
            "c",
            "--app",
            "--client-secret-stdin",
        ],
    )?;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty"));
    let out = studio_in(
        dir.path(),
        &["account", "add", "--sandbox", "--tenant", "t"],
    )?;
    assert_eq!(out.status.code(), Some(2));
    Ok(())
}

#[cfg(unix)]
#[test]
fn listen_prints_each_notification_with_its_checks_and_stops_on_ctrl_c() -> std::io::Result<()> {
    use std::io::BufRead;
    let dir = tempfile::tempdir()?;
    let added = studio_in(dir.path(), &["account", "add", "--sandbox"])?;
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_webhook-studio"))
        .args([
            "listen",
            "--json",
            "--subscribe",
            "/me/messages?$select=subject",
            "--change-type",
            "created",
            "--rich",
            "--data-dir",
        ])
        .arg(dir.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("WEBHOOK_STUDIO_SECRETS", "session")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or(std::io::ErrorKind::BrokenPipe)?;
    let mut lines = std::io::BufReader::new(stdout).lines();
    let first: serde_json::Value =
        serde_json::from_str(&lines.next().ok_or(std::io::ErrorKind::UnexpectedEof)??)?;
    assert_eq!(first["event"], "listening", "{first}");
    assert!(first["subscription"]["id"].is_string(), "{first}");
    assert!(first["sandboxControl"].is_string(), "{first}");
    // Another process makes the change, on the sandbox this `listen` runs.
    let triggered = common::headless(
        dir.path(),
        &["trigger", "/me/messages", "--change", "created"],
    )
    .output()?;
    let said = String::from_utf8_lossy(&triggered.stdout);
    assert!(
        triggered.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&triggered.stderr)
    );
    assert!(
        said.contains("POST http://127.0.0.1:"),
        "the plan first: {said}"
    );
    assert!(said.contains("notified 1 subscription"), "{said}");
    let mut notification = serde_json::Value::Null;
    for line in lines.by_ref() {
        let value: serde_json::Value = serde_json::from_str(&line?)?;
        if value["kind"] == "notification" {
            notification = value;
            break;
        }
    }
    let item = &notification["items"][0];
    assert_eq!(item["clientState"], "matches", "{notification}");
    assert_eq!(
        item["tokens"],
        serde_json::json!({"state": "valid", "count": 1}),
        "{notification}"
    );
    assert!(item["decrypted"]["subject"].is_string(), "{notification}");
    // Another process sees this receiver's delivery health, as its heartbeat records it (at
    // once when the state moves; a bounded wait for that write).
    let mut seen = serde_json::Value::Null;
    for _ in 0..50 {
        let health = common::headless(dir.path(), &["health", "--json"]).output()?;
        assert!(health.status.success());
        seen = serde_json::from_slice(&health.stdout)?;
        if seen["deliveryElsewhere"]["health"]["answers"].as_u64() >= Some(1) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        seen["deliveryElsewhere"]["health"]["state"], "healthy",
        "{seen}"
    );
    assert!(seen.get("delivery").is_none(), "{seen}");
    let text = common::headless(dir.path(), &["health"]).output()?;
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("delivery: healthy (") && text.contains("the receiver of another process"),
        "{text}"
    );
    let status = signal_and_wait(&mut child, "-INT")?;
    assert!(status.success(), "Ctrl-C is a clean stop: {status}");
    Ok(())
}

/// `listen --json ARGS` started, once it said it is listening; its further lines, and the
/// "listening" line itself.
fn listening(
    dir: &std::path::Path,
    args: &[&str],
) -> std::io::Result<(
    std::process::Child,
    std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
    serde_json::Value,
)> {
    use std::io::BufRead;
    let mut all = vec!["listen", "--json"];
    all.extend_from_slice(args);
    let mut child = common::headless(dir, &all)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or(std::io::ErrorKind::BrokenPipe)?;
    let mut lines = std::io::BufReader::new(stdout).lines();
    let first: serde_json::Value =
        serde_json::from_str(&lines.next().ok_or(std::io::ErrorKind::UnexpectedEof)??)?;
    assert_eq!(first["event"], "listening", "{first}");
    Ok((child, lines, first))
}

#[test]
fn listen_stops_cleanly_when_nobody_reads_its_output() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut child, lines, first) = listening(dir.path(), &[])?;
    // `listen --json | head -1`: the reader goes away after the first line.
    drop(lines);
    let local = first["local"].as_str().unwrap_or_default();
    let body = r#"{"value":[{"subscriptionId":"s","changeType":"created","resource":"r"}]}"#;
    assert!(common::post_json(local, body)?.starts_with("HTTP/1.1 202"));
    // Printing that notification finds the pipe closed: a clean stop, not a panic (exit 101).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("listen kept running with nobody reading its output");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    Ok(())
}

#[test]
fn sigterm_stops_listen_as_cleanly_as_ctrl_c() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let (mut child, _lines, _) = listening(dir.path(), &[])?;
    let status = signal_and_wait(&mut child, "-TERM")?;
    assert!(status.success(), "SIGTERM is a clean stop: {status}");
    // The listening period was closed, not left to its last heartbeat.
    let store = studio_store::Store::open(&dir.path().join("studio.sqlite3"))
        .map_err(std::io::Error::other)?;
    let periods = store.listening_periods().map_err(std::io::Error::other)?;
    assert!(
        periods.last().is_some_and(|p| p.stopped_at.is_some()),
        "{periods:?}"
    );
    // A stopped receiver is nobody's delivery health.
    let health = common::headless(dir.path(), &["health"]).output()?;
    let health = String::from_utf8_lossy(&health.stdout);
    assert!(
        health.contains("delivery: no receiver is listening"),
        "{health}"
    );
    Ok(())
}

#[test]
fn listen_says_when_graph_removed_its_subscription_and_it_was_made_again() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    assert!(
        common::headless(dir.path(), &["account", "add", "--sandbox"])
            .output()?
            .status
            .success()
    );
    let (mut child, mut lines, first) = listening(
        dir.path(),
        &["--subscribe", "/me/messages", "--change-type", "created"],
    )?;
    let id = first["subscription"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let control = first["sandboxControl"].as_str().unwrap_or_default();
    let answer = common::post_json(
        &format!("{control}/lifecycle"),
        &serde_json::json!({"subscriptionId": id, "event": "subscriptionRemoved"}).to_string(),
    )?;
    assert!(answer.starts_with("HTTP/1.1 2"), "{answer}");
    let mut recreated = serde_json::Value::Null;
    for line in lines.by_ref() {
        let value: serde_json::Value = serde_json::from_str(&line?)?;
        if value["event"] == "recreated" {
            recreated = value;
            break;
        }
    }
    assert_eq!(recreated["previous"], id.as_str(), "{recreated}");
    assert!(
        recreated["subscription"]
            .as_str()
            .is_some_and(|new| new != id),
        "{recreated}"
    );
    assert!(recreated["error"].is_null(), "{recreated}");
    assert!(signal_and_wait(&mut child, "-INT")?.success());
    Ok(())
}

#[test]
fn sigterm_stops_the_stdio_mcp_server_cleanly() -> std::io::Result<()> {
    use std::io::{BufRead, Write};
    let dir = tempfile::tempdir()?;
    let mut child = common::headless(dir.path(), &["mcp"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    // Served: it answers an initialize request (so its handlers are in place).
    let mut stdin = child.stdin.take().ok_or(std::io::ErrorKind::BrokenPipe)?;
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"protocolVersion":"2025-03-26","capabilities":{{}},"clientInfo":{{"name":"test","version":"0"}}}}}}"#
    )?;
    let stdout = child.stdout.take().ok_or(std::io::ErrorKind::BrokenPipe)?;
    let mut lines = std::io::BufReader::new(stdout).lines();
    let answer = lines.next().ok_or(std::io::ErrorKind::UnexpectedEof)??;
    assert!(answer.contains("\"id\":1"), "{answer}");
    // The client keeps stdin open; a supervisor stops the server.
    let status = signal_and_wait(&mut child, "-TERM")?;
    assert!(status.success(), "SIGTERM is a clean stop: {status}");
    drop(stdin);
    Ok(())
}

#[test]
fn a_trigger_with_no_receiver_says_its_notification_did_not_arrive() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let run = |args: &[&str]| common::headless(dir.path(), args).output();
    assert!(run(&["account", "add", "--sandbox"])?.status.success());
    let (mut child, _lines, _) = listening(
        dir.path(),
        &["--subscribe", "/me/messages", "--change-type", "created"],
    )?;
    let status = signal_and_wait(&mut child, "-INT")?;
    assert!(status.success(), "{status:?}");
    // The subscription lives on in the sandbox; its receiver does not.
    let triggered = run(&["trigger", "/me/messages", "--change", "created"])?;
    let said = String::from_utf8_lossy(&triggered.stdout);
    assert!(triggered.status.success(), "{said}");
    assert!(!said.contains("notified 1"), "{said}");
    assert!(
        said.contains("0 acknowledged, 1 not delivered") && said.contains("did not answer"),
        "{said}"
    );
    Ok(())
}

#[test]
fn trigger_shows_its_plan_and_asks_for_missing_permissions() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let run = |args: &[&str]| common::headless(dir.path(), args).output();
    assert!(run(&["account", "add", "--sandbox"])?.status.success());
    let dry = run(&[
        "trigger",
        "/me/events",
        "--via",
        "graph",
        "--dry-run",
        "--json",
    ])?;
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&dry.stdout)?;
    assert_eq!(plan["requests"][0]["method"], "POST");
    assert_eq!(plan["missingPermission"], "Calendars.ReadWrite");
    let refused = run(&["trigger", "/me/events", "--via", "graph"])?;
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("account permit"), "{stderr}");
    let nothing = run(&["trigger", "/communications/callRecords", "--via", "graph"])?;
    assert_eq!(nothing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&nothing.stderr).contains("hint:"));
    Ok(())
}

#[test]
fn certificates_from_the_command_line() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let empty = studio_in(dir.path(), &["cert", "list"])?;
    assert!(String::from_utf8_lossy(&empty.stdout).contains("No certificates yet"));
    let made = studio_in(dir.path(), &["cert", "create", "--bits", "2048"])?;
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let id = String::from_utf8_lossy(&made.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(id.starts_with("gws-"), "{id}");
    let pem = studio_in(dir.path(), &["cert", "export", &id, "--pem"])?;
    assert!(String::from_utf8_lossy(&pem.stdout).starts_with("-----BEGIN CERTIFICATE-----"));
    let listed = studio_in(dir.path(), &["cert", "list", "--json"])?;
    let list: serde_json::Value = serde_json::from_slice(&listed.stdout)?;
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["current"], true);
    let weak = studio_in(dir.path(), &["cert", "create", "--bits", "1024"])?;
    assert_eq!(weak.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&weak.stderr).contains("2048, 3072 or 4096"));
    let bogus = studio_in(dir.path(), &["listen", "--tunnel", "bogus"])?;
    assert_eq!(bogus.status.code(), Some(1));
    let said = String::from_utf8_lossy(&bogus.stderr);
    assert!(
        said.contains("not a tunnel provider") && said.contains("hint:"),
        "{said}"
    );
    let deleted = studio_in(dir.path(), &["cert", "delete", &id])?;
    assert!(deleted.status.success());
    let missing = studio_in(dir.path(), &["cert", "export", &id])?;
    assert_eq!(missing.status.code(), Some(1));
    Ok(())
}

#[cfg(unix)]
#[test]
fn everything_the_app_writes_is_private_to_the_user() -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let out = studio_in(&data, &["account", "add", "--sandbox"])?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mode = |p: &std::path::Path| -> std::io::Result<u32> {
        Ok(std::fs::metadata(p)?.permissions().mode() & 0o777)
    };
    assert_eq!(mode(&data)?, 0o700, "the data folder");
    assert_eq!(mode(&data.join("logs"))?, 0o700, "the log folder");
    for entry in std::fs::read_dir(&data)?.chain(std::fs::read_dir(data.join("logs"))?) {
        let path = entry?.path();
        if path.is_file() {
            assert_eq!(mode(&path)?, 0o600, "{}", path.display());
        }
    }
    assert!(data.join("studio.sqlite3").exists() && data.join("sandbox.json").exists());
    Ok(())
}

/// Sends `signal` (`-INT` as Ctrl-C does, `-TERM` as a supervisor does) to `child` and waits for
/// it to end.
fn signal_and_wait(
    child: &mut std::process::Child,
    signal: &str,
) -> std::io::Result<std::process::ExitStatus> {
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()?;
    assert!(sent.success(), "kill {signal} failed");
    child.wait()
}
