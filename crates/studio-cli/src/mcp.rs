//! `webhook-studio mcp`: the MCP server (`studio-mcp`) over stdio, or over streamable HTTP on
//! loopback with a bearer token printed once. Stdout belongs to the protocol in stdio mode:
//! everything for people goes to stderr.

#![allow(
    clippy::print_stderr,
    reason = "stdout is the protocol's; people read stderr"
)]

use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use studio_core::{CoreError, Studio};
use studio_mcp::{Access, HttpServer, Workbench};
use tokio::sync::broadcast::error::RecvError;

/// `mcp` arguments.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// Let agents create, renew and delete subscriptions (the sandbox's too), change data in a
    /// real tenant and replay to a URL other than the forwarding target. Without it, making a
    /// change in the sandbox tenant is the only change allowed.
    #[arg(long)]
    pub allow_writes: bool,
    /// Serve streamable HTTP on 127.0.0.1 instead of stdio; a bearer token is printed once.
    #[arg(long)]
    pub http: bool,
    /// With --http: the port (0: a free one).
    #[arg(long, default_value_t = 0, requires = "http")]
    pub port: u16,
}

/// Runs the server until the client disconnects (stdio), or Ctrl-C or SIGTERM.
pub async fn run(studio: Arc<Studio>, args: &McpArgs) -> Result<ExitCode, CoreError> {
    let upkeep = tokio::spawn(upkeep_once_receiving(Arc::clone(&studio)));
    let served = serve(studio, args).await;
    upkeep.abort();
    served
}

/// Renewals, lifecycle events and retention, as the window and `listen` run them, from the
/// moment this server receives for the folder (its first subscription started the receiver):
/// the process that receives keeps the subscriptions alive. Events wake it, not a timer.
async fn upkeep_once_receiving(studio: Arc<Studio>) {
    let mut events = studio.events().subscribe();
    while studio.receiving().endpoints().await.is_none() {
        if let Err(RecvError::Closed) = events.recv().await {
            return;
        }
    }
    drop(events);
    studio.run_upkeep().await;
}

async fn serve(studio: Arc<Studio>, args: &McpArgs) -> Result<ExitCode, CoreError> {
    let workbench = Workbench::new(
        studio,
        Access {
            allow_writes: args.allow_writes,
        },
    );
    if !args.http {
        // A supervisor's SIGTERM (or Ctrl-C) stops it as cleanly as the client closing stdin:
        // what it received is kept and its listening period closed.
        let stop = crate::signals::stop_requested();
        tokio::select! {
            served = studio_mcp::serve_stdio(workbench) => served?,
            () = stop => tracing::info!("the MCP server was asked to stop"),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let server = HttpServer::bind(workbench, args.port).await?;
    // Before the ready lines: whoever reads them may signal at once.
    let stop = crate::signals::stop_requested();
    // Printed once, for the user to give their MCP client; never logged.
    eprintln!("MCP server (streamable HTTP): {}", server.url());
    eprintln!("Authorization: Bearer {}", server.token().expose());
    eprintln!(
        "Writes beyond this computer: {}. Stop with Ctrl-C.",
        if args.allow_writes {
            "allowed"
        } else {
            "refused (start with --allow-writes to allow)"
        }
    );
    server.serve(stop).await?;
    Ok(ExitCode::SUCCESS)
}
