//! The gap audit: knowing when notifications may be missing, and finding out what was missed.
//!
//! Graph's own advice is a hybrid: notifications for speed, delta queries to catch up. A **gap**
//! is a stretch of time in which a subscription's notifications may not have reached the app:
//! - `missed`: Graph said so (a `missed` lifecycle event); it begins at the last notification
//!   that did arrive;
//! - `removed`: Graph removed the subscription (`subscriptionRemoved`) and the app made it again;
//! - `downtime`: the receiver was not listening (the store's listening periods, so a crash
//!   counts too), for subscriptions that point at it;
//! - `urlMoved`: the public URL changed and the subscription was moved: what Graph sent to the
//!   old URL meanwhile is lost;
//! - `hubLost`: events an Event Hub held for the app were lost before it read them (they expired,
//!   or the hub started again), for the subscriptions delivering to that hub.
//!
//! Every subscription the app creates gets a **baseline**: a delta link taken right after it is
//! made, kept per delta path. Reconciling a gap ([`reconcile`]) reads delta from that link and
//! compares what changed with what was notified. A subscription's health between gaps (its last
//! notification, the resource's expected latency, a silence longer than usual) is [`silence`].

pub mod endpoints;
pub mod folders;
pub mod reconcile;
pub mod silence;
pub mod whole_drive;

use serde::{Deserialize, Serialize};
use studio_catalog::catching_up::{DeltaPlan, contact_folder_delta, delta_plan, mail_folder_delta};
use studio_graph::GraphClient;
use studio_primitives::clock::unix_of;
use studio_store::gaps::{NewGap, StoredGap};
use studio_store::{OwnedSubscription, Store};
use ts_rs::TS;

use crate::error::CoreError;

/// Why a gap was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum GapCause {
    /// Graph sent `missed`.
    Missed,
    /// Graph removed the subscription and the app made it again.
    Removed,
    /// The receiver was not listening.
    Downtime,
    /// The public URL changed.
    UrlMoved,
    /// Events were lost from the Event Hub the subscription delivers to before they were read.
    HubLost,
    /// The user asked to reconcile from a time.
    Asked,
}

impl GapCause {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            GapCause::Missed => "missed",
            GapCause::Removed => "removed",
            GapCause::Downtime => "downtime",
            GapCause::UrlMoved => "urlMoved",
            GapCause::HubLost => "hubLost",
            GapCause::Asked => "asked",
        }
    }

    fn from_stored(text: &str) -> GapCause {
        match text {
            "missed" => GapCause::Missed,
            "removed" => GapCause::Removed,
            "downtime" => GapCause::Downtime,
            "urlMoved" => GapCause::UrlMoved,
            "hubLost" => GapCause::HubLost,
            _ => GapCause::Asked,
        }
    }
}

/// A gap as the window and the CLI show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GapView {
    /// Its id.
    #[ts(type = "number")]
    pub id: i64,
    /// The subscription.
    pub subscription_id: String,
    /// The subscription's resource.
    pub resource: Option<String>,
    /// Why it was opened.
    pub cause: GapCause,
    /// Unix seconds it begins.
    #[ts(type = "number")]
    pub from: i64,
    /// Unix seconds it ends.
    #[ts(type = "number")]
    pub to: i64,
    /// When it was opened.
    #[ts(type = "number")]
    pub opened_at: i64,
    /// What opened it.
    pub detail: String,
    /// When it was reconciled.
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconciled_at: Option<i64>,
    /// The reconciliation's counts, when reconciled.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<reconcile::Outcome>,
}

impl GapView {
    pub(crate) fn of(gap: StoredGap, resource: Option<String>) -> GapView {
        let outcome = gap
            .reconciliation
            .as_ref()
            .and_then(|r| serde_json::from_value::<reconcile::Reconciliation>(r.clone()).ok())
            .map(|r| r.outcome());
        GapView {
            id: gap.id,
            subscription_id: gap.subscription_id,
            resource,
            cause: GapCause::from_stored(&gap.cause),
            from: gap.from,
            to: gap.to,
            opened_at: gap.opened_at,
            detail: gap.detail,
            reconciled_at: gap.reconciled_at,
            outcome,
        }
    }
}

/// Opens (or widens) a gap; a failure to write is logged, never fatal to what found it.
pub fn open(
    store: &Store,
    subscription_id: &str,
    cause: GapCause,
    from: i64,
    to: i64,
    now: i64,
    detail: &str,
) -> Option<i64> {
    let gap = NewGap {
        subscription_id,
        cause: cause.as_str(),
        from: from.min(to),
        to,
        opened_at: now,
        detail,
    };
    match store.open_gap(&gap) {
        Ok(id) => {
            tracing::info!(
                subscription_id,
                cause = cause.as_str(),
                from,
                to,
                "gap opened"
            );
            Some(id)
        }
        Err(error) => {
            tracing::warn!(%error, "a gap could not be recorded");
            None
        }
    }
}

