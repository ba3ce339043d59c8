//! The `webhook-studio` command line.
//!
//! The same binary is the desktop app and the CLI: with no subcommand it opens the window, with
//! one it runs headless and never touches GTK, so it works over SSH and in CI. This crate owns
//! the parser, the terminal output, secret prompts, logging set-up and the one reading of the
//! environment ([`environment`]); it calls only what the window can call (the command surface and
//! public `Studio` methods), so it is tested without a desktop.

#![allow(clippy::print_stdout, reason = "the CLI's output is its interface")]

pub mod accounts;
pub mod catalog;
pub mod certificates;
pub mod conform;
pub mod environment;
pub mod event_hubs;
mod follow;
pub mod gaps;
mod ledger;
pub mod listen;
pub mod logging;
pub mod mcp;
mod printer;
mod reception_lines;
pub mod signals;
pub mod trigger;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use studio_core::{AppPaths, CoreError, IpcError, Options, Studio};

/// Graph Webhook Studio: explore, subscribe to and inspect Microsoft Graph change notifications.
///
/// Run without a subcommand to open the desktop app.
#[derive(Debug, Parser)]
#[command(name = "webhook-studio", version, about, long_about)]
pub struct Cli {
    /// Keep all app data, settings and logs below this folder instead of the OS default.
    #[arg(long, global = true, env = environment::DATA_DIR, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// What to do; without one, the desktop app opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Headless subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the version, the folders in use and any problem with the settings file.
    Info {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The subscribable Graph resources: list them, or check a resource string.
    Catalog(catalog::CatalogArgs),
    /// Accounts: add (the sandbox, a Microsoft account, an app registration), list, use, remove.
    #[command(subcommand)]
    Account(accounts::AccountCommand),
    /// The account's subscriptions: list, get, renew, delete, reauthorize.
    Subscription(accounts::SubscriptionArgs),
    /// Receive notifications: print the public URL, then every reception and its checks.
    Listen(listen::ListenArgs),
    /// Make the change a subscription watches happen (sandbox: any change; real tenant: a safe
    /// write, shown first, made with --yes).
    Trigger(trigger::TriggerArgs),
    /// Test your own webhook handler: drive it with what the sandbox sends (handshakes, plain,
    /// batched and rich notifications, lifecycle events, duplicates, forgeries, a burst) and grade
    /// it against Graph's rules. Exits 0 only when no check fails.
    Conform(conform::ConformArgs),
    /// Delivery health by Graph's rules, each subscription's last notification and silence, and
    /// the gaps (times notifications may be missing) not yet reconciled.
    Health(gaps::HealthArgs),
    /// Find what a subscription missed: read delta over its open gaps (or from --since) and list
    /// what changed without a notification, what was notified twice and what was superseded.
    Reconcile(gaps::ReconcileArgs),
    /// Azure Event Hubs: save a connection (the connection string goes to the keyring), list,
    /// remove, and print the EventHub: URL Graph delivers to. Read one with `listen --event-hub`.
    #[command(subcommand)]
    EventHub(event_hubs::EventHubCommand),
    /// Certificates for rich notifications: create, list, export, delete.
    #[command(subcommand)]
    Cert(certificates::CertCommand),
    /// Run a Model Context Protocol server (stdio, or --http) so a coding agent can search the
    /// catalog, subscribe, trigger changes and read what arrived with its checks.
    Mcp(mcp::McpArgs),
}

impl Cli {
    /// The folders this invocation uses.
    pub fn paths(&self) -> Result<AppPaths, IpcError> {
        AppPaths::resolve(self.data_dir.as_deref()).map_err(IpcError::from)
    }
}

/// Runs a headless subcommand to completion with the environment's options.
pub fn run(cli: &Cli, command: &Command, mut options: Options) -> ExitCode {
    if matches!(command, Command::Mcp(_)) {
        options.process = studio_core::ProcessKind::Mcp;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            return fail(&IpcError::new(
                studio_core::ErrorCode::Internal,
                error.to_string(),
            ));
        }
    };
    match runtime.block_on(execute(cli, command, options)) {
        Ok(code) => code,
        Err(error) => fail(&IpcError::from(error)),
    }
}

async fn execute(cli: &Cli, command: &Command, options: Options) -> Result<ExitCode, CoreError> {
    let paths = AppPaths::resolve(cli.data_dir.as_deref())?;
    let studio = std::sync::Arc::new(Studio::open(paths, options)?);
    let outcome = dispatch(std::sync::Arc::clone(&studio), command).await;
    // The in-process sandbox saves its state on the way out (subscriptions made or deleted just
    // now would otherwise be lost with the process).
    studio.shutdown().await;
    outcome
}

async fn dispatch(
    studio: std::sync::Arc<Studio>,
    command: &Command,
) -> Result<ExitCode, CoreError> {
    match command {
        Command::Catalog(args) => catalog::run(&studio, args).await,
        Command::Account(command) => accounts::account(&studio, command).await,
        Command::Subscription(args) => accounts::subscription(&studio, args).await,
        Command::Listen(args) => listen::listen(std::sync::Arc::clone(&studio), args).await,
        Command::Cert(command) => certificates::cert(&studio, command).await,
        Command::EventHub(command) => event_hubs::run(&studio, command).await,
        Command::Trigger(args) => trigger::run(&studio, args).await,
        Command::Conform(args) => conform::run(&studio, args).await,
        Command::Health(args) => gaps::health(&studio, args).await,
        Command::Reconcile(args) => gaps::reconcile(&studio, args).await,
        Command::Mcp(args) => mcp::run(std::sync::Arc::clone(&studio), args).await,
        Command::Info { json } => {
            let info = studio.app_info(()).await?;
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&info).unwrap_or_default()
                );
            } else {
                println!("{} {} ({})", info.product_name, info.version, info.platform);
                println!("data dir:      {}", info.data_dir);
                println!("settings file: {}", info.settings_file);
                println!("log dir:       {}", info.log_dir);
                if let Some(problem) = info.settings_problem {
                    println!("warning:       {}", problem.message);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints an error as the CLI shows them (`error:` and `hint:` on stderr); answers exit 1.
#[allow(clippy::print_stderr, reason = "errors go to stderr")]
pub fn fail(error: &IpcError) -> ExitCode {
    eprintln!("error: {}", error.message);
    if let Some(hint) = &error.hint {
        eprintln!("hint: {hint}");
    }
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn parser_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_subcommand_means_gui() {
        let cli = Cli::try_parse_from(["webhook-studio"]).ok();
        assert!(cli.is_some_and(|c| c.command.is_none()));
    }

    #[test]
    fn data_dir_flag_is_global() {
        let cli = Cli::try_parse_from(["webhook-studio", "info", "--data-dir", "/tmp/d"]).ok();
        assert_eq!(cli.and_then(|c| c.data_dir), Some(PathBuf::from("/tmp/d")));
    }

    #[test]
    fn unknown_flag_is_a_usage_error() {
        let error = Cli::try_parse_from(["webhook-studio", "--bogus"]).err();
        assert_eq!(error.map(|e| e.exit_code()), Some(2));
    }
}
