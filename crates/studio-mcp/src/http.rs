//! The streamable HTTP transport, for clients that connect to a URL rather than start a process:
//! on loopback only, behind a bearer token made for this run and printed once. Anything else on
//! this computer (a web page included: rmcp checks `Host` against DNS rebinding) gets 401.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use studio_core::CoreError;
use studio_primitives::Sensitive;
use subtle::ConstantTimeEq;

use crate::workbench::Workbench;

/// How long requests in flight may take to finish once the server is told to stop.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// A bound, not yet serving, HTTP endpoint.
#[derive(Debug)]
pub struct HttpServer {
    listener: tokio::net::TcpListener,
    token: Sensitive<String>,
    workbench: Workbench,
}

impl HttpServer {
    /// Binds `127.0.0.1:port` (0: a free port) and makes the run's token.
    pub async fn bind(workbench: Workbench, port: u16) -> Result<HttpServer, CoreError> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| {
            CoreError::refused(format!("Cannot listen on {address}: {e}."))
                .with_hint("Choose another --port, or 0 for a free one.")
        })?;
        let token =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        Ok(HttpServer {
            listener,
            token: Sensitive::new(token),
            workbench,
        })
    }

    /// Where clients connect.
    pub fn url(&self) -> String {
        match self.listener.local_addr() {
            Ok(address) => format!("http://{address}/mcp"),
            Err(_) => "http://127.0.0.1/mcp".to_owned(),
        }
    }

    /// The bearer token clients send (shown to the user once, never logged).
    pub fn token(&self) -> &Sensitive<String> {
        &self.token
    }

    /// Serves until `stop` completes, then closes every session.
    pub async fn serve(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), CoreError> {
        let workbench = self.workbench;
        let config = StreamableHttpServerConfig::default();
        // Open event streams end only when this is cancelled: without it, a graceful shutdown
        // would wait for every connected client forever.
        let sessions = config.cancellation_token.clone();
        let service = StreamableHttpService::new(
            move || Ok(workbench.clone()),
            Arc::new(LocalSessionManager::default()),
            config,
        );
        let expected = Arc::new(format!("Bearer {}", self.token.expose()));
        let router = axum::Router::new()
            .nest_service("/mcp", service)
            .layer(middleware::from_fn_with_state(expected, bearer));
        let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = axum::serve(self.listener, router).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        let mut serving = tokio::spawn(serving.into_future());
        tokio::select! {
            () = stop => {}
            ended = &mut serving => return ended_with(ended),
        }
        sessions.cancel();
        let _ = stopping.send(());
        // Requests in flight get a moment to finish; then the server goes regardless.
        tokio::time::timeout(SHUTDOWN_GRACE, serving)
            .await
            .map_or(Ok(()), ended_with)
    }
}

fn ended_with(ended: Result<std::io::Result<()>, tokio::task::JoinError>) -> Result<(), CoreError> {
    match ended {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(CoreError::internal(format!(
            "the MCP HTTP server stopped: {error}"
        ))),
        Err(error) => Err(CoreError::internal(format!(
            "the MCP HTTP server failed: {error}"
        ))),
    }
}

/// Lets a request through only with the run's bearer token (compared in constant time).
async fn bearer(State(expected): State<Arc<String>>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    if bool::from(presented.ct_eq(expected.as_bytes())) {
        return next.run(request).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        "This MCP server needs the bearer token it printed when it started.\n",
    )
        .into_response()
}
