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
//!
//! Every step is written to the renewal history. Time is passed in, so tests drive it with the
//! emulator's clock instead of sleeping.

use std::collections::HashMap;
use std::sync::Mutex;

use studio_catalog::Catalog;
use studio_catalog::model::ApiVersion;
use studio_graph::{GraphError, HintContext, NewSubscription};
use studio_store::{OwnedSubscription, RenewalEntry};

use crate::accounts::Accounts;
use crate::accounts::errors::graph_error;
use crate::error::IpcError;
use crate::pipeline::create::send_create;
use crate::pipeline::{Endpoints, LifecycleSignal, Pipeline};

/// Renewal attempts before a subscription is marked failed.
pub const MAX_ATTEMPTS: u32 = 5;

pub use crate::clock::{rfc3339, unix_of as unix};

/// The resource's longest lifetime in minutes.
pub fn longest_minutes(owned: &OwnedSubscription) -> u32 {
    Catalog::get()
        .ok()
        .and_then(|c| {
            c.resolve(&owned.resource)
                .and_then(|r| c.resource(&r.resource_id))
        })
        .map(|r| r.max_minutes_for(owned.include_resource_data))
        .unwrap_or(60)
}

/// How long before expiry a subscription is renewed, in seconds.
pub fn margin_seconds(longest_minutes: u32) -> i64 {
    (i64::from(longest_minutes) * 60 / 10).clamp(5 * 60, 12 * 3600)
}

/// Failed attempts per subscription and when the next may run.
#[derive(Debug, Default)]
pub struct RetryBook {
    attempts: Mutex<HashMap<String, (u32, i64)>>,
}

impl RetryBook {
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

fn entry(id: &str, now: i64, action: &str, ok: bool, detail: String) -> RenewalEntry {
    RenewalEntry {
        subscription_id: id.to_owned(),
        at: rfc3339(now),
        action: action.to_owned(),
        ok,
        detail,
    }
}

fn record(pipeline: &Pipeline, entry: RenewalEntry) -> RenewalEntry {
    if let Err(error) = pipeline.store().record_renewal(&entry) {
        tracing::warn!(%error, "the renewal history could not be written");
    }
    tracing::info!(id = %entry.subscription_id, action = %entry.action, ok = entry.ok, detail = %entry.detail, "subscription upkeep");
    entry
}

fn is_gone(error: &GraphError) -> bool {
    matches!(error, GraphError::Service { status: 404, .. })
}

/// Renews every live subscription within its margin of expiry.
pub async fn renew_due(
    accounts: &Accounts,
    pipeline: &Pipeline,
    retries: &RetryBook,
    now: i64,
) -> Result<Vec<RenewalEntry>, IpcError> {
    let mut done = Vec::new();
    for owned in pipeline.store().owned()? {
        if !matches!(owned.state.as_str(), "active" | "missed") || retries.waiting(&owned.id, now) {
            continue;
        }
        // The resource's margin, but at most a quarter of this subscription's own lifetime (a
        // short one the user asked for is not renewed the moment it is made).
        let lifetime = unix(&owned.expiration) - unix(&owned.created_at);
        let margin = margin_seconds(longest_minutes(&owned)).min((lifetime / 4).max(120));
        if unix(&owned.expiration) - now > margin {
            continue;
        }
        done.push(renew_one(accounts, pipeline, retries, owned, now).await);
    }
    Ok(done)
}

async fn renew_one(
    accounts: &Accounts,
    pipeline: &Pipeline,
    retries: &RetryBook,
    mut owned: OwnedSubscription,
    now: i64,
) -> RenewalEntry {
    let expiration =
        rfc3339(now + i64::from(longest_minutes(&owned).saturating_sub(1).max(1)) * 60);
    let renewed = match accounts.client(Some(&owned.account_id)).await {
        Ok((_, _, client)) => client
            .renew_subscription(ApiVersion::V1, &owned.id, &expiration)
            .await
            .map_err(Some),
        Err(error) => {
            let failure = retries.failed(&owned.id, now);
            return give_up_or_retry(pipeline, owned, now, failure, error.message);
        }
    };
    match renewed {
        Ok(subscription) => {
            retries.succeeded(&owned.id);
            owned.expiration = subscription.expiration_date_time;
            let _ = pipeline.store().put_owned(&owned);
            record(
                pipeline,
                entry(
                    &owned.id,
                    now,
                    "renewed",
                    true,
                    format!("expires {}", owned.expiration),
                ),
            )
        }
        Err(Some(error)) if is_gone(&error) => {
            recreate(
                accounts,
                pipeline,
                owned,
                now,
                "Graph no longer knows it (404)",
            )
            .await
        }
        Err(error) => {
            let why = error
                .map(|e| graph_error(e, &HintContext::default()).message)
                .unwrap_or_default();
            let failure = retries.failed(&owned.id, now);
            give_up_or_retry(pipeline, owned, now, failure, why)
        }
    }
}

fn give_up_or_retry(
    pipeline: &Pipeline,
    mut owned: OwnedSubscription,
    now: i64,
    attempts: u32,
    why: String,
) -> RenewalEntry {
    if attempts >= MAX_ATTEMPTS {
        owned.state = "failed".into();
        owned.note = Some(format!("Renewal failed {attempts} times: {why}"));
        let _ = pipeline.store().put_owned(&owned);
        pipeline.known().reload();
        record(pipeline, entry(&owned.id, now, "gaveUp", false, why))
    } else {
        record(
            pipeline,
            entry(
                &owned.id,
                now,
                "retry",
                false,
                format!("attempt {attempts}: {why}"),
            ),
        )
    }
}

/// Creates a subscription again from its recorded request, at the receiver's current URLs;
/// the new one replaces the old in the records.
pub async fn recreate(
    accounts: &Accounts,
    pipeline: &Pipeline,
    owned: OwnedSubscription,
    now: i64,
    reason: &str,
) -> RenewalEntry {
    let result = async {
        let mut new: NewSubscription = serde_json::from_str(&owned.request).map_err(|e| {
            IpcError::new(
                crate::error::ErrorCode::Internal,
                format!("the recorded request is unreadable: {e}"),
            )
        })?;
        if let Some(endpoints) = pipeline.endpoints().await {
            let (notification, lifecycle) = endpoints.for_graph();
            new.notification_url = notification;
            new.lifecycle_notification_url = owned.lifecycle_url.as_ref().map(|_| lifecycle);
        }
        new.expiration_date_time =
            rfc3339(now + i64::from(longest_minutes(&owned).saturating_sub(1).max(1)) * 60);
        if owned.include_resource_data {
            let certificate = pipeline.certificates().current(now).await?;
            use base64::Engine;
            new.encryption_certificate =
                Some(base64::engine::general_purpose::STANDARD.encode(&certificate.der));
            new.encryption_certificate_id = Some(certificate.id);
        }
        let created = send_create(accounts, &owned.account_id, &new).await?;
        Ok::<_, IpcError>((new, created))
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
                state: "active".into(),
                note: Some(format!("Recreated: replaces {} ({reason}).", owned.id)),
                request: serde_json::to_string(&new).unwrap_or_default(),
                ..owned.clone()
            };
            let _ = pipeline.store().put_owned(&replacement);
            let _ = pipeline.store().remove_owned(&owned.id);
            pipeline.known().reload();
            let _ = pipeline.certificates().prune_retired();
            record(
                pipeline,
                entry(
                    &owned.id,
                    now,
                    "recreated",
                    true,
                    format!("now {} ({reason})", replacement.id),
                ),
            )
        }
        Err(error) => {
            let mut failed = owned;
            failed.state = "removed".into();
            failed.note = Some(format!(
                "Could not be recreated ({reason}): {}",
                error.message
            ));
            let _ = pipeline.store().put_owned(&failed);
            pipeline.known().reload();
            record(
                pipeline,
                entry(&failed.id, now, "recreated", false, error.message),
            )
        }
    }
}

