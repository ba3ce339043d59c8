//! When the receiver was listening, as the store remembers it: a period opens at each start,
//! closes at each stop, and a heartbeat moves its end forward while it runs, so downtime is found
//! after a crash as well as after a clean stop (`crate::gaps`). A computer that sleeps while the
//! app runs is not seen yet: the heartbeat simply resumes.

use std::sync::Arc;
use std::time::Duration;

use studio_primitives::Clock;
use studio_store::Store;

/// How often a running receiver records that it still listens.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// Records, every [`HEARTBEAT`], that the period is still going (ends when aborted).
pub(super) async fn heartbeat(store: Arc<Store>, period: i64, clock: Arc<dyn Clock>) {
    let mut ticks = tokio::time::interval(HEARTBEAT);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let store = Arc::clone(&store);
        let now = clock.now_unix();
        let written = tokio::task::spawn_blocking(move || store.listening_alive(period, now)).await;
        if !matches!(written, Ok(Ok(()))) {
            tracing::warn!("the listening heartbeat was not recorded");
        }
    }
}
