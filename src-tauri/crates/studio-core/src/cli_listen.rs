//! `webhook-studio listen` (like `stripe listen`: print the public URL, then every reception and
//! its checked items as they arrive) and `webhook-studio cert …` (certificates for rich
//! notifications).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI's output is its interface"
)]

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use studio_tunnel::TunnelChoice;

use crate::error::{ErrorCode, IpcError};
use crate::events::CoreEvent;
use crate::pipeline::certificates::{CertificateExport, CertificateRequest};
use crate::pipeline::create::CreateSubscriptionRequest;
use crate::pipeline::inspect::{ReceptionDetail, ReceptionsRequest};
use crate::pipeline_commands::{CertificateRef, listen_config};
use crate::studio::Studio;

/// `listen`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// The account (id, name or unique prefix); the one in use by default.
    #[arg(long)]
    pub account: Option<String>,
    /// `ngrok`, `none`, or `url=https://…` (your own URL forwarding to --port). Default: Settings.
    #[arg(long, value_name = "PROVIDER")]
    pub tunnel: Option<String>,
    /// The loopback port (0: a free one). Default: Settings.
    #[arg(long)]
    pub port: Option<u16>,
    /// Re-POST every notification to this URL (your service).
    #[arg(long, value_name = "URL")]
    pub forward_to: Option<String>,
    /// Also create a subscription to this resource once listening.
    #[arg(long, value_name = "RESOURCE")]
    pub subscribe: Option<String>,
    /// The change types for --subscribe.
    #[arg(
        long,
        default_value = "created,updated,deleted",
        requires = "subscribe"
    )]
    pub change_type: String,
    /// With --subscribe: rich notifications (encrypted resource data).
    #[arg(long, requires = "subscribe")]
    pub rich: bool,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `cert` subcommands.
#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Make a certificate; new rich subscriptions use it (the previous one is retired).
    Create {
        /// RSA key size: 2048, 3072 or 4096.
        #[arg(long, default_value_t = 2048)]
        bits: u32,
    },
    /// List the certificates.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print a certificate (base64 DER, what `encryptionCertificate` carries).
    Export {
        /// The certificate's id.
        id: String,
        /// PEM instead.
        #[arg(long)]
        pem: bool,
    },
    /// Delete a certificate (refused while a subscription uses it).
    Delete {
        /// The certificate's id.
        id: String,
    },
}

fn tunnel_choice(text: &str) -> Result<TunnelChoice, IpcError> {
    match text {
        "none" => Ok(TunnelChoice::None),
        "ngrok" => Ok(TunnelChoice::Ngrok { domain: None }),
        other => match other.strip_prefix("url=") {
            Some(url) => Ok(TunnelChoice::Url {
                url: url.to_owned(),
            }),
            None => Err(IpcError::new(
                ErrorCode::InvalidInput,
                format!("'{other}' is not a tunnel provider."),
            )
            .with_hint("Use --tunnel none, --tunnel ngrok or --tunnel url=https://your.host")),
        },
    }
}

