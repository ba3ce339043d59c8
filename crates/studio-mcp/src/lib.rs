//! `webhook-studio mcp`: the workbench as a Model Context Protocol server, so a coding agent can
//! do what a person does in the window (look up what a resource needs, subscribe, make a change
//! happen, read what arrived with every check), on the sandbox tenant without a Microsoft account.
//!
//! Why it is built this way:
//! - The protocol is the maintained SDK's (`rmcp`): stdio for clients that start the server,
//!   streamable HTTP on loopback behind a bearer token ([`HttpServer`]) for those that connect.
//! - Every tool calls the same public `Studio` methods as the window and the CLI, so an agent sees
//!   what a person sees and nothing more: accounts are summaries, the keyring is never read out.
//! - It shares the data folder with the window. One process receives per folder
//!   (`studio_core::lease`): while the window receives, subscriptions made here point at the
//!   window's receiver and receptions are read from the shared store; otherwise the server starts
//!   receiving on its first subscription, as the window does.
//! - Writes beyond this computer are gated ([`Access`]): creating, renewing and deleting
//!   subscriptions, a change in a real tenant, a replay to another computer.
//! - Arguments are hostile: typed and bounded by JSON Schema and again when read. An unknown tool
//!   is a protocol error; a wrong type or an oversized argument is a tool error saying what is
//!   wrong (the specification's input validation errors); what the app refuses is a tool error
//!   carrying its `{code, message, hint}`.

mod answers;
mod catalog_view;
mod http;
mod params;
mod prompts;
mod receptions;
mod tools;
mod workbench;

use rmcp::ServiceExt;
use studio_core::CoreError;

pub use http::HttpServer;
pub use workbench::{Access, Workbench};

/// Serves one client over stdin/stdout until it disconnects.
pub async fn serve_stdio(workbench: Workbench) -> Result<(), CoreError> {
    let (input, output) = rmcp::transport::io::stdio_pipes();
    let running = workbench
        .serve((input, output))
        .await
        .map_err(|e| CoreError::internal(format!("the MCP session did not start: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| CoreError::internal(format!("the MCP session ended badly: {e}")))?;
    Ok(())
}
