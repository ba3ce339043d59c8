//! Work nobody is waiting for runs at the operating system's lowest thread priority.
//!
//! On a burst the receiver has three kinds of work: acknowledging (Graph waits for the 202),
//! checking what was stored, and showing it (`listen`'s output). Only the first has a deadline;
//! the others catch up afterwards. The check queue's checker and `listen`'s printer run at the
//! lowest priority: they get the CPU whenever no acknowledgement wants it, and all of it once the
//! burst ends (the scheduler hands idle time to them at once, nothing waits on a timer).
//!
//! Only a thread that holds nothing others wait for may be lowered: a lock held at this priority
//! is held for as long as other programs keep the CPU busy. That is why the check queue's keeper,
//! which takes the store's write gate, is not lowered (with the whole queue lowered, the
//! acknowledgements' tail grew to hundreds of milliseconds; `docs/receiver.md`).
//!
//! - Linux: `SCHED_IDLE`. A CPU that runs only `SCHED_IDLE` threads counts as idle, so a waking
//!   acknowledgement thread takes it at once (a nice value of 19 was measured to leave it waiting).
//! - macOS: the lowest pthread priority; Windows: `THREAD_PRIORITY_LOWEST`.
//!
//! The `thread-priority` crate speaks each. A thread cannot raise its priority back without
//! privileges, so only threads that do nothing else call this.

use thread_priority::ThreadPriority;

/// Lowers the calling thread's scheduling priority to the lowest the platform allows without
/// privileges. An error (a platform that refuses) leaves the thread as it was: the caller logs it
/// and goes on, slower under load but correct.
pub fn lower_this_thread() -> Result<(), String> {
    #[cfg(target_os = "linux")]
    let lowered = thread_priority::set_thread_priority_and_policy(
        thread_priority::thread_native_id(),
        ThreadPriority::Min,
        thread_priority::ThreadSchedulePolicy::Normal(
            thread_priority::NormalThreadSchedulePolicy::Idle,
        ),
    );
    #[cfg(not(target_os = "linux"))]
    let lowered = ThreadPriority::Min.set_for_current();
    lowered.map_err(|error| format!("{error:?}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_thread_of_its_own_can_step_aside() {
        let (lowered, policy) = std::thread::spawn(|| {
            let lowered = super::lower_this_thread();
            #[cfg(target_os = "linux")]
            let policy = format!("{:?}", thread_priority::thread_schedule_policy());
            #[cfg(not(target_os = "linux"))]
            let policy = String::new();
            (lowered, policy)
        })
        .join()
        .unwrap_or_else(|_| (Err("the thread panicked".into()), String::new()));
        assert_eq!(lowered, Ok(()));
        #[cfg(target_os = "linux")]
        assert_eq!(policy, "Ok(Normal(Idle))");
        let _ = policy;
    }
}
