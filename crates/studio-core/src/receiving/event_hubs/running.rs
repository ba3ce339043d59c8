//! The hubs this process reads for the window: started and stopped by name, their state kept
//! for `event_hubs_list`, each change announced (`eventHubsChanged`) rather than polled.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::HubConnection;
use studio_primitives::kafka::BearerTokens;
use tokio::sync::watch;

use super::reading::{HubReadStatus, HubStart};
use crate::error::CoreError;
use crate::events::CoreEvent;
use crate::events::EventBus;
use crate::receiving::Receiving;

/// A connection as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HubConnectionView {
    /// The saved connection.
    pub connection: HubConnection,
    /// Read by this process now.
    pub reading: bool,
    /// The hub's partitions (while reading).
    pub partitions: Vec<i32>,
    /// Events stored since reading started.
    #[ts(type = "number")]
    pub stored: u64,
    /// The last failure, until the next success.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The least time between two announcements of a reader's growing count (a backlog read at
/// thousands of events a second refreshes the card once a second, not once a batch).
const COUNT_ANNOUNCED_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Announces a reader's failures and recoveries at once, and its stored count at most once a
/// second (the last count always, once the reading pauses).
async fn announce_status(mut status: watch::Receiver<HubReadStatus>, events: EventBus) {
    let mut problem: Option<String> = None;
    let mut announced = 0;
    let mut last = tokio::time::Instant::now();
    loop {
        let pending = status.borrow().stored != announced;
        let due = last + COUNT_ANNOUNCED_EVERY;
        tokio::select! {
            changed = status.changed() => {
                if changed.is_err() {
                    return;
                }
                let (now, stored) = {
                    let s = status.borrow_and_update();
                    (s.problem(), s.stored)
                };
                let count_due = stored != announced && last.elapsed() >= COUNT_ANNOUNCED_EVERY;
                if now != problem || count_due {
                    problem = now;
                    announced = stored;
                    last = tokio::time::Instant::now();
                    events.publish(CoreEvent::EventHubsChanged);
                }
            }
            () = tokio::time::sleep_until(due), if pending => {
                announced = status.borrow().stored;
                last = tokio::time::Instant::now();
                events.publish(CoreEvent::EventHubsChanged);
            }
        }
    }
}

impl Receiving {
    /// Every saved connection with its reading state.
    pub async fn hub_views(&self) -> Result<Vec<HubConnectionView>, CoreError> {
        let readers = self.hub_readers.lock().await;
        let stops = self.hub_stops();
        Ok(self
            .hub_connections()?
            .into_iter()
            .map(|connection| {
                let reader = readers.get(&connection.name);
                let status = reader
                    .map(|r| r.status.borrow().clone())
                    .unwrap_or_default();
                let problem = match reader {
                    Some(_) => status.problem(),
                    None => stops.get(&connection.name).cloned(),
                };
                HubConnectionView {
                    reading: reader.is_some(),
                    partitions: reader.map(|r| r.partitions.clone()).unwrap_or_default(),
                    stored: status.stored,
                    problem,
                    connection,
                }
            })
            .collect())
    }

    /// Why hubs stopped being read without being asked to.
    fn hub_stops(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeMap<String, String>> {
        // A panic elsewhere while holding it leaves a map that is still whole.
        self.hub_stops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts reading a connection's hub (again, from `start`, if it was being read).
    pub async fn start_hub_reading(
        &self,
        name: &str,
        start: HubStart,
        tokens: Option<BearerTokens>,
    ) -> Result<(), CoreError> {
        if let Some(earlier) = self.hub_readers.lock().await.remove(name) {
            earlier.stop().await;
        }
        let reader = self.read_hub(name, start, tokens).await?;
        self.hub_stops().remove(name);
        tokio::spawn(announce_status(reader.status.clone(), self.events.clone()));
        self.hub_readers
            .lock()
            .await
            .insert(name.to_owned(), reader);
        self.events.publish(CoreEvent::EventHubsChanged);
        Ok(())
    }

    /// Whether this process reads a connection's hub now.
    pub async fn is_reading_hub(&self, name: &str) -> bool {
        self.hub_readers.lock().await.contains_key(name)
    }

    /// Stops reading a connection's hub (where it got to is kept).
    pub async fn stop_hub_reading(&self, name: &str) {
        let reader = self.hub_readers.lock().await.remove(name);
        let mut changed = self.hub_stops().remove(name).is_some();
        if let Some(reader) = reader {
            reader.stop().await;
            changed = true;
        }
        if changed {
            self.events.publish(CoreEvent::EventHubsChanged);
        }
    }

    /// Says why a connection's hub is not read any more (its reading could not start again after
    /// the connection was saved: the earlier reader is gone), on its card until it is read again,
    /// saved again, stopped or removed. A reader started since (Read pressed meanwhile) is left
    /// reading, and nothing is said.
    pub async fn hub_not_read_since(&self, name: &str, problem: String) {
        if self.hub_readers.lock().await.contains_key(name) {
            return;
        }
        self.hub_stops().insert(name.to_owned(), problem);
        self.events.publish(CoreEvent::EventHubsChanged);
    }

    /// Forgets why a connection's hub stopped being read (it was saved again: the reason was
    /// about the connection as it was).
    pub fn forget_hub_stop(&self, name: &str) {
        if self.hub_stops().remove(name).is_some() {
            self.events.publish(CoreEvent::EventHubsChanged);
        }
    }

    /// Stops every hub read here (the app is closing).
    pub(crate) async fn stop_hub_readers(&self) {
        let readers = std::mem::take(&mut *self.hub_readers.lock().await);
        for (_, reader) in readers {
            reader.stop().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_without_a_problem_omits_it() {
        let view = HubConnectionView {
            connection: HubConnection {
                name: "n".into(),
                namespace: "ns.servicebus.windows.net".into(),
                hub: "h".into(),
                consumer_group: "$Default".into(),
                broker: None,
                tls: super::super::HubTls::System,
                sign_in: super::super::HubSignIn::ConnectionString,
            },
            reading: false,
            partitions: Vec::new(),
            stored: HubReadStatus::default().stored,
            problem: None,
        };
        let json = serde_json::to_value(&view).unwrap_or_default();
        assert!(json.get("problem").is_none(), "{json}");
        assert!(json["connection"].get("broker").is_none(), "{json}");
    }
}
