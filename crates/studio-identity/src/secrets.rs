//! Where secrets live: the OS keyring (macOS Keychain, Windows Credential Manager, the Secret
//! Service on Linux), or, only when the user opts in because no keyring is available, this
//! session's memory. Never a plain file.
//!
//! Entries are named `{namespace}` (the keyring "service") and `{account id}/{what}` (the
//! "user"). Windows Credential Manager holds at most 2,560 bytes per credential and refresh
//! tokens or PEM keys can be longer, so every store splits values over numbered parts with a
//! small header entry; the limit is the same everywhere so the behaviour is tested on Linux.
//! Tests point the namespace at a throwaway name so they never touch the user's entries.

use std::collections::HashMap;
use std::sync::Mutex;

use studio_primitives::Sensitive;

/// Bytes per keyring entry (under Windows Credential Manager's 2,560-byte blob limit, leaving room
/// for its UTF-16 encoding of our ASCII text).
pub const PART_BYTES: usize = 1200;

/// Why a secret could not be kept or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// There is no keyring service to talk to (Linux without a Secret Service, a headless session).
    #[error("no keyring is available: {0}")]
    Unavailable(String),
    /// The keyring is there but locked, or the user refused access.
    #[error("the keyring refused access (it may be locked): {0}")]
    Denied(String),
    /// Anything else the platform store reported.
    #[error("the keyring failed: {0}")]
    Platform(String),
    /// A stored value is damaged (a part is missing).
    #[error("the stored secret '{0}' is incomplete")]
    Damaged(String),
}

/// A place for secrets.
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    /// Keeps `value` under `name`, replacing what was there.
    fn put(&self, name: &str, value: &Sensitive<String>) -> Result<(), SecretError>;
    /// The value under `name`, if any.
    fn get(&self, name: &str) -> Result<Option<Sensitive<String>>, SecretError>;
    /// Removes `name` (and its parts); removing nothing is fine.
    fn delete(&self, name: &str) -> Result<(), SecretError>;
    /// Which kind of store this is, for people ("the system keyring", "this session only").
    fn describe(&self) -> &'static str;
    /// Whether the store works now (the keyring writes, reads back and deletes a probe entry).
    fn probe(&self) -> Result<(), SecretError> {
        Ok(())
    }
}

/// The OS keyring, through the `keyring` crate.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    namespace: String,
}

impl KeyringStore {
    /// Entries under the keyring service `namespace` (the app uses its identifier; tests a
    /// random name).
    pub fn new(namespace: impl Into<String>) -> KeyringStore {
        KeyringStore {
            namespace: namespace.into(),
        }
    }

    /// Runs `step` on entry `name`, a second time on a fresh entry if the keyring service went
    /// away in the middle of the first (see [`service_restarted`]).
    fn on_entry<T>(
        &self,
        name: &str,
        step: impl Fn(&keyring::Entry) -> keyring::Result<T>,
    ) -> keyring::Result<T> {
        once_more(|| step(&keyring::Entry::new(&self.namespace, name)?))
    }

    fn read(&self, name: &str) -> Result<Option<String>, SecretError> {
        match self.on_entry(name, keyring::Entry::get_password) {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(classify(error)),
        }
    }

    fn write(&self, name: &str, value: &str) -> Result<(), SecretError> {
        self.on_entry(name, |entry| entry.set_password(value))
            .map_err(classify)
    }

    fn remove(&self, name: &str) -> Result<(), SecretError> {
        match self.on_entry(name, keyring::Entry::delete_credential) {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(classify(error)),
        }
    }

