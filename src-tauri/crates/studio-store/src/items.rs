//! The items of each notification, with what was checked about them after the acknowledgement:
//! the clientState result, the duplicate they repeat (same `id`, else the same content), the
//! lifecycle event, and the decrypted resource or why it could not be decrypted.

use rusqlite::{OptionalExtension, params};

use crate::{Store, StoreError};

/// One item to keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewItem {
    /// Its place in the POST's `value` array.
    pub position: u32,
    /// `subscriptionId`.
    pub subscription_id: Option<String>,
    /// `changeType`.
    pub change_type: Option<String>,
    /// `resource`.
    pub resource: Option<String>,
    /// `lifecycleEvent`.
    pub lifecycle_event: Option<String>,
    /// `matches`, `differs`, `missing` or `unknownSubscription`.
    pub client_state: String,
    /// What duplicates share.
    pub dedup_key: String,
    /// The decrypted resource (JSON text).
    pub decrypted: Option<String>,
    /// Why it could not be decrypted.
    pub decrypt_error: Option<String>,
    /// The item as it arrived (JSON text).
    pub item: String,
    /// What the POST's `validationTokens` check said (`None` when it carried none).
    pub tokens: Option<String>,
}

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
    pub item: NewItem,
}

/// The columns `item_row` reads.
pub(crate) const ITEM_SELECT: &str = "SELECT id, reception_id, duplicate_of, position, subscription_id, change_type, resource, lifecycle_event,
        client_state, dedup_key, decrypted, decrypt_error, item, tokens FROM items";

/// Reads an item row selected with [`ITEM_SELECT`].
pub(crate) fn item_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredItem> {
    Ok(StoredItem {
        id: row.get(0)?,
        reception_id: row.get(1)?,
        duplicate_of: row.get(2)?,
        item: NewItem {
            position: row.get(3)?,
            subscription_id: row.get(4)?,
            change_type: row.get(5)?,
            resource: row.get(6)?,
            lifecycle_event: row.get(7)?,
            client_state: row.get(8)?,
            dedup_key: row.get(9)?,
            decrypted: row.get(10)?,
            decrypt_error: row.get(11)?,
            item: row.get(12)?,
            tokens: row.get(13)?,
        },
    })
}

impl Store {
    /// Keeps the items of one reception; each is marked as a duplicate of the first earlier item
    /// with the same key.
    pub fn insert_items(&self, reception_id: i64, items: &[NewItem]) -> Result<(), StoreError> {
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
                        item.change_type,
                        item.resource,
                        item.lifecycle_event,
                        item.client_state,
                        item.dedup_key,
                        duplicate_of,
                        item.decrypted,
                        item.decrypt_error,
                        item.item,
                        item.tokens
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
