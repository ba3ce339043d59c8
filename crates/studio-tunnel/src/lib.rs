//! Public URLs for the receiver: how Graph, on the internet, reaches a listener on this computer.
//!
//! Three providers behind one interface ([`open`]):
//! - **ngrok** through the agent SDK (no external binary). The session is authenticated with the
//!   user's authtoken (from the keyring, or `NGROK_AUTHTOKEN`), optionally on a reserved domain so
//!   the URL survives restarts. Connections arrive as a stream the receiver serves directly
//!   ([`NgrokListener`] is an `axum::serve::Listener`); the SDK reconnects after network loss or
//!   sleep and [`TunnelStatus`] reports each step, with ngrok's error code and a hint on failure.
//! - **A URL you bring**: the user's reverse proxy, dev tunnel or cloudflared already points at the
//!   receiver's fixed loopback port; we only check the URL's shape.
//! - **None**: no public URL (the sandbox tenant posts to loopback).
//!
//! The ngrok server address is injectable so tests can point it at loopback; tests that need the
//! real service sit behind the `online` feature.

mod hints;
mod ngrok_provider;

use serde::{Deserialize, Serialize};
use studio_primitives::Sensitive;
use tokio::sync::watch;
use ts_rs::TS;

pub use hints::ngrok_hint;
pub use ngrok_provider::NgrokListener;

/// Which provider to use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum TunnelChoice {
    /// No public URL: only loopback senders (the sandbox) can reach the receiver.
    None,
    /// A public URL the user runs themselves, forwarding to the receiver's loopback port.
    Url {
        /// e.g. `https://hooks.example.com` (no path: the receiver's paths are appended).
        url: String,
    },
    /// An ngrok agent session inside the app.
    Ngrok {
        /// A reserved domain (e.g. `contoso-dev.ngrok.app`); a random one when `None`.
        domain: Option<String>,
    },
}

/// Where the tunnel is, as the status bar shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "state"
)]
pub enum TunnelStatus {
    /// No tunnel.
    Off,
    /// Opening the session.
    Connecting,
    /// Reachable at `public_url`.
    Online {
        /// The public base URL (no trailing slash).
        public_url: String,
    },
    /// The connection dropped; the SDK is reconnecting.
    Reconnecting {
        /// What went wrong.
        reason: String,
    },
    /// It could not be opened.
    Failed {
        /// ngrok's error code (`ERR_NGROK_107`), when it gave one.
        code: Option<String>,
        /// What happened.
        message: String,
        /// What to do about it.
        hint: String,
    },
}

/// What it takes to open a tunnel.
#[derive(Debug, Clone)]
pub struct TunnelRequest {
    /// The provider.
    pub choice: TunnelChoice,
    /// The ngrok authtoken (ngrok only).
    pub authtoken: Option<Sensitive<String>>,
    /// Where the ngrok agent connects (`host:port`); `None` for ngrok's own service. Tests use
    /// loopback.
    pub ngrok_server: Option<String>,
}

/// Why a tunnel could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TunnelError {
    /// The URL the user brought is not a usable public HTTPS base URL.
    #[error("{0}")]
    BadUrl(String),
    /// ngrok needs an authtoken and none was given.
    #[error("ngrok needs an authtoken")]
    NoAuthtoken,
    /// ngrok refused or could not be reached.
    #[error("{message}")]
    Ngrok {
        /// ngrok's error code, when it gave one.
        code: Option<String>,
        /// What happened.
        message: String,
        /// What to do about it.
        hint: String,
    },
}

impl TunnelError {
    /// The status this failure leaves the tunnel in.
    pub fn status(&self) -> TunnelStatus {
        let (code, hint) = match self {
            TunnelError::Ngrok { code, hint, .. } => (code.clone(), hint.clone()),
            TunnelError::NoAuthtoken => (None, hints::NO_AUTHTOKEN.to_owned()),
            TunnelError::BadUrl(_) => (
                None,
                "Give the https:// address your proxy or tunnel forwards to this computer.".into(),
            ),
        };
        TunnelStatus::Failed {
            code,
            message: self.to_string(),
            hint,
        }
    }
}

