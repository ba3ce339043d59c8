//! The Microsoft Graph client: subscriptions, the look-ups that fill resource placeholders,
//! Graph's errors with fixes, throttling with `Retry-After`, and the HTTP exchange log.
//!
//! One [`GraphClient`] per account: it asks the account's session for a token on every call, so
//! refreshes are invisible; every base URL comes from the account's cloud, so the sandbox tenant
//! and tests plug in as a custom cloud.

pub mod client;
pub mod delta;
pub mod error;
pub mod log;
pub mod lookups;
pub mod subscriptions;

pub use client::{GraphClient, GraphResponse, RetryPolicy, Sleeper, TokenSource};
pub use delta::{DeltaChange, DeltaRound};
pub use error::{GraphError, HintContext};
pub use log::{Exchange, ExchangeLog, MemoryLog};
pub use lookups::{LookupItem, LookupKind};
pub use subscriptions::{NewSubscription, Subscription};
