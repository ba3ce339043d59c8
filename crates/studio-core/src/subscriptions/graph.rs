//! The account's subscriptions as Graph has them: list, renew (to the longest expiration the
//! resource allows), delete, reauthorize; look-ups for placeholders; the hints' context (which
//! permissions the account's token holds, which kind of account it is).

use serde::{Deserialize, Serialize};
use studio_catalog::Catalog;
use studio_catalog::model::ApiVersion;
use studio_graph::{HintContext, Subscription};
use ts_rs::TS;

use crate::accounts::Accounts;
use crate::error::CoreError;

/// `subscriptions_list`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubscriptionsRequest {
    /// The account (the one in use when absent).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

/// One subscription with what the list shows about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionView {
    /// As Graph returned it.
    pub subscription: Subscription,
    /// Expiry, Unix seconds (the countdown runs in the window).
    #[ts(type = "number")]
    pub expires_at: i64,
    /// The catalog's name for the resource, when it knows it ("Outlook message").
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
    /// The longest renewal the resource allows, in minutes.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_minutes: Option<u32>,
}

/// The account's subscriptions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionsView {
    /// Whose.
    pub account_id: String,
    /// The account's name.
    pub account_name: String,
    /// Soonest expiry first.
    pub items: Vec<SubscriptionView>,
}

/// Names one subscription of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubscriptionRef {
    /// The account (the one in use when absent).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The subscription's id.
    pub id: String,
}

/// `http_log_list`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpLogRequest {
    /// Only this account's exchanges.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// At most this many, newest first (default 200).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// The list's view of a subscription.
pub fn describe(subscription: Subscription) -> SubscriptionView {
    let catalog = Catalog::get().ok();
    let resource = catalog.and_then(|c| {
        c.resolve(&subscription.resource)
            .and_then(|r| c.resource(&r.resource_id))
    });
    SubscriptionView {
        expires_at: studio_primitives::clock::unix_of(&subscription.expiration_date_time),
        resource_name: resource.map(|r| r.name.clone()),
        max_minutes: resource
            .map(|r| r.max_minutes_for(subscription.include_resource_data.unwrap_or(false))),
        subscription,
    }
}

/// The account's subscriptions, soonest expiry first.
pub async fn list(
    accounts: &Accounts,
    request: &SubscriptionsRequest,
) -> Result<SubscriptionsView, CoreError> {
    let (config, _, client) = accounts.client(request.account_id.as_deref()).await?;
    let mut items: Vec<SubscriptionView> = client
        .list_subscriptions(ApiVersion::V1)
        .await
        .map_err(|e| CoreError::graph(e, &HintContext::default()))?
        .into_iter()
        .map(describe)
        .collect();
    items.sort_by_key(|s| s.expires_at);
    Ok(SubscriptionsView {
        account_id: config.id,
        account_name: config.name,
        items,
    })
}

/// Renews to the longest expiration the resource allows (less a minute of slack).
pub async fn renew(
    accounts: &Accounts,
    request: &SubscriptionRef,
    now: i64,
) -> Result<SubscriptionView, CoreError> {
    let (config, session, client) = accounts.client(request.account_id.as_deref()).await?;
    let current = client
        .get_subscription(ApiVersion::V1, &request.id)
        .await
        .map_err(|e| CoreError::graph(e, &HintContext::default()))?;
    let minutes = describe(current.clone())
        .max_minutes
        .unwrap_or(60)
        .saturating_sub(1)
        .max(45);
    let expiration = studio_primitives::clock::rfc3339(now + i64::from(minutes) * 60);
    let granted = granted(&session).await;
    let context = HintContext {
        resource: Some(&current.resource),
        account_kind: Some(catalog_kind(config.kind)),
        granted: &granted,
    };
    client
        .renew_subscription(ApiVersion::V1, &request.id, &expiration)
        .await
        .map(describe)
        .map_err(|e| CoreError::graph(e, &context))
}

/// Deletes a subscription.
pub async fn delete(accounts: &Accounts, request: &SubscriptionRef) -> Result<(), CoreError> {
    let (_, _, client) = accounts.client(request.account_id.as_deref()).await?;
    client
        .delete_subscription(ApiVersion::V1, &request.id)
        .await
        .map_err(|e| CoreError::graph(e, &HintContext::default()))
}

/// Reauthorizes a subscription (after `reauthorizationRequired`).
pub async fn reauthorize(accounts: &Accounts, request: &SubscriptionRef) -> Result<(), CoreError> {
    let (_, _, client) = accounts.client(request.account_id.as_deref()).await?;
    client
        .reauthorize_subscription(ApiVersion::V1, &request.id)
        .await
        .map_err(|e| CoreError::graph(e, &HintContext::default()))
}

/// The permissions an account's token holds, as far as the cached token tells (for hints).
pub async fn granted(session: &studio_identity::session::Session) -> Vec<String> {
    session
        .cached_claims()
        .await
        .map(|c| c.permissions)
        .unwrap_or_default()
}

/// The catalog's account kind for an account.
pub fn catalog_kind(kind: studio_identity::AccountKind) -> studio_catalog::model::AccountKind {
    use studio_catalog::model::AccountKind as Catalog;
    use studio_identity::AccountKind as Identity;
    match kind {
        Identity::SandboxApp | Identity::Application => Catalog::Application,
        Identity::Personal => Catalog::DelegatedPersonal,
        Identity::Sandbox | Identity::Work => Catalog::DelegatedWork,
    }
}

/// `lookup`: what can fill a catalog placeholder, from the account's tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LookupRequest {
    /// The account (the one in use when absent).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The placeholder's name, e.g. `team-id`.
    pub placeholder: String,
    /// The team (channels), site (lists) or user (mail folders, To Do lists of app-only accounts).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// Things to pick for a placeholder (none when it cannot be looked up).
pub async fn lookup(
    accounts: &Accounts,
    request: &LookupRequest,
) -> Result<Vec<studio_graph::LookupItem>, CoreError> {
    let Some(kind) = studio_graph::LookupKind::for_placeholder(&request.placeholder) else {
        return Ok(Vec::new());
    };
    let (config, session, client) = accounts.client(request.account_id.as_deref()).await?;
    let granted = granted(&session).await;
    let context = HintContext {
        resource: None,
        account_kind: Some(catalog_kind(config.kind)),
        granted: &granted,
    };
    client
        .lookup(
            kind,
            request.parent.as_deref().filter(|p| !p.trim().is_empty()),
            !config.kind.app_only(),
        )
        .await
        .map_err(|e| CoreError::graph(e, &context))
}
