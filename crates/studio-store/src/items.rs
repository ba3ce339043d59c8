//! The items of each notification, with what was checked about them after the acknowledgement:
//! the clientState result, the duplicate they repeat (same `id`, else the same content), the
//! lifecycle event, and the decrypted resource or why it could not be decrypted.

use std::sync::Arc;

use rusqlite::{OptionalExtension, params};
use studio_receiver::checks::{AfterCommit, Bytes, ItemChecker};
use studio_receiver::{
    ChangeType, CheckedItem, ClientStateVerdict, LifecycleEvent, ReceptionKind, TokenVerdict,
};

use crate::{Store, StoreError};

/// A kept item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    /// Its id.
    pub id: i64,
    /// The reception it came in.
    pub reception_id: i64,
    /// The first item it repeats, if it is a duplicate.
    pub duplicate_of: Option<i64>,
    /// Everything else.
    pub item: CheckedItem,
}

/// The columns `item_row` reads.
pub(crate) const ITEM_SELECT: &str = "SELECT id, reception_id, duplicate_of, position, subscription_id, change_type, resource, lifecycle_event,
        client_state, dedup_key, decrypted, decrypt_error, item, tokens FROM items";

/// Reads an item row selected with [`ITEM_SELECT`]. Verdicts are kept as their names (and the
/// token verdict as its JSON); a damaged one reads as the distrustful value.
pub(crate) fn item_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredItem> {
    let change_type: Option<String> = row.get(5)?;
    let lifecycle_event: Option<String> = row.get(7)?;
    let client_state: String = row.get(8)?;
    let tokens: Option<String> = row.get(13)?;
    Ok(StoredItem {
        id: row.get(0)?,
        reception_id: row.get(1)?,
        duplicate_of: row.get(2)?,
        item: CheckedItem {
            position: row.get(3)?,
            subscription_id: row.get(4)?,
            change_type: change_type.as_deref().map(ChangeType::from_graph),
            resource: row.get(6)?,
            lifecycle_event: lifecycle_event.as_deref().map(LifecycleEvent::from_graph),
            client_state: ClientStateVerdict::from_stored(&client_state),
            dedup_key: row.get(9)?,
            decrypted: row.get(10)?,
            decrypt_error: row.get(11)?,
            item: row.get(12)?,
            tokens: tokens.map(|text| {
                serde_json::from_str(&text).unwrap_or(TokenVerdict::NotChecked {
                    reason: "the stored verdict is unreadable".into(),
                })
            }),
        },
    })
}

fn tokens_json(tokens: Option<&TokenVerdict>) -> Option<String> {
    tokens.and_then(|t| serde_json::to_string(t).ok())
}

impl Store {
    /// Keeps the items of one reception; each is marked as a duplicate of the first earlier item
    /// with the same key.
    pub fn insert_items(&self, reception_id: i64, items: &[CheckedItem]) -> Result<(), StoreError> {
        self.with(|c| {
            let transaction = c.transaction()?;
            for item in items {
                let duplicate_of: Option<i64> = transaction
                    .query_row("SELECT MIN(id) FROM items WHERE dedup_key = ?1", params![item.dedup_key], |row| row.get(0))
                    .optional()?
                    .flatten();
                transaction.execute(
                    "INSERT INTO items (reception_id, position, subscription_id, change_type, resource, lifecycle_event,
                        client_state, dedup_key, duplicate_of, decrypted, decrypt_error, item, tokens)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                    params![
                        reception_id,
                        item.position,
                        item.subscription_id,
                        item.change_type.map(ChangeType::as_str),
                        item.resource,
                        item.lifecycle_event.map(LifecycleEvent::as_str),
                        item.client_state.as_str(),
                        item.dedup_key,
                        duplicate_of,
                        item.decrypted,
                        item.decrypt_error,
                        item.item,
                        tokens_json(item.tokens.as_ref())
                    ],
                )?;
            }
            transaction.commit()?;
            Ok(())
        })
    }

    /// The newest items first.
    pub fn items(&self, limit: u32) -> Result<Vec<StoredItem>, StoreError> {
        self.with(|c| {
            let mut statement =
                c.prepare_cached(&format!("{ITEM_SELECT} ORDER BY id DESC LIMIT ?1"))?;
            let rows = statement.query_map(params![limit], item_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}

/// The receiver's [`AfterCommit`] hook over this store: checks a stored notification's items and
/// keeps them, or keeps why it has none (not JSON, no `value` array, …).
pub struct CheckAndKeep {
    checker: ItemChecker,
    store: Arc<Store>,
}

impl std::fmt::Debug for CheckAndKeep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckAndKeep").finish_non_exhaustive()
    }
}

impl CheckAndKeep {
    /// Items checked by `checker` go to `store`.
    pub fn new(store: Arc<Store>, checker: ItemChecker) -> CheckAndKeep {
        CheckAndKeep { checker, store }
    }

    /// Checks the body of reception `id` and keeps the result; answers the items kept.
    pub fn check_and_keep(&self, id: i64, body: &[u8]) -> Vec<CheckedItem> {
        match self.checker.check(body) {
            Ok(items) => {
                if let Err(error) = self.store.insert_items(id, &items) {
                    tracing::warn!(%error, reception = id, "the items of a notification could not be kept");
                }
                items
            }
            Err(why) => {
                // Acknowledged (Graph must not retry garbage forever), kept, and now explained.
                if let Err(error) = self.store.set_reception_reason(id, &why.to_string()) {
                    tracing::warn!(%error, reception = id, "the reason could not be kept");
                }
                Vec::new()
            }
        }
    }
}

impl AfterCommit for CheckAndKeep {
    fn stored(&self, id: i64, kind: ReceptionKind, body: Bytes) {
        if kind.has_items() {
            self.check_and_keep(id, &body);
        }
    }
}
