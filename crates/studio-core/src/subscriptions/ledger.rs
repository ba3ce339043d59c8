//! The subscription ledger: every subscription the app can see, across all its accounts and
//! clouds, with who made it, where it points, whether this app serves that URL, which others
//! watch the same resource, and the resource's quotas.
//!
//! Each account asks Graph `GET /subscriptions` with its own token, and Graph answers differently
//! by token: a delegated token lists the subscriptions this app made for the signed-in user; an
//! app-only token lists every subscription this app made in the tenant, whoever it was made for.
//! So one subscription may be seen from two accounts (it is listed once, with both), and a
//! subscription made by another app is never seen. An account that cannot answer (signed out,
//! no network) is reported, not fatal.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use studio_catalog::Catalog;
use studio_catalog::model::ApiVersion;
use studio_graph::HintContext;
use studio_primitives::clock::unix_of;
use ts_rs::TS;

use crate::accounts::Accounts;
use crate::error::CoreError;
use crate::receiving::Receiving;

/// One subscription in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerEntry {
    /// Graph's id.
    pub id: String,
    /// The accounts whose `GET /subscriptions` lists it (names).
    pub seen_by: Vec<String>,
    /// The cloud of the first account that sees it ("global", "usGovernment", "china", or the custom Graph host).
    pub cloud: String,
    /// The tenant of the first account that sees it (its id when signed in, else as configured).
    pub tenant: String,
    /// The resource.
    pub resource: String,
    /// `created,updated`.
    pub change_type: String,
    /// Where notifications go.
    pub notification_url: String,
    /// Expiry, Unix seconds.
    #[ts(type = "number")]
    pub expires_at: i64,
    /// Who made it (the user, or the app's service principal), as Graph says.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<String>,
    /// The app that made it.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// This app made it and keeps it (renewal, checks, gaps).
    pub made_here: bool,
    /// Its notification URL is this app's receiver (now).
    pub served_here: bool,
    /// Other subscriptions in the ledger on the same resource.
    pub overlaps: Vec<String>,
    /// The catalog's quotas for the resource.
    pub quotas: Vec<String>,
}

/// An account that could not list its subscriptions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerProblem {
    /// The account's name.
    pub account: String,
    /// What went wrong.
    pub message: String,
}

/// The whole ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerView {
    /// Soonest expiry first.
    pub entries: Vec<LedgerEntry>,
    /// Accounts asked, with what their token lists.
    pub accounts: Vec<LedgerAccount>,
    /// Accounts that could not answer.
    pub problems: Vec<LedgerProblem>,
}

/// An account the ledger asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerAccount {
    /// Its name.
    pub name: String,
    /// What `GET /subscriptions` lists with its token.
    pub lists: String,
}

/// What a token of this kind sees in `GET /subscriptions`.
pub fn what_it_lists(app_only: bool) -> &'static str {
    if app_only {
        "App-only token: every subscription this app made in the tenant, for anyone."
    } else {
        "Delegated token: the subscriptions this app made for the signed-in user only."
    }
}

/// The resource as compared for overlap: no query, no leading slash, lowercase, `/me` as the
/// user who made it.
fn resource_key(resource: &str, creator: Option<&str>) -> String {
    let path = resource
        .split('?')
        .next()
        .unwrap_or_default()
        .trim_matches('/')
        .to_ascii_lowercase();
    match (path.strip_prefix("me/"), creator) {
        (Some(rest), Some(creator)) => format!("users/{}/{rest}", creator.to_ascii_lowercase()),
        _ => path,
    }
}

