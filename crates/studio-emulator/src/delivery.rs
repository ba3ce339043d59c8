//! Webhook delivery: a change becomes notifications for every matching subscription, batched per
//! endpoint, POSTed as Graph does, retried with exponential backoff for up to four hours of the
//! emulator's clock (so `--time-scale` and the control API's clock compress it), every attempt
//! recorded.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};
use std::sync::Arc;

use crate::server::Shared;
use crate::subscriptions::Subscription;
use crate::throttle::EndpointState;
use crate::workloads::Change;
use crate::workloads::paths::{canonical, filter_ids};

/// How long Graph keeps retrying a batch that was not acknowledged: four hours, in seconds.
pub const RETRY_WINDOW_SECONDS: i64 = 4 * 3600;
/// The shortest wait between two attempts, whatever `retry_base` says.
pub const MIN_RETRY_WAIT: Duration = Duration::from_millis(10);
/// The longest wait between two attempts.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(3600);

/// One POST to an endpoint, as the control API reports it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// The subscriptions whose items the POST carried.
    pub subscription_ids: Vec<String>,
    /// Where it went.
    pub url: String,
    /// `notification` or `lifecycle`.
    pub kind: &'static str,
    /// 1 for the first try.
    pub attempt: u32,
    /// The HTTP status, or none when the endpoint could not be reached or timed out.
    pub status: Option<u16>,
    /// How long the endpoint took.
    pub latency_ms: u64,
    /// The request body sent.
    pub body: Value,
    /// Unix seconds (emulator clock).
    pub at: i64,
    /// Not sent: the endpoint is in Graph's "drop" state.
    pub dropped: bool,
}

/// Whether a change with no stored entity behind it (the control API given any path) concerns a
/// subscription: the same resource or an item below it.
fn below(subscribed: &str, changed: &str) -> bool {
    !subscribed.is_empty()
        && (changed == subscribed || changed.starts_with(&format!("{subscribed}/")))
}

/// Whether a change concerns a subscription: its resource (canonical, `/me` standing for the
/// subscription's creator) watches what changed; `$filter=id in (…)` narrows presence lists.
pub fn concerns(shared: &Shared, subscription: &Subscription, change: &Change) -> bool {
    let subscribed = canonical(
        &subscription.resource,
        Some(&subscription.creator_id),
        &shared.tenant,
    );
    if subscribed.is_empty() {
        return false;
    }
    if change.watchers.is_empty() {
        return below(&subscribed, &change.path);
    }
    if !change.watchers.contains(&subscribed) {
        return false;
    }
    match filter_ids(&subscription.resource) {
        Some(ids) => {
            let id = change.path.rsplit('/').next().unwrap_or_default();
            ids.iter().any(|i| i == id)
        }
        None => true,
    }
}

/// The notification item for one subscription and change.
pub fn item(shared: &Shared, subscription: &Subscription, change: &Change) -> Value {
    let resource = if change.report_subscribed {
        subscription.resource.trim_start_matches('/').to_owned()
    } else {
        change.resource.clone()
    };
    let id = change
        .path
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut resource_data = json!({
        "@odata.type": change.odata_type,
        "@odata.id": resource,
        "id": id,
    });
    if crate::payloads::is_outlook(&change.odata_type) {
        resource_data["@odata.etag"] = json!(crate::payloads::outlook_etag(change));
    }
    for (key, value) in &change.resource_data {
        resource_data[key] = value.clone();
    }
    let mut item = json!({
        "id": crate::grants::random_token(12),
        "subscriptionId": subscription.id,
        "subscriptionExpirationDateTime": subscription.expiration_date_time,
        "changeType": change.change_type,
        "resource": resource,
        "clientState": subscription.client_state,
        "tenantId": shared.tenant.tenant_id,
        "resourceData": resource_data,
    });
    if let (true, Some(certificate)) = (
        subscription.include_resource_data,
        &subscription.encryption_certificate,
    ) {
        let body = crate::payloads::resource_body(&shared.base_url, change, &subscription.resource);
        let certificate_id = subscription
            .encryption_certificate_id
            .clone()
            .unwrap_or_default();
        match crate::rich::encrypt(&body, certificate, &certificate_id) {
            Ok(encrypted) => item["encryptedContent"] = encrypted,
            Err(error) => {
                tracing::warn!(%error, subscription = %subscription.id, "cannot encrypt resource data")
            }
        }
    }
    item
}

