//! Graph Webhook Studio's core: the app's state, use-cases and typed command surface.
//!
//! Nothing here depends on tauri. The desktop shell (`src-tauri`) forwards the window's calls to
//! [`Studio::dispatch`] and [`Studio::events`] to the window; the CLI ([`cli`]) and the tests call
//! the same `Studio` directly. See `docs/architecture.md` for the whole picture.

pub mod account_commands;
pub mod accounts;
pub mod bindings;
pub mod cli;
pub mod cli_accounts;
pub mod cli_catalog;
pub mod cli_listen;
pub mod clock;
pub mod commands;
pub mod error;
pub mod events;
pub mod explorer;
pub mod links;
pub mod logging;
pub mod paths;
pub mod pipeline;
pub mod pipeline_commands;
pub mod settings;
pub mod status;
pub mod studio;
pub mod subscriptions;

pub use error::{CoreError, ErrorCode, IpcError};
pub use events::{CoreEvent, EVENT_CHANNEL, EventBus};
pub use paths::AppPaths;
pub use studio::{PRODUCT_NAME, Studio};
