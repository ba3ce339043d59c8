//! Signing in to Microsoft identity and the sandbox tenant, keeping tokens fresh, and keeping
//! secrets in the OS keyring.
//!
//! Accounts are delegated (work or school, personal), app-only (client secret or certificate) or
//! the built-in sandbox. Delegated sign-in runs authorization code + PKCE in the system browser
//! with a loopback redirect, or the device-code flow; app-only runs client credentials with a
//! secret or a signed client assertion. Refresh tokens, client secrets and certificate keys live
//! only in a [`secrets::SecretStore`] (the OS keyring, or this session's memory when the user
//! opts in), always wrapped in [`Sensitive`].

pub mod account;
pub mod certificate;
pub mod claims;
pub mod error;
pub mod flows;
pub mod loopback;
pub mod openid;
pub mod sandbox;
pub mod secrets;
pub mod session;

pub use account::{AccountConfig, AccountKind, Cloud, Credential};
pub use error::IdentityError;
pub use studio_primitives::Sensitive;
