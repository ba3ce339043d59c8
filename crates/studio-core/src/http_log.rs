//! The HTTP exchange log behind every Graph call: the Graph client hands each exchange
//! (Authorization already redacted) to [`HttpLog`], which keeps it in the store and tells the
//! window, so the log on the Subscriptions screen updates without polling.

use std::sync::Arc;

use studio_graph::{Exchange, ExchangeLog};
use studio_store::Store;

use crate::events::{CoreEvent, EventBus};

/// The store as the Graph client's exchange log.
#[derive(Debug, Clone)]
pub struct HttpLog {
    store: Arc<Store>,
    events: EventBus,
}

impl HttpLog {
    /// Keeps exchanges in `store`, announces each on `events`.
    pub fn new(store: Arc<Store>, events: EventBus) -> HttpLog {
        HttpLog { store, events }
    }
}

impl ExchangeLog for HttpLog {
    fn record(&self, exchange: Exchange) {
        match self.store.record_exchange(
            &exchange.id,
            &exchange.account_id,
            &exchange.at,
            &exchange,
        ) {
            Ok(()) => self.events.publish(CoreEvent::HttpLogChanged),
            Err(error) => tracing::warn!(%error, "cannot keep an HTTP exchange"),
        }
    }
}