    /// Writes, reads back and deletes a probe entry: whether this keyring works now.
    fn check(&self) -> Result<(), SecretError> {
        // A name of its own: processes starting together (the window and a CLI command) must not
        // delete each other's probe between its write and its read.
        let unique: [u8; 8] = rand::random();
        let name = &format!(
            "probe-{}",
            unique
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let value = Sensitive::new("ok".to_owned());
        self.put(name, &value)?;
        let read = self.get(name)?;
        self.delete(name)?;
        match read {
            Some(read) if read == value => Ok(()),
            _ => Err(SecretError::Platform(
                "a probe entry could not be read back".into(),
            )),
        }
    }
}

/// Whether `error` says the keyring service went away in the middle of a call: on Linux, the
/// Secret Service daemon ended (gnome-keyring 42 aborts when another client disconnects in the
/// middle of a call, an upstream bug) and D-Bus starts it again on the next request. Every step
/// here is one idempotent read, write or delete, so it is asked once more.
fn service_restarted(error: &keyring::Error) -> bool {
    match error {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            let text = inner.to_string().to_lowercase();
            text.contains("disconnected") || text.contains("noreply") || text.contains("no reply")
        }
        _ => false,
    }
}

/// `step`, and once more if the first try met a keyring service that went away.
fn once_more<T>(step: impl Fn() -> keyring::Result<T>) -> keyring::Result<T> {
    match step() {
        Err(error) if service_restarted(&error) => {
            tracing::warn!(%error, "the keyring service went away during a call; asking once more");
            step()
        }
        done => done,
    }
}

fn classify(error: keyring::Error) -> SecretError {
    match error {
        keyring::Error::NoStorageAccess(inner) => SecretError::Denied(inner.to_string()),
        keyring::Error::PlatformFailure(inner) => {
            let text = inner.to_string();
            let lower = text.to_lowercase();
            if lower.contains("locked") || lower.contains("dismissed") || lower.contains("denied") {
                SecretError::Denied(text)
            } else if lower.contains("dbus")
                || lower.contains("d-bus")
                || lower.contains("secret service")
                || lower.contains("org.freedesktop")
                || lower.contains("no such")
            {
                SecretError::Unavailable(text)
            } else {
                SecretError::Platform(text)
            }
        }
        other => SecretError::Platform(other.to_string()),
    }
}

impl SecretStore for KeyringStore {
    fn put(&self, name: &str, value: &Sensitive<String>) -> Result<(), SecretError> {
        let text = value.expose();
        let parts: Vec<&str> = split(text);
        self.delete(name)?;
        if parts.len() == 1 {
            return self.write(name, text);
        }
        for (index, part) in parts.iter().enumerate() {
            self.write(&format!("{name}#{index}"), part)?;
        }
        self.write(name, &format!("{SPLIT_MARK}{}", parts.len()))
    }

    fn get(&self, name: &str) -> Result<Option<Sensitive<String>>, SecretError> {
        let Some(head) = self.read(name)? else {
            return Ok(None);
        };
        let Some(count) = head
            .strip_prefix(SPLIT_MARK)
            .and_then(|n| n.parse::<usize>().ok())
        else {
            return Ok(Some(Sensitive::new(head)));
        };
        let mut whole = String::new();
        for index in 0..count {
            match self.read(&format!("{name}#{index}"))? {
                Some(part) => whole.push_str(&part),
                None => return Err(SecretError::Damaged(name.to_owned())),
            }
        }
        Ok(Some(Sensitive::new(whole)))
    }

    fn delete(&self, name: &str) -> Result<(), SecretError> {
        if let Some(head) = self.read(name)?
            && let Some(count) = head
                .strip_prefix(SPLIT_MARK)
                .and_then(|n| n.parse::<usize>().ok())
        {
            for index in 0..count {
                self.remove(&format!("{name}#{index}"))?;
            }
        }
        self.remove(name)
    }

    fn describe(&self) -> &'static str {
        "the system keyring"
    }

    fn probe(&self) -> Result<(), SecretError> {
        self.check()
    }
}

/// Marks a header entry whose value is split over parts.
const SPLIT_MARK: &str = "\u{1}parts:";

/// Splits at character boundaries into pieces of at most `PART_BYTES` bytes.
fn split(text: &str) -> Vec<&str> {
    if text.len() <= PART_BYTES {
        return vec![text];
    }
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut cut = rest.len().min(PART_BYTES);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (part, tail) = rest.split_at(cut);
        parts.push(part);
        rest = tail;
    }
    parts
}

/// Secrets for this session only: the user's explicit choice when no keyring is available.
/// Everything is forgotten when the app quits; sign-ins must be repeated.
#[derive(Debug, Default)]
pub struct SessionStore {
    values: Mutex<HashMap<String, Sensitive<String>>>,
}