/// A batch for one endpoint: the subscriptions, their items, and the apps owed a validation token.
#[derive(Debug, Default)]
pub struct Batch {
    /// Subscription ids.
    pub subscription_ids: Vec<String>,
    /// Notification items.
    pub items: Vec<Value>,
    /// Apps with rich items in the batch.
    pub rich_apps: Vec<String>,
}

impl Batch {
    /// The POST body: `value`, plus `validationTokens` when resource data is included.
    pub fn body(&self, shared: &Shared) -> Value {
        let mut body = json!({ "value": self.items });
        if !self.rich_apps.is_empty() {
            let tokens: Vec<String> = self
                .rich_apps
                .iter()
                .filter_map(|app| crate::rich::validation_token(shared, app))
                .collect();
            body["validationTokens"] = json!(tokens);
        }
        body
    }
}

/// Groups items per notification URL (one POST per endpoint, as Graph batches).
pub fn batches(shared: &Shared, change: &Change) -> BTreeMap<String, Batch> {
    let now = shared.clock.now();
    let mut out: BTreeMap<String, Batch> = BTreeMap::new();
    let subscriptions = shared
        .subscriptions
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    for subscription in subscriptions.iter().filter(|s| s.expires_at > now) {
        let wants = subscription
            .change_type
            .split(',')
            .any(|c| c.trim() == change.change_type);
        if wants && concerns(shared, subscription, change) {
            let entry = out
                .entry(subscription.notification_url.clone())
                .or_default();
            entry.subscription_ids.push(subscription.id.clone());
            entry.items.push(item(shared, subscription, change));
            // Tokens are issued to `notificationUrlAppId` when the subscription names one (the
            // app the endpoint belongs to), else to the app that subscribed.
            let audience = subscription
                .notification_url_app_id
                .clone()
                .unwrap_or_else(|| subscription.application_id.clone());
            if subscription.include_resource_data && !entry.rich_apps.contains(&audience) {
                entry.rich_apps.push(audience);
            }
        }
    }
    out
}

/// Sends a change to every subscription it concerns, in the background; returns their ids.
pub fn dispatch(shared: &Arc<Shared>, change: &Change) -> Vec<String> {
    if let Ok(mut store) = shared.store.lock() {
        store.journal.record(change);
    }
    let batches = batches(shared, change);
    let matched = batches
        .values()
        .flat_map(|b| b.subscription_ids.clone())
        .collect();
    for (url, batch) in batches {
        let body = batch.body(shared);
        let now = shared.clock.now();
        let held_back = match shared.throttle.admit(&url, now) {
            EndpointState::Drop => {
                tracing::warn!(%url, "endpoint in Graph's drop state: notification dropped");
                if crate::payloads::is_outlook(&change.odata_type) {
                    tell_missed(shared, &url, &batch.subscription_ids);
                }
                record(
                    shared,
                    Delivery {
                        subscription_ids: batch.subscription_ids,
                        url,
                        kind: "notification",
                        attempt: 0,
                        status: None,
                        latency_ms: 0,
                        body,
                        at: now,
                        dropped: true,
                    },
                );
                continue;
            }
            EndpointState::Slow => shared.clock.real(shared.retry_base),
            EndpointState::Healthy => Duration::ZERO,
        };
        let in_flight = studio_catalog::targets::is_event_hub_url(&url)
            .then(|| crate::event_hubs::InFlight::start(shared));
        let shared = Arc::clone(shared);
        tokio::spawn(async move {
            if !held_back.is_zero() {
                tokio::time::sleep(held_back).await;
            }
            deliver(&shared, "notification", &url, batch.subscription_ids, body).await;
            drop(in_flight);
        });
    }
    matched
}

/// Keeps an attempt in the log and tells whoever waits for it (a control-API change).
fn record(shared: &Shared, attempt: Delivery) {
    let _ = shared.attempts.send(attempt.clone());
    if let Ok(mut log) = shared.deliveries.lock() {
        log.push(attempt);
    }
}

