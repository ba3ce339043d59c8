//! Receptions: every request the receiver got, exactly as it arrived, stored **before** it is
//! acknowledged so nothing Graph was told "202" about can be lost.
//!
//! Concurrent requests are committed together: [`GroupCommit`] is a writer thread, with a
//! connection of its own, that takes whatever is queued, inserts it in one transaction, and only
//! then answers each waiting request. One fsync serves a burst instead of one per POST. A
//! notification is inserted `pending`: the check queue ([`crate::checking`]) takes it from there,
//! whatever happens to the request or the process afterwards.

use std::future::Future;
use std::pin::Pin;

use rusqlite::{Transaction, params};
use studio_receiver::{CommitError, NewReception, ReceptionKind, ReceptionSink};
use tokio::sync::{mpsc, oneshot};

use crate::{Store, StoreError};

/// The most receptions one transaction takes.
pub const MAX_BATCH: usize = 512;

/// A stored reception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reception {
    /// Its id (insertion order).
    pub id: i64,
    /// Everything else.
    pub request: NewReception,
}

/// Inserts receptions within `transaction`; answers their ids in order. Notifications and
/// lifecycle notifications are queued for their checks.
pub(crate) fn insert_into(
    transaction: &Transaction<'_>,
    batch: &[NewReception],
) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::with_capacity(batch.len());
    {
        let mut statement = transaction.prepare_cached(
            "INSERT INTO receptions (received_at, kind, method, path, query, headers, body, peer, status, reason, pending)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for r in batch {
            let headers = serde_json::to_string(&r.headers)
                .map_err(|e| StoreError::Damaged(e.to_string()))?;
            let pending = r.kind.has_items() && r.status == 202;
            statement.execute(params![
                r.received_at,
                r.kind.as_str(),
                r.method,
                r.path,
                r.query,
                headers,
                r.body,
                r.peer,
                r.status,
                r.reason,
                pending
            ])?;
            ids.push(transaction.last_insert_rowid());
        }
    }
    Ok(ids)
}

impl Store {
    /// Inserts receptions in one transaction; answers their ids in order.
    pub fn insert_receptions(&self, batch: &[NewReception]) -> Result<Vec<i64>, StoreError> {
        self.write(|transaction| insert_into(transaction, batch))
    }

    /// The newest receptions first.
    pub fn receptions(&self, limit: u32) -> Result<Vec<Reception>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare(
                "SELECT id, received_at, kind, method, path, query, headers, body, peer, status, reason
                 FROM receptions ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = statement.query_map(params![limit], reception_row)?;
            rows.map(|row| row.map_err(StoreError::from).and_then(decode_row))
            .collect()
        })
    }

    /// Explains, after the fact, why a stored reception gave nothing to check (it was already
    /// acknowledged; the reason shows with it).
    pub fn set_reception_reason(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "UPDATE receptions SET reason = ?2 WHERE id = ?1",
                params![id, reason],
            )?;
            Ok(())
        })
    }

    /// How many receptions are stored.
    pub fn reception_count(&self) -> Result<i64, StoreError> {
        self.with(|c| Ok(c.query_row("SELECT COUNT(*) FROM receptions", [], |row| row.get(0))?))
    }
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    Vec<u8>,
    String,
    u16,
    Option<String>,
);

/// Reads a `receptions` row (columns in table order).
pub(crate) fn reception_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
        row.get(10)?,
    ))
}

/// Turns a row into a reception.
pub(crate) fn decode_row(row: Row) -> Result<Reception, StoreError> {
    let (id, received_at, kind, method, path, query, headers, body, peer, status, reason) = row;
    Ok(Reception {
        id,
        request: NewReception {
            received_at,
            kind: ReceptionKind::from_stored(&kind),
            method,
            path,
            query,
            headers: serde_json::from_str(&headers)
                .map_err(|e| StoreError::Damaged(e.to_string()))?,
            body,
            peer,
            status,
            reason,
        },
    })
}

