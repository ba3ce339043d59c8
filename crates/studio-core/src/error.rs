//! Errors inside the core, and the one place they take the shape the window and the CLI see.
//!
//! Inside Rust code an error is a [`CoreError`]: a `thiserror` enum whose variants keep the
//! failure they wrap as a real `#[source]` (the store's, the identity platform's, Graph's, the
//! OS's). At the boundary (`Studio::dispatch`, the CLI) it becomes an [`IpcError`]: a stable
//! machine-readable [`ErrorCode`], a sentence for people and, where we know one, a hint. The code
//! set is small on purpose and grows only when the UI needs to branch on something new.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use studio_graph::{GraphError, HintContext};
use studio_identity::IdentityError;
use studio_identity::secrets::SecretError;
use studio_store::StoreError;
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

/// What the user can do about a failure the core itself decided on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// One sentence for people.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

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
    /// A value could not be turned into JSON or TOML (a bug).
    #[error("cannot encode {what}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// What the encoder said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Signing in, a token or the keyring failed.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// Microsoft Graph failed or refused; the hint was drawn from what the call was about.
    #[error("{}", graph_message(source))]
    Graph {
        /// What the Graph client said.
        #[source]
        source: Box<GraphError>,
        /// The fix, as precise as the call's context allowed.
        hint: Option<String>,
    },
    /// An HTTP client could not be built.
    #[error(transparent)]
    Http(#[from] studio_primitives::http::HttpClientError),
    /// The receiver could not listen.
    #[error("the receiver could not start: {source}")]
    Receiver {
        /// What the receiver said.
        #[source]
        source: studio_receiver::ReceiverError,
    },
    /// A certificate could not be made or read.
    #[error(transparent)]
    Certificate(#[from] studio_receiver::certificate::CertificateError),
    /// A conformance run could not start (a failing check is in the report, not an error).
    #[error("the conformance suite could not run: {0}")]
    Conform(#[from] studio_conform::ConformError),
    /// The sandbox tenant could not start.
    #[error("the sandbox tenant could not start: {source}")]
    Sandbox {
        /// Where its state lives.
        data_file: PathBuf,
        /// What the emulator said.
        #[source]
        source: studio_emulator::EmulatorError,
    },
    /// Background work stopped unexpectedly (a bug).
    #[error("background work stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The request cannot be done as asked (a bad value, a missing precondition).
    #[error("{0}")]
    Refused(Refusal),
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(Refusal),
    /// Something outside the app did not answer as needed (a URL, a tunnel, a key set).
    #[error("{0}")]
    Unreachable(Refusal),
    /// Something that cannot happen did (a bug); the message says what.
    #[error("{0}")]
    Internal(String),
}

impl CoreError {
    /// The request cannot be done as asked.
    pub fn refused(message: impl Into<String>) -> CoreError {
        CoreError::Refused(Refusal {
            message: message.into(),
            hint: None,
        })
    }

    /// The thing asked for does not exist.
    pub fn not_found(message: impl Into<String>) -> CoreError {
        CoreError::NotFound(Refusal {
            message: message.into(),
            hint: None,
        })
    }

    /// Something outside the app did not answer as needed.
    pub fn unreachable(message: impl Into<String>) -> CoreError {
        CoreError::Unreachable(Refusal {
            message: message.into(),
            hint: None,
        })
    }

    /// A bug.
    pub fn internal(message: impl Into<String>) -> CoreError {
        CoreError::Internal(message.into())
    }

    /// Adds (or replaces) the hint of a refusal; other errors keep their own.
    pub fn with_hint(mut self, text: impl Into<String>) -> CoreError {
        match &mut self {
            CoreError::Refused(r) | CoreError::NotFound(r) | CoreError::Unreachable(r) => {
                r.hint = Some(text.into());
            }
            CoreError::Graph { hint, .. } => *hint = Some(text.into()),
            _ => {}
        }
        self
    }

    /// A Graph failure with a hint as precise as the call's context allows.
    pub fn graph(source: GraphError, context: &HintContext<'_>) -> CoreError {
        let hint = source.hint(context);
        CoreError::Graph {
            source: Box::new(source),
            hint,
        }
    }

    /// The code the window branches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::NoHomeDirectory | CoreError::Io { .. } | CoreError::Store(_) => {
                ErrorCode::Storage
            }
            CoreError::Sandbox { .. } => ErrorCode::Storage,
            CoreError::InvalidSetting { .. }
            | CoreError::UnknownCommand(_)
            | CoreError::MalformedRequest { .. }
            | CoreError::Refused(_)
            | CoreError::Receiver { .. } => ErrorCode::InvalidInput,
            CoreError::Certificate(studio_receiver::certificate::CertificateError::KeySize(_)) => {
                ErrorCode::InvalidInput
            }
            CoreError::NotFound(_) => ErrorCode::NotFound,
            CoreError::Unreachable(_) | CoreError::Http(_) => ErrorCode::Network,
            CoreError::Conform(
                studio_conform::ConformError::Url(_)
                | studio_conform::ConformError::Certificate(_)
                | studio_conform::ConformError::Key(_)
                | studio_conform::ConformError::Burst(_)
                | studio_conform::ConformError::ClientState(_),
            ) => ErrorCode::InvalidInput,
            CoreError::Conform(_) => ErrorCode::Internal,
            CoreError::Identity(error) => identity_code(error),
            CoreError::Graph { source, .. } => match source.as_ref() {
                GraphError::Service { status, .. } => match status {
                    400 | 409 | 413 => ErrorCode::InvalidInput,
                    401 | 403 => ErrorCode::PermissionDenied,
                    404 => ErrorCode::NotFound,
                    _ => ErrorCode::Network,
                },
                GraphError::Identity(inner) => identity_code(inner),
                _ => ErrorCode::Network,
            },
            CoreError::Encode { .. }
            | CoreError::Task(_)
            | CoreError::Certificate(_)
            | CoreError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// What to do about it, when we know.
    pub fn hint(&self) -> Option<String> {
        match self {
            CoreError::NoHomeDirectory => {
                Some("Start the app with --data-dir or set WEBHOOK_STUDIO_DATA_DIR.".into())
            }
            CoreError::Io { path, .. } => Some(format!(
                "Check that {} exists, is writable and the disk is not full.",
                path.display()
            )),
            CoreError::InvalidSetting { hint, .. } => Some(hint.clone()),
            CoreError::UnknownCommand(_) => Some(
                "The window and the backend are from different builds; restart the app.".into(),
            ),
            CoreError::Store(StoreError::TooNew(_)) => {
                Some("Update the app, or start it with another --data-dir.".into())
            }
            CoreError::Store(_) => {
                Some("Check that the data folder is writable and the disk is not full.".into())
            }
            CoreError::Identity(error) => error.hint(),
            CoreError::Graph { hint, .. } => hint.clone(),
            CoreError::Receiver { .. } => Some(
                "Another program uses that port. Choose another in Settings → Receiver, or 0 for a free one."
                    .into(),
            ),
            CoreError::Certificate(studio_receiver::certificate::CertificateError::KeySize(_)) => {
                Some("Choose 2048, 3072 or 4096 bits.".into())
            }
            CoreError::Sandbox { data_file, .. } => Some(format!(
                "If {} is damaged, move it away; the sandbox starts afresh.",
                data_file.display()
            )),
            CoreError::Refused(r) | CoreError::NotFound(r) | CoreError::Unreachable(r) => {
                r.hint.clone()
            }
            CoreError::Conform(studio_conform::ConformError::Url(_)) => Some(
                "Give the handler's whole URL, such as http://localhost:7071/api/notifications."
                    .into(),
            ),
            CoreError::Conform(studio_conform::ConformError::ClientState(_)) => {
                Some("Give the clientState your handler expects (Graph allows up to 128 characters).".into())
            }
            CoreError::Conform(studio_conform::ConformError::Burst(_)) => Some(format!(
                "Choose 0 (no burst) to {} notifications.",
                studio_conform::MAX_BURST
            )),
            CoreError::Conform(
                studio_conform::ConformError::Certificate(_) | studio_conform::ConformError::Key(_),
            ) => Some("Give a PEM certificate (BEGIN CERTIFICATE) and its RSA private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY).".into()),
            _ => None,
        }
    }
}

impl From<SecretError> for CoreError {
    fn from(error: SecretError) -> Self {
        CoreError::Identity(IdentityError::Secrets(error))
    }
}

impl From<CoreError> for IpcError {
    fn from(error: CoreError) -> Self {
        IpcError {
            code: error.code(),
            message: error.to_string(),
            hint: error.hint(),
        }
    }
}

fn graph_message(error: &GraphError) -> String {
    match error {
        GraphError::Service {
            code, request_id, ..
        } => format!(
            "{error} ({code}{})",
            request_id
                .as_ref()
                .map(|r| format!(", request {r}"))
                .unwrap_or_default()
        ),
        other => other.to_string(),
    }
}

fn identity_code(error: &IdentityError) -> ErrorCode {
    match error {
        IdentityError::Network(_) | IdentityError::Http(_) => ErrorCode::Network,
        IdentityError::Secrets(_) => ErrorCode::Keyring,
        IdentityError::Cancelled(_) => ErrorCode::Cancelled,
        IdentityError::Invalid(_) => ErrorCode::InvalidInput,
        IdentityError::Lock { .. } => ErrorCode::Storage,
        IdentityError::Mismatch(_) | IdentityError::IdToken(_) => ErrorCode::PermissionDenied,
        IdentityError::Service { error, .. }
            if matches!(
                error.as_str(),
                "invalid_client"
                    | "unauthorized_client"
                    | "invalid_tenant"
                    | "invalid_request"
                    | "invalid_scope"
            ) =>
        {
            ErrorCode::InvalidInput
        }
        _ => ErrorCode::PermissionDenied,
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

    #[test]
    fn sources_are_kept_inside_and_shaped_at_the_boundary() {
        use std::error::Error as _;
        let io = CoreError::Io {
            action: "write settings",
            path: PathBuf::from("/x/settings.toml"),
            source: std::io::Error::other("disk full"),
        };
        assert_eq!(
            io.source().map(ToString::to_string).as_deref(),
            Some("disk full")
        );
        let shaped = IpcError::from(io);
        assert_eq!(shaped.code, ErrorCode::Storage);
        assert!(shaped.hint.is_some_and(|h| h.contains("/x/settings.toml")));
        let refused = IpcError::from(CoreError::refused("No.").with_hint("Do this."));
        assert_eq!(
            (refused.code, refused.hint.as_deref()),
            (ErrorCode::InvalidInput, Some("Do this."))
        );
    }
}
