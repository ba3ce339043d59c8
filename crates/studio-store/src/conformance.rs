//! The conformance suite's history: each run's report as JSON (the store does not know its
//! type), newest first, the oldest dropped beyond [`CONFORMANCE_LIMIT`]. Reports hold no secret:
//! the suite never puts a key in one.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{Store, StoreError};

/// Runs kept.
pub const CONFORMANCE_LIMIT: i64 = 50;

/// One run in the history list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConformanceRun {
    /// Its id.
    pub id: i64,
    /// Unix seconds.
    pub started_at: i64,
    /// The URL tested.
    pub url: String,
    /// `pass`, `warn` or `fail`.
    pub outcome: String,
}

impl Store {
    /// Keeps a run's report; returns its id.
    pub fn record_conformance<T: Serialize>(
        &self,
        started_at: i64,
        url: &str,
        outcome: &str,
        report: &T,
    ) -> Result<i64, StoreError> {
        let value = serde_json::to_value(report).map_err(|e| StoreError::Damaged(e.to_string()))?;
        let text = value.to_string();
        // The run's `delivery` (if its report has one) is kept beside it, for `health`.
        let delivery = value
            .get("delivery")
            .filter(|d| !d.is_null())
            .map(Value::to_string);
        self.write(|c| {
            c.execute(
                "INSERT INTO conformance_runs (started_at, url, outcome, report, delivery)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![started_at, url, outcome, text, delivery],
            )?;
            let id = c.last_insert_rowid();
            c.execute(
                "DELETE FROM conformance_runs WHERE id <= ?1 - ?2",
                params![id, CONFORMANCE_LIMIT],
            )?;
            Ok(id)
        })
    }

    /// The kept runs, newest first.
    pub fn conformance_runs(&self) -> Result<Vec<ConformanceRun>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare(
                "SELECT id, started_at, url, outcome FROM conformance_runs ORDER BY id DESC",
            )?;
            let rows = statement.query_map([], |row| {
                Ok(ConformanceRun {
                    id: row.get(0)?,
                    started_at: row.get(1)?,
                    url: row.get(2)?,
                    outcome: row.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Each kept run's `delivery` (the report's acknowledgement-time judgement), newest first,
    /// from its own column (no report is read).
    pub fn conformance_deliveries(
        &self,
    ) -> Result<Vec<(ConformanceRun, Option<Value>)>, StoreError> {
        let rows: Vec<(ConformanceRun, Option<String>)> = self.with(|c| {
            let mut statement = c.prepare(
                "SELECT id, started_at, url, outcome, delivery FROM conformance_runs ORDER BY id DESC",
            )?;
            let rows = statement.query_map([], |row| {
                Ok((
                    ConformanceRun {
                        id: row.get(0)?,
                        started_at: row.get(1)?,
                        url: row.get(2)?,
                        outcome: row.get(3)?,
                    },
                    row.get(4)?,
                ))
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })?;
        Ok(rows
            .into_iter()
            .map(|(run, text)| (run, text.and_then(|t| serde_json::from_str(&t).ok())))
            .collect())
    }

    /// One run's report, if kept.
    pub fn conformance_report<T: DeserializeOwned>(
        &self,
        id: i64,
    ) -> Result<Option<T>, StoreError> {
        let text: Option<String> = self.with(|c| {
            Ok(c.query_row(
                "SELECT report FROM conformance_runs WHERE id = ?1",
                params![id],
                |row| row.get(0),
            )
            .optional()?)
        })?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Damaged(e.to_string())))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_kept_newest_first_and_the_oldest_dropped() {
        let store = Store::temporary().expect("store");
        for n in 0..CONFORMANCE_LIMIT + 3 {
            store
                .record_conformance(
                    n,
                    &format!("http://h/{n}"),
                    "pass",
                    &serde_json::json!({"n": n}),
                )
                .expect("kept");
        }
        let runs = store.conformance_runs().expect("runs");
        assert_eq!(
            runs.len(),
            usize::try_from(CONFORMANCE_LIMIT).expect("limit")
        );
        assert_eq!(runs[0].url, format!("http://h/{}", CONFORMANCE_LIMIT + 2));
        let newest: serde_json::Value = store
            .conformance_report(runs[0].id)
            .expect("read")
            .expect("kept");
        assert_eq!(newest["n"], CONFORMANCE_LIMIT + 2);
        let deliveries = store.conformance_deliveries().expect("deliveries");
        assert_eq!(deliveries.len(), runs.len());
        assert_eq!(deliveries[0].1, None, "a report without one");
        store
            .record_conformance(
                99,
                "http://h/judged",
                "pass",
                &serde_json::json!({"delivery": {"state": "healthy", "answers": 3}}),
            )
            .expect("kept");
        let deliveries = store.conformance_deliveries().expect("deliveries");
        assert_eq!(deliveries[0].0.url, "http://h/judged");
        assert_eq!(
            deliveries[0].1,
            Some(serde_json::json!({"state": "healthy", "answers": 3}))
        );
        assert!(
            store
                .conformance_report::<serde_json::Value>(1)
                .expect("read")
                .is_none()
        );
    }
}
