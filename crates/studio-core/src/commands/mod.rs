//! The command surface, declared once, and the commands themselves: one file per area the user
//! sees (resources, accounts, subscriptions, receiving and the Inspector, certificates,
//! settings), each an `impl Studio` block.
//!
//! [`command_surface!`] lists every command with its request and response type. From that one
//! list it generates the dispatcher the shell and tests call ([`Studio::dispatch`]), the list of
//! names, and the TypeScript `Commands` map the window's typed `call()` is built on (`xtask
//! bindings` writes `ui/src/ipc/bindings.ts`). Adding a command means adding a line here and a
//! method in the area's file. Errors become [`IpcError`] here, once.

pub mod accounts;
pub mod certificates;
pub mod conformance;
pub mod event_hubs;
pub mod gaps;
pub mod receiving;
pub mod resources;
pub mod settings;
pub mod subscriptions;

use serde_json::Value;

use crate::error::{CoreError, IpcError};
use crate::studio::Studio;

macro_rules! command_surface {
    ($( $(#[doc = $doc:literal])* $name:ident : $request:ty => $response:ty; )*) => {
        /// Every command the window may call, in declaration order.
        pub const COMMAND_NAMES: &[&str] = &[$(stringify!($name)),*];

        impl Studio {
            /// Runs a command by name with a JSON payload and answers in JSON.
            ///
            /// This is the only entry point the desktop shell exposes to the window, and where a
            /// [`CoreError`] becomes an [`IpcError`].
            pub async fn dispatch(&self, command: &str, payload: Value) -> Result<Value, IpcError> {
                self.run_command(command, payload).await.map_err(IpcError::from)
            }

            async fn run_command(&self, command: &str, payload: Value) -> Result<Value, CoreError> {
                match command {
                    $(stringify!($name) => {
                        let request: $request = decode(command, payload)?;
                        let response: $response = self.$name(request).await?;
                        encode(&response)
                    })*
                    other => Err(CoreError::UnknownCommand(other.to_owned())),
                }
            }
        }

        /// Writes the TypeScript `Commands` interface: one entry per command.
        pub fn commands_interface(cfg: &ts_rs::Config) -> String {
            let mut out = String::from(
                "/** Every backend command with its request and response type. */\nexport interface Commands {\n",
            );
            $(
                let docs: &[&str] = &[$($doc),*];
                if !docs.is_empty() {
                    out.push_str(&format!("  /**{} */\n", docs.join(" ")));
                }
                out.push_str(&format!(
                    "  {}: {{ request: {}; response: {} }};\n",
                    stringify!($name),
                    <$request as ts_rs::TS>::name(cfg),
                    <$response as ts_rs::TS>::name(cfg),
                ));
            )*
            out.push_str("}\n");
            out
        }

        /// Visits every request and response type so their declarations are emitted.
        pub fn visit_command_types(visitor: &mut impl ts_rs::TypeVisitor) {
            $(
                visitor.visit::<$request>();
                visitor.visit::<$response>();
            )*
        }
    };
}

command_surface! {
    /// Version, folders and start-up problems.
    app_info: () => settings::AppInfo;
    /// Account, receiver and tunnel state for the status bar.
    status: () => crate::status::StatusSnapshot;
    /// The settings in effect.
    settings_get: () => crate::settings::Settings;
    /// Validates and saves a partial settings update; answers with the new settings.
    settings_update: crate::settings::SettingsPatch => crate::settings::Settings;
    /// Every subscribable resource with its paths, limits and permissions.
    catalog_get: () => resources::CatalogView;
    /// Problems, permission hints and the request preview for a proposed subscription.
    catalog_check: resources::CatalogCheckRequest => resources::CatalogCheckResponse;
    /// What can fill a resource placeholder (users, teams, channels, chats, …), from the account.
    lookup: crate::subscriptions::graph::LookupRequest => Vec<studio_graph::LookupItem>;
    /// Opens a Microsoft documentation or sign-in link in the user's browser (allowlisted hosts).
    open_link: crate::links::OpenLinkRequest => ();
    /// Every account, with what its token says, and where secrets are kept.
    accounts_list: () => crate::accounts::views::AccountsView;
    /// Adds the sandbox tenant (as a user, or app-only) in one click.
    account_add_sandbox: crate::accounts::views::AddSandboxRequest => crate::accounts::views::AccountSummary;
    /// Signs in a work, school or personal account in the system browser.
    account_sign_in: crate::accounts::views::DelegatedRequest => crate::accounts::views::AccountSummary;
    /// Starts a device-code sign-in; answers the code to show.
    account_device_start: crate::accounts::views::DelegatedRequest => crate::accounts::views::DeviceCodeView;
    /// Waits for a device-code sign-in to finish.
    account_device_finish: crate::accounts::views::DeviceFlowRef => crate::accounts::views::AccountSummary;
    /// Cancels a waiting device-code sign-in.
    account_device_cancel: crate::accounts::views::DeviceFlowRef => ();
    /// Adds an app registration with a client secret or a certificate.
    account_add_app: crate::accounts::views::AppRequest => crate::accounts::views::AccountSummary;
    /// Gets a fresh token for an account and answers what it says.
    account_check: crate::accounts::views::AccountRef => crate::accounts::views::AccountSummary;
    /// Makes an account the one in use.
    account_select: crate::accounts::views::AccountRef => ();
    /// Signs out: removes the account and its secrets.
    account_remove: crate::accounts::views::AccountRef => ();
    /// Signs in again asking for more permissions (incremental consent).
    account_request_permissions: crate::accounts::views::RequestPermissions => crate::accounts::views::AccountSummary;
    /// Where the sandbox tenant answers on this computer (starts it if needed).
    sandbox_info: () => crate::accounts::views::SandboxView;
    /// The account's subscriptions, from Graph.
    subscriptions_list: crate::subscriptions::graph::SubscriptionsRequest => crate::subscriptions::graph::SubscriptionsView;
    /// Every subscription every account can see (Graph lists by token: delegated sees the user's, app-only the tenant's), with who made it, where it points, whether this app serves it, overlaps and quotas.
    subscription_ledger: () => crate::subscriptions::ledger::LedgerView;
    /// Renews a subscription to the longest expiration its resource allows.
    subscription_renew: crate::subscriptions::graph::SubscriptionRef => crate::subscriptions::graph::SubscriptionView;
    /// Deletes a subscription.
    subscription_delete: crate::subscriptions::graph::SubscriptionRef => ();
    /// Reauthorizes a subscription.
    subscription_reauthorize: crate::subscriptions::graph::SubscriptionRef => ();
    /// Creates a subscription to this app's receiver (preflight first) and records it.
    subscription_create: crate::subscriptions::create::CreateSubscriptionRequest => crate::subscriptions::create::CreatedSubscription;
    /// What "Trigger a change" would send for a resource: the exact requests, the permission, whether to confirm.
    trigger_plan: crate::subscriptions::trigger::TriggerRequest => crate::subscriptions::trigger::TriggerPlan;
    /// Makes a change a subscription watches happen (the sandbox's control API, or a safe write through Graph).
    trigger_change: crate::subscriptions::trigger::TriggerRequest => crate::subscriptions::trigger::TriggerDone;
    /// Plays Graph's validation request against the receiver's URL.
    subscription_preflight: () => crate::subscriptions::create::PreflightReport;
    /// Subscriptions this app created, with the renewal history.
    owned_subscriptions: () => subscriptions::OwnedView;
    /// Renews the app's subscriptions that are due now.
    subscriptions_upkeep: () => Vec<subscriptions::RenewalView>;
    /// The newest Graph requests and answers (Authorization redacted).
    http_log_list: crate::subscriptions::graph::HttpLogRequest => Vec<studio_graph::Exchange>;
    /// Empties the HTTP log.
    http_log_clear: () => ();
    /// Where the receiver answers, the tunnel's state, the newest reception.
    receiver_status: () => receiving::ReceiverView;
    /// Starts (or restarts) the receiver and tunnel with the settings; moves subscriptions if the URL changed. A tunnel that fails comes back as `tunnelProblem`.
    receiver_start: () => crate::receiving::ReceivingStarted;
    /// Stops the tunnel and the receiver.
    receiver_stop: () => ();
    /// Saves the ngrok authtoken in the keyring (empty removes it).
    ngrok_authtoken_set: receiving::SecretInput => ();
    /// A page of receptions, newest first, filtered by kind or text.
    receptions_list: crate::receiving::reading::ReceptionsRequest => Vec<crate::receiving::reading::ReceptionLine>;
    /// How many receptions a filter (kind, search words) holds: the list's scrollbar spans them all.
    receptions_count: crate::receiving::reading::ReceptionsRequest => crate::receiving::reading::ReceptionCount;
    /// One reception with its headers, body, checked items and forwards.
    reception_get: crate::receiving::reading::ReceptionRef => crate::receiving::reading::ReceptionDetail;
    /// A POST's validation tokens taken apart: header, claims and each check (lifetime as at arrival).
    reception_tokens: crate::receiving::reading::ReceptionRef => Vec<studio_receiver::validation_tokens::ExplainedToken>;
    /// Only a reception's checked items (what `listen` prints beside its line; no body read).
    reception_items: crate::receiving::reading::ReceptionRef => Vec<crate::receiving::reading::ItemView>;
    /// Re-POSTs a stored reception (or an edit of its body) to a URL and answers what it said.
    reception_replay: crate::receiving::reading::ReceptionRef => crate::receiving::reading::ForwardView;
    /// What `reception_replay` would send, as a curl command (exactly the same request).
    reception_curl: crate::receiving::reading::ReceptionRef => String;
    /// Writes what the filter holds to an NDJSON or HAR file, in the exports folder or where the user picks in the save dialog; answers where and how many, or that the dialog was closed.
    receptions_export: crate::receiving::export::ExportRequest => crate::receiving::export::ExportDone;
    /// Drives the user's own webhook handler with what the sandbox sends and grades it against Graph's rules; the report is kept in the history.
    conform_run: studio_conform::Request => conformance::ConformRun;
    /// Makes a certificate and key for testing a handler's decryption and writes both where the user picks in the save dialog (the key is theirs: kept by no store of ours).
    conform_certificate: () => conformance::ConformCertificateDone;
    /// The kept conformance runs, newest first.
    conform_history: () => Vec<conformance::ConformRunLine>;
    /// One kept conformance run.
    conform_report: conformance::ConformRunRef => conformance::ConformRun;
    /// Delivery health by Graph's rules, each subscription's last notification and silence, and the gaps not yet reconciled.
    health: () => gaps::HealthView;
    /// The kept gaps (times notifications may be missing: missed, removed, downtime, a moved URL), newest first.
    gaps_list: gaps::GapsRequest => Vec<crate::gaps::GapView>;
    /// Reads delta over a gap and lists what changed without a notification, what was notified twice and what was superseded; the result is kept.
    gap_reconcile: gaps::GapRef => crate::gaps::reconcile::Reconciliation;
    /// A gap's kept reconciliation.
    gap_reconciliation: gaps::GapRef => crate::gaps::reconcile::Reconciliation;
    /// Writes a gap's kept reconciliation as JSON where the user picks in the save dialog.
    gap_reconciliation_save: gaps::GapRef => gaps::SavedFile;
    /// Opens a gap from a time for a subscription and reconciles it.
    reconcile_since: gaps::ReconcileSince => crate::gaps::reconcile::Reconciliation;
    /// The saved Azure Event Hubs connections and what this process reads.
    event_hubs_list: () => Vec<crate::receiving::event_hubs::running::HubConnectionView>;
    /// Saves an Event Hubs connection (the connection string goes to the keyring).
    event_hub_save: crate::receiving::event_hubs::SaveHubConnection => crate::receiving::event_hubs::HubConnection;
    /// Stops reading an Event Hubs connection and forgets it and its connection string.
    event_hub_remove: event_hubs::HubRef => ();
    /// Reads an event hub into the Inspector (same checks as webhooks) until stopped.
    event_hub_read: event_hubs::HubReadRequest => ();
    /// Stops reading an event hub; where it got to is kept.
    event_hub_stop: event_hubs::HubRef => ();
    /// Certificates for rich notifications.
    certificates_list: () => Vec<crate::certificates::CertificateView>;
    /// Makes a certificate (2048/3072/4096 bits); new subscriptions use it.
    certificate_create: crate::certificates::CertificateRequest => crate::certificates::CertificateView;
    /// A certificate as PEM or base64 DER.
    certificate_export: crate::certificates::CertificateExport => String;
    /// Deletes a certificate no subscription uses.
    certificate_delete: certificates::CertificateRef => ();
    /// Shows a test notification on the desktop (whatever the setting: the user asked), so they know the app's alarms will reach them.
    notification_test: () => ();
    /// Looks for a newer version of the app (its signed update manifest).
    updates_check: () => crate::updates::UpdateCheck;
    /// Downloads the offered version and verifies its signature against the app's key.
    updates_download: () => crate::updates::UpdateReady;
    /// Installs the verified download and restarts the app.
    updates_install: () => ();
    /// The newer version the last look found, if any (the start-up look included).
    updates_announced: () => Option<crate::updates::UpdateOffer>;
}

fn decode<T: serde::de::DeserializeOwned>(command: &str, payload: Value) -> Result<T, CoreError> {
    serde_json::from_value(payload).map_err(|source| CoreError::MalformedRequest {
        command: command.to_owned(),
        source,
    })
}

fn encode<T: serde::Serialize>(response: &T) -> Result<Value, CoreError> {
    serde_json::to_value(response).map_err(|error| CoreError::Encode {
        what: "a command response",
        source: Box::new(error),
    })
}
