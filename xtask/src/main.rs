//! `cargo xtask …`: the project's own tools.
//!
//! - `bindings` rewrites `ui/src/ipc/bindings.ts` from the Rust command surface; `bindings
//!   --check` exits 1 when the committed file differs (CI runs it).
//! - `bench-dispatch` measures what one IPC command costs inside the backend.
//! - `bench-ingest` measures the path users run (`webhook-studio listen`) from outside, side by
//!   side with a bare handler.
//! - `bench-hub` reads a 10,000-event backlog from a real Kafka-protocol broker with the app's
//!   `listen --event-hub`, beside a bare client.
//! - `layering` fails when a dependency between the workspace's crates points the wrong way.

mod bench_dispatch;
mod bench_hub;
mod bench_ingest;
mod bindings;
mod layering;

use std::path::PathBuf;
use std::process::ExitCode;

use bindings::{BINDINGS_PATH, name_collisions, typescript_bindings};

#[allow(clippy::print_stderr, reason = "a build tool reports on stderr")]
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bindings") => write_bindings(args.iter().any(|a| a == "--check")),
        Some("layering") => match layering::violations() {
            Ok(found) if found.is_empty() => {
                eprintln!("every dependency points down; only the shell depends on tauri");
                ExitCode::SUCCESS
            }
            Ok(found) => {
                for violation in found {
                    eprintln!("{violation}");
                }
                ExitCode::FAILURE
            }
            Err(error) => {
                eprintln!("layering: {error}");
                ExitCode::FAILURE
            }
        },
        Some("bench-ingest") => match bench_ingest::run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("bench-ingest: {error}");
                ExitCode::FAILURE
            }
        },
        Some("bench-hub") => match bench_hub::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("bench-hub: {error}");
                ExitCode::FAILURE
            }
        },
        Some("bench-dispatch") => match bench_dispatch::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("bench-dispatch: {error}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!(
                "usage: cargo xtask bindings [--check] | layering | bench-dispatch | bench-ingest | bench-hub"
            );
            ExitCode::from(2)
        }
    }
}

#[allow(clippy::print_stderr, reason = "a build tool reports on stderr")]
fn write_bindings(check: bool) -> ExitCode {
    let collisions = name_collisions();
    if !collisions.is_empty() {
        eprintln!(
            "two Rust types would declare the same TypeScript name: {} (give one #[ts(rename = \"…\")])",
            collisions.join(", ")
        );
        return ExitCode::FAILURE;
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(BINDINGS_PATH);
    let fresh = typescript_bindings();
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if check {
        if current == fresh {
            eprintln!("bindings are up to date: {BINDINGS_PATH}");
            return ExitCode::SUCCESS;
        }
        eprintln!("{BINDINGS_PATH} is stale: run `make bindings` and commit the result");
        return ExitCode::FAILURE;
    }
    if current == fresh {
        eprintln!("bindings unchanged: {BINDINGS_PATH}");
        return ExitCode::SUCCESS;
    }
    match std::fs::write(&path, fresh) {
        Ok(()) => {
            eprintln!("wrote {BINDINGS_PATH}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("cannot write {}: {error}", path.display());
            ExitCode::FAILURE
        }
    }
}
