//! After the acknowledgement: each stored notification is read into items, and each item is
//! checked (clientState against the subscription's, duplicate by `id` or content, lifecycle event,
//! decryption with the certificate's key) and kept with the results. Nothing here can affect the
//! answer Graph already got.

use std::sync::Arc;

/// The body buffer handed to [`AfterCommit`] (shared, not copied).
pub use axum::body::Bytes;

use serde_json::Value;
use studio_store::{NewItem, ReceptionKind, Store};

use crate::verify::{self, ClientStateCheck};

/// What the app knows about its subscriptions (those it created, from the store).
pub trait Subscriptions: Send + Sync {
    /// The subscription's clientState: `None` when the subscription is unknown, `Some(None)`
    /// when it has none.
    fn client_state(&self, subscription_id: &str) -> Option<Option<String>>;
    /// The private key of the certificate the app registered under this id.
    fn private_key(&self, certificate_id: &str) -> Option<Arc<verify::DecryptionKey>>;
}

/// Checks a POST's `validationTokens` (the caller fetches and caches the authority's keys).
pub trait TokenChecker: Send + Sync {
    /// The verdict for the tokens of a POST to `subscription_id`'s receiver: `valid (n)` or
    /// `invalid: why`.
    fn verdict(&self, subscription_id: &str, tokens: &[String]) -> String;
}

/// No known subscriptions (until the app creates its own): every item is "unknown subscription".
#[derive(Debug, Default)]
pub struct NoSubscriptions;

impl Subscriptions for NoSubscriptions {
    fn client_state(&self, _: &str) -> Option<Option<String>> {
        None
    }
    fn private_key(&self, _: &str) -> Option<Arc<verify::DecryptionKey>> {
        None
    }
}

/// Runs after a reception is stored (on a blocking thread: it may decrypt and write).
pub trait AfterCommit: Send + Sync {
    /// A reception was stored with this id.
    fn stored(&self, id: i64, kind: ReceptionKind, body: Bytes);
}

/// Reads stored notifications into checked items.
pub struct ItemRecorder {
    store: Arc<Store>,
    subscriptions: Arc<dyn Subscriptions>,
    tokens: Option<Arc<dyn TokenChecker>>,
}

impl std::fmt::Debug for ItemRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemRecorder").finish_non_exhaustive()
    }
}

impl ItemRecorder {
    /// Items go to `store`; clientStates and keys come from `subscriptions`.
    pub fn new(store: Arc<Store>, subscriptions: Arc<dyn Subscriptions>) -> ItemRecorder {
        ItemRecorder {
            store,
            subscriptions,
            tokens: None,
        }
    }

    /// Also checks `validationTokens` with `checker`.
    pub fn with_tokens(mut self, checker: Arc<dyn TokenChecker>) -> ItemRecorder {
        self.tokens = Some(checker);
        self
    }

    /// The checked items of one body (an unreadable body gives none).
    pub fn check(&self, body: &[u8]) -> Vec<NewItem> {
        self.read(body).unwrap_or_default()
    }

    /// The checked items of one body, or why it has none (not JSON, no `value` array, …).
    pub fn read(&self, body: &[u8]) -> Result<Vec<NewItem>, String> {
        let (items, tokens) = verify::items(body).map_err(|e| e.to_string())?;
        if items.is_empty() {
            return Err("the \"value\" array is empty".into());
        }
        let verdict = match (&self.tokens, tokens.is_empty()) {
            (Some(checker), false) => {
                let subscription = items
                    .iter()
                    .find_map(|item| item.get("subscriptionId").and_then(Value::as_str))
                    .unwrap_or_default();
                Some(checker.verdict(subscription, &tokens))
            }
            (None, false) => Some("not checked".to_owned()),
            (_, true) => None,
        };
        Ok(items
            .iter()
            .enumerate()
            .map(|(position, item)| {
                let text = |name: &str| item.get(name).and_then(Value::as_str).map(str::to_owned);
                let subscription_id = text("subscriptionId");
                let expected = subscription_id
                    .as_deref()
                    .and_then(|id| self.subscriptions.client_state(id));
                let client_state =
                    match verify::check_client_state(item, expected.as_ref().map(|e| e.as_deref()))
                    {
                        ClientStateCheck::Matches => "matches",
                        ClientStateCheck::Differs => "differs",
                        ClientStateCheck::Missing => "missing",
                        ClientStateCheck::UnknownSubscription => "unknownSubscription",
                    };
                let (decrypted, decrypt_error) = match item.get("encryptedContent") {
                    None => (None, None),
                    Some(content) => {
                        let certificate = content
                            .get("encryptionCertificateId")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        match self.subscriptions.private_key(certificate) {
                            None => (
                                None,
                                Some(format!("no private key for certificate '{certificate}'")),
                            ),
                            Some(key) => match verify::decrypt(content, &key) {
                                Ok(resource) => (Some(resource.to_string()), None),
                                Err(error) => (None, Some(error.to_string())),
                            },
                        }
                    }
                };
                NewItem {
                    position: u32::try_from(position).unwrap_or(u32::MAX),
                    subscription_id,
                    change_type: text("changeType"),
                    resource: text("resource"),
                    lifecycle_event: text("lifecycleEvent"),
                    client_state: client_state.into(),
                    dedup_key: verify::duplicate_key(item),
                    decrypted,
                    decrypt_error,
                    item: item.to_string(),
                    tokens: verdict.clone(),
                }
            })
            .collect())
    }
}

impl AfterCommit for ItemRecorder {
    fn stored(&self, id: i64, kind: ReceptionKind, body: Bytes) {
        if !matches!(kind, ReceptionKind::Notification | ReceptionKind::Lifecycle) {
            return;
        }
        let items = match self.read(&body) {
            Ok(items) => items,
            Err(why) => {
                if let Err(error) = self.store.set_reception_reason(id, &why) {
                    tracing::warn!(%error, reception = id, "the reason could not be kept");
                }
                return;
            }
        };
        if let Err(error) = self.store.insert_items(id, &items) {
            tracing::warn!(%error, reception = id, "the items of a notification could not be kept");
        }
    }
}
