//! Creating subscriptions that point at this app's receiver, and the preflight that proves the
//! public URL answers Graph's validation handshake before Graph is asked.
//!
//! A created subscription is recorded with everything needed later: its account, the clientState
//! (random, 256 bits) the checks compare against, the certificate whose key decrypts its rich
//! notifications, its URLs (to notice a tunnel move) and the request itself (to recreate it when
//! Graph removes it).

use std::time::{Duration, Instant};

use base64::Engine;
use serde::{Deserialize, Serialize};
use studio_catalog::Catalog;
use studio_catalog::model::ApiVersion;
use studio_catalog::targets::DeliveryTarget;
use studio_graph::{HintContext, NewSubscription};
use studio_primitives::clock::rfc3339;
use studio_primitives::http::{self, Redirects};
use studio_store::{OwnedSubscription, RenewalAction, RenewalEntry, SubscriptionState};
use ts_rs::TS;

use crate::accounts::Accounts;
use crate::certificates::Certificates;
use crate::error::CoreError;
use crate::receiving::Receiving;
use crate::subscriptions::graph::{SubscriptionView, catalog_kind, describe};
use crate::subscriptions::request::{self, Choice, Delivery, SubscriptionRequest};
use studio_identity::account::AccountConfig;

/// `subscription_create`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateSubscriptionRequest {
    /// The account (the one in use when absent).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The resource path, e.g. `/me/mailFolders('inbox')/messages`.
    pub resource: String,
    /// `created,updated,deleted` (any non-empty subset the resource supports).
    pub change_type: String,
    /// Minutes until expiry (default and maximum: the resource's longest).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_minutes: Option<u32>,
    /// Ask for rich notifications (encrypted resource data; a certificate is made if needed).
    #[serde(default)]
    pub include_resource_data: bool,
    /// Ask for lifecycle notifications at this app's receiver (`lifecycleNotificationUrl`);
    /// yes unless `false`. Without them the app cannot hear `subscriptionRemoved`,
    /// `reauthorizationRequired` or `missed`, and Graph refuses some resources above an hour.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_lifecycle_url: Option<bool>,
    /// `notificationQueryOptions` (Universal Print).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_query_options: Option<String>,
    /// Skip the validation preflight.
    #[serde(default)]
    pub skip_preflight: bool,
    /// Deliver to an Azure Event Hub or Event Grid partner topic instead of this app's receiver:
    /// `EventHub:https://<namespace>/eventhubname/<hub>?tenantId=…` (lifecycle events go to the
    /// same place), `EventGrid:?…`. No receiver, tunnel or preflight is needed.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_target: Option<String>,
}

/// What the preflight saw when it played Graph's validation request against the URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PreflightReport {
    /// The URL tried.
    pub url: String,
    /// Everything Graph checks passed.
    pub ok: bool,
    /// The status answered.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The content type answered.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The body was the token, byte for byte.
    pub echoed: bool,
    /// Round trip in milliseconds (Graph allows 10 s).
    pub latency_ms: u32,
    /// What is wrong, in Graph's terms.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// `subscription_create`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CreatedSubscription {
    /// As Graph answered.
    pub subscription: SubscriptionView,
    /// The preflight, unless skipped.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preflight: Option<PreflightReport>,
}

