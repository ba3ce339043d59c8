//! The real app, in its real webview, driven through WebKitWebDriver.
//!
//! Every test is `#[ignore]`d so a plain `cargo test` (no display) skips them; `make e2e` runs
//! them with `--ignored` inside `tests/e2e/session.sh` under Xvfb. Screenshots land in
//! `target/e2e/`.

mod accounts;
mod agent;
mod arrival;
mod conform;
mod desktop;
mod event_hubs;
mod explorer;
mod export;
mod foundation;
mod gaps;
mod inspector;
mod inspector_tools;
mod newcomer;
mod scale;