/// Lists every account's subscriptions and puts them together.
pub async fn ledger(accounts: &Accounts, receiving: &Receiving) -> Result<LedgerView, CoreError> {
    let catalog = Catalog::get().ok();
    let owned: Vec<String> = receiving
        .store()
        .owned()?
        .into_iter()
        .map(|o| o.id)
        .collect();
    // This app's receiver: this process's, or the one another process (the window, `listen`)
    // runs for the same data folder.
    let mut served: Vec<String> = match receiving.endpoints().await {
        Some(endpoints) => [
            Some(endpoints.local_notification_url),
            endpoints.public_notification_url,
        ]
        .into_iter()
        .flatten()
        .collect(),
        None => Vec::new(),
    };
    served.extend(receiving.receiving_elsewhere().map(|h| h.notification_url));
    let mut by_id: BTreeMap<String, LedgerEntry> = BTreeMap::new();
    let mut asked = Vec::new();
    let mut problems = Vec::new();
    for config in accounts.configs()? {
        asked.push(LedgerAccount {
            name: config.name.clone(),
            lists: what_it_lists(config.kind.app_only()).to_owned(),
        });
        let listed = match accounts.client(Some(&config.id)).await {
            Ok((_, _, client)) => client
                .list_subscriptions(ApiVersion::V1)
                .await
                .map_err(|e| CoreError::graph(e, &HintContext::default())),
            Err(error) => Err(error),
        };
        let subscriptions = match listed {
            Ok(subscriptions) => subscriptions,
            Err(error) => {
                problems.push(LedgerProblem {
                    account: config.name.clone(),
                    message: error.to_string(),
                });
                continue;
            }
        };
        let cloud = match &config.cloud {
            studio_identity::Cloud::Global => "global".to_owned(),
            studio_identity::Cloud::UsGovernment => "usGovernment".to_owned(),
            studio_identity::Cloud::China => "china".to_owned(),
            studio_identity::Cloud::Custom { graph_base, .. } => graph_base.clone(),
        };
        let tenant = config
            .identity
            .as_ref()
            .map_or_else(|| config.tenant.clone(), |i| i.tenant_id.clone());
        for s in subscriptions {
            if let Some(entry) = by_id.get_mut(&s.id) {
                entry.seen_by.push(config.name.clone());
                continue;
            }
            let quotas = catalog
                .and_then(|c| {
                    c.resolve(&s.resource)
                        .and_then(|r| c.resource(&r.resource_id))
                })
                .map(|r| r.quotas.clone())
                .unwrap_or_default();
            by_id.insert(
                s.id.clone(),
                LedgerEntry {
                    seen_by: vec![config.name.clone()],
                    cloud: cloud.clone(),
                    tenant: tenant.clone(),
                    made_here: owned.contains(&s.id),
                    served_here: served.contains(&s.notification_url),
                    expires_at: unix_of(&s.expiration_date_time),
                    overlaps: Vec::new(),
                    quotas,
                    id: s.id,
                    resource: s.resource,
                    change_type: s.change_type,
                    notification_url: s.notification_url,
                    creator_id: s.creator_id,
                    application_id: s.application_id,
                },
            );
        }
    }
    let mut entries: Vec<LedgerEntry> = by_id.into_values().collect();
    // The same resource in the same tenant of the same cloud.
    let key = |e: &LedgerEntry| {
        format!(
            "{}|{}|{}",
            e.cloud,
            e.tenant.to_ascii_lowercase(),
            resource_key(&e.resource, e.creator_id.as_deref())
        )
    };
    let keys: Vec<(String, String)> = entries.iter().map(|e| (e.id.clone(), key(e))).collect();
    for entry in &mut entries {
        let mine = key(entry);
        entry.overlaps = keys
            .iter()
            .filter(|(id, key)| *key == mine && *id != entry.id)
            .map(|(id, _)| id.clone())
            .collect();
    }
    entries.sort_by_key(|e| e.expires_at);
    Ok(LedgerView {
        entries,
        accounts: asked,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_ignores_the_query_and_case() {
        assert_eq!(
            resource_key("/me/Messages?$select=subject", None),
            resource_key("me/messages", None)
        );
        assert_eq!(
            resource_key("/me/messages", Some("U1")),
            resource_key("/users/u1/messages", None),
            "/me is the user who made it"
        );
        assert_ne!(
            resource_key("/me/messages", None),
            resource_key("/me/events", None)
        );
        assert!(what_it_lists(true).contains("every subscription"));
    }
}
