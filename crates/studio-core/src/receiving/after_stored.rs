//! What runs after each stored notification, once Graph has its 202: the items are checked and
//! kept (or the reason there are none), lifecycle events become signals for the upkeep, a copy
//! is forwarded, and the announcer hears that the reception is checked.

use std::sync::Arc;

use studio_receiver::ReceptionKind;
use studio_receiver::checks::{AfterCommit, Bytes};
use studio_store::CheckAndKeep;
use tokio::sync::mpsc;

use super::LifecycleSignal;
use super::announcements::Announcer;
use super::forward::Forwarder;

/// The app's [`AfterCommit`].
pub(crate) struct AfterStored {
    pub(crate) keep: CheckAndKeep,
    pub(crate) signals: mpsc::UnboundedSender<LifecycleSignal>,
    pub(crate) forwarder: Arc<Forwarder>,
    pub(crate) announcer: Announcer,
    pub(crate) runtime: tokio::runtime::Handle,
}

impl AfterCommit for AfterStored {
    fn stored(&self, id: i64, kind: ReceptionKind, body: Bytes) {
        if self.forwarder.target().is_some() {
            let forwarder = Arc::clone(&self.forwarder);
            let body = body.clone();
            self.runtime
                .spawn(async move { forwarder.forward(id, body.to_vec()).await });
        }
        let items = self.keep.check_and_keep(id, &body);
        self.announcer.checked(id);
        if kind == ReceptionKind::Lifecycle {
            for item in items {
                if let (Some(subscription_id), Some(event)) =
                    (item.subscription_id, item.lifecycle_event)
                {
                    let _ = self.signals.send(LifecycleSignal {
                        subscription_id,
                        event,
                    });
                }
            }
        }
    }
}
