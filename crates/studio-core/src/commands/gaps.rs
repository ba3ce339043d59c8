//! The gap audit's commands: delivery health with each subscription's silence, the gaps, and
//! reconciling one (see `crate::gaps`).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use studio_catalog::Catalog;
use studio_receiver::health::DeliveryHealth;
use studio_store::Store;
use ts_rs::TS;

use crate::error::CoreError;
use crate::gaps::endpoints::{self, RecordedDelivery, TestedEndpoint};
use crate::gaps::reconcile::{self, Reconciliation};
use crate::gaps::silence::{self, SubscriptionHealth};
use crate::gaps::{GapCause, GapView};
use crate::studio::Studio;

/// `health`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HealthView {
    /// The receiver's acknowledgement times judged by Graph's rules (absent when it is not
    /// listening here).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryHealth>,
    /// The receiver another process runs (the window, or `webhook-studio listen`), as its
    /// heartbeat last recorded it; absent when this process receives or none is listening.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_elsewhere: Option<RecordedDelivery>,
    /// Every endpoint the conformance suite tested, with each kept run's judgement.
    pub tested: Vec<TestedEndpoint>,
    /// Every live subscription the app made.
    pub subscriptions: Vec<SubscriptionHealth>,
    /// Gaps not reconciled yet, newest first.
    pub open_gaps: Vec<GapView>,
}

/// Which gaps to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GapsRequest {
    /// Only this subscription's.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
}

/// One gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GapRef {
    /// Its id.
    #[ts(type = "number")]
    pub id: i64,
}

/// Where a file the user asked for went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum SavedFile {
    /// The file is written.
    Written {
        /// Where.
        path: String,
    },
    /// The user closed the save dialog: nothing was written.
    Cancelled,
}

/// Reconcile a subscription from a time (opens a gap the user asked for).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileSince {
    /// The subscription.
    pub subscription_id: String,
    /// Unix seconds.
    #[ts(type = "number")]
    pub since: i64,
}

fn gap_view(store: &Store, gap: studio_store::gaps::StoredGap) -> GapView {
    let resource = store
        .owned_one(&gap.subscription_id)
        .ok()
        .flatten()
        .map(|o| o.resource);
    GapView::of(gap, resource)
}

/// What `health` reads from the store: each live subscription's silence and the open gaps.
fn stored_health(
    store: &Store,
    now: i64,
) -> Result<(Vec<SubscriptionHealth>, Vec<GapView>), CoreError> {
    let catalog = Catalog::get().ok();
    let mut subscriptions = Vec::new();
    for owned in store.owned()? {
        if !owned.state.is_live() {
            continue;
        }
        let resource_id = catalog
            .and_then(|c| c.resolve(&owned.resource))
            .map(|r| r.resource_id);
        subscriptions.push(silence::of(store, &owned, resource_id.as_deref(), now)?);
    }
    let open_gaps = store
        .gaps(None)?
        .into_iter()
        .filter(|g| g.reconciled_at.is_none())
        .map(|g| gap_view(store, g))
        .collect();
    Ok((subscriptions, open_gaps))
}

impl Studio {
    /// `health`: delivery health, each live subscription's silence, the open gaps. The store is
    /// read on a blocking thread: with large notifications a subscription's recent arrivals take
    /// a while, and the runtime serves the receiver's connections meanwhile.
    pub async fn health(&self, (): ()) -> Result<HealthView, CoreError> {
        let now = self.clock().now_unix();
        let store = Arc::clone(self.store());
        let (subscriptions, open_gaps) =
            tokio::task::spawn_blocking(move || stored_health(&store, now)).await??;
        let delivery = self.receiving().delivery_health().await;
        let store = Arc::clone(self.store());
        let has_delivery = delivery.is_some();
        let (delivery_elsewhere, tested) = tokio::task::spawn_blocking(move || {
            let elsewhere = if has_delivery {
                None
            } else {
                endpoints::elsewhere(&store, now)?
            };
            Ok::<_, CoreError>((elsewhere, endpoints::tested(&store)?))
        })
        .await??;
        Ok(HealthView {
            delivery,
            delivery_elsewhere,
            tested,
            subscriptions,
            open_gaps,
        })
    }

    /// `gaps_list`: every kept gap, newest first.
    pub async fn gaps_list(&self, request: GapsRequest) -> Result<Vec<GapView>, CoreError> {
        // A subscription that was made again is asked about under its new id.
        let subscription = match &request.subscription_id {
            Some(id) => Some(self.store().current_subscription(id)?),
            None => None,
        };
        Ok(self
            .store()
            .gaps(subscription.as_deref())?
            .into_iter()
            .map(|g| gap_view(self.store(), g))
            .collect())
    }

