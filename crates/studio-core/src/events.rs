//! Core-to-window events.
//!
//! The core owns one broadcast channel. The desktop shell subscribes and forwards each event to
//! the window under [`EVENT_CHANNEL`]; the CLI and tests subscribe directly. A slow subscriber
//! loses the oldest events (its receiver is told how many), it never blocks the core; the shell
//! then sends the window [`CoreEvent::Resync`], so nothing shown stays stale.
//!
//! Every change the window shows is announced here by whoever made it (the reception writer, the
//! item checker, the accounts service, the HTTP log, the receiver), so the window never polls:
//! `ui/src/ipc/invalidation.ts` maps each event to the queries it makes stale, in one place.

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use ts_rs::TS;

use crate::settings::Settings;
use crate::status::StatusSnapshot;

/// Delivery health's states, as events carry them.
pub use studio_receiver::health::DeliveryState;

/// The name the shell emits events under; the window listens on it.
pub const EVENT_CHANNEL: &str = "studio://event";

/// The most reception ids one [`CoreEvent::ItemsChecked`] carries (the newest ones).
pub const CHECKED_IDS_SHOWN: usize = 256;

/// Something the window should know about without asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum CoreEvent {
    /// Settings were saved (by this window, another window or the CLI's process).
    SettingsChanged {
        /// The new settings.
        settings: Settings,
    },
    /// An account was added, removed, chosen or signed in again: refetch the accounts.
    AccountsChanged,
    /// The reception writer committed receptions (coalesced: at most about twenty a second).
    ReceptionsArrived {
        /// The newest reception's id.
        #[ts(type = "number")]
        newest_id: i64,
    },
    /// The items of stored notifications were checked and kept (coalesced like arrivals).
    ItemsChecked {
        /// The receptions whose items are now kept (the newest, at most 256).
        #[ts(type = "number[]")]
        reception_ids: Vec<i64>,
    },
    /// A Graph request was made and logged.
    HttpLogChanged,
    /// The receiver, the tunnel or the app's subscriptions changed: refetch them.
    ReceiverChanged,
    /// An Event Hubs connection was saved or removed, or a hub's reading started, stopped, failed
    /// or recovered: refetch the connections.
    EventHubsChanged,
    /// The receiver's delivery health moved from one state to another (a `ReceiverChanged`
    /// follows; the desktop shell shows a notification for the moves that matter).
    DeliveryChanged {
        /// Where it was.
        previous: DeliveryState,
        /// Where it is.
        state: DeliveryState,
    },
    /// Upkeep made a subscription again (Graph removed it, Graph forgot it, or the receiver's
    /// URL moved), or failed to: refetch the subscriptions and their health (`listen` prints it).
    SubscriptionRecreated {
        /// The subscription that was replaced.
        previous: String,
        /// Its replacement; absent when making it again failed.
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replacement: Option<String>,
        /// Why it was made again.
        reason: String,
        /// Why it could not be, when it failed.
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// The account, receiver or tunnel state changed.
    StatusChanged {
        /// The new state.
        status: StatusSnapshot,
    },
    /// Events were missed (the window fell behind during a burst): refetch everything shown.
    Resync,
    /// The start-up look for a new version found one.
    UpdateAvailable {
        /// What it offers.
        offer: crate::updates::UpdateOffer,
    },
}

/// The broadcast channel events travel on.
#[derive(Debug, Clone)]
pub struct EventBus {
    sender: broadcast::Sender<CoreEvent>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new(1024)
    }
}

impl EventBus {
    /// A bus that buffers up to `capacity` events per subscriber.
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        Self { sender }
    }

    /// Sends an event to every current subscriber; with none, it is dropped.
    pub fn publish(&self, event: CoreEvent) {
        // An error only means nobody is listening, which is fine.
        let _ = self.sender.send(event);
    }

    /// A new receiver that sees every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.sender.subscribe()
    }
}
