//! `webhook-studio conform` as CI runs it, against a server nobody here wrote: Python's
//! `http.server`, which answers every POST with 501. Every handshake and delivery fails with the
//! status named, the exit code is 1, and the JUnit file lists the failures; a URL that is not one
//! is refused with a hint.

mod common;

use std::process::{Child, Command, Stdio};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn conform(dir: &std::path::Path, args: &[&str]) -> std::io::Result<std::process::Output> {
    let args: Vec<&str> = ["conform"].iter().chain(args).copied().collect();
    common::headless(&dir.join("data"), &args).output()
}

#[test]
fn a_server_that_refuses_posts_fails_with_exit_1_and_a_junit_report() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))?
        .local_addr()?
        .port();
    let _server = Server(
        Command::new("python3")
            .args([
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                &port.to_string(),
            ])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let junit = dir.path().join("conformance.xml");
    let url = format!("http://127.0.0.1:{port}/api/notifications");
    let out = conform(
        dir.path(),
        &[
            &url,
            "--burst",
            "20",
            "--junit",
            &junit.display().to_string(),
        ],
    )?;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL  handshake.notification"), "{text}");
    assert!(text.contains("Answered 501; Graph needs 200 OK."), "{text}");
    assert!(text.contains("FAIL  notification.plain"), "{text}");
    assert!(
        text.contains("WARN  handshake.lifecycle"),
        "no lifecycle URL: {text}"
    );
    let xml = std::fs::read_to_string(&junit)?;
    assert!(
        xml.contains("<testcase name=\"handshake.notification\""),
        "{xml}"
    );
    assert!(xml.matches("<failure").count() >= 5, "{xml}");

    // A certificate and key handed over, then used: the suite checks they are a pair.
    let made = dir.path().join("made");
    let out = conform(
        dir.path(),
        &["--make-certificate", &made.display().to_string()],
    )?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (certificate, key) = (
        made.join("conform-certificate.pem"),
        made.join("conform-key.pem"),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key)?.permissions().mode() & 0o777, 0o600);
    }
    assert!(std::fs::read_to_string(&key)?.contains("BEGIN PRIVATE KEY"));
    // A second time into the same folder replaces nothing (a handler may use the first key), and
    // a folder that exists keeps its permissions.
    let again = conform(
        dir.path(),
        &["--make-certificate", &made.display().to_string()],
    )?;
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared)?;
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755))?;
        let out = conform(
            dir.path(),
            &["--make-certificate", &shared.display().to_string()],
        )?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::metadata(&shared)?.permissions().mode() & 0o777,
            0o755
        );
    }
    let paired = conform(
        dir.path(),
        &[
            &url,
            "--burst",
            "0",
            "--certificate",
            &certificate.display().to_string(),
            "--key",
            &key.display().to_string(),
        ],
    )?;
    let text = String::from_utf8_lossy(&paired.stdout);
    assert!(text.contains("Your key decrypts"), "{text}");

    let json = conform(dir.path(), &[&url, "--burst", "0", "--json"])?;
    let run: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap_or_default();
    assert_eq!(run["report"]["outcome"], "fail", "{run}");
    assert_eq!(run["id"], 3, "the third run in the history");
    assert_eq!(run["report"]["delivery"]["state"], "quiet", "{run}");

    // `health` follows the endpoint from run to run (nothing was acknowledged, so every run
    // judged it quiet).
    let health = common::headless(&dir.path().join("data"), &["health", "--json"]).output()?;
    let health: serde_json::Value = serde_json::from_slice(&health.stdout).unwrap_or_default();
    assert_eq!(health["tested"][0]["url"], url, "{health}");
    let runs = health["tested"][0]["runs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(runs.len(), 3, "{health}");
    assert_eq!(runs[0]["runId"], 3, "newest first: {health}");
    assert!(
        runs.iter().all(|r| r["health"]["state"] == "quiet"),
        "{health}"
    );
    let text = common::headless(&dir.path().join("data"), &["health"]).output()?;
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!("tested {url}: quiet (0 answers in the run"))
            && text.contains("earlier runs, newest first: quiet, quiet"),
        "{text}"
    );
    Ok(())
}

#[test]
fn a_url_that_is_not_one_is_refused_with_a_hint_and_exit_2() -> std::io::Result<()> {
    let dir = tempfile::tempdir()?;
    let out = conform(dir.path(), &["localhost:7071/api"])?;
    assert_eq!(
        out.status.code(),
        Some(2),
        "could not run: not a failing check"
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("is not an http:// or https:// URL"), "{said}");
    assert!(
        said.contains("hint: Give the handler's whole URL"),
        "{said}"
    );
    Ok(())
}
