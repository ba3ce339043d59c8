//! `webhook-studio event-hub …` (connections to Azure Event Hubs, and the `EventHub:` URL Graph
//! is given) and `listen --event-hub NAME` (the hub's events printed like webhook receptions).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI's output is its interface"
)]

use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use serde_json::json;
use studio_catalog::targets::DeliveryTarget;
use studio_core::receiving::event_hubs::reading::HubStart;
use studio_core::receiving::event_hubs::{HubConnection, HubSignIn, HubTls, SaveHubConnection};
use studio_core::subscriptions::create::CreateSubscriptionRequest;
use studio_core::{CoreError, CoreEvent, Studio};
use tokio::sync::broadcast::error::RecvError;

use crate::listen::ListenArgs;
use crate::printer::say;

/// `event-hub`.
#[derive(Debug, Subcommand)]
pub enum EventHubCommand {
    /// Save a connection: the connection string (from the portal: namespace → Shared access
    /// policies → a policy with Listen) is read from standard input and kept in the keyring, or
    /// `--entra ACCOUNT --namespace NS` signs in with that account's Entra token instead.
    Add {
        /// The name to use it by (`listen --event-hub NAME`).
        name: String,
        /// The namespace (`<namespace>.servicebus.windows.net` or its name); by default the
        /// connection string's.
        #[arg(long)]
        namespace: Option<String>,
        /// Sign in with this signed-in account's Microsoft Entra token (OAUTHBEARER) instead of
        /// a connection string; it needs the "Azure Event Hubs Data Receiver" role.
        #[arg(
            long,
            value_name = "ACCOUNT",
            requires = "namespace",
            conflicts_with = "no_sasl"
        )]
        entra: Option<String>,
        /// The event hub; by default the connection string's EntityPath.
        #[arg(long)]
        hub: Option<String>,
        /// The consumer group (default `$Default`).
        #[arg(long)]
        consumer_group: Option<String>,
        /// Read from another broker than the namespace's (`host:port`), e.g. a local one the
        /// sandbox delivers to.
        #[arg(long, value_name = "HOST:PORT")]
        broker: Option<String>,
        /// Trust this CA (PEM) as well as the system's (a broker with its own certificate).
        #[arg(long, value_name = "FILE", conflicts_with = "plaintext")]
        ca_file: Option<std::path::PathBuf>,
        /// No TLS (only with a --broker on this machine).
        #[arg(long, requires = "broker")]
        plaintext: bool,
        /// No sign-in (SASL): a --broker on this machine that takes none (the connection string
        /// is read only to name the namespace, when --namespace does not).
        #[arg(long, requires = "broker")]
        no_sasl: bool,
    },
    /// The saved connections.
    List {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Forget a connection and its connection string.
    Remove {
        /// Its name.
        name: String,
    },
    /// Print the `notificationUrl` Graph needs to deliver to a hub.
    Url {
        /// `<namespace>.servicebus.windows.net` (or just the namespace's name).
        #[arg(long)]
        namespace: String,
        /// The event hub.
        #[arg(long)]
        hub: String,
        /// The tenant id or domain of the namespace.
        #[arg(long)]
        tenant: String,
    },
}

