//! The one place HTTP clients are built (Graph, the identity platform, signing keys, forwarding,
//! the preflight, the sandbox's deliveries).
//!
//! Every client has a timeout and an explicit redirect policy, and speaks TLS with rustls and the
//! operating system's roots. Building one can fail (a broken TLS set-up); that is an error for the
//! caller to report, never a silent fallback to a client without timeout or redirect policy.

use std::time::Duration;

/// Whether a client follows redirects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// Never (token endpoints, Graph, webhooks: following one would open the app to SSRF).
    None,
    /// Up to this many (the sandbox's silent sign-in follows its own redirect).
    Limited(usize),
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("the HTTP client for {purpose} could not be built")]
pub struct HttpClientError {
    /// What the client was for.
    pub purpose: &'static str,
    /// What reqwest said.
    #[source]
    pub source: reqwest::Error,
}

/// A client for `purpose` (named in the error) with a whole-request timeout and a redirect policy.
pub fn client(
    purpose: &'static str,
    timeout: Duration,
    redirects: Redirects,
) -> Result<reqwest::Client, HttpClientError> {
    let policy = match redirects {
        Redirects::None => reqwest::redirect::Policy::none(),
        Redirects::Limited(n) => reqwest::redirect::Policy::limited(n),
    };
    reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(policy)
        .build()
        .map_err(|source| HttpClientError { purpose, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_build_with_tls_and_a_timeout() {
        assert!(client("a test", Duration::from_secs(1), Redirects::None).is_ok());
        assert!(client("a test", Duration::from_secs(1), Redirects::Limited(3)).is_ok());
    }
}
