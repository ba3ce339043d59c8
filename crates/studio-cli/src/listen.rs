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

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use serde_json::{Value, json};
use studio_core::accounts::views::AccountSummary;
use studio_core::commands::receiving::listen_config;
use studio_core::receiving::reading::{ItemView, ReceptionLine, ReceptionRef, ReceptionsRequest};
use studio_core::subscriptions::create::CreateSubscriptionRequest;
use studio_core::subscriptions::graph::{SubscriptionRef, SubscriptionView};
use studio_core::{CoreError, CoreEvent, Studio};
use studio_receiver::TokenVerdict;
use studio_tunnel::TunnelChoice;
use tokio::sync::broadcast::error::RecvError;

/// How long a notification may wait for its checks before it is printed without them.
const CHECKS_AWAITED_SECONDS: i64 = 10;

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
    let mut printed = studio.receiver_status(()).await?.newest_id;
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
        if sandbox_control.is_some() {
            let resource = subscription
                .as_ref()
                .map_or("/me/messages", |view| view.subscription.resource.as_str());
            println!(
                "Trigger a sandbox change from another terminal: webhook-studio trigger \"{resource}\" --change created"
            );
        }
        println!("Waiting for notifications (Ctrl-C to stop)…");
    }
    let upkeep = tokio::spawn(Arc::clone(&studio).run_upkeep());
    // What arrived while the subscription was being made.
    printed = print_ready(&studio, printed, args.json).await;
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            event = events.recv() => match event {
                Ok(CoreEvent::ReceptionsArrived { .. } | CoreEvent::ItemsChecked { .. })
                | Err(RecvError::Lagged(_)) => {
                    printed = print_ready(&studio, printed, args.json).await;
                }
                Ok(CoreEvent::SubscriptionRecreated { previous, replacement, reason, error }) => {
                    print_recreated(&previous, replacement.as_deref(), &reason, error.as_deref(), args.json);
                }
                Ok(_) => {}
                Err(RecvError::Closed) => break,
            }
        }
    }
    upkeep.abort();
    studio.receiver_stop(()).await?;
    if !args.json {
        println!("Stopped. Subscriptions made here keep running until they expire.");
    }
    Ok(ExitCode::SUCCESS)
}

