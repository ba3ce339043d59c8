//! Export what the Inspector lists, to a file picked in the system's save dialog: the real GTK
//! dialog the shell opens (driven with `xdotool`, as a person types), the filter honoured (the
//! handshakes the list hides are not in the file), and a closed dialog writing nothing.

use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};
use studio_tests::webdriver::RealApp;

/// The save dialog's X window, once it is shown (GTK keeps an earlier one unmapped: skipped).
fn dialog_window() -> Result<String> {
    for _ in 0..150 {
        let found = Command::new("xdotool")
            .args(["search", "--name", "Export receptions"])
            .output()
            .context("xdotool (apt install xdotool)")?;
        for id in String::from_utf8_lossy(&found.stdout).lines() {
            let info = Command::new("xwininfo").args(["-id", id]).output()?;
            if String::from_utf8_lossy(&info.stdout).contains("IsViewable") {
                return Ok(id.to_owned());
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    bail!("the save dialog never appeared")
}

/// Waits until no save dialog is shown (GTK hides the last one and shows the same window again).
fn dialog_gone() -> Result<()> {
    for _ in 0..100 {
        let found = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", "Export receptions"])
            .output()?;
        if found.stdout.is_empty() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    bail!("the save dialog stayed open")
}

/// Types into the dialog as a person would, once it can take the keyboard (a window just
/// mapped may not be viewable yet: focusing it then fails, so it is tried again).
fn xdotool(window: &str, args: &[&str]) -> Result<()> {
    for _ in 0..50 {
        let focused = Command::new("xdotool")
            .args(["windowfocus", "--sync", window])
            .stderr(std::process::Stdio::null())
            .status()?;
        if focused.success() {
            let status = Command::new("xdotool").args(args).status()?;
            if !status.success() {
                bail!("xdotool {args:?} failed");
            }
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    bail!("the save dialog never took the keyboard")
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn export_what_is_listed_to_a_file_picked_in_the_save_dialog() -> Result<()> {
    let app = RealApp::launch("export").await?;
    app.sandbox_notified(
        json!({"resource": "/me/events", "changeType": "created"}),
        "/me/events",
        2,
        "verified",
    )
    .await?;
    let all = app.call("receptions_list", json!({})).await?;
    let everything = all.as_array().map(Vec::len).unwrap_or(0);
    ensure!(everything > 2, "handshakes are stored too: {everything}");

    // Notifications are listed: the export holds those two, not the handshakes.
    let folder = tempfile::tempdir()?;
    let target = folder.path().join("picked");
    app.click("[data-testid=export-ndjson]").await?;
    let window = tokio::task::spawn_blocking(dialog_window).await??;
    let typed = target.display().to_string();
    tokio::task::spawn_blocking(move || {
        xdotool(&window, &["key", "--clearmodifiers", "ctrl+a"])?;
        xdotool(&window, &["type", "--delay", "10", &typed])?;
        xdotool(&window, &["key", "Return"])
    })
    .await??;
    let written = target.with_extension("ndjson");
    app.wait_until(&format!(
        "document.querySelector('[data-testid=export-result]')?.textContent.includes({})",
        json!(written.display().to_string())
    ))
    .await?;
    let text = std::fs::read_to_string(&written)?;
    let lines: Vec<Value> = text
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    ensure!(lines.len() == 2, "{} lines in the export", lines.len());
    ensure!(
        lines.iter().all(|l| l["kind"] == "notification"),
        "only what was listed: {lines:?}"
    );
    app.screenshot("written").await?;

    // Closing the dialog writes nothing and says nothing went wrong.
    tokio::task::spawn_blocking(dialog_gone).await??;
    app.click("[data-testid=export-har]").await?;
    let window = tokio::task::spawn_blocking(dialog_window).await??;
    tokio::task::spawn_blocking(move || xdotool(&window, &["key", "Escape"])).await??;
    app.wait_until("!document.querySelector('[data-testid=export-har]').disabled")
        .await?;
    let shown = app
        .eval("return [!!document.querySelector('[data-testid=export-result]'), !!document.querySelector('.export [data-testid=error-message]')];")
        .await?;
    ensure!(shown == json!([false, false]), "after cancel: {shown}");
    ensure!(
        std::fs::read_dir(folder.path())?.count() == 1,
        "nothing else was written"
    );
    app.close().await
}