    /// `gap_reconcile`: reads delta over the gap and compares it with what was notified.
    pub async fn gap_reconcile(&self, gap: GapRef) -> Result<Reconciliation, CoreError> {
        let now = self.clock().now_unix();
        let result = reconcile::run(self.accounts(), self.store(), gap.id, now).await?;
        // A subscription flagged `missed` is whole again once nothing is left to reconcile.
        if let Some(mut owned) = self.store().owned_one(&result.subscription_id)?
            && owned.state == studio_store::SubscriptionState::Missed
            && self.store().open_gap_count(&owned.id)? == 0
        {
            owned.state = studio_store::SubscriptionState::Active;
            owned.note = Some(format!(
                "Missed notifications reconciled {} ({} changed without a notification).",
                studio_primitives::clock::rfc3339(now),
                result.unnotified.len()
            ));
            self.store().put_owned(&owned)?;
            self.receiving().owned().reload();
        }
        self.events()
            .publish(crate::events::CoreEvent::ReceiverChanged);
        Ok(result)
    }

    /// `gap_reconciliation`: a gap's kept reconciliation.
    pub async fn gap_reconciliation(&self, gap: GapRef) -> Result<Reconciliation, CoreError> {
        let stored = self
            .store()
            .gap(gap.id)?
            .ok_or_else(|| CoreError::not_found(format!("There is no gap {}.", gap.id)))?;
        let kept = stored.reconciliation.ok_or_else(|| {
            CoreError::not_found(format!("Gap {} has not been reconciled yet.", gap.id))
                .with_hint("Reconcile it first.")
        })?;
        serde_json::from_value(kept)
            .map_err(|e| CoreError::internal(format!("a kept reconciliation is unreadable: {e}")))
    }

    /// `gap_reconciliation_save`: writes a gap's kept reconciliation as JSON where the user picks
    /// in the save dialog (the window names no path itself; the command line prints it with
    /// `reconcile --json`).
    pub async fn gap_reconciliation_save(&self, gap: GapRef) -> Result<SavedFile, CoreError> {
        let reconciliation = self.gap_reconciliation(gap.clone()).await?;
        let kind = crate::save_dialog::FileKind {
            name: "JSON",
            extension: "json",
        };
        let Some(chosen) = self
            .save_dialog()
            .ask(
                "Save the reconciliation",
                &format!("reconciliation-gap-{}.json", gap.id),
                &kind,
            )
            .await?
        else {
            return Ok(SavedFile::Cancelled);
        };
        let text = serde_json::to_string_pretty(&reconciliation).map_err(|e| {
            CoreError::internal(format!("a reconciliation could not be encoded: {e}"))
        })?;
        // Private to the user like an export: it names subjects, contacts and files.
        let chosen = crate::receiving::export::with_extension(chosen, kind.extension);
        let path = chosen.clone();
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            crate::paths::create_private_file(&path)?.write_all(text.as_bytes())
        })
        .await
        .map_err(|e| CoreError::internal(format!("the file was not written: {e}")))?
        .map_err(|e| {
            CoreError::refused(format!("{} could not be written: {e}", chosen.display()))
                .with_hint("Pick a folder you may write to.")
        })?;
        tracing::info!(path = %chosen.display(), gap = gap.id, "reconciliation saved");
        Ok(SavedFile::Written {
            path: chosen.display().to_string(),
        })
    }

    /// `reconcile_since`: opens a gap from `since` to now for a subscription and reconciles it.
    pub async fn reconcile_since(
        &self,
        mut request: ReconcileSince,
    ) -> Result<Reconciliation, CoreError> {
        // A subscription that was made again is reconciled under its new id.
        request.subscription_id = self
            .store()
            .current_subscription(&request.subscription_id)?;
        let now = self.clock().now_unix();
        if request.since > now {
            return Err(
                CoreError::refused("The time to reconcile from is in the future.")
                    .with_hint("Give a time in the past, e.g. --since 2026-11-28T09:00:00Z."),
            );
        }
        if self.store().owned_one(&request.subscription_id)?.is_none() {
            return Err(CoreError::not_found(format!(
                "Subscription {} is not one this app made.",
                request.subscription_id
            ))
            .with_hint("List them with `webhook-studio health`."));
        }
        let id = crate::gaps::open(
            self.store(),
            &request.subscription_id,
            GapCause::Asked,
            request.since,
            now,
            now,
            "Reconciliation asked for.",
        )
        .ok_or_else(|| CoreError::internal("the gap could not be recorded"))?;
        self.gap_reconcile(GapRef { id }).await
    }
}
