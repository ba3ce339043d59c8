//! Writes or checks the window's TypeScript bindings.
//!
//! `gen-bindings` rewrites `ui/src/ipc/bindings.ts`; `gen-bindings --check` exits 1 when the
//! committed file differs from what the Rust types produce (CI runs this).

use std::path::PathBuf;
use std::process::ExitCode;

use studio_core::bindings::{BINDINGS_PATH, name_collisions, typescript_bindings};

#[allow(clippy::print_stderr, reason = "a build tool reports on stderr")]
fn main() -> ExitCode {
    let check = std::env::args().any(|arg| arg == "--check");
    let collisions = name_collisions();
    if !collisions.is_empty() {
        eprintln!(
            "two Rust types would declare the same TypeScript name: {} (give one #[ts(rename = \"…\")])",
            collisions.join(", ")
        );
        return ExitCode::FAILURE;
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../..")
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
