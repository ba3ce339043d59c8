//! Keeping the app's subscriptions alive: renewal before expiry, lifecycle notifications, and
//! moving subscriptions when the public URL changes.
//!
//! - **Renewal**: a subscription is renewed to its resource's longest lifetime once it is within
//!   its margin of expiry (a tenth of that lifetime, at least 5 minutes and at most 12 hours, and
//!   never more than a quarter of the subscription's own lifetime).
//!   A failed renewal is retried with backoff (1, 2, 4, 8, 16 minutes), then the subscription is
//!   marked failed; a 404 means Graph forgot it, so it is recreated.
//! - **Lifecycle**: `reauthorizationRequired` reauthorizes (renewing when that fails),
//!   `subscriptionRemoved` recreates, `missed` is flagged for the user (Graph dropped
//!   notifications; a delta query catches up).
//! - **Moves**: when the tunnel's URL changes, a subscription's `notificationUrl` is patched; one
//!   with a lifecycle URL is recreated, because Graph cannot patch `lifecycleNotificationUrl`.
//!   Microsoft's subscriptions move only to a public URL: a tunnel that failed leaves them alone.
//! - Lifecycle events reach here only when trusted (`receiving::checked`), and each kind is acted
//!   on once per subscription in [`LIFECYCLE_QUIET_SECONDS`]: a burst of the same event (a
//!   retrying sender, a replay) costs one call to Graph.
//!
//! Every step is written to the renewal history. Time is passed in, so tests drive it with the
//! emulator's clock instead of sleeping.

use std::collections::HashMap;
use std::sync::Mutex;

use studio_catalog::Catalog;
use studio_catalog::model::ApiVersion;
use studio_graph::{GraphError, HintContext, NewSubscription};
use studio_primitives::clock::{rfc3339, unix_of as unix};
use studio_receiver::LifecycleEvent;
use studio_store::{OwnedSubscription, RenewalAction, RenewalEntry, SubscriptionState};

use crate::accounts::Accounts;
use crate::certificates::Certificates;
use crate::error::CoreError;
use crate::events::CoreEvent;
use crate::receiving::{Endpoints, LifecycleSignal, Receiving};
use crate::subscriptions::create::send_create;
use crate::subscriptions::request;

/// Renewal attempts before a subscription is marked failed.
pub const MAX_ATTEMPTS: u32 = 5;

/// What the upkeep works with.
#[derive(Debug, Clone, Copy)]
pub struct UpkeepContext<'a> {
    /// Graph clients per account.
    pub accounts: &'a Accounts,
    /// The receiver's URLs, the store and the subscriptions the checks know.
    pub receiving: &'a Receiving,
    /// Certificates for rich subscriptions made again.
    pub certificates: &'a Certificates,
    /// Failed attempts so far.
    pub retries: &'a RetryBook,
}

/// The resource's longest lifetime in minutes.
pub fn longest_minutes(owned: &OwnedSubscription) -> u32 {
    request::longest_minutes(
        Catalog::get().ok(),
        &owned.resource,
        owned.include_resource_data,
    )
}

/// The API version the subscription was made with (its path's, as `subscription_create` sends).
fn api_of(owned: &OwnedSubscription) -> ApiVersion {
    request::api_for(Catalog::get().ok(), &owned.resource)
}

/// The lifetime the user chose, in minutes: the recorded request's expiry less the moment it
/// was made (the resource's longest less a minute when the record does not say). Renewals,
/// recreations and URL moves keep it.
pub fn chosen_minutes(owned: &OwnedSubscription) -> u32 {
    let longest = longest_minutes(owned).max(1);
    serde_json::from_str::<NewSubscription>(&owned.request)
        .ok()
        .map(|recorded| (unix(&recorded.expiration_date_time) - unix(&owned.created_at)) / 60)
        .filter(|minutes| *minutes >= 1)
        .and_then(|minutes| u32::try_from(minutes).ok())
        // A minute under the limit: a clock a little ahead of Graph's must not make a renewal
        // ask for more than the resource allows.
        .map_or(longest.saturating_sub(1).max(1), |minutes| {
            minutes.min(longest.saturating_sub(1).max(1))
        })
}

