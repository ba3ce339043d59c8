//! `webhook-studio catalog …`: the resource catalog on the command line.

#![allow(clippy::print_stdout, reason = "the CLI's output is its interface")]

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use studio_catalog::hints::HintStatus;
use studio_catalog::model::AccountKind;
use studio_catalog::validate::{Proposal, Severity, describe_minutes};

use studio_core::CoreError;
use studio_core::Studio;
use studio_core::commands::resources::CatalogCheckRequest;

/// `catalog` arguments.
#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// Print the whole catalog as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// A sub-action; without one, the catalog is listed.
    #[command(subcommand)]
    pub action: Option<CatalogAction>,
}

/// What to do with the catalog.
#[derive(Debug, Subcommand)]
pub enum CatalogAction {
    /// Check a resource string (and optionally a whole subscription) against the catalog.
    ///
    /// Exits 1 when Graph would refuse it, 0 otherwise (warnings included).
    Check(CheckArgs),
}

/// `catalog check` arguments.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The subscription's resource, e.g. /me/mailFolders('inbox')/messages.
    pub resource: String,
    /// Change types (repeat or separate with commas).
    #[arg(long = "change-type", value_delimiter = ',', default_value = "created")]
    pub change_types: Vec<String>,
    /// Minutes until the subscription expires.
    #[arg(long, allow_negative_numbers = true)]
    pub expires_in: Option<i32>,
    /// Who creates it.
    #[arg(long, value_enum)]
    pub account_kind: Option<KindArg>,
    /// Permissions the account's token grants (repeat or separate with commas).
    #[arg(long, value_delimiter = ',')]
    pub granted: Vec<String>,
    /// Include resource data (rich notifications), with an encryption certificate.
    #[arg(long)]
    pub rich: bool,
    /// A lifecycle notification URL will be set.
    #[arg(long)]
    pub lifecycle_url: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Account kinds as typed on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// Delegated, work or school account.
    Work,
    /// Delegated, personal Microsoft account.
    Personal,
    /// Application (app-only).
    App,
}

impl From<KindArg> for AccountKind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::Work => AccountKind::DelegatedWork,
            KindArg::Personal => AccountKind::DelegatedPersonal,
            KindArg::App => AccountKind::Application,
        }
    }
}

/// Runs `catalog`.
pub async fn run(studio: &Studio, args: &CatalogArgs) -> Result<ExitCode, CoreError> {
    match &args.action {
        None if args.json => {
            let view = studio.catalog_get(()).await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&view.data.resources).unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        None => {
            print_table(studio).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(CatalogAction::Check(check)) => run_check(studio, check).await,
    }
}

async fn print_table(studio: &Studio) -> Result<(), CoreError> {
    let view = studio.catalog_get(()).await?;
    let first = |list: &[studio_catalog::hints::Permission]| {
        list.first().map_or_else(
            || "—".to_owned(),
            |p| format!("{}{}", p.name, if p.rsc { "*" } else { "" }),
        )
    };
    let mut rows = vec![[
        "WORKLOAD".to_owned(),
        "RESOURCE".to_owned(),
        "PATH".to_owned(),
        "CHANGES".to_owned(),
        "MAX".to_owned(),
        "RICH".to_owned(),
        "WORK".to_owned(),
        "PERSONAL".to_owned(),
        "APP".to_owned(),
    ]];
    for resource in &view.data.resources {
        for path in &resource.paths {
            let perms = view.permissions.get(&path.template);
            let versions = resource.api_for(path);
            let beta = if versions.iter().all(|v| v.as_str() == "beta") {
                " (beta)"
            } else {
                ""
            };
            rows.push([
                resource.workload.clone(),
                resource.id.clone(),
                format!("{}{beta}", path.template),
                resource
                    .change_types
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                resource.max_minutes.to_string(),
                if resource.rich.supported { "yes" } else { "no" }.to_owned(),
                perms.map_or_else(String::new, |p| first(&p.delegated_work)),
                perms.map_or_else(String::new, |p| first(&p.delegated_personal)),
                perms.map_or_else(String::new, |p| first(&p.application)),
            ]);
        }
    }
    let widths: Vec<usize> = (0..9)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
    println!(
        "\n{} resources, {} paths. MAX is minutes; permissions are the least privileged (* = resource-specific consent).\nCatalog version {}, reviewed {}.",
        view.data.resources.len(),
        rows.len() - 1,
        view.data.version,
        view.data.reviewed
    );
    Ok(())
}

async fn run_check(studio: &Studio, args: &CheckArgs) -> Result<ExitCode, CoreError> {
    let request = CatalogCheckRequest {
        proposal: Proposal {
            resource: args.resource.clone(),
            change_types: args.change_types.clone(),
            expires_in_minutes: args.expires_in,
            include_resource_data: args.rich,
            has_encryption_certificate: args.rich,
            has_lifecycle_url: args.lifecycle_url,
            account_kind: args.account_kind.map(AccountKind::from),
            ..Proposal::default()
        },
        granted: args.granted.clone(),
    };
    let response = studio.catalog_check(request).await?;
    let ok = response.check.is_acceptable();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&response).unwrap_or_default()
        );
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let catalog = studio.catalog_get(()).await?;
    match &response.check.resolved {
        Some(resolved) => {
            let resource = catalog
                .data
                .resources
                .iter()
                .find(|r| r.id == resolved.resource_id);
            let name = resource.map_or(resolved.resource_id.as_str(), |r| r.name.as_str());
            println!("{}  →  {name}  ({})", resolved.canonical, resolved.template);
            if let Some(r) = resource {
                let rich = r
                    .max_minutes_rich
                    .map(|m| format!(", {} with resource data", describe_minutes(m)))
                    .unwrap_or_default();
                println!("  maximum: {}{rich}", describe_minutes(r.max_minutes));
                println!(
                    "  change types: {}",
                    r.change_types
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        None => println!("{}  →  not subscribable", args.resource.trim()),
    }
    for hint in &response.hints {
        let status = match &hint.status {
            HintStatus::Satisfied { by } => format!("ok (granted {by})"),
            HintStatus::Missing { add } => format!(
                "missing: add {}",
                add.iter()
                    .map(|p| if p.rsc {
                        format!("{} (resource-specific consent)", p.name)
                    } else {
                        p.name.clone()
                    })
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            HintStatus::Unsupported { .. } => "not supported".to_owned(),
        };
        println!("  {:<30} {status}", hint.account_kind.label());
        if let (Some(action), true) = (
            &hint.action,
            Some(hint.account_kind) == args.account_kind.map(AccountKind::from),
        ) {
            println!("  {:<30}   to do: {action}", "");
        }
        for warning in &hint.warnings {
            println!("  {:<30}   warning: {warning}", "");
        }
    }
    if !response.check.nearest.is_empty() {
        println!("  nearest: {}", response.check.nearest.join(", "));
    }
    for problem in &response.check.problems {
        let label = match problem.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        println!(
            "{label}: {} ({})\n  fix: {}",
            problem.message, problem.field, problem.fix
        );
    }
    if response.check.problems.is_empty() {
        println!("no problems");
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
