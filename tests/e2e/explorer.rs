//! Issue #3: the resource explorer in the real window.

use anyhow::{Result, ensure};
use studio_tests::webdriver::{Launch, RealApp};

const CHANNEL_MESSAGES: &str = "/teams/{team-id}/channels/{channel-id}/messages";

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn search_pick_fill_and_copy_a_teams_chat_message_subscription() -> Result<()> {
    let app = RealApp::launch("explorer").await?;
    app.click("[data-testid=nav-resources]").await?;
    let search = app.wait_for("[data-testid=resource-search]").await?;
    search.send_keys("chat").await?;
    app.wait_until("document.querySelectorAll('[data-resource-id]').length < 10")
        .await?;
    app.click("[data-resource-id=chatMessage]").await?;
    app.click(&format!("input[data-template=\"{CHANNEL_MESSAGES}\"]"))
        .await?;

    let team = app.wait_for("input[data-placeholder=team-id]").await?;
    team.send_keys("fbe2bf47-16c8-47cf-b4a5-4b9b187c508b")
        .await?;
    let channel = app.wait_for("input[data-placeholder=channel-id]").await?;
    channel
        .send_keys("19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2")
        .await?;
    let resource = app.text("[data-testid=resource-string] code").await?;
    ensure!(
        resource
            == "/teams/fbe2bf47-16c8-47cf-b4a5-4b9b187c508b/channels/19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2/messages",
        "resource string: {resource}"
    );

    app.eval("document.querySelector('.explorer-detail').scrollTop = 0; return null;")
        .await?;
    app.screenshot("chat-message-top").await?;

    // Rich-data rules and limits in the facts.
    let facts = app.text("[data-testid=resource-facts]").await?;
    ensure!(facts.contains("$select is refused"), "facts: {facts}");
    ensure!(facts.contains("3 days"), "facts: {facts}");
    ensure!(
        facts.contains("lifecycleNotificationUrl required above 1 hour"),
        "facts: {facts}"
    );

    // Permission hints for the three kinds: personal unsupported, application with RSC flagged.
    app.wait_until(
        "!!document.querySelector('[data-testid=permission-hints] [data-kind=application]')",
    )
    .await?;
    let app_hint = app
        .text("[data-testid=permission-hints] [data-kind=application]")
        .await?;
    ensure!(
        app_hint.contains("ChannelMessage.Read.Group") && app_hint.contains("RSC"),
        "application: {app_hint}"
    );
    ensure!(
        app_hint.contains("ChannelMessage.Read.All"),
        "application: {app_hint}"
    );
    let personal = app
        .text("[data-testid=permission-hints] [data-kind=delegatedPersonal]")
        .await?;
    ensure!(personal.contains("Not supported"), "personal: {personal}");

    // Over an hour without a lifecycle URL: Graph's own error text, then fixed.
    app.replace_text("input[inputmode=numeric]", "120").await?;
    app.wait_until("document.querySelector('[data-testid=problems]')?.textContent.includes('lifecycleNotificationUrl is a required property')").await?;

    // The preview holds the exact body; copying says so.
    app.wait_until(&format!(
        "document.querySelector('[data-testid=preview-json]')?.textContent.includes('\"resource\": \"{}\"')",
        resource
    ))
    .await?;
    app.click("[data-testid=copy-json]").await?;
    app.wait_until("document.querySelector('[data-testid=copy-json]')?.textContent === 'Copied'")
        .await?;
    app.screenshot("chat-message").await?;
    app.close().await
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn odd_input_never_breaks_the_explorer() -> Result<()> {
    let app = RealApp::launch("explorer-input").await?;
    let search = app.wait_for("[data-testid=resource-search]").await?;
    search.send_keys("日本語 {} 😀 zzzzzz").await?;
    app.wait_for("[data-testid=resource-list-empty]").await?;
    app.replace_text("[data-testid=resource-search]", "presence")
        .await?;
    app.click("[data-resource-id=presence]").await?;
    app.click("input[data-template=\"/communications/presences/{user-id}\"]")
        .await?;
    let user = app.wait_for("input[data-placeholder=user-id]").await?;
    user.send_keys("{}").await?;
    let problems = app.text("[data-testid=problems]").await?;
    ensure!(
        problems.contains("encryptionCertificate"),
        "problems: {problems}"
    );
    let field = app.text(".placeholder-field .field-error").await?;
    ensure!(field.contains("Replace the {…}"), "field error: {field}");
    app.screenshot("odd-input").await?;

    // Keyboard: the list follows the arrow keys.
    app.replace_text("[data-testid=resource-search]", "")
        .await?;
    app.click("[data-resource-id=message]").await?;
    app.eval("document.querySelector('[data-resource-id=message]').dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true })); return null;").await?;
    app.wait_until(
        "document.querySelector('[aria-selected=true]')?.dataset.resourceId === 'event'",
    )
    .await?;
    app.close().await
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn a_pasted_resource_string_opens_its_entry_or_explains_why_not() -> Result<()> {
    let app = RealApp::launch("explorer-lookup").await?;
    app.replace_text(
        "[data-testid=resource-lookup]",
        "/me/mailFolders('inbox')/messages\u{E007}",
    )
    .await?;
    app.wait_until(
        "document.querySelector('[aria-selected=true]')?.dataset.resourceId === 'message'",
    )
    .await?;
    app.wait_until(
        "document.querySelector(\"input[data-template*=mailFolders]\")?.checked === true",
    )
    .await?;
    app.wait_until(
        "document.querySelector('input[data-placeholder=mail-folder-id]')?.value === 'inbox'",
    )
    .await?;
    let resource = app.text("[data-testid=resource-string] code").await?;
    ensure!(
        resource == "/me/mailFolders('inbox')/messages",
        "resource string: {resource}"
    );

    app.replace_text("[data-testid=resource-lookup]", "/me/mesages\u{E007}")
        .await?;
    let answer = app.text("[data-testid=lookup-answer]").await?;
    ensure!(
        answer.contains("is not a subscribable resource"),
        "answer: {answer}"
    );
    // Suggested as the user wrote it: with /me.
    ensure!(answer.contains("Nearest:/me/messages"), "answer: {answer}");
    app.screenshot("not-subscribable").await?;
    app.click("[data-testid=lookup-answer] .link-button")
        .await?;
    app.wait_until("!document.querySelector('[data-testid=lookup-answer]')")
        .await?;
    app.close().await
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn only_documentation_links_can_be_opened() -> Result<()> {
    let app = RealApp::launch("links").await?;
    for url in [
        "https://example.com/",
        "file:///etc/passwd",
        "javascript:alert(1)",
    ] {
        let answer = app
            .invoke("open_link", serde_json::json!({ "url": url }))
            .await?;
        let error = answer.err().unwrap_or_default();
        ensure!(error["code"] == "invalid_input", "{url}: {error}");
        ensure!(
            error["hint"]
                .as_str()
                .is_some_and(|h| h.contains("learn.microsoft.com")),
            "{url}: {error}"
        );
    }
    let docs = app
        .text("[data-testid=resource-facts] .link-button")
        .await?;
    ensure!(
        docs.starts_with("https://learn.microsoft.com/"),
        "docs link: {docs}"
    );
    app.close().await
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn a_lifetime_that_is_not_whole_minutes_is_never_checked_or_sent() -> Result<()> {
    let app = RealApp::launch_with(
        "explorer-lifetime",
        Launch {
            sandbox_on_first_start: true,
            ..Launch::default()
        },
    )
    .await?;
    app.click("[data-testid=nav-resources]").await?;
    app.click("[data-resource-id=message]").await?;
    // A signed-in user's resources start as /me.
    let me = app
        .eval("return document.querySelector('[data-testid=use-me]').checked")
        .await?;
    ensure!(me == serde_json::json!(true), "/me by default");
    app.wait_for("[data-testid=request-preview]").await?;
    for bad in ["abc", "1.5", "0", ""] {
        app.replace_text("[data-testid=expires-in]", bad).await?;
        let problem = app.text("[data-testid=expiry-problem]").await?;
        ensure!(problem.contains("minutes"), "{bad:?}: {problem}");
        app.wait_for("[data-testid=check-waits]").await?;
        let shown = app
            .eval("return [document.querySelector('[data-testid=request-preview]') === null, document.querySelector('[data-testid=create-subscription-button]').disabled]")
            .await?;
        ensure!(
            shown == serde_json::json!([true, true]),
            "{bad:?}: no preview and no Create while the lifetime is wrong: {shown}"
        );
    }
    app.screenshot("refused").await?;
    app.replace_text("[data-testid=expires-in]", "120").await?;
    app.wait_for("[data-testid=request-preview]").await?;
    let create = app
        .eval("return document.querySelector('[data-testid=create-subscription-button]').disabled")
        .await?;
    ensure!(
        create == serde_json::json!(false),
        "120 minutes can be created"
    );
    app.close().await
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn a_rich_outlook_subscription_with_select_is_made_and_decrypted_in_the_window() -> Result<()>
{
    let app = RealApp::launch_with(
        "rich-select",
        Launch {
            sandbox_on_first_start: true,
            ..Launch::default()
        },
    )
    .await?;
    app.wait_until("!document.querySelector('[data-testid=create-subscription-button]')?.disabled")
        .await?;
    // Rich data on: Outlook needs $select, so the builder starts with two properties.
    app.click("[data-testid=include-resource-data]").await?;
    app.wait_until(
        "document.querySelector('[data-testid=query-input]')?.value === '$select=subject,from'",
    )
    .await?;
    app.click("[data-testid=select-builder] input[data-property=receivedDateTime]")
        .await?;
    let wanted = "/me/messages?$select=subject,from,receivedDateTime";
    app.wait_until(&format!(
        "document.querySelector('[data-testid=resource-string] code')?.textContent === '{wanted}'"
    ))
    .await?;
    // What is previewed is that resource, query and all.
    app.wait_until(&format!(
        "document.querySelector('[data-testid=request-preview]')?.textContent.includes('\"resource\": \"{wanted}\"')"
    ))
    .await?;
    app.eval("document.querySelector('[data-testid=select-builder]').scrollIntoView({block: 'center'}); return null;")
        .await?;
    app.screenshot("builder").await?;

    app.click("[data-testid=create-subscription-button]")
        .await?;
    app.wait_for("[data-testid=create-done]").await?;
    app.click("[data-testid=create-done] [data-testid=trigger-change-button]")
        .await?;
    app.wait_for("[data-testid=create-done] [data-testid=trigger-done]")
        .await?;
    app.click("[data-testid=open-inspector]").await?;
    app.click("[data-testid=reception-row][data-kind=notification]")
        .await?;
    let decrypted = app.text("[data-testid=decrypted]").await?;
    ensure!(decrypted.contains("\"subject\""), "decrypted: {decrypted}");
    app.screenshot("decrypted").await?;
    app.close().await
}
