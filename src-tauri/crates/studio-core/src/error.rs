//! Errors inside the core and the shape they take when they cross the IPC boundary.
//!
//! Inside Rust code errors are a `thiserror` enum with real sources. At the boundary (the window,
//! the CLI's `--json` output) they become [`IpcError`]: a stable machine-readable [`ErrorCode`],
//! a sentence for people and, where we know one, a hint saying what to do next. The code set is
//! small on purpose and grows only when the UI needs to branch on something new.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The stable error codes the UI and scripts may branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request itself is wrong: a value out of range, a malformed field, an unknown command.
    InvalidInput,
    /// The thing asked for does not exist.
    NotFound,
    /// Reading or writing local files or the database failed.
    Storage,
    /// A remote service (identity, Graph, tunnel) could not be reached or answered badly.
    Network,
    /// The remote service refused: missing permission, consent or sign-in.
    PermissionDenied,
    /// The OS keyring is missing, locked or refused.
    Keyring,
    /// The user stopped it (closed the sign-in tab, cancelled a device code): not a failure to
    /// shout about.
    Cancelled,
    /// A bug on our side; the message says what broke.
    Internal,
}

/// An error as the window and the CLI see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IpcError {
    /// What kind of failure, for code to branch on.
    pub code: ErrorCode,
    /// One sentence for people.
    pub message: String,
    /// What to do about it, when we know.
    pub hint: Option<String>,
}

impl IpcError {
    /// Builds an error with a code and a message, without a hint.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for IpcError {}

/// Failures inside the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// The OS did not tell us where the home directory is.
    #[error("cannot find the home directory to place app data in")]
    NoHomeDirectory,
    /// A file-system operation failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What we were doing, in a few words ("write settings").
        action: &'static str,
        /// The file or folder involved.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// A value the user gave is not acceptable.
    #[error("{field}: {problem}")]
    InvalidSetting {
        /// The setting's name as the UI shows it.
        field: &'static str,
        /// What is wrong with the value.
        problem: String,
        /// The accepted range or form.
        hint: String,
    },
    /// The window asked for a command this build does not have.
    #[error("unknown command `{0}`")]
    UnknownCommand(String),
    /// A command's payload did not match its request type.
    #[error("the request for `{command}` is malformed: {}", without_values(&source.to_string()))]
    MalformedRequest {
        /// The command's name.
        command: String,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// The database could not be opened.
    #[error("the database cannot be opened: {0}")]
    Store(String),
    /// A value could not be turned into JSON or TOML (a bug).
    #[error("cannot encode {what}: {reason}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
}

impl From<CoreError> for IpcError {
    fn from(error: CoreError) -> Self {
        let message = error.to_string();
        match error {
            CoreError::NoHomeDirectory => IpcError::new(ErrorCode::Storage, message)
                .with_hint("Start the app with --data-dir or set WEBHOOK_STUDIO_DATA_DIR."),
            CoreError::Io { path, .. } => {
                IpcError::new(ErrorCode::Storage, message).with_hint(format!(
                    "Check that {} exists, is writable and the disk is not full.",
                    path.display()
                ))
            }
            CoreError::InvalidSetting { hint, .. } => {
                IpcError::new(ErrorCode::InvalidInput, message).with_hint(hint)
            }
            CoreError::UnknownCommand(_) => IpcError::new(ErrorCode::InvalidInput, message)
                .with_hint(
                    "The window and the backend are from different builds; restart the app.",
                ),
            CoreError::MalformedRequest { .. } => IpcError::new(ErrorCode::InvalidInput, message),
            CoreError::Encode { .. } => IpcError::new(ErrorCode::Internal, message),
            CoreError::Store(_) => IpcError::new(ErrorCode::Storage, message).with_hint(
                "Check that the data folder is writable; a database from a newer version of the app needs that version.",
            ),
        }
    }
}

/// serde's messages quote the offending value (`invalid type: string "…", expected u16`); a
/// value may be a secret, and these messages reach the log, so quoted text is elided.
fn without_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut inside = false;
    for c in message.chars() {
        if c == '"' {
            if !inside {
                out.push_str("\"…\"");
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_requests_never_repeat_the_values_sent() {
        let source = serde_json::from_str::<u16>("\"hunter2-secret\"").expect_err("a type error");
        let error = IpcError::from(CoreError::MalformedRequest {
            command: "settings_update".into(),
            source,
        });
        assert!(!error.message.contains("hunter2"), "{}", error.message);
        assert!(
            error.message.contains("invalid type: string \"…\""),
            "{}",
            error.message
        );
    }

    #[test]
    fn ipc_error_serializes_as_code_message_hint() {
        let error = IpcError::from(CoreError::InvalidSetting {
            field: "Receiver port",
            problem: "70000 is not a port".into(),
            hint: "Use 0 or 1024-65535.".into(),
        });
        let json = serde_json::to_value(&error).ok();
        assert_eq!(
            json,
            Some(serde_json::json!({
                "code": "invalid_input",
                "message": "Receiver port: 70000 is not a port",
                "hint": "Use 0 or 1024-65535."
            }))
        );
    }
}