/// Where a gap reported by Graph begins: the last time the app knew the subscription was
/// complete: its last trusted notification, its last reconciliation (which checked everything
/// before it), or its creation.
pub fn last_heard(store: &Store, owned: &OwnedSubscription) -> i64 {
    let notified = store.last_notified(&owned.id).ok().flatten();
    let reconciled = store.last_reconciled(&owned.id).ok().flatten();
    notified
        .into_iter()
        .chain(reconciled)
        .max()
        .unwrap_or_else(|| unix_of(&owned.created_at))
}

/// Opens the gaps a receiver start reveals: downtime since the previous listening period ended
/// (when at least `threshold` seconds), or a URL move for the subscriptions that moved.
pub fn after_start(
    store: &Store,
    moving: &[String],
    threshold: i64,
    now: i64,
) -> Result<Vec<i64>, CoreError> {
    let periods = store.listening_periods()?;
    let Some(previous) = periods.iter().rev().nth(1) else {
        return Ok(Vec::new());
    };
    let down_from = previous.ended_at();
    let mut opened = Vec::new();
    for owned in store.owned()? {
        if !served_here_since(&owned, down_from) {
            continue;
        }
        let was_moved = moving.contains(&owned.id);
        let gap = if now - down_from >= threshold.max(0) {
            let detail = format!(
                "The receiver was not listening for {}{}.",
                crate::gaps::silence::spoken_duration(now - down_from),
                if was_moved {
                    "; the subscription was then moved to the new URL"
                } else {
                    ""
                }
            );
            open(
                store,
                &owned.id,
                GapCause::Downtime,
                down_from,
                now,
                now,
                &detail,
            )
        } else if was_moved {
            open(
                store,
                &owned.id,
                GapCause::UrlMoved,
                down_from,
                now,
                now,
                "The public URL changed: what Graph sent to the old one is lost.",
            )
        } else {
            None
        };
        opened.extend(gap);
    }
    Ok(opened)
}

/// Whether a subscription made by `since` is live and delivers to the app's receiver (an event
/// hub keeps what Graph sends while the app is away: no downtime gap for those).
fn served_here_since(owned: &OwnedSubscription, since: i64) -> bool {
    owned.state.is_live()
        && unix_of(&owned.created_at) <= since
        && !studio_catalog::targets::is_hub_or_grid(&owned.notification_url)
}

/// Opens the gaps a pause of the whole process reveals (the computer slept, or the process was
/// stopped) while its listening period never ended: from `from` to `to` the receiver could not
/// answer. Every live subscription pointing at it gets a downtime gap.
pub fn after_sleep(store: &Store, from: i64, to: i64) -> Result<Vec<i64>, CoreError> {
    let detail = format!(
        "The computer slept (or the app was paused) for {}: the receiver could not answer.",
        crate::gaps::silence::spoken_duration(to - from)
    );
    let mut opened = Vec::new();
    for owned in store.owned()? {
        if served_here_since(&owned, from) {
            opened.extend(open(
                store,
                &owned.id,
                GapCause::Downtime,
                from,
                to,
                to,
                &detail,
            ));
        }
    }
    Ok(opened)
}

/// The query a delta path starts with: messages are read without their bodies (`$select`, which
/// message delta supports); other delta functions are asked as they are (calendarView delta takes
/// no `$select`, and on users and groups it would narrow which changes are tracked).
fn select_for(delta_path: &str) -> &'static str {
    if delta_path.to_ascii_lowercase().ends_with("/messages/delta")
        && delta_path.to_ascii_lowercase().contains("/mailfolders/")
    {
        "?$select=subject,lastModifiedDateTime"
    } else if delta_path.to_ascii_lowercase().ends_with("/contacts/delta") {
        "?$select=displayName,lastModifiedDateTime"
    } else {
        ""
    }
}

/// One delta path to read: `key` names it in the store (stable), `url` starts a full sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaStart {
    /// The delta path without a query.
    pub key: String,
    /// What a full sync asks.
    pub url: String,
}

/// The full sync of the delta at `path` (kept under `path`).
fn delta_start(path: String) -> DeltaStart {
    DeltaStart {
        url: format!("{path}{}", select_for(&path)),
        key: path,
    }
}

