//! What the store's own tests share.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use studio_receiver::{NewReception, ReceptionKind};

use crate::Store;
use crate::inspect::ReceptionQuery;

/// A notification POST with `body`, acknowledged (202), so it waits for its checks once stored.
pub(crate) fn acknowledged(body: impl Into<Vec<u8>>) -> NewReception {
    NewReception {
        received_at: "2026-11-29T00:00:00.000Z".into(),
        kind: ReceptionKind::Notification,
        method: "POST".into(),
        path: "/s/notifications".into(),
        query: String::new(),
        headers: vec![],
        body: body.into(),
        peer: "127.0.0.1:1".into(),
        status: 202,
        reason: None,
    }
}

/// The ids of the receptions a search for `text` lists, newest first (at most 10).
pub(crate) fn searched(store: &Store, text: &str) -> Vec<i64> {
    store
        .reception_summaries(&ReceptionQuery {
            text: Some(text.into()),
            limit: 10,
            ..ReceptionQuery::default()
        })
        .expect("search")
        .iter()
        .map(|s| s.id)
        .collect()
}

/// A thread per core spinning at normal priority until dropped: a build on every core.
pub(crate) struct BusyCores {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl BusyCores {
    pub(crate) fn start() -> BusyCores {
        let stop = Arc::new(AtomicBool::new(false));
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let threads = (0..cores)
            .map(|_| {
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    let mut n = 0_u64;
                    while !stop.load(Ordering::Relaxed) {
                        n = std::hint::black_box(n.wrapping_add(1));
                    }
                })
            })
            .collect();
        BusyCores { stop, threads }
    }
}

impl Drop for BusyCores {
    fn drop(&mut self) {
        // Also when the test fails: spinning on, they would starve the tests after it.
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}
