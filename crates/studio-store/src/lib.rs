//! The app's SQLite store (`studio.sqlite3` in the data directory).
//!
//! It keeps what must survive a restart and may be exported: account configurations (never a
//! secret: those are in the OS keyring), the HTTP exchange log (Authorization already redacted),
//! every reception with its checked items, the subscriptions the app made and certificates'
//! public parts. The schema is versioned with `PRAGMA user_version` and migrated forward on open;
//! a database from a newer app is refused rather than damaged. WAL mode keeps readers and the
//! writer out of each other's way.
//!
//! The store knows the receiver's types (it implements its [`studio_receiver::ReceptionSink`])
//! but not the identity or Graph crates: accounts and exchanges arrive as values it keeps as
//! JSON, whatever their type.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub mod inspect;
pub mod items;
pub mod owned;
pub mod receptions;

pub use inspect::{Forward, ReceptionQuery, ReceptionSummary};
pub use items::{CheckAndKeep, StoredItem};
pub use owned::{
    OwnedSubscription, RenewalAction, RenewalEntry, StoredCertificate, SubscriptionState,
};
pub use receptions::{GroupCommit, Reception};

/// The newest schema this build knows.
pub const SCHEMA_VERSION: i64 = 7;
/// Exchanges kept in the log; older ones are dropped as new ones arrive.
pub const HTTP_LOG_LIMIT: i64 = 5_000;

const MIGRATIONS: [&str; 7] = [
    // 1: accounts and the HTTP exchange log.
    "CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        position INTEGER NOT NULL,
        config TEXT NOT NULL
     );
     CREATE TABLE http_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        at TEXT NOT NULL,
        exchange TEXT NOT NULL
     );
     CREATE INDEX http_log_account ON http_log (account_id, seq);",
    // 2: small named values (the account in use).
    "CREATE TABLE preferences (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    // 3: every request the receiver got, stored before it is acknowledged.
    "CREATE TABLE receptions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        received_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        query TEXT NOT NULL,
        headers TEXT NOT NULL,
        body BLOB NOT NULL,
        peer TEXT NOT NULL,
        status INTEGER NOT NULL,
        reason TEXT
     );
     CREATE INDEX receptions_kind ON receptions (kind, id);",
    // 4: the items of each notification with what was checked about them.
    "CREATE TABLE items (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        reception_id INTEGER NOT NULL REFERENCES receptions (id),
        position INTEGER NOT NULL,
        subscription_id TEXT,
        change_type TEXT,
        resource TEXT,
        lifecycle_event TEXT,
        client_state TEXT NOT NULL,
        dedup_key TEXT NOT NULL,
        duplicate_of INTEGER,
        decrypted TEXT,
        decrypt_error TEXT,
        item TEXT NOT NULL
     );
     CREATE INDEX items_dedup ON items (dedup_key);
     CREATE INDEX items_reception ON items (reception_id);",
    // 5: what the app created: subscriptions, their renewal history, certificates' public parts.
    "CREATE TABLE owned_subscriptions (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        resource TEXT NOT NULL,
        change_type TEXT NOT NULL,
        client_state TEXT NOT NULL,
        certificate_id TEXT,
        include_resource_data INTEGER NOT NULL,
        notification_url TEXT NOT NULL,
        lifecycle_url TEXT,
        expiration TEXT NOT NULL,
        created_at TEXT NOT NULL,
        state TEXT NOT NULL,
        note TEXT,
        request TEXT NOT NULL
     );
     CREATE TABLE renewals (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        subscription_id TEXT NOT NULL,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        ok INTEGER NOT NULL,
        detail TEXT NOT NULL
     );
     CREATE INDEX renewals_subscription ON renewals (subscription_id, seq);
     CREATE TABLE certificates (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        bits INTEGER NOT NULL,
        subject TEXT NOT NULL,
        not_after TEXT NOT NULL,
        thumbprint TEXT NOT NULL,
        der BLOB NOT NULL,
        retired_at TEXT
     );",
    // 6: full-text search over what arrived (each item as received and decrypted), and where
    // forwarded copies went.
    "CREATE VIRTUAL TABLE items_text USING fts5 (item, decrypted, content = 'items', content_rowid = 'id');
     CREATE TRIGGER items_text_insert AFTER INSERT ON items BEGIN
        INSERT INTO items_text (rowid, item, decrypted) VALUES (new.id, new.item, new.decrypted);
     END;
     CREATE TRIGGER items_text_delete AFTER DELETE ON items BEGIN
        INSERT INTO items_text (items_text, rowid, item, decrypted) VALUES ('delete', old.id, old.item, old.decrypted);
     END;
     ALTER TABLE items ADD COLUMN tokens TEXT;
     CREATE TABLE forwards (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        reception_id INTEGER NOT NULL,
        at TEXT NOT NULL,
        url TEXT NOT NULL,
        status INTEGER,
        duration_ms INTEGER NOT NULL,
        body TEXT,
        failure TEXT
     );
     CREATE INDEX forwards_reception ON forwards (reception_id);",
    // 7: validation-token verdicts as typed JSON (they were sentences: "valid (1)", "invalid: …").
    "UPDATE items SET tokens = CASE
        WHEN tokens LIKE 'valid (%' THEN json_object('state', 'valid', 'count', CAST(substr(tokens, 8, length(tokens) - 8) AS INTEGER))
        WHEN tokens LIKE 'invalid: %' THEN json_object('state', 'invalid', 'reason', substr(tokens, 10))
        WHEN tokens LIKE 'not checked: %' THEN json_object('state', 'notChecked', 'reason', substr(tokens, 14))
        ELSE json_object('state', 'notChecked', 'reason', tokens) END
     WHERE tokens IS NOT NULL AND json_valid(tokens) = 0;",
];

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite said no.
    #[error("the database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file is from a newer version of the app.
    #[error(
        "the database was written by a newer version of the app (schema {0}, this one knows {SCHEMA_VERSION})"
    )]
    TooNew(i64),
    /// A stored value could not be read back.
    #[error("a stored value is damaged: {0}")]
    Damaged(String),
    /// The store's lock was poisoned by a panic elsewhere.
    #[error("the store is unavailable")]
    Poisoned,
}