/// How long before expiry a subscription is renewed, in seconds.
pub fn margin_seconds(longest_minutes: u32) -> i64 {
    (i64::from(longest_minutes) * 60 / 10).clamp(5 * 60, 12 * 3600)
}

/// Failed attempts per subscription and when the next may run.
#[derive(Debug, Default)]
pub struct RetryBook {
    attempts: Mutex<HashMap<String, (u32, i64)>>,
    /// When each (subscription, lifecycle event) was last acted on.
    acted: Mutex<HashMap<(String, LifecycleEvent), i64>>,
}

/// How long the same lifecycle event of one subscription is not acted on again, in seconds.
pub const LIFECYCLE_QUIET_SECONDS: i64 = 600;

impl RetryBook {
    /// Whether to act on `event` for `id` now (not when it was acted on in the quiet time).
    fn first_in_a_while(&self, id: &str, event: LifecycleEvent, now: i64) -> bool {
        let Ok(mut acted) = self.acted.lock() else {
            return false;
        };
        let key = (id.to_owned(), event);
        if acted
            .get(&key)
            .is_some_and(|at| now - at < LIFECYCLE_QUIET_SECONDS)
        {
            return false;
        }
        acted.insert(key, now);
        true
    }

    fn waiting(&self, id: &str, now: i64) -> bool {
        self.attempts
            .lock()
            .ok()
            .and_then(|a| a.get(id).copied())
            .is_some_and(|(_, next)| next > now)
    }

    fn failed(&self, id: &str, now: i64) -> u32 {
        let Ok(mut attempts) = self.attempts.lock() else {
            return MAX_ATTEMPTS;
        };
        let entry = attempts.entry(id.to_owned()).or_insert((0, now));
        entry.0 += 1;
        entry.1 = now + 60 * (1_i64 << (entry.0 - 1).min(4));
        entry.0
    }

    fn succeeded(&self, id: &str) {
        if let Ok(mut attempts) = self.attempts.lock() {
            attempts.remove(id);
        }
    }
}

fn entry(id: &str, now: i64, action: RenewalAction, ok: bool, detail: String) -> RenewalEntry {
    RenewalEntry {
        subscription_id: id.to_owned(),
        at: rfc3339(now),
        action,
        ok,
        detail,
    }
}

fn record(receiving: &Receiving, entry: RenewalEntry) -> RenewalEntry {
    if let Err(error) = receiving.store().record_renewal(&entry) {
        tracing::warn!(%error, "the renewal history could not be written");
    }
    tracing::info!(id = %entry.subscription_id, action = entry.action.as_str(), ok = entry.ok, detail = %entry.detail, "subscription upkeep");
    entry
}

fn is_gone(error: &GraphError) -> bool {
    matches!(error, GraphError::Service { status: 404, .. })
}

/// Renews every live subscription within its margin of expiry.
pub async fn renew_due(
    context: &UpkeepContext<'_>,
    now: i64,
) -> Result<Vec<RenewalEntry>, CoreError> {
    let mut done = Vec::new();
    for owned in context.receiving.store().owned()? {
        if !owned.state.is_live() || context.retries.waiting(&owned.id, now) {
            continue;
        }
        // The resource's margin, but at most a quarter of this subscription's own lifetime (a
        // short one the user asked for is not renewed the moment it is made).
        let lifetime = i64::from(chosen_minutes(&owned)) * 60;
        let margin = margin_seconds(longest_minutes(&owned)).min((lifetime / 4).max(120));
        if unix(&owned.expiration) - now > margin {
            continue;
        }
        done.push(renew_one(context, owned, now).await);
    }
    Ok(done)
}

