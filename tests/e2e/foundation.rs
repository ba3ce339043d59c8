//! Issue #2: the window opens, every screen shows, the theme toggles, IPC and events round-trip,
//! and errors are readable.

use anyhow::{Result, ensure};
use serde_json::json;
use studio_tests::webdriver::{Launch, RealApp};

/// Each screen: its id, its heading, and its label in the navigation.
const SCREENS: [(&str, &str, &str); 6] = [
    ("resources", "Resources", "Resources"),
    ("subscriptions", "Subscriptions", "Subscriptions"),
    ("inspector", "Inspector", "Inspector"),
    ("conform", "Test an endpoint", "Test endpoint"),
    ("accounts", "Accounts", "Accounts"),
    ("settings", "Settings", "Settings"),
];

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn window_opens_and_every_screen_shows() -> Result<()> {
    let app = RealApp::launch("screens").await?;
    let title = app.client.title().await?;
    ensure!(title == "Graph Webhook Studio", "window title is {title:?}");
    for (id, heading, label) in SCREENS {
        app.click(&format!("[data-testid=nav-{id}]")).await?;
        app.wait_for(&format!("[data-testid=screen-{id}]")).await?;
        let h1 = app.text(&format!("[data-testid=screen-{id}] h1")).await?;
        ensure!(h1 == heading, "screen {id} shows heading {h1:?}");
        let current = app.text("[aria-current=page]").await?;
        ensure!(
            current.contains(label),
            "navigation highlights {current:?} on {id}"
        );
        app.screenshot(id).await?;
    }
    let account = app.text("[data-testid=status-account]").await?;
    ensure!(
        account.contains("No account"),
        "status bar account: {account:?}"
    );
    app.close().await
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn keyboard_shortcuts_switch_screens() -> Result<()> {
    let app = RealApp::launch("keyboard").await?;
    app.eval(
        "window.dispatchEvent(new KeyboardEvent('keydown', { key: '6', ctrlKey: true })); return null;",
    )
    .await?;
    app.wait_for("[data-testid=screen-settings]").await?;
    app.close().await
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn theme_toggles_and_persists() -> Result<()> {
    let app = RealApp::launch("theme").await?;
    app.wait_until("document.documentElement.dataset.themePreference === 'system'")
        .await?;

    app.click("[data-testid=theme-toggle]").await?;
    app.wait_until("document.documentElement.dataset.theme === 'light'")
        .await?;
    let light_bg = app
        .eval("return getComputedStyle(document.body).backgroundColor;")
        .await?;
    ensure!(
        light_bg == json!("rgb(246, 247, 249)"),
        "light background is {light_bg}"
    );
    app.screenshot("light").await?;

    app.click("[data-testid=theme-toggle]").await?;
    app.wait_until("document.documentElement.dataset.theme === 'dark'")
        .await?;
    let dark_bg = app
        .eval("return getComputedStyle(document.body).backgroundColor;")
        .await?;
    ensure!(
        dark_bg == json!("rgb(20, 23, 28)"),
        "dark background is {dark_bg}"
    );
    app.click("[data-testid=nav-settings]").await?;
    app.wait_for("[data-testid=about]").await?;
    app.screenshot("dark-settings").await?;

    let saved = std::fs::read_to_string(app.data_dir.path().join("config/settings.toml"))?;
    ensure!(saved.contains("theme = \"dark\""), "settings file: {saved}");

    app.click("[data-testid=theme-toggle]").await?;
    app.wait_until("document.documentElement.dataset.themePreference === 'system'")
        .await?;
    app.close().await
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn ipc_round_trip_and_core_events() -> Result<()> {
    let app = RealApp::launch("ipc").await?;
    let info = app.invoke("app_info", json!(null)).await?;
    let info = info.map_err(|e| anyhow::anyhow!("app_info failed: {e}"))?;
    let data_dir = app.data_dir.path().display().to_string();
    ensure!(info["dataDir"] == json!(data_dir), "app_info: {info}");
    ensure!(
        info["version"] == json!(env!("CARGO_PKG_VERSION")),
        "app_info: {info}"
    );

    // A change made through IPC comes back as a core event and updates the open screen.
    app.click("[data-testid=nav-settings]").await?;
    app.wait_for("#theme button[data-value=system][aria-pressed=true]")
        .await?;
    let updated = app
        .invoke("settings_update", json!({ "theme": "dark" }))
        .await?;
    ensure!(updated.is_ok(), "settings_update: {updated:?}");
    app.wait_for("#theme button[data-value=dark][aria-pressed=true]")
        .await?;
    app.wait_until("document.documentElement.dataset.theme === 'dark'")
        .await?;
    app.close().await
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn backend_errors_are_readable() -> Result<()> {
    let app = RealApp::launch("errors").await?;

    // Through IPC: the stable {code, message, hint} shape.
    let unknown = app.invoke("no_such_command", json!(null)).await?;
    let error = unknown.err().unwrap_or_default();
    ensure!(
        error["code"] == json!("invalid_input"),
        "unknown command: {error}"
    );
    ensure!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("no_such_command"))
    );
    let malformed = app
        .invoke("settings_update", json!({ "receiverPort": "eighty" }))
        .await?;
    ensure!(
        malformed.is_err(),
        "a malformed request must fail: {malformed:?}"
    );

    // In the window: a port out of range is refused inline (as the backend would refuse it).
    app.click("[data-testid=nav-settings]").await?;
    app.replace_text("#receiver-port", "70000").await?;
    let inline = app.text("#receiver-port-error, [role=alert]").await?;
    ensure!(inline.contains("1024 to 65535"), "inline: {inline:?}");
    let disabled = app
        .eval("return document.querySelector('[data-testid=settings-save]').disabled")
        .await?;
    ensure!(
        disabled == json!(true),
        "no Save while the port is out of range"
    );

    // A port another program holds: tried before anything is saved; the receiver keeps
    // running where it was, and no "Saved" shows.
    let before = app.text("[data-testid=status-receiver]").await?;
    let taken = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = taken.local_addr()?.port().to_string();
    app.replace_text("#receiver-port", &port).await?;
    app.click("[data-testid=settings-save]").await?;
    let message = app.text("[data-testid=error-message]").await?;
    ensure!(
        message.contains("nothing was saved") && message.contains("keeps running"),
        "error message: {message:?}"
    );
    let hint = app.text("[data-testid=error-hint]").await?;
    ensure!(hint.contains("1024 to 65535"), "error hint: {hint:?}");
    let saved = app
        .eval("return document.querySelector('[data-testid=settings-saved]') === null")
        .await?;
    ensure!(saved == json!(true), "no Saved beside a refusal");
    let after = app.text("[data-testid=status-receiver]").await?;
    ensure!(
        before == after,
        "the receiver stays: {before:?} → {after:?}"
    );
    app.screenshot("refused-port").await?;
    drop(taken);
    ensure!(
        !app.data_dir.path().join("config/settings.toml").exists(),
        "nothing may be saved"
    );

    // The window is still alive and usable afterwards: a free port is saved and applied.
    let free = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    app.replace_text("#receiver-port", &free.to_string())
        .await?;
    app.click("[data-testid=settings-save]").await?;
    app.wait_for("[data-testid=settings-saved]").await?;
    app.close().await
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn corrupt_settings_file_is_reported_and_kept() -> Result<()> {
    let launch = Launch {
        files: vec![("config/settings.toml".into(), "theme = [oops\n".into())],
        ..Launch::default()
    };
    let app = RealApp::launch_with("corrupt-settings", launch).await?;
    let banner = app.text("[data-testid=settings-problem]").await?;
    ensure!(banner.contains("could not be used"), "banner: {banner:?}");
    ensure!(banner.contains("defaults are in use"), "banner: {banner:?}");
    app.screenshot("banner").await?;
    let kept = std::fs::read_dir(app.data_dir.path().join("config"))?
        .filter_map(|entry| entry.ok())
        .any(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("settings.toml.bad-")
        });
    ensure!(kept, "the bad file must be kept aside");
    app.click("[data-testid=settings-problem] button[aria-label=Dismiss]")
        .await?;
    app.wait_until("!document.querySelector('[data-testid=settings-problem]')")
        .await?;
    app.close().await
}
