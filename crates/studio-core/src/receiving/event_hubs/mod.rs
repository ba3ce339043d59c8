//! Azure Event Hubs as a second way in: named connections (the connection string in the keyring,
//! the rest in the store), and reading a hub into the same store, checks and Inspector as the
//! webhook receiver ([`reading`]).
//!
//! A connection names a namespace's Kafka endpoint, the hub (topic) and a consumer group. It may
//! point at another broker than the namespace's (`broker`): a local Kafka-protocol broker the
//! sandbox delivers to, reached with the same SASL PLAIN `$ConnectionString` login, over TLS with
//! its own CA, or in plaintext when it listens on this machine only.

pub mod reading;
pub mod running;

use serde::{Deserialize, Serialize};
use studio_primitives::Sensitive;
use studio_primitives::kafka::{ConnectionString, KafkaEndpoint, KafkaError, KafkaTls};
use ts_rs::TS;

use studio_identity::secrets::SecretStore;
use studio_store::Store;

use super::Receiving;
use crate::error::CoreError;

/// The preference the connections are kept under (JSON; no secret in it).
const CONNECTIONS_PREFERENCE: &str = "event-hub-connections";
/// Event Hubs' default consumer group.
pub const DEFAULT_CONSUMER_GROUP: &str = "$Default";

/// How the broker is spoken to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum HubTls {
    /// TLS with the system's roots (Event Hubs itself).
    System,
    /// TLS trusting also this CA file (a local broker with its own certificate).
    CaFile(String),
    /// No TLS: only for a broker on this machine.
    Plaintext,
}

/// A saved Event Hubs connection (its connection string is in the keyring).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HubConnection {
    /// The name it is used by (`listen --event-hub NAME`).
    pub name: String,
    /// `<namespace>.servicebus.windows.net`, from the connection string.
    pub namespace: String,
    /// The event hub (the Kafka topic).
    pub hub: String,
    /// The consumer group (`$Default` unless set).
    pub consumer_group: String,
    /// Another broker than the namespace's own (`host:port`), e.g. a local one.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<String>,
    /// TLS.
    pub tls: HubTls,
    /// Signs in with the connection string (SASL PLAIN, as Event Hubs wants); off only for a
    /// broker on this machine that takes no sign-in.
    #[serde(default = "signs_in")]
    pub sasl: bool,
}

fn signs_in() -> bool {
    true
}

impl HubConnection {
    /// Where the consumer's offsets are kept: the broker, hub and consumer group.
    pub fn source(&self) -> String {
        format!("{}/{}/{}", self.bootstrap(), self.hub, self.consumer_group)
    }

    /// `host:port` read from.
    pub fn bootstrap(&self) -> String {
        self.broker.clone().unwrap_or_else(|| {
            format!(
                "{}:{}",
                self.namespace,
                studio_primitives::kafka::EVENT_HUBS_KAFKA_PORT
            )
        })
    }
}

/// `event_hub_save`: a connection to add or replace.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SaveHubConnection {
    /// Its name.
    pub name: String,
    /// The connection string from the portal (kept in the keyring).
    #[ts(type = "string")]
    pub connection_string: Sensitive<String>,
    /// The hub; the connection string's `EntityPath` when absent.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<String>,
    /// The consumer group (`$Default` when absent).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer_group: Option<String>,
    /// Another broker (`host:port`).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<String>,
    /// TLS (system roots when absent).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<HubTls>,
    /// Sign in with the connection string (yes when absent; no only for a broker on this
    /// machine).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sasl: Option<bool>,
}

/// A Kafka failure at the boundary, with its hint.
pub fn hub_error(error: &KafkaError) -> CoreError {
    let refusal = match error {
        KafkaError::Malformed(_) | KafkaError::Refused { .. } => {
            CoreError::refused(error.to_string())
        }
        _ => CoreError::unreachable(error.to_string()),
    };
    refusal.with_hint(error.hint())
}

fn secret_name(name: &str) -> String {
    format!("event-hub:{name}")
}

