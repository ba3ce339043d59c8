//! Reading what arrived, for the Inspector, the CLI and exports: pages of reception summaries
//! (newest first, filtered by kind or by search: words of the items, as received and decrypted,
//! by prefix; a substring of every reception's kind, path and query, and of the start of a body
//! with no items, through the trigram index of `search_index.rs`), one reception with its items,
//! and forwarded copies.

use rusqlite::params;
use studio_receiver::{ChangeType, LifecycleEvent, ReceptionKind};

use crate::search_index;
use crate::{Reception, Store, StoreError, StoredItem};

/// Which receptions to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReceptionQuery {
    /// Only ids below this one (the next page).
    pub before: Option<i64>,
    /// Only ids above this one (what arrived since).
    pub after: Option<i64>,
    /// Only this kind.
    pub kind: Option<ReceptionKind>,
    /// FTS5 words that an item (as received, or decrypted) must contain.
    pub text: Option<String>,
    /// At most this many.
    pub limit: u32,
    /// Skip this many first (the Inspector reads the page at a scroll position).
    pub offset: u32,
    /// Oldest first (`listen` prints in order of arrival); newest first otherwise.
    pub oldest_first: bool,
}

/// A reception with counts of what its items' checks found (a line of the Inspector's list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceptionSummary {
    /// Its id.
    pub id: i64,
    /// When it arrived (RFC 3339).
    pub received_at: String,
    /// What it was.
    pub kind: ReceptionKind,
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// The query string (a hub event's partition and offset).
    pub query: String,
    /// The status answered.
    pub status: u16,
    /// Why it was refused or unexpected.
    pub reason: Option<String>,
    /// Body size in bytes.
    pub body_bytes: i64,
    /// Who sent it.
    pub peer: String,
    /// Items read from it.
    pub items: i64,
    /// The first item's change type.
    pub change_type: Option<ChangeType>,
    /// The first item's lifecycle event.
    pub lifecycle_event: Option<LifecycleEvent>,
    /// The first item's resource.
    pub resource: Option<String>,
    /// Items whose clientState differs or is missing (forged, or not for this app).
    pub client_state_problems: i64,
    /// Items for a subscription not made here (clientState not checked).
    pub unknown_subscriptions: i64,
    /// Items that repeat an earlier one.
    pub duplicates: i64,
    /// Items decrypted.
    pub decrypted: i64,
    /// Items that could not be decrypted.
    pub decrypt_failures: i64,
    /// Its items wait in the check queue.
    pub pending: bool,
}

/// A forwarded copy and what the target answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    /// The reception forwarded.
    pub reception_id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Where to.
    pub url: String,
    /// The status answered, when there was an answer.
    pub status: Option<u16>,
    /// How long it took.
    pub duration_ms: i64,
    /// The answer's body (first 64 KiB).
    pub body: Option<String>,
    /// Why there was no answer.
    pub failure: Option<String>,
}

const SUMMARY: &str = "SELECT r.id, r.received_at, r.kind, r.method, r.path, r.status, r.reason, length(r.body), r.peer,
        COUNT(i.id),
        (SELECT change_type FROM items WHERE reception_id = r.id ORDER BY position LIMIT 1),
        (SELECT lifecycle_event FROM items WHERE reception_id = r.id ORDER BY position LIMIT 1),
        (SELECT resource FROM items WHERE reception_id = r.id ORDER BY position LIMIT 1),
        COALESCE(SUM(i.client_state NOT IN ('matches', 'unknownSubscription')), 0),
        COALESCE(SUM(i.duplicate_of IS NOT NULL), 0),
        COALESCE(SUM(i.decrypted IS NOT NULL), 0),
        COALESCE(SUM(i.decrypt_error IS NOT NULL), 0),
        r.pending,
        COALESCE(SUM(i.client_state = 'unknownSubscription'), 0),
        r.query
     FROM receptions r LEFT JOIN items i ON i.reception_id = r.id";

impl Store {
    /// How many receptions a query's kind and search words hold (its range, limit and offset
    /// aside): the Inspector's scrollbar spans all of them.
    pub fn filtered_count(&self, query: &ReceptionQuery) -> Result<u64, StoreError> {
        let whole = ReceptionQuery {
            before: None,
            after: None,
            ..query.clone()
        };
        let (conditions, values) = filter(&whole);
        let sql = format!(
            "SELECT COUNT(*) FROM receptions r {}",
            where_clause(&conditions)
        );
        self.with(|c| {
            let count: i64 = c
                .prepare_cached(&sql)?
                .query_row(rusqlite::params_from_iter(values), |row| row.get(0))?;
            Ok(u64::try_from(count).unwrap_or(0))
        })
    }

