//! Stopping on the signals a terminal or a service manager sends: Ctrl-C (SIGINT) and, on Unix,
//! SIGTERM (`kill`, systemd, a container stopping), so either ends a long-running command the same
//! clean way: the listening period closed, the tunnel and the sandbox stopped, the last batch kept.

/// Resolves when the user or the system asks the command to stop.
pub async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handling at all: never resolve rather than stop at once.
        std::future::pending::<()>().await;
    }
}
