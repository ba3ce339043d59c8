//! The schema, versioned with `PRAGMA user_version` and migrated forward on open; a database
//! from a newer app is refused rather than damaged.

use rusqlite::Connection;

use crate::StoreError;

/// The newest schema this build knows.
pub const SCHEMA_VERSION: i64 = 16;

const MIGRATIONS: [&str; 16] = [
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
    // 8: the durable check queue (a notification is pending until its items are kept; checks
    // resume after `checked_items`), items indexed in order within their reception, the tenant a subscription
    // was made in (validation tokens must come from it). Notifications acknowledged but never
    // checked by an older build are queued now. New items are indexed for search by one statement
    // per transaction (since 15, behind the checks: `search_index.rs`), not by a trigger per row: every row's trigger opened a
    // statement savepoint, at which FTS5 writes its pending terms to disk as a new segment, so
    // each item cost a flush and the merges that follow (three quarters of the check time).
    "ALTER TABLE receptions ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE receptions ADD COLUMN checked_items INTEGER NOT NULL DEFAULT 0;
     CREATE INDEX receptions_pending ON receptions (id) WHERE pending = 1;
     CREATE INDEX items_reception_position ON items (reception_id, position);
     DROP INDEX items_reception;
     DROP TRIGGER items_text_insert;
     UPDATE receptions SET pending = 1
      WHERE kind IN ('notification', 'lifecycle') AND reason IS NULL
        AND NOT EXISTS (SELECT 1 FROM items WHERE items.reception_id = receptions.id);
     ALTER TABLE owned_subscriptions ADD COLUMN tenant_id TEXT;",
    // 9: the conformance suite's history (reports as JSON; the store knows nothing of their type).
    "CREATE TABLE conformance_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at INTEGER NOT NULL,
        url TEXT NOT NULL,
        outcome TEXT NOT NULL,
        report TEXT NOT NULL
     );",
    // 10: the gap audit: when the receiver listened, gaps with their reconciliation (JSON), the
    // delta link kept per subscription and delta path, and which subscription replaced which.
    "CREATE TABLE listening (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at INTEGER NOT NULL,
        alive_at INTEGER NOT NULL,
        stopped_at INTEGER
     );
     CREATE TABLE gaps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        subscription_id TEXT NOT NULL,
        cause TEXT NOT NULL,
        from_at INTEGER NOT NULL,
        to_at INTEGER NOT NULL,
        opened_at INTEGER NOT NULL,
        detail TEXT NOT NULL,
        reconciled_at INTEGER,
        reconciliation TEXT
     );
     CREATE INDEX gaps_subscription ON gaps (subscription_id, id);
     CREATE TABLE delta_links (
        subscription_id TEXT NOT NULL,
        start TEXT NOT NULL,
        link TEXT NOT NULL,
        taken_at INTEGER NOT NULL,
        PRIMARY KEY (subscription_id, start)
     );
     CREATE TABLE replaced_subscriptions (old_id TEXT PRIMARY KEY, new_id TEXT NOT NULL);
     CREATE INDEX items_subscription ON items (subscription_id, reception_id);",
    // 11: where each Event Hubs consumer is, per partition: moved in the same transaction as the
    // events it read, so a restart neither loses nor repeats one.
    "CREATE TABLE hub_offsets (
        source TEXT NOT NULL,
        partition INTEGER NOT NULL,
        next_offset INTEGER NOT NULL,
        committed_at TEXT NOT NULL,
        PRIMARY KEY (source, partition)
     );",
    // 12: substring search over every reception without reading every row (`search_index.rs`):
    // a contentless trigram index, filled behind the acknowledgement by the check queue.
    "CREATE VIRTUAL TABLE receptions_text USING fts5 (text, tokenize = 'trigram', content = '', contentless_delete = 1);
     CREATE TRIGGER receptions_text_delete AFTER DELETE ON receptions BEGIN
        DELETE FROM receptions_text WHERE rowid = old.id;
     END;",
    // 13: the HTTP log now redacts every clientState before it is stored; what older versions
    // logged held them in clear, so it goes (a log of recent calls, not a record).
    "DELETE FROM http_log;",
    // 14: the receiver's delivery health, recorded with each heartbeat (and when its state
    // moves), so another process (`webhook-studio health`) can read it; each conformance run's
    // judgement of its answers beside its report (health lists them without parsing reports).
    "ALTER TABLE listening ADD COLUMN delivery TEXT;
     ALTER TABLE listening ADD COLUMN delivery_at INTEGER;
     ALTER TABLE conformance_runs ADD COLUMN delivery TEXT;",
    // 15: items are indexed for search behind the checks, like receptions (`search_index.rs`):
    // `search_progress` says how far; the index's delete trigger fires only for items it holds
    // (a 'delete' of a row an external-content FTS5 index never held damages the index).
    "CREATE TABLE search_progress (name TEXT PRIMARY KEY, upto INTEGER NOT NULL);
     INSERT INTO search_progress (name, upto) VALUES ('items', COALESCE((SELECT MAX(id) FROM items), 0));
     DROP TRIGGER items_text_delete;
     CREATE TRIGGER items_text_delete AFTER DELETE ON items
        WHEN old.id <= (SELECT upto FROM search_progress WHERE name = 'items') BEGIN
        INSERT INTO items_text (items_text, rowid, item, decrypted) VALUES ('delete', old.id, old.item, old.decrypted);
     END;",
    // 16: the trigram index reads text without diacritics, as the items' word index always did,
    // so "cafe" finds "café" in a path as in an item. It is built again behind the checks (its
    // newest entry is where the keeper starts; until then searches scan what it lacks).
    "DROP TRIGGER receptions_text_delete;
     DROP TABLE receptions_text;
     CREATE VIRTUAL TABLE receptions_text USING fts5 (text, tokenize = 'trigram remove_diacritics 1', content = '', contentless_delete = 1);
     CREATE TRIGGER receptions_text_delete AFTER DELETE ON receptions BEGIN
        DELETE FROM receptions_text WHERE rowid = old.id;
     END;",
];

/// Brings a database up to [`SCHEMA_VERSION`].
pub(crate) fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
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
    Ok(())
}
