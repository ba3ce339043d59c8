//! The desktop window: one IPC command that forwards to the core, and the event bridge.
//!
//! This file is the whole Tauri layer. The window calls `rpc(command, payload)`; the core's
//! dispatcher does the rest. Core events are forwarded to the window on `studio://event`.

use std::process::ExitCode;
use std::sync::Arc;

use serde_json::Value;
use studio_core::{AppPaths, CoreEvent, EVENT_CHANNEL, IpcError, Options, Studio};
use tauri::{AppHandle, Emitter, State};
use tokio::sync::broadcast::error::RecvError;

/// The only command the window can call (see `capabilities/main-window.json`).
#[tauri::command]
async fn rpc(
    studio: State<'_, Arc<Studio>>,
    command: String,
    payload: Value,
) -> Result<Value, IpcError> {
    tracing::debug!(%command, "rpc start");
    let result = studio.dispatch(&command, payload).await;
    tracing::debug!(%command, ok = result.is_ok(), "rpc done");
    if let Err(error) = &result {
        tracing::warn!(%command, code = ?error.code, message = %error.message, "command failed");
    }
    result
}

/// Opens the window and runs until it closes.
#[allow(
    clippy::print_stderr,
    reason = "shown when the window cannot open at all"
)]
pub fn run(paths: AppPaths, options: Options) -> ExitCode {
    if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        eprintln!(
            "error: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set).\n\
             hint: run it from a desktop session, or use a subcommand (see --help) which needs no display."
        );
        return ExitCode::FAILURE;
    }
    let studio = match Studio::open(paths, options) {
        Ok(studio) => Arc::new(studio),
        Err(error) => {
            tracing::error!(%error, "cannot open the app's data");
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let bridge = Arc::clone(&studio);
    let result = tauri::Builder::default()
        .manage(studio)
        .invoke_handler(tauri::generate_handler![rpc])
        .setup(move |app| {
            // The page applies the theme itself. We do not call the native `set_theme`: in
            // WebKitGTK a GTK theme change while an IPC reply is in flight lost that reply.
            let first = Arc::clone(&bridge);
            tauri::async_runtime::spawn(forward_events(app.handle().clone(), bridge));
            tauri::async_runtime::spawn(first.launch());
            Ok(())
        })
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "the window failed");
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Forwards every core event to the window until the core goes away.
async fn forward_events(handle: AppHandle, studio: Arc<Studio>) {
    let mut events = studio.events().subscribe();
    loop {
        match events.recv().await {
            Ok(event) => {
                tracing::debug!(?event, "event to the window");
                if let Err(error) = handle.emit(EVENT_CHANNEL, &event) {
                    tracing::warn!(%error, "could not forward an event to the window");
                }
            }
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!(
                    missed,
                    "the window fell behind; some events were dropped: resyncing"
                );
                if let Err(error) = handle.emit(EVENT_CHANNEL, &CoreEvent::Resync) {
                    tracing::warn!(%error, "could not ask the window to resync");
                }
            }
            Err(RecvError::Closed) => break,
        }
    }
}