/// Acts on a lifecycle notification for one of the app's subscriptions.
pub async fn on_lifecycle(
    accounts: &Accounts,
    pipeline: &Pipeline,
    retries: &RetryBook,
    signal: &LifecycleSignal,
    now: i64,
) -> Option<RenewalEntry> {
    let owned = pipeline
        .store()
        .owned_one(&signal.subscription_id)
        .ok()
        .flatten()?;
    Some(match signal.event.as_str() {
        "reauthorizationRequired" => {
            let reauthorized = match accounts.client(Some(&owned.account_id)).await {
                Ok((_, _, client)) => client
                    .reauthorize_subscription(ApiVersion::V1, &owned.id)
                    .await
                    .is_ok(),
                Err(_) => false,
            };
            if reauthorized {
                record(
                    pipeline,
                    entry(&owned.id, now, "reauthorized", true, String::new()),
                )
            } else {
                renew_one(accounts, pipeline, retries, owned, now).await
            }
        }
        "subscriptionRemoved" => recreate(accounts, pipeline, owned, now, "Graph removed it").await,
        "missed" => {
            let mut flagged = owned;
            flagged.state = "missed".into();
            flagged.note = Some(format!(
                "Graph could not deliver some notifications (reported {}). Read the resource again (a delta query) to catch up.",
                rfc3339(now)
            ));
            let _ = pipeline.store().put_owned(&flagged);
            record(
                pipeline,
                entry(&flagged.id, now, "missed", true, String::new()),
            )
        }
        other => record(
            pipeline,
            entry(
                &owned.id,
                now,
                "ignored",
                true,
                format!("unknown lifecycle event '{other}'"),
            ),
        ),
    })
}

/// Points live subscriptions at the receiver's current URLs (after the tunnel's URL changed).
pub async fn move_all(
    accounts: &Accounts,
    pipeline: &Pipeline,
    endpoints: &Endpoints,
    now: i64,
) -> Result<Vec<RenewalEntry>, IpcError> {
    let (notification, lifecycle) = endpoints.for_graph();
    let mut done = Vec::new();
    for mut owned in pipeline.store().owned()? {
        if !matches!(owned.state.as_str(), "active" | "missed")
            || owned.notification_url == notification
        {
            continue;
        }
        if owned
            .lifecycle_url
            .as_ref()
            .is_some_and(|l| *l != lifecycle)
        {
            // Graph cannot patch lifecycleNotificationUrl: delete and create again.
            if let Ok((_, _, client)) = accounts.client(Some(&owned.account_id)).await {
                let _ = client.delete_subscription(ApiVersion::V1, &owned.id).await;
            }
            done.push(recreate(accounts, pipeline, owned, now, "the public URL changed").await);
            continue;
        }
        let moved = match accounts.client(Some(&owned.account_id)).await {
            Ok((_, _, client)) => client
                .move_subscription(ApiVersion::V1, &owned.id, &notification)
                .await
                .map_err(|e| graph_error(e, &HintContext::default())),
            Err(error) => Err(error),
        };
        done.push(match moved {
            Ok(_) => {
                owned.notification_url = notification.clone();
                let _ = pipeline.store().put_owned(&owned);
                record(
                    pipeline,
                    entry(&owned.id, now, "moved", true, notification.clone()),
                )
            }
            Err(error) => record(
                pipeline,
                entry(&owned.id, now, "moved", false, error.message),
            ),
        });
    }
    pipeline.known().reload();
    Ok(done)
}