fn is_loopback(bootstrap: &str) -> bool {
    let host = bootstrap.rsplit_once(':').map_or(bootstrap, |(h, _)| h);
    matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1")
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The saved connections.
fn connections(store: &Store) -> Result<Vec<HubConnection>, CoreError> {
    Ok(store
        .preference(CONNECTIONS_PREFERENCE)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

/// A saved connection and the endpoint to read it from.
fn endpoint_of(
    store: &Store,
    secrets: &dyn SecretStore,
    name: &str,
) -> Result<(HubConnection, KafkaEndpoint), CoreError> {
    let connection = connections(store)?
        .into_iter()
        .find(|c| c.name == name)
        .ok_or_else(|| {
            CoreError::not_found(format!("No Event Hubs connection is named '{name}'."))
                .with_hint("Add one: webhook-studio event-hub add NAME --hub HUB (the connection string on standard input).")
        })?;
    let secret = secrets.get(&secret_name(name))?.ok_or_else(|| {
        CoreError::not_found(format!(
            "The connection string of '{name}' is not in the keyring."
        ))
        .with_hint("Add the connection again: webhook-studio event-hub add NAME.")
    })?;
    let parsed = ConnectionString::parse(secret.expose()).map_err(|e| hub_error(&e))?;
    let mut endpoint = parsed.endpoint();
    endpoint.bootstrap = connection.bootstrap();
    if !connection.sasl {
        endpoint.auth = studio_primitives::kafka::KafkaAuth::None;
    }
    endpoint.tls =
        match &connection.tls {
            HubTls::System => KafkaTls::SystemRoots,
            HubTls::Plaintext => KafkaTls::Off,
            HubTls::CaFile(path) => KafkaTls::WithCa(std::fs::read(path).map_err(|e| {
                CoreError::refused(format!("The CA file {path} cannot be read: {e}"))
            })?),
        };
    Ok((connection, endpoint))
}

/// The namespaces a sandbox delivers to: each saved connection that names a broker, with that
/// broker and the connection's login (connections whose secret is unreadable are left out).
pub fn sandbox_brokers(store: &Store, secrets: &dyn SecretStore) -> Vec<(String, KafkaEndpoint)> {
    connections(store)
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.broker.is_some())
        .filter_map(|c| endpoint_of(store, secrets, &c.name).ok())
        .map(|(c, endpoint)| (c.namespace, endpoint))
        .collect()
}

impl Receiving {
    /// The saved connections.
    pub fn hub_connections(&self) -> Result<Vec<HubConnection>, CoreError> {
        connections(&self.store)
    }

    /// Adds or replaces a connection; the connection string goes to the keyring.
    pub fn save_hub_connection(
        &self,
        request: &SaveHubConnection,
    ) -> Result<HubConnection, CoreError> {
        if !valid_name(&request.name) {
            return Err(CoreError::refused(format!(
                "'{}' is not a connection name.",
                request.name
            ))
            .with_hint("Use letters, digits, '-', '_' or '.', at most 64."));
        }
        let parsed = ConnectionString::parse(request.connection_string.expose())
            .map_err(|e| hub_error(&e))?;
        let hub = request
            .hub
            .clone()
            .filter(|h| !h.trim().is_empty())
            .or(parsed.entity_path.clone())
            .ok_or_else(|| {
                CoreError::refused("Which event hub? The connection string names none.")
                    .with_hint("Give the hub's name (--hub), or use a policy of the hub itself (its string ends with EntityPath=<hub>).")
            })?;
        let tls = request.tls.clone().unwrap_or(HubTls::System);
        let broker = request.broker.clone().filter(|b| !b.trim().is_empty());
        if let Some(broker) = &broker
            && !broker.rsplit_once(':').is_some_and(|(host, port)| {
                !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0)
            })
        {
            return Err(
                CoreError::refused(format!("The broker '{broker}' has no port."))
                    .with_hint("Write it as host:port, e.g. localhost:9092."),
            );
        }
        let sasl = request.sasl.unwrap_or(true);
        if !sasl && !broker.as_deref().is_some_and(is_loopback) {
            return Err(CoreError::refused(
                "Only a broker on this machine may be read without signing in.",
            )
            .with_hint("Event Hubs needs the connection string (SASL PLAIN); give --broker localhost:PORT for a local broker."));
        }
        if tls == HubTls::Plaintext && !broker.as_deref().is_some_and(is_loopback) {
            return Err(CoreError::refused(
                "Plaintext is only for a broker on this machine: the connection string would cross the network unencrypted.",
            )
            .with_hint("Give --broker localhost:PORT, or use TLS."));
        }
        if let HubTls::CaFile(path) = &tls
            && std::fs::metadata(path).is_err()
        {
            return Err(CoreError::refused(format!(
                "The CA file {path} cannot be read."
            )));
        }
        let connection = HubConnection {
            name: request.name.clone(),
            namespace: parsed.namespace_host.clone(),
            hub: hub.trim().to_owned(),
            consumer_group: request
                .consumer_group
                .clone()
                .filter(|g| !g.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_CONSUMER_GROUP.into()),
            broker,
            tls,
            sasl,
        };
        self.secrets.put(
            &secret_name(&connection.name),
            &Sensitive::new(parsed.expose().to_owned()),
        )?;
        let mut all = self.hub_connections()?;
        all.retain(|c| c.name != connection.name);
        all.push(connection.clone());
        all.sort_by(|a, b| a.name.cmp(&b.name));
        self.save_connections(&all)?;
        Ok(connection)
    }

    /// Removes a connection and its secret.
    pub fn remove_hub_connection(&self, name: &str) -> Result<(), CoreError> {
        let mut all = self.hub_connections()?;
        let before = all.len();
        all.retain(|c| c.name != name);
        if all.len() == before {
            return Err(CoreError::not_found(format!(
                "No Event Hubs connection is named '{name}'."
            )));
        }
        self.secrets.delete(&secret_name(name))?;
        self.save_connections(&all)
    }

    fn save_connections(&self, all: &[HubConnection]) -> Result<(), CoreError> {
        let text = serde_json::to_string(all).map_err(|e| CoreError::internal(e.to_string()))?;
        self.store
            .set_preference(CONNECTIONS_PREFERENCE, Some(&text))?;
        Ok(())
    }

    /// Tells the sandbox which broker stands for each saved connection's namespace (the
    /// connections that name a `broker`), so it produces there what Graph would send to the hub.
    /// Only a running sandbox is told (one started later reads them as it starts). The mapping
    /// lives in the sandbox's memory only: the connection string stays in the keyring.
    pub async fn map_sandbox_hubs(&self) -> Result<(), CoreError> {
        let Some(control) = self.sandbox.control_if_running().await else {
            return Ok(());
        };
        let http = studio_primitives::http::client(
            "the sandbox's control API",
            std::time::Duration::from_secs(10),
            studio_primitives::http::Redirects::None,
        )?;
        for (namespace, endpoint) in sandbox_brokers(&self.store, self.secrets.as_ref()) {
            let mut body = serde_json::json!({
                "namespace": namespace,
                "bootstrap": endpoint.bootstrap,
                "tls": if matches!(endpoint.tls, KafkaTls::Off) { "off" } else { "system" },
            });
            if let KafkaTls::WithCa(pem) = &endpoint.tls {
                body["caPem"] = String::from_utf8_lossy(pem).into_owned().into();
            }
            if let studio_primitives::kafka::KafkaAuth::Plain { user, password } = &endpoint.auth {
                body["user"] = user.clone().into();
                body["password"] = password.expose().clone().into();
            }
            let sent = http
                .post(format!("{control}/event-hubs"))
                .json(&body)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status);
            if let Err(error) = sent {
                return Err(CoreError::unreachable(format!(
                    "The sandbox could not be told about {namespace}: {error}"
                )));
            }
        }
        Ok(())
    }

    /// A saved connection and the endpoint to read it from.
    pub(crate) fn hub_endpoint(
        &self,
        name: &str,
    ) -> Result<(HubConnection, KafkaEndpoint), CoreError> {
        endpoint_of(&self.store, self.secrets.as_ref(), name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_brokers_are_told_apart() {
        assert!(is_loopback("localhost:9092"));
        assert!(is_loopback("127.0.0.1:1"));
        assert!(!is_loopback("contoso.servicebus.windows.net:9093"));
        assert!(!is_loopback("localhost.evil.example:9092"));
        assert!(valid_name("sandbox-hub"));
        assert!(!valid_name("a b"));
    }
}