/// Whether a POST carried `change`'s notification (an item naming what changed, with its change
/// type), not one of an earlier change still on its way to the same subscription. Drives and
/// lists name only the subscribed resource, so any of their POSTs counts.
fn carries(body: &Value, change: &Change) -> bool {
    change.report_subscribed
        || body["value"].as_array().is_some_and(|items| {
            items.iter().any(|item| {
                item["resource"].as_str() == Some(change.resource.as_str())
                    && item["changeType"].as_str() == Some(change.change_type.as_str())
            })
        })
}

/// The first attempts of the notifications a change matched, as they are recorded, until each
/// matched subscription has had one or `within` has passed (what is not there is still on its
/// way: a slow endpoint's deliveries are held back). Subscribe (`shared.attempts`) before the
/// change is dispatched, so no attempt is missed.
pub async fn first_attempts(
    mut attempts: tokio::sync::broadcast::Receiver<Delivery>,
    change: &Change,
    matched: &[String],
    within: Duration,
) -> Vec<Delivery> {
    let mut waiting: std::collections::BTreeSet<&str> =
        matched.iter().map(String::as_str).collect();
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    while !waiting.is_empty() {
        let next = tokio::time::timeout_at(deadline, attempts.recv()).await;
        let attempt = match next {
            Ok(Ok(attempt)) => attempt,
            Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => continue,
            Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) | Err(_) => break,
        };
        if attempt.kind != "notification" || attempt.attempt > 1 || !carries(&attempt.body, change)
        {
            continue;
        }
        let ours = attempt
            .subscription_ids
            .iter()
            .any(|id| waiting.remove(id.as_str()));
        if ours {
            seen.push(attempt);
        }
    }
    seen
}

/// The body Graph POSTs to a lifecycle URL: one item naming the subscription and the event.
pub fn lifecycle_body(
    shared: &Shared,
    subscription: &crate::subscriptions::Subscription,
    event: &str,
) -> Value {
    serde_json::json!({ "value": [{
        "subscriptionId": subscription.id,
        "subscriptionExpirationDateTime": subscription.expiration_date_time,
        "tenantId": shared.tenant.tenant_id,
        "clientState": subscription.client_state,
        "lifecycleEvent": event,
    }] })
}

