//! `webhook-studio listen` (like `stripe listen`): print the public URL, then every reception and
//! its checked items as they arrive.
//!
//! It listens to the same events the window does: a reception is printed once the writer
//! announced it and, for notifications, once the checker announced its items (so a line always
//! carries its checks), in the order they arrived.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI's output is its interface"
)]

use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use serde_json::json;
use studio_core::accounts::views::AccountSummary;
use studio_core::commands::receiving::listen_config;
use studio_core::subscriptions::create::CreateSubscriptionRequest;
use studio_core::subscriptions::graph::{SubscriptionRef, SubscriptionView};
use studio_core::{CoreError, CoreEvent, Studio};
use studio_tunnel::TunnelChoice;
use tokio::sync::broadcast::error::RecvError;

use crate::printer::{Printer, say};
use crate::reception_lines::recreated_line;

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
    /// Read this saved Event Hubs connection (`event-hub add`) instead of receiving webhooks;
    /// with --subscribe, the subscription delivers to the hub.
    #[arg(long, value_name = "CONNECTION", conflicts_with_all = ["tunnel", "port", "forward_to"])]
    pub event_hub: Option<String>,
    /// With --event-hub: where to start, `committed` (where this consumer group stopped; new
    /// events only the first time), `start`, `now`, or an RFC 3339 time.
    #[arg(long, value_name = "WHERE", requires = "event_hub")]
    pub from: Option<String>,
}

fn tunnel_choice(text: &str) -> Result<TunnelChoice, CoreError> {
    match text {
        "none" => Ok(TunnelChoice::None),
        "ngrok" => Ok(TunnelChoice::Ngrok { domain: None }),
        other => match other.strip_prefix("url=") {
            Some(url) => Ok(TunnelChoice::Url {
                url: url.to_owned(),
            }),
            None => Err(
                CoreError::refused(format!("'{other}' is not a tunnel provider.")).with_hint(
                    "Use --tunnel none, --tunnel ngrok or --tunnel url=https://your.host",
                ),
            ),
        },
    }
}

/// Runs `listen` until Ctrl-C.
pub async fn listen(studio: Arc<Studio>, args: &ListenArgs) -> Result<ExitCode, CoreError> {
    if let Some(name) = &args.event_hub {
        return crate::event_hubs::listen_hub(studio, args, name).await;
    }
    if let Some(holder) = studio_core::receiving::holder::current(&studio.paths().data_dir) {
        return crate::follow::follow(studio, holder, args).await;
    }
    let mut config = listen_config(&studio.settings_now());
    if let Some(tunnel) = &args.tunnel {
        config.tunnel = tunnel_choice(tunnel)?;
    }
    if let Some(port) = args.port {
        config.port = port;
    }
    if let Some(target) = &args.forward_to {
        // Checked where every start is (a URL, http or https).
        config.forward_to = Some(target.clone());
    }
    let account_id = match &args.account {
        Some(name) => Some(crate::accounts::resolve(&studio, name).await?),
        None => None,
    };
    let mut events = studio.events().subscribe();
    // Everything from this run is printed, the handshakes of `--subscribe` included: the
    // starting point is taken before the receiver can accept anything.
    let printed = studio.receiver_status(()).await?.newest_id;
    let started = studio.start_receiving(config).await?;
    if let Some(problem) = started.tunnel_problem {
        studio.receiver_stop(()).await?;
        let refusal = CoreError::unreachable(problem.message);
        return Err(match problem.hint {
            Some(hint) => refusal.with_hint(hint),
            None => refusal,
        });
    }
    let endpoints = started.endpoints;
    let (notification, lifecycle) = endpoints.for_graph();
    let account = chosen_account(&studio, account_id.as_deref()).await?;
    let sandbox_control = match &account {
        Some(a) if a.config.kind.sandbox() => studio.sandbox_info(()).await.ok().map(|s| s.control),
        _ => None,
    };
    let subscription = match &args.subscribe {
        Some(resource) => {
            Some(subscribe_or_reuse(&studio, account_id.clone(), resource, args).await?)
        }
        None => None,
    };
    // Before the first line: whoever reads it may signal at once.
    let stop = crate::signals::stop_requested();
    if args.json {
        say!(
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
        say!("Receiving at {notification}");
        say!("  lifecycle  {lifecycle}");
        if let Some(target) = &endpoints.forward_to {
            say!("  forwarding to {target}");
        }
        if let Some(view) = &subscription {
            let s = &view.subscription;
            say!(
                "Subscribed {} to {} ({}), expires {}",
                s.id,
                s.resource,
                s.change_type,
                s.expiration_date_time
            );
        }
        if sandbox_control.is_some() {
            let resource = subscription
                .as_ref()
                .map_or("/me/messages", |view| view.subscription.resource.as_str());
            say!(
                "Trigger a sandbox change from another terminal: webhook-studio trigger \"{resource}\" --change created"
            );
        }
        say!("Waiting for notifications (Ctrl-C to stop)…");
    }
    let upkeep = tokio::spawn(Arc::clone(&studio).run_upkeep());
    let printer = Printer::start(&studio, printed, args.json)?;
    // What arrived while the subscription was being made.
    printer.ready();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            () = printer.output_gone() => break,
            event = events.recv() => match event {
                Ok(CoreEvent::ReceptionsArrived { .. } | CoreEvent::ItemsChecked { .. })
                | Err(RecvError::Lagged(_)) => printer.ready(),
                Ok(CoreEvent::SubscriptionRecreated { previous, replacement, reason, error }) => {
                    printer.say(recreated_line(&previous, replacement.as_deref(), &reason, error.as_deref(), args.json));
                }
                Ok(_) => {}
                Err(RecvError::Closed) => break,
            }
        }
    }
    printer.stop().await;
    upkeep.abort();
    studio.receiver_stop(()).await?;
    if !args.json {
        say!("Stopped. Subscriptions made here keep running until they expire.");
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
) -> Result<SubscriptionView, CoreError> {
    let account = chosen_account(studio, account_id.as_deref())
        .await?
        .ok_or_else(|| {
            CoreError::not_found("No account is signed in.")
                .with_hint("Add one: webhook-studio account add --sandbox")
        })?
        .config;
    let earlier = studio
        .owned_subscriptions(())
        .await?
        .items
        .into_iter()
        .find(|s| {
            s.account_id == account.id
                && s.resource == resource.trim()
                && s.change_type == args.change_type.trim()
                && s.include_resource_data == args.rich
                && s.state.is_live()
        });
    if let Some(earlier) = earlier {
        let renewed = studio
            .subscription_renew(SubscriptionRef {
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

/// The account named by id, or the one in use.
pub(crate) async fn chosen_account(
    studio: &Studio,
    id: Option<&str>,
) -> Result<Option<AccountSummary>, CoreError> {
    Ok(studio
        .accounts_list(())
        .await?
        .accounts
        .into_iter()
        .find(|a| match id {
            Some(id) => a.config.id == id,
            None => a.current,
        }))
}
