//! The authority's signing keys for `validationTokens`, fetched on demand and cached for at most
//! 24 hours; a token signed with a key the cache does not know triggers one refetch (keys roll
//! over), at most every five minutes per authority so a forged `kid` cannot make us hammer it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use studio_receiver::process::TokenChecker;
use studio_receiver::tokens::{self, TokenProblem};
use studio_store::Store;

/// How long fetched keys are trusted.
pub const KEYS_MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// The least time between two fetches for one authority.
pub const REFETCH_GAP: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
struct Cached {
    keys: JwkSet,
    fetched: Instant,
}

/// The keys of each authority, by JWKS URL.
#[derive(Debug)]
pub struct KeyCache {
    http: reqwest::Client,
    cached: Mutex<HashMap<String, Cached>>,
}

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            cached: Mutex::default(),
        }
    }
}

impl KeyCache {
    /// The keys at `url` that should contain `kid` (fetched when missing, stale, or without it).
    pub async fn keys(&self, url: &str, kid: &str) -> Result<JwkSet, String> {
        let now = Instant::now();
        let cached = self
            .cached
            .lock()
            .map_err(|_| "the key cache is unavailable".to_owned())?
            .get(url)
            .cloned();
        if let Some(entry) = &cached {
            let fresh = now.duration_since(entry.fetched) < KEYS_MAX_AGE;
            let knows = entry.keys.find(kid).is_some();
            let recently = now.duration_since(entry.fetched) < REFETCH_GAP;
            if fresh && (knows || recently) {
                return Ok(entry.keys.clone());
            }
        }
        let keys: JwkSet = self
            .http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("the signing keys could not be fetched from {url}: {e}"))?
            .json()
            .await
            .map_err(|_| format!("{url} did not answer a JSON Web Key Set"))?;
        if let Ok(mut cache) = self.cached.lock() {
            cache.insert(
                url.to_owned(),
                Cached {
                    keys: keys.clone(),
                    fetched: now,
                },
            );
        }
        Ok(keys)
    }
}

/// Checks validation tokens against the keys of the subscription's account's authority.
pub struct Tokens {
    pub(crate) store: Arc<Store>,
    pub(crate) known: Arc<super::known::KnownSubscriptions>,
    pub(crate) cache: Arc<KeyCache>,
    pub(crate) runtime: tokio::runtime::Handle,
    /// Sandbox accounts are stored without ports; their live authority comes from here.
    pub(crate) sandbox: Option<Arc<crate::accounts::sandbox::Sandbox>>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").finish_non_exhaustive()
    }
}

impl Tokens {
    fn audience(&self, subscription_id: &str) -> Result<(String, String), String> {
        let owned = self
            .known
            .get(subscription_id)
            .ok_or_else(|| "unknown subscription (not created here)".to_owned())?;
        let account = self
            .store
            .accounts()
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|a| a.id == owned.account_id)
            .ok_or_else(|| "the subscription's account was removed".to_owned())?;
        let account = match (&self.sandbox, account.kind.sandbox()) {
            (Some(sandbox), true) => self
                .runtime
                .block_on(sandbox.live(&account))
                .map_err(|e| e.message)?,
            _ => account,
        };
        let url = format!(
            "{}/{}/discovery/v2.0/keys",
            account.cloud.authority_host().trim_end_matches('/'),
            account.tenant
        );
        Ok((account.client_id, url))
    }
}

impl TokenChecker for Tokens {
    fn verdict(&self, subscription_id: &str, tokens: &[String]) -> String {
        let (app_id, url) = match self.audience(subscription_id) {
            Ok(found) => found,
            Err(why) => return format!("not checked: {why}"),
        };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        for token in tokens {
            let kid = jsonwebtoken::decode_header(token)
                .ok()
                .and_then(|h| h.kid)
                .unwrap_or_default();
            let keys = match self.runtime.block_on(self.cache.keys(&url, &kid)) {
                Ok(keys) => keys,
                Err(why) => return format!("not checked: {why}"),
            };
            if let Err(problem) = tokens::check(token, &keys, &app_id, now) {
                let problem: TokenProblem = problem;
                return format!("invalid: {problem}");
            }
        }
        format!("valid ({})", tokens.len())
    }
}
