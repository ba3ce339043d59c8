//! What can go wrong signing in, with the fix people need: Microsoft identity's AADSTS codes are
//! turned into a sentence about the app registration, the tenant or the secret.

use crate::secrets::SecretError;

/// A sign-in or token failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// Microsoft identity (or the sandbox) refused, with its OAuth error.
    #[error("{description}")]
    Service {
        /// The OAuth `error` (`invalid_client`, `invalid_grant`, …).
        error: String,
        /// The AADSTS number, when the description has one.
        code: Option<u32>,
        /// `error_description`, without the trace and correlation ids.
        description: String,
    },
    /// The authority could not be reached.
    #[error("cannot reach {0}")]
    Network(String),
    /// The secret store failed.
    #[error(transparent)]
    Secrets(#[from] SecretError),
    /// The sign-in did not finish: the tab was closed, the time ran out, or it was cancelled.
    #[error("{0}")]
    Cancelled(String),
    /// Something the user gave cannot be used (a certificate that is not one, an empty id).
    #[error("{0}")]
    Invalid(String),
    /// There is no refresh token or credential: sign in again.
    #[error("this account is not signed in")]
    NotSignedIn,
    /// The sign-in's ID token, or the authority's description of itself, does not hold.
    #[error("the sign-in cannot be trusted: {0}")]
    IdToken(String),
    /// A delegated sign-in brought no refresh token, so the account would stop working when the
    /// app quits.
    #[error("the authority issued no refresh token: offline_access was not granted")]
    NoRefreshToken,
    /// The authorization response does not belong to this sign-in (its `state` or `iss`).
    #[error("{0}")]
    Mismatch(String),
    /// The lock that keeps refreshes one at a time across processes could not be taken.
    #[error("cannot take the refresh lock {path}: {source}")]
    Lock {
        /// The lock file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No HTTP client could be built.
    #[error(transparent)]
    Http(#[from] studio_primitives::http::HttpClientError),
}

impl IdentityError {
    /// Builds a service error from an OAuth `error` and `error_description`.
    pub fn service(error: &str, description: &str) -> IdentityError {
        let code = description
            .strip_prefix("AADSTS")
            .and_then(|rest| rest.split(':').next())
            .and_then(|n| n.parse().ok());
        let description = description
            .split(" Trace ID:")
            .next()
            .unwrap_or(description)
            .split("\r\n")
            .next()
            .unwrap_or(description)
            .trim()
            .to_owned();
        IdentityError::Service {
            error: error.to_owned(),
            code,
            description: if description.is_empty() {
                error.to_owned()
            } else {
                description
            },
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        let IdentityError::Service { error, code, .. } = self else {
            return match self {
                IdentityError::Network(_) => Some("Check the network connection and the cloud's authority host.".into()),
                IdentityError::Secrets(SecretError::Unavailable(_)) => Some("No keyring service is running. Start one (e.g. gnome-keyring or KWallet), or choose \"keep secrets for this session only\" in Settings.".into()),
                IdentityError::Secrets(SecretError::Denied(_)) => Some("Unlock the keyring (it may ask for your login password) and try again.".into()),
                IdentityError::NotSignedIn => Some("Sign in to this account again.".into()),
                IdentityError::NoRefreshToken => Some("Sign in again and accept every permission asked for, including \"Maintain access to data you have given it access to\" (offline_access); an administrator may have to allow it.".into()),
                IdentityError::IdToken(_) => Some("Check the system clock and the cloud's authority host, then sign in again; if it persists, the authority is not the one configured.".into()),
                IdentityError::Mismatch(_) => Some("Start the sign-in again from the app, and finish it in the tab the app opened.".into()),
                IdentityError::Lock { .. } => Some("Check that the data folder is writable.".into()),
                _ => None,
            };
        };
        let text = match (code, error.as_str()) {
            (Some(700016), _) | (_, "unauthorized_client") => {
                "Check the application (client) id, and that the app is registered in this tenant."
            }
            (Some(90002), _) | (_, "invalid_tenant") => {
                "Check the tenant: its id, a verified domain, organizations, common or consumers."
            }
            (Some(7000215), _) => {
                "The client secret is wrong or expired: paste the secret's Value (not its Secret ID), or create a new one."
            }
            (Some(7000218), _) => {
                "The app registration expects a credential: turn on \"Allow public client flows\" (Authentication) for device-code sign-in, or add a client secret or certificate."
            }
            (Some(700027 | 700024 | 700021), _) => {
                "Upload this certificate to the app registration (Certificates & secrets), check the system clock, and use the certificate's own private key."
            }
            (Some(65001), _) | (_, "consent_required") => {
                "Grant consent: sign in again and accept the permissions, or ask an administrator to grant admin consent."
            }
            (Some(65004), _) | (_, "access_denied") => {
                "The permissions were declined; sign in again and accept them to continue."
            }
            (Some(50011 | 500113), _) => {
                "Add the platform \"Mobile and desktop applications\" with the redirect URI http://localhost to the app registration."
            }
            (Some(50173 | 700082 | 9002313 | 70008 | 54005), _) | (_, "invalid_grant") => {
                "Sign in to this account again."
            }
            (Some(1002012 | 70011), _) | (_, "invalid_scope") => {
                "Check the permissions asked for; app-only accounts use https://graph.microsoft.com/.default."
            }
            (_, "expired_token") => {
                "The code expired before it was entered; start the sign-in again."
            }
            (_, "authorization_declined") => {
                "The sign-in was declined on the other device; start again to retry."
            }
            _ => return None,
        };
        Some(text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aadsts_codes_become_fixes() {
        let error = IdentityError::service(
            "invalid_client",
            "AADSTS7000215: Invalid client secret provided. Trace ID: 1 Correlation ID: 2 Timestamp: 3",
        );
        assert_eq!(
            error.to_string(),
            "AADSTS7000215: Invalid client secret provided."
        );
        assert!(error.hint().is_some_and(|h| h.contains("Value")));
        assert!(IdentityError::service("invalid_grant", "").hint().is_some());
        assert_eq!(IdentityError::service("weird", "").hint(), None);
    }
}
