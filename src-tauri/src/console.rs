//! Windows: one binary that is both the desktop app and the `webhook-studio` command.
//!
//! A release build is a GUI program (`windows_subsystem = "windows"` in `main.rs`), so opening it
//! from the Start menu shows no console window. A GUI program started from a terminal has no
//! console of its own, so before anything prints it attaches to the console of the process that
//! started it, if there is one: `webhook-studio --version` and every subcommand print in that
//! terminal. Output redirected to a file or pipe needs nothing (the handles are inherited). The
//! one difference from a console program: cmd.exe does not wait for a GUI program, so its prompt
//! may come back before the output ends (`start /wait webhook-studio …` waits). See
//! docs/architecture.md.

/// Attaches to the starting terminal's console, if a GUI-subsystem build was started from one
/// (Windows; nothing elsewhere). Answers whether it did.
#[cfg(windows)]
#[allow(
    unsafe_code,
    reason = "one Win32 call that takes a process id and touches no memory of ours"
)]
pub fn attach_to_terminal() -> bool {
    use windows_sys::Win32::System::Console::{ATTACH_PARENT_PROCESS, AttachConsole};
    // SAFETY: AttachConsole reads no pointer; it fails harmlessly (answers 0) when there is no
    // parent console or this process already has one (a console-subsystem debug build).
    let attached = unsafe { AttachConsole(ATTACH_PARENT_PROCESS) } != 0;
    if attached {
        studio_cli::environment::console_shared_with_shell();
    }
    attached
}

/// Attaches to the starting terminal's console (Windows; nothing elsewhere).
#[cfg(not(windows))]
pub fn attach_to_terminal() -> bool {
    false
}

/// Lets go of a borrowed console, so the terminal's Ctrl-C or closing cannot end the window.
#[cfg(windows)]
#[allow(unsafe_code, reason = "one Win32 call without arguments")]
pub fn detach() {
    // SAFETY: FreeConsole takes nothing and only detaches this process from its console.
    let _ = unsafe { windows_sys::Win32::System::Console::FreeConsole() };
}

/// Lets go of a borrowed console (Windows; nothing elsewhere).
#[cfg(not(windows))]
pub fn detach() {}
