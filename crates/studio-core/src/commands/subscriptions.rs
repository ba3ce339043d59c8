//! The Subscriptions screen's commands: the account's subscriptions from Graph (renew, delete,
//! reauthorize), subscriptions created here (preflight first) and their upkeep, and the HTTP
//! exchange log behind every Graph call.

use serde::{Deserialize, Serialize};
use studio_graph::Exchange;
use studio_store::{OwnedSubscription, RenewalAction, RenewalEntry, SubscriptionState};
use ts_rs::TS;

use crate::error::CoreError;
use crate::studio::Studio;
use crate::subscriptions::create::{
    self, CreateSubscriptionRequest, CreatedSubscription, PreflightReport,
};
use crate::subscriptions::graph::{
    self, HttpLogRequest, SubscriptionRef, SubscriptionView, SubscriptionsRequest,
    SubscriptionsView,
};
use crate::subscriptions::trigger::{self, TriggerDone, TriggerPlan, TriggerRequest};
use crate::subscriptions::upkeep;

/// A subscription this app created, as the window shows it (its clientState and the recorded
/// request stay inside).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OwnedSubscriptionView {
    /// Graph's id.
    pub id: String,
    /// The account that created it.
    pub account_id: String,
    /// The resource path.
    pub resource: String,
    /// `created,updated`.
    pub change_type: String,
    /// The certificate registered for rich notifications.
    pub certificate_id: Option<String>,
    /// Whether notifications carry resource data.
    pub include_resource_data: bool,
    /// Where notifications go.
    pub notification_url: String,
    /// Where lifecycle notifications go.
    pub lifecycle_url: Option<String>,
    /// Current expiry (RFC 3339).
    pub expiration: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// Where it stands.
    pub state: SubscriptionState,
    /// What the user should know about the state.
    pub note: Option<String>,
}

impl From<OwnedSubscription> for OwnedSubscriptionView {
    fn from(s: OwnedSubscription) -> OwnedSubscriptionView {
        OwnedSubscriptionView {
            id: s.id,
            account_id: s.account_id,
            resource: s.resource,
            change_type: s.change_type,
            certificate_id: s.certificate_id,
            include_resource_data: s.include_resource_data,
            notification_url: s.notification_url,
            lifecycle_url: s.lifecycle_url,
            expiration: s.expiration,
            created_at: s.created_at,
            state: s.state,
            note: s.note,
        }
    }
}

/// One step of the upkeep, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RenewalView {
    /// The subscription.
    pub subscription_id: String,
    /// When (RFC 3339).
    pub at: String,
    /// What was done.
    pub action: RenewalAction,
    /// Whether it worked.
    pub ok: bool,
    /// Details (the new expiry, the error).
    pub detail: String,
}

impl From<RenewalEntry> for RenewalView {
    fn from(e: RenewalEntry) -> RenewalView {
        RenewalView {
            subscription_id: e.subscription_id,
            at: e.at,
            action: e.action,
            ok: e.ok,
            detail: e.detail,
        }
    }
}

/// `owned_subscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OwnedView {
    /// Subscriptions this app created, newest first.
    pub items: Vec<OwnedSubscriptionView>,
    /// The renewal history, newest first.
    pub history: Vec<RenewalView>,
}

impl Studio {
    /// `subscriptions_list`
    pub async fn subscriptions_list(
        &self,
        request: SubscriptionsRequest,
    ) -> Result<SubscriptionsView, CoreError> {
        graph::list(self.accounts(), &request).await
    }

    /// `subscription_renew`
    pub async fn subscription_renew(
        &self,
        request: SubscriptionRef,
    ) -> Result<SubscriptionView, CoreError> {
        graph::renew(self.accounts(), &request, self.clock().now_unix()).await
    }

    /// `subscription_delete`
    pub async fn subscription_delete(&self, request: SubscriptionRef) -> Result<(), CoreError> {
        graph::delete(self.accounts(), &request).await?;
        self.forget_owned(&request.id);
        Ok(())
    }

    /// `subscription_reauthorize`
    pub async fn subscription_reauthorize(
        &self,
        request: SubscriptionRef,
    ) -> Result<(), CoreError> {
        graph::reauthorize(self.accounts(), &request).await
    }

