//! `webhook-studio account …` and `webhook-studio subscription …`: the Accounts and Subscriptions
//! screens from a terminal, through the same `Studio` commands.
//!
//! Secrets are read from standard input or a file named on the command line, never from argv
//! (where `ps` and shell history would see them). Accounts are named by their id, their name
//! (a sign-in name or app name) or a unique prefix of either.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI's output is its interface"
)]

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use studio_primitives::Sensitive;

use studio_core::CoreError;
use studio_core::Studio;
use studio_core::accounts::views::{AccountSummary, AppRequest, CloudChoice, DelegatedRequest};
use studio_core::subscriptions::graph::{SubscriptionRef, SubscriptionsRequest};

/// `account` subcommands.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Add an account: the sandbox, a Microsoft account, or an app registration.
    Add(AddArgs),
    /// List the accounts.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Get a fresh token for an account (refreshing it) and show who it is and what it grants.
    Check {
        /// The account's id or name (or a unique prefix).
        name: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Sign out: remove an account and its secrets.
    Remove {
        /// The account's id or name (or a unique prefix).
        name: String,
    },
    /// Make an account the one in use.
    Use {
        /// The account's id or name (or a unique prefix).
        name: String,
    },
    /// Sign in again asking for more delegated permissions (incremental consent).
    Permit {
        /// The account's id or name (or a unique prefix).
        name: String,
        /// The permissions to add, e.g. `Calendars.ReadWrite` (repeat or separate with commas).
        #[arg(required = true, value_delimiter = ',')]
        permissions: Vec<String>,
    },
}

/// Clouds on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CloudArg {
    /// login.microsoftonline.com.
    Global,
    /// US Government.
    UsGovernment,
    /// China (21Vianet).
    China,
    /// Any authority and Graph host (--authority, --graph).
    Custom,
}

/// `account add`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("kind").required(true).args(["sandbox", "tenant"])))]
pub struct AddArgs {
    /// The built-in sandbox tenant (one step, no browser).
    #[arg(long)]
    pub sandbox: bool,
    /// With --sandbox: the sandbox's app (app-only) instead of a user. Otherwise: an app
    /// registration (needs --client-secret-stdin or --certificate).
    #[arg(long)]
    pub app: bool,
    /// With --sandbox: the sandbox user to sign in as.
    #[arg(long, value_name = "UPN", requires = "sandbox")]
    pub user: Option<String>,
    /// The tenant: id, domain, organizations, common or consumers.
    #[arg(long, value_name = "T", conflicts_with = "sandbox")]
    pub tenant: Option<String>,
    /// The app registration's application (client) id.
    #[arg(long, value_name = "C", requires = "tenant")]
    pub client_id: Option<String>,
    /// A personal Microsoft account (delegated).
    #[arg(long)]
    pub personal: bool,
    /// Sign in with a device code (shown here) instead of the system browser.
    #[arg(long)]
    pub device_code: bool,
    /// Delegated permissions to ask for (repeat or separate with commas).
    #[arg(long, value_delimiter = ',', value_name = "PERMISSION")]
    pub scopes: Vec<String>,
    /// Which Microsoft cloud.
    #[arg(long, value_enum, default_value = "global")]
    pub cloud: CloudArg,
    /// With --cloud custom: the authority host (stands for https://login.microsoftonline.com).
    #[arg(long, value_name = "URL")]
    pub authority: Option<String>,
    /// With --cloud custom: the Graph host (stands for https://graph.microsoft.com).
    #[arg(long, value_name = "URL")]
    pub graph: Option<String>,
    /// Read the client secret from standard input (never from the command line).
    #[arg(long, requires = "app")]
    pub client_secret_stdin: bool,
    /// A PEM file with the certificate and its private key.
    #[arg(
        long,
        value_name = "PEM",
        requires = "app",
        conflicts_with = "client_secret_stdin"
    )]
    pub certificate: Option<PathBuf>,
    /// A name to show for an app registration.
    #[arg(long)]
    pub name: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `subscription` subcommands.
#[derive(Debug, Args)]
pub struct SubscriptionArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: SubscriptionAction,
    /// The account (id, name or unique prefix); the one in use by default.
    #[arg(long, global = true)]
    pub account: Option<String>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

/// What to do with subscriptions.
#[derive(Debug, Subcommand)]
pub enum SubscriptionAction {
    /// List the account's subscriptions.
    List {
        /// Every subscription every account can see, put together (the subscription ledger:
        /// who made it, where it points, whether this app serves it, overlaps, quotas).
        #[arg(long)]
        all_accounts: bool,
    },
    /// Show one subscription.
    Get {
        /// The subscription's id.
        id: String,
    },
    /// Renew to the longest expiration the resource allows.
    Renew {
        /// The subscription's id.
        id: String,
    },
    /// Delete a subscription.
    Delete {
        /// The subscription's id.
        id: String,
    },
    /// Reauthorize a subscription.
    Reauthorize {
        /// The subscription's id.
        id: String,
    },
}

