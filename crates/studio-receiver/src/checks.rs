//! After the acknowledgement: each stored notification is read into items, and each item is
//! checked (clientState against the subscription's, duplicate key, lifecycle event, decryption
//! with the certificate's key, the POST's validation tokens). Nothing here can affect the answer
//! Graph already got, and nothing here writes: the checked items go back to the caller (the
//! store's check queue), which keeps them, a few hundred at a time for a large body.
//!
//! Every verdict is a typed value ([`ClientStateVerdict`], [`TokenVerdict`], [`ChangeType`],
//! [`LifecycleEvent`]); the window receives them as TypeScript unions and never parses text.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::verify::{self, ReadError};

/// What the clientState check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ClientStateVerdict {
    /// It matches the subscription's.
    Matches,
    /// It differs: treat the item as forged.
    Differs,
    /// The item has none but the subscription has one.
    Missing,
    /// The subscription is not one this app created.
    UnknownSubscription,
}

impl ClientStateVerdict {
    /// The stored (and JSON) name.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientStateVerdict::Matches => "matches",
            ClientStateVerdict::Differs => "differs",
            ClientStateVerdict::Missing => "missing",
            ClientStateVerdict::UnknownSubscription => "unknownSubscription",
        }
    }

    /// The verdict of a stored name (anything unknown reads as `differs`: never trusted).
    pub fn from_stored(text: &str) -> ClientStateVerdict {
        [
            ClientStateVerdict::Matches,
            ClientStateVerdict::Missing,
            ClientStateVerdict::UnknownSubscription,
        ]
        .into_iter()
        .find(|v| v.as_str() == text)
        .unwrap_or(ClientStateVerdict::Differs)
    }
}

/// What the check of a POST's `validationTokens` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "state",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum TokenVerdict {
    /// Every token is signed by the authority, current, for this app, from Graph.
    Valid {
        /// How many tokens were checked.
        count: u32,
    },
    /// A token failed: the POST is suspicious.
    Invalid {
        /// Which check failed, for people.
        reason: String,
    },
    /// The tokens could not be checked (unknown subscription, keys unreachable).
    NotChecked {
        /// Why, for people.
        reason: String,
    },
    /// The item carries resource data but the POST no validation tokens: Graph always sends
    /// them with rich notifications, so this one is suspicious.
    Missing,
}

/// An item's `changeType` (unlike the catalog's change types, it may be one nobody asked for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ItemChangeType")]
pub enum ChangeType {
    /// `created`.
    Created,
    /// `updated`.
    Updated,
    /// `deleted`.
    Deleted,
    /// Anything else Graph (or a forger) sent; the item's JSON keeps the text.
    #[serde(other)]
    Unknown,
}

impl ChangeType {
    /// The name Graph uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeType::Created => "created",
            ChangeType::Updated => "updated",
            ChangeType::Deleted => "deleted",
            ChangeType::Unknown => "unknown",
        }
    }

    /// The change type of Graph's name.
    pub fn from_graph(text: &str) -> ChangeType {
        [
            ChangeType::Created,
            ChangeType::Updated,
            ChangeType::Deleted,
        ]
        .into_iter()
        .find(|c| c.as_str() == text)
        .unwrap_or(ChangeType::Unknown)
    }
}

/// An item's `lifecycleEvent` (unlike the catalog's, it may be one this app does not know).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ItemLifecycleEvent")]
pub enum LifecycleEvent {
    /// The access token is about to expire: reauthorize (or renew).
    ReauthorizationRequired,
    /// Graph removed the subscription: create it again.
    SubscriptionRemoved,
    /// Graph dropped notifications: read the resource again (delta) to catch up.
    Missed,
    /// Anything else; the item's JSON keeps the text.
    #[serde(other)]
    Unknown,
}

impl LifecycleEvent {
    /// The name Graph uses.
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleEvent::ReauthorizationRequired => "reauthorizationRequired",
            LifecycleEvent::SubscriptionRemoved => "subscriptionRemoved",
            LifecycleEvent::Missed => "missed",
            LifecycleEvent::Unknown => "unknown",
        }
    }

    /// The event of Graph's name.
    pub fn from_graph(text: &str) -> LifecycleEvent {
        [
            LifecycleEvent::ReauthorizationRequired,
            LifecycleEvent::SubscriptionRemoved,
            LifecycleEvent::Missed,
        ]
        .into_iter()
        .find(|e| e.as_str() == text)
        .unwrap_or(LifecycleEvent::Unknown)
    }
}

