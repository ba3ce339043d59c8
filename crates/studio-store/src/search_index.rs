//! The search index over receptions: a trigram index (SQLite FTS5) of each reception's kind,
//! path and query, and, for requests with no items (scanners, refused bodies), the first 4 KiB of
//! its body, so a substring search over 100,000 receptions reads the index rather than every row.
//!
//! It is filled behind the acknowledgement, never on the reception writer's path (a trigram
//! insert costs about seven times the reception's own): the check queue's worker indexes what is
//! new whenever nothing is waiting for checks, in short background transactions. Searches read
//! the index for what it holds and scan the few receptions past its newest entry, with the same
//! text, so a reception is found from the moment it is stored.

use crate::writing::Writer;
use crate::{Store, StoreError};

/// The receptions indexed in one transaction: about 2 ms of a background transaction for short
/// requests, so a reception writer waiting at the store's gate waits about that long at most.
const BATCH: u32 = 500;

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

/// Indexes up to [`BATCH`] receptions the index does not hold yet; answers how many.
pub(crate) fn index_some(writer: &mut Writer) -> Result<usize, StoreError> {
    writer.transaction(|transaction| {
        Ok(transaction.execute(
            &format!(
                "INSERT INTO receptions_text (rowid, text)
                 SELECT id, {} FROM receptions WHERE id > {INDEXED} ORDER BY id LIMIT {BATCH}",
                searched_text!("")
            ),
            [],
        )?)
    })
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
