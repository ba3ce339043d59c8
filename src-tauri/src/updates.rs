//! Updates through Tauri's updater plugin: a manifest (`latest.json`) that the release workflow
//! publishes, and artifacts signed with the project's key (minisign). The plugin verifies the
//! signature against the public key built into the app before anything is installed; a
//! download that does not match is refused.
//!
//! Where the manifest lives and the public key come from `plugins.updater` in the Tauri config,
//! which the release workflow fills in; a build from source has neither and says so. Tests point
//! the app at a local server and a test key with `WEBHOOK_STUDIO_UPDATE_URL` and
//! `WEBHOOK_STUDIO_UPDATE_PUBKEY` (both or neither), honoured only for a server on this computer
//! (`localhost`, `127.0.0.1`, `[::1]`): a variable set somewhere cannot send the app to a
//! download server elsewhere. (Whoever can set this process's environment can run code as the
//! user anyway; the restriction keeps a stray setting from becoming a remote source.)

use std::sync::{Mutex, OnceLock};

use studio_core::CoreError;
use studio_core::updates::{UpdateCheck, UpdateFuture, UpdateOffer, UpdateReady, Updater};
use tauri::AppHandle;
use tauri_plugin_updater::{Update, UpdaterExt};

/// The manifest URL for tests (with [`PUBKEY_VARIABLE`]).
pub const URL_VARIABLE: &str = "WEBHOOK_STUDIO_UPDATE_URL";
/// The public key for tests: what `tauri signer generate` writes to `*.key.pub`.
pub const PUBKEY_VARIABLE: &str = "WEBHOOK_STUDIO_UPDATE_PUBKEY";
/// The longest release notes shown (the manifest comes from outside).
const NOTES_CHARS: usize = 20_000;

/// Where updates come from when the environment says (tests).
#[derive(Debug, Clone)]
pub struct UpdateSource {
    url: tauri::Url,
    pubkey: String,
}

impl UpdateSource {
    /// The source the environment gives, if it gives both parts.
    pub fn from_environment() -> Option<UpdateSource> {
        let url = std::env::var(URL_VARIABLE).ok()?;
        let pubkey = std::env::var(PUBKEY_VARIABLE).ok()?;
        let url = tauri::Url::parse(url.trim()).ok()?;
        let local = match url.host() {
            Some(url::Host::Domain(name)) => name == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        if !local {
            tracing::warn!(%url, "{URL_VARIABLE} is not on this computer: ignored");
            return None;
        }
        Some(UpdateSource {
            url,
            pubkey: pubkey.trim().to_owned(),
        })
    }
}

/// The window's updater; the app handle arrives once Tauri has started.
#[derive(Default)]
pub struct ShellUpdater {
    handle: OnceLock<AppHandle>,
    source: Option<UpdateSource>,
    offered: Mutex<Option<Update>>,
    downloaded: Mutex<Option<(Update, Vec<u8>)>>,
}

impl std::fmt::Debug for ShellUpdater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShellUpdater")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl ShellUpdater {
    /// An updater reading `source` if given, else the Tauri config.
    pub fn new(source: Option<UpdateSource>) -> ShellUpdater {
        ShellUpdater {
            source,
            ..ShellUpdater::default()
        }
    }

    /// Called from Tauri's setup.
    pub fn attach(&self, handle: AppHandle) {
        let _ = self.handle.set(handle);
    }

    fn handle(&self) -> Result<&AppHandle, CoreError> {
        self.handle
            .get()
            .ok_or_else(|| CoreError::internal("the updater was used before the window started"))
    }

    async fn look(&self) -> Result<UpdateCheck, CoreError> {
        let handle = self.handle()?;
        // A new look replaces whatever an earlier one offered or downloaded.
        *lock(&self.downloaded) = None;
        let mut builder = handle.updater_builder();
        match &self.source {
            Some(source) => {
                builder = builder
                    .pubkey(source.pubkey.clone())
                    .endpoints(vec![source.url.clone()])
                    .map_err(failed("The update address is not usable"))?;
            }
            None => {
                if let Some(reason) = unconfigured(handle) {
                    return Ok(UpdateCheck::NotConfigured { reason });
                }
            }
        }
        let updater = builder
            .build()
            .map_err(failed("The updater could not start"))?;
        let found = updater.check().await.map_err(|error| match error {
            tauri_plugin_updater::Error::TargetNotFound(_)
            | tauri_plugin_updater::Error::TargetsNotFound(_) => CoreError::not_found(format!(
                "The newest release has no package for this installation ({error})."
            ))
            .with_hint("Download the new version from the release page, or update it with the package manager that installed it."),
            other => failed("The update manifest could not be read")(other),
        })?;
        let current = handle.package_info().version.to_string();
        let Some(update) = found else {
            return Ok(UpdateCheck::UpToDate { current });
        };
        let offer = UpdateOffer {
            current,
            version: update.version.clone(),
            published: update.date.and_then(|d| {
                d.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            }),
            notes: update
                .body
                .as_deref()
                .unwrap_or_default()
                .chars()
                .take(NOTES_CHARS)
                .collect(),
        };
        *lock(&self.offered) = Some(update);
        Ok(UpdateCheck::Available { offer })
    }

