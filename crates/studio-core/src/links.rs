//! Opening documentation links in the user's browser, safely.
//!
//! The window never navigates away from the app and has no shell access. It asks the core to
//! open a link; the core opens only `https://` links on an allowlist of Microsoft documentation
//! and sign-in hosts, so nothing arriving at the receiver can be turned into a launched URL.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::CoreError;

/// Hosts whose links the app opens.
pub const ALLOWED_HOSTS: &[&str] = &[
    "learn.microsoft.com",
    "login.microsoftonline.com",
    "entra.microsoft.com",
    "portal.azure.com",
];

/// Something that can show a URL to the user: the system browser, or a recorder in tests.
pub trait LinkOpener: Send + Sync + std::fmt::Debug {
    /// Opens the URL, returning once the request was handed to the OS.
    fn open(&self, url: &str) -> std::io::Result<()>;
}

/// The OS's default browser.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemLinks;

impl LinkOpener for SystemLinks {
    fn open(&self, url: &str) -> std::io::Result<()> {
        open::that_detached(url)
    }
}

/// `open_link` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OpenLinkRequest {
    /// The link to open.
    pub url: String,
}

/// Checks a link against the allowlist; answers the normalized URL.
pub fn allowed_link(text: &str) -> Result<String, CoreError> {
    let refuse = |why: &str| {
        CoreError::refused(format!("The app does not open this link: {why}.")).with_hint(format!(
            "Only https links on {} open from the app.",
            ALLOWED_HOSTS.join(", ")
        ))
    };
    let url = url::Url::parse(text.trim()).map_err(|_| refuse("it is not a URL"))?;
    if url.scheme() != "https" {
        return Err(refuse("it is not https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("it carries credentials"));
    }
    match url.host_str() {
        Some(host) if ALLOWED_HOSTS.contains(&host) => Ok(url.to_string()),
        _ => Err(refuse(
            "its host is not a Microsoft documentation or sign-in host",
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::error::{ErrorCode, IpcError};
    use crate::paths::AppPaths;
    use crate::studio::Studio;

    #[derive(Debug, Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl LinkOpener for Recorder {
        fn open(&self, url: &str) -> std::io::Result<()> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .push(url.to_owned());
            Ok(())
        }
    }

    #[test]
    fn only_allowed_https_hosts_pass() {
        assert!(allowed_link("https://learn.microsoft.com/graph/api/resources/message").is_ok());
        for bad in [
            "http://learn.microsoft.com/x",
            "https://learn.microsoft.com.evil.example/x",
            "https://user:pw@learn.microsoft.com/x",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "learn.microsoft.com/x",
            "",
        ] {
            let error = allowed_link(bad).err().map(IpcError::from);
            assert_eq!(
                error.map(|e| e.code),
                Some(ErrorCode::InvalidInput),
                "{bad}"
            );
        }
    }

    #[tokio::test]
    async fn open_link_hands_allowed_links_to_the_opener() {
        let dir = tempfile::tempdir().expect("temp dir");
        let recorder = Arc::new(Recorder::default());
        let studio = Studio::builder(AppPaths::under(dir.path()))
            .link_opener(recorder.clone())
            .open()
            .expect("studio");
        studio
            .open_link(OpenLinkRequest {
                url: "https://learn.microsoft.com/graph/webhooks".into(),
            })
            .await
            .expect("opens");
        assert!(
            studio
                .open_link(OpenLinkRequest {
                    url: "https://example.com".into()
                })
                .await
                .is_err()
        );
        let opened = recorder.0.lock().expect("lock").clone();
        assert_eq!(opened, ["https://learn.microsoft.com/graph/webhooks"]);
    }
}
