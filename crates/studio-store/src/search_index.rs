//! The search indexes: a trigram index (SQLite FTS5) of each reception's kind, path and query,
//! and, for requests with no items (scanners, refused bodies), the first 4 KiB of its body, so a
//! substring search over 100,000 receptions reads the index rather than every row; and a word
//! index of each item as received and decrypted.
//!
//! Both are filled behind the acknowledgement and behind the checks, never on the path of either
//! (a trigram insert costs about seven times the reception's own; indexing items, and the merges
//! it sets off at each commit, was two fifths of the check queue's writing): the check queue's
//! keeper indexes what is new whenever nothing is waiting for checks, in short background
//! transactions. Searches read each index for what it holds and scan the rows past it, so a
//! reception or item is found from the moment it is stored (`inspect.rs`).

use rusqlite::Connection;

use crate::writing::Writer;
use crate::{Store, StoreError};

/// The receptions indexed in one transaction: about 2 ms of a background transaction for short
/// requests, so a reception writer waiting at the store's gate waits about that long at most.
const BATCH: u32 = 500;
/// The items indexed in one transaction.
const ITEM_BATCH: u32 = 200;

/// The text a reception is searched in (on `receptions`, unqualified): the index holds it, and a
/// scan of what the index does not hold yet reads the same.
macro_rules! searched_text {
    ($table:literal) => {
        concat!(
            $table,
            "kind || ' ' || ",
            $table,
            "path || '?' || ",
            $table,
            "query || CASE WHEN ",
            $table,
            "kind IN ('unexpected', 'rejected') THEN ' ' || COALESCE(CAST(substr(",
            $table,
            "body, 1, 4096) AS TEXT), '') ELSE '' END"
        )
    };
}
pub(crate) use searched_text;

/// The newest reception id the index holds (0 when empty).
pub(crate) const INDEXED: &str =
    "COALESCE((SELECT rowid FROM receptions_text ORDER BY rowid DESC LIMIT 1), 0)";

/// The newest item id the item index holds (items are indexed in id order; ids are never reused).
pub(crate) const ITEMS_INDEXED: &str = "(SELECT upto FROM search_progress WHERE name = 'items')";

/// Indexes up to [`ITEM_BATCH`] items and up to [`BATCH`] receptions the indexes do not hold
/// yet, each in a transaction of its own; answers how many.
pub(crate) fn index_some(writer: &mut Writer) -> Result<usize, StoreError> {
    let items = writer.transaction(|transaction| {
        let upto: i64 = transaction.query_row(&format!("SELECT {ITEMS_INDEXED}"), [], |row| {
            row.get(0)
        })?;
        let last: Option<i64> = transaction.query_row(
            &format!(
                "SELECT MAX(id) FROM (SELECT id FROM items WHERE id > ?1 ORDER BY id LIMIT {ITEM_BATCH})"
            ),
            [upto],
            |row| row.get(0),
        )?;
        let Some(last) = last else {
            return Ok(0);
        };
        let indexed = transaction.execute(
            "INSERT INTO items_text (rowid, item, decrypted)
             SELECT id, item, decrypted FROM items WHERE id > ?1 AND id <= ?2",
            [upto, last],
        )?;
        transaction.execute(
            "UPDATE search_progress SET upto = ?1 WHERE name = 'items'",
            [last],
        )?;
        Ok(indexed)
    })?;
    let receptions = writer.transaction(|transaction| {
        Ok(transaction.execute(
            &format!(
                "INSERT INTO receptions_text (rowid, text)
                 SELECT id, {} FROM receptions WHERE id > {INDEXED} ORDER BY id LIMIT {BATCH}",
                searched_text!("")
            ),
            [],
        )?)
    })?;
    Ok(items + receptions)
}

impl Store {
    /// Indexes every reception the search index does not hold yet (what the check queue does in
    /// the background; tests and seeded stores call it to start from a full index).
    pub fn index_for_search(&self) -> Result<usize, StoreError> {
        let mut writer = self.writer(crate::writing::Priority::Background)?;
        let mut indexed = 0;
        loop {
            let added = index_some(&mut writer)?;
            if added == 0 {
                return Ok(indexed);
            }
            indexed += added;
        }
    }
}