/// One item of a notification with what was checked about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedItem {
    /// Its place in the POST's `value` array.
    pub position: u32,
    /// `subscriptionId`.
    pub subscription_id: Option<String>,
    /// `changeType`.
    pub change_type: Option<ChangeType>,
    /// `resource`.
    pub resource: Option<String>,
    /// `lifecycleEvent`.
    pub lifecycle_event: Option<LifecycleEvent>,
    /// The clientState check.
    pub client_state: ClientStateVerdict,
    /// What duplicates share.
    pub dedup_key: String,
    /// The decrypted resource (JSON text).
    pub decrypted: Option<String>,
    /// Why it could not be decrypted.
    pub decrypt_error: Option<String>,
    /// The item as it arrived (JSON text).
    pub item: String,
    /// What the POST's `validationTokens` check said (`None` when it carried none).
    pub tokens: Option<TokenVerdict>,
}

/// What the app knows about its subscriptions (those it created).
pub trait Subscriptions: Send + Sync {
    /// The subscription's clientState: `None` when the subscription is unknown, `Some(None)`
    /// when it has none.
    fn client_state(&self, subscription_id: &str) -> Option<Option<String>>;
    /// The private key of the certificate the app registered under this id.
    fn private_key(&self, certificate_id: &str) -> Option<Arc<verify::DecryptionKey>>;
}

/// Checks a POST's `validationTokens` (the caller fetches and caches the authority's keys).
pub trait TokenChecker: Send + Sync {
    /// The verdict for the tokens of a POST to `subscription_id`'s receiver.
    fn verdict(&self, subscription_id: &str, tokens: &[String]) -> TokenVerdict;
}

/// No known subscriptions: every item is "unknown subscription".
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

/// The most validation tokens one POST is read for (Graph sends one per tenant and app).
pub const MAX_TOKENS: usize = 16;
/// The largest validation token read (Graph's are about 1.5 KiB).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// A notification body read for checking: its items, and the verdict on the POST's tokens for
/// each subscription its items name.
#[derive(Debug)]
pub struct ReadBody {
    items: Vec<Value>,
    tokens: Option<Tokens>,
}

/// The verdict on a POST's validation tokens, as it applies to each item.
#[derive(Debug)]
enum Tokens {
    /// The same for every item (too many tokens, no checker).
    Whole(TokenVerdict),
    /// Per subscription id: the tokens must be issued for *that* subscription's app and tenant.
    PerSubscription(HashMap<String, TokenVerdict>),
}

/// The most distinct subscriptions whose tokens are checked in one POST (each check verifies up
/// to [`MAX_TOKENS`] signatures); items of any further subscription are marked invalid.
pub const MAX_SUBSCRIPTIONS_CHECKED: usize = 16;

impl ReadBody {
    /// How many items it has.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Reads notification bodies into checked items.
pub struct ItemChecker {
    subscriptions: Arc<dyn Subscriptions>,
    tokens: Option<Arc<dyn TokenChecker>>,
}

impl std::fmt::Debug for ItemChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemChecker").finish_non_exhaustive()
    }
}

impl ItemChecker {
    /// clientStates and keys come from `subscriptions`.
    pub fn new(subscriptions: Arc<dyn Subscriptions>) -> ItemChecker {
        ItemChecker {
            subscriptions,
            tokens: None,
        }
    }

    /// Also checks `validationTokens` with `checker`.
    pub fn with_tokens(mut self, checker: Arc<dyn TokenChecker>) -> ItemChecker {
        self.tokens = Some(checker);
        self
    }

    /// Reads a body and checks its validation tokens, or says why it has no items (not JSON, no
    /// `value` array, …).
    pub fn read(&self, body: &[u8]) -> Result<ReadBody, ReadError> {
        let (items, tokens) = verify::items(body)?;
        if items.is_empty() {
            return Err(ReadError::Empty);
        }
        let verdict = if tokens.is_empty() {
            None
        } else if tokens.len() > MAX_TOKENS || tokens.iter().any(|t| t.len() > MAX_TOKEN_BYTES) {
            Some(Tokens::Whole(TokenVerdict::Invalid {
                reason: format!(
                    "more than {MAX_TOKENS} validation tokens, or one larger than {MAX_TOKEN_BYTES} bytes"
                ),
            }))
        } else {
            Some(match &self.tokens {
                Some(checker) => {
                    let mut verdicts = HashMap::new();
                    for item in &items {
                        let subscription = item
                            .get("subscriptionId")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        if verdicts.len() < MAX_SUBSCRIPTIONS_CHECKED
                            && !verdicts.contains_key(subscription)
                        {
                            verdicts.insert(
                                subscription.to_owned(),
                                checker.verdict(subscription, &tokens),
                            );
                        }
                    }
                    Tokens::PerSubscription(verdicts)
                }
                None => Tokens::Whole(TokenVerdict::NotChecked {
                    reason: "no token checker".into(),
                }),
            })
        };
        Ok(ReadBody {
            items,
            tokens: verdict,
        })
    }

