//! The Inspector over 100,000 stored receptions, in the real window: figures printed, not
//! asserted (performance targets live in `docs/testing.md`; `make bench` runs this with the
//! release build). The list must span all of them (its scrollbar reaches the oldest), read only
//! the rows on screen, jump to the oldest, search, and stay smooth while scrolled.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use studio_tests::webdriver::{Launch, RealApp, keys};

/// Receptions stored before the app starts.
const STORED: usize = 100_000;
/// The Inspector's search debounce (`InspectorScreen.tsx`), for the report.
const SEARCH_DEBOUNCE_MS: u32 = 100;

/// 100,000 requests to unknown paths (`/scan/0` the oldest), as a scanner leaves them: stored
/// with nothing to check, so the app starts idle.
fn seed(data_dir: &Path) -> Result<()> {
    let store = studio_store::Store::open(&data_dir.join("studio.sqlite3"))?;
    for chunk in (0..STORED).collect::<Vec<_>>().chunks(5_000) {
        let batch: Vec<studio_receiver::NewReception> = chunk
            .iter()
            .map(|n| studio_receiver::NewReception {
                received_at: "2026-11-28T00:00:00.000Z".into(),
                kind: studio_receiver::ReceptionKind::Unexpected,
                method: "GET".into(),
                path: format!("/scan/{n}"),
                query: String::new(),
                headers: vec![("user-agent".into(), "scanner".into())],
                body: Vec::new(),
                peer: "127.0.0.1:1".into(),
                status: 404,
                reason: Some("no such path".into()),
            })
            .collect();
        store.insert_receptions(&batch)?;
    }
    Ok(())
}

/// Frame times (ms) while the element `selector` scrolls `steps` times by `by` pixels (0: a
/// screenful; below 0: not at all, the window's own frame rate), one step a frame.
const SCROLL: &str = r#"
    const [steps, by, selector, done] = arguments;
    const list = document.querySelector(selector);
    const frames = [];
    let last = performance.now();
    let step = 0;
    const tick = (now) => {
      frames.push(now - last);
      last = now;
      if (step++ < steps) { if (by >= 0) list.scrollTop += by || list.clientHeight; requestAnimationFrame(tick); }
      else done(frames.slice(1));
    };
    requestAnimationFrame(tick);
"#;

/// The bare reference: the same rows (copies of the list's own, same classes, so the same
/// fonts, badges and colours to paint) in a plain scrolling box laid over the list, 2,000 of
/// them, no script and no virtualisation: what scrolling costs this machine's web view.
const BARE_LIST: &str = r#"
    const list = document.querySelector('[data-testid=reception-list]');
    const rows = [...list.querySelectorAll('[data-testid=reception-row]')];
    const box = list.getBoundingClientRect();
    const bare = document.createElement('div');
    bare.id = 'bare-reference';
    bare.className = 'reception-list';
    Object.assign(bare.style, { position: 'fixed', left: box.left + 'px', top: box.top + 'px',
      width: box.width + 'px', height: box.height + 'px', maxHeight: 'none', zIndex: 1000 });
    for (let i = 0; i < 2000; i++) {
      const row = rows[i % rows.length].cloneNode(true);
      row.removeAttribute('data-testid');
      row.removeAttribute('id');
      Object.assign(row.style, { position: 'static', transform: 'none' });
      bare.appendChild(row);
    }
    document.body.appendChild(bare);
    return rows.length;
"#;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or(0.0)
}

