//! `--data FILE`: the sandbox tenant's state kept between runs.
//!
//! The app's sandbox account and users' long-running experiments expect subscriptions, mail and
//! sign-ins to survive a restart, as they would in a real tenant. The state (content, every
//! subscription with its certificate and expiry, refresh tokens, consent, the app's permissions
//! and certificates, the clock offset) is written as JSON, atomically (temporary file, then
//! rename), whenever it changed (checked twice a second) and at shutdown. A file that cannot be
//! read stops the emulator with a clear error rather than being overwritten.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use studio_catalog::model::ApiVersion;

use crate::EmulatorError;
use crate::grants::RefreshGrant;
use crate::server::Shared;
use crate::subscriptions::Subscription;
use crate::workloads::Store;

/// The file format's version.
pub const FORMAT_VERSION: u32 = 1;
/// How often the state is checked for changes.
pub const SAVE_EVERY: Duration = Duration::from_millis(500);

/// A subscription with the emulator's own fields (its certificate travels in Graph's body).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedSubscription {
    #[serde(flatten)]
    subscription: Subscription,
    api: Option<ApiVersion>,
    expires_at: i64,
    reauthorization_sent: bool,
}

/// Everything kept between runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Saved {
    version: u32,
    /// The seed the tenant was made from (the file's seed wins over `--seed`).
    pub seed: u64,
    clock_offset: i64,
    store: Store,
    subscriptions: Vec<SavedSubscription>,
    refresh_tokens: HashMap<String, RefreshGrant>,
    admin_consent: bool,
    consent: Vec<(String, String, Vec<String>)>,
    app_roles: Vec<String>,
    app_certificates: Vec<String>,
}

/// Reads a data file; `None` when it does not exist yet.
pub fn load(path: &Path) -> Result<Option<Saved>, EmulatorError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(EmulatorError::Data(format!("{}: {error}", path.display()))),
    };
    let saved: Saved = serde_json::from_str(&text).map_err(|error| {
        EmulatorError::Data(format!(
            "{} is not a sandbox data file ({error}); move it away or pass another --data",
            path.display()
        ))
    })?;
    if saved.version != FORMAT_VERSION {
        return Err(EmulatorError::Data(format!(
            "{} has format version {}, this emulator reads version {FORMAT_VERSION}",
            path.display(),
            saved.version
        )));
    }
    Ok(Some(saved))
}

/// Puts saved state into a freshly started emulator.
pub fn restore(shared: &Shared, saved: Saved) {
    shared.clock.restore_offset(saved.clock_offset);
    if let Ok(mut store) = shared.store.lock() {
        crate::workloads::resume_sequences_after(saved.store.journal.highest_change_sequence());
        *store = saved.store;
        crate::workloads::upgrade::bring_up_to_date(&mut store, &shared.tenant);
    }
    if let Ok(mut subs) = shared.subscriptions.lock() {
        *subs = saved
            .subscriptions
            .into_iter()
            .map(|s| Subscription {
                api: s.api,
                expires_at: s.expires_at,
                reauthorization_sent: s.reauthorization_sent,
                ..s.subscription
            })
            .collect();
    }
    if let Ok(mut tokens) = shared.grants.refresh.lock() {
        *tokens = saved.refresh_tokens;
    }
    if let Ok(mut consent) = shared.consent.lock() {
        consent.admin_consented = saved.admin_consent;
        for (user, client, scopes) in saved.consent {
            consent.grant(&user, &client, &scopes);
        }
    }
    if let Ok(mut roles) = shared.app_roles.lock() {
        *roles = saved.app_roles;
    }
    if let Ok(mut certificates) = shared.app_certificates.lock() {
        *certificates = saved
            .app_certificates
            .iter()
            .filter_map(|c| crate::assertion::AppCertificate::read(c))
            .collect();
    }
}

/// The emulator's state now.
pub fn snapshot(shared: &Shared) -> Saved {
    let subscriptions = shared
        .subscriptions
        .lock()
        .map(|subs| {
            subs.iter()
                .map(|s| SavedSubscription {
                    subscription: s.clone(),
                    api: s.api,
                    expires_at: s.expires_at,
                    reauthorization_sent: s.reauthorization_sent,
                })
                .collect()
        })
        .unwrap_or_default();
    let (admin_consent, consent) = shared
        .consent
        .lock()
        .map(|c| {
            let mut granted: Vec<(String, String, Vec<String>)> = c
                .granted
                .iter()
                .map(|((user, client), scopes)| {
                    (
                        user.clone(),
                        client.clone(),
                        scopes.iter().cloned().collect(),
                    )
                })
                .collect();
            granted.sort();
            (c.admin_consented, granted)
        })
        .unwrap_or((true, Vec::new()));
    Saved {
        version: FORMAT_VERSION,
        seed: shared.seed,
        clock_offset: shared.clock.offset(),
        store: shared.store.lock().map(|s| s.clone()).unwrap_or_default(),
        subscriptions,
        refresh_tokens: shared
            .grants
            .refresh
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default(),
        admin_consent,
        consent,
        app_roles: shared
            .app_roles
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default(),
        app_certificates: shared
            .app_certificates
            .lock()
            .map(|c| c.iter().map(|c| c.der_base64.clone()).collect())
            .unwrap_or_default(),
    }
}

/// Writes the state atomically.
pub fn save(path: &Path, saved: &Saved) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(saved).map_err(std::io::Error::other)?;
    write_atomically(path, &bytes)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}

/// Saves whenever the state changed, until the emulator stops.
pub async fn keep(shared: Arc<Shared>, path: PathBuf) {
    let mut last: Option<Vec<u8>> = None;
    let mut interval = tokio::time::interval(SAVE_EVERY);
    loop {
        interval.tick().await;
        let Ok(bytes) = serde_json::to_vec_pretty(&snapshot(&shared)) else {
            continue;
        };
        if last.as_ref() != Some(&bytes) {
            match write_atomically(&path, &bytes) {
                Ok(()) => last = Some(bytes),
                Err(error) => {
                    tracing::warn!(%error, path = %path.display(), "cannot save the sandbox state")
                }
            }
        }
    }
}
