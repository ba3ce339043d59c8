//! Work nobody is waiting for runs at a lower thread priority, but one other programs cannot
//! starve.
//!
//! On a burst the receiver has three kinds of work: acknowledging (Graph waits for the 202),
//! checking what was stored, and showing it (`listen`'s output). Only the first has a deadline;
//! the others catch up afterwards. The check queue's checker and `listen`'s printer run lowered,
//! so the acknowledgements get most of the CPU while a burst lasts, and they still get a share of
//! it while other programs (a build on every core) keep the machine busy.
//!
//! Only a thread that holds nothing others wait for may be lowered: a lock held by a lowered
//! thread waits for the CPU with it. That is why the check queue's keeper, which takes the
//! store's write gate, is not lowered (with the whole queue lowered, the acknowledgements' tail
//! grew to hundreds of milliseconds; `docs/receiver.md`).
//!
//! - Linux: ten nice steps below the thread that starts it (as `nice` does by default; at most
//!   19).
//!   The scheduler shares a CPU by weight among the threads of one scheduling group, so the
//!   lowered thread gets about a tenth of what a normal one does when both want it. `SCHED_IDLE`,
//!   used before, gets nothing while anything keeps every core busy: checks and `listen`'s output
//!   stopped for as long as a build ran (figures in `docs/receiver.md`, "Checks on a busy
//!   machine").
//! - macOS and Windows: not lowered. Windows runs a lower priority only when no normal thread
//!   wants the CPU (with a rare boost against starvation), and how far macOS's lower priorities
//!   fall behind a busy program is not measured here; on both, a burst's checks share the CPU
//!   with its acknowledgements.
//!
//! A thread cannot raise its priority back without privileges, so only threads that do nothing
//! else call this.

/// How many nice steps a lowered thread goes down.
#[cfg(target_os = "linux")]
const STEPS: i32 = 10;

/// The weakest nice value Linux has.
#[cfg(target_os = "linux")]
const WEAKEST: i32 = 19;

/// Lowers the calling thread's scheduling priority where the platform still gives it a share of
/// a busy CPU (Linux; elsewhere it stays as it is). An error leaves the thread as it was: the
/// caller logs it and goes on.
pub fn lower_this_thread() -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        // Linux keeps a nice value per thread: `PRIO_PROCESS` with a thread's id is that thread.
        let this = Some(rustix::thread::gettid());
        let now = rustix::process::getpriority_process(this).map_err(|e| e.to_string())?;
        rustix::process::setpriority_process(this, (now + STEPS).min(WEAKEST))
            .map_err(|e| e.to_string())
    }
    #[cfg(not(target_os = "linux"))]
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The nice value of the calling thread, read from `/proc` (not through the code under test).
    #[cfg(target_os = "linux")]
    fn nice_here() -> Option<i32> {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
        // The 19th field, counting the fields after the command in parentheses from the 3rd.
        let after_command = stat.rsplit_once(')')?.1;
        after_command.split_whitespace().nth(16)?.parse().ok()
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_thread_of_its_own_steps_ten_down_and_only_itself() {
        let before = nice_here();
        let (lowered, after) = std::thread::spawn(|| (super::lower_this_thread(), nice_here()))
            .join()
            .unwrap_or_else(|_| (Err("the thread panicked".into()), None));
        assert_eq!(lowered, Ok(()));
        let before = before.expect("a nice value");
        assert_eq!(after, Some((before + 10).min(19)));
        assert_eq!(
            nice_here(),
            Some(before),
            "the calling thread is left as it was"
        );
    }

    #[test]
    #[cfg(not(target_os = "linux"))]
    fn elsewhere_nothing_changes() {
        assert_eq!(super::lower_this_thread(), Ok(()));
    }
}