/// The resident memory of the WebKit web processes, in MiB.
fn web_memory() -> f64 {
    let output = std::process::Command::new("ps")
        .args(["-C", "WebKitWebProcess", "-o", "rss="])
        .output();
    output
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter_map(|l| l.trim().parse::<f64>().ok())
                .sum::<f64>()
                / 1024.0
        })
        .unwrap_or(0.0)
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn a_hundred_thousand_receptions_scroll_jump_and_search() -> Result<()> {
    let started = Instant::now();
    let app = RealApp::launch_with(
        "scale",
        Launch {
            seed: Some(seed),
            ..Launch::default()
        },
    )
    .await?;
    let seeded = started.elapsed();
    let opened = Instant::now();
    app.click("[data-testid=nav-inspector]").await?;
    app.click("#reception-kind button:nth-child(2)").await?; // All
    app.wait_until("document.querySelector('[data-testid=reception-row]')?.textContent.includes('/scan/99999')")
        .await?;
    let first_rows = opened.elapsed();
    let span = app
        .eval("const l = document.querySelector('[data-testid=reception-list]'); return [Number(l.dataset.count), l.scrollHeight, l.clientHeight];")
        .await?;
    ensure!(
        span[0].as_u64() == Some(STORED as u64),
        "the list counts them all: {span}"
    );
    let memory_before = web_memory();

    // The oldest, one key away.
    let jumped = Instant::now();
    app.press("[data-testid=reception-list]", keys::END).await?;
    app.wait_until("[...document.querySelectorAll('[data-testid=reception-row]')].some(r => r.textContent.includes('/scan/0') && r.getAttribute('aria-selected') === 'true')")
        .await?;
    let to_oldest = jumped.elapsed();
    app.screenshot("oldest").await?;

    // Scrolling down from the top: a wheel notch (120 px) a frame, then a screenful a frame.
    // Then the bare reference, the same way: a notch a frame.
    let mut measured = Vec::new();
    let list = "[data-testid=reception-list]";
    for (by, selector) in [(120, list), (0, list), (-1, list), (120, "#bare-reference")] {
        if selector != list {
            app.eval(BARE_LIST).await.context("the bare reference")?;
        }
        app.eval(&format!(
            "document.querySelector('{selector}').scrollTop = 0; return null;"
        ))
        .await?;
        let frames = app
            .client
            .execute_async(
                SCROLL,
                vec![Value::from(300), Value::from(by), Value::from(selector)],
            )
            .await
            .context("scroll")?;
        let mut frames: Vec<f64> = frames
            .as_array()
            .context("frames")?
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        frames.sort_by(f64::total_cmp);
        measured.push(frames);
    }
    app.eval("document.getElementById('bare-reference')?.remove(); return null;")
        .await?;
    let memory_after = web_memory();

    // A search that finds 11 of 100,000, timed in the page from the last key typed (its input
    // event) to the list holding what was asked for (a mutation of its count), so the time
    // WebDriver takes to type is not counted; the debounce is.
    app.eval(
        "window.__lastKey = 0; window.__found = 0;
         document.querySelector('[data-testid=reception-search]').addEventListener('input', () => { window.__lastKey = performance.now(); });
         new MutationObserver(() => {
           const list = document.querySelector('[data-testid=reception-list]');
           if (list?.dataset.count === '11' && !window.__found) window.__found = performance.now();
         }).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-count']});
         return null;",
    )
    .await?;
    let searched = Instant::now();
    app.replace_text("[data-testid=reception-search]", "scan/4242")
        .await?;
    app.wait_until(
        "document.querySelector('[data-testid=reception-list]')?.dataset.count === '11' && window.__found > 0",
    )
    .await?;
    let typed_and_found = searched.elapsed();
    let search = app
        .eval("return window.__found - window.__lastKey;")
        .await?
        .as_f64()
        .context("search time")?;
    app.screenshot("searched").await?;

    let frames = |frames: &[f64]| {
        format!(
            "p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms, {} of {} over 50 ms",
            percentile(frames, 0.5),
            percentile(frames, 0.95),
            frames.last().copied().unwrap_or(0.0),
            frames.iter().filter(|f| **f > 50.0).count(),
            frames.len()
        )
    };
    let report = format!(
        "inspector over {STORED} receptions (real window, this machine): seeded in {:.1} s; first rows {} ms; \
         jump to the oldest {} ms; scrolling a wheel notch a frame: {}; a screenful a frame: {}; \
         the same window not scrolling (the reference): {}; \
         a bare box of the same rows scrolled a notch a frame (the reference): {} (p50 ratio {:.2}); \
         search {:.0} ms after the last key (debounced {SEARCH_DEBOUNCE_MS} ms; {} ms with WebDriver's typing); web process {:.0} MiB before scrolling, {:.0} MiB after",
        seeded.as_secs_f64(),
        first_rows.as_millis(),
        to_oldest.as_millis(),
        frames(&measured[0]),
        frames(&measured[1]),
        frames(&measured[2]),
        frames(&measured[3]),
        percentile(&measured[0], 0.5) / percentile(&measured[3], 0.5).max(1.0),
        search,
        typed_and_found.as_millis(),
        memory_before,
        memory_after,
    );
    #[allow(clippy::print_stdout, reason = "the figures are the test's report")]
    {
        println!("{report}");
    }
    let _ = std::fs::write(
        studio_tests::webdriver::screenshot_dir().join("inspector-scale.txt"),
        &report,
    );
    app.close().await
}
