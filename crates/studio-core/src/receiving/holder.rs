//! Which process receives for the data folder (see [`crate::lease`]): the window, `listen` or
//! `mcp`, never two of them; its note says where it receives, so another process can create
//! subscriptions that point there.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::lease::{self, FolderLease};
use crate::options::ProcessKind;
use crate::receiving::Endpoints;

/// The lease's name (`receiver.lock`, `receiver.json`).
const LEASE: &str = "receiver";

/// The process that receives for a data folder, as its note says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiverHolder {
    /// Its process id.
    pub pid: u32,
    /// The window, `listen` or the MCP server.
    pub process: ProcessKind,
    /// Where Graph should deliver (public when there is a tunnel), once it listens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_url: Option<String>,
    /// Where Graph should send lifecycle notifications, once it listens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_url: Option<String>,
    /// Its URLs are a tunnel's, which Graph can reach (not this computer's loopback).
    #[serde(default)]
    pub public: bool,
}

/// Where another process receives, as a subscription made here should name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderUrls {
    /// `notificationUrl`.
    pub notification_url: String,
    /// `lifecycleNotificationUrl`.
    pub lifecycle_url: String,
    /// Graph can reach it (a tunnel's URL, not this computer's loopback).
    pub public: bool,
}

impl ReceiverHolder {
    /// The URLs it receives at, when it listens and its note is sound: http(s) only, nothing
    /// that could carry a header or a second line (the note is another process's file); public
    /// only when the holder says its URLs are a tunnel's and they are not loopback.
    pub fn urls(&self) -> Option<HolderUrls> {
        let sound = |text: &str| {
            let url = url::Url::parse(text).ok()?;
            let web = matches!(url.scheme(), "http" | "https") && url.host().is_some();
            (web && !text.chars().any(char::is_control)).then_some(url)
        };
        let notification = sound(self.notification_url.as_deref()?)?;
        let lifecycle = sound(self.lifecycle_url.as_deref()?)?;
        let loopback = |url: &url::Url| match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => true,
        };
        Some(HolderUrls {
            public: self.public && !loopback(&notification) && !loopback(&lifecycle),
            notification_url: notification.into(),
            lifecycle_url: lifecycle.into(),
        })
    }
}

/// The receiving process's lease, once taken (kept across receiver restarts).
#[derive(Debug, Default)]
pub struct HeldLease(std::sync::Mutex<Option<FolderLease>>);

impl HeldLease {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<FolderLease>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Makes this process the one that receives for `data_dir` (refused while another does).
    pub fn take(&self, data_dir: &Path, process: ProcessKind) -> Result<(), CoreError> {
        let mut slot = self.slot();
        if slot.is_none() {
            *slot = Some(take(data_dir, process)?);
        }
        Ok(())
    }

    /// Tells other processes where this one listens now (`None`: it holds the folder but its
    /// receiver is stopped). A note that cannot be written is only logged.
    pub fn announce(&self, process: ProcessKind, endpoints: Option<&Endpoints>) {
        if let Some(lease) = self.slot().as_ref()
            && let Err(error) = announce(lease, process, endpoints)
        {
            tracing::warn!(%error, "could not record where this process receives");
        }
    }

    /// Lets another process receive for the folder.
    pub fn release(&self) {
        drop(self.slot().take());
    }
}

/// Makes this process the one that receives for `data_dir`, or says who does.
pub fn take(data_dir: &Path, process: ProcessKind) -> Result<FolderLease, CoreError> {
    match FolderLease::take(data_dir, LEASE)? {
        Ok(lease) => {
            if let Err(error) = announce(&lease, process, None) {
                tracing::warn!(%error, "could not record which process receives");
            }
            Ok(lease)
        }
        Err(lease::HeldElsewhere) => Err(busy(lease::holder_note(data_dir, LEASE))),
    }
}