/// The SQL name of [`register_fold`]'s function.
pub(crate) const FOLD: &str = "studio_fold";

/// How the trigram index of receptions leaves diacritics out (SQLite's trigram tokenizer reads
/// `remove_diacritics 1` as its fold 2: every diacritic of a Latin letter).
pub(crate) const RECEPTIONS_FOLD: Diacritics = Diacritics::All;
/// How the items' word index leaves them out (unicode61's default, `remove_diacritics 1`: a Latin
/// letter with one diacritic only, so Vietnamese "ế" stays as it is).
pub(crate) const ITEMS_FOLD: Diacritics = Diacritics::Single;

/// Which diacritics a fold leaves out, as an index's tokenizer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Diacritics {
    /// A Latin letter with exactly one diacritic becomes the letter.
    Single,
    /// A Latin letter with any number of them becomes the letter.
    All,
}

impl Diacritics {
    /// The SQL argument of `studio_fold` for this fold.
    pub(crate) fn sql(self) -> i64 {
        match self {
            Diacritics::Single => 1,
            Diacritics::All => 2,
        }
    }
}

/// `studio_fold(text, n)`: the text as an index read it, so a scan past the index finds what it
/// would (`n` is [`Diacritics::sql`]). SQLite's own `lower` folds ASCII only, so "ÜBER" was
/// missed for "über". NULL stays NULL; bytes that are not UTF-8 are read leniently.
pub(crate) fn register_fold(connection: &Connection) -> Result<(), StoreError> {
    use rusqlite::functions::FunctionFlags;
    use rusqlite::types::ValueRef;
    connection.create_scalar_function(
        FOLD,
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |context| {
            let diacritics = if context.get::<i64>(1)? == 2 {
                Diacritics::All
            } else {
                Diacritics::Single
            };
            Ok(match context.get_raw(0) {
                ValueRef::Null => None,
                ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
                    Some(fold(&String::from_utf8_lossy(bytes), diacritics))
                }
                ValueRef::Integer(n) => Some(n.to_string()),
                ValueRef::Real(x) => Some(x.to_string()),
            })
        },
    )?;
    Ok(())
}

/// Text as SQLite's FTS5 tokenizers fold it with `remove_diacritics`: lowercased, and a Latin
/// letter with diacritics ("é", "Ü", "ế" for [`Diacritics::All`]) read as its ASCII letter. Only
/// Latin letters: SQLite keeps "й", "ί", "が" and Hangul whole, and so does this, or a search
/// folded here would miss what the index holds. ASCII, most of what is searched, is only
/// lowercased.
pub(crate) fn fold(text: &str, diacritics: Diacritics) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut folded = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if !is_dropped_mark(c) {
            let c = case_fold(c);
            folded.push(latin_letter(c, diacritics).unwrap_or(c));
        }
    }
    folded
}

/// The combining marks SQLite's tokenizers drop when they leave diacritics out (a decomposed
/// "e\u{301}" reads as "e", as "é" does; Rust lowercases "İ" to "i\u{307}"): bit `n` is
/// U+0300 + `n`, as SQLite's own table has them.
const DROPPED_MARKS: u64 = 0x0003_61F8_0802_9FDF;

fn is_dropped_mark(c: char) -> bool {
    let code = u32::from(c);
    (0x300..=0x331).contains(&code) && (DROPPED_MARKS >> (code - 0x300)) & 1 == 1
}

/// The few letters SQLite's case folding (Unicode's CaseFolding) maps where lowercasing does not:
/// a final sigma, the micro sign, the long s, Greek symbol forms.
fn case_fold(c: char) -> char {
    match c {
        'ς' => 'σ',
        'µ' => 'μ',
        'ſ' | 'ẛ' => 's',
        'ϐ' => 'β',
        'ϑ' => 'θ',
        'ϕ' => 'φ',
        'ϖ' => 'π',
        'ϰ' => 'κ',
        'ϱ' => 'ρ',
        'ϵ' => 'ε',
        other => other,
    }
}

