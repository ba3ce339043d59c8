//! `listen` while another process (usually the window) receives for the same data folder.
//!
//! Only one process receives per data folder (`studio_core::lease`). Rather than fail on the
//! busy port, `listen` then prints what that process receives, read from the shared store: it is
//! woken by writes to the database's files (the OS's file events, not a timer), reads what is
//! new and ready, and ends when the other process lets the folder go: a thread waits for the
//! folder's receiver lock, which the OS releases however that process ends.

#![allow(clippy::print_stdout, reason = "the CLI's output is its interface")]

use std::process::ExitCode;
use std::sync::Arc;

use serde_json::json;
use studio_core::receiving::changes::DatabaseChanges;
use studio_core::receiving::holder::{self, ReceiverHolder};
use studio_core::{CoreError, Studio};
use tokio::sync::oneshot;

use crate::listen::ListenArgs;
use crate::printer::{Printer, say};

/// Follows what `holder` receives until Ctrl-C or until it stops receiving.
pub async fn follow(
    studio: Arc<Studio>,
    holder: ReceiverHolder,
    args: &ListenArgs,
) -> Result<ExitCode, CoreError> {
    if let Some(option) = receiver_option(args) {
        return Err(CoreError::refused(format!(
            "{} (process {}) already receives for this data folder, so {option} cannot apply.",
            holder.process.label(),
            holder.pid
        ))
        .with_hint(
            "Leave the option out to follow what it receives, change it there, or pass --data-dir for a separate folder.",
        ));
    }
    let data_dir = studio.paths().data_dir.clone();
    // Watching starts before the first read, so nothing slips between.
    let mut changes = DatabaseChanges::watch(&data_dir).map_err(watch_failed)?;
    let (gone, mut stopped) = oneshot::channel();
    let folder = data_dir.clone();
    std::thread::Builder::new()
        .name("follow-holder".into())
        .spawn(move || {
            let _ = gone.send(holder::wait_until_stopped(&folder));
        })
        .map_err(|e| CoreError::internal(e.to_string()))?;

    // The note is another process's file: print it without control characters.
    let url: String = holder
        .notification_url
        .clone()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    // Before the first line: whoever reads it may signal at once.
    let stop = crate::signals::stop_requested();
    if args.json {
        say!(
            "{}",
            json!({"event": "following", "pid": holder.pid, "process": holder.process, "notificationUrl": url})
        );
    } else {
        say!(
            "{} (process {}) already receives for this data folder{}.",
            holder.process.label(),
            holder.pid,
            if url.is_empty() {
                String::new()
            } else {
                format!(" at {url}")
            }
        );
        say!("Following what it receives (Ctrl-C to stop)…");
    }
    let printed = studio.receiver_status(()).await?.newest_id;
    let printer = Printer::start(&studio, printed, args.json)?;
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            () = printer.output_gone() => break,
            woke = changes.changed() => {
                if !woke {
                    break;
                }
                printer.ready();
            }
            _ = &mut stopped => {
                // What it committed last is printed; now nothing more will come.
                printer.ready();
                printer.say(if args.json {
                    json!({"event": "stopped"}).to_string()
                } else {
                    "It stopped receiving. Run `webhook-studio listen` again to receive here.".to_owned()
                });
                printer.finish().await;
                return Ok(ExitCode::SUCCESS);
            }
        }
    }
    printer.stop().await;
    drop(changes);
    Ok(ExitCode::SUCCESS)
}

/// The first option that only a receiver of this process could honour.
fn receiver_option(args: &ListenArgs) -> Option<&'static str> {
    [
        (args.port.is_some(), "--port"),
        (args.tunnel.is_some(), "--tunnel"),
        (args.forward_to.is_some(), "--forward-to"),
        (args.subscribe.is_some(), "--subscribe"),
        (args.account.is_some(), "--account"),
    ]
    .into_iter()
    .find_map(|(given, name)| given.then_some(name))
}

fn watch_failed(error: notify::Error) -> CoreError {
    CoreError::unreachable(format!(
        "Another process receives for this data folder, and its changes cannot be watched: {error}."
    ))
    .with_hint("Stop the other process and run `webhook-studio listen` again, or pass --data-dir for a separate folder.")
}
