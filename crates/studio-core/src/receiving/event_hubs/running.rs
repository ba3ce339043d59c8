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

/// Why hubs are not read any more without having been asked to stop, by connection name, and
/// each connection's turn: a save, a stop or a removal starts a new one, so a restart that fails
/// after any of them says nothing about a connection that has moved on.
#[derive(Debug, Default)]
pub(crate) struct HubStops {
    problems: std::collections::BTreeMap<String, String>,
    turns: std::collections::BTreeMap<String, u64>,
}

impl HubStops {
    /// Starts a new turn for `name`, forgetting its problem; answers whether it had one.
    fn next_turn(&mut self, name: &str) -> bool {
        *self.turns.entry(name.to_owned()).or_default() += 1;
        self.problems.remove(name).is_some()
    }

    fn turn(&self, name: &str) -> u64 {
        self.turns.get(name).copied().unwrap_or_default()
    }
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
                    None => stops.problems.get(&connection.name).cloned(),
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
    fn hub_stops(&self) -> std::sync::MutexGuard<'_, HubStops> {
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
        self.hub_stops().problems.remove(name);
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
        let had_problem = self.hub_stops().next_turn(name);
        if !self.end_hub_reader(name).await && had_problem {
            self.events.publish(CoreEvent::EventHubsChanged);
        }
    }

    /// Stops the reader of a connection's hub, if one runs (announced); answers whether one did.
    pub(crate) async fn end_hub_reader(&self, name: &str) -> bool {
        let Some(reader) = self.hub_readers.lock().await.remove(name) else {
            return false;
        };
        reader.stop().await;
        self.events.publish(CoreEvent::EventHubsChanged);
        true
    }

    /// Says why a connection's hub is not read any more (its reading could not start again after
    /// the connection was saved: the earlier reader is gone), on its card until it is read again,
    /// saved again, stopped or removed. Nothing is said if the connection moved on since `turn`
    /// (saved again, stopped, removed) or a reader was started meanwhile (Read pressed).
    pub async fn hub_not_read_since(&self, name: &str, turn: u64, problem: String) {
        let readers = self.hub_readers.lock().await;
        let mut stops = self.hub_stops();
        if readers.contains_key(name) || stops.turn(name) != turn {
            return;
        }
        stops.problems.insert(name.to_owned(), problem);
        drop((stops, readers));
        self.events.publish(CoreEvent::EventHubsChanged);
    }

    /// Starts a new turn for a connection that was saved again, forgetting why its hub stopped
    /// being read (the reason was about the connection as it was); answers the turn. The save
    /// announces the change.
    pub fn hub_saved(&self, name: &str) -> u64 {
        let mut stops = self.hub_stops();
        stops.next_turn(name);
        stops.turn(name)
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