pub(crate) fn print_json<T: Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

fn print_account(summary: &AccountSummary) {
    let marker = if summary.current { "*" } else { " " };
    let config = &summary.config;
    let kind = match config.kind {
        studio_identity::AccountKind::Sandbox => "sandbox user",
        studio_identity::AccountKind::SandboxApp => "sandbox app",
        studio_identity::AccountKind::Work => "work or school",
        studio_identity::AccountKind::Personal => "personal",
        studio_identity::AccountKind::Application => "app-only",
    };
    println!(
        "{marker} {}  {}  ({kind}, {})",
        config.id, config.name, summary.cloud_label
    );
    if let Some(identity) = &config.identity
        && !config.kind.app_only()
    {
        println!(
            "    {}user {} in tenant {}",
            identity
                .display_name
                .as_ref()
                .map(|n| format!("{n}, "))
                .unwrap_or_default(),
            identity.object_key,
            identity.tenant_id
        );
    }
    if let Some(claims) = &summary.claims {
        println!(
            "    tenant {}  permissions: {}",
            claims.tenant_id,
            claims.permissions.join(" ")
        );
    }
}

/// The account named by `name`: its id, its name, or a unique prefix of either.
pub(crate) async fn resolve(studio: &Studio, name: &str) -> Result<String, CoreError> {
    studio.account_named(name).await
}

/// The app registration's client secret, from standard input or a prompt.
fn read_secret() -> Result<Sensitive<String>, CoreError> {
    read_piped_secret(
        "the client secret",
        "Client secret: ",
        "printf %s \"$SECRET\" | webhook-studio account add --app --client-secret-stdin …",
    )
}

/// A secret piped on standard input, or typed at a prompt that does not echo it (`what` names it
/// in errors; `example` shows how to pipe it).
pub(crate) fn read_piped_secret(
    what: &str,
    prompt: &str,
    example: &str,
) -> Result<Sensitive<String>, CoreError> {
    let unreadable = |e: std::io::Error| CoreError::refused(format!("cannot read {what}: {e}"));
    let mut sentence = what.to_owned();
    if let Some(first) = sentence.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let secret = if std::io::stdin().is_terminal() {
        if !crate::environment::prompts_allowed() {
            return Err(CoreError::refused(format!(
                "{sentence} cannot be typed here: the terminal's shell reads the keyboard at the same time."
            ))
            .with_hint(format!("Pipe it in: {example} (or run it with start /wait).")));
        }
        Sensitive::new(rpassword::prompt_password(prompt).map_err(unreadable)?)
    } else {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(unreadable)?;
        let secret = Sensitive::new(text.trim_end_matches(['\r', '\n']).to_owned());
        zeroize::Zeroize::zeroize(&mut text);
        secret
    };
    if secret.is_empty() {
        return Err(CoreError::refused(format!("{sentence} is empty."))
            .with_hint(format!("Pipe it in: {example}")));
    }
    Ok(secret)
}