async fn renew_one(
    context: &UpkeepContext<'_>,
    mut owned: OwnedSubscription,
    now: i64,
) -> RenewalEntry {
    let UpkeepContext {
        accounts,
        receiving,
        retries,
        ..
    } = *context;
    let expiration = rfc3339(now + i64::from(chosen_minutes(&owned)) * 60);
    let renewed = match accounts.client(Some(&owned.account_id)).await {
        Ok((_, _, client)) => client
            .renew_subscription(api_of(&owned), &owned.id, &expiration)
            .await
            .map_err(Some),
        Err(error) => {
            let failure = retries.failed(&owned.id, now);
            return give_up_or_retry(receiving, owned, now, failure, error.to_string());
        }
    };
    match renewed {
        Ok(subscription) => {
            retries.succeeded(&owned.id);
            // Only the expiry changes: the record is read again so a lifecycle event handled
            // while Graph answered (a `missed` flag, a note) is not written over.
            if let Ok(Some(current)) = receiving.store().owned_one(&owned.id) {
                owned = current;
            }
            owned.expiration = subscription.expiration_date_time;
            let _ = receiving.store().put_owned(&owned);
            record(
                receiving,
                entry(
                    &owned.id,
                    now,
                    RenewalAction::Renewed,
                    true,
                    format!("expires {}", owned.expiration),
                ),
            )
        }
        Err(Some(error)) if is_gone(&error) => {
            recreate(context, owned, now, "Graph no longer knows it (404)").await
        }
        Err(error) => {
            let why = error
                .map(|e| CoreError::graph(e, &HintContext::default()).to_string())
                .unwrap_or_default();
            let failure = retries.failed(&owned.id, now);
            give_up_or_retry(receiving, owned, now, failure, why)
        }
    }
}

fn give_up_or_retry(
    receiving: &Receiving,
    mut owned: OwnedSubscription,
    now: i64,
    attempts: u32,
    why: String,
) -> RenewalEntry {
    if attempts >= MAX_ATTEMPTS {
        owned.state = SubscriptionState::Failed;
        owned.note = Some(format!("Renewal failed {attempts} times: {why}"));
        let _ = receiving.store().put_owned(&owned);
        receiving.owned().reload();
        record(
            receiving,
            entry(&owned.id, now, RenewalAction::GaveUp, false, why),
        )
    } else {
        record(
            receiving,
            entry(
                &owned.id,
                now,
                RenewalAction::Retry,
                false,
                format!("attempt {attempts}: {why}"),
            ),
        )
    }
}

/// Creates a subscription again from its recorded request, at the receiver's current URLs;
/// the new one replaces the old in the records.
pub async fn recreate(
    context: &UpkeepContext<'_>,
    owned: OwnedSubscription,
    now: i64,
    reason: &str,
) -> RenewalEntry {
    let UpkeepContext {
        accounts,
        receiving,
        certificates,
        ..
    } = *context;
    let result = async {
        let mut new: NewSubscription = serde_json::from_str(&owned.request)
            .map_err(|e| CoreError::internal(format!("the recorded request is unreadable: {e}")))?;
        // A webhook subscription is made again at the receiver's current URL; one delivering to
        // an event hub or Event Grid keeps its target.
        let to_receiver = !studio_catalog::targets::is_hub_or_grid(&owned.notification_url);
        if to_receiver && let Some(endpoints) = receiving.endpoints().await {
            let (notification, lifecycle) = endpoints.for_graph();
            new.notification_url = notification;
            new.lifecycle_notification_url = owned.lifecycle_url.as_ref().map(|_| lifecycle);
        }
        new.expiration_date_time = rfc3339(now + i64::from(chosen_minutes(&owned)) * 60);
        if owned.include_resource_data {
            let certificate = certificates.current(now).await?;
            use base64::Engine;
            new.encryption_certificate =
                Some(base64::engine::general_purpose::STANDARD.encode(&certificate.der));
            new.encryption_certificate_id = Some(certificate.id);
        }
        let api = request::api_for(Catalog::get().ok(), &new.resource);
        let created = send_create(accounts, &owned.account_id, api, &new).await?;
        Ok::<_, CoreError>((new, created))
    }
    .await;
    match result {
        Ok((new, created)) => {
            let replacement = OwnedSubscription {
                id: created.subscription.id.clone(),
                notification_url: new.notification_url.clone(),
                lifecycle_url: new.lifecycle_notification_url.clone(),
                certificate_id: new.encryption_certificate_id.clone(),
                expiration: created.subscription.expiration_date_time.clone(),
                state: SubscriptionState::Active,
                note: Some(format!("Recreated: replaces {} ({reason}).", owned.id)),
                request: serde_json::to_string(&new).unwrap_or_default(),
                // A new subscription: its lifetime is counted from now (see `chosen_minutes`).
                created_at: rfc3339(now),
                ..owned.clone()
            };
            let _ = receiving.store().put_owned(&replacement);
            let _ = receiving.store().remove_owned(&owned.id);
            // Its gaps and delta links go on under the new id (the resource is the same).
            if let Err(error) = receiving.store().gaps_follow(&owned.id, &replacement.id) {
                tracing::warn!(%error, "the gaps did not follow the recreated subscription");
            }
            receiving.owned().reload();
            let _ = certificates.prune_retired();
            receiving
                .events()
                .publish(CoreEvent::SubscriptionRecreated {
                    previous: owned.id.clone(),
                    replacement: Some(replacement.id.clone()),
                    reason: reason.to_owned(),
                    error: None,
                });
            record(
                receiving,
                entry(
                    &owned.id,
                    now,
                    RenewalAction::Recreated,
                    true,
                    format!("now {} ({reason})", replacement.id),
                ),
            )
        }
        Err(error) => {
            let mut failed = owned;
            failed.state = SubscriptionState::Removed;
            failed.note = Some(format!("Could not be recreated ({reason}): {error}"));
            let _ = receiving.store().put_owned(&failed);
            receiving.owned().reload();
            receiving
                .events()
                .publish(CoreEvent::SubscriptionRecreated {
                    previous: failed.id.clone(),
                    replacement: None,
                    reason: reason.to_owned(),
                    error: Some(error.to_string()),
                });
            record(
                receiving,
                entry(
                    &failed.id,
                    now,
                    RenewalAction::Recreated,
                    false,
                    error.to_string(),
                ),
            )
        }
    }
}