/// Says that upkeep made a subscription again (or could not): what Graph sends from now on
/// names the new id.
fn print_recreated(
    previous: &str,
    replacement: Option<&str>,
    reason: &str,
    error: Option<&str>,
    json: bool,
) {
    if json {
        println!(
            "{}",
            json!({
                "event": "recreated",
                "previous": previous,
                "subscription": replacement,
                "reason": reason,
                "error": error,
            })
        );
        return;
    }
    match (replacement, error) {
        (Some(new), _) => println!("Recreated {previous} as {new} ({reason})"),
        (None, error) => println!(
            "Could not recreate {previous} ({reason}): {}",
            error.unwrap_or("no reason given")
        ),
    }
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

/// The most receptions read in one look (more are read in further looks).
const PAGE: u32 = 64;

/// Prints the receptions after `after` that are ready, in order of arrival, stopping at the first
/// notification still waiting for its checks; answers the last printed id.
pub(crate) async fn print_ready(studio: &Studio, after: i64, json: bool) -> i64 {
    let mut last = after;
    loop {
        let page = studio
            .receptions_list(ReceptionsRequest {
                after: Some(last),
                limit: Some(PAGE),
                oldest_first: Some(true),
                ..ReceptionsRequest::default()
            })
            .await
            .unwrap_or_default();
        let now = studio.clock().now_unix();
        let full = page.len() == PAGE as usize;
        for line in page {
            let waited = now - studio_primitives::clock::unix_of(&line.received_at);
            if line.pending && waited < CHECKS_AWAITED_SECONDS {
                return last;
            }
            last = line.id;
            // The page's line says what it was; only its items are read (not its body).
            let Ok(items) = studio
                .reception_items(ReceptionRef {
                    id: line.id,
                    url: None,
                    body: None,
                })
                .await
            else {
                continue;
            };
            let mut out = std::io::stdout().lock();
            let written = if json {
                writeln!(out, "{}", reception_json(&line, &items))
            } else {
                write_reception(&mut out, &line, &items)
            };
            if written.is_err() {
                // Nobody reads the output any more (a closed pipe): nothing left to print to.
                return last;
            }
        }
        if !full {
            return last;
        }
    }
}

fn reception_json(s: &ReceptionLine, items: &[ItemView]) -> Value {
    json!({
        "event": "reception",
        "id": s.id,
        "receivedAt": s.received_at,
        "kind": s.kind,
        "status": s.status,
        "method": s.method,
        "path": s.path,
        "query": s.query,
        "reason": s.reason,
        "items": items.iter().map(|i| json!({
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

/// The token verdict in a few words.
fn tokens_text(verdict: &TokenVerdict) -> String {
    match verdict {
        TokenVerdict::Valid { count } => format!("valid ({count})"),
        TokenVerdict::Invalid { reason } => format!("invalid: {reason}"),
        TokenVerdict::NotChecked { reason } => format!("not checked: {reason}"),
        TokenVerdict::Missing => "missing (resource data without validation tokens)".into(),
    }
}

/// `text` with control characters shown as escapes: what a sender put in a path, a resource or
/// a reason must not move the cursor, retitle the terminal or clear it.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

fn write_reception(
    out: &mut impl Write,
    s: &ReceptionLine,
    items: &[ItemView],
) -> std::io::Result<()> {
    let reason = s
        .reason
        .as_deref()
        .map(|r| format!("  ({r})"))
        .unwrap_or_default();
    // An event read from a hub says where it was: `partition 1 · offset 42`.
    let origin = if s.method == studio_receiver::hub_event::HUB_METHOD {
        let mut parts = s.query.split('&').filter_map(|p| p.split_once('='));
        match (parts.next(), parts.next()) {
            (Some(("partition", partition)), Some(("offset", offset))) => {
                format!("  partition {partition} · offset {offset}")
            }
            _ => String::new(),
        }
    } else {
        String::new()
    };
    let line = format!(
        "{}  {:<12} {}  {} {}{origin}{reason}",
        s.received_at,
        s.kind.as_str(),
        s.status,
        s.method,
        s.path
    );
    writeln!(out, "{}", printable(&line))?;
    for item in items {
        let what = match (item.change_type, item.lifecycle_event) {
            (Some(change), _) => change.as_str(),
            (None, Some(event)) => event.as_str(),
            (None, None) => "?",
        };
        let mut checks = vec![format!("clientState={}", item.client_state.as_str())];
        if let Some(of) = item.duplicate_of {
            checks.push(format!("duplicate-of={of}"));
        }
        if let Some(tokens) = &item.tokens {
            checks.push(format!("tokens={}", tokens_text(tokens)));
        }
        if let Some(error) = &item.decrypt_error {
            checks.push(format!("not-decrypted: {error}"));
        }
        let line = format!(
            "    {what:<10} {}  {}",
            item.resource.as_deref().unwrap_or("-"),
            checks.join("  ")
        );
        writeln!(out, "{}", printable(&line))?;
        if let Some(decrypted) = &item.decrypted {
            let compact = serde_json::from_str::<Value>(decrypted)
                .map(|v| v.to_string())
                .unwrap_or_else(|_| decrypted.clone());
            writeln!(out, "      decrypted {}", printable(&compact))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_from_a_sender_are_shown_not_obeyed() {
        assert_eq!(printable("Users/u/Messages/m"), "Users/u/Messages/m");
        assert_eq!(
            printable("\u{1b}]0;PWNED\u{7}\u{1b}[2J/x"),
            "\\u{1b}]0;PWNED\\u{7}\\u{1b}[2J/x"
        );
        assert!(!printable("a\u{9b}b\rc").chars().any(char::is_control));
    }

    #[test]
    fn an_event_from_a_hub_says_its_partition_and_offset() {
        let line = ReceptionLine {
            id: 7,
            received_at: "2026-11-28T10:00:00.000Z".into(),
            kind: studio_receiver::ReceptionKind::Validation,
            method: "EVENT".into(),
            path: "/graph".into(),
            query: "partition=1&offset=42".into(),
            status: 200,
            reason: None,
            body_bytes: 10,
            peer: "localhost:9093".into(),
            pending: false,
            items: 0,
            change_type: None,
            lifecycle_event: None,
            resource: None,
            client_state_problems: 0,
            unknown_subscriptions: 0,
            duplicates: 0,
            decrypted: 0,
            decrypt_failures: 0,
        };
        let mut out = Vec::new();
        write_reception(&mut out, &line, &[]).expect("written");
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.contains("EVENT /graph  partition 1 · offset 42"),
            "{text}"
        );
        assert_eq!(reception_json(&line, &[])["query"], "partition=1&offset=42");
    }

    #[test]
    fn token_verdicts_read_as_before() {
        assert_eq!(tokens_text(&TokenVerdict::Valid { count: 1 }), "valid (1)");
        assert_eq!(
            tokens_text(&TokenVerdict::Invalid {
                reason: "outside its lifetime".into()
            }),
            "invalid: outside its lifetime"
        );
    }
}
