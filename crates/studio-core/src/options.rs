//! What the environment may decide, gathered in one value.
//!
//! The shell and the CLI read the environment (`studio_cli::environment`) and pass an
//! [`Options`] to [`crate::Studio`]; nothing in the core reads an environment variable. Tests
//! build the value they need.

use serde::{Deserialize, Serialize};
use studio_primitives::Sensitive;

/// The keyring service the app's secrets live under by default.
pub const KEYRING_NAMESPACE: &str = "dev.graphwebhookstudio.app";

/// Downtime that opens a gap by default, in seconds.
pub const DOWNTIME_GAP_SECONDS: i64 = 60;

/// What the first start on an empty data folder does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstStart {
    /// Sign in the sandbox tenant, so a new user lands in a working app.
    SignInSandbox,
    /// Nothing (tests of the empty state).
    Empty,
}

/// Which kind of process this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ProcessKind {
    /// The desktop window.
    Window,
    /// A CLI command.
    Cli,
    /// The MCP server (`webhook-studio mcp`).
    Mcp,
}

impl ProcessKind {
    /// How users know it.
    pub fn label(self) -> &'static str {
        match self {
            ProcessKind::Window => "The Graph Webhook Studio window",
            ProcessKind::Cli => "`webhook-studio listen`",
            ProcessKind::Mcp => "`webhook-studio mcp`",
        }
    }
}

/// Choices the environment makes for this process.
#[derive(Debug, Clone)]
pub struct Options {
    /// Keep secrets in this process's memory whatever the settings say (CI, tests).
    pub session_secrets_only: bool,
    /// The keyring service name (tests move entries aside under a throwaway one).
    pub keyring_namespace: String,
    /// What the window's first start does.
    pub first_start: FirstStart,
    /// Where the ngrok agent connects (`host:port`); `None` for ngrok's service.
    pub ngrok_server: Option<String>,
    /// An ngrok authtoken from the environment, used when the keyring holds none.
    pub ngrok_authtoken: Option<Sensitive<String>>,
    /// Which process this is: the window, a CLI command or the MCP server (named to other processes that find
    /// the data folder's receiver taken).
    pub process: ProcessKind,
    /// Downtime at least this long (seconds) opens a gap for the subscriptions that point at
    /// the receiver (a quick restart loses nothing: Graph retries for hours).
    pub downtime_gap_seconds: i64,
    /// How the receiver's answers are judged (Graph's rules; tests make them strict).
    pub delivery_rules: studio_receiver::health::Rules,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            session_secrets_only: false,
            keyring_namespace: KEYRING_NAMESPACE.to_owned(),
            first_start: FirstStart::SignInSandbox,
            ngrok_server: None,
            ngrok_authtoken: None,
            process: ProcessKind::Cli,
            downtime_gap_seconds: DOWNTIME_GAP_SECONDS,
            delivery_rules: studio_receiver::health::Rules::default(),
        }
    }
}
