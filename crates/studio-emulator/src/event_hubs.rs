//! Delivery to Azure Event Hubs, as Graph does it, onto a real Kafka-protocol broker.
//!
//! Graph sends to `EventHub:https://<namespace>/eventhubname/<hub>?tenantId=…` as the Change
//! Tracking app; the sandbox cannot be Azure, so a namespace is *mapped* to a broker (the control
//! API's `POST /_emulator/event-hubs`, or `graph-emulator --event-hub`). Notifications, lifecycle
//! events and the one validation event Graph sends when a subscription is created are then
//! produced to the topic named like the hub, with the same JSON bodies a webhook would get. An
//! unmapped namespace fails the subscription's creation the way a hub Graph cannot send to does.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rskafka::chrono::{TimeZone, Utc};
use rskafka::client::Client;
use rskafka::client::partition::{Compression, UnknownTopicHandling};
use rskafka::record::Record;
use serde_json::{Value, json};
use studio_catalog::targets::DeliveryTarget;
use studio_primitives::Sensitive;
use studio_primitives::kafka::{KafkaAuth, KafkaEndpoint, KafkaTls, connect};

use crate::bodies::GraphBody;
use crate::server::{Shared, graph_error};
use crate::subscriptions::uuid_like;

/// How long a produce may take to connect.
const CONNECT_DEADLINE: Duration = Duration::from_secs(10);

/// The namespaces mapped to brokers, and a connected client per namespace.
#[derive(Debug, Default)]
pub struct HubBrokers {
    mapped: std::sync::Mutex<BTreeMap<String, KafkaEndpoint>>,
    clients: tokio::sync::Mutex<HashMap<String, Arc<Client>>>,
    /// Deliveries to a hub not finished yet, and a bell rung as each finishes.
    in_flight: std::sync::atomic::AtomicUsize,
    finished: tokio::sync::Notify,
}

/// Counts one delivery to a hub from when it is scheduled until it ends.
#[derive(Debug)]
pub struct InFlight(Arc<Shared>);

impl InFlight {
    /// A delivery to a hub is scheduled.
    pub fn start(shared: &Arc<Shared>) -> InFlight {
        shared
            .event_hubs
            .in_flight
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        InFlight(Arc::clone(shared))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let hubs = &self.0.event_hubs;
        hubs.in_flight
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        hubs.finished.notify_waiters();
    }
}

impl HubBrokers {
    /// Waits until no delivery to a hub is under way, at most `limit`.
    pub async fn settle(&self, limit: Duration) {
        let settled = async {
            loop {
                let finished = self.finished.notified();
                tokio::pin!(finished);
                finished.as_mut().enable();
                if self.in_flight.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                    return;
                }
                finished.await;
            }
        };
        let _ = tokio::time::timeout(limit, settled).await;
    }

    /// Maps `namespace` (its host, `…servicebus.windows.net`) to a broker.
    pub fn map(&self, namespace: &str, endpoint: KafkaEndpoint) {
        if let Ok(mut mapped) = self.mapped.lock() {
            mapped.insert(namespace.to_ascii_lowercase(), endpoint);
        }
    }

    /// The broker a namespace is mapped to.
    pub fn endpoint(&self, namespace: &str) -> Option<KafkaEndpoint> {
        self.mapped
            .lock()
            .ok()
            .and_then(|m| m.get(&namespace.to_ascii_lowercase()).cloned())
    }

    async fn client(&self, namespace: &str) -> Result<Arc<Client>, String> {
        let endpoint = self
            .endpoint(namespace)
            .ok_or_else(|| unmapped(namespace))?;
        if let Some(client) = self.clients.lock().await.get(namespace) {
            return Ok(Arc::clone(client));
        }
        // Connected outside the lock: a broker that does not answer holds up only its own
        // deliveries.
        let client = Arc::new(
            connect(&endpoint, CONNECT_DEADLINE)
                .await
                .map_err(|e| e.to_string())?,
        );
        self.clients
            .lock()
            .await
            .entry(namespace.to_owned())
            .or_insert_with(|| Arc::clone(&client));
        Ok(client)
    }

    /// Forgets a namespace's client (after a failed produce, so the next one reconnects).
    async fn forget(&self, namespace: &str) {
        self.clients.lock().await.remove(namespace);
    }
}

fn unmapped(namespace: &str) -> String {
    format!(
        "The sandbox has no broker for the Event Hubs namespace {namespace}: save a connection for it that names a broker (webhook-studio event-hub add NAME --broker HOST:PORT, or Inspector → Azure Event Hubs); standalone, POST /_emulator/event-hubs or graph-emulator --event-hub {namespace}=HOST:PORT."
    )
}

/// Whether the sandbox can deliver to `url`'s Event Hubs target (`None`: not an Event Hubs URL).
pub fn check_target(shared: &Shared, target: &DeliveryTarget) -> Result<(), String> {
    match target {
        DeliveryTarget::EventHub { namespace, .. } => shared
            .event_hubs
            .endpoint(namespace)
            .map(|_| ())
            .ok_or_else(|| unmapped(namespace)),
        DeliveryTarget::EventHubKeyVault { vault, .. } => Err(format!(
            "The sandbox cannot read Key Vault secrets ({vault}); use the EventHub:https://<namespace>/eventhubname/<hub> form with a mapped namespace."
        )),
        DeliveryTarget::EventGrid { .. } => {
            Err("The sandbox has no Event Grid; use an Event Hubs target, or a real tenant.".into())
        }
        DeliveryTarget::Webhook { .. } => Ok(()),
    }
}

