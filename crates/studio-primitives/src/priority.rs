//! Work nobody is waiting for runs at a lower thread priority, but one other programs cannot
//! starve.
//!
//! On a burst the receiver has three kinds of work: acknowledging (Graph waits for the 202),
//! checking what was stored, and showing it (`listen`'s output). Only the first has a deadline;
//! the others catch up afterwards. The check queue's checker and `listen`'s printer run lowered,
//! so the acknowledgements get most of the CPU while a burst lasts, and they still get their
//! share of it while other programs (a build on every core) keep the machine busy.
//!
//! Only a thread that holds nothing others wait for may be lowered: a lock held by a lowered
//! thread waits for the CPU with it. That is why the check queue's keeper, which takes the
//! store's write gate, is not lowered (with the whole queue lowered, the acknowledgements' tail
//! grew to hundreds of milliseconds; `docs/receiver.md`).
//!
//! - Linux: nice 10 (`nice`'s own default step). The scheduler shares the CPU by weight, so the
//!   lowered thread gets about a tenth of what a normal one does when both want it. Measured
//!   with `make bench` (busy machine): `SCHED_IDLE`, used before, gets nothing while any program
//!   keeps every core busy: 5,000 acknowledged POSTs were still unchecked after the benchmark's
//!   10 minutes of waiting (nice 10: checked in 8–12 s, 1.3–1.6 s on an idle machine).
//! - macOS and Windows: not lowered. Windows schedules strictly by priority (a thread below
//!   normal runs only when no normal one wants the CPU, with a rare boost against starvation),
//!   and how far macOS's lowest priorities fall behind a busy program is not measured here; on
//!   both, a burst's checks share the CPU with its acknowledgements.
//!
//! The `thread-priority` crate sets it. A thread cannot raise its priority back without
//! privileges, so only threads that do nothing else call this.

/// The `thread-priority` crate's value for nice 10 with the normal policy (its 0–99 scale
/// maps onto nice 19 to −20); the test reads the nice value back.
#[cfg(target_os = "linux")]
const NICE_10: u8 = 22;

/// Lowers the calling thread's scheduling priority where the platform still gives it a share of
/// a busy CPU (Linux; elsewhere it stays as it is). An error (a platform that refuses) leaves
/// the thread as it was: the caller logs it and goes on.
pub fn lower_this_thread() -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        let value = thread_priority::ThreadPriorityValue::try_from(NICE_10)?;
        thread_priority::set_thread_priority_and_policy(
            thread_priority::thread_native_id(),
            thread_priority::ThreadPriority::Crossplatform(value),
            thread_priority::ThreadSchedulePolicy::Normal(
                thread_priority::NormalThreadSchedulePolicy::Other,
            ),
        )
        .map_err(|error| format!("{error:?}"))
    }
    #[cfg(not(target_os = "linux"))]
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_thread_of_its_own_steps_aside_without_leaving_the_normal_policy() {
        let (lowered, policy, nice) = std::thread::spawn(|| {
            let lowered = super::lower_this_thread();
            #[cfg(target_os = "linux")]
            let policy = format!("{:?}", thread_priority::thread_schedule_policy());
            #[cfg(target_os = "linux")]
            // The 19th field of the thread's stat line, after the command in parentheses.
            let nice = std::fs::read_to_string("/proc/thread-self/stat")
                .ok()
                .and_then(|stat| {
                    let fields = stat.rsplit_once(')')?.1.split_whitespace().nth(16)?;
                    fields.parse::<i32>().ok()
                });
            #[cfg(not(target_os = "linux"))]
            let (policy, nice) = (String::new(), None::<i32>);
            (lowered, policy, nice)
        })
        .join()
        .unwrap_or_else(|_| (Err("the thread panicked".into()), String::new(), None));
        assert_eq!(lowered, Ok(()));
        #[cfg(target_os = "linux")]
        {
            assert_eq!(policy, "Ok(Normal(Other))");
            assert_eq!(nice, Some(10));
        }
        let _ = (policy, nice);
    }
}
