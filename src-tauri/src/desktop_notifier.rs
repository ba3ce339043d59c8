//! Desktop notifications for the core ([`studio_core::notices::DesktopNotifier`]) through
//! `tauri-plugin-notification` (on Linux the freedesktop notification service on the session
//! bus, which shows them on its own time: the plugin cannot say whether one appeared).

use std::sync::OnceLock;

use studio_core::CoreError;
use studio_core::notices::{DesktopNotifier, Notice};
use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;

/// The window's notifications; the app handle arrives once Tauri has started.
#[derive(Default)]
pub struct ShellNotifier {
    handle: OnceLock<AppHandle>,
}

impl std::fmt::Debug for ShellNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShellNotifier").finish_non_exhaustive()
    }
}

impl ShellNotifier {
    /// Called from Tauri's setup.
    pub fn attach(&self, handle: AppHandle) {
        let _ = self.handle.set(handle);
    }
}

impl DesktopNotifier for ShellNotifier {
    fn show(&self, notice: &Notice) -> Result<(), CoreError> {
        let handle = self.handle.get().ok_or_else(|| {
            CoreError::internal("a notification was asked for before the window started")
        })?;
        handle
            .notification()
            .builder()
            .title(notice.title)
            .body(notice.body)
            .show()
            .map_err(|error| {
                CoreError::unreachable(format!("The desktop did not take the notification: {error}"))
                    .with_hint("Check that your desktop runs a notification service and lets this app show notifications.")
            })
    }
}