/// A stable partition for a key (a subscription's notifications stay in order).
fn partition_for(key: &str, partitions: i32) -> i32 {
    let hash = key.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    i32::try_from(hash % u32::try_from(partitions.max(1)).unwrap_or(1)).unwrap_or(0)
}

/// Produces one body to the hub of an `EventHub:` URL; `key` (a subscription id) picks the
/// partition. Answers an error in Graph's words when it cannot.
pub async fn produce(shared: &Shared, url: &str, key: &str, body: &Value) -> Result<(), String> {
    let Ok(DeliveryTarget::EventHub { namespace, hub, .. }) = DeliveryTarget::parse(url) else {
        return Err(format!(
            "{url} is not an Event Hubs target the sandbox delivers to."
        ));
    };
    let result = produce_to(shared, &namespace, &hub, key, body).await;
    if result.is_err() {
        shared.event_hubs.forget(&namespace).await;
    }
    result
}

async fn produce_to(
    shared: &Shared,
    namespace: &str,
    hub: &str,
    key: &str,
    body: &Value,
) -> Result<(), String> {
    let client = shared.event_hubs.client(namespace).await?;
    let topics = client.list_topics().await.map_err(|e| e.to_string())?;
    let partitions = topics
        .iter()
        .find(|t| t.name == hub)
        .map(|t| i32::try_from(t.partitions.len()).unwrap_or(1))
        .ok_or_else(|| format!("The event hub {hub} does not exist in {namespace}."))?;
    let partition = client
        .partition_client(
            hub,
            partition_for(key, partitions),
            UnknownTopicHandling::Error,
        )
        .await
        .map_err(|e| e.to_string())?;
    let record = Record {
        key: Some(key.as_bytes().to_vec()),
        value: Some(serde_json::to_vec(body).map_err(|e| e.to_string())?),
        headers: BTreeMap::from([("content-type".to_owned(), b"application/json".to_vec())]),
        timestamp: Utc
            .timestamp_opt(shared.clock.now(), 0)
            .single()
            .unwrap_or_default(),
    };
    partition
        .produce(vec![record], Compression::NoCompression)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The validation event Graph sends to a hub when a subscription is created (receivers ignore
/// it: every field but the tenant is `NA`).
pub fn validation_event(shared: &Shared) -> Value {
    json!({ "value": [{
        "subscriptionId": "NA",
        "subscriptionExpirationDateTime": "NA",
        "clientState": "NA",
        "changeType": format!(
            "Validation: Testing client application reachability for subscription Request-Id: {}",
            uuid_like()
        ),
        "resource": "NA",
        "resourceData": { "@odata.type": "NA", "@odata.id": "NA", "id": "NA" },
        "tenantId": shared.tenant.tenant_id,
    }] })
}

/// `GET /_emulator/event-hubs`: the namespaces mapped to brokers.
pub async fn list(State(shared): State<Arc<Shared>>) -> Response {
    let mapped: Vec<Value> = shared
        .event_hubs
        .mapped
        .lock()
        .map(|m| {
            m.iter()
                .map(|(namespace, e)| json!({ "namespace": namespace, "bootstrap": e.bootstrap }))
                .collect()
        })
        .unwrap_or_default();
    Json(json!({ "value": mapped })).into_response()
}

/// `POST /_emulator/event-hubs {"namespace", "bootstrap", "tls"?: "off"|"system", "caPem"?,
/// "user"?, "password"?}`: maps a namespace to a broker (SASL PLAIN when a user is given).
pub async fn map(State(shared): State<Arc<Shared>>, GraphBody(body): GraphBody) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let text = |name: &str| request[name].as_str().map(str::to_owned);
    let (Some(namespace), Some(bootstrap)) = (text("namespace"), text("bootstrap")) else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Send {\"namespace\": \"<ns>.servicebus.windows.net\", \"bootstrap\": \"host:port\"}.",
            shared.clock.now(),
        );
    };
    let tls = match (text("tls").as_deref(), text("caPem")) {
        (_, Some(pem)) => KafkaTls::WithCa(pem.into_bytes()),
        (Some("system"), None) => KafkaTls::SystemRoots,
        _ => KafkaTls::Off,
    };
    let auth = match (text("user"), text("password")) {
        (Some(user), Some(password)) => KafkaAuth::Plain {
            user,
            password: Sensitive::new(password),
        },
        _ => KafkaAuth::None,
    };
    shared.event_hubs.map(
        &namespace,
        KafkaEndpoint {
            bootstrap: bootstrap.clone(),
            auth,
            tls,
        },
    );
    shared
        .event_hubs
        .forget(&namespace.to_ascii_lowercase())
        .await;
    Json(json!({ "namespace": namespace, "bootstrap": bootstrap })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_always_lands_in_the_same_partition() {
        let first = partition_for("subscription-1", 4);
        assert!((0..4).contains(&first));
        assert_eq!(first, partition_for("subscription-1", 4));
        assert_eq!(partition_for("anything", 1), 0);
        assert_eq!(partition_for("anything", 0), 0);
    }
}