/// The ASCII letter a Latin letter with diacritics is read as, if it is one.
fn latin_letter(c: char, diacritics: Diacritics) -> Option<char> {
    use unicode_normalization::char::{decompose_canonical, is_combining_mark};
    // SQLite's table of letters with diacritics ends before U+2000.
    if c.is_ascii() || u32::from(c) >= 0x2000 {
        return None;
    }
    // Read as it decomposes, without allocating (this runs for every character a scan reads).
    let (mut base, mut marks, mut only_marks) = (None, 0_usize, true);
    decompose_canonical(c, |part| match base {
        None => base = Some(part),
        Some(_) => {
            marks += 1;
            only_marks &= is_combining_mark(part);
        }
    });
    let base = base.filter(char::is_ascii_alphabetic)?;
    let taken = match diacritics {
        Diacritics::Single => marks == 1,
        Diacritics::All => marks >= 1,
    };
    (only_marks && taken).then_some(base)
}

#[cfg(test)]
mod tests {
    use studio_receiver::{CheckedItem, ItemChecker};

    use crate::Store;

    fn notification(store: &Store, resource: &str) -> i64 {
        let body = format!(r#"{{"value":[{{"id":"{resource}","resource":"{resource}"}}]}}"#);
        let id = store
            .insert_receptions(&[crate::test_support::acknowledged(body.clone())])
            .expect("stored")[0];
        let checker = ItemChecker::new(std::sync::Arc::new(
            studio_receiver::checks::NoSubscriptions,
        ));
        let read = checker.read(body.as_bytes()).expect("read");
        let items: Vec<CheckedItem> = checker.check_item(&read, 0).into_iter().collect();
        store.insert_items(id, &items).expect("items");
        id
    }

    use crate::test_support::searched as search;

    #[test]
    fn items_are_found_before_and_after_they_are_indexed_and_pruning_either_keeps_the_index_whole()
    {
        let store = Store::temporary().expect("store");
        let kept = notification(&store, "Users/alice/Messages/AAA");
        let pruned = notification(&store, "Users/bob/Messages/BBB");
        // Not indexed yet: found by scanning, a word's beginning as the index finds it, every
        // word of a search wherever it is.
        assert_eq!(search(&store, "alic"), [kept]);
        assert_eq!(search(&store, "messages bob"), [pruned]);
        assert_eq!(
            search(&store, "\"Messages/AAA"),
            [kept],
            "a phrase is found as one, quotes aside"
        );
        // Retention removes items the index never held: the index is told only of those it holds.
        store
            .with(|c| {
                c.execute("DELETE FROM items WHERE reception_id = ?1", [pruned])?;
                c.execute("DELETE FROM receptions WHERE id = ?1", [pruned])?;
                Ok(())
            })
            .expect("pruned");
        assert!(store.index_for_search().expect("indexed") > 0);
        assert_eq!(search(&store, "alic"), [kept]);
        assert!(search(&store, "bob").is_empty());
        let newer = notification(&store, "Users/carol/Messages/CCC");
        store.index_for_search().expect("indexed");
        // And items it holds, once pruned, leave it.
        store
            .with(|c| {
                c.execute("DELETE FROM items WHERE reception_id = ?1", [kept])?;
                c.execute("DELETE FROM receptions WHERE id = ?1", [kept])?;
                c.execute(
                    "INSERT INTO items_text (items_text) VALUES ('integrity-check')",
                    [],
                )?;
                Ok(())
            })
            .expect("the index matches its items");
        assert!(search(&store, "alice").is_empty());
        assert_eq!(search(&store, "carol"), [newer]);
        // Case is folded by Unicode's rules past the indexes, as the indexes fold it (SQLite's
        // lower() folds ASCII only).
        let accented = notification(&store, "Users/ÜBERMUT/Messages/ÉTÉ");
        assert_eq!(search(&store, "übermut été"), [accented]);
        assert_eq!(search(&store, "ÜBERMUT"), [accented]);
        // And diacritics, as both indexes leave them out: in items and in what is read of a
        // reception, before and after they are indexed.
        assert_eq!(search(&store, "ubermut ete"), [accented]);
        let mut scanner = crate::test_support::acknowledged("Bonjour, café/Ünïcode");
        scanner.kind = studio_receiver::ReceptionKind::Unexpected;
        scanner.status = 404;
        let path = store.insert_receptions(&[scanner]).expect("stored")[0];
        assert_eq!(search(&store, "cafe/unic"), [path]);
        assert_eq!(search(&store, "CAFÉ/ÜN"), [path]);
        // Letters that are not Latin are kept whole by both indexes, and so by the scans; a
        // Latin letter with two diacritics is left alone by the items' index only.
        let words = notification(
            &store,
            "Users/Сергей/σοφία/한국어/がぎぐ/Tiếng/ΟΔΟΣ/İstanbul",
        );
        let mut body = crate::test_support::acknowledged(
            "Сергей σοφία 한국어 がぎぐ Tiếng ΟΔΟΣ İstanbul Cafe\u{301}s",
        );
        body.kind = studio_receiver::ReceptionKind::Unexpected;
        body.status = 404;
        let unexpected = store.insert_receptions(&[body]).expect("stored")[0];
        let before_and_after = |store: &Store| {
            for text in [
                "Сергей",
                "σοφία",
                "한국어",
                "がぎぐ",
                "tiếng",
                "οδος",
                "ΟΔΟΣ",
                "istanbul",
                "İSTANBUL",
            ] {
                assert_eq!(search(store, text), [unexpected, words], "{text}");
            }
            // Decomposed text is read as composed, typed either way.
            for text in ["cafés", "cafe\u{301}s", "cafes"] {
                assert_eq!(search(store, text), [unexpected], "{text}");
            }
            assert_eq!(
                search(store, "tieng"),
                [unexpected],
                "two diacritics: the path only"
            );
        };
        before_and_after(&store);
        store.index_for_search().expect("indexed");
        assert_eq!(search(&store, "übermut"), [accented], "and once indexed");
        assert_eq!(search(&store, "ubermut ete"), [accented]);
        assert_eq!(search(&store, "cafe/unic"), [path]);
        assert_eq!(search(&store, "CAFÉ/ÜN"), [path]);
        before_and_after(&store);
    }

    #[test]
    fn searches_fold_case_and_latin_diacritics_as_the_indexes_do() {
        use super::{Diacritics, fold};
        let all = |t: &str| fold(t, Diacritics::All);
        assert_eq!(all("ÜBERMUT Été"), "ubermut ete");
        assert_eq!(all("Café"), "cafe");
        assert_eq!(all("PLAIN/ascii"), "plain/ascii");
        assert_eq!(all("Tiếng"), "tieng", "every diacritic of a letter");
        assert_eq!(fold("Tiếng", Diacritics::Single), "tiếng", "one only");
        assert_eq!(fold("Zürich", Diacritics::Single), "zurich");
        // Letters that are not Latin keep theirs, as SQLite keeps them: only lowercased.
        assert_eq!(all("Straße ΣΟΦΊΑ"), "straße σοφία");
        assert_eq!(all("Сергей"), "сергей");
        assert_eq!(all("한국어 がぎぐ नमस्ते"), "한국어 がぎぐ नमस्ते");
        // Decomposed text, the Turkish dotted I and case folds SQLite makes that lowercasing
        // does not.
        assert_eq!(all("Cafe\u{301}"), "cafe");
        assert_eq!(fold("Cafe\u{301}", Diacritics::Single), "cafe");
        assert_eq!(all("İSTANBUL"), "istanbul");
        assert_eq!(all("ΟΔΟΣ οδος µs ſ"), "οδοσ οδοσ μs s");
    }
}
