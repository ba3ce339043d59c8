//! Delivery health, live: how the receiver's acknowledgements of the last 10 minutes look by
//! Graph's rules (`studio_receiver::health`), for the status bar and `receiver_status`. A change
//! of state is announced as the receiver changing, so the window refetches without polling; the
//! meter is aged when its oldest answer leaves the window or a drop spell ends, so a quiet spell
//! is announced too.

use std::sync::Arc;
use std::time::Duration;

use studio_primitives::Clock;
use studio_receiver::health::{AckMeter, DeliveryHealth};

use super::Receiving;
use crate::events::{CoreEvent, EventBus};

/// The least time between two announcements (a state flickering at a threshold under load would
/// otherwise make the window refetch for every answer).
const SETTLE: Duration = Duration::from_secs(1);

impl Receiving {
    /// The receiver's delivery health now, when it runs in this process (computed after the
    /// receiver's lock is let go).
    pub async fn delivery_health(&self) -> Option<DeliveryHealth> {
        let meter = self
            .listening
            .lock()
            .await
            .as_ref()
            .map(|l| Arc::clone(l.receiver.delivery()))?;
        Some(meter.health(self.clock.now_unix()))
    }
}

/// Publishes `ReceiverChanged` when the delivery state moves, at most once per [`SETTLE`], and
/// ages the meter when its state may change without an answer.
pub(super) async fn announce_delivery(
    events: EventBus,
    meter: Arc<AckMeter>,
    clock: Arc<dyn Clock>,
) {
    let mut states = meter.watch();
    let mut previous = *states.borrow();
    loop {
        let wait = meter
            .next_change()
            .map_or(3_600, |at| (at - clock.now_unix()).clamp(1, 3_600));
        tokio::select! {
            changed = states.changed() => {
                if changed.is_err() {
                    return;
                }
                let state = *states.borrow_and_update();
                tracing::info!(?state, "delivery health");
                if state != previous {
                    events.publish(CoreEvent::DeliveryChanged { previous, state });
                    previous = state;
                }
                events.publish(CoreEvent::ReceiverChanged);
                tokio::time::sleep(SETTLE).await;
            }
            () = tokio::time::sleep(Duration::from_secs(u64::try_from(wait).unwrap_or(1))) => {
                meter.refresh(clock.now_unix());
            }
        }
    }
}