    /// `subscription_create`: starts receiving first if no process receives for the folder.
    pub async fn subscription_create(
        &self,
        request: CreateSubscriptionRequest,
    ) -> Result<CreatedSubscription, CoreError> {
        if self.receiving().endpoints().await.is_none()
            && self.receiving().receiving_elsewhere().is_none()
        {
            let started = self.receiver_start(()).await?;
            let account = self.accounts().account(request.account_id.as_deref())?;
            if let Some(problem) = started.tunnel_problem
                && !account.kind.sandbox()
            {
                let refusal = CoreError::unreachable(problem.message);
                return Err(match problem.hint {
                    Some(hint) => refusal.with_hint(hint),
                    None => refusal,
                });
            }
        }
        let created = create::create(
            self.accounts(),
            self.receiving(),
            self.certificates(),
            &request,
            self.clock().now_unix(),
        )
        .await?;
        if let Ok(Some(owned)) = self
            .store()
            .owned_one(&created.subscription.subscription.id)
            && let Ok((_, _, client)) = self.accounts().client(Some(&owned.account_id)).await
        {
            crate::gaps::spawn_baseline(
                client,
                std::sync::Arc::clone(self.store()),
                owned,
                self.clock().now_unix(),
            );
        }
        Ok(created)
    }

    /// `subscription_ledger`: every account's subscriptions together.
    pub async fn subscription_ledger(
        &self,
        (): (),
    ) -> Result<crate::subscriptions::ledger::LedgerView, CoreError> {
        crate::subscriptions::ledger::ledger(self.accounts(), self.receiving()).await
    }

    /// `trigger_plan`
    pub async fn trigger_plan(&self, request: TriggerRequest) -> Result<TriggerPlan, CoreError> {
        trigger::plan(self.accounts(), &request, self.clock().now_unix()).await
    }

    /// `trigger_change`
    pub async fn trigger_change(&self, request: TriggerRequest) -> Result<TriggerDone, CoreError> {
        trigger::run(self.accounts(), &request, self.clock().now_unix()).await
    }

    /// `subscription_preflight`: plays Graph's validation request against the receiver's URL.
    pub async fn subscription_preflight(&self, (): ()) -> Result<PreflightReport, CoreError> {
        let endpoints = self.receiving().endpoints().await.ok_or_else(|| {
            CoreError::refused("The receiver is not running.").with_hint("Start receiving first.")
        })?;
        create::preflight(&endpoints.for_graph().0).await
    }

    /// `owned_subscriptions`
    pub async fn owned_subscriptions(&self, (): ()) -> Result<OwnedView, CoreError> {
        let store = self.store();
        Ok(OwnedView {
            items: store.owned()?.into_iter().map(Into::into).collect(),
            history: store
                .renewals(None, 200)?
                .into_iter()
                .map(Into::into)
                .collect(),
        })
    }

    /// `subscriptions_upkeep`: renews what is due now (the upkeep does this every 30 s).
    pub async fn subscriptions_upkeep(&self, (): ()) -> Result<Vec<RenewalView>, CoreError> {
        // The process that receives for this data folder keeps its subscriptions; renewing here
        // as well would renew twice, and see its URLs as moved.
        if let Some(holder) = crate::receiving::holder::current(&self.paths().data_dir) {
            tracing::debug!(
                pid = holder.pid,
                "another process receives here and keeps the subscriptions"
            );
            return Ok(Vec::new());
        }
        Ok(
            upkeep::renew_due(&self.upkeep_context(), self.clock().now_unix())
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        )
    }

    /// `http_log_list`
    pub async fn http_log_list(&self, request: HttpLogRequest) -> Result<Vec<Exchange>, CoreError> {
        Ok(self.store().exchanges(
            request.account_id.as_deref(),
            request.limit.unwrap_or(200).min(5000),
        )?)
    }

    /// `http_log_clear`
    pub async fn http_log_clear(&self, (): ()) -> Result<(), CoreError> {
        self.store().clear_exchanges()?;
        self.events()
            .publish(crate::events::CoreEvent::HttpLogChanged);
        Ok(())
    }

    /// Marks a subscription the app created as deleted once Graph deleted it.
    fn forget_owned(&self, id: &str) {
        let store = self.store();
        if let Ok(Some(mut owned)) = store.owned_one(id) {
            owned.state = SubscriptionState::Deleted;
            let _ = store.put_owned(&owned);
            self.receiving().owned().reload();
            let _ = self.certificates().prune_retired();
        }
    }
}
