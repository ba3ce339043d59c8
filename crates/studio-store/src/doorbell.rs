//! How the store's worker threads (the check queue, the checkpointer) are woken: rung after a
//! commit, waited on by the worker, and stopped for good when the worker's owner goes. Rings
//! while the worker is busy add up to one more look, never a backlog of wake-ups.

use std::sync::{Arc, Condvar, Mutex};

#[derive(Debug, Default)]
struct Flags {
    rung: bool,
    stopped: bool,
}

/// A worker's doorbell (cheap to clone: every clone rings the same one).
#[derive(Debug, Clone, Default)]
pub(crate) struct Doorbell(Arc<(Mutex<Flags>, Condvar)>);

impl Doorbell {
    /// A doorbell already rung: its worker looks once as soon as it starts.
    pub(crate) fn rung() -> Doorbell {
        let bell = Doorbell::default();
        bell.ring();
        bell
    }

    /// Something was committed: the worker should look.
    pub(crate) fn ring(&self) {
        self.update(|flags| flags.rung = true);
    }

    /// The worker's owner is gone: `wait` answers `false` from now on.
    pub(crate) fn stop(&self) {
        self.update(|flags| flags.stopped = true);
    }

    /// Whether the owner stopped the worker (it should end its work between two steps).
    pub(crate) fn stopped(&self) -> bool {
        self.0.0.lock().map_or(true, |flags| flags.stopped)
    }

    /// Waits to be rung; `false` once stopped.
    pub(crate) fn wait(&self) -> bool {
        let (lock, ready) = &*self.0;
        let Ok(mut flags) = lock.lock() else {
            return false;
        };
        while !flags.rung && !flags.stopped {
            flags = match ready.wait(flags) {
                Ok(flags) => flags,
                Err(_) => return false,
            };
        }
        flags.rung = false;
        !flags.stopped
    }

    fn update(&self, change: impl FnOnce(&mut Flags)) {
        let (lock, ready) = &*self.0;
        if let Ok(mut flags) = lock.lock() {
            change(&mut flags);
            ready.notify_one();
        }
    }
}