impl SecretStore for SessionStore {
    fn put(&self, name: &str, value: &Sensitive<String>) -> Result<(), SecretError> {
        let mut values = self
            .values
            .lock()
            .map_err(|_| SecretError::Platform("session store poisoned".into()))?;
        values.insert(name.to_owned(), value.clone());
        Ok(())
    }

    fn get(&self, name: &str) -> Result<Option<Sensitive<String>>, SecretError> {
        let values = self
            .values
            .lock()
            .map_err(|_| SecretError::Platform("session store poisoned".into()))?;
        Ok(values.get(name).cloned())
    }

    fn delete(&self, name: &str) -> Result<(), SecretError> {
        if let Ok(mut values) = self.values.lock() {
            values.remove(name);
        }
        Ok(())
    }

    fn describe(&self) -> &'static str {
        "this session only (no keyring)"
    }
}

/// A store that always fails the same way: failure injection for an absent or locked keyring.
#[derive(Debug)]
pub struct BrokenStore {
    /// `true`: locked (denied); `false`: absent (unavailable).
    pub locked: bool,
}

impl BrokenStore {
    fn error(&self) -> SecretError {
        if self.locked {
            SecretError::Denied("the collection is locked".into())
        } else {
            SecretError::Unavailable(
                "org.freedesktop.secrets was not provided by any service".into(),
            )
        }
    }
}

impl SecretStore for BrokenStore {
    fn put(&self, _: &str, _: &Sensitive<String>) -> Result<(), SecretError> {
        Err(self.error())
    }
    fn get(&self, _: &str) -> Result<Option<Sensitive<String>>, SecretError> {
        Err(self.error())
    }
    fn delete(&self, _: &str) -> Result<(), SecretError> {
        Err(self.error())
    }
    fn describe(&self) -> &'static str {
        "a keyring that cannot be used"
    }

    fn probe(&self) -> Result<(), SecretError> {
        Err(self.error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_split_at_character_boundaries() {
        let text = "é".repeat(PART_BYTES);
        let parts = split(&text);
        assert!(parts.len() >= 2);
        assert!(parts.iter().all(|p| p.len() <= PART_BYTES));
        assert_eq!(parts.concat(), text);
        assert_eq!(split("short"), vec!["short"]);
    }

    #[test]
    fn a_keyring_service_that_went_away_mid_call_is_asked_once_more_and_nothing_else_is() {
        use std::cell::Cell;
        // What the Secret Service client reported when gnome-keyring aborted under the E2E suite.
        let gone = || {
            keyring::Error::PlatformFailure(
                "DBus error: Message recipient disconnected from message bus without reply".into(),
            )
        };
        let tries = Cell::new(0);
        let answer = once_more(|| {
            tries.set(tries.get() + 1);
            if tries.get() == 1 {
                Err(gone())
            } else {
                Ok("value")
            }
        });
        assert_eq!((answer.ok(), tries.get()), (Some("value"), 2));

        // Gone twice: the second failure is the answer, no third try.
        tries.set(0);
        let answer: keyring::Result<()> = once_more(|| {
            tries.set(tries.get() + 1);
            Err(gone())
        });
        assert!(matches!(answer, Err(keyring::Error::PlatformFailure(_))));
        assert_eq!(tries.get(), 2);

        // A missing entry or a locked keyring is an answer, not a restart.
        for error in [
            || keyring::Error::NoEntry,
            || keyring::Error::NoStorageAccess("the collection is locked".into()),
        ] {
            tries.set(0);
            let _ = once_more(|| -> keyring::Result<()> {
                tries.set(tries.get() + 1);
                Err(error())
            });
            assert_eq!(tries.get(), 1);
        }
    }

    #[test]
    fn the_session_store_keeps_and_forgets() {
        let store = SessionStore::default();
        let secret = Sensitive::new("s".to_owned());
        store.put("a/refresh", &secret).ok();
        assert_eq!(store.get("a/refresh").ok().flatten(), Some(secret));
        store.delete("a/refresh").ok();
        assert!(store.get("a/refresh").ok().flatten().is_none());
    }
}