/// Runs `account …`.
pub async fn account(studio: &Studio, command: &AccountCommand) -> Result<ExitCode, CoreError> {
    match command {
        AccountCommand::List { json } => {
            let view = studio.accounts_list(()).await?;
            if *json {
                print_json(&view);
            } else if view.accounts.is_empty() {
                println!("No accounts. Add one: webhook-studio account add --sandbox");
            } else {
                view.accounts.iter().for_each(print_account);
            }
        }
        AccountCommand::Check { name, json } => {
            let id = resolve(studio, name).await?;
            let summary = studio
                .account_check(studio_core::accounts::views::AccountRef { id })
                .await?;
            if *json {
                print_json(&summary);
            } else {
                print_account(&summary);
            }
        }
        AccountCommand::Remove { name } => {
            let id = resolve(studio, name).await?;
            studio
                .account_remove(studio_core::accounts::views::AccountRef { id: id.clone() })
                .await?;
            println!("Signed out and removed {id}.");
        }
        AccountCommand::Use { name } => {
            let id = resolve(studio, name).await?;
            studio
                .account_select(studio_core::accounts::views::AccountRef { id: id.clone() })
                .await?;
            println!("Now using {id}.");
        }
        AccountCommand::Permit { name, permissions } => {
            let id = resolve(studio, name).await?;
            let summary = studio
                .account_request_permissions(studio_core::accounts::views::RequestPermissions {
                    id,
                    scopes: permissions.clone(),
                })
                .await?;
            print_account(&summary);
        }
        AccountCommand::Add(args) => {
            let summary = add(studio, args).await?;
            if args.json {
                print_json(&summary);
            } else {
                println!("Added:");
                print_account(&summary);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn add(studio: &Studio, args: &AddArgs) -> Result<AccountSummary, CoreError> {
    if args.sandbox {
        let request = studio_core::accounts::views::AddSandboxRequest {
            app_only: args.app,
            user_principal_name: args.user.clone(),
        };
        return studio.account_add_sandbox(request).await;
    }
    let cloud = match args.cloud {
        CloudArg::Global => CloudChoice::Global,
        CloudArg::UsGovernment => CloudChoice::UsGovernment,
        CloudArg::China => CloudChoice::China,
        CloudArg::Custom => CloudChoice::Custom,
    };
    let tenant = args.tenant.clone().unwrap_or_default();
    let client_id = args
        .client_id
        .clone()
        .ok_or_else(|| CoreError::refused("--client-id is required with --tenant."))?;
    if args.app {
        let certificate_pem = match &args.certificate {
            Some(path) => Some(Sensitive::new(std::fs::read_to_string(path).map_err(
                |e| CoreError::refused(format!("cannot read {}: {e}", path.display())),
            )?)),
            None => None,
        };
        let client_secret = if args.client_secret_stdin {
            Some(read_secret()?)
        } else {
            None
        };
        return studio
            .account_add_app(AppRequest {
                tenant,
                client_id,
                cloud,
                custom_authority: args.authority.clone(),
                custom_graph: args.graph.clone(),
                name: args.name.clone(),
                client_secret,
                certificate_pem,
            })
            .await;
    }
    let request = DelegatedRequest {
        personal: args.personal,
        tenant,
        client_id,
        cloud,
        custom_authority: args.authority.clone(),
        custom_graph: args.graph.clone(),
        scopes: args.scopes.clone(),
    };
    if args.device_code {
        let device = studio.account_device_start(request).await?;
        eprintln!("{}", device.message);
        return studio
            .account_device_finish(studio_core::accounts::views::DeviceFlowRef {
                flow_id: device.flow_id,
            })
            .await;
    }
    eprintln!("Opening your browser to sign in (waiting up to 5 minutes)…");
    studio.account_sign_in(request).await
}

/// Runs `subscription …`.
pub async fn subscription(studio: &Studio, args: &SubscriptionArgs) -> Result<ExitCode, CoreError> {
    let account_id = match &args.account {
        Some(name) => Some(resolve(studio, name).await?),
        None => None,
    };
    let reference = |id: &str| SubscriptionRef {
        account_id: account_id.clone(),
        id: id.to_owned(),
    };
    let result = match &args.action {
        SubscriptionAction::List { all_accounts: true } => {
            let ledger = studio.subscription_ledger(()).await?;
            if args.json {
                print_json(&ledger);
            } else {
                crate::ledger::print(&ledger, studio.clock().now_unix());
            }
            Ok(())
        }
        SubscriptionAction::List {
            all_accounts: false,
        } => {
            let view = studio
                .subscriptions_list(SubscriptionsRequest {
                    account_id: account_id.clone(),
                })
                .await?;
            if args.json {
                print_json(&view);
            } else if view.items.is_empty() {
                println!("{} has no subscriptions.", view.account_name);
            } else {
                for item in &view.items {
                    let s = &item.subscription;
                    println!(
                        "{}  {}  [{}]  until {}  → {}",
                        s.id, s.resource, s.change_type, s.expiration_date_time, s.notification_url
                    );
                }
            }
            Ok(())
        }
        SubscriptionAction::Get { id } => {
            let view = studio
                .subscriptions_list(SubscriptionsRequest {
                    account_id: account_id.clone(),
                })
                .await?;
            match view.items.iter().find(|i| i.subscription.id == *id) {
                Some(item) => {
                    print_json(&item.subscription);
                    Ok(())
                }
                None => Err(CoreError::not_found(format!(
                    "{} has no subscription '{id}'.",
                    view.account_name
                ))),
            }
        }
        SubscriptionAction::Renew { id } => {
            let renewed = studio.subscription_renew(reference(id)).await?;
            if args.json {
                print_json(&renewed);
            } else {
                println!(
                    "Renewed {id} until {}.",
                    renewed.subscription.expiration_date_time
                );
            }
            Ok(())
        }
        SubscriptionAction::Delete { id } => {
            studio.subscription_delete(reference(id)).await?;
            println!("Deleted {id}.");
            Ok(())
        }
        SubscriptionAction::Reauthorize { id } => {
            studio.subscription_reauthorize(reference(id)).await?;
            println!("Reauthorized {id}.");
            Ok(())
        }
    };
    result.map(|()| ExitCode::SUCCESS)
}
