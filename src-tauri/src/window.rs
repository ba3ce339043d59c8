//! The desktop window: one IPC command that forwards to the core, and the event bridge.
//!
//! The window calls `rpc(command, payload)`; the core's dispatcher does the rest. Core events are
//! forwarded to the window on `studio://event`. Four plugins run on the Rust side only (the
//! window cannot call them): single-instance, so a second launch on the same data folder focuses
//! this window instead of starting a rival receiver, the updater ([`crate::updates`]), and the
//! save dialog exports ask for ([`crate::save_dialog`]).

use std::process::ExitCode;
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};
use studio_core::{AppPaths, CoreEvent, EVENT_CHANNEL, IpcError, Options, Studio};
use tauri::{AppHandle, Emitter, Manager, State};
use tokio::sync::broadcast::error::RecvError;

use crate::desktop_notifier::ShellNotifier;
use crate::save_dialog::ShellSaveDialog;
use crate::updates::{ShellUpdater, UpdateSource};

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
    let updater = Arc::new(ShellUpdater::new(UpdateSource::from_environment()));
    let save_dialog = Arc::new(ShellSaveDialog::default());
    let desktop = Arc::new(ShellNotifier::default());
    let studio = match Studio::builder(paths)
        .options(options)
        .updater(Arc::clone(&updater) as _)
        .save_dialog(Arc::clone(&save_dialog) as _)
        .desktop(Arc::clone(&desktop) as _)
        .open()
    {
        Ok(studio) => Arc::new(studio),
        Err(error) => {
            tracing::error!(%error, "cannot open the app's data");
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let instance_id = instance_id(studio.paths());
    let bridge = Arc::clone(&studio);
    let last = Arc::clone(&studio);
    let result = tauri::Builder::default()
        // First, so a second launch hands over before anything else starts.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance_id)
                .callback(|app, _argv, _cwd| {
                    tracing::info!("a second launch on this data folder: showing this window");
                    if let Some(window) = app.get_webview_window("main") {
                        let _ = window.unminimize();
                        let _ = window.show();
                        let _ = window.set_focus();
                    }
                })
                .build(),
        )
        .plugin(tauri_plugin_updater::Builder::new().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .manage(studio)
        .invoke_handler(tauri::generate_handler![rpc])
        .setup(move |app| {
            updater.attach(app.handle().clone());
            save_dialog.attach(app.handle().clone());
            desktop.attach(app.handle().clone());
            // The page applies the theme itself. We do not call the native `set_theme`: in
            // WebKitGTK a GTK theme change while an IPC reply is in flight lost that reply.
            let first = Arc::clone(&bridge);
            let updates = Arc::clone(&bridge);
            tauri::async_runtime::spawn(forward_events(app.handle().clone(), bridge));
            tauri::async_runtime::spawn(first.launch());
            tauri::async_runtime::spawn(async move { updates.check_updates_at_start().await });
            Ok(())
        })
        .build(tauri::generate_context!());
    match result {
        Ok(app) => {
            app.run(move |_, event| {
                if let tauri::RunEvent::Exit = event {
                    // The event loop ends the process after this: no destructor would run. Stop
                    // receiving (the check queue ends its round), save the sandbox, and let the
                    // data folder go to another process.
                    tauri::async_runtime::block_on(last.shutdown());
                }
            });
            ExitCode::SUCCESS
        }
        Err(error) => {
            tracing::error!(%error, "the window failed");
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The single-instance name of a data folder: one window per folder (on Linux, a D-Bus name;
/// elsewhere the plugin keys on the app alone). Windows on different `--data-dir`s coexist.
fn instance_id(paths: &AppPaths) -> String {
    // The folder as the OS names it (it exists: the studio made it): `--data-dir data` from two
    // working directories are two folders, and two spellings of one folder are one.
    let folder = std::fs::canonicalize(&paths.data_dir).unwrap_or_else(|_| paths.data_dir.clone());
    let folder = Sha256::digest(folder.to_string_lossy().as_bytes());
    let short: String = folder.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{}.d{short}", studio_core::paths::APP_IDENTIFIER)
}

/// Forwards every core event to the window until the core goes away.
async fn forward_events(handle: AppHandle, studio: Arc<Studio>) {
    let mut events = studio.events().subscribe();
    let mut notices = studio_core::notices::Notices::default();
    loop {
        match events.recv().await {
            Ok(event) => {
                tracing::debug!(?event, "event to the window");
                if let CoreEvent::DeliveryChanged { state, .. } = &event {
                    studio.notify_delivery(&mut notices, *state);
                }
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
