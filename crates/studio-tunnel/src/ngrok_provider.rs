//! The ngrok provider: an agent session opened with the ngrok SDK, one HTTPS endpoint, and its
//! connections handed to the receiver as an `axum::serve::Listener`.
//!
//! The SDK reconnects by itself after a network loss or a sleep (its heartbeat notices the dead
//! connection); our connector wraps its default one only to report "reconnecting" and "online"
//! again, so the status bar tells the truth while the URL is unreachable.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use ngrok::config::TunnelBuilder;
use ngrok::conn::{ConnInfo, EndpointConn};
use ngrok::tunnel::{AcceptError, EndpointInfo, HttpTunnel};
use studio_primitives::Sensitive;
use tokio::sync::watch;

use crate::hints::ngrok_hint;
use crate::{TunnelError, TunnelStatus};

/// ngrok's connections as a listener the receiver serves (`axum::serve`).
pub struct NgrokListener {
    tunnel: HttpTunnel,
    public_url: String,
}

impl std::fmt::Debug for NgrokListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NgrokListener")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl NgrokListener {
    /// The endpoint's public URL (`https://….ngrok-free.app`).
    pub fn public_url(&self) -> &str {
        &self.public_url
    }
}

impl axum::serve::Listener for NgrokListener {
    type Io = EndpointConn;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.tunnel.next().await {
                Some(Ok(conn)) => {
                    let peer = conn.remote_addr();
                    return (conn, peer);
                }
                Some(Err(error)) => {
                    // A failed accept (a reconnect in progress) is not the end of the tunnel.
                    tracing::debug!(%error, "an ngrok connection could not be accepted");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                None => {
                    tracing::info!("the ngrok endpoint closed");
                    std::future::pending::<()>().await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(SocketAddr::from(([0, 0, 0, 0], 0)))
    }
}

/// Opens a session and an HTTPS endpoint (on `domain` when given).
pub(crate) async fn connect(
    authtoken: Sensitive<String>,
    domain: Option<&str>,
    server: Option<&str>,
    status: watch::Sender<TunnelStatus>,
) -> Result<(ngrok::Session, NgrokListener), TunnelError> {
    // rustls is built with two crypto providers in this app (reqwest's and the SDK's), so the
    // SDK's process-wide configurations need one named; a second call is a no-op.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let known_url: Arc<Mutex<Option<String>>> = Arc::default();
    let mut builder = ngrok::Session::builder();
    builder.authtoken(authtoken.expose().as_str()).client_info(
        "graph-webhook-studio",
        env!("CARGO_PKG_VERSION"),
        None::<String>,
    );
    if let Some(server) = server {
        builder
            .server_addr(server)
            .map_err(|error| failure(None, error.to_string()))?;
    }
    let reporter = status.clone();
    let url_for_reconnects = Arc::clone(&known_url);
    builder.connector(
        move |host: String,
              port: u16,
              tls: Arc<rustls::ClientConfig>,
              error: Option<AcceptError>| {
            let reporter = reporter.clone();
            let known_url = Arc::clone(&url_for_reconnects);
            async move {
                let reconnecting = error.is_some();
                if let Some(error) = &error {
                    tracing::warn!(%error, "the ngrok session dropped; reconnecting");
                    reporter.send_replace(TunnelStatus::Reconnecting {
                        reason: error.to_string(),
                    });
                }
                let connected = ngrok::session::default_connect(host, port, tls, error).await;
                if reconnecting && connected.is_ok() {
                    let url = known_url.lock().ok().and_then(|url| url.clone());
                    if let Some(public_url) = url {
                        reporter.send_replace(TunnelStatus::Online { public_url });
                    }
                }
                connected
            }
        },
    );
    let session = builder.connect().await.map_err(|error| {
        let code = ngrok::Error::error_code(&error).map(str::to_owned);
        failure(code, describe(&error))
    })?;
    let mut endpoint = session.http_endpoint();
    if let Some(domain) = domain.map(str::trim).filter(|d| !d.is_empty()) {
        endpoint.domain(domain);
    }
    endpoint.metadata("Graph Webhook Studio receiver");
    let tunnel = endpoint.listen().await.map_err(|error| {
        let code = ngrok::Error::error_code(&error).map(str::to_owned);
        failure(code, ngrok::Error::msg(&error))
    })?;
    let public_url = tunnel.url().trim_end_matches('/').to_owned();
    if let Ok(mut url) = known_url.lock() {
        *url = Some(public_url.clone());
    }
    tracing::info!(%public_url, "ngrok endpoint online");
    Ok((session, NgrokListener { tunnel, public_url }))
}

/// The error with its causes (the SDK's top-level messages are terse: "authentication failure").
fn describe(error: &ngrok::session::ConnectError) -> String {
    let mut text = ngrok::Error::msg(error);
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn failure(code: Option<String>, message: String) -> TunnelError {
    let hint = ngrok_hint(code.as_deref(), &message);
    TunnelError::Ngrok {
        code,
        message,
        hint,
    }
}
