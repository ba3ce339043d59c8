//! `cargo xtask bench-dispatch` (in `make bench`): what one IPC command costs inside the backend.
//!
//! Measures `Studio::dispatch` (JSON in, handler, JSON out) for a read and a validated write,
//! the path every window call takes after Tauri hands it over. Prints figures; asserts nothing.

use std::time::{Duration, Instant};

use serde_json::json;
use studio_core::{AppPaths, Options, Studio};

const ROUNDS: usize = 200_000;

/// Runs the benchmark and prints its figures.
#[allow(clippy::print_stdout, reason = "a benchmark prints its figures")]
pub fn run() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("webhook-studio-bench-{}", std::process::id()));
    let options = Options {
        session_secrets_only: true,
        ..Options::default()
    };
    let studio = Studio::open(AppPaths::under(&dir), options)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    println!("IPC dispatch inside the backend ({ROUNDS} calls each, one thread)");
    for (name, command, payload) in [
        ("read  settings_get", "settings_get", json!(null)),
        ("read  app_info", "app_info", json!(null)),
        ("error unknown command", "nope", json!(null)),
        (
            "error settings_update (refused)",
            "settings_update",
            json!({ "receiverPort": 70000 }),
        ),
    ] {
        let mut samples = Vec::with_capacity(ROUNDS);
        let started = Instant::now();
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let _ = runtime.block_on(studio.dispatch(command, payload.clone()));
            samples.push(t.elapsed());
        }
        let total = started.elapsed();
        samples.sort_unstable();
        let pick = |q: f64| {
            samples
                .get(((samples.len() as f64) * q) as usize)
                .copied()
                .unwrap_or_default()
        };
        println!(
            "  {name:<34} {:>10.0} calls/s   p50 {:>6.2} µs   p99 {:>6.2} µs",
            ROUNDS as f64 / total.as_secs_f64(),
            micros(pick(0.50)),
            micros(pick(0.99)),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