/// Runs `listen` until Ctrl-C.
pub async fn listen(studio: Arc<Studio>, args: &ListenArgs) -> Result<ExitCode, IpcError> {
    let mut config = listen_config(&studio.settings_now());
    if let Some(tunnel) = &args.tunnel {
        config.tunnel = tunnel_choice(tunnel)?;
    }
    if let Some(port) = args.port {
        config.port = port;
    }
    if let Some(target) = &args.forward_to {
        config.forward_to = Some(crate::pipeline::forward::check_target(target)?);
    }
    let account_id = match &args.account {
        Some(name) => Some(crate::cli_accounts::resolve(&studio, name).await?),
        None => None,
    };
    let mut events = studio.events().subscribe();
    let endpoints = studio.start_receiving(config).await?;
    let (notification, lifecycle) = endpoints.for_graph();
    let account = studio.accounts().account(account_id.as_deref()).ok();
    let sandbox_control = match &account {
        Some(a) if a.kind.sandbox() => studio.sandbox_info(()).await.ok().map(|s| s.control),
        _ => None,
    };
    let subscription = match &args.subscribe {
        Some(resource) => {
            Some(subscribe_or_reuse(&studio, account_id.clone(), resource, args).await?)
        }
        None => None,
    };
    if args.json {
        println!(
            "{}",
            json!({
                "event": "listening",
                "notificationUrl": notification,
                "lifecycleUrl": lifecycle,
                "local": endpoints.local_notification_url,
                "forwardTo": endpoints.forward_to,
                "sandboxControl": sandbox_control,
                "subscription": subscription.as_ref().map(|s| &s.subscription),
            })
        );
    } else {
        println!("Receiving at {notification}");
        println!("  lifecycle  {lifecycle}");
        if let Some(target) = &endpoints.forward_to {
            println!("  forwarding to {target}");
        }
        if let Some(view) = &subscription {
            let s = &view.subscription;
            println!(
                "Subscribed {} to {} ({}), expires {}",
                s.id, s.resource, s.change_type, s.expiration_date_time
            );
        }
        if let Some(control) = &sandbox_control {
            println!(
                "Trigger a sandbox change: curl -X POST {control}/changes -H 'content-type: application/json' -d '{{\"resource\":\"/me/messages\",\"changeType\":\"created\"}}'"
            );
        }
        println!("Waiting for notifications (Ctrl-C to stop)…");
    }
    let upkeep = tokio::spawn(Arc::clone(&studio).run_upkeep());
    let mut printed = studio.pipeline().newest();
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            event = events.recv() => {
                let newest = match event {
                    Ok(CoreEvent::ReceptionsArrived { newest_id }) => newest_id,
                    Ok(_) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => studio.pipeline().newest(),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                };
                printed = print_since(&studio, printed, newest, args.json).await;
            }
        }
    }
    upkeep.abort();
    studio.pipeline().stop().await;
    if !args.json {
        println!("Stopped. Subscriptions made here keep running until they expire.");
    }
    Ok(ExitCode::SUCCESS)
}

/// Creates the `--subscribe` subscription, or keeps using one made here earlier for the same
/// resource and change types (renewed to its maximum), so running `listen` again just works.
async fn subscribe_or_reuse(
    studio: &Studio,
    account_id: Option<String>,
    resource: &str,
    args: &ListenArgs,
) -> Result<crate::subscriptions::SubscriptionView, IpcError> {
    let account = studio.accounts().account(account_id.as_deref())?;
    let earlier = studio.pipeline().store().owned()?.into_iter().find(|s| {
        s.account_id == account.id
            && s.resource == resource.trim()
            && s.change_type == args.change_type.trim()
            && s.include_resource_data == args.rich
            && matches!(s.state.as_str(), "active" | "missed")
    });
    if let Some(earlier) = earlier {
        let renewed = studio
            .subscription_renew(crate::subscriptions::SubscriptionRef {
                account_id: Some(account.id.clone()),
                id: earlier.id.clone(),
            })
            .await;
        if let Ok(view) = renewed {
            return Ok(view);
        }
    }
    Ok(studio
        .subscription_create(CreateSubscriptionRequest {
            account_id,
            resource: resource.to_owned(),
            change_type: args.change_type.clone(),
            include_resource_data: args.rich,
            ..CreateSubscriptionRequest::default()
        })
        .await?
        .subscription)
}

/// Prints receptions newer than `after` (oldest first); answers the last printed id.
async fn print_since(studio: &Studio, after: i64, newest: i64, json: bool) -> i64 {
    let mut last = after;
    let page = studio
        .receptions_list(ReceptionsRequest {
            after: Some(after),
            limit: Some(1000),
            ..ReceptionsRequest::default()
        })
        .await
        .unwrap_or_default();
    for summary in page.into_iter().rev() {
        // A notification is printed once its items were checked (a moment after its 202), or
        // with the reason it has none; the next announcement brings it back otherwise.
        let unchecked = matches!(summary.kind.as_str(), "notification" | "lifecycle")
            && summary.items == 0
            && summary.reason.is_none();
        let age = time::OffsetDateTime::now_utc().unix_timestamp()
            - crate::clock::unix_of(&summary.received_at);
        if unchecked && age < 5 {
            break;
        }
        last = last.max(summary.id);
        let Ok(detail) = studio
            .reception_get(crate::pipeline::inspect::ReceptionRef {
                id: summary.id,
                url: None,
            })
            .await
        else {
            continue;
        };
        if json {
            println!("{}", reception_json(&detail));
        } else {
            print_reception(&detail);
        }
    }
    last.max(after).min(newest.max(last))
}

