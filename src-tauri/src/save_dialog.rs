//! The system's save dialog for the core's exports ([`studio_core::save_dialog::SaveDialog`]),
//! through `tauri-plugin-dialog` on the Rust side only: the window cannot open it or name a path,
//! it asks the core to export and the core asks here.

use std::path::PathBuf;
use std::sync::OnceLock;

use studio_core::CoreError;
use studio_core::save_dialog::{FileKind, SaveDialog, SaveFuture};
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::DialogExt;

/// The window's save dialog; the app handle arrives once Tauri has started.
#[derive(Default)]
pub struct ShellSaveDialog {
    handle: OnceLock<AppHandle>,
}

impl std::fmt::Debug for ShellSaveDialog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShellSaveDialog").finish_non_exhaustive()
    }
}

impl ShellSaveDialog {
    /// Called from Tauri's setup.
    pub fn attach(&self, handle: AppHandle) {
        let _ = self.handle.set(handle);
    }
}

impl SaveDialog for ShellSaveDialog {
    fn ask(&self, title: &str, file_name: &str, kind: &FileKind) -> SaveFuture {
        let Some(handle) = self.handle.get().cloned() else {
            return Box::pin(async {
                Err(CoreError::internal(
                    "the save dialog was asked for before the window started",
                ))
            });
        };
        let (answer, answered) = tokio::sync::oneshot::channel::<Option<PathBuf>>();
        let mut dialog = handle
            .dialog()
            .file()
            .set_title(title)
            .set_file_name(file_name)
            .add_filter(kind.name, &[kind.extension]);
        if let Some(documents) = handle.path().document_dir().ok().filter(|d| d.is_dir()) {
            dialog = dialog.set_directory(documents);
        }
        if let Some(window) = handle.get_webview_window("main") {
            dialog = dialog.set_parent(&window);
        }
        // Not the blocking form: the dialog runs on the event loop, and this future waits.
        dialog.save_file(move |chosen| {
            let path = chosen.and_then(|p| p.into_path().ok());
            let _ = answer.send(path);
        });
        Box::pin(async move {
            answered
                .await
                .map_err(|_| CoreError::internal("the save dialog closed without an answer"))
        })
    }
}
