//! Subscriptions: the account's own from Graph ([`graph`]), the ones created here after a
//! preflight ([`create`]) from the one request builder the preview uses too ([`request`]), keeping those alive ([`upkeep`]), and making the change one watches
//! happen ([`trigger`], with the real-tenant writes in [`safe_writes`]).

pub mod create;
pub mod graph;
pub mod ledger;
pub mod request;
pub mod safe_writes;
pub mod trigger;
pub mod upkeep;
