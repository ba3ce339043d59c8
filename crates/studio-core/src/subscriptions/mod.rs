//! Subscriptions: the account's own from Graph ([`graph`]), the ones created here after a
//! preflight ([`create`]), and keeping those alive ([`upkeep`]).

pub mod create;
pub mod graph;
pub mod upkeep;
