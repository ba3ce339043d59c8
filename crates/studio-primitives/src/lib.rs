//! The leaf every Graph Webhook Studio crate may depend on: small primitives with no opinion about
//! the app.
//!
//! - [`Sensitive`]: a secret that cannot be printed, serialized or logged by accident.
//! - [`clock`]: time as a dependency ([`Clock`]), and RFC 3339 the way Graph writes it.
//! - [`ids`]: random identifiers (GUIDs, hex path segments).
//! - [`priority`] (feature `priority`): a thread nobody waits for (`listen`'s printer) steps
//!   aside for the ones somebody does.
//! - [`shell`]: words quoted for a POSIX shell (the "copy as curl" commands).
//! - [`http`] (feature `http`): the one place an HTTP client is built, with a timeout, a redirect
//!   policy and TLS declared; it fails loudly instead of falling back to a client without them.
//! - [`kafka`] (feature `kafka`): Event Hubs connection strings, and the one place a Kafka client
//!   is built, with TLS, SASL and a deadline, its failures sorted into what a user can fix.
//!
//! Nothing here depends on another crate of the workspace; `cargo xtask layering` (and its test,
//! run by `cargo test --workspace`) keeps it that way.

pub mod clock;
#[cfg(feature = "http")]
pub mod http;
pub mod ids;
#[cfg(feature = "kafka")]
pub mod kafka;
#[cfg(feature = "priority")]
pub mod priority;
pub mod sensitive;
pub mod shell;

pub use clock::{Clock, SystemClock};
pub use sensitive::Sensitive;
