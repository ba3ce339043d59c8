//! `webhook-studio trigger`: make the change a subscription watches happen, as the window's
//! "Trigger a change" does. The plan (every request, exactly as it will be sent) is printed
//! first; a write to a real tenant needs `--yes`.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use studio_core::subscriptions::trigger::{ChangeKind, TriggerPlan, TriggerRequest, TriggerVia};
use studio_core::{CoreError, Studio};

/// `trigger` arguments.
#[derive(Debug, Args)]
pub struct TriggerArgs {
    /// The resource a subscription watches, e.g. `/me/messages`.
    pub resource: String,
    /// Which change to make.
    #[arg(long = "change", value_enum, default_value_t = Change::Created)]
    pub change: Change,
    /// How: the sandbox's control API (sandbox accounts' default) or safe writes through Graph
    /// (real tenants; the sandbox plays them too).
    #[arg(long, value_enum)]
    pub via: Option<Via>,
    /// The account (id, name or unique prefix); the one in use by default.
    #[arg(long)]
    pub account: Option<String>,
    /// Make the change in a real tenant without asking (the plan is printed either way).
    #[arg(long)]
    pub yes: bool,
    /// Print the plan and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON (the plan, then what was done) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `--change`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Change {
    /// A new item.
    Created,
    /// An item edited.
    Updated,
    /// An item removed.
    Deleted,
}

/// `--via`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Via {
    /// The sandbox's control API.
    Sandbox,
    /// Writes through Graph.
    Graph,
}

/// Runs `trigger`.
pub async fn run(studio: &Studio, args: &TriggerArgs) -> Result<ExitCode, CoreError> {
    let account_id = match &args.account {
        Some(name) => Some(crate::accounts::resolve(studio, name).await?),
        None => None,
    };
    let mut request = TriggerRequest {
        account_id,
        resource: args.resource.clone(),
        change_type: match args.change {
            Change::Created => ChangeKind::Created,
            Change::Updated => ChangeKind::Updated,
            Change::Deleted => ChangeKind::Deleted,
        },
        via: args.via.map(|via| match via {
            Via::Sandbox => TriggerVia::Sandbox,
            Via::Graph => TriggerVia::Graph,
        }),
        at: None,
    };
    let plan = studio.trigger_plan(request.clone()).await?;
    print_plan(&plan, args.json);
    if args.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(refusal) = plan.missing_permission_refusal() {
        return Err(refusal);
    }
    if plan.confirm && !args.yes {
        return Err(
            CoreError::refused("This writes to your tenant; nothing was sent.")
                .with_hint("Run it again with --yes to make the change above."),
        );
    }
    request.at = Some(plan.at);
    let done = studio.trigger_change(request).await?;
    if args.json {
        println!("{}", serde_json::to_string(&done).unwrap_or_default());
    } else {
        for sent in &done.sent {
            println!("{} {} {}", sent.status, sent.method, sent.url);
        }
        println!("{}", done.summary);
    }
    Ok(if done.matched_subscriptions == Some(0) {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_plan(plan: &TriggerPlan, json: bool) {
    if json {
        println!("{}", serde_json::to_string(plan).unwrap_or_default());
        return;
    }
    println!("{}", plan.summary);
    for request in &plan.requests {
        println!("  {} {}{}", request.method, plan.base, request.path);
        if let Some(body) = &request.body {
            println!("    {body}");
        }
    }
    if !plan.permissions.is_empty() {
        println!("Needs one of: {}", plan.permissions.join(", "));
    }
}