/// Records where this process listens (the URLs Graph should use), for other processes to read.
pub fn announce(
    lease: &FolderLease,
    process: ProcessKind,
    endpoints: Option<&Endpoints>,
) -> Result<(), CoreError> {
    let (notification_url, lifecycle_url) = endpoints.map(Endpoints::for_graph).unzip();
    lease.write_note(&ReceiverHolder {
        pid: std::process::id(),
        process,
        notification_url,
        lifecycle_url,
        public: endpoints.is_some_and(|e| e.public_notification_url.is_some()),
    })
}

/// Blocks until no process receives for `data_dir` (for a follower; on a thread of its own).
pub fn wait_until_stopped(data_dir: &Path) -> std::io::Result<()> {
    lease::wait_until_released(data_dir, LEASE)
}

/// Who receives for `data_dir` now, if another process does (this process's own lease is not
/// "another": the OS lock looks taken from a second handle of the same process too).
pub fn current(data_dir: &Path) -> Option<ReceiverHolder> {
    lease::holder_note::<ReceiverHolder>(data_dir, LEASE).filter(|h| h.pid != std::process::id())
}

fn busy(holder: Option<ReceiverHolder>) -> CoreError {
    let who = holder
        .as_ref()
        .map(|h| format!("{} (process {})", h.process.label(), h.pid))
        .unwrap_or_else(|| "Another Graph Webhook Studio process".to_owned());
    let at = holder
        .and_then(|h| h.notification_url)
        .map(|url| format!(" at {url}"))
        .unwrap_or_default();
    CoreError::refused(format!(
        "{who} already receives for this data folder{at}. Two receivers on one folder would check every notification twice."
    ))
    .with_hint(
        "Use that one (`webhook-studio listen` follows it when it runs), stop it first, or pass --data-dir for a separate folder.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_receiver_on_one_folder_is_refused_with_the_first_named() {
        let dir = tempfile::tempdir().expect("dir");
        let first = take(dir.path(), ProcessKind::Window).expect("first");
        let endpoints = Endpoints {
            local_notification_url: "http://127.0.0.1:1/s/n".into(),
            local_lifecycle_url: "http://127.0.0.1:1/s/l".into(),
            public_notification_url: Some("https://x.example/n".into()),
            public_lifecycle_url: Some("https://x.example/l".into()),
            tunnel: crate::settings::TunnelKind::Url,
            forward_to: None,
        };
        announce(&first, ProcessKind::Window, Some(&endpoints)).expect("note");
        // Held by this very process: not "another" one.
        assert!(current(dir.path()).is_none());
        assert!(lease::held_elsewhere(dir.path(), LEASE));
        let refused = take(dir.path(), ProcessKind::Cli)
            .expect_err("refused")
            .to_string();
        assert!(refused.contains("window"), "{refused}");
        assert!(refused.contains("https://x.example/n"), "{refused}");
        drop(first);
        assert!(current(dir.path()).is_none());
    }

    #[test]
    fn a_holders_urls_are_used_only_when_sound() {
        let holder = |n: &str, l: &str| ReceiverHolder {
            pid: 1,
            process: ProcessKind::Window,
            notification_url: Some(n.into()),
            lifecycle_url: Some(l.into()),
            public: true,
        };
        let local = holder("http://127.0.0.1:1/s/n", "http://127.0.0.1:1/s/l").urls();
        assert_eq!(local.map(|d| d.public), Some(false));
        let public = holder("https://a.example/s/n", "https://a.example/s/l").urls();
        assert_eq!(public.map(|d| d.public), Some(true));
        // A holder without a tunnel is not public, whatever its URLs look like.
        let not_a_tunnel = ReceiverHolder {
            public: false,
            ..holder("https://a.example/s/n", "https://a.example/s/l")
        };
        assert_eq!(not_a_tunnel.urls().map(|d| d.public), Some(false));
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "not a url",
            "http://a\r\nX: y",
        ] {
            assert!(holder(bad, "https://a.example/l").urls().is_none(), "{bad}");
        }
        let stopped = ReceiverHolder {
            notification_url: None,
            lifecycle_url: None,
            ..holder("https://a.example/n", "https://a.example/l")
        };
        assert!(stopped.urls().is_none());
    }
}