/// The delta paths to read for a subscription, and whether a mailbox had more folders than are
/// read (its folders are listed first).
pub async fn delta_starts(
    client: &GraphClient,
    store: &Store,
    owned: &OwnedSubscription,
    now: i64,
) -> Result<(Vec<DeltaStart>, bool), CoreError> {
    let api = crate::subscriptions::request::api_for(
        studio_catalog::Catalog::get().ok(),
        &owned.resource,
    );
    match delta_plan(&owned.resource) {
        DeltaPlan::One(path) if path.contains("/calendarView/") => {
            // The calendar view needs a window; a year either side covers what users keep.
            let url = format!(
                "{path}?startDateTime={}&endDateTime={}",
                studio_primitives::clock::rfc3339(now - 366 * 86_400),
                studio_primitives::clock::rfc3339(now + 366 * 86_400)
            );
            Ok((vec![DeltaStart { key: path, url }], false))
        }
        DeltaPlan::One(path) | DeltaPlan::WholeDrive(path) => Ok((vec![delta_start(path)], false)),
        DeltaPlan::EachMailFolder { user } => {
            let folders = folders::mail_folders(client, api, &user).await?;
            Ok((
                folders
                    .ids
                    .iter()
                    .map(|id| delta_start(mail_folder_delta(&user, id)))
                    .collect(),
                folders.cut,
            ))
        }
        DeltaPlan::EachContactFolder { user } => {
            let kept = store.delta_link_keys(&owned.id)?;
            let folders = folders::contact_folders(client, api, &user, &kept).await?;
            Ok((
                folders
                    .ids
                    .iter()
                    .map(|id| delta_start(contact_folder_delta(&user, id)))
                    .collect(),
                folders.cut,
            ))
        }
        DeltaPlan::Unavailable(why) => Err(CoreError::refused(format!(
            "{} cannot be reconciled with delta: {why}",
            owned.resource
        ))),
    }
}

/// Takes a subscription's baseline: a full delta sync per delta path, keeping only the links.
/// Resources without delta have no baseline (and say why when reconciled).
pub async fn take_baseline(
    client: &GraphClient,
    store: &Store,
    owned: &OwnedSubscription,
    now: i64,
) -> Result<usize, CoreError> {
    let starts = match delta_starts(client, store, owned, now).await {
        Ok((starts, _)) => starts,
        Err(CoreError::Refused(_)) => return Ok(0),
        Err(error) => return Err(error),
    };
    let api = crate::subscriptions::request::api_for(
        studio_catalog::Catalog::get().ok(),
        &owned.resource,
    );
    for start in &starts {
        let round = client
            .delta(api, &start.url, None, 0)
            .await
            .map_err(|e| CoreError::graph(e, &studio_graph::HintContext::default()))?;
        store.put_baseline_link(&owned.id, &start.key, &round.delta_link, now)?;
    }
    tracing::info!(id = %owned.id, paths = starts.len(), "delta baseline taken");
    Ok(starts.len())
}

/// Takes a new subscription's baseline in the background (a large mailbox takes many pages; the
/// user need not wait). Without it, a later reconciliation reads everything and says so.
pub fn spawn_baseline(
    client: GraphClient,
    store: std::sync::Arc<Store>,
    owned: OwnedSubscription,
    now: i64,
) {
    tokio::spawn(async move {
        if let Err(error) = take_baseline(&client, &store, &owned, now).await {
            tracing::warn!(id = %owned.id, %error, "no delta baseline: a reconciliation will read everything");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_store::SubscriptionState;

    fn owned(id: &str, url: &str, created_at: &str) -> OwnedSubscription {
        OwnedSubscription {
            id: id.into(),
            account_id: "a".into(),
            resource: "me/messages".into(),
            change_type: "created".into(),
            client_state: "cs".into(),
            certificate_id: None,
            include_resource_data: false,
            notification_url: url.into(),
            lifecycle_url: None,
            expiration: "2026-11-30T00:00:00Z".into(),
            created_at: created_at.into(),
            state: SubscriptionState::Active,
            note: None,
            request: "{}".into(),
            tenant_id: None,
        }
    }

    #[test]
    fn a_sleep_opens_downtime_for_the_subscriptions_the_receiver_serves() {
        let store = Store::temporary().expect("store");
        let from = unix_of("2026-11-28T10:00:00Z");
        let to = from + 2 * 3_600;
        for s in [
            owned("webhook", "https://x/n", "2026-11-28T09:00:00Z"),
            owned(
                "hub",
                "EventHub:https://ns.servicebus.windows.net/eventhubname/h?tenantId=t",
                "2026-11-28T09:00:00Z",
            ),
            owned("later", "https://x/n", "2026-11-28T11:00:00Z"),
        ] {
            store.put_owned(&s).expect("kept");
        }
        let opened = after_sleep(&store, from, to).expect("gaps");
        assert_eq!(opened.len(), 1, "only the webhook made before the sleep");
        let gaps = store.gaps(None).expect("gaps");
        assert_eq!(gaps.len(), 1);
        let gap = &gaps[0];
        assert_eq!(
            (
                gap.subscription_id.as_str(),
                gap.cause.as_str(),
                gap.from,
                gap.to
            ),
            ("webhook", "downtime", from, to)
        );
        assert!(gap.detail.contains("slept"), "{}", gap.detail);
    }
}
