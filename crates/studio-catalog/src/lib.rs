//! The catalog of subscribable Microsoft Graph resources and the rules that check a subscription.
//!
//! Microsoft's knowledge of "what can I subscribe to, with which permission, for how long" is
//! spread over several pages that disagree by version. This crate holds it as one versioned data
//! file (`data/catalog.toml`, embedded, validated by tests) plus pure functions:
//! [`Catalog::resolve`] matches a concrete resource string to a catalog path, [`hints`] turns an
//! account's granted permissions into what is missing, and [`validate`] lists every problem of a
//! proposed subscription with its fix. Pure data and logic: no I/O, no clock.

pub mod catalog;
pub mod catching_up;
pub mod hints;
pub mod model;
pub mod preview;
pub mod targets;
pub mod template;
pub mod validate;

pub use catalog::{Catalog, CatalogError, Resolved};
pub use model::{AccountKind, ApiVersion, ChangeType, Resource, ResourcePath};
