//! `webhook-studio`: the desktop app and, with a subcommand, the headless CLI.
//!
//! The command line is parsed before anything graphical starts, so `--version`, `--help` and
//! every subcommand run without a display and never initialise GTK. On Windows a release build
//! opens no console window and still prints in a terminal ([`console`]).

#![cfg_attr(all(windows, not(debug_assertions)), windows_subsystem = "windows")]

mod console;
mod desktop_notifier;
#[cfg(any(target_os = "linux", target_os = "macos", windows))]
mod save_dialog;
mod updates;
mod window;

use std::process::ExitCode;

use clap::Parser;
use studio_cli::Cli;
use studio_cli::logging::{self, LogMode};

#[allow(
    clippy::print_stderr,
    reason = "no logger exists yet when the folders cannot be found"
)]
fn main() -> ExitCode {
    let borrowed_console = console::attach_to_terminal();
    studio_cli::environment::private_files();
    let cli = Cli::parse();
    let paths = match cli.paths() {
        Ok(paths) => paths,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mode = if cli.command.is_some() {
        LogMode::Cli
    } else {
        LogMode::Gui
    };
    let _log_guard = logging::init(&paths.log_dir, mode);
    let mut options = studio_cli::environment::options();
    match &cli.command {
        Some(command) => studio_cli::run(&cli, command, options),
        None => {
            if borrowed_console {
                console::detach();
            }
            options.process = studio_core::ProcessKind::Window;
            window::run(paths, options)
        }
    }
}
