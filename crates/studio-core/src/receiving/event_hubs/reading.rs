//! Reading an Event Hub through its Kafka endpoint into the store, one task per partition.
//!
//! Each fetched batch is stored with the partition's next offset in one transaction
//! (`Store::commit_hub_batch`), then announced and handed to the check queue exactly as the
//! webhook writer's batches are. A restart resumes at the stored offset; an event handed out
//! twice is stored once. Failures (the broker gone, credentials rotated) are retried with a
//! growing pause and published on the reader's status, never dropped silently.

use std::sync::Arc;
use std::time::Duration;

use rskafka::chrono::{TimeZone, Utc};
use rskafka::client::error::{Error as KafkaClientError, ProtocolError};
use rskafka::client::partition::{OffsetAt, PartitionClient, UnknownTopicHandling};
use serde::{Deserialize, Serialize};
use studio_primitives::Clock;
use studio_primitives::kafka::{BearerTokens, KafkaError, classify, connect};
use studio_receiver::hub_event::{HubEvent, hub_reception};
use studio_store::Store;
use studio_store::checking::CheckWaker;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use ts_rs::TS;

use studio_catalog::targets::DeliveryTarget;

use super::{ENTRA_REFUSED_HINT, HubConnection, HubSignIn, hub_error};
use crate::error::CoreError;
use crate::gaps::GapCause;
use crate::receiving::Receiving;
use crate::receiving::announcements::Announcer;

/// How long connecting may take.
const CONNECT_DEADLINE: Duration = Duration::from_secs(15);
/// The most bytes one fetch asks for.
/// The most bytes one fetch asks for (per partition: a broker still sends one larger event).
const MAX_FETCH_BYTES: i32 = 1024 * 1024;
/// The most lasting notices (expired or reset partitions) a reader keeps.
const MAX_NOTICES: usize = 20;
/// How long the broker may hold a fetch open waiting for records.
const FETCH_WAIT_MS: i32 = 1000;
/// The longest pause between two attempts after a failure.
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// Where a reader starts in each partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "from", rename_all = "camelCase")]
pub enum HubStart {
    /// Where this consumer group stopped (new events only, the first time).
    Committed,
    /// The oldest event the hub still keeps.
    Start,
    /// Only events from now on.
    Now,
    /// Events enqueued from this time (Unix seconds).
    Time {
        /// Unix seconds.
        #[ts(type = "number")]
        at: i64,
    },
}

/// What a reader is doing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HubReadStatus {
    /// Events stored by this reader.
    pub stored: u64,
    /// Each partition's last failure, until its next success.
    pub problems: std::collections::BTreeMap<i32, String>,
    /// What stays true once said: events that expired before they were read, a hub that was
    /// reset (the newest few).
    pub notices: Vec<String>,
}

impl HubReadStatus {
    /// The notices and the current failures, as one text (none when all is well).
    pub fn problem(&self) -> Option<String> {
        let all: Vec<&str> = self
            .notices
            .iter()
            .chain(self.problems.values())
            .map(String::as_str)
            .collect();
        (!all.is_empty()).then(|| all.join("; "))
    }

    fn notice(&mut self, text: String) {
        if self.notices.len() == MAX_NOTICES {
            self.notices.remove(0);
        }
        self.notices.push(text);
    }
}