/// Plays Graph's validation request against `url`: a POST with `?validationToken=` that must be
/// answered 200, `text/plain`, the token echoed, within 10 seconds.
pub async fn preflight(url: &str) -> Result<PreflightReport, CoreError> {
    let token = format!(
        "Preflight {} <&> ✓",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 9]>())
    );
    let mut report = PreflightReport {
        url: url.to_owned(),
        ok: false,
        status: None,
        content_type: None,
        echoed: false,
        latency_ms: 0,
        problem: None,
    };
    let http = http::client("the preflight", Duration::from_secs(10), Redirects::None)?;
    let started = Instant::now();
    let sent = http
        .post(url)
        .query(&[("validationToken", token.as_str())])
        .header("content-type", "text/plain; charset=utf-8")
        .send()
        .await;
    report.latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    let response = match sent {
        Ok(response) => response,
        Err(error) => {
            report.problem = Some(if error.is_timeout() {
                "no answer within 10 seconds (Graph gives up after 10)".into()
            } else {
                format!("the URL could not be reached: {error}")
            });
            return Ok(report);
        }
    };
    let status = response.status().as_u16();
    report.status = Some(status);
    report.content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await.unwrap_or_default();
    report.echoed = body == token;
    let text_plain = report
        .content_type
        .as_deref()
        .is_some_and(|c| c.starts_with("text/plain"));
    report.problem = if status != 200 {
        Some(format!("answered {status}; Graph needs 200 OK"))
    } else if !text_plain {
        Some("the answer is not text/plain".into())
    } else if !report.echoed {
        Some("the answer is not the validation token, byte for byte".into())
    } else {
        None
    };
    report.ok = report.problem.is_none();
    Ok(report)
}

/// Creates a subscription to this app's receiver and records it.
pub async fn create(
    accounts: &Accounts,
    receiving: &Receiving,
    certificates: &Certificates,
    request: &CreateSubscriptionRequest,
    now: i64,
) -> Result<CreatedSubscription, CoreError> {
    let config = accounts.account(request.account_id.as_deref())?;
    if let Some(target) = &request.delivery_target {
        let parsed = DeliveryTarget::parse(target).map_err(|why| {
            CoreError::refused(format!("The delivery target is not valid: {why}")).with_hint(
                "Build it with `webhook-studio event-hub url`, or copy Graph's documented form.",
            )
        })?;
        if parsed.needs_handshake() {
            return Err(CoreError::refused(
                "An https:// delivery target is this app's receiver's job.",
            )
            .with_hint("Leave the delivery target empty to use the receiver; it is for EventHub: and EventGrid: targets."));
        }
        if config.kind.sandbox() && parsed.is_event_hub() {
            // The sandbox delivers to the broker a saved connection names for the namespace (a
            // sandbox started later reads them as it starts).
            receiving.map_sandbox_hubs().await?;
        }
        let url = parsed.url();
        let lifecycle = request
            .include_lifecycle_url
            .unwrap_or(true)
            .then(|| url.clone());
        return send_and_record(
            accounts,
            receiving,
            certificates,
            request,
            &config,
            (url, lifecycle),
            None,
            now,
        )
        .await;
    }
    // This process's receiver, else the one another process runs for the data folder (the
    // window, while `mcp` or a CLI command creates): its checks find the subscription in the
    // shared store.
    let (notification_url, lifecycle_url, public) =
        receiver_urls(receiving).await.ok_or_else(|| {
            CoreError::refused("The receiver is not running.")
                .with_hint("Start receiving first (Receiver screen, or `webhook-studio listen`).")
        })?;
    if !config.kind.sandbox() && !public {
        return Err(CoreError::refused(
            "Microsoft Graph cannot reach this computer: there is no public URL.",
        )
        .with_hint(
            "Choose ngrok or your own URL in Settings → Tunnel, then start receiving again.",
        ));
    }
    let lifecycle_url = request
        .include_lifecycle_url
        .unwrap_or(true)
        .then_some(lifecycle_url);
    let report = if request.skip_preflight {
        None
    } else {
        let report = preflight(&notification_url).await?;
        if !report.ok {
            return Err(CoreError::unreachable(format!(
                    "The preflight failed: {} ({notification_url}).",
                    report.problem.as_deref().unwrap_or("unknown")
                ),
            )
            .with_hint("Graph would refuse the subscription with \"Subscription validation request failed\". Check that the tunnel is online and points at this app's receiver."));
        }
        Some(report)
    };
    send_and_record(
        accounts,
        receiving,
        certificates,
        request,
        &config,
        (notification_url, lifecycle_url),
        report,
        now,
    )
    .await
}