/// The store.
#[derive(Debug)]
pub struct Store {
    connection: Mutex<Connection>,
}

impl Store {
    /// Opens (creating and migrating) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        Store::prepare(connection)
    }

    /// A store in memory (tests, the CLI's dry runs).
    pub fn in_memory() -> Result<Store, StoreError> {
        Store::prepare(Connection::open_in_memory()?)
    }

    fn prepare(mut connection: Connection) -> Result<Store, StoreError> {
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew(version));
        }
        for (index, migration) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            let transaction = connection.transaction()?;
            transaction.execute_batch(migration)?;
            transaction.pragma_update(None, "user_version", index + 1)?;
            transaction.commit()?;
            tracing::info!(version = index + 1, "database migrated");
        }
        Ok(Store {
            connection: Mutex::new(connection),
        })
    }

    pub(crate) fn with<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut connection = self.connection.lock().map_err(|_| StoreError::Poisoned)?;
        work(&mut connection)
    }

    /// Every account's configuration, in the order they were added.
    pub fn accounts<T: DeserializeOwned>(&self) -> Result<Vec<T>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare("SELECT config FROM accounts ORDER BY position, id")?;
            let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
            rows.map(|row| {
                let text = row?;
                serde_json::from_str(&text).map_err(|e| StoreError::Damaged(e.to_string()))
            })
            .collect()
        })
    }

    /// Adds or replaces an account's configuration (by id).
    pub fn put_account<T: Serialize>(&self, id: &str, account: &T) -> Result<(), StoreError> {
        let config =
            serde_json::to_string(account).map_err(|e| StoreError::Damaged(e.to_string()))?;
        self.with(|c| {
            let existing: Option<i64> = c
                .query_row(
                    "SELECT position FROM accounts WHERE id = ?1",
                    params![id],
                    |row| row.get(0),
                )
                .optional()?;
            let position = match existing {
                Some(position) => position,
                None => c.query_row(
                    "SELECT COALESCE(MAX(position), 0) + 1 FROM accounts",
                    [],
                    |row| row.get(0),
                )?,
            };
            c.execute(
                "INSERT INTO accounts (id, position, config) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET config = excluded.config",
                params![id, position, config],
            )?;
            Ok(())
        })
    }

    /// Removes an account and its log; removing nothing is fine.
    pub fn remove_account(&self, id: &str) -> Result<bool, StoreError> {
        self.with(|c| {
            let transaction = c.transaction()?;
            let removed = transaction.execute("DELETE FROM accounts WHERE id = ?1", params![id])?;
            transaction.execute("DELETE FROM http_log WHERE account_id = ?1", params![id])?;
            transaction.commit()?;
            Ok(removed > 0)
        })
    }

    /// Appends an exchange (`id`, the account's id, when) to the log, dropping the oldest
    /// beyond the limit.
    pub fn record_exchange<T: Serialize>(
        &self,
        id: &str,
        account_id: &str,
        at: &str,
        exchange: &T,
    ) -> Result<(), StoreError> {
        let text =
            serde_json::to_string(exchange).map_err(|e| StoreError::Damaged(e.to_string()))?;
        self.with(|c| {
            c.execute(
                "INSERT INTO http_log (id, account_id, at, exchange) VALUES (?1, ?2, ?3, ?4)",
                params![id, account_id, at, text],
            )?;
            c.execute(
                "DELETE FROM http_log WHERE seq <= (SELECT MAX(seq) FROM http_log) - ?1",
                params![HTTP_LOG_LIMIT],
            )?;
            Ok(())
        })
    }

    /// The newest exchanges first, optionally of one account.
    pub fn exchanges<T: DeserializeOwned>(
        &self,
        account_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<T>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare(
                "SELECT exchange FROM http_log WHERE ?1 IS NULL OR account_id = ?1 ORDER BY seq DESC LIMIT ?2",
            )?;
            let rows = statement.query_map(params![account_id, limit], |row| row.get::<_, String>(0))?;
            rows.map(|row| serde_json::from_str(&row?).map_err(|e| StoreError::Damaged(e.to_string())))
                .collect()
        })
    }

    /// A named value, if set.
    pub fn preference(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT value FROM preferences WHERE key = ?1",
                params![key],
                |row| row.get(0),
            )
            .optional()?)
        })
    }

    /// Sets (or, with `None`, clears) a named value.
    pub fn set_preference(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        self.with(|c| {
            match value {
                Some(value) => c.execute(
                    "INSERT INTO preferences (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![key, value],
                )?,
                None => c.execute("DELETE FROM preferences WHERE key = ?1", params![key])?,
            };
            Ok(())
        })
    }

    /// Empties the log.
    pub fn clear_exchanges(&self) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute("DELETE FROM http_log", [])?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Clone, Serialize, Deserialize)]
    struct Account {
        id: String,
        name: String,
    }

    fn account(id: &str) -> Account {
        Account {
            id: id.into(),
            name: format!("{id}@contoso.example"),
        }
    }

    #[derive(Debug, Serialize, Deserialize)]
    struct Exchange {
        id: String,
        account_id: String,
        url: String,
    }

    fn record(store: &Store, n: usize, account: &str) {
        let exchange = Exchange {
            id: format!("r{n}"),
            account_id: account.into(),
            url: "https://graph.microsoft.com/v1.0/subscriptions".into(),
        };
        store
            .record_exchange(&exchange.id, account, "2026-11-23T00:00:00Z", &exchange)
            .expect("log");
    }

    #[test]
    fn accounts_keep_their_order_and_survive_reopening() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("studio.sqlite3");
        {
            let store = Store::open(&path).expect("opens");
            for id in ["b", "a", "c"] {
                store.put_account(id, &account(id)).expect("put");
            }
            let mut renamed = account("a");
            renamed.name = "renamed".into();
            store.put_account("a", &renamed).expect("replace");
            record(&store, 1, "a");
            assert!(store.remove_account("c").expect("remove"));
            assert!(!store.remove_account("c").expect("remove again"));
        }
        let store = Store::open(&path).expect("reopens");
        let names: Vec<String> = store
            .accounts::<Account>()
            .expect("list")
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(names, vec!["b@contoso.example", "renamed"]);
        assert_eq!(
            store
                .exchanges::<Exchange>(Some("a"), 10)
                .expect("log")
                .len(),
            1
        );
        store
            .set_preference("current-account", Some("b"))
            .expect("set");
        assert_eq!(
            store.preference("current-account").expect("get").as_deref(),
            Some("b")
        );
        store
            .set_preference("current-account", None)
            .expect("clear");
        assert_eq!(store.preference("current-account").expect("get"), None);
    }

    #[test]
    fn the_log_keeps_the_newest_and_a_newer_schema_is_refused() {
        let store = Store::in_memory().expect("opens");
        for n in 0..usize::try_from(HTTP_LOG_LIMIT).unwrap_or(0) + 10 {
            record(&store, n, if n % 2 == 0 { "a" } else { "b" });
        }
        let all = store.exchanges::<Exchange>(None, 100_000).expect("all");
        assert_eq!(all.len(), usize::try_from(HTTP_LOG_LIMIT).unwrap_or(0));
        assert_eq!(
            all[0].id,
            format!("r{}", HTTP_LOG_LIMIT + 9),
            "newest first"
        );
        assert!(
            store
                .exchanges::<Exchange>(Some("a"), 5)
                .expect("a")
                .iter()
                .all(|x| x.account_id == "a")
        );

        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("future.sqlite3");
        let connection = Connection::open(&path).expect("open");
        connection
            .pragma_update(None, "user_version", 99)
            .expect("set");
        drop(connection);
        assert!(matches!(Store::open(&path), Err(StoreError::TooNew(99))));
    }
}
