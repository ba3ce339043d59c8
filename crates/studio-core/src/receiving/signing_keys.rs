//! The authority's signing keys for `validationTokens`, fetched on demand and cached for at most
//! 24 hours; a token signed with a key the cache does not know triggers one refetch (keys roll
//! over), at most every five minutes per authority so a forged `kid` cannot make us hammer it.
//! [`TokenVerifier`] is the receiver's token checker: it finds the subscription's account, its
//! authority's keys, and checks each token with `studio_receiver::validation_tokens`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use studio_identity::{AccountConfig, Cloud};
use studio_primitives::Clock;
use studio_primitives::http::{self, Redirects};
use studio_receiver::TokenVerdict;
use studio_receiver::checks::TokenChecker;
use studio_receiver::validation_tokens::{self, Expectation, ExplainedToken};
use studio_store::Store;

use super::owned::OwnedSubscriptions;
use crate::accounts::sandbox::Sandbox;
use crate::error::CoreError;

/// How long fetched keys are trusted, in seconds.
pub const KEYS_MAX_AGE: i64 = 24 * 3600;
/// The least time between two fetches for one authority, in seconds.
pub const REFETCH_GAP: i64 = 300;
/// Seconds a failed fetch is answered from memory before the authority is asked again.
pub const FAILURE_GAP: i64 = 60;

#[derive(Debug, Clone)]
struct Cached {
    keys: JwkSet,
    fetched: i64,
}

/// The keys of each authority, by JWKS URL.
#[derive(Debug)]
pub struct SigningKeys {
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    cached: Mutex<HashMap<String, Cached>>,
    /// The last failed fetch of each URL (when, why): answered again without asking until
    /// [`FAILURE_GAP`] has passed, so an unreachable authority costs one timeout, not one a POST.
    failed: Mutex<HashMap<String, (i64, String)>>,
}

impl SigningKeys {
    /// An empty cache.
    pub fn new(clock: Arc<dyn Clock>) -> Result<SigningKeys, CoreError> {
        Ok(SigningKeys {
            http: http::client(
                "the authority's signing keys",
                Duration::from_secs(10),
                Redirects::None,
            )?,
            clock,
            cached: Mutex::default(),
            failed: Mutex::default(),
        })
    }

    /// The keys at `url` that should contain `kid` (fetched when missing, stale, or without it).
    pub async fn keys(&self, url: &str, kid: &str) -> Result<JwkSet, String> {
        let now = self.clock.now_unix();
        let cached = self
            .cached
            .lock()
            .map_err(|_| "the key cache is unavailable".to_owned())?
            .get(url)
            .cloned();
        if let Some(entry) = &cached {
            let age = now - entry.fetched;
            let knows = entry.keys.find(kid).is_some();
            if age < KEYS_MAX_AGE && (knows || age < REFETCH_GAP) {
                return Ok(entry.keys.clone());
            }
        }
        if let Some((when, why)) = self
            .failed
            .lock()
            .map_err(|_| "the key cache is unavailable".to_owned())?
            .get(url)
            && now - when < FAILURE_GAP
        {
            return Err(why.clone());
        }
        let keys: JwkSet = match self.fetch(url).await {
            Ok(keys) => keys,
            Err(why) => {
                if let Ok(mut failed) = self.failed.lock() {
                    failed.insert(url.to_owned(), (now, why.clone()));
                }
                return Err(why);
            }
        };
        if let Ok(mut failed) = self.failed.lock() {
            failed.remove(url);
        }
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

    async fn fetch(&self, url: &str) -> Result<JwkSet, String> {
        self.http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("the signing keys could not be fetched from {url}: {e}"))?
            .json()
            .await
            .map_err(|_| format!("{url} did not answer a JSON Web Key Set"))
    }
}

/// Checks validation tokens against the keys of the subscription's account's authority.
pub struct TokenVerifier {
    pub(crate) store: Arc<Store>,
    pub(crate) owned: Arc<OwnedSubscriptions>,
    pub(crate) keys: Arc<SigningKeys>,
    pub(crate) runtime: tokio::runtime::Handle,
    /// Sandbox accounts are stored without ports; their live authority comes from here.
    pub(crate) sandbox: Arc<Sandbox>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier").finish_non_exhaustive()
    }
}

