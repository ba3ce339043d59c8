//! The environment, read once: the variables that may change what the app does are turned into
//! [`Options`] here (for the window and the CLI alike) and nowhere else.

use studio_core::{FirstStart, Options};
use studio_primitives::Sensitive;

/// Moves all app data below a folder (same as `--data-dir`).
pub const DATA_DIR: &str = "WEBHOOK_STUDIO_DATA_DIR";
/// `session`: keep secrets in this process's memory, whatever the settings say.
pub const SECRETS: &str = "WEBHOOK_STUDIO_SECRETS";
/// The keyring service name (tests use a throwaway one).
pub const KEYRING_NAMESPACE: &str = "WEBHOOK_STUDIO_KEYRING_NAMESPACE";
/// `empty`: the first start does not sign in the sandbox (tests of the empty state).
pub const FIRST_START: &str = "WEBHOOK_STUDIO_FIRST_START";
/// Where the ngrok agent connects (`host:port`; tests point it at loopback).
pub const NGROK_SERVER: &str = "WEBHOOK_STUDIO_NGROK_SERVER";
/// An ngrok authtoken, used when the keyring holds none.
pub const NGROK_AUTHTOKEN: &str = "NGROK_AUTHTOKEN";
/// A `tracing` filter for the logs (`debug`, `studio_core=trace`).
pub const LOG_FILTER: &str = "WEBHOOK_STUDIO_LOG";

/// Set when this process borrowed the console of the shell that started it (the Windows GUI
/// build): the shell reads the same keyboard, so a hidden prompt would share keystrokes with it.
static SHARED_CONSOLE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// This process writes to (and would read from) its starting shell's console.
pub fn console_shared_with_shell() {
    SHARED_CONSOLE.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Whether a hidden prompt may read the keyboard (not when the shell reads it too).
pub fn prompts_allowed() -> bool {
    !SHARED_CONSOLE.load(std::sync::atomic::Ordering::Relaxed)
}

/// Makes every file and folder this process creates private to the user (mask 077): the data
/// folder holds decrypted resource data, the logs name the receiver's secret path. Call first,
/// before any file is created.
pub fn private_files() {
    #[cfg(unix)]
    {
        let _previous = rustix::process::umask(rustix::fs::Mode::from_bits_truncate(0o077));
    }
}

/// The options the environment sets.
pub fn options() -> Options {
    options_from(|name| std::env::var(name).ok())
}

/// The options a lookup of variables sets (tests pass a map).
pub fn options_from(var: impl Fn(&str) -> Option<String>) -> Options {
    let defaults = Options::default();
    Options {
        session_secrets_only: var(SECRETS).is_some_and(|v| v == "session"),
        keyring_namespace: var(KEYRING_NAMESPACE)
            .filter(|v| !v.is_empty())
            .unwrap_or(defaults.keyring_namespace),
        first_start: if var(FIRST_START).is_some_and(|v| v == "empty") {
            FirstStart::Empty
        } else {
            FirstStart::SignInSandbox
        },
        ngrok_server: var(NGROK_SERVER).filter(|v| !v.trim().is_empty()),
        ngrok_authtoken: var(NGROK_AUTHTOKEN)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .map(Sensitive::new),
        process: defaults.process,
        downtime_gap_seconds: defaults.downtime_gap_seconds,
        delivery_rules: defaults.delivery_rules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_variable_sets_its_option_and_nothing_else() {
        let unset = options_from(|_| None);
        assert!(!unset.session_secrets_only);
        assert_eq!(unset.first_start, FirstStart::SignInSandbox);
        assert!(unset.ngrok_authtoken.is_none());
        let set = options_from(|name| match name {
            SECRETS => Some("session".into()),
            FIRST_START => Some("empty".into()),
            KEYRING_NAMESPACE => Some("test-ns".into()),
            NGROK_SERVER => Some("127.0.0.1:4443".into()),
            NGROK_AUTHTOKEN => Some("  tok  ".into()),
            _ => None,
        });
        assert!(set.session_secrets_only);
        assert_eq!(set.first_start, FirstStart::Empty);
        assert_eq!(set.keyring_namespace, "test-ns");
        assert_eq!(set.ngrok_server.as_deref(), Some("127.0.0.1:4443"));
        assert_eq!(
            set.ngrok_authtoken.map(|t| t.expose().clone()).as_deref(),
            Some("tok")
        );
    }
}