/// Acts on a lifecycle notification for one of the app's subscriptions.
pub async fn on_lifecycle(
    context: &UpkeepContext<'_>,
    signal: &LifecycleSignal,
    now: i64,
) -> Option<RenewalEntry> {
    let UpkeepContext {
        accounts,
        receiving,
        retries,
        ..
    } = *context;
    let owned = receiving
        .store()
        .owned_one(&signal.subscription_id)
        .ok()
        .flatten()?;
    if matches!(
        owned.state,
        SubscriptionState::Deleted | SubscriptionState::Removed
    ) {
        // Deleted here, or given up on: an event (even a genuine, late one) must not bring it
        // back.
        tracing::info!(id = %owned.id, event = signal.event.as_str(), state = owned.state.as_str(), "a lifecycle event for a subscription no longer kept was not acted on");
        return None;
    }
    if !retries.first_in_a_while(&owned.id, signal.event, now) {
        tracing::info!(id = %owned.id, event = signal.event.as_str(), "a repeated lifecycle event was not acted on again");
        return None;
    }
    Some(match signal.event {
        LifecycleEvent::ReauthorizationRequired => {
            let reauthorized = match accounts.client(Some(&owned.account_id)).await {
                Ok((_, _, client)) => client
                    .reauthorize_subscription(api_of(&owned), &owned.id)
                    .await
                    .is_ok(),
                Err(_) => false,
            };
            if reauthorized {
                record(
                    receiving,
                    entry(
                        &owned.id,
                        now,
                        RenewalAction::Reauthorized,
                        true,
                        String::new(),
                    ),
                )
            } else {
                renew_one(context, owned, now).await
            }
        }
        LifecycleEvent::SubscriptionRemoved => {
            crate::gaps::open(
                receiving.store(),
                &owned.id,
                crate::gaps::GapCause::Removed,
                crate::gaps::last_heard(receiving.store(), &owned),
                now,
                now,
                "Graph removed the subscription (the app makes it again: see the renewal history).",
            );
            recreate(context, owned, now, "Graph removed it").await
        }
        LifecycleEvent::Missed => {
            crate::gaps::open(
                receiving.store(),
                &owned.id,
                crate::gaps::GapCause::Missed,
                crate::gaps::last_heard(receiving.store(), &owned),
                now,
                now,
                "Graph said it could not deliver some notifications (missed).",
            );
            let mut flagged = owned;
            flagged.state = SubscriptionState::Missed;
            flagged.note = Some(format!(
                "Graph could not deliver some notifications (reported {}). Reconcile the gap under Delivery health and gaps (or: webhook-studio reconcile) to see what changed.",
                rfc3339(now)
            ));
            let _ = receiving.store().put_owned(&flagged);
            record(
                receiving,
                entry(&flagged.id, now, RenewalAction::Missed, true, String::new()),
            )
        }
        LifecycleEvent::Unknown => record(
            receiving,
            entry(
                &owned.id,
                now,
                RenewalAction::Ignored,
                true,
                "a lifecycle event this app does not know".into(),
            ),
        ),
    })
}