/// A running reader; dropping it (or [`HubReader::stop`]) stops its tasks.
#[derive(Debug)]
pub struct HubReader {
    /// The connection read.
    pub connection: HubConnection,
    /// The hub's partitions.
    pub partitions: Vec<i32>,
    /// Follows [`HubReadStatus`].
    pub status: watch::Receiver<HubReadStatus>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl HubReader {
    /// Stops reading and waits for the partition tasks (a batch being stored is finished).
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for HubReader {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// What each partition task needs.
struct Context {
    store: Arc<Store>,
    announcer: Announcer,
    check_waker: Arc<std::sync::RwLock<Option<CheckWaker>>>,
    clock: Arc<dyn Clock>,
    connection: HubConnection,
    bootstrap: String,
    status: watch::Sender<HubReadStatus>,
    max_body: usize,
    /// For each live subscription delivering to this hub, the last time it was known complete
    /// before this reading started: where a gap for events lost from the hub begins (what this
    /// reading stores is timed when read, so it cannot say).
    known_complete: std::collections::BTreeMap<String, i64>,
    /// Where the gaps it opens are announced (the window refetches its health).
    events: crate::events::EventBus,
}

impl Receiving {
    /// Starts reading a saved connection's hub into the store (and the checks, if not running).
    /// An Entra connection's tokens come in `tokens` ([`crate::Studio::hub_tokens`]).
    pub async fn read_hub(
        &self,
        name: &str,
        start: HubStart,
        tokens: Option<BearerTokens>,
    ) -> Result<HubReader, CoreError> {
        let (connection, endpoint) = self.hub_endpoint(name, tokens)?;
        // A sandbox already running learns (again) where this namespace's broker is, so its
        // retries of earlier deliveries land.
        if let Err(error) = self.map_sandbox_hubs().await {
            tracing::warn!(%error, "the sandbox could not be told about the event hubs");
        }
        // One process checks what arrives for a data folder (the webhook receiver's rule).
        self.lease.take(&self.data_dir, self.options.process)?;
        self.start_checks()?;
        // What is stored is announced to the window and `listen`, as the receiver's arrivals are.
        self.announcing
            .get_or_init(|| tokio::spawn(self.announcer.clone().run()));
        let bootstrap = endpoint.bootstrap.clone();
        let failed = |e: &KafkaClientError| failure(&connection, &classify(&bootstrap, e));
        let client = connect(&endpoint, CONNECT_DEADLINE)
            .await
            .map_err(|e| failure(&connection, &e))?;
        let topics = client.list_topics().await.map_err(|e| failed(&e))?;
        let partitions: Vec<i32> = topics
            .into_iter()
            .find(|t| t.name == connection.hub)
            .map(|t| t.partitions.into_iter().collect())
            .ok_or_else(|| {
                CoreError::not_found(format!(
                    "The event hub '{}' does not exist at {bootstrap}.",
                    connection.hub
                ))
                .with_hint("Check the hub's name in the portal (Event Hubs namespace → Event Hubs); names are case-sensitive.")
            })?;
        let committed = self.store.hub_offsets(&connection.source())?;
        let (status_tx, status) = watch::channel(HubReadStatus::default());
        let (stop, stopped) = watch::channel(false);
        let known_complete = {
            let store = Arc::clone(&self.store);
            let (namespace, hub) = (connection.namespace.clone(), connection.hub.clone());
            tokio::task::spawn_blocking(move || {
                store
                    .owned()
                    .unwrap_or_default()
                    .iter()
                    .filter(|s| {
                        s.state.is_live() && delivers_to(&s.notification_url, &namespace, &hub)
                    })
                    .map(|s| (s.id.clone(), crate::gaps::last_heard(&store, s)))
                    .collect()
            })
            .await
            .unwrap_or_default()
        };
        let context = Arc::new(Context {
            known_complete,
            events: self.events.clone(),
            store: Arc::clone(&self.store),
            announcer: self.announcer.clone(),
            check_waker: Arc::clone(&self.check_waker),
            clock: Arc::clone(&self.clock),
            connection: connection.clone(),
            bootstrap: bootstrap.clone(),
            status: status_tx,
            max_body: studio_receiver::Limits::default().max_body,
        });
        let mut tasks = Vec::new();
        for &partition in &partitions {
            let client = client
                .partition_client(&connection.hub, partition, UnknownTopicHandling::Retry)
                .await
                .map_err(|e| failed(&e))?;
            let kept = self
                .reset_if_started_again(&context, &client, committed.get(&partition).copied())
                .await
                .map_err(|e| failed(&e))?;
            let first = first_offset(&client, start, kept)
                .await
                .map_err(|e| failed(&e))?;
            if !committed.contains_key(&partition) {
                // The starting point is kept at once: events that arrive in a partition while
                // this consumer is stopped are read at its next start, even if none came before.
                self.store.commit_hub_batch(
                    &connection.source(),
                    partition,
                    Vec::new(),
                    first,
                    &self.clock.now_rfc3339(),
                )?;
            }
            tracing::info!(hub = %connection.hub, partition, first, "reading the event hub");
            tasks.push(tokio::spawn(read_partition(
                Arc::clone(&context),
                client,
                first,
                stopped.clone(),
            )));
        }
        Ok(HubReader {
            connection,
            partitions,
            status,
            stop,
            tasks,
        })
    }
}

impl Receiving {
    /// A kept offset past the partition's end means the hub started again (recreated, or a broker
    /// without storage restarted): the kept offset moves back to its start, and it is said.
    async fn reset_if_started_again(
        &self,
        context: &Context,
        client: &PartitionClient,
        kept: Option<i64>,
    ) -> Result<Option<i64>, KafkaClientError> {
        let Some(kept) = kept else {
            return Ok(None);
        };
        let latest = client.get_offset(OffsetAt::Latest).await?;
        if kept <= latest {
            return Ok(Some(kept));
        }
        out_of_range(context, client, kept).await.map(Some)
    }
}

/// The first offset to read in a partition.
async fn first_offset(
    client: &PartitionClient,
    start: HubStart,
    committed: Option<i64>,
) -> Result<i64, KafkaClientError> {
    match (start, committed) {
        (HubStart::Committed, Some(offset)) => Ok(offset),
        (HubStart::Committed | HubStart::Now, _) => client.get_offset(OffsetAt::Latest).await,
        (HubStart::Start, _) => client.get_offset(OffsetAt::Earliest).await,
        (HubStart::Time { at }, _) => {
            let at = Utc.timestamp_opt(at, 0).single().unwrap_or_default();
            match client.get_offset(OffsetAt::Timestamp(at)).await? {
                // Nothing enqueued at or after that time: from the end.
                found if found < 0 => client.get_offset(OffsetAt::Latest).await,
                found => Ok(found),
            }
        }
    }
}

fn rfc3339_millis(millis: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

async fn read_partition(
    context: Arc<Context>,
    client: PartitionClient,
    mut offset: i64,
    mut stopped: watch::Receiver<bool>,
) {
    let partition = client.partition();
    let mut pause = Duration::from_millis(250);
    loop {
        let fetched = tokio::select! {
            _ = stopped.changed() => return,
            fetched = client.fetch_records(offset, 1..MAX_FETCH_BYTES, FETCH_WAIT_MS) => fetched,
        };
        match fetched {
            Ok((records, high_watermark)) => {
                if records.is_empty() {
                    if high_watermark < offset {
                        // The partition ends before where this reader is: the hub started
                        // again (some brokers answer so instead of "out of range").
                        match out_of_range(&context, &client, offset).await {
                            Ok(moved) => offset = moved,
                            Err(error) => {
                                problem(&context, partition, &error, &mut stopped, &mut pause)
                                    .await;
                            }
                        }
                        continue;
                    }
                    if high_watermark > offset {
                        // Only records the client does not hand out (transaction markers) at
                        // this offset: step over one, without spinning.
                        pause_or_stop(&mut stopped, &mut Duration::from_millis(100)).await;
                        offset = offset.saturating_add(1);
                    }
                    continue;
                }
                pause = Duration::from_millis(250);
                let Some(next) = records.iter().map(|r| r.offset.saturating_add(1)).max() else {
                    continue;
                };
                let events = receptions(&context, partition, records);
                match store_batch(&context, partition, events, next).await {
                    Ok(count) => {
                        offset = next;
                        context.status.send_modify(|s| {
                            s.stored += count;
                            s.problems.remove(&partition);
                        });
                    }
                    Err(error) => {
                        // Not moved on: the same records are fetched and stored again.
                        tracing::error!(%error, partition, "hub events could not be stored");
                        context.status.send_modify(|s| {
                            s.problems
                                .insert(partition, format!("storing failed: {error}"));
                        });
                        pause_or_stop(&mut stopped, &mut pause).await;
                    }
                }
            }
            Err(KafkaClientError::ServerError {
                protocol_error: ProtocolError::OffsetOutOfRange,
                ..
            }) => match out_of_range(&context, &client, offset).await {
                Ok(moved) => {
                    offset = moved;
                    pause_or_stop(&mut stopped, &mut Duration::from_millis(250)).await;
                }
                Err(error) => problem(&context, partition, &error, &mut stopped, &mut pause).await,
            },
            Err(error) => problem(&context, partition, &error, &mut stopped, &mut pause).await,
        }
        if *stopped.borrow() {
            return;
        }
    }
}

/// The fetched records as receptions (each with its offset).
fn receptions(
    context: &Context,
    partition: i32,
    records: Vec<rskafka::record::RecordAndOffset>,
) -> Vec<(i64, studio_receiver::NewReception)> {
    let received_at = context.clock.now_rfc3339();
    records
        .into_iter()
        .map(|r| {
            let event = HubEvent {
                bootstrap: &context.bootstrap,
                hub: &context.connection.hub,
                partition,
                offset: r.offset,
                enqueued_at: rfc3339_millis(r.record.timestamp.timestamp_millis()),
                key: r.record.key.as_deref(),
                value: r.record.value.as_deref().unwrap_or_default(),
                headers: r
                    .record
                    .headers
                    .iter()
                    .take(32)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            };
            (
                r.offset,
                hub_reception(&event, received_at.clone(), context.max_body),
            )
        })
        .collect()
}

/// Where to go on when the offset is not in the partition: past its end, the hub was reset
/// (recreated, or a broker without storage restarted) and is read from its start, the stored
/// offset moved back with it; before its start, events expired unread. Either is said and kept.
async fn out_of_range(
    context: &Context,
    client: &PartitionClient,
    offset: i64,
) -> Result<i64, KafkaClientError> {
    let partition = client.partition();
    let earliest = client.get_offset(OffsetAt::Earliest).await?;
    let latest = client.get_offset(OffsetAt::Latest).await?;
    if (earliest..=latest).contains(&offset) {
        // In range after all (a leader change, or a restarted hub that has caught up): nothing
        // was lost; read on.
        return Ok(offset);
    }
    if offset > latest {
        tracing::info!(
            partition,
            offset,
            latest,
            "the hub was reset; reading it from its start"
        );
        let store = Arc::clone(&context.store);
        let (source, at) = (context.connection.source(), context.clock.now_rfc3339());
        let reset = tokio::task::spawn_blocking(move || {
            store.reset_hub_offset(&source, partition, earliest, &at)
        })
        .await;
        if !matches!(reset, Ok(Ok(()))) {
            tracing::error!(partition, "the reset offset could not be stored");
        }
        context.status.send_modify(|s| {
            s.notice(format!(
                "partition {partition} ended at {latest} although {offset} had been read: the hub was reset, read again from {earliest}"
            ));
        });
        open_hub_gaps(
            context,
            format!(
                "The event hub {} started again (partition {partition} ended at {latest}, {offset} had been read): what was sent to it before it did and not read is lost.",
                context.connection.hub
            ),
        )
        .await;
        return Ok(earliest);
    }
    tracing::info!(
        partition,
        offset,
        earliest,
        "events expired from the hub before they were read"
    );
    context.status.send_modify(|s| {
        s.notice(format!(
            "partition {partition}: events {offset}–{} expired from the hub before they were read",
            earliest.saturating_sub(1)
        ));
    });
    open_hub_gaps(
        context,
        format!(
            "Events {offset}–{} of partition {partition} of the event hub {} expired before they were read.",
            earliest.saturating_sub(1),
            context.connection.hub
        ),
    )
    .await;
    Ok(earliest.max(offset))
}

/// Events lost from the hub may have been notifications of any subscription delivering to it
/// (which partition a subscription's events go to is the sender's choice): each live one gets a
/// gap from the last time it was known complete to now, to reconcile with delta.
async fn open_hub_gaps(context: &Context, detail: String) {
    let store = Arc::clone(&context.store);
    let (namespace, hub) = (
        context.connection.namespace.clone(),
        context.connection.hub.clone(),
    );
    let now = context.clock.now_unix();
    let known_complete = context.known_complete.clone();
    let opened = tokio::task::spawn_blocking(move || {
        let owned = store.owned().unwrap_or_default();
        owned
            .iter()
            .filter(|s| s.state.is_live() && delivers_to(&s.notification_url, &namespace, &hub))
            .filter_map(|s| {
                let from = known_complete
                    .get(&s.id)
                    .copied()
                    .unwrap_or_else(|| crate::gaps::last_heard(&store, s));
                crate::gaps::open(&store, &s.id, GapCause::HubLost, from, now, now, &detail)
            })
            .count()
    })
    .await;
    let opened = opened.unwrap_or(0);
    tracing::info!(opened, "gaps opened for events lost from a hub");
    if opened > 0 {
        // The gaps the window shows changed.
        context
            .events
            .publish(crate::events::CoreEvent::ReceiverChanged);
    }
}

/// Whether a subscription's target is this namespace's hub (names compared as Azure does,
/// without case). A Key Vault target names no hub (the secret does), so it never matches.
fn delivers_to(notification_url: &str, namespace: &str, hub: &str) -> bool {
    matches!(
        DeliveryTarget::parse(notification_url),
        Ok(DeliveryTarget::EventHub { namespace: n, hub: h, .. })
            if n.eq_ignore_ascii_case(namespace) && h.eq_ignore_ascii_case(hub)
    )
}

/// What to do about a failure of this connection: the Kafka error's own hint, unless the
/// connection says more (a broker of its own, so not Azure; an Entra sign-in refused).
fn hint_for(connection: &HubConnection, error: &KafkaError) -> String {
    match (&connection.broker, error.code()) {
        (Some(broker), "hubUnreachable") => format!(
            "Start the broker at {broker}, or save the connection again with the right --broker."
        ),
        (_, "hubCredentialsRefused") if matches!(connection.sign_in, HubSignIn::Entra { .. }) => {
            ENTRA_REFUSED_HINT.to_owned()
        }
        _ => error.hint().to_owned(),
    }
}

/// A failure of this connection at the boundary, with [`hint_for`]'s hint.
fn failure(connection: &HubConnection, error: &KafkaError) -> CoreError {
    hub_error(error).with_hint(hint_for(connection, error))
}

async fn problem(
    context: &Context,
    partition: i32,
    error: &KafkaClientError,
    stopped: &mut watch::Receiver<bool>,
    pause: &mut Duration,
) {
    let sorted = classify(&context.bootstrap, error);
    tracing::info!(%sorted, partition, "reading the event hub failed; retrying");
    context.status.send_modify(|s| {
        s.problems.insert(
            partition,
            format!("{sorted} ({})", hint_for(&context.connection, &sorted)),
        );
    });
    pause_or_stop(stopped, pause).await;
}

async fn pause_or_stop(stopped: &mut watch::Receiver<bool>, pause: &mut Duration) {
    tokio::select! {
        _ = stopped.changed() => {}
        () = tokio::time::sleep(*pause) => {}
    }
    *pause = (*pause * 2).min(MAX_PAUSE);
}

/// Stores a batch with the partition's next offset, then tells the window and the checks.
async fn store_batch(
    context: &Arc<Context>,
    partition: i32,
    events: Vec<(i64, studio_receiver::NewReception)>,
    next: i64,
) -> Result<u64, CoreError> {
    let store = Arc::clone(&context.store);
    let source = context.connection.source();
    let at = context.clock.now_rfc3339();
    let ids = tokio::task::spawn_blocking(move || {
        store.commit_hub_batch(&source, partition, events, next, &at)
    })
    .await
    .map_err(|e| CoreError::internal(e.to_string()))??;
    if let Some(newest) = ids.iter().max() {
        context.announcer.committed(*newest);
        if let Ok(waker) = context.check_waker.read()
            && let Some(waker) = waker.as_ref()
        {
            waker.wake();
        }
    }
    Ok(u64::try_from(ids.len()).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receiving::event_hubs::HubTls;

    #[test]
    fn a_failure_is_told_with_what_this_connection_can_do() {
        let refused = KafkaError::Refused {
            bootstrap: "b:9093".into(),
            detail: "SaslAuthenticationFailed".into(),
        };
        let unreachable = KafkaError::Unreachable {
            bootstrap: "localhost:9092".into(),
            detail: "refused".into(),
        };
        let keyed = HubConnection {
            name: "n".into(),
            namespace: "ns.servicebus.windows.net".into(),
            hub: "h".into(),
            consumer_group: "$Default".into(),
            broker: None,
            tls: HubTls::System,
            sign_in: HubSignIn::ConnectionString,
        };
        assert_eq!(hint_for(&keyed, &refused), refused.hint());
        let entra = HubConnection {
            sign_in: HubSignIn::Entra {
                account: "a".into(),
            },
            ..keyed.clone()
        };
        assert_eq!(hint_for(&entra, &refused), ENTRA_REFUSED_HINT);
        let local = HubConnection {
            broker: Some("localhost:9092".into()),
            ..keyed
        };
        assert!(hint_for(&local, &unreachable).starts_with("Start the broker at localhost:9092"));
    }
}