/// An open tunnel.
pub struct OpenTunnel {
    /// The public base URL, when there is one.
    pub public_url: Option<String>,
    /// ngrok's connections, for the receiver to serve (ngrok only; taken once).
    pub listener: Option<NgrokListener>,
    /// Status changes (reconnects) after opening.
    pub status: watch::Receiver<TunnelStatus>,
    session: Option<ngrok::Session>,
}

impl std::fmt::Debug for OpenTunnel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenTunnel")
            .field("public_url", &self.public_url)
            .field("ngrok", &self.session.is_some())
            .finish_non_exhaustive()
    }
}

impl OpenTunnel {
    /// Closes the tunnel (ngrok: ends the session; the public URL stops answering).
    pub async fn close(mut self) {
        if let Some(mut session) = self.session.take()
            && let Err(error) = session.close().await
        {
            tracing::warn!(%error, "the ngrok session did not close cleanly");
        }
    }
}

/// Opens the tunnel `request` asks for; `status` sees every step (including later reconnects).
pub async fn open(
    request: TunnelRequest,
    status: watch::Sender<TunnelStatus>,
) -> Result<OpenTunnel, TunnelError> {
    match &request.choice {
        TunnelChoice::None => {
            status.send_replace(TunnelStatus::Off);
            Ok(OpenTunnel {
                public_url: None,
                listener: None,
                status: status.subscribe(),
                session: None,
            })
        }
        TunnelChoice::Url { url } => {
            let public_url = check_public_url(url).inspect_err(|error| {
                status.send_replace(error.status());
            })?;
            status.send_replace(TunnelStatus::Online {
                public_url: public_url.clone(),
            });
            Ok(OpenTunnel {
                public_url: Some(public_url),
                listener: None,
                status: status.subscribe(),
                session: None,
            })
        }
        TunnelChoice::Ngrok { domain } => {
            let Some(authtoken) = request.authtoken.clone() else {
                let error = TunnelError::NoAuthtoken;
                status.send_replace(error.status());
                return Err(error);
            };
            status.send_replace(TunnelStatus::Connecting);
            match ngrok_provider::connect(
                authtoken,
                domain.as_deref(),
                request.ngrok_server.as_deref(),
                status.clone(),
            )
            .await
            {
                Ok((session, listener)) => {
                    let public_url = listener.public_url().to_owned();
                    status.send_replace(TunnelStatus::Online {
                        public_url: public_url.clone(),
                    });
                    Ok(OpenTunnel {
                        public_url: Some(public_url),
                        listener: Some(listener),
                        status: status.subscribe(),
                        session: Some(session),
                    })
                }
                Err(error) => {
                    status.send_replace(error.status());
                    Err(error)
                }
            }
        }
    }
}

/// Checks a URL the user brought: absolute `https://` (Graph refuses plain HTTP), a host, no
/// query or fragment. Answers it without a trailing slash.
pub fn check_public_url(text: &str) -> Result<String, TunnelError> {
    let url = url::Url::parse(text.trim()).map_err(|_| {
        TunnelError::BadUrl(format!(
            "'{}' is not a URL (expected e.g. https://hooks.example.com)",
            text.trim()
        ))
    })?;
    if url.scheme() != "https" {
        return Err(TunnelError::BadUrl(
            "Graph only delivers to https:// URLs".into(),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(TunnelError::BadUrl("the URL has no host".into()));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(TunnelError::BadUrl(
            "the URL must not carry a query, a fragment or credentials".into(),
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brought_urls_must_be_https_base_urls() {
        assert_eq!(
            check_public_url(" https://hooks.example.com/ ")
                .ok()
                .as_deref(),
            Some("https://hooks.example.com")
        );
        assert_eq!(
            check_public_url("https://proxy.example.com/graph/")
                .ok()
                .as_deref(),
            Some("https://proxy.example.com/graph")
        );
        for bad in [
            "http://hooks.example.com",
            "hooks.example.com",
            "https://hooks.example.com/?a=1",
            "https://user:pw@hooks.example.com",
            "",
        ] {
            assert!(check_public_url(bad).is_err(), "{bad}");
        }
    }
}
