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

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

mod check_rounds;
pub mod checking;
pub mod conformance;
mod doorbell;
pub mod gaps;
pub mod hub_offsets;
pub mod inspect;
pub mod items;
mod migrations;
pub mod owned;
pub mod receptions;
pub mod retention;
mod search_index;
#[cfg(test)]
mod test_support;
mod writing;

use writing::{Priority, WriteGate, Writer};

pub use migrations::SCHEMA_VERSION;

/// Exchanges kept in the log; older ones are dropped as new ones arrive.
pub const HTTP_LOG_LIMIT: i64 = 5_000;
pub use inspect::{Forward, ReceptionQuery, ReceptionSummary};
pub use items::StoredItem;
pub use owned::{
    OwnedSubscription, RenewalAction, RenewalEntry, StoredCertificate, SubscriptionState,
};
pub use receptions::{GroupCommit, Reception};

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
    /// The database file could not be created.
    #[error("the database file could not be created: {0}")]
    Io(#[source] std::io::Error),
}

/// The store: one database file, several connections to it.
///
/// SQLite in WAL mode lets readers and one writer proceed together. The store's own connection
/// serves reads and small writes (accounts, preferences, the window's queries); the reception
/// writer ([`GroupCommit`]) and the check queue ([`checking::CheckQueue`]) each open their own,
/// so acknowledging a notification never waits behind a query. Writes from all of them take
/// turns through one in-process gate ([`writing`]), each holding it for one short transaction.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    connection: Mutex<Connection>,
    gate: WriteGate,
    temporary: bool,
}

impl Drop for Store {
    fn drop(&mut self) {
        if self.temporary {
            for suffix in ["", "-wal", "-shm"] {
                let mut file = self.path.clone().into_os_string();
                file.push(suffix);
                let _ = std::fs::remove_file(file);
            }
        }
    }
}

impl Store {
    /// Opens (creating, private to the user, and migrating) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        create_private(path)?;
        let mut connection = connect(path)?;
        migrations::migrate(&mut connection)?;
        Ok(Store {
            path: path.to_path_buf(),
            connection: Mutex::new(connection),
            gate: WriteGate::new(path)?,
            temporary: false,
        })
    }

    /// A store in a private temporary file, removed when the store is dropped (tests, tools).
    pub fn temporary() -> Result<Store, StoreError> {
        let name = format!(
            "studio-store-{}-{}.sqlite3",
            std::process::id(),
            studio_primitives::ids::random_hex(8)
        );
        let mut store = Store::open(&std::env::temp_dir().join(name))?;
        store.temporary = true;
        Ok(store)
    }

    /// A new connection of its own that writes through this store's gate at `priority`.
    pub(crate) fn writer(&self, priority: Priority) -> Result<Writer, StoreError> {
        Ok(Writer::new(
            connect(&self.path)?,
            self.gate.clone(),
            priority,
        ))
    }

    /// A handle on the same database with a connection of its own (sharing this store's write
    /// gate), for a thread that must neither wait for nor hold the store's connection: `listen`'s
    /// printer runs at a lowered priority, and holding the shared connection there would keep
    /// everyone else waiting while it is not scheduled.
    pub fn own_connection(&self) -> Result<Store, StoreError> {
        Ok(Store {
            path: self.path.clone(),
            connection: Mutex::new(connect(&self.path)?),
            gate: self.gate.clone(),
            temporary: false,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` on the store's own connection.
    pub(crate) fn with<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut connection = self.connection.lock().map_err(|_| StoreError::Poisoned)?;
        work(&mut connection)
    }

    /// Runs `work` in a write transaction on the store's own connection.
    pub(crate) fn write<T>(
        &self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut connection = self.connection.lock().map_err(|_| StoreError::Poisoned)?;
        self.gate.transaction(&mut connection, work)
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
        self.write(|c| {
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
        self.write(|c| {
            let removed = c.execute("DELETE FROM accounts WHERE id = ?1", params![id])?;
            c.execute("DELETE FROM http_log WHERE account_id = ?1", params![id])?;
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
        self.write(|c| {
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
        self.with(|c| read_preference(c, key))
    }

    /// Sets (or, with `None`, clears) a named value.
    pub fn set_preference(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        self.update_preference(key, |_| Ok::<_, StoreError>(value.map(str::to_owned)))
    }

    /// Changes a named value in one write transaction: `change` is given the value as it is
    /// and answers the new one (`None` clears it), so two processes (the window and the CLI) or
    /// two commands updating it at once each see the other's change. A refusal from `change`
    /// writes nothing and is returned.
    pub fn update_preference<E: From<StoreError>>(
        &self,
        key: &str,
        change: impl FnOnce(Option<String>) -> Result<Option<String>, E>,
    ) -> Result<(), E> {
        let mut refused = None;
        self.write(|c| {
            match change(read_preference(c, key)?) {
                Ok(Some(value)) => c.execute(
                    "INSERT INTO preferences (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![key, value],
                )?,
                Ok(None) => c.execute("DELETE FROM preferences WHERE key = ?1", params![key])?,
                Err(error) => {
                    refused = Some(error);
                    0
                }
            };
            Ok(())
        })?;
        refused.map_or(Ok(()), Err)
    }

    /// Empties the log.
    pub fn clear_exchanges(&self) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute("DELETE FROM http_log", [])?;
            Ok(())
        })
    }
}

fn read_preference(connection: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(connection
        .query_row(
            "SELECT value FROM preferences WHERE key = ?1",
            params![key],
            |row| row.get(0),
        )
        .optional()?)
}

/// Creates the database file readable and writable by its owner only (SQLite gives its `-wal`
/// and `-shm` files the same permissions).
fn create_private(path: &Path) -> Result<(), StoreError> {
    if path.exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(StoreError::Io(error)),
    }
}

/// A connection with the store's settings.
fn connect(path: &Path) -> Result<Connection, StoreError> {
    let connection = Connection::open(path)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(
        None,
        "wal_autocheckpoint",
        writing::FALLBACK_CHECKPOINT_PAGES,
    )?;
    connection.pragma_update(None, "journal_size_limit", writing::LOG_SIZE_KEPT)?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    connection.busy_timeout(std::time::Duration::from_secs(10))?;
    search_index::register_fold(&connection)?;
    Ok(connection)
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
        let store = Store::temporary().expect("opens");
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
