//! New versions: look, show the release notes, download and verify, install.
//!
//! The work is the desktop shell's (Tauri's updater plugin: a manifest, an artifact signed with
//! the project's key, installed the way the package was). The core only declares the commands,
//! so they are typed and generated like every other, and holds the shell's [`Updater`]. The CLI
//! and the tests have none: [`NoUpdater`] says how this build is updated instead.

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::CoreError;
use crate::events::CoreEvent;
use crate::studio::Studio;

/// What a look for a new version found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum UpdateCheck {
    /// This is the newest version.
    UpToDate {
        /// The running version.
        current: String,
    },
    /// A newer version is published.
    Available {
        /// What it offers.
        offer: UpdateOffer,
    },
    /// This build is not updated by the app (built from source, or its package manager
    /// updates it).
    NotConfigured {
        /// Why, and how it is updated instead.
        reason: String,
    },
}

/// A newer version, as its signed manifest describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOffer {
    /// The running version.
    pub current: String,
    /// The new version.
    pub version: String,
    /// When it was published (RFC 3339), if the manifest says.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// The release notes, as plain text (shown as text, never as HTML).
    pub notes: String,
}

/// A downloaded update whose signature matched the app's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateReady {
    /// The version downloaded.
    pub version: String,
    /// Its size in bytes.
    #[ts(type = "number")]
    pub bytes: u64,
}

/// A future an [`Updater`] answers with.
pub type UpdateFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, CoreError>> + Send + 'a>>;

/// What the shell provides to update the app.
pub trait Updater: Send + Sync + std::fmt::Debug {
    /// Reads the update manifest.
    fn check(&self) -> UpdateFuture<'_, UpdateCheck>;
    /// Downloads the version the last check offered and verifies its signature (refused if it
    /// does not match the app's public key).
    fn download(&self) -> UpdateFuture<'_, UpdateReady>;
    /// Installs what was downloaded and restarts the app.
    fn install(&self) -> UpdateFuture<'_, ()>;
}

/// No updater: the CLI, the tests, a build from source.
#[derive(Debug, Default)]
pub struct NoUpdater;

const FROM_SOURCE: &str = "This copy is not updated by the app: it was built from source or runs as a command. Update it the way it was installed (git pull and make run, or your package manager).";

impl Updater for NoUpdater {
    fn check(&self) -> UpdateFuture<'_, UpdateCheck> {
        Box::pin(async {
            Ok(UpdateCheck::NotConfigured {
                reason: FROM_SOURCE.into(),
            })
        })
    }

    fn download(&self) -> UpdateFuture<'_, UpdateReady> {
        Box::pin(async { Err(CoreError::refused(FROM_SOURCE)) })
    }

    fn install(&self) -> UpdateFuture<'_, ()> {
        Box::pin(async { Err(CoreError::refused(FROM_SOURCE)) })
    }
}

impl Studio {
    /// `updates_check`: looks for a newer version.
    pub async fn updates_check(&self, (): ()) -> Result<UpdateCheck, CoreError> {
        let found = self.updater().check().await?;
        let version = match &found {
            UpdateCheck::Available { offer } => offer.version.as_str(),
            UpdateCheck::UpToDate { .. } => "none newer",
            UpdateCheck::NotConfigured { .. } => "no update source",
        };
        tracing::info!(version, "looked for a new version");
        self.remember_offer(match &found {
            UpdateCheck::Available { offer } => Some(offer.clone()),
            _ => None,
        });
        Ok(found)
    }

    /// `updates_announced`: what the start-up look found, if it found a new version (the window
    /// may open after the announcement was sent).
    pub async fn updates_announced(&self, (): ()) -> Result<Option<UpdateOffer>, CoreError> {
        Ok(self
            .announced_update
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone())
    }

    fn remember_offer(&self, offer: Option<UpdateOffer>) {
        *self
            .announced_update
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = offer;
    }

    /// `updates_download`: downloads the offered version and verifies its signature.
    pub async fn updates_download(&self, (): ()) -> Result<UpdateReady, CoreError> {
        self.updater().download().await
    }

    /// `updates_install`: installs the verified download and restarts.
    pub async fn updates_install(&self, (): ()) -> Result<(), CoreError> {
        self.updater().install().await
    }

    /// At start, when the settings ask for it: looks for a new version in the background and
    /// announces one if found. Never blocks the start; a failure is only logged.
    pub async fn check_updates_at_start(&self) {
        if !self.settings_now().check_updates_at_start {
            return;
        }
        match self.updater().check().await {
            Ok(UpdateCheck::Available { offer }) => {
                self.events().publish(CoreEvent::UpdateAvailable { offer });
            }
            Ok(_) => {}
            Err(error) => tracing::info!(%error, "the start-up look for a new version failed"),
        }
    }
}
