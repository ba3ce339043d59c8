//! Asking the user where to save a file: the system's own save dialog, shown by the desktop
//! shell (the window cannot name a path itself, so a page that went wrong cannot write anywhere
//! the user did not pick). The CLI and the tests have no dialog: [`NoSaveDialog`] says so, and
//! tests script one.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use crate::error::CoreError;

/// What a [`SaveDialog`] answers: the path chosen, or `None` when the user cancelled.
pub type SaveFuture = Pin<Box<dyn Future<Output = Result<Option<PathBuf>, CoreError>> + Send>>;

/// What a file is, for the dialog's filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileKind {
    /// Its name for people ("NDJSON").
    pub name: &'static str,
    /// Its extension, without the dot.
    pub extension: &'static str,
}

/// The shell's save dialog.
pub trait SaveDialog: Send + Sync + std::fmt::Debug {
    /// Asks where to save a file of `kind`, suggesting `file_name`.
    fn ask(&self, title: &str, file_name: &str, kind: &FileKind) -> SaveFuture;
}

/// No dialog: the command line and the tests.
#[derive(Debug, Default)]
pub struct NoSaveDialog;

impl SaveDialog for NoSaveDialog {
    fn ask(&self, _title: &str, _file_name: &str, _kind: &FileKind) -> SaveFuture {
        Box::pin(async {
            Err(
                CoreError::refused("There is no window to ask where to save in.")
                    .with_hint("Export to the app's exports folder instead (leave out \"ask\")."),
            )
        })
    }
}