    /// Checks the item at `position` of a read body (`None` past its end). An item with
    /// resource data in a POST without validation tokens gets [`TokenVerdict::Missing`].
    pub fn check_item(&self, body: &ReadBody, position: usize) -> Option<CheckedItem> {
        let item = body.items.get(position)?;
        let tokens = match (&body.tokens, item.get("encryptedContent")) {
            (Some(Tokens::Whole(verdict)), _) => Some(verdict.clone()),
            (Some(Tokens::PerSubscription(verdicts)), _) => {
                let subscription = item
                    .get("subscriptionId")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                Some(verdicts.get(subscription).cloned().unwrap_or_else(|| {
                    TokenVerdict::Invalid {
                        reason: format!(
                            "items of more than {MAX_SUBSCRIPTIONS_CHECKED} subscriptions in one POST"
                        ),
                    }
                }))
            }
            (None, Some(_)) => Some(TokenVerdict::Missing),
            (None, None) => None,
        };
        Some(self.check_one(position, item, tokens))
    }

    /// The checked items of one body, or why it has none (not JSON, no `value` array, …).
    pub fn check(&self, body: &[u8]) -> Result<Vec<CheckedItem>, ReadError> {
        let read = self.read(body)?;
        Ok((0..read.len())
            .filter_map(|position| self.check_item(&read, position))
            .collect())
    }

    fn check_one(
        &self,
        position: usize,
        item: &Value,
        tokens: Option<TokenVerdict>,
    ) -> CheckedItem {
        let text = |name: &str| item.get(name).and_then(Value::as_str).map(str::to_owned);
        let subscription_id = text("subscriptionId");
        let expected = subscription_id
            .as_deref()
            .and_then(|id| self.subscriptions.client_state(id));
        let client_state =
            verify::check_client_state(item, expected.as_ref().map(|e| e.as_deref()));
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
        CheckedItem {
            position: u32::try_from(position).unwrap_or(u32::MAX),
            subscription_id,
            change_type: text("changeType").as_deref().map(ChangeType::from_graph),
            resource: text("resource"),
            lifecycle_event: text("lifecycleEvent")
                .as_deref()
                .map(LifecycleEvent::from_graph),
            client_state,
            dedup_key: verify::duplicate_key(item),
            decrypted,
            decrypt_error,
            item: item.to_string(),
            tokens,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trusts tokens only for subscription "a" (as if they were issued for a's app and tenant).
    struct OnlyA;

    impl TokenChecker for OnlyA {
        fn verdict(&self, subscription_id: &str, tokens: &[String]) -> TokenVerdict {
            if subscription_id == "a" {
                TokenVerdict::Valid {
                    count: u32::try_from(tokens.len()).unwrap_or(u32::MAX),
                }
            } else {
                TokenVerdict::Invalid {
                    reason: "not for this subscription's app".into(),
                }
            }
        }
    }

    #[test]
    fn tokens_are_judged_for_each_items_own_subscription() {
        let checker = ItemChecker::new(Arc::new(NoSubscriptions)).with_tokens(Arc::new(OnlyA));
        let body = br#"{"value":[{"subscriptionId":"a","id":"1"},{"subscriptionId":"b","id":"2"}],"validationTokens":["t"]}"#;
        let read = checker.read(body).expect("read");
        let verdicts: Vec<Option<TokenVerdict>> = (0..read.len())
            .map(|p| checker.check_item(&read, p).and_then(|i| i.tokens))
            .collect();
        assert_eq!(verdicts[0], Some(TokenVerdict::Valid { count: 1 }));
        assert!(
            matches!(verdicts[1], Some(TokenVerdict::Invalid { .. })),
            "b's items must not borrow a's valid tokens: {:?}",
            verdicts[1]
        );
    }

    #[test]
    fn verdicts_cross_as_tagged_unions() {
        let valid = serde_json::to_value(TokenVerdict::Valid { count: 2 }).ok();
        assert_eq!(
            valid,
            Some(serde_json::json!({"state": "valid", "count": 2}))
        );
        let unknown: Option<ChangeType> = serde_json::from_str("\"renamed\"").ok();
        assert_eq!(unknown, Some(ChangeType::Unknown));
        assert_eq!(
            ClientStateVerdict::from_stored("garbage"),
            ClientStateVerdict::Differs
        );
        for verdict in [
            ClientStateVerdict::Matches,
            ClientStateVerdict::Differs,
            ClientStateVerdict::Missing,
            ClientStateVerdict::UnknownSubscription,
        ] {
            assert_eq!(ClientStateVerdict::from_stored(verdict.as_str()), verdict);
        }
    }
}