impl TokenVerifier {
    /// What the tokens of a subscription's POSTs must say, and the JWKS URL of its authority.
    fn expectation(&self, subscription_id: &str) -> Result<(Expectation, String), String> {
        let owned = self
            .owned
            .get(subscription_id)
            .ok_or_else(|| "unknown subscription (not created here)".to_owned())?;
        let account = self
            .store
            .accounts::<AccountConfig>()
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|a| a.id == owned.account_id)
            .ok_or_else(|| "the subscription's account was removed".to_owned())?;
        // The sandbox stands for the global cloud: it issues Microsoft's issuers, with keys
        // served from its own authority.
        let (account, issuing) = if account.kind.sandbox() {
            let live = self
                .runtime
                .block_on(self.sandbox.live(&account))
                .map_err(|e| e.to_string())?;
            (live, Cloud::Global)
        } else {
            let cloud = account.cloud.clone();
            (account, cloud)
        };
        let url = format!(
            "{}/{}/discovery/v2.0/keys",
            account.cloud.authority_host().trim_end_matches('/'),
            account.tenant
        );
        let tenant_id = owned.tenant_id.clone().or_else(|| {
            Some(account.tenant.clone())
                .filter(|t| !matches!(t.as_str(), "common" | "organizations" | "consumers"))
        });
        let issuers = match &tenant_id {
            Some(tenant) => {
                Expectation::issuers_for(issuing.authority_host(), issuing.v1_issuer_host(), tenant)
            }
            None => Vec::new(),
        };
        Ok((
            Expectation {
                app_id: account.client_id,
                issuers,
                tenant_id,
            },
            url,
        ))
    }
}

impl TokenVerifier {
    /// Each of a POST's tokens taken apart with every check made on its own (see
    /// [`validation_tokens::explain`]), the lifetime judged at `at`.
    pub fn explain(
        &self,
        subscription_id: &str,
        tokens: &[String],
        at: i64,
    ) -> Vec<ExplainedToken> {
        let expected = self
            .expectation(subscription_id)
            .and_then(|(expected, url)| {
                if expected.tenant_id.is_none() {
                    Err(
                        "the subscription's tenant is not known (made before this version)"
                            .to_owned(),
                    )
                } else {
                    Ok((expected, url))
                }
            });
        tokens
            .iter()
            .map(|token| {
                let kid = jsonwebtoken::decode_header(token)
                    .ok()
                    .and_then(|h| h.kid)
                    .unwrap_or_default();
                let keys = match &expected {
                    Ok((_, url)) => self.runtime.block_on(self.keys.keys(url, &kid)),
                    Err(why) => Err(why.clone()),
                };
                validation_tokens::explain(
                    token,
                    keys.as_ref().map_err(String::as_str),
                    expected
                        .as_ref()
                        .map(|(expected, _)| expected)
                        .map_err(String::as_str),
                    at,
                )
            })
            .collect()
    }
}

impl TokenChecker for TokenVerifier {
    fn verdict(&self, subscription_id: &str, tokens: &[String]) -> TokenVerdict {
        let (expected, url) = match self.expectation(subscription_id) {
            Ok(found) => found,
            Err(reason) => return TokenVerdict::NotChecked { reason },
        };
        if expected.tenant_id.is_none() {
            return TokenVerdict::NotChecked {
                reason: "the subscription's tenant is not known (made before this version)".into(),
            };
        }
        let now = self.clock.now_unix();
        for token in tokens {
            let kid = jsonwebtoken::decode_header(token)
                .ok()
                .and_then(|h| h.kid)
                .unwrap_or_default();
            let keys = match self.runtime.block_on(self.keys.keys(&url, &kid)) {
                Ok(keys) => keys,
                Err(reason) => return TokenVerdict::NotChecked { reason },
            };
            if let Err(problem) = validation_tokens::check(token, &keys, &expected, now) {
                return TokenVerdict::Invalid {
                    reason: problem.to_string(),
                };
            }
        }
        TokenVerdict::Valid {
            count: u32::try_from(tokens.len()).unwrap_or(u32::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use studio_primitives::clock::ManualClock;

    use super::*;

    #[tokio::test]
    async fn an_unreachable_authority_is_asked_once_a_minute_not_once_a_post() {
        let asked = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&asked);
        let app = axum::Router::new().fallback(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { axum::http::StatusCode::SERVICE_UNAVAILABLE }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/keys", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });

        let clock = Arc::new(ManualClock::at_unix(1_800_000_000));
        let keys = SigningKeys::new(Arc::clone(&clock) as Arc<dyn Clock>).expect("client");
        for _ in 0..20 {
            assert!(keys.keys(&url, "kid").await.is_err());
        }
        assert_eq!(asked.load(Ordering::SeqCst), 1, "the failure is remembered");
        clock.advance(FAILURE_GAP);
        assert!(keys.keys(&url, "kid").await.is_err());
        assert_eq!(asked.load(Ordering::SeqCst), 2, "asked again after the gap");
    }
}