fn reception_json(detail: &ReceptionDetail) -> Value {
    let s = &detail.summary;
    json!({
        "event": "reception",
        "id": s.id,
        "receivedAt": s.received_at,
        "kind": s.kind,
        "status": s.status,
        "method": s.method,
        "path": s.path,
        "reason": s.reason,
        "items": detail.items.iter().map(|i| json!({
            "subscriptionId": i.subscription_id,
            "changeType": i.change_type,
            "lifecycleEvent": i.lifecycle_event,
            "resource": i.resource,
            "clientState": i.client_state,
            "duplicateOf": i.duplicate_of,
            "tokens": i.tokens,
            "decrypted": i.decrypted.as_deref().and_then(|d| serde_json::from_str::<Value>(d).ok()),
            "decryptError": i.decrypt_error,
        })).collect::<Vec<_>>(),
    })
}

fn print_reception(detail: &ReceptionDetail) {
    let s = &detail.summary;
    let reason = s
        .reason
        .as_deref()
        .map(|r| format!("  ({r})"))
        .unwrap_or_default();
    println!(
        "{}  {:<12} {}  {} {}{reason}",
        s.received_at, s.kind, s.status, s.method, s.path
    );
    for item in &detail.items {
        let what = item
            .change_type
            .as_deref()
            .or(item.lifecycle_event.as_deref())
            .unwrap_or("?");
        let mut checks = vec![format!("clientState={}", item.client_state)];
        if let Some(of) = item.duplicate_of {
            checks.push(format!("duplicate-of={of}"));
        }
        if let Some(tokens) = &item.tokens {
            checks.push(format!("tokens={tokens}"));
        }
        if let Some(error) = &item.decrypt_error {
            checks.push(format!("not-decrypted: {error}"));
        }
        println!(
            "    {what:<10} {}  {}",
            item.resource.as_deref().unwrap_or("-"),
            checks.join("  ")
        );
        if let Some(decrypted) = &item.decrypted {
            let compact = serde_json::from_str::<Value>(decrypted)
                .map(|v| v.to_string())
                .unwrap_or_else(|_| decrypted.clone());
            println!("      decrypted {compact}");
        }
    }
}

/// Runs `cert …`.
pub async fn cert(studio: &Studio, command: &CertCommand) -> Result<ExitCode, IpcError> {
    match command {
        CertCommand::Create { bits } => {
            let made = studio
                .certificate_create(CertificateRequest { bits: Some(*bits) })
                .await?;
            println!(
                "{}  RSA {}  expires {}  sha256 {}",
                made.id, made.bits, made.not_after, made.thumbprint
            );
        }
        CertCommand::List { json } => {
            let all = studio.certificates_list(()).await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
            } else if all.is_empty() {
                println!(
                    "No certificates yet. Make one with `webhook-studio cert create`, or create a rich subscription."
                );
            } else {
                for c in all {
                    let state = if c.current { "current" } else { "retired" };
                    println!(
                        "{}  RSA {}  {state}  used by {}  expires {}",
                        c.id, c.bits, c.used_by, c.not_after
                    );
                }
            }
        }
        CertCommand::Export { id, pem } => {
            let text = studio
                .certificate_export(CertificateExport {
                    id: id.clone(),
                    pem: *pem,
                })
                .await?;
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
        }
        CertCommand::Delete { id } => {
            studio
                .certificate_delete(CertificateRef { id: id.clone() })
                .await?;
            eprintln!("Deleted {id} and its private key.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
