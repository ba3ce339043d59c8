//! One process at a time runs the data folder's receiver and its sandbox tenant.
//!
//! The window and the CLI may open the same data folder at once (`webhook-studio listen` in a
//! terminal while the window is open). The store takes care of itself (SQLite, one writer at a
//! time), but two receivers would fight over the port, two check queues over the same pending
//! receptions would keep their items twice, and two sandbox tenants would each save their own
//! `sandbox.json` over the other's. So a process that starts one of these takes an exclusive
//! lock on `{name}.lock` in the data folder and holds it until it stops; the OS releases it when
//! the process dies, so a crash never leaves a stale lock. Next to it, `{name}.json` (private to
//! the user, replaced whole) says who holds it and where it answers, so another process uses
//! that one instead of failing on a busy port or starting a rival.

use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::CoreError;
use crate::paths::create_private_file;

/// A lock on `{name}.lock`, held while this process runs what it guards; released when dropped.
#[derive(Debug)]
pub struct FolderLease {
    file: File,
    note: PathBuf,
}

/// Another process holds the lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldElsewhere;

impl FolderLease {
    /// Takes `{name}.lock` in `dir` for this process; `Ok(Err(HeldElsewhere))` when another
    /// process holds it.
    pub fn take(dir: &Path, name: &str) -> Result<Result<FolderLease, HeldElsewhere>, CoreError> {
        let path = dir.join(format!("{name}.lock"));
        let io = |action: &'static str, source| CoreError::Io {
            action,
            path: path.clone(),
            source,
        };
        // Opened (or created, private) in one call, never truncated: another process may hold
        // it locked at this very moment.
        let mut options = File::options();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(|e| io("open a lock file", e))?;
        // A probe elsewhere ([`held_elsewhere`]) holds a shared lock for an instant: look twice.
        for attempt in 0..2 {
            match file.try_lock() {
                Ok(()) => {
                    let note = note_path(dir, name);
                    // Whatever note is there is from a holder that is gone.
                    let _ = std::fs::remove_file(&note);
                    return Ok(Ok(FolderLease { file, note }));
                }
                Err(TryLockError::WouldBlock) if attempt == 0 => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(TryLockError::WouldBlock) => return Ok(Err(HeldElsewhere)),
                Err(TryLockError::Error(error)) => return Err(io("lock a lock file", error)),
            }
        }
        Ok(Err(HeldElsewhere))
    }

    /// Replaces the note other processes read (`{name}.json`).
    pub fn write_note(&self, note: &impl Serialize) -> Result<(), CoreError> {
        let text =
            serde_json::to_vec_pretty(note).map_err(|e| CoreError::internal(e.to_string()))?;
        let io = |source| CoreError::Io {
            action: "write a lock's note",
            path: self.note.clone(),
            source,
        };
        // Written beside, then renamed over: a reader never sees half a file.
        let partial = self.note.with_extension("json.partial");
        let _ = std::fs::remove_file(&partial);
        let mut file = create_private_file(&partial).map_err(io)?;
        file.write_all(&text).map_err(io)?;
        drop(file);
        // On Windows a reader (or a virus scanner) holding the old note makes the rename fail
        // for a moment: try a few times.
        let mut renamed = std::fs::rename(&partial, &self.note);
        for _ in 0..5 {
            if renamed.is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
            renamed = std::fs::rename(&partial, &self.note);
        }
        renamed.map_err(io)
    }

    /// Removes the note now (before the lease itself goes: readers then see "starting or
    /// stopping" rather than addresses that no longer answer).
    pub fn withdraw_note(&self) {
        let _ = std::fs::remove_file(&self.note);
    }
}

impl Drop for FolderLease {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.note);
        let _ = self.file.unlock();
    }
}

fn note_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.json"))
}

/// Whether another process holds `{name}.lock` in `dir` now (probed with a shared lock, which
/// never stands in the way of another probe).
pub fn held_elsewhere(dir: &Path, name: &str) -> bool {
    let Ok(file) = File::open(dir.join(format!("{name}.lock"))) else {
        return false;
    };
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(_) => true,
    }
}

/// Blocks until nobody holds `{name}.lock` in `dir` (the holder stopped, closed or died: the OS
/// releases the lock in every case). Run it on a thread of its own.
pub fn wait_until_released(dir: &Path, name: &str) -> std::io::Result<()> {
    let file = File::open(dir.join(format!("{name}.lock")))?;
    file.lock_shared()?;
    file.unlock()
}

/// The note of the process holding `{name}.lock`, if one holds it and its note can be read.
pub fn holder_note<T: DeserializeOwned>(dir: &Path, name: &str) -> Option<T> {
    if !held_elsewhere(dir, name) {
        // Whatever a note says then is left from a process that died.
        return None;
    }
    let text = std::fs::read(note_path(dir, name)).ok()?;
    serde_json::from_slice(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    struct Note {
        pid: u32,
        url: String,
    }

    #[test]
    fn one_holder_at_a_time_and_others_read_its_note() {
        let dir = tempfile::tempdir().expect("dir");
        let first = FolderLease::take(dir.path(), "receiver")
            .expect("io")
            .expect("first");
        let note = Note {
            pid: 7,
            url: "https://x.example/n".into(),
        };
        first.write_note(&note).expect("note");
        assert!(held_elsewhere(dir.path(), "receiver"));
        assert_eq!(holder_note::<Note>(dir.path(), "receiver"), Some(note));
        assert_eq!(
            FolderLease::take(dir.path(), "receiver").expect("io").err(),
            Some(HeldElsewhere)
        );
        // Another name is another lock.
        let _other = FolderLease::take(dir.path(), "sandbox")
            .expect("io")
            .expect("free");

        drop(first);
        assert!(!held_elsewhere(dir.path(), "receiver"));
        assert_eq!(holder_note::<Note>(dir.path(), "receiver"), None);
        assert!(!dir.path().join("receiver.json").exists());
        let _again = FolderLease::take(dir.path(), "receiver")
            .expect("io")
            .expect("free again");
    }
}
