//! Packaging: the app as an installed desktop program. A second launch on the same
//! data folder shows the running window instead of starting a rival, and updates come from a
//! signed manifest: offered with their notes, verified, and refused when tampered with.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::json;
use studio_tests::webdriver::{Launch, RealApp, app_binary, workspace_root};

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn a_second_launch_shows_the_running_window_and_exits() -> Result<()> {
    let app = RealApp::launch("single-instance").await?;
    let second = tokio::process::Command::new(app_binary())
        .arg("--data-dir")
        .arg(app.data_dir.path())
        .env("WEBHOOK_STUDIO_FIRST_START", "empty")
        .output();
    let second = tokio::time::timeout(Duration::from_secs(20), second)
        .await
        .context("the second launch did not exit: it opened a window of its own")??;
    ensure!(
        second.status.success(),
        "the second launch failed: {}",
        String::from_utf8_lossy(&second.stderr)
    );
    // The first window heard of it, and still answers.
    ensure!(
        logged(&app, "a second launch on this data folder").await?,
        "the running window was not told of the second launch"
    );
    app.click("[data-testid=nav-settings]").await?;
    app.wait_for("[data-testid=screen-settings]").await?;
    app.close().await
}

/// The desktop's notification service (dunst, a third-party daemon the session's D-Bus starts on
/// the first notification) shows "Show a test notification": the real popup path, from the
/// button through the notification plugin and D-Bus to the daemon, which lists it in its history
/// once closed.
#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn the_desktop_shows_the_apps_notifications() -> Result<()> {
    let app = RealApp::launch("desktop-notification").await?;
    app.click("[data-testid=nav-settings]").await?;
    app.click("[data-testid=notification-test]").await?;
    app.wait_for("[data-testid=notification-test-sent]").await?;
    let dunstctl = |args: &'static [&'static str]| async move {
        let out = tokio::process::Command::new("dunstctl")
            .args(args)
            .output()
            .await
            .context("dunstctl (Debian's dunst; `make setup-test` installs it)")?;
        ensure!(
            out.status.success(),
            "dunstctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok::<_, anyhow::Error>(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let mut shown = false;
    for _ in 0..100 {
        // `count displayed` needs the daemon: D-Bus starts it on the first Notify.
        if dunstctl(&["count", "displayed"])
            .await
            .is_ok_and(|n| n.trim() != "0")
        {
            shown = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ensure!(
        shown,
        "no notification was displayed by the desktop's notification service"
    );
    app.screenshot("desktop-notification").await?;
    dunstctl(&["close-all"]).await?;
    let history = dunstctl(&["history"]).await?;
    ensure!(
        history.contains("Graph Webhook Studio can reach you")
            && history.contains("slow down or drop your receiver"),
        "the notification's title and body are not in the desktop's history: {history}"
    );
    app.close().await
}

/// Whether the app's log says `text` within five seconds.
async fn logged(app: &RealApp, text: &str) -> Result<bool> {
    let logs = app.data_dir.path().join("logs");
    for _ in 0..50 {
        let found = std::fs::read_dir(&logs)?.flatten().any(|entry| {
            std::fs::read_to_string(entry.path()).is_ok_and(|content| content.contains(text))
        });
        if found {
            return Ok(true);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(false)
}

/// The update server: `latest.json` offers 9.9.9 with a signed artifact; switched to tampered,
/// the artifact's bytes no longer match the signature.
#[derive(Clone)]
struct Releases {
    tampered: Arc<AtomicBool>,
    base: String,
}

async fn manifest(State(releases): State<Releases>) -> axum::Json<serde_json::Value> {
    let signature =
        std::fs::read_to_string(fixtures().join("artifact.bin.sig")).unwrap_or_default();
    axum::Json(json!({
        "version": "9.9.9",
        "notes": "Faster Inspector.\n<b>Not bold</b>: notes are text, never HTML.",
        "pub_date": "2026-11-20T10:00:00Z",
        "platforms": {
            "linux-x86_64": {
                "url": format!("{}/artifact.bin", releases.base),
                "signature": signature.trim(),
            }
        }
    }))
}

async fn artifact(State(releases): State<Releases>) -> Vec<u8> {
    let mut bytes = std::fs::read(fixtures().join("artifact.bin")).unwrap_or_default();
    if releases.tampered.load(Ordering::SeqCst)
        && let Some(first) = bytes.first_mut()
    {
        *first ^= 0x20;
    }
    bytes
}

fn fixtures() -> std::path::PathBuf {
    workspace_root().join("tests/fixtures/updater")
}

/// Where the test's releases come from: this test's own HTTP server, or (for the installed
/// release build, which only asks https) the package test's HTTPS server, named by
/// `WEBHOOK_STUDIO_UPDATE_SERVER`, tampered with once `WEBHOOK_STUDIO_UPDATE_TAMPER_FLAG` exists.
enum Server {
    Own(Releases, tokio::task::JoinHandle<std::io::Result<()>>),
    External {
        base: String,
        flag: std::path::PathBuf,
    },
}

impl Server {
    async fn start() -> Result<Server> {
        if let (Ok(base), Ok(flag)) = (
            std::env::var("WEBHOOK_STUDIO_UPDATE_SERVER"),
            std::env::var("WEBHOOK_STUDIO_UPDATE_TAMPER_FLAG"),
        ) {
            return Ok(Server::External {
                base,
                flag: flag.into(),
            });
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address: SocketAddr = listener.local_addr()?;
        let releases = Releases {
            tampered: Arc::new(AtomicBool::new(false)),
            base: format!("http://{address}"),
        };
        let router = Router::new()
            .route("/latest.json", get(manifest))
            .route("/artifact.bin", get(artifact))
            .with_state(releases.clone());
        let task = tokio::spawn(async move { axum::serve(listener, router).await });
        Ok(Server::Own(releases, task))
    }

    fn base(&self) -> &str {
        match self {
            Server::Own(releases, _) => &releases.base,
            Server::External { base, .. } => base,
        }
    }

    fn tamper(&self) -> Result<()> {
        match self {
            Server::Own(releases, _) => releases.tampered.store(true, Ordering::SeqCst),
            Server::External { flag, .. } => std::fs::write(flag, b"tampered")?,
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Server::Own(_, task) = self {
            task.abort();
        }
    }
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn updates_are_offered_verified_and_refused_when_tampered() -> Result<()> {
    let server = Server::start().await?;
    let app = launch_with_updates("updates", &server).await?;
    app.click("[data-testid=nav-settings]").await?;
    let at_start = app
        .eval("return document.querySelector('[data-testid=updates-at-start]').checked")
        .await?;
    ensure!(
        at_start == json!(false),
        "the start-up look is off by default"
    );
    app.click("[data-testid=updates-check]").await?;
    let offer = app.text("[data-testid=update-offer]").await?;
    ensure!(offer.contains("9.9.9"), "offer: {offer}");
    let notes = app.text("[data-testid=release-notes]").await?;
    ensure!(
        notes.contains("<b>Not bold</b>"),
        "the notes are shown as text: {notes}"
    );
    app.eval("document.querySelector('[data-testid=update-offer]').scrollIntoView({block: 'center'}); return null")
        .await?;
    app.screenshot("offered").await?;

    app.click("[data-testid=update-download]").await?;
    let verified = app.text("[data-testid=update-verified]").await?;
    ensure!(
        verified.contains("signature matches"),
        "verified: {verified}"
    );
    app.wait_for("[data-testid=update-install]").await?;
    app.screenshot("verified").await?;

    // The same release, its bytes changed on the way: refused, nothing to install.
    server.tamper()?;
    app.click("[data-testid=updates-check]").await?;
    app.click("[data-testid=update-download]").await?;
    let refused = app.text("[data-testid=update-offer] [role=alert]").await?;
    ensure!(
        refused.contains("valid signature"),
        "the tampered download: {refused}"
    );
    let install = app
        .eval("document.querySelector('[data-testid=update-offer] [role=alert]').scrollIntoView({block: 'center'}); return document.querySelector('[data-testid=update-install]') === null")
        .await?;
    ensure!(install == json!(true), "no install offered after a refusal");
    app.screenshot("tampered").await?;
    app.close().await
}

/// The app, asking `server` for updates and trusting the test's key.
async fn launch_with_updates(name: &str, server: &Server) -> Result<RealApp> {
    RealApp::launch_with(
        name,
        Launch {
            env: vec![
                (
                    "WEBHOOK_STUDIO_UPDATE_URL".into(),
                    format!("{}/latest.json", server.base()),
                ),
                ("WEBHOOK_STUDIO_UPDATE_PUBKEY".into(), test_pubkey()?),
            ],
            ..Launch::default()
        },
    )
    .await
}

/// The test's public key: `WEBHOOK_STUDIO_UPDATE_PUBKEY_FILE`, else the fixture's.
fn test_pubkey() -> Result<String> {
    let path = std::env::var_os("WEBHOOK_STUDIO_UPDATE_PUBKEY_FILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| fixtures().join("test-updater.key.pub"));
    Ok(std::fs::read_to_string(path)?.trim().to_owned())
}

/// The whole update of an installed package: run by the package test only (it serves a real
/// `.deb` of version `WEBHOOK_STUDIO_UPDATE_INSTALL_VERSION` and stands in for the password
/// prompt); elsewhere there is no package to update, and the test has nothing to do.
#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn an_installed_package_updates_itself() -> Result<()> {
    let Ok(expected) = std::env::var("WEBHOOK_STUDIO_UPDATE_INSTALL_VERSION") else {
        return Ok(());
    };
    let server = Server::start().await?;
    let app = launch_with_updates("update-install", &server).await?;
    app.click("[data-testid=nav-settings]").await?;
    app.click("[data-testid=updates-check]").await?;
    app.click("[data-testid=update-download]").await?;
    app.wait_for("[data-testid=update-install]").await?;
    app.screenshot("ready").await?;
    app.click("[data-testid=update-install]").await?;
    // The app installs through dpkg and restarts (ending this WebDriver session): wait for the
    // package manager to report the new version.
    let mut installed = String::new();
    for _ in 0..300 {
        let query = tokio::process::Command::new("dpkg-query")
            .args(["-W", "-f=${Version}", "graph-webhook-studio"])
            .output()
            .await?;
        installed = String::from_utf8_lossy(&query.stdout).into_owned();
        if installed == expected {
            ensure!(
                logged(&app, "update installed; restarting").await?,
                "the app did not restart after installing"
            );
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    anyhow::bail!("the installed version is {installed:?}, not {expected}")
}