/// The URLs a subscription made now would point at: this process's receiver, else the one another
/// process runs for the data folder (the window, while `mcp` or a CLI command creates); and
/// whether they are public. The request preview shows the same.
pub(crate) async fn receiver_urls(receiving: &Receiving) -> Option<(String, String, bool)> {
    match receiving.endpoints().await {
        Some(endpoints) => {
            let (notification, lifecycle) = endpoints.for_graph();
            let public = endpoints.public_notification_url.is_some();
            Some((notification, lifecycle, public))
        }
        None => receiving.receiving_elsewhere().map(|elsewhere| {
            (
                elsewhere.notification_url,
                elsewhere.lifecycle_url,
                elsewhere.public,
            )
        }),
    }
}

/// Builds the request (as the preview does), sends it and records the subscription as this
/// app's.
#[allow(clippy::too_many_arguments, reason = "one call site per delivery kind")]
async fn send_and_record(
    accounts: &Accounts,
    receiving: &Receiving,
    certificates: &Certificates,
    request: &CreateSubscriptionRequest,
    config: &AccountConfig,
    (notification_url, lifecycle_url): (String, Option<String>),
    report: Option<PreflightReport>,
    now: i64,
) -> Result<CreatedSubscription, CoreError> {
    let client_state =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let certificate = if request.include_resource_data {
        Some(certificates.current(now).await?)
    } else {
        None
    };
    let der = certificate
        .as_ref()
        .map(|c| base64::engine::general_purpose::STANDARD.encode(&c.der));
    let (lifecycle, with_lifecycle) = match &lifecycle_url {
        Some(url) => (url.as_str(), true),
        None => ("", false),
    };
    // The same builder as the explorer's preview: what it showed is what is sent.
    let SubscriptionRequest { api, body: new } = request::build(
        Catalog::get().ok(),
        &Choice {
            resource: &request.resource,
            change_type: &request.change_type,
            expiration_minutes: request.expiration_minutes,
            include_resource_data: request.include_resource_data,
            include_lifecycle_url: with_lifecycle,
            notification_query_options: request.notification_query_options.as_deref(),
        },
        &Delivery {
            notification_url: &notification_url,
            lifecycle_url: lifecycle,
            client_state: &client_state,
            certificate: der
                .as_deref()
                .zip(certificate.as_ref().map(|c| c.id.as_str())),
        },
        now,
    );
    let created = send_create(accounts, &config.id, api, &new).await?;
    let tenant_id = accounts.tenant_id(config).await;
    let owned = OwnedSubscription {
        id: created.subscription.id.clone(),
        account_id: config.id.clone(),
        resource: new.resource.clone(),
        change_type: new.change_type.clone(),
        client_state,
        certificate_id: new.encryption_certificate_id.clone(),
        include_resource_data: request.include_resource_data,
        notification_url,
        lifecycle_url,
        expiration: created.subscription.expiration_date_time.clone(),
        created_at: rfc3339(now),
        state: SubscriptionState::Active,
        note: None,
        request: serde_json::to_string(&new).unwrap_or_default(),
        tenant_id,
    };
    receiving.store().put_owned(&owned)?;
    receiving.store().record_renewal(&RenewalEntry {
        subscription_id: owned.id.clone(),
        at: rfc3339(now),
        action: RenewalAction::Created,
        ok: true,
        detail: format!("expires {}", owned.expiration),
    })?;
    receiving.owned().reload();
    tracing::info!(id = %owned.id, resource = %owned.resource, "subscription created");
    Ok(CreatedSubscription {
        subscription: created,
        preflight: report,
    })
}

/// `POST /subscriptions` with hints about the account's permissions when Graph refuses.
pub async fn send_create(
    accounts: &Accounts,
    account_id: &str,
    api: ApiVersion,
    new: &NewSubscription,
) -> Result<SubscriptionView, CoreError> {
    let (config, session, client) = accounts.client(Some(account_id)).await?;
    let granted = crate::subscriptions::graph::granted(&session).await;
    let context = HintContext {
        resource: Some(&new.resource),
        account_kind: Some(catalog_kind(config.kind)),
        granted: &granted,
    };
    client
        .create_subscription(api, new)
        .await
        .map(describe)
        .map_err(|e| CoreError::graph(e, &context))
}
