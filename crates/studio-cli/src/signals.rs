//! Stopping on the signals a terminal or a service manager sends: Ctrl-C (SIGINT) and, on Unix,
//! SIGTERM (`kill`, systemd, a container stopping), so either ends a long-running command the same
//! clean way: the listening period closed, the tunnel and the sandbox stopped, the last batch kept.
//!
//! The handlers are installed when [`stop_requested`] is called, not when its future is first
//! awaited: a command calls it before it prints that it is ready, so a signal sent by whoever read
//! that line is never the default (an exit without the clean stop).

use std::future::Future;

/// Installs the handlers now; the future resolves when the user or the system asks to stop.
pub fn stop_requested() -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        async move {
            match (interrupt, terminate) {
                (Some(mut interrupt), Some(mut terminate)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                }
                (Some(mut one), None) | (None, Some(mut one)) => {
                    one.recv().await;
                }
                (None, None) => std::future::pending::<()>().await,
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            if tokio::signal::ctrl_c().await.is_err() {
                // No signal handling at all: never resolve rather than stop at once.
                std::future::pending::<()>().await;
            }
        }
    }
}
