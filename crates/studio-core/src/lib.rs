//! Graph Webhook Studio's core: the app's state, use-cases and typed command surface.
//!
//! Nothing here depends on tauri, and nothing here reads the environment. The desktop shell
//! (`src-tauri`) forwards the window's calls to [`Studio::dispatch`] and [`Studio::events`] to the
//! window; the CLI (`studio-cli`) and the tests call the same `Studio`. See
//! `docs/architecture.md` for the whole picture.
//!
//! - [`commands`]: the command surface, declared once, one file per area the user sees.
//! - [`accounts`], [`subscriptions`], [`receiving`], [`certificates`]: the services behind them.
//! - [`studio`], [`options`], [`paths`], [`settings`], [`events`], [`error`]: how it is assembled
//!   and what crosses its edges.

pub mod accounts;
pub mod certificates;
pub mod commands;
pub mod error;
pub mod events;
pub mod gaps;
pub mod http_log;
pub mod lease;
pub mod links;
pub mod notices;
pub mod options;
pub mod paths;
pub mod receiving;
pub mod save_dialog;
pub mod settings;
pub mod status;
pub mod studio;
pub mod subscriptions;
pub mod updates;

pub use commands::{COMMAND_NAMES, commands_interface, visit_command_types};
pub use error::{CoreError, ErrorCode, IpcError};
pub use events::{CoreEvent, EVENT_CHANNEL, EventBus};
pub use options::{FirstStart, Options, ProcessKind};
pub use paths::AppPaths;
pub use studio::{PRODUCT_NAME, Studio, StudioBuilder};
