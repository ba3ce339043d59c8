//! The Inspector's tools in the real window: hostile payloads (markup, script, a 3.5 MB string,
//! a body over the receiver's limit, 10,000-level JSON, bytes that are not UTF-8) shown inert
//! without freezing the window; the keyboard (`/`, ↑/↓, Enter, Esc); the JSON tree's path and
//! value; and a replay with an edited body whose "Copy as curl" command, run by `sh` and the real
//! curl, delivers the same bytes the Replay button did.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, ensure};
use axum::body::Bytes;
use serde_json::{Value, json};
use studio_tests::webdriver::{RealApp, keys};

/// A service of the user's that keeps every body it is sent.
async fn recording_service() -> Result<(String, Arc<Mutex<Vec<Bytes>>>)> {
    let seen: Arc<Mutex<Vec<Bytes>>> = Arc::default();
    let kept = Arc::clone(&seen);
    let app = axum::Router::new().fallback(move |body: Bytes| {
        let kept = Arc::clone(&kept);
        async move {
            if let Ok(mut all) = kept.lock() {
                all.push(body);
            }
            "thanks"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/api/notifications", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, seen))
}

fn last_body(seen: &Mutex<Vec<Bytes>>) -> Result<Bytes> {
    seen.lock()
        .map_err(|_| anyhow!("lock"))?
        .last()
        .cloned()
        .context("the service got nothing")
}

/// Nothing that arrived ran or became an element: no script executed, no image, no markup.
async fn still_inert(app: &RealApp) -> Result<()> {
    let found = app
        .eval("return [window.__pwned ?? null, document.querySelectorAll('main img, main script, main b, main iframe').length];")
        .await?;
    ensure!(found == json!([null, 0]), "something rendered: {found}");
    Ok(())
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn hostile_payloads_are_shown_inert_and_the_window_keeps_up() -> Result<()> {
    let app = RealApp::launch("hostile").await?;
    app.call("account_add_sandbox", json!({})).await?;
    app.wait_until("document.querySelector('[data-testid=status-receiver]')?.textContent.includes('127.0.0.1')")
        .await?;
    let status = app.call("receiver_status", Value::Null).await?;
    let url = status["endpoints"]["localNotificationUrl"]
        .as_str()
        .context("the receiver's URL")?
        .to_owned();
    let markup =
        r#"<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>"#;
    let deep = format!(
        "{{\"value\":[{}{}]}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("markup", json!({"value": [{"subscriptionId": markup, "clientState": markup, "changeType": "created", "resource": markup, "resourceData": {"html": markup}}]}).to_string().into_bytes()),
        ("long-string", json!({"value": [{"subscriptionId": "s", "changeType": "updated", "resource": "long", "resourceData": {"note": "y".repeat(3_500_000)}}]}).to_string().into_bytes()),
        ("over-the-limit", json!({"value": [{"note": "z".repeat(5_000_000)}]}).to_string().into_bytes()),
        ("deep", deep.into_bytes()),
        ("not-utf8", [b"{\"value\":[".as_slice(), &[0xff, 0xfe, 0x00, 0xc3], b"]}"].concat()),
    ];
    // A connection of its own for each: the refused one is closed by the receiver, and a request
    // sent on it after would be lost.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    for (label, body) in &bodies {
        let sent = http
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        // Over the limit is refused, and the connection may close before the body is sent.
        if *label != "over-the-limit" {
            sent?;
        }
    }
    app.click("[data-testid=nav-inspector]").await?;
    app.click("#reception-kind button:nth-child(2)").await?; // All
    app.wait_until(&format!(
        "document.querySelectorAll('[data-testid=reception-row]').length >= {}",
        bodies.len()
    ))
    .await?;
    // Newest first: the rows are the bodies in reverse.
    for (index, (label, _)) in bodies.iter().rev().enumerate() {
        let started = Instant::now();
        app.click(&format!(
            "[data-testid=reception-row]:nth-of-type({})",
            index + 1
        ))
        .await?;
        app.wait_until(&format!(
            "document.querySelector('[data-testid=reception-detail] h2')?.textContent.startsWith('#{}')",
            bodies.len() - index
        ))
        .await?;
        for tab in ["items", "body", "headers"] {
            if app
                .eval(&format!(
                    "return !!document.querySelector('[data-testid=tab-{tab}]');"
                ))
                .await?
                == json!(true)
            {
                app.click(&format!("[data-testid=tab-{tab}]")).await?;
                still_inert(&app).await?;
                if tab == "body" {
                    app.screenshot(&format!("{label}-body")).await?;
                }
            }
        }
        // The window still answers at once after drawing it.
        let answered = Instant::now();
        app.eval("return 1;").await?;
        #[allow(clippy::print_stdout, reason = "the figure is the test's report")]
        {
            println!(
                "hostile {label}: shown in {} ms, then answered in {} ms",
                started.elapsed().as_millis(),
                answered.elapsed().as_millis()
            );
        }
    }
    app.close().await
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn keyboard_json_paths_and_an_edited_replay_that_curl_repeats() -> Result<()> {
    let app = RealApp::launch("inspector-tools").await?;
    app.sandbox_notified(
        json!({"resource": "/me/messages?$select=subject,from", "changeType": "created", "includeResourceData": true}),
        "/me/messages",
        2,
        "decrypted",
    )
    .await?;

    // The keyboard: `/` searches, ↓ goes to the list and moves, Enter opens, Esc comes back.
    app.press("body", "/").await?;
    app.wait_until("document.activeElement?.dataset.testid === 'reception-search'")
        .await?;
    app.press("[data-testid=reception-search]", keys::DOWN)
        .await?;
    app.wait_until("document.activeElement?.dataset.testid === 'reception-list'")
        .await?;
    app.press("[data-testid=reception-list]", keys::DOWN)
        .await?;
    app.wait_until("document.querySelectorAll('[data-testid=reception-row]')[1]?.getAttribute('aria-selected') === 'true'")
        .await?;
    app.press("[data-testid=reception-list]", keys::UP).await?;
    app.wait_until("document.querySelectorAll('[data-testid=reception-row]')[0]?.getAttribute('aria-selected') === 'true'")
        .await?;
    app.press("[data-testid=reception-list]", keys::ENTER)
        .await?;
    app.wait_until("document.activeElement?.dataset.testid === 'inspector-detail'")
        .await?;
    app.press("[data-testid=inspector-detail]", keys::ESCAPE)
        .await?;
    app.wait_until("document.activeElement?.dataset.testid === 'reception-list'")
        .await?;

    // The decrypted message as a tree: a click on a value shows its path and copies it.
    app.wait_for("[data-testid=decrypted] [data-testid=json-value]")
        .await?;
    app.click("[data-testid=decrypted] [data-testid=json-value]")
        .await?;
    let path = app.text("[data-testid=json-path]").await?;
    ensure!(path.starts_with('$') && path.len() > 1, "path: {path}");
    app.screenshot("json-selected").await?;

    // The POST's validation token taken apart: every check passed, the claims readable.
    app.click("[data-testid=tab-tokens]").await?;
    app.wait_until("document.querySelectorAll('[data-testid^=token-check-][data-outcome=passed]').length === 6")
        .await?;
    let claims = app.text("[data-testid=token-claims]").await?;
    ensure!(
        claims.contains("0bf30f3b-4a52-48df-9a82-234910c4a086"),
        "claims: {claims}"
    );
    app.screenshot("validation-token").await?;

    // Compare the two notifications: what differs is marked, the rest folded.
    app.click("[data-testid=compare-start]").await?;
    app.wait_for("[data-testid=compare-pick]").await?;
    app.click("[data-testid=reception-row]:nth-of-type(2)")
        .await?;
    app.wait_for("[data-testid=compare-view]").await?;
    let marked = app
        .eval("return [document.querySelectorAll('[data-testid=compare-view] .diff-line.diff-added').length, document.querySelectorAll('[data-testid=compare-view] .diff-line.diff-removed').length];")
        .await?;
    ensure!(
        marked[0].as_u64().unwrap_or(0) > 0 && marked[1].as_u64().unwrap_or(0) > 0,
        "the two differ: {marked}"
    );
    app.screenshot("compare").await?;
    app.click("[data-testid=compare-close]").await?;
    app.click("[data-testid=reception-row]:nth-of-type(1)")
        .await?;
    app.wait_for("[data-testid=reception-detail]").await?;

    // Replay an edited body to the user's service, then run the curl the window shows.
    let (service, seen) = recording_service().await?;
    app.replace_text("[data-testid=replay-url]", &service)
        .await?;
    app.click("[data-testid=replay-edit]").await?;
    let edited = r#"{"value":[{"edited":"it's $HOME"}]}"#;
    app.replace_text("[data-testid=replay-body]", edited)
        .await?;
    app.click("[data-testid=replay]").await?;
    let result = app.text("[data-testid=replay-result]").await?;
    ensure!(result.starts_with("200"), "replay: {result}");
    let replayed = last_body(&seen)?;
    ensure!(
        replayed.as_ref() == edited.as_bytes(),
        "replayed {replayed:?}"
    );
    app.click(".replay-curl summary").await?;
    app.wait_until(&format!(
        "document.querySelector('[data-testid=replay-curl]')?.textContent.includes({})",
        json!(service)
    ))
    .await?;
    app.wait_until(
        "document.querySelector('[data-testid=replay-curl]')?.textContent.includes('base64 --decode')",
    )
    .await?;
    let curl = app
        .eval("return document.querySelector('[data-testid=replay-curl]').textContent;")
        .await?;
    let curl = curl.as_str().context("the curl command")?.to_owned();
    app.screenshot("replay-edited").await?;
    let ran = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{curl} --silent --fail"))
            .output()
    })
    .await??;
    ensure!(
        ran.status.success(),
        "curl: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let by_curl = last_body(&seen)?;
    ensure!(
        by_curl == replayed,
        "curl sent {by_curl:?}, replay {replayed:?}"
    );
    app.close().await
}
