//! Tracing set-up: a daily rolling file in the app's log folder, plus stderr.
//!
//! The GUI logs `info` to both; the CLI keeps stderr quiet (`warn`) because its stdout and stderr
//! belong to the user. `WEBHOOK_STUDIO_LOG` takes an `EnvFilter` directive to change the level.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, fmt};

/// The environment variable holding a log filter, e.g. `debug` or `studio_core=trace`.
pub const LOG_FILTER_ENV: &str = crate::environment::LOG_FILTER;

/// Who is logging: it decides how loud stderr is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogMode {
    /// The desktop app.
    Gui,
    /// A CLI subcommand.
    Cli,
}

/// Keeps the background log writer alive; drop it last so buffered lines reach the file.
#[derive(Debug)]
pub struct LogGuard {
    _file: Option<WorkerGuard>,
}

/// Installs the global subscriber. Calling it twice leaves the first in place.
pub fn init(log_dir: &Path, mode: LogMode) -> LogGuard {
    let file_filter =
        || EnvFilter::try_from_env(LOG_FILTER_ENV).unwrap_or_else(|_| EnvFilter::new("info"));
    // The Kafka client warns at every retry of a broker it cannot reach; the app reports that
    // failure itself, once, with a hint.
    let stderr_level = match mode {
        LogMode::Gui => "info,rskafka=error",
        LogMode::Cli => "warn,rskafka=error",
    };
    let stderr_filter =
        EnvFilter::try_from_env(LOG_FILTER_ENV).unwrap_or_else(|_| EnvFilter::new(stderr_level));
    // Colours only for a person at a terminal: an MCP client or CI keeps stderr as a log.
    let stderr_layer = fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .with_filter(stderr_filter);

    let (file_layer, guard, file_error) = match open_rolling_file(log_dir) {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_filter(file_filter());
            (Some(layer), Some(guard), None)
        }
        Err(error) => (None, None, Some(error)),
    };

    let installed = tracing_subscriber::registry()
        .with(stderr_layer)
        .with(file_layer)
        .try_init()
        .is_ok();
    if let (true, Some(error)) = (installed, file_error) {
        tracing::warn!(%error, dir = %log_dir.display(), "logging to stderr only");
    }
    LogGuard { _file: guard }
}

fn open_rolling_file(log_dir: &Path) -> Result<RollingFileAppender, String> {
    std::fs::create_dir_all(log_dir).map_err(|e| e.to_string())?;
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("webhook-studio")
        .filename_suffix("log")
        .max_log_files(14)
        .build(log_dir)
        .map_err(|e| e.to_string())
}
