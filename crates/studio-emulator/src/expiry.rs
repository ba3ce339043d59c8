//! Time-driven lifecycle: `reauthorizationRequired` shortly before a subscription expires, and
//! removal at expiry, both by the emulator clock (so `POST /_emulator/clock` drives them).

use std::sync::Arc;
use std::time::Duration;

use crate::delivery::deliver;
use crate::server::Shared;

/// `reauthorizationRequired` goes out this long before expiry.
pub const REAUTHORIZE_BEFORE_SECONDS: i64 = 10 * 60;
/// How often the clock is checked (real time).
pub const TICK: Duration = Duration::from_millis(200);

/// One pass: removes expired subscriptions; announces the ones about to expire.
pub fn tick(shared: &Arc<Shared>) {
    let now = shared.clock.now();
    let mut due = Vec::new();
    if let Ok(mut subs) = shared.subscriptions.lock() {
        subs.retain(|s| s.expires_at > now);
        for s in subs.iter_mut() {
            if !s.reauthorization_sent && s.expires_at - now <= REAUTHORIZE_BEFORE_SECONDS {
                s.reauthorization_sent = true;
                if let Some(url) = s.lifecycle_notification_url.clone() {
                    due.push((url, s.clone()));
                }
            }
        }
    }
    for (url, subscription) in due {
        let body =
            crate::delivery::lifecycle_body(shared, &subscription, "reauthorizationRequired");
        let shared = Arc::clone(shared);
        let ids = vec![subscription.id];
        tokio::spawn(async move { deliver(&shared, "lifecycle", &url, ids, body).await });
    }
}

/// Runs [`tick`] until the emulator stops.
pub async fn run(shared: Arc<Shared>) {
    let mut interval = tokio::time::interval(TICK);
    loop {
        interval.tick().await;
        tick(&shared);
    }
}
