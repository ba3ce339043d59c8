//! Webhook delivery: a change becomes notifications for every matching subscription, batched per
//! endpoint, POSTed as Graph does, retried with exponential backoff, every attempt recorded.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};
use studio_catalog::Catalog;

use crate::server::Shared;
use crate::subscriptions::Subscription;

/// How many times one batch is tried before it is given up (Graph keeps trying for hours; the
/// sandbox compresses that into a few attempts).
pub const MAX_ATTEMPTS: u32 = 4;

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
}

/// Whether a change to `changed` concerns a subscription to `subscribed`: the same resource or an
/// item below it (`/users/u/mailFolders('inbox')/messages/m1` under `…/messages`), with `/me`
/// standing for the subscription's creator.
pub fn concerns(subscribed: &str, creator: &str, changed: &str) -> bool {
    let normalize = |text: &str| {
        let base = text
            .trim()
            .split('?')
            .next()
            .unwrap_or_default()
            .trim_matches('/')
            .to_lowercase();
        if base == "me" || base.starts_with("me/") {
            format!("users/{}{}", creator.to_lowercase(), &base[2..])
        } else {
            base
        }
    };
    let (subscribed, changed) = (normalize(subscribed), normalize(changed));
    !subscribed.is_empty()
        && (changed == subscribed || changed.starts_with(&format!("{subscribed}/")))
}

fn entity_type(resource: &str) -> String {
    let entity = Catalog::get()
        .ok()
        .and_then(|c| {
            c.resolve(resource)
                .and_then(|r| c.resource(&r.resource_id).map(|res| res.entity.clone()))
        })
        .unwrap_or_else(|| "entity".into());
    let short = entity.rsplit('.').next().unwrap_or("entity");
    let mut chars = short.chars();
    let upper = chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default();
    format!("#Microsoft.Graph.{upper}")
}

/// The notification item for one subscription and change.
pub fn item(
    shared: &Shared,
    subscription: &Subscription,
    change_type: &str,
    changed: &str,
) -> Value {
    let id = changed
        .trim_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let odata_type = entity_type(&subscription.resource);
    let mut item = json!({
        "id": format!("{}-{}", subscription.id, shared.clock.now()),
        "subscriptionId": subscription.id,
        "subscriptionExpirationDateTime": subscription.expiration_date_time,
        "changeType": change_type,
        "resource": changed.trim_start_matches('/'),
        "clientState": subscription.client_state,
        "tenantId": shared.tenant.tenant_id,
        "resourceData": {
            "@odata.type": odata_type,
            "@odata.id": changed.trim_start_matches('/'),
            "id": id,
        },
    });
    if let (true, Some(certificate)) = (
        subscription.include_resource_data,
        &subscription.encryption_certificate,
    ) {
        let body = crate::rich::resource_body(&odata_type, &id, change_type, changed);
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
pub fn batches(shared: &Shared, change_type: &str, changed: &str) -> BTreeMap<String, Batch> {
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
            .any(|c| c.trim() == change_type);
        if wants && concerns(&subscription.resource, &subscription.creator_id, changed) {
            let entry = out
                .entry(subscription.notification_url.clone())
                .or_default();
            entry.subscription_ids.push(subscription.id.clone());
            entry
                .items
                .push(item(shared, subscription, change_type, changed));
            if subscription.include_resource_data
                && !entry.rich_apps.contains(&subscription.application_id)
            {
                entry.rich_apps.push(subscription.application_id.clone());
            }
        }
    }
    out
}

/// POSTs one body to one endpoint until it answers 2xx or the attempts run out.
pub async fn deliver(
    shared: &Shared,
    kind: &'static str,
    url: &str,
    subscription_ids: Vec<String>,
    body: Value,
) {
    for attempt in 1..=MAX_ATTEMPTS {
        let started = Instant::now();
        let sent = shared
            .http
            .post(url)
            .json(&body)
            .timeout(shared.handshake_timeout)
            .send()
            .await;
        let status = sent.as_ref().ok().map(|r| r.status().as_u16());
        let record = Delivery {
            subscription_ids: subscription_ids.clone(),
            url: url.to_owned(),
            kind,
            attempt,
            status,
            latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            body: body.clone(),
            at: shared.clock.now(),
        };
        if let Ok(mut log) = shared.deliveries.lock() {
            log.push(record);
        }
        if status.is_some_and(|s| (200..300).contains(&s)) {
            return;
        }
        if attempt < MAX_ATTEMPTS {
            tokio::time::sleep(shared.retry_base * 2u32.pow(attempt - 1)).await;
        }
    }
    tracing::warn!(%url, "gave up delivering after {MAX_ATTEMPTS} attempts");
}

/// The default first retry delay (doubling each time).
pub const DEFAULT_RETRY_BASE: Duration = Duration::from_secs(2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_match_their_collection_and_me_forms() {
        assert!(concerns(
            "/me/mailFolders('inbox')/messages",
            "U1",
            "Users/u1/mailFolders('Inbox')/Messages/m1"
        ));
        assert!(concerns("/users/u1/messages", "x", "/users/U1/messages/m2"));
        assert!(concerns("/users", "x", "/users/u9"));
        assert!(!concerns("/users/u1/messages", "x", "/users/u1/events/e1"));
        assert!(!concerns("/users/u1", "x", "/users/u12"));
        assert!(!concerns("", "x", "/users"));
    }
}
