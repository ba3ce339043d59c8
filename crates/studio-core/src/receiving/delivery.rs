//! Delivery health, live: how the receiver's acknowledgements of the last 10 minutes look by
//! Graph's rules (`studio_receiver::health`), for the status bar and `receiver_status`; a change
//! of state is announced as the receiver changing, so the window refetches without polling.

use studio_receiver::health::{DeliveryHealth, DeliveryState};
use tokio::sync::watch;

use super::Receiving;
use crate::events::{CoreEvent, EventBus};

impl Receiving {
    /// The receiver's delivery health now, when it runs in this process.
    pub async fn delivery_health(&self) -> Option<DeliveryHealth> {
        let now = self.clock.now_unix();
        self.listening
            .lock()
            .await
            .as_ref()
            .map(|l| l.receiver.delivery().health(now))
    }
}

/// Publishes `ReceiverChanged` whenever the delivery state moves (healthy → at risk → …).
pub(super) async fn announce_delivery(
    events: EventBus,
    mut states: watch::Receiver<DeliveryState>,
) {
    while states.changed().await.is_ok() {
        let state = *states.borrow_and_update();
        tracing::info!(?state, "delivery health");
        events.publish(CoreEvent::ReceiverChanged);
    }
}
