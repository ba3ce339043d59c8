//! Which process receives for the data folder (see [`crate::lease`]): the window or `listen`,
//! never both.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::lease::{self, FolderLease};
use crate::options::ProcessKind;

/// The lease's name (`receiver.lock`, `receiver.json`).
const LEASE: &str = "receiver";

/// The process that receives for a data folder, as its note says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiverHolder {
    /// Its process id.
    pub pid: u32,
    /// The window or the CLI.
    pub process: ProcessKind,
    /// Where Graph should deliver (public when there is a tunnel), once it listens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_url: Option<String>,
}

/// The receiving process's lease, once taken (kept across receiver restarts).
#[derive(Debug, Default)]
pub struct HeldLease(std::sync::Mutex<Option<FolderLease>>);

impl HeldLease {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<FolderLease>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Makes this process the one that receives for `data_dir` (refused while another does).
    pub fn take(&self, data_dir: &Path, process: ProcessKind) -> Result<(), CoreError> {
        let mut slot = self.slot();
        if slot.is_none() {
            *slot = Some(take(data_dir, process)?);
        }
        Ok(())
    }

    /// Tells other processes where this one listens now (`None`: it holds the folder but its
    /// receiver is stopped). A note that cannot be written is only logged.
    pub fn announce(&self, process: ProcessKind, notification_url: Option<String>) {
        if let Some(lease) = self.slot().as_ref()
            && let Err(error) = announce(lease, process, notification_url)
        {
            tracing::warn!(%error, "could not record where this process receives");
        }
    }

    /// Lets another process receive for the folder.
    pub fn release(&self) {
        drop(self.slot().take());
    }
}

/// Makes this process the one that receives for `data_dir`, or says who does.
pub fn take(data_dir: &Path, process: ProcessKind) -> Result<FolderLease, CoreError> {
    match FolderLease::take(data_dir, LEASE)? {
        Ok(lease) => {
            if let Err(error) = announce(&lease, process, None) {
                tracing::warn!(%error, "could not record which process receives");
            }
            Ok(lease)
        }
        Err(lease::HeldElsewhere) => Err(busy(lease::holder_note(data_dir, LEASE))),
    }
}

/// Records where this process listens, for other processes to read.
pub fn announce(
    lease: &FolderLease,
    process: ProcessKind,
    notification_url: Option<String>,
) -> Result<(), CoreError> {
    lease.write_note(&ReceiverHolder {
        pid: std::process::id(),
        process,
        notification_url,
    })
}

/// Blocks until no process receives for `data_dir` (for a follower; on a thread of its own).
pub fn wait_until_stopped(data_dir: &Path) -> std::io::Result<()> {
    lease::wait_until_released(data_dir, LEASE)
}

/// Who receives for `data_dir` now, if another process does (this process's own lease is not
/// "another": the OS lock looks taken from a second handle of the same process too).
pub fn current(data_dir: &Path) -> Option<ReceiverHolder> {
    lease::holder_note::<ReceiverHolder>(data_dir, LEASE).filter(|h| h.pid != std::process::id())
}

fn busy(holder: Option<ReceiverHolder>) -> CoreError {
    let who = holder
        .as_ref()
        .map(|h| format!("{} (process {})", h.process.label(), h.pid))
        .unwrap_or_else(|| "Another Graph Webhook Studio process".to_owned());
    let at = holder
        .and_then(|h| h.notification_url)
        .map(|url| format!(" at {url}"))
        .unwrap_or_default();
    CoreError::refused(format!(
        "{who} already receives for this data folder{at}. Two receivers on one folder would check every notification twice."
    ))
    .with_hint(
        "Use that one (`webhook-studio listen` follows it when it runs), stop it first, or pass --data-dir for a separate folder.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_receiver_on_one_folder_is_refused_with_the_first_named() {
        let dir = tempfile::tempdir().expect("dir");
        let first = take(dir.path(), ProcessKind::Window).expect("first");
        announce(
            &first,
            ProcessKind::Window,
            Some("https://x.example/n".into()),
        )
        .expect("note");
        // Held by this very process: not "another" one.
        assert!(current(dir.path()).is_none());
        assert!(lease::held_elsewhere(dir.path(), LEASE));
        let refused = take(dir.path(), ProcessKind::Cli)
            .expect_err("refused")
            .to_string();
        assert!(refused.contains("window"), "{refused}");
        assert!(refused.contains("https://x.example/n"), "{refused}");
        drop(first);
        assert!(current(dir.path()).is_none());
    }
}
