//! The sandbox tenant: an offline emulator of Microsoft identity and Graph change notifications.
//!
//! No machine of ours can reach Microsoft, and many users cannot experiment in a production
//! tenant. The emulator answers like `login.microsoftonline.com` and `graph.microsoft.com` for
//! what the app uses, on one loopback port, with a deterministic seeded tenant. It powers the
//! app's sandbox account, the tests, and users' own CI (`graph-emulator --port 0`).
//!
//! See `docs/emulator.md` for what it reproduces and the source of each rule.

pub mod assertion;
pub mod bodies;
pub mod busy;
pub mod caller;
pub mod clock;
pub mod consent;
pub mod control;
pub mod delegated;
pub mod delivery;
pub mod device;
pub mod event_hubs;
pub mod expiry;
pub mod grants;
pub mod handshake;
pub mod identity;
pub mod issuing;
pub mod keys;
pub mod payloads;
pub mod persist;
pub mod rich;
mod router;
pub mod server;
pub mod subscription;
pub mod subscription_rules;
pub mod subscriptions;
pub mod tenant;
pub mod throttle;
pub mod workloads;

pub use server::{EmulatorConfig, ReadyInfo, RunningEmulator, start};

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The listen address is not loopback; the emulator never listens beyond this machine.
    #[error("the emulator listens on loopback addresses only, not {0}")]
    NotLoopback(std::net::SocketAddr),
    /// The port is taken or not allowed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Generating or using the signing key failed.
    #[error("signing key: {0}")]
    Key(String),
    /// The `--data` file cannot be read.
    #[error("data file: {0}")]
    Data(String),
}
