//! Knowing that the shared database changed, without polling: its files change whenever anything
//! is stored or checked, by this process's receiver or by another process's (the window, when it
//! is the one that receives for the folder). The OS's file events (inotify, FSEvents,
//! ReadDirectoryChangesW) wake `listen` following the window and the MCP server's waits.

use std::path::Path;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;

/// The database's files (`studio.sqlite3`, its `-wal` and `-shm`).
const DATABASE: &str = "studio.sqlite3";

/// Wakes when the database changes.
pub struct DatabaseChanges {
    _watcher: RecommendedWatcher,
    woken: mpsc::Receiver<()>,
}

impl std::fmt::Debug for DatabaseChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseChanges").finish_non_exhaustive()
    }
}

impl DatabaseChanges {
    /// Starts watching the data folder (before the first read, so nothing slips between).
    pub fn watch(data_dir: &Path) -> Result<DatabaseChanges, notify::Error> {
        let (wake, woken) = mpsc::channel::<()>(1);
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                let Ok(event) = event else { return };
                let database = event.paths.iter().any(|path| {
                    path.file_name()
                        .is_some_and(|name| name.to_string_lossy().starts_with(DATABASE))
                });
                // Reads (ours included) must not wake the wait again.
                if database && !matches!(event.kind, EventKind::Access(_)) {
                    // Many changes, one wake-up: a full channel already has one waiting.
                    let _ = wake.try_send(());
                }
            })?;
        watcher.watch(data_dir, RecursiveMode::NonRecursive)?;
        Ok(DatabaseChanges {
            _watcher: watcher,
            woken,
        })
    }

    /// Returns once the database changed since the last call; `false` when nothing can wake it
    /// any more (the watcher is gone).
    pub async fn changed(&mut self) -> bool {
        self.woken.recv().await.is_some()
    }
}
