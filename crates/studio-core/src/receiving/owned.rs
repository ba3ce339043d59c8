//! What the receiver's checks need to know about the subscriptions this app created: each one's
//! clientState, and the private keys of the certificates registered for rich notifications
//! (read from the keyring once, then kept in memory for the life of the process). A certificate
//! id the keyring does not know is remembered as unknown for a minute, so a burst of items naming
//! forged ids costs one keyring look-up, not one each.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use studio_identity::secrets::SecretStore;
use studio_primitives::Clock;
use studio_receiver::checks::Subscriptions;
use studio_receiver::verify::DecryptionKey;
use studio_store::{OwnedSubscription, Store};

/// The keyring entry of a certificate's private key.
pub fn key_name(certificate_id: &str) -> String {
    format!("certificate:{certificate_id}")
}

/// The app's own subscriptions, as the receiver's checks see them.
pub struct OwnedSubscriptions {
    store: Arc<Store>,
    /// A connection of its own for look-ups of unknown ids: the check queue's checker asks at a
    /// lowered priority, and holding the store's shared connection there would keep the window
    /// waiting while it is not scheduled.
    lookups: Option<Store>,
    secrets: Arc<dyn SecretStore>,
    by_id: RwLock<HashMap<String, OwnedSubscription>>,
    keys: RwLock<HashMap<String, Arc<DecryptionKey>>>,
    /// Certificate ids with no key, and when that was found (Unix seconds).
    misses: RwLock<HashMap<String, i64>>,
    clock: Arc<dyn Clock>,
}

/// How long a certificate id without a key is remembered as such, in seconds.
pub const MISS_SECONDS: i64 = 60;
/// The most unknown certificate ids remembered.
const MISSES_KEPT: usize = 4096;

impl std::fmt::Debug for OwnedSubscriptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedSubscriptions").finish_non_exhaustive()
    }
}

impl OwnedSubscriptions {
    /// Reads the store's subscriptions; keys are read when first needed.
    pub fn new(
        store: Arc<Store>,
        secrets: Arc<dyn SecretStore>,
        clock: Arc<dyn Clock>,
    ) -> OwnedSubscriptions {
        let lookups = store
            .own_connection()
            .inspect_err(|error| tracing::warn!(%error, "subscription look-ups share the store's connection"))
            .ok();
        let known = OwnedSubscriptions {
            store,
            lookups,
            secrets,
            by_id: RwLock::default(),
            keys: RwLock::default(),
            misses: RwLock::default(),
            clock,
        };
        known.reload();
        known
    }

    /// Reads the subscriptions again (after one is created, recreated or deleted).
    pub fn reload(&self) {
        match self.store.owned() {
            Ok(all) => {
                let map = all.into_iter().map(|s| (s.id.clone(), s)).collect();
                *self
                    .by_id
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = map;
            }
            Err(error) => tracing::warn!(%error, "the app's subscriptions could not be read"),
        }
    }

    /// One of the app's subscriptions. One this process does not know yet is read from the
    /// store: another process sharing the data folder (`webhook-studio mcp`, a CLI command) may
    /// have just created it. A miss is one indexed look-up, so forged ids cost little.
    pub fn get(&self, id: &str) -> Option<OwnedSubscription> {
        if let Some(known) = self
            .by_id
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(id)
        {
            return Some(known.clone());
        }
        let found = match self.lookups.as_ref().unwrap_or(&self.store).owned_one(id) {
            Ok(found) => found?,
            Err(error) => {
                tracing::warn!(%error, "a subscription could not be read");
                return None;
            }
        };
        self.by_id
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(found.id.clone(), found.clone());
        Some(found)
    }

    /// Keeps a key in memory (just made, or just read).
    pub fn remember_key(&self, certificate_id: &str, key: Arc<DecryptionKey>) {
        self.misses
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(certificate_id);
        self.keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(certificate_id.to_owned(), key);
    }

    /// Forgets a key (its certificate was deleted).
    pub fn forget_key(&self, certificate_id: &str) {
        self.keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(certificate_id);
    }
}

impl Subscriptions for OwnedSubscriptions {
    fn client_state(&self, subscription_id: &str) -> Option<Option<String>> {
        self.get(subscription_id)
            .map(|s| Some(s.client_state).filter(|c| !c.is_empty()))
    }

    fn private_key(&self, certificate_id: &str) -> Option<Arc<DecryptionKey>> {
        if let Some(key) = self
            .keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(certificate_id)
        {
            return Some(Arc::clone(key));
        }
        let now = self.clock.now_unix();
        if self
            .misses
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(certificate_id)
            .is_some_and(|at| now - at < MISS_SECONDS)
        {
            return None;
        }
        let pem = match self.secrets.get(&key_name(certificate_id)) {
            Ok(Some(pem)) => pem,
            Ok(None) => {
                let mut misses = self
                    .misses
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if misses.len() >= MISSES_KEPT {
                    misses.retain(|_, at| now - *at < MISS_SECONDS);
                }
                if misses.len() < MISSES_KEPT {
                    misses.insert(certificate_id.to_owned(), now);
                }
                return None;
            }
            Err(error) => {
                tracing::warn!(%error, certificate_id, "a certificate's key could not be read");
                return None;
            }
        };
        let key = Arc::new(studio_receiver::certificate::decryption_key(pem.expose()).ok()?);
        self.remember_key(certificate_id, Arc::clone(&key));
        Some(key)
    }
}