/// Whether a subscription follows the receiver to `notification`: it is live, points elsewhere,
/// and its service can reach the new URL (the sandbox reaches this computer; Microsoft only a
/// public URL).
fn follows(
    owned: &OwnedSubscription,
    notification: &str,
    public: bool,
    sandbox: &[String],
) -> bool {
    owned.state.is_live()
        && owned.notification_url != notification
        && (public || sandbox.contains(&owned.account_id))
        // Event Hubs and Event Grid subscriptions do not point at the receiver: they stay put.
        && !studio_catalog::targets::is_hub_or_grid(&owned.notification_url)
}

fn sandbox_accounts(accounts: &Accounts) -> Result<Vec<String>, CoreError> {
    Ok(accounts
        .configs()?
        .into_iter()
        .filter(|a| a.kind.sandbox())
        .map(|a| a.id)
        .collect())
}

/// The subscriptions [`move_all`] will move to `endpoints` (their gaps open first).
pub fn to_move(
    accounts: &Accounts,
    store: &studio_store::Store,
    endpoints: &Endpoints,
) -> Result<Vec<String>, CoreError> {
    let (notification, _) = endpoints.for_graph();
    let public = endpoints.public_notification_url.is_some();
    let sandbox = sandbox_accounts(accounts)?;
    Ok(store
        .owned()?
        .into_iter()
        .filter(|o| follows(o, &notification, public, &sandbox))
        .map(|o| o.id)
        .collect())
}

/// Points live subscriptions at the receiver's current URLs (after the tunnel's URL changed).
pub async fn move_all(
    context: &UpkeepContext<'_>,
    endpoints: &Endpoints,
    now: i64,
) -> Result<Vec<RenewalEntry>, CoreError> {
    let UpkeepContext {
        accounts,
        receiving,
        ..
    } = *context;
    let (notification, lifecycle) = endpoints.for_graph();
    let public = endpoints.public_notification_url.is_some();
    let sandbox = sandbox_accounts(accounts)?;
    let mut done = Vec::new();
    for mut owned in receiving.store().owned()? {
        // Only the sandbox delivers to this computer: without a public URL (no tunnel, or one
        // that failed to open) Microsoft's subscriptions stay where they point.
        if !follows(&owned, &notification, public, &sandbox) {
            continue;
        }
        if owned
            .lifecycle_url
            .as_ref()
            .is_some_and(|l| *l != lifecycle)
        {
            // Graph cannot patch lifecycleNotificationUrl: delete and create again.
            if let Ok((_, _, client)) = accounts.client(Some(&owned.account_id)).await {
                let _ = client.delete_subscription(api_of(&owned), &owned.id).await;
            }
            done.push(recreate(context, owned, now, "the public URL changed").await);
            continue;
        }
        let moved = match accounts.client(Some(&owned.account_id)).await {
            Ok((_, _, client)) => client
                .move_subscription(api_of(&owned), &owned.id, &notification)
                .await
                .map_err(|e| CoreError::graph(e, &HintContext::default())),
            Err(error) => Err(error),
        };
        done.push(match moved {
            Ok(_) => {
                owned.notification_url = notification.clone();
                let _ = receiving.store().put_owned(&owned);
                record(
                    receiving,
                    entry(
                        &owned.id,
                        now,
                        RenewalAction::Moved,
                        true,
                        notification.clone(),
                    ),
                )
            }
            Err(error) => record(
                receiving,
                entry(
                    &owned.id,
                    now,
                    RenewalAction::Moved,
                    false,
                    error.to_string(),
                ),
            ),
        });
    }
    receiving.owned().reload();
    Ok(done)
}
