//! A coding agent beside the window: `webhook-studio mcp`, started by the official MCP
//! Inspector's CLI on the window's data folder while the window receives. The subscription the
//! agent makes points at the window's receiver, the window checks its notification (the
//! clientState matches), and the window shows both.

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use studio_tests::webdriver::{RealApp, app_binary, workspace_root};

/// One Inspector call to `webhook-studio mcp --allow-writes` on the window's data folder; the
/// answer's structured content.
async fn agent(app: &RealApp, tool: &str, args: &[&str]) -> Result<Value> {
    let inspector = workspace_root().join("tests/mcp-inspector/node_modules/.bin/mcp-inspector");
    ensure!(
        inspector.exists(),
        "the MCP Inspector is not installed: run `scripts/setup.sh test`"
    );
    let mut command = tokio::process::Command::new(inspector);
    command.arg("--cli");
    // The Inspector hands a server only the environment it is given: the session's keyring
    // (where the window keeps the sandbox account's token) must reach it.
    for name in [
        "DBUS_SESSION_BUS_ADDRESS",
        "HOME",
        "XDG_RUNTIME_DIR",
        "XDG_DATA_HOME",
        "XDG_CONFIG_HOME",
    ] {
        if let Ok(value) = std::env::var(name) {
            command.args(["-e", &format!("{name}={value}")]);
        }
    }
    command
        .arg(app_binary())
        .arg("--data-dir")
        .arg(app.data_dir.path())
        .args([
            "mcp",
            "--allow-writes",
            "--method",
            "tools/call",
            "--tool-name",
            tool,
        ]);
    for arg in args {
        command.args(["--tool-arg", arg]);
    }
    let output = command.output().await.context("the Inspector runs")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    ensure!(
        output.status.success(),
        "{tool}: {text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::Deserializer::from_str(&text)
        .into_iter::<Value>()
        .next()
        .context("an answer")??;
    Ok(answer["structuredContent"].clone())
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn an_agent_beside_the_window_subscribes_and_the_window_shows_its_notification() -> Result<()>
{
    let app = RealApp::launch("agent").await?;
    app.call("account_add_sandbox", json!({})).await?;
    app.wait_until("document.querySelector('[data-testid=status-receiver]')?.textContent.includes('127.0.0.1')")
        .await?;
    let window = app.call("receiver_status", Value::Null).await?;
    let url = window["endpoints"]["localNotificationUrl"].clone();

    let created = agent(&app, "subscription_create", &["resource=/me/messages"]).await?;
    let subscription = &created["subscription"]["subscription"];
    ensure!(
        subscription["notificationUrl"] == url,
        "the agent's subscription points at the window's receiver: {created}"
    );
    let status = agent(&app, "receiver_status", &[]).await?;
    ensure!(
        status["receivedElsewhereBy"]["process"]
            .as_str()
            .is_some_and(|p| p.contains("window")),
        "{status}"
    );
    let triggered = agent(&app, "trigger_change", &["resource=/me/messages"]).await?;
    ensure!(
        triggered["done"]["matchedSubscriptions"] == 1,
        "{triggered}"
    );

    // The window received it and checked it against the subscription the agent made.
    app.click("[data-testid=nav-inspector]").await?;
    app.wait_until("[...document.querySelectorAll('[data-testid=reception-row][data-kind=notification]')].some(r => r.textContent.includes('verified'))")
        .await?;
    app.screenshot("notification-in-the-window").await?;

    // The agent reads the same reception, with the window's verdict.
    let before = triggered["newestIdBefore"].as_i64().unwrap_or_default();
    let found = agent(
        &app,
        "receptions_search",
        &[
            &format!("after={before}"),
            "kind=notification",
            "waitSeconds=30",
        ],
    )
    .await?;
    let line = &found["receptions"][0];
    ensure!(
        line["clientStateProblems"] == 0 && line["pending"] == false,
        "{found}"
    );

    // And the window's Subscriptions screen lists the agent's subscription.
    app.click("[data-testid=nav-subscriptions]").await?;
    let id = subscription["id"].as_str().unwrap_or_default().to_owned();
    app.wait_until(&format!(
        "document.body.textContent.includes({})",
        json!(id)
    ))
    .await?;
    app.screenshot("subscription-in-the-window").await?;
    app.close().await
}
