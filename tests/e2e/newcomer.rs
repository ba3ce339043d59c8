//! A newcomer's first minute in the real window: from a fresh data folder (the app signs in the
//! sandbox on first start, as it does for every new user) to a verified notification, by
//! clicking only. Every click is counted; the budget is four, and no terminal.

use std::time::Instant;

use anyhow::{Result, ensure};
use studio_tests::webdriver::{Launch, RealApp};

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn from_first_start_to_a_verified_notification_in_four_clicks() -> Result<()> {
    let app = RealApp::launch_with(
        "newcomer",
        Launch {
            sandbox_on_first_start: true,
            ..Launch::default()
        },
    )
    .await?;
    let started = Instant::now();
    let mut clicks = 0;
    // The first screen is Resources with Outlook messages picked, as /me, ready to create.
    app.wait_until("document.querySelector('[data-testid=status-receiver]')?.textContent.includes('127.0.0.1')")
        .await?;
    app.wait_until("!document.querySelector('[data-testid=create-subscription-button]')?.disabled")
        .await?;
    let resource = app.text("[data-testid=resource-string] code").await?;
    ensure!(resource == "/me/messages", "the first resource: {resource}");
    app.screenshot("first-screen").await?;

    app.click("[data-testid=create-subscription-button]")
        .await?;
    clicks += 1;
    app.wait_for("[data-testid=create-done]").await?;
    app.screenshot("created").await?;

    app.click("[data-testid=open-inspector]").await?;
    clicks += 1;
    // No notification yet: the Inspector offers the change the new subscription watches.
    app.wait_for("[data-testid=inspector-empty] [data-testid=trigger-change-button]")
        .await?;
    app.screenshot("inspector-waiting").await?;
    app.click("[data-testid=inspector-empty] [data-testid=trigger-change-button]")
        .await?;
    clicks += 1;

    app.wait_until("document.querySelector('[data-testid=reception-row][data-kind=notification]')?.textContent.includes('verified')")
        .await?;
    let elapsed = started.elapsed();
    let client_state = app.text("[data-testid=check-client-state]").await?;
    ensure!(client_state.contains("matches"), "{client_state}");
    app.screenshot("verified").await?;
    ensure!(clicks <= 4, "{clicks} clicks");
    ensure!(elapsed.as_secs() < 60, "took {elapsed:?}");
    #[allow(clippy::print_stdout, reason = "the figure is the test's report")]
    {
        println!(
            "newcomer: {clicks} clicks, {:.1} s to a verified notification",
            elapsed.as_secs_f64()
        );
    }

    // The same change from the subscription's row.
    app.click("[data-testid=nav-subscriptions]").await?;
    app.click("[data-testid=subscription-trigger]").await?;
    app.click("[data-testid=subscriptions-trigger-row] [data-testid=trigger-change-button]")
        .await?;
    let done = app.text("[data-testid=trigger-done]").await?;
    ensure!(done.contains("notified 1 subscription"), "{done}");
    app.screenshot("subscription-trigger").await?;
    app.close().await
}