/// Why the writer could not store a batch (shared by every reception of the batch).
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriterError {
    /// The transaction failed.
    #[error("the batch could not be written: {0}")]
    Batch(String),
    /// The writer thread is gone.
    #[error("the reception writer has stopped")]
    Stopped,
}

type Waiting = (NewReception, oneshot::Sender<Result<i64, WriterError>>);

/// Commits receptions in groups on a writer thread; `commit` resolves once the reception is
/// durable (or failed to be).
#[derive(Debug, Clone)]
pub struct GroupCommit {
    queue: mpsc::Sender<Waiting>,
}

impl GroupCommit {
    /// Starts the writer thread, with its own connection to the store's database.
    pub fn start(store: &Store) -> Result<GroupCommit, StoreError> {
        GroupCommit::start_with(store, |_| {})
    }

    /// Starts the writer thread; after each committed batch (before anyone is answered) it
    /// reports the batch's newest id to `committed`, which must not block.
    pub fn start_with(
        store: &Store,
        committed: impl Fn(i64) + Send + 'static,
    ) -> Result<GroupCommit, StoreError> {
        let mut writer = store.writer(crate::writing::Priority::Urgent)?;
        let (queue, mut incoming) = mpsc::channel::<Waiting>(8 * MAX_BATCH);
        std::thread::Builder::new().name("reception-writer".into()).spawn(move || {
            while let Some(first) = incoming.blocking_recv() {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match incoming.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (receptions, replies): (Vec<NewReception>, Vec<_>) = batch.into_iter().unzip();
                match writer.transaction(|transaction| insert_into(transaction, &receptions)) {
                    Ok(ids) => {
                        if let Some(newest) = ids.iter().max() {
                            committed(*newest);
                        }
                        for (reply, id) in replies.into_iter().zip(ids) {
                            let _ = reply.send(Ok(id));
                        }
                    }
                    Err(error) => {
                        tracing::error!(%error, count = replies.len(), "receptions could not be stored");
                        let shared = WriterError::Batch(error.to_string());
                        for reply in replies {
                            let _ = reply.send(Err(shared.clone()));
                        }
                    }
                }
            }
        }).map_err(StoreError::Io)?;
        Ok(GroupCommit { queue })
    }

    /// Stores one reception; resolves with its id once it is committed.
    pub async fn commit(&self, reception: NewReception) -> Result<i64, WriterError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((reception, reply))
            .await
            .map_err(|_| WriterError::Stopped)?;
        answer.await.map_err(|_| WriterError::Stopped)?
    }
}

/// The store is the receiver's sink: a reception is acknowledged once its group is committed.
impl ReceptionSink for GroupCommit {
    fn commit(
        &self,
        reception: NewReception,
    ) -> Pin<Box<dyn Future<Output = Result<i64, CommitError>> + Send + '_>> {
        Box::pin(async move {
            GroupCommit::commit(self, reception)
                .await
                .map_err(|e| CommitError(Box::new(e)))
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn reception(n: usize) -> NewReception {
        NewReception {
            received_at: "2026-11-23T00:00:00.000Z".into(),
            kind: ReceptionKind::Notification,
            method: "POST".into(),
            path: "/s/notifications".into(),
            query: String::new(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: format!("{{\"n\":{n}}}").into_bytes(),
            peer: "127.0.0.1:1".into(),
            status: 202,
            reason: None,
        }
    }

    #[tokio::test]
    async fn concurrent_commits_share_transactions_and_all_land() {
        let store = Arc::new(Store::temporary().expect("opens"));
        let writer = GroupCommit::start(&store).expect("writer");
        let mut handles = Vec::new();
        for n in 0..300 {
            let writer = writer.clone();
            handles.push(tokio::spawn(
                async move { writer.commit(reception(n)).await },
            ));
        }
        let mut ids = Vec::new();
        for handle in handles {
            ids.push(handle.await.expect("joined").expect("stored"));
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 300);
        assert_eq!(store.reception_count().expect("count"), 300);
        let newest = store.receptions(1).expect("list");
        assert_eq!(newest[0].request.headers[0].0, "content-type");
    }
}
