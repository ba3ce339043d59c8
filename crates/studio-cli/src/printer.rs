//! `listen`'s output, printed on a thread of its own, lowered on Linux.
//!
//! Printing a burst costs as much CPU as acknowledging it: every reception is read back with its
//! items and formatted. Done on the async runtime, each read was a hop to a blocking thread and
//! each line a write to the terminal, and the two cores went to printing while Graph waited for
//! 202s. Here one thread reads the store directly a page at a time, writes each page at once,
//! and on Linux runs ten nice steps lower (`studio_primitives::priority`): under a burst it
//! falls behind and catches up afterwards, in order (its position is the last printed
//! id, and the store keeps everything). It reads through a connection of its own, so at that
//! priority it never holds one another thread needs. Ctrl-C stops it after the line it is
//! writing: a backlog not printed yet stays in the store (the window and `receptions` show it).
//!
//! Everything `listen` says after its first lines goes through here, so a notice such as a
//! recreation is printed in order with the receptions around it. When nobody reads the output
//! any more (`listen | head`), the printer says so and the command stops as on Ctrl-C; the lines
//! written before it ([`say!`]) never panic on a closed pipe as `println!` does.

/// `println!` for the long-running commands: a reader that went away is not a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}
pub(crate) use say;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};

use studio_core::{CoreError, Studio};

use crate::reception_lines::{Printed, print_ready};

/// What the printer is asked to do, in order.
enum Job {
    /// Print the receptions that are ready.
    Ready,
    /// Print this line (after whatever was asked before it).
    Say(String),
}

/// The printer's handle (see the module documentation).
pub(crate) struct Printer {
    jobs: mpsc::Sender<Job>,
    /// A `Ready` is queued and not yet started: more arrivals need no second one.
    ready_queued: Arc<AtomicBool>,
    /// Stop at once, leaving the rest unprinted (Ctrl-C).
    stopped: Arc<AtomicBool>,
    /// Told once the output is gone (a closed pipe: `listen | head`).
    gone: Arc<tokio::sync::Notify>,
    thread: std::thread::JoinHandle<()>,
}

impl Printer {
    /// Starts printing what arrives after reception `after`, as text or JSON lines.
    pub(crate) fn start(studio: &Studio, after: i64, json: bool) -> Result<Printer, CoreError> {
        let (jobs, queue) = mpsc::channel();
        let ready_queued = Arc::new(AtomicBool::new(false));
        let stopped = Arc::new(AtomicBool::new(false));
        let gone = Arc::new(tokio::sync::Notify::new());
        let output_gone = Arc::clone(&gone);
        // Its own connection: lowered, it must not hold the one others share.
        let store = studio.store().own_connection().map_err(|error| {
            CoreError::internal(format!("the printer could not start: {error}"))
        })?;
        let clock = studio.shared_clock();
        let (queued, halt) = (Arc::clone(&ready_queued), Arc::clone(&stopped));
        let thread = std::thread::Builder::new()
            .name("listen-output".into())
            .spawn(move || {
                if let Err(error) = studio_primitives::priority::lower_this_thread() {
                    tracing::debug!(%error, "the printer keeps its priority");
                }
                let is_stopped = || halt.load(Ordering::Relaxed);
                let mut last = after;
                for job in queue {
                    if is_stopped() {
                        return;
                    }
                    let printed = match job {
                        Job::Ready => {
                            queued.store(false, Ordering::SeqCst);
                            print_ready(&store, clock.as_ref(), last, json, &is_stopped)
                        }
                        Job::Say(line) => write_line(&line, last),
                    };
                    match printed {
                        Printed::UpTo(id) => last = id,
                        Printed::Closed => {
                            // `notify_one` keeps the news for a command not waiting yet.
                            output_gone.notify_one();
                            return;
                        }
                    }
                }
            })
            .map_err(|error| {
                CoreError::internal(format!("the printer could not start: {error}"))
            })?;
        Ok(Printer {
            jobs,
            ready_queued,
            stopped,
            gone,
            thread,
        })
    }

    /// Something was stored or checked: print what is ready (never blocks).
    pub(crate) fn ready(&self) {
        if !self.ready_queued.swap(true, Ordering::SeqCst) {
            let _ = self.jobs.send(Job::Ready);
        }
    }

    /// Prints `line` once everything asked before it is printed.
    pub(crate) fn say(&self, line: String) {
        let _ = self.jobs.send(Job::Say(line));
    }

    /// Resolves once nobody reads the output any more: the command then stops as on Ctrl-C.
    pub(crate) async fn output_gone(&self) {
        self.gone.notified().await;
    }

    /// Prints everything asked so far, then ends.
    pub(crate) async fn finish(self) {
        drop(self.jobs);
        let thread = self.thread;
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }

    /// Ends after the line it is writing; what is not printed yet stays unprinted.
    pub(crate) async fn stop(self) {
        self.stopped.store(true, Ordering::Relaxed);
        self.finish().await;
    }
}

fn write_line(line: &str, last: i64) -> Printed {
    use std::io::Write;
    match writeln!(std::io::stdout().lock(), "{line}") {
        Ok(()) => Printed::UpTo(last),
        Err(_) => Printed::Closed,
    }
}
