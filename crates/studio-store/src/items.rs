//! The items of each notification, with what was checked about them after the acknowledgement:
//! the clientState result, the duplicate they repeat (same `id`, else the same content), the
//! lifecycle event, and the decrypted resource or why it could not be decrypted.

use rusqlite::{OptionalExtension, Transaction, params};
use studio_receiver::{ChangeType, CheckedItem, ClientStateVerdict, LifecycleEvent, TokenVerdict};

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
        self.write(|transaction| insert_in(transaction, reception_id, items))
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

/// Keeps items within `transaction` (the check queue writes a large body's items a hundred per
/// transaction). They are indexed for search later (`search_index.rs`).
pub(crate) fn insert_in(
    transaction: &Transaction<'_>,
    reception_id: i64,
    items: &[CheckedItem],
) -> Result<(), StoreError> {
    let mut find = transaction.prepare_cached("SELECT MIN(id) FROM items WHERE dedup_key = ?1")?;
    let mut insert = transaction.prepare_cached(
        "INSERT INTO items (reception_id, position, subscription_id, change_type, resource, lifecycle_event,
            client_state, dedup_key, duplicate_of, decrypted, decrypt_error, item, tokens)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for item in items {
        let duplicate_of: Option<i64> = find
            .query_row(params![item.dedup_key], |row| row.get(0))
            .optional()?
            .flatten();
        insert.execute(params![
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
        ])?;
    }
    Ok(())
}