/// Runs `event-hub …`.
pub async fn run(studio: &Studio, command: &EventHubCommand) -> Result<ExitCode, CoreError> {
    let receiving = studio.receiving();
    match command {
        EventHubCommand::Add {
            name,
            namespace,
            entra,
            hub,
            consumer_group,
            broker,
            ca_file,
            plaintext,
            no_sasl,
        } => {
            let sign_in = match (entra, no_sasl) {
                (Some(account), _) => HubSignIn::Entra {
                    account: crate::accounts::resolve(studio, account).await?,
                },
                (None, true) => HubSignIn::None,
                (None, false) => HubSignIn::ConnectionString,
            };
            // The string is read to sign in with it, or else only to name the namespace.
            let needs_string = sign_in == HubSignIn::ConnectionString || namespace.is_none();
            let secret = if needs_string {
                Some(crate::accounts::read_piped_secret(
                    "the connection string",
                    "Connection string: ",
                    "printf %s \"$CONNECTION_STRING\" | webhook-studio event-hub add NAME",
                )?)
            } else {
                None
            };
            let tls = match (ca_file, plaintext) {
                (Some(path), _) => HubTls::CaFile(path.display().to_string()),
                (None, true) => HubTls::Plaintext,
                (None, false) => HubTls::System,
            };
            let saved = studio
                .event_hub_save(SaveHubConnection {
                    name: name.clone(),
                    connection_string: secret,
                    namespace: namespace.clone(),
                    hub: hub.clone(),
                    consumer_group: consumer_group.clone(),
                    broker: broker.clone(),
                    tls: Some(tls),
                    sign_in: Some(sign_in),
                })
                .await?;
            let kept = match &saved.sign_in {
                HubSignIn::ConnectionString => "the connection string is in the keyring",
                HubSignIn::Entra { .. } => "it signs in with the account's Entra token",
                HubSignIn::None => "it does not sign in",
            };
            say!(
                "Saved '{}': hub {} at {} (consumer group {}); {kept}.",
                saved.name,
                saved.hub,
                saved.bootstrap(),
                saved.consumer_group
            );
            Ok(ExitCode::SUCCESS)
        }
        EventHubCommand::List { json } => {
            let all = receiving.hub_connections()?;
            if *json {
                say!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
            } else if all.is_empty() {
                say!(
                    "No Event Hubs connection. Add one: webhook-studio event-hub add NAME --hub HUB"
                );
            } else {
                let names: std::collections::HashMap<String, String> = studio
                    .accounts_list(())
                    .await
                    .map(|view| {
                        view.accounts
                            .into_iter()
                            .map(|a| (a.config.id, a.config.name))
                            .collect()
                    })
                    .unwrap_or_default();
                for c in &all {
                    say!("{}", connection_line(c, |id| names.get(id).cloned()));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        EventHubCommand::Remove { name } => {
            receiving.remove_hub_connection(name)?;
            say!("Removed '{name}'.");
            Ok(ExitCode::SUCCESS)
        }
        EventHubCommand::Url {
            namespace,
            hub,
            tenant,
        } => {
            let namespace = studio_catalog::targets::event_hubs_namespace(namespace);
            let url = format!("EventHub:https://{namespace}/eventhubname/{hub}?tenantId={tenant}");
            let target = DeliveryTarget::parse(&url)
                .map_err(|why| CoreError::refused(format!("That is not a valid target: {why}")))?;
            say!("{}", target.url());
            for warning in target.warnings() {
                eprintln!("warning: {warning}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `--from`: `committed` (default), `start`, `now`, or an RFC 3339 time.
pub fn hub_start(text: Option<&str>) -> Result<HubStart, CoreError> {
    match text.unwrap_or("committed") {
        "committed" => Ok(HubStart::Committed),
        "start" => Ok(HubStart::Start),
        "now" => Ok(HubStart::Now),
        other => time::OffsetDateTime::parse(other, &time::format_description::well_known::Rfc3339)
            .map(|t| HubStart::Time {
                at: t.unix_timestamp(),
            })
            .map_err(|_| {
                CoreError::refused(format!("'{other}' is not a place to start from.")).with_hint(
                    "Use --from committed, start, now, or a time like 2026-11-28T09:00:00Z.",
                )
            }),
    }
}

/// The `EventHub:` URL of a connection, for an account's tenant.
fn target_of(connection: &HubConnection, tenant: &str) -> Result<String, CoreError> {
    if matches!(tenant, "common" | "organizations" | "consumers") {
        return Err(CoreError::refused(format!(
            "The account's tenant is '{tenant}', and Graph needs the namespace's tenant id in the EventHub: URL."
        ))
        .with_hint("Use an account added with its tenant id or domain."));
    }
    Ok(DeliveryTarget::EventHub {
        namespace: connection.namespace.clone(),
        hub: connection.hub.clone(),
        tenant: tenant.to_owned(),
    }
    .url())
}

/// `listen --event-hub NAME`: reads the hub until Ctrl-C, printing each event as `listen` prints
/// a webhook reception (with its checks); `--subscribe` makes a subscription that delivers there.
pub async fn listen_hub(
    studio: Arc<Studio>,
    args: &ListenArgs,
    name: &str,
) -> Result<ExitCode, CoreError> {
    let start = hub_start(args.from.as_deref())?;
    let mut events = studio.events().subscribe();
    let printed = studio.receiver_status(()).await?.newest_id;
    let tokens = studio.hub_tokens(name).await?;
    let reader = studio.receiving().read_hub(name, start, tokens).await?;
    let mut status = reader.status.clone();
    let subscription = match &args.subscribe {
        Some(resource) => {
            let id = match &args.account {
                Some(name) => Some(crate::accounts::resolve(&studio, name).await?),
                None => None,
            };
            let account = crate::listen::chosen_account(&studio, id.as_deref()).await?;
            let account = account.ok_or_else(|| {
                CoreError::not_found("No account is signed in.")
                    .with_hint("Add one: webhook-studio account add --sandbox")
            })?;
            let target = target_of(&reader.connection, &account.config.tenant)?;
            Some(
                studio
                    .subscription_create(CreateSubscriptionRequest {
                        account_id: Some(account.config.id.clone()),
                        resource: resource.clone(),
                        change_type: args.change_type.clone(),
                        include_resource_data: args.rich,
                        delivery_target: Some(target),
                        ..CreateSubscriptionRequest::default()
                    })
                    .await?
                    .subscription,
            )
        }
        None => None,
    };
    let c = &reader.connection;
    // Before the first line: whoever reads it may signal at once.
    let stop = crate::signals::stop_requested();
    if args.json {
        say!(
            "{}",
            json!({
                "event": "listening",
                "eventHub": c.hub,
                "broker": c.bootstrap(),
                "consumerGroup": c.consumer_group,
                "partitions": reader.partitions,
                "subscription": subscription.as_ref().map(|v| &v.subscription),
            })
        );
    } else {
        say!(
            "Reading event hub {} at {} ({} partitions, consumer group {})",
            c.hub,
            c.bootstrap(),
            reader.partitions.len(),
            c.consumer_group
        );
        if let Some(view) = &subscription {
            let s = &view.subscription;
            say!(
                "Subscribed {} to {} ({}), delivering to {}",
                s.id,
                s.resource,
                s.change_type,
                s.notification_url
            );
        }
        say!("Waiting for events (Ctrl-C to stop)…");
    }
    let upkeep = tokio::spawn(Arc::clone(&studio).run_upkeep());
    let printer = crate::printer::Printer::start(&studio, printed, args.json)?;
    printer.ready();
    tokio::pin!(stop);
    // Each problem once, as it starts (the reader's status also moves with every stored batch).
    let mut said: Option<String> = None;
    loop {
        tokio::select! {
            _ = &mut stop => break,
            () = printer.output_gone() => break,
            changed = status.changed() => {
                if changed.is_err() {
                    break;
                }
                let now = status.borrow_and_update().problem();
                if now != said {
                    if let Some(problem) = &now {
                        eprintln!("warning: {problem}");
                    }
                    said = now;
                }
            }
            event = events.recv() => match event {
                Ok(CoreEvent::ReceptionsArrived { .. } | CoreEvent::ItemsChecked { .. })
                | Err(RecvError::Lagged(_)) => printer.ready(),
                Ok(_) => {}
                Err(RecvError::Closed) => break,
            }
        }
    }
    printer.stop().await;
    upkeep.abort();
    reader.stop().await;
    if !args.json {
        say!("Stopped at the stored offsets; `listen --event-hub {name}` resumes there.");
    }
    Ok(ExitCode::SUCCESS)
}

/// One saved connection in a line: its hub, namespace, where it is read and how (an Entra
/// sign-in by the account's name, from `account_name`).
fn connection_line(c: &HubConnection, account_name: impl Fn(&str) -> Option<String>) -> String {
    let tls = match &c.tls {
        HubTls::System => "TLS".to_owned(),
        HubTls::CaFile(path) => format!("TLS with CA {path}"),
        HubTls::Plaintext => "no TLS".to_owned(),
    };
    let sign_in = match &c.sign_in {
        HubSignIn::ConnectionString => "signs in with the connection string".to_owned(),
        HubSignIn::Entra { account } => format!(
            "signs in as {} with Entra",
            account_name(account).unwrap_or_else(|| "an account no longer here".into())
        ),
        HubSignIn::None => "no sign-in".to_owned(),
    };
    format!(
        "{}  hub {} of {}  at {} ({tls}, {sign_in})  consumer group {}",
        c.name,
        c.hub,
        c.namespace,
        c.bootstrap(),
        c.consumer_group
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_line_says_the_namespace_and_how_it_is_read() {
        let local = HubConnection {
            name: "local".into(),
            namespace: "contoso.servicebus.windows.net".into(),
            hub: "graph".into(),
            consumer_group: "$Default".into(),
            broker: Some("localhost:9092".into()),
            tls: HubTls::Plaintext,
            sign_in: HubSignIn::None,
        };
        assert_eq!(
            connection_line(&local, |_| None),
            "local  hub graph of contoso.servicebus.windows.net  at localhost:9092 (no TLS, no sign-in)  consumer group $Default"
        );
        let azure = HubConnection {
            broker: None,
            tls: HubTls::System,
            sign_in: HubSignIn::ConnectionString,
            ..local
        };
        assert!(
            connection_line(&azure, |_| None).contains(
                "at contoso.servicebus.windows.net:9093 (TLS, signs in with the connection string)"
            ),
            "{}",
            connection_line(&azure, |_| None)
        );
        let entra = HubConnection {
            sign_in: HubSignIn::Entra {
                account: "a1".into(),
            },
            ..azure
        };
        assert!(
            connection_line(&entra, |id| (id == "a1")
                .then(|| "adele@contoso.com".into()))
            .contains("(TLS, signs in as adele@contoso.com with Entra)")
        );
        assert!(connection_line(&entra, |_| None).contains("an account no longer here"));
    }
}