    async fn fetch(&self) -> Result<UpdateReady, CoreError> {
        let update = lock(&self.offered).clone().ok_or_else(|| {
            CoreError::refused("No new version was found yet.")
                .with_hint("Check for updates first.")
        })?;
        // The plugin verifies the signature against the app's public key before answering.
        *lock(&self.downloaded) = None;
        let bytes = update
            .download(|_, _| {}, || {})
            .await
            .map_err(|error| match error {
                tauri_plugin_updater::Error::Minisign(_)
                | tauri_plugin_updater::Error::SignatureUtf8(_)
                | tauri_plugin_updater::Error::Base64(_)
                | tauri_plugin_updater::Error::SignedVersionMismatch { .. }
                | tauri_plugin_updater::Error::MissingSignedVersion => CoreError::refused(format!(
                    "The download of {} was discarded: it does not carry a valid signature from this app's publisher ({}).",
                    update.version,
                    error.to_string().to_lowercase()
                ))
                .with_hint("Nothing was installed. Try again later, or download the release from its page."),
                other => failed("The update could not be downloaded")(other),
            })?;
        let ready = UpdateReady {
            version: update.version.clone(),
            bytes: bytes.len() as u64,
        };
        tracing::info!(version = %ready.version, bytes = ready.bytes, "update downloaded and verified");
        *lock(&self.downloaded) = Some((update, bytes));
        Ok(ready)
    }

    async fn put_in_place(&self) -> Result<(), CoreError> {
        let handle = self.handle()?.clone();
        let (update, bytes) = lock(&self.downloaded).take().ok_or_else(|| {
            CoreError::refused("Nothing was downloaded to install.")
                .with_hint("Download the new version first.")
        })?;
        // Installing runs the platform's installer (dpkg or rpm through pkexec, the AppImage
        // swap, msiexec): blocking work, off the async threads.
        let installed = tokio::task::spawn_blocking(move || {
            let result = update.install(&bytes);
            (result, update, bytes)
        })
        .await
        .map_err(|e| CoreError::internal(e.to_string()))?;
        let (result, update, bytes) = installed;
        if let Err(error) = result {
            // Kept: "Install and restart" can be tried again.
            *lock(&self.downloaded) = Some((update, bytes));
            return Err(CoreError::refused(format!(
                "The update could not be installed: {error}."
            ))
            .with_hint(
                "Nothing changed. If the system asked for your password, try again and confirm; otherwise install the downloaded release by hand from its page.",
            ));
        }
        tracing::info!("update installed; restarting");
        handle.restart()
    }
}

/// Why the Tauri config offers no updates, if it does not.
fn unconfigured(handle: &AppHandle) -> Option<String> {
    let config = handle.config();
    let updater = config.plugins.0.get("updater");
    let endpoints = updater
        .and_then(|u| u.get("endpoints"))
        .and_then(|e| e.as_array())
        .is_some_and(|e| !e.is_empty());
    let pubkey = updater
        .and_then(|u| u.get("pubkey"))
        .and_then(|k| k.as_str())
        .is_some_and(|k| !k.trim().is_empty());
    (!endpoints || !pubkey).then(|| {
        "This copy has no update source: it was built from source, or from a release built without the publisher's update key. Update it the way it was installed (git pull and make run, or a new package).".to_owned()
    })
}

fn failed(what: &'static str) -> impl Fn(tauri_plugin_updater::Error) -> CoreError {
    move |error| {
        CoreError::unreachable(format!("{what}: {error}."))
            .with_hint("Check the network connection and try again later.")
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Updater for ShellUpdater {
    fn check(&self) -> UpdateFuture<'_, UpdateCheck> {
        Box::pin(self.look())
    }

    fn download(&self) -> UpdateFuture<'_, UpdateReady> {
        Box::pin(self.fetch())
    }

    fn install(&self) -> UpdateFuture<'_, ()> {
        Box::pin(self.put_in_place())
    }
}
