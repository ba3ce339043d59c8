//! What happens once a notification's items are checked and kept (told by the store's check
//! queue, on its keeper's thread): the window hears of it, trusted lifecycle events become signals for the
//! upkeep, and a copy is queued for forwarding.
//!
//! A lifecycle event is trusted only when its clientState matches the subscription's and the
//! POST's validation tokens, if it carried any, are valid. Anything else is recorded in the
//! subscription's history as ignored, and never acted on: anyone who learns the lifecycle URL
//! could otherwise make the app delete, recreate or reauthorize subscriptions.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use studio_primitives::Clock;
use studio_receiver::{
    CheckedItem, ClientStateVerdict, LifecycleEvent, ReceptionKind, TokenVerdict,
};
use studio_store::checking::CheckListener;
use studio_store::{RenewalAction, RenewalEntry, Store};
use tokio::sync::mpsc;

use super::LifecycleSignal;
use super::announcements::Announcer;
use super::forward::Forwarder;
use super::owned::OwnedSubscriptions;

/// The app's [`CheckListener`].
pub(crate) struct Checked {
    pub(crate) store: Arc<Store>,
    pub(crate) owned: Arc<OwnedSubscriptions>,
    pub(crate) signals: mpsc::UnboundedSender<LifecycleSignal>,
    pub(crate) forwarder: Arc<Forwarder>,
    pub(crate) announcer: Announcer,
    pub(crate) clock: Arc<dyn Clock>,
}

/// Why a lifecycle item is not acted on, if it is not.
pub(crate) fn distrust(item: &CheckedItem) -> Option<String> {
    if item.client_state != ClientStateVerdict::Matches {
        return Some(format!(
            "its clientState {}",
            match item.client_state {
                ClientStateVerdict::Differs => "differs from the subscription's",
                ClientStateVerdict::Missing => "is missing",
                ClientStateVerdict::UnknownSubscription | ClientStateVerdict::Matches =>
                    "cannot be checked",
            }
        ));
    }
    match &item.tokens {
        None | Some(TokenVerdict::Valid { .. }) => None,
        Some(TokenVerdict::Invalid { reason }) => {
            Some(format!("its validation tokens are invalid ({reason})"))
        }
        Some(TokenVerdict::NotChecked { reason }) => Some(format!(
            "its validation tokens could not be checked ({reason})"
        )),
        Some(TokenVerdict::Missing) => Some("its validation tokens are missing".into()),
    }
}

impl CheckListener for Checked {
    fn checked(&self, id: i64, kind: ReceptionKind, lifecycle: Vec<CheckedItem>) {
        self.announcer.checked(id);
        if self.forwarder.target().is_some() {
            self.forwarder.enqueue(id);
        }
        if kind != ReceptionKind::Lifecycle {
            return;
        }
        // One POST may repeat an event thousands of times: each (subscription, event) is
        // signalled or recorded once per reception, in one write, whatever the count.
        let mut trusted = BTreeSet::new();
        let mut ignored: BTreeMap<(String, LifecycleEvent), (String, usize)> = BTreeMap::new();
        for item in lifecycle {
            let (Some(subscription_id), Some(event)) =
                (item.subscription_id.clone(), item.lifecycle_event)
            else {
                continue;
            };
            match distrust(&item) {
                None => {
                    trusted.insert((subscription_id, event));
                }
                Some(why) if self.owned.get(&subscription_id).is_some() => {
                    ignored
                        .entry((subscription_id, event))
                        .or_insert((why, 0))
                        .1 += 1;
                }
                Some(_) => {}
            }
        }
        for (subscription_id, event) in trusted {
            let _ = self.signals.send(LifecycleSignal {
                subscription_id,
                event,
            });
        }
        if ignored.is_empty() {
            return;
        }
        tracing::warn!(
            reception = id,
            events = ignored.len(),
            "lifecycle notifications were not acted on"
        );
        let at = self.clock.now_rfc3339();
        let entries: Vec<RenewalEntry> = ignored
            .into_iter()
            .map(|((subscription_id, event), (why, count))| RenewalEntry {
                subscription_id,
                at: at.clone(),
                action: RenewalAction::Ignored,
                ok: false,
                detail: if count == 1 {
                    format!(
                        "{} from reception #{id} not acted on: {why}",
                        event.as_str()
                    )
                } else {
                    format!(
                        "{} ×{count} from reception #{id} not acted on: {why}",
                        event.as_str()
                    )
                },
            })
            .collect();
        if let Err(error) = self.store.record_renewals(&entries) {
            tracing::warn!(%error, "the renewal history could not be written");
        }
    }
}
