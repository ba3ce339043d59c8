//! `Sensitive<T>`: a secret that cannot leak by accident.
//!
//! Refresh tokens, client secrets, private keys and the ngrok authtoken travel through the app in
//! this wrapper. Its `Debug` and `Display` print a fixed placeholder, it implements neither
//! `Serialize` nor `Clone`-into-plain-types, so it cannot reach a log line, an export, SQLite or
//! the UI by accident; reading it takes an explicit `expose()`, which is easy to find in review.
//! The memory is wiped when it is dropped.

use std::fmt;

use zeroize::Zeroize;

/// What secrets print as.
pub const REDACTED: &str = "‹redacted›";

/// A secret value.
pub struct Sensitive<T: Zeroize>(T);

impl<T: Zeroize> Sensitive<T> {
    /// Wraps a secret.
    pub fn new(value: T) -> Self {
        Sensitive(value)
    }

    /// The secret itself: use it where it must go (a request body, the keyring), nowhere else.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl Sensitive<String> {
    /// Whether the secret is empty (safe to say).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Zeroize + Clone> Clone for Sensitive<T> {
    fn clone(&self) -> Self {
        Sensitive(self.0.clone())
    }
}

impl<T: Zeroize> Drop for Sensitive<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T: Zeroize> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for Sensitive<String> {
    fn from(value: String) -> Self {
        Sensitive(value)
    }
}

/// Secrets may arrive in a request (a client secret typed into the window, piped to the CLI);
/// they can never be written out, so there is no `Serialize`.
impl<'de> serde::Deserialize<'de> for Sensitive<String> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Sensitive)
    }
}

impl<T: Zeroize + PartialEq> PartialEq for Sensitive<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Sensitive::new("sbx~hunter2".to_owned());
        assert_eq!(format!("{secret:?}"), REDACTED);
        assert_eq!(format!("{secret}"), REDACTED);
        assert_eq!(
            format!("{:?}", Some(secret.clone())),
            format!("Some({REDACTED})")
        );
        assert_eq!(secret.expose(), "sbx~hunter2");
    }
}