    /// Reception summaries in id order: newest first unless the query asks for oldest first.
    pub fn reception_summaries(
        &self,
        query: &ReceptionQuery,
    ) -> Result<Vec<ReceptionSummary>, StoreError> {
        let (mut conditions, mut values) = filter(query);
        if query.offset > 0 {
            // The ids of the page first (the primary key, skipped cheaply), then their summaries:
            // no item is joined for the rows skipped.
            values.push(i64::from(query.limit).into());
            values.push(i64::from(query.offset).into());
            conditions = vec![format!(
                "r.id IN (SELECT r.id FROM receptions r {} ORDER BY r.id {} LIMIT ?{} OFFSET ?{})",
                where_clause(&conditions),
                if query.oldest_first { "ASC" } else { "DESC" },
                values.len() - 1,
                values.len()
            )];
        }
        values.push(i64::from(query.limit).into());
        let sql = format!(
            "{SUMMARY} {} {} GROUP BY r.id ORDER BY r.id {} LIMIT ?{}",
            if conditions.is_empty() { "" } else { "WHERE" },
            conditions.join(" AND "),
            if query.oldest_first { "ASC" } else { "DESC" },
            values.len()
        );
        self.with(|c| {
            let mut statement = c.prepare_cached(&sql)?;
            let rows = statement.query_map(rusqlite::params_from_iter(values), |row| {
                Ok(ReceptionSummary {
                    id: row.get(0)?,
                    received_at: row.get(1)?,
                    kind: ReceptionKind::from_stored(&row.get::<_, String>(2)?),
                    method: row.get(3)?,
                    path: row.get(4)?,
                    status: row.get(5)?,
                    reason: row.get(6)?,
                    body_bytes: row.get(7)?,
                    peer: row.get(8)?,
                    items: row.get(9)?,
                    change_type: row
                        .get::<_, Option<String>>(10)?
                        .as_deref()
                        .map(ChangeType::from_graph),
                    lifecycle_event: row
                        .get::<_, Option<String>>(11)?
                        .as_deref()
                        .map(LifecycleEvent::from_graph),
                    resource: row.get(12)?,
                    client_state_problems: row.get(13)?,
                    duplicates: row.get(14)?,
                    decrypted: row.get(15)?,
                    decrypt_failures: row.get(16)?,
                    pending: row.get(17)?,
                    unknown_subscriptions: row.get(18)?,
                    query: row.get(19)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// One reception, whole.
    pub fn reception(&self, id: i64) -> Result<Option<Reception>, StoreError> {
        Ok(self.receptions_between(id - 1, id, 1)?.into_iter().next())
    }

    /// Receptions with `after < id <= upto`, oldest first (exports page through with this).
    pub fn receptions_between(
        &self,
        after: i64,
        upto: i64,
        limit: u32,
    ) -> Result<Vec<Reception>, StoreError> {
        self.with(|c| {
            // The limit is written into the SQL: SQLite plans a range with `LIMIT ?` around the
            // bound value, so every new binding made it parse and plan the statement again.
            let mut statement = c.prepare_cached(&format!(
                "SELECT id, received_at, kind, method, path, query, headers, body, peer, status, reason
                 FROM receptions WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT {limit}"
            ))?;
            let rows = statement.query_map(params![after, upto], crate::receptions::reception_row)?;
            rows.map(|row| row.map_err(StoreError::from).and_then(crate::receptions::decode_row))
                .collect()
        })
    }

    /// The newest reception's id (0 when there is none).
    pub fn newest_reception_id(&self) -> Result<i64, StoreError> {
        self.with(|c| {
            Ok(
                c.query_row("SELECT COALESCE(MAX(id), 0) FROM receptions", [], |row| {
                    row.get(0)
                })?,
            )
        })
    }

    /// The items of one reception, in order.
    pub fn items_of(&self, reception_id: i64) -> Result<Vec<StoredItem>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare_cached(&format!(
                "{} WHERE reception_id = ?1 ORDER BY position",
                crate::items::ITEM_SELECT
            ))?;
            let rows = statement.query_map(params![reception_id], crate::items::item_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Keeps a forwarded copy's outcome.
    pub fn record_forward(&self, forward: &Forward) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                // Not for a reception retention removed while it was being sent.
                "INSERT INTO forwards (reception_id, at, url, status, duration_ms, body, failure)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM receptions WHERE id = ?1)",
                params![forward.reception_id, forward.at, forward.url, forward.status, forward.duration_ms, forward.body, forward.failure],
            )?;
            Ok(())
        })
    }

    /// Where a reception was forwarded or replayed, oldest first.
    pub fn forwards_of(&self, reception_id: i64) -> Result<Vec<Forward>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare_cached(
                "SELECT reception_id, at, url, status, duration_ms, body, failure FROM forwards WHERE reception_id = ?1 ORDER BY id",
            )?;
            let rows = statement.query_map(params![reception_id], |row| {
                Ok(Forward {
                    reception_id: row.get(0)?,
                    at: row.get(1)?,
                    url: row.get(2)?,
                    status: row.get(3)?,
                    duration_ms: row.get(4)?,
                    body: row.get(5)?,
                    failure: row.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}

/// The shortest search the trigram index answers (shorter ones read every reception).
const TRIGRAM: usize = 3;

/// The SQL conditions (on `receptions r`) and their values for a query's id range, kind and
/// search words.
fn filter(query: &ReceptionQuery) -> (Vec<String>, Vec<rusqlite::types::Value>) {
    let text = query
        .text
        .as_deref()
        .map(fts_phrase)
        .filter(|t| !t.is_empty());
    // Only the conditions asked for are in the SQL, so an id range is a range of the primary
    // key rather than a scan of every reception.
    let mut conditions = Vec::new();
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(before) = query.before {
        values.push(before.into());
        conditions.push(format!("r.id < ?{}", values.len()));
    }
    if let Some(after) = query.after {
        values.push(after.into());
        conditions.push(format!("r.id > ?{}", values.len()));
    }
    if let Some(kind) = query.kind {
        values.push(kind.as_str().to_owned().into());
        conditions.push(format!("r.kind = ?{}", values.len()));
    }
    if let Some(text) = text {
        // The user's text lowercased, as the trigram index is asked for it (SQLite folds what it
        // is asked as it folded what it holds); scans read it folded as that index does.
        let plain = query
            .text
            .as_deref()
            .unwrap_or_default()
            .trim()
            .to_lowercase();
        let folded = search_index::fold(&plain, search_index::RECEPTIONS_FOLD);
        // Long enough for the trigram index once folded as it folds (a dropped mark is no letter).
        let indexed = folded.chars().count() >= TRIGRAM;
        // Items by word prefix; every reception by a substring of its kind, path and query (so
        // "validation" or part of a token finds handshakes), and a request with no items by its
        // body's start. The same text is read from the trigram index for what it holds and
        // scanned past it (all of it for a search shorter than a trigram).
        let plain_at = values.len() + 2;
        let scanned = |qualified: bool| {
            format!(
                "instr({}({}, {}), ?{plain_at}) > 0",
                search_index::FOLD,
                if qualified {
                    search_index::searched_text!("r.")
                } else {
                    search_index::searched_text!("")
                },
                search_index::RECEPTIONS_FOLD.sql(),
            )
        };
        values.push(text.into());
        values.push(folded.into());
        let items_past_index = items_past_index(&mut values, &plain);
        if indexed {
            values.push(format!("\"{}\"", plain.replace('"', "\"\"")).into());
            // One set of ids, so the rows are looked up by primary key, never all read.
            conditions.push(format!(
                "r.id IN (SELECT it.reception_id FROM items it JOIN items_text ON items_text.rowid = it.id WHERE items_text MATCH ?{}
                          UNION {}
                          UNION SELECT rowid FROM receptions_text WHERE receptions_text MATCH ?{}
                          UNION SELECT id FROM receptions WHERE id > {} AND {})",
                plain_at - 1,
                items_past_index,
                values.len(),
                search_index::INDEXED,
                scanned(false)
            ));
        } else {
            // Every reception read, in id order: a page stops at its last row.
            conditions.push(format!(
                "(r.id IN (SELECT it.reception_id FROM items it JOIN items_text ON items_text.rowid = it.id WHERE items_text MATCH ?{}
                           UNION {})
                  OR {})",
                plain_at - 1,
                items_past_index,
                scanned(true)
            ));
        }
    }
    (conditions, values)
}

/// The receptions of items the item index does not hold yet (checked moments ago, during a
/// burst) that hold every word of `plain` (lowercased), its values added to `values`. Each word
/// (punctuation trimmed at its ends, kept inside: "Events/2" stays one phrase, as the index reads
/// it) is found as a substring: a word's beginning is found as the index finds it, and more.
fn items_past_index(values: &mut Vec<rusqlite::types::Value>, plain: &str) -> String {
    let mut words = Vec::new();
    for word in plain
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
    {
        values.push(search_index::fold(word, search_index::ITEMS_FOLD).into());
        words.push(format!(
            "instr({}(item || ' ' || COALESCE(decrypted, ''), {}), ?{}) > 0",
            search_index::FOLD,
            search_index::ITEMS_FOLD.sql(),
            values.len()
        ));
    }
    if words.is_empty() {
        return "SELECT NULL WHERE 0".to_owned();
    }
    format!(
        "SELECT reception_id FROM items WHERE id > {} AND {}",
        search_index::ITEMS_INDEXED,
        words.join(" AND ")
    )
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    }
}

/// The user's words as FTS5 prefix phrases (quotes doubled), so punctuation is never FTS syntax
/// and a word's beginning finds it ("sandb" finds "sandbox").
fn fts_phrase(text: &str) -> String {
    text.split_whitespace()
        .map(|word| format!("\"{}\"*", word.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_receiver::{ChangeType, CheckedItem, ClientStateVerdict, NewReception};

    fn reception(kind: ReceptionKind, body: &str) -> NewReception {
        NewReception {
            received_at: "2026-11-23T00:00:00.000Z".into(),
            kind,
            method: "POST".into(),
            path: "/s/notifications".into(),
            query: String::new(),
            headers: vec![],
            body: body.as_bytes().to_vec(),
            peer: "127.0.0.1:1".into(),
            status: 202,
            reason: None,
        }
    }

    fn item(key: &str, resource: &str, client_state: ClientStateVerdict) -> CheckedItem {
        CheckedItem {
            position: 0,
            subscription_id: None,
            change_type: Some(ChangeType::Created),
            resource: Some(resource.into()),
            lifecycle_event: None,
            client_state,
            dedup_key: key.into(),
            decrypted: None,
            decrypt_error: None,
            item: format!("{{\"resource\":\"{resource}\"}}"),
            tokens: None,
        }
    }

    #[test]
    fn summaries_page_filter_search_and_prune() {
        let store = Store::temporary().expect("opens");
        let ids = store
            .insert_receptions(&[
                reception(ReceptionKind::Notification, "{\"value\":[1]}"),
                reception(ReceptionKind::Validation, ""),
                reception(ReceptionKind::Notification, "{\"value\":[2]}"),
            ])
            .expect("stored");
        store
            .insert_items(
                ids[0],
                &[
                    item(
                        "k1",
                        "Users/alice/Messages/AAA",
                        ClientStateVerdict::Matches,
                    ),
                    item(
                        "k0",
                        "Users/alice/Messages/ZZZ",
                        ClientStateVerdict::UnknownSubscription,
                    ),
                ],
            )
            .expect("items");
        store
            .insert_items(
                ids[2],
                &[item(
                    "k1",
                    "Users/bob/Messages/BBB",
                    ClientStateVerdict::Differs,
                )],
            )
            .expect("items");

        let all = store
            .reception_summaries(&ReceptionQuery {
                limit: 10,
                ..ReceptionQuery::default()
            })
            .expect("list");
        assert_eq!(
            all.iter().map(|s| s.id).collect::<Vec<_>>(),
            [ids[2], ids[1], ids[0]]
        );
        assert_eq!(all[0].client_state_problems, 1);
        assert_eq!(all[0].unknown_subscriptions, 0);
        assert_eq!(
            (all[2].client_state_problems, all[2].unknown_subscriptions),
            (0, 1),
            "a subscription not made here is not a clientState problem"
        );
        assert_eq!(all[0].duplicates, 1, "same key as the first");
        assert_eq!(all[0].resource.as_deref(), Some("Users/bob/Messages/BBB"));
        assert_eq!(all[1].items, 0);
        // A page at a position (the list's scrollbar), and how many a filter holds.
        let at = |offset: u32, kind: Option<ReceptionKind>| {
            store
                .reception_summaries(&ReceptionQuery {
                    offset,
                    kind,
                    limit: 1,
                    ..ReceptionQuery::default()
                })
                .expect("page")
                .iter()
                .map(|s| s.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(at(1, None), [ids[1]]);
        assert_eq!(at(1, Some(ReceptionKind::Notification)), [ids[0]]);
        assert_eq!(at(3, None), Vec::<i64>::new());
        let count = |kind: Option<ReceptionKind>| {
            store
                .filtered_count(&ReceptionQuery {
                    kind,
                    before: Some(ids[0]),
                    ..ReceptionQuery::default()
                })
                .expect("count")
        };
        assert_eq!(count(None), 3, "the id range is not the filter's");
        assert_eq!(count(Some(ReceptionKind::Notification)), 2);

        let page = store
            .reception_summaries(&ReceptionQuery {
                before: Some(ids[2]),
                kind: Some(ReceptionKind::Notification),
                limit: 10,
                ..ReceptionQuery::default()
            })
            .expect("page");
        assert_eq!(page.iter().map(|s| s.id).collect::<Vec<_>>(), [ids[0]]);
        let since = store
            .reception_summaries(&ReceptionQuery {
                after: Some(ids[0]),
                oldest_first: true,
                limit: 1,
                ..ReceptionQuery::default()
            })
            .expect("since");
        assert_eq!(
            since.iter().map(|s| s.id).collect::<Vec<_>>(),
            [ids[1]],
            "what arrived since, in order, a page at a time"
        );

        let search = |words: &str| crate::test_support::searched(&store, words);
        assert_eq!(search("alice \"Messages"), [ids[0]]);
        assert_eq!(search("alic"), [ids[0]], "a word's beginning finds it");
        let mut handshake = reception(ReceptionKind::Validation, "");
        handshake.query = "validationToken=Preflight+abc".into();
        let handshake = store.insert_receptions(&[handshake]).expect("stored")[0];
        assert_eq!(
            search("validation"),
            [handshake, ids[1]],
            "handshakes are found by kind"
        );
        assert_eq!(
            search("VALIDATIONTOKEN=pre"),
            [handshake],
            "and by their query, case aside"
        );
        let mut scanner = reception(ReceptionKind::Unexpected, "<?php system($_GET['c']); ?>");
        scanner.path = "/wp-login.php".into();
        let scanner = store.insert_receptions(&[scanner]).expect("stored")[0];
        for words in ["wp-login", "system($_GET"] {
            assert_eq!(search(words), [scanner], "{words}");
        }
        assert_eq!(store.items_of(ids[2]).expect("items").len(), 1);
        assert_eq!(
            store.reception(ids[1]).expect("one").map(|r| r.id),
            Some(ids[1])
        );

        assert_eq!(store.items_of(ids[0]).expect("items").len(), 2);
    }

    #[test]
    fn the_search_index_answers_what_a_scan_answers() {
        let store = Store::temporary().expect("opens");
        let mut stored = Vec::new();
        for n in 0..30 {
            let mut r = reception(
                if n % 3 == 0 {
                    ReceptionKind::Unexpected
                } else {
                    ReceptionKind::Validation
                },
                &format!("body-{n} <script>x</script>"),
            );
            r.path = format!("/scan/{n}");
            r.query = format!("validationToken=Tok{n}");
            stored.push(r);
        }
        let mut long = reception(ReceptionKind::Rejected, &"a".repeat(5000));
        long.body.extend_from_slice(b"far-in-the-body");
        stored.push(long);
        store.insert_receptions(&stored).expect("stored");
        let search = |words: &str| {
            let query = ReceptionQuery {
                text: Some(words.into()),
                limit: 100,
                ..ReceptionQuery::default()
            };
            let ids = store
                .reception_summaries(&query)
                .expect("search")
                .iter()
                .map(|s| s.id)
                .collect::<Vec<_>>();
            assert_eq!(
                store.filtered_count(&query).expect("count"),
                ids.len() as u64
            );
            ids
        };
        let words = [
            "scan/1",
            "SCAN/2",
            "tok2",
            "body-3",
            "<script>",
            "unexpected",
            "validation",
            "sc",
            "/",
            "far-in-the-body",
            "nothing here",
            "\"quoted",
        ];
        let scanned: Vec<_> = words.iter().map(|w| search(w)).collect();
        assert_eq!(scanned[0].len(), 11, "scan/1 and scan/10 to 19");
        assert_eq!(scanned[3].len(), 1, "a request with no items, by its body");
        assert!(
            scanned[9].is_empty(),
            "only a body's first 4 KiB is searched"
        );
        assert_eq!(store.index_for_search().expect("indexed"), 31);
        for (word, before) in words.iter().zip(&scanned) {
            assert_eq!(
                &search(word),
                before,
                "{word}: the index answers as the scan did"
            );
        }
        // Past the index: found at once, by the scan of what the index does not hold yet.
        let mut late = reception(ReceptionKind::Unexpected, "");
        late.path = "/scan/late".into();
        let late = store.insert_receptions(&[late]).expect("stored")[0];
        assert_eq!(search("scan/late"), [late]);
        assert_eq!(store.index_for_search().expect("indexed"), 1);
        assert_eq!(search("scan/late"), [late]);
        // Retention takes the index entries with the receptions.
        store.prune(1, u64::MAX).expect("pruned");
        assert!(search("scan/1").is_empty());
        assert_eq!(search("scan/"), [late]);
    }
}