/// Sends `missed` to the lifecycle URL of each subscription that just lost a notification
/// (Outlook resources; once per drop period), as Graph does.
fn tell_missed(shared: &Arc<Shared>, url: &str, subscription_ids: &[String]) {
    let subscriptions: Vec<crate::subscriptions::Subscription> = shared
        .subscriptions
        .lock()
        .map(|subs| {
            subs.iter()
                .filter(|s| subscription_ids.contains(&s.id))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    for subscription in subscriptions {
        let Some(lifecycle_url) = subscription.lifecycle_notification_url.clone() else {
            continue;
        };
        if !shared.throttle.first_miss(url, &subscription.id) {
            continue;
        }
        let body = lifecycle_body(shared, &subscription, "missed");
        let shared = Arc::clone(shared);
        tokio::spawn(async move {
            deliver(
                &shared,
                "lifecycle",
                &lifecycle_url,
                vec![subscription.id],
                body,
            )
            .await;
        });
    }
}

/// POSTs one body to one endpoint until it answers 2xx or four hours of the emulator's clock have
/// passed, waiting `retry_base`, then twice as long each time (at most an hour) between attempts.
/// It stops early when the sandbox stops or is reset, or when none of the subscriptions exists
/// any more.
pub async fn deliver(
    shared: &Shared,
    kind: &'static str,
    url: &str,
    subscription_ids: Vec<String>,
    body: Value,
) {
    let generation = shared.generation.load(Ordering::Relaxed);
    let first = shared.clock.now();
    let to_hub = studio_catalog::targets::is_event_hub_url(url);
    for attempt in 1u32.. {
        if attempt > 1 && !still_wanted(shared, generation, &subscription_ids) {
            return;
        }
        if shared.clock.now() - first >= RETRY_WINDOW_SECONDS {
            tracing::warn!(%url, attempt, "gave up delivering: not acknowledged for four hours");
            return;
        }
        // Clock moves during the POST count against the wait that follows it.
        let offset = shared.clock.offset();
        let started = Instant::now();
        let status = if to_hub {
            // A produced record counts as 202: the hub took it (the throttle rules are for webhooks).
            let key = subscription_ids.first().map_or("", String::as_str);
            match crate::event_hubs::produce(shared, url, key, &body).await {
                Ok(()) => Some(202),
                Err(why) => {
                    tracing::warn!(%url, %why, "could not produce to the event hub");
                    None
                }
            }
        } else {
            let sent = shared
                .http
                .post(url)
                .json(&body)
                .timeout(shared.handshake_timeout)
                .send()
                .await;
            sent.as_ref().ok().map(|r| r.status().as_u16())
        };
        let elapsed = started.elapsed();
        if !to_hub {
            shared.throttle.record(
                url,
                shared.clock.now(),
                status.is_none() || elapsed > shared.slow_response,
            );
        }
        let record = Delivery {
            subscription_ids: subscription_ids.clone(),
            url: url.to_owned(),
            kind,
            attempt,
            status,
            latency_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            body: body.clone(),
            at: shared.clock.now(),
            dropped: false,
        };
        self::record(shared, record);
        if status.is_some_and(|s| (200..300).contains(&s)) {
            return;
        }
        let wait = retry_wait(shared.retry_base, attempt);
        let left = RETRY_WINDOW_SECONDS - (shared.clock.now() - first);
        if i64::try_from(wait.as_secs()).unwrap_or(i64::MAX) >= left {
            tracing::warn!(%url, attempt, "gave up delivering: not acknowledged for four hours");
            return;
        }
        wait_emulated(shared, wait, offset, started, generation).await;
    }
}

/// Whether a pending retry should still be sent: the sandbox was neither stopped nor reset since,
/// and at least one of the subscriptions still exists.
fn still_wanted(shared: &Shared, generation: u64, subscription_ids: &[String]) -> bool {
    shared.generation.load(Ordering::Relaxed) == generation
        && shared
            .subscriptions
            .lock()
            .is_ok_and(|subs| subs.iter().any(|s| subscription_ids.contains(&s.id)))
}

/// The wait after `attempt` failed: `base` (at least 10 ms), doubling, at most
/// [`MAX_RETRY_WAIT`].
pub fn retry_wait(base: Duration, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
    base.max(MIN_RETRY_WAIT)
        .saturating_mul(factor)
        .min(MAX_RETRY_WAIT)
}

/// Waits `emulated` time of the emulator's clock, counted from `since` (real) and the clock
/// offset `offset` then: scaled by `--time-scale`, cut short by the seconds the control API
/// moves the clock forward, and ended when the sandbox stops or is reset.
async fn wait_emulated(
    shared: &Shared,
    emulated: Duration,
    offset: i64,
    since: Instant,
    generation: u64,
) {
    loop {
        // Registered before the clock is read, so a move in between is not missed.
        let moved = shared.clock_moved.notified();
        tokio::pin!(moved);
        moved.as_mut().enable();
        if shared.generation.load(Ordering::Relaxed) != generation {
            return;
        }
        let forward = u64::try_from(shared.clock.offset() - offset).unwrap_or(0);
        let scaled =
            Duration::try_from_secs_f64(since.elapsed().as_secs_f64() * shared.clock.scale())
                .unwrap_or(Duration::MAX);
        let passed = scaled.saturating_add(Duration::from_secs(forward));
        let Some(remaining) = emulated.checked_sub(passed).filter(|r| !r.is_zero()) else {
            return;
        };
        tokio::select! {
            () = tokio::time::sleep(shared.clock.real(remaining)) => return,
            () = moved => {}
        }
    }
}

/// The default first retry delay (doubling each time).
pub const DEFAULT_RETRY_BASE: Duration = Duration::from_secs(2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_carries_a_change_when_an_item_names_it() {
        let mut change = Change::bare("created", "Users/u/Messages/m2", "users/u/messages/m2");
        let body = |resource: &str, change_type: &str| json!({"value": [{"resource": resource, "changeType": change_type}]});
        assert!(carries(&body("Users/u/Messages/m2", "created"), &change));
        assert!(
            !carries(&body("Users/u/Messages/m1", "created"), &change),
            "an earlier change still on its way"
        );
        assert!(!carries(&body("Users/u/Messages/m2", "updated"), &change));
        assert!(!carries(&json!({}), &change));
        change.report_subscribed = true;
        assert!(
            carries(&body("drives/d/root", "updated"), &change),
            "drives name the root"
        );
    }
}
