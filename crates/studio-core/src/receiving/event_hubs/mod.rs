//! Azure Event Hubs as a second way in: named connections (the connection string in the keyring,
//! the rest in the store), and reading a hub into the same store, checks and Inspector as the
//! webhook receiver ([`reading`]).
//!
//! A connection names a namespace's Kafka endpoint, the hub (topic) and a consumer group, and how
//! the app signs in ([`HubSignIn`]): SASL PLAIN with the connection string, or OAUTHBEARER with an
//! Entra token of a signed-in account. It may point at another broker than the namespace's
//! (`broker`): a local Kafka-protocol broker the sandbox delivers to, reached with the same login,
//! over TLS with its own CA, or in plaintext when it listens on this machine only.

pub mod reading;
pub mod running;
mod saving;

pub use saving::SaveHubConnection;

use serde::{Deserialize, Serialize};
use studio_primitives::kafka::{
    BearerTokens, ConnectionString, KafkaAuth, KafkaEndpoint, KafkaError, KafkaTls,
};
use ts_rs::TS;

use studio_identity::secrets::SecretStore;
use studio_store::Store;

use super::Receiving;
use crate::error::CoreError;

/// The preference the connections are kept under (JSON; no secret in it).
const CONNECTIONS_PREFERENCE: &str = "event-hub-connections";
/// What to do when the hub refuses an Entra account's token.
pub(crate) const ENTRA_REFUSED_HINT: &str = "The hub refused the account's token: give the account the \"Azure Event Hubs Data Receiver\" role on the event hub or its namespace (Access control (IAM)), and for a user, the app registration the \"Azure Event Hubs\" user_impersonation permission. A broker that is not Event Hubs may not take Entra tokens at all.";
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

/// How the app signs in to the hub's Kafka endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum HubSignIn {
    /// SASL PLAIN with the user `$ConnectionString` and the connection string (in the keyring).
    #[default]
    ConnectionString,
    /// SASL OAUTHBEARER with a Microsoft Entra token of a signed-in account for the namespace
    /// (`https://<namespace>.servicebus.windows.net`); the account needs the "Azure Event Hubs
    /// Data Receiver" role on the hub or namespace.
    Entra {
        /// The account's id.
        account: String,
    },
    /// No sign-in: only for a broker on this machine that takes none.
    None,
}

/// A saved Event Hubs connection (its connection string, when it signs in with one, is in the
/// keyring).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HubConnection {
    /// The name it is used by (`listen --event-hub NAME`).
    pub name: String,
    /// `<namespace>.servicebus.windows.net`.
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
    /// How the app signs in.
    #[serde(default)]
    pub sign_in: HubSignIn,
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

/// A Kafka failure at the boundary, with its hint.
pub fn hub_error(error: &KafkaError) -> CoreError {
    let refusal = match error {
        KafkaError::Malformed(_) | KafkaError::Refused { .. } | KafkaError::NoToken { .. } => {
            CoreError::refused(error.to_string())
        }
        _ => CoreError::unreachable(error.to_string()),
    };
    refusal.with_hint(error.hint())
}

fn secret_name(name: &str) -> String {
    format!("event-hub:{name}")
}

/// The saved connections (those saved before there were kinds of sign-in said
/// `"sasl": false` for none).
fn connections(store: &Store) -> Result<Vec<HubConnection>, CoreError> {
    let text = store.preference(CONNECTIONS_PREFERENCE)?;
    Ok(saved_entries(text.as_deref())
        .into_iter()
        .filter_map(|c| read_entry(&c))
        .collect())
}

/// The saved connections as stored, each as JSON: those this version cannot read (a newer
/// version's kind of sign-in, say) are kept as they are by a save. A value that is not a list at
/// all (damaged, or a newer version's shape) becomes one entry `{"unreadable": …}`, listed as
/// nothing and kept by the next save, never overwritten.
fn saved_entries(text: Option<&str>) -> Vec<serde_json::Value> {
    read_saved(text).0
}

/// [`saved_entries`], and whether the value had to be kept aside as unreadable.
fn read_saved(text: Option<&str>) -> (Vec<serde_json::Value>, bool) {
    let Some(text) = text else {
        return (Vec::new(), false);
    };
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Array(entries)) => (entries, false),
        Ok(other) => (vec![serde_json::json!({ "unreadable": other })], true),
        Err(_) => (vec![serde_json::json!({ "unreadable": text })], true),
    }
}

/// A saved entry as a connection, if this version can read it.
fn read_entry(entry: &serde_json::Value) -> Option<HubConnection> {
    let mut entry = entry.clone();
    if entry.get("sasl") == Some(&serde_json::Value::Bool(false)) && entry.get("signIn").is_none() {
        entry["signIn"] = serde_json::json!({ "kind": "none" });
    }
    serde_json::from_value(entry).ok()
}

/// A saved connection, by name.
fn connection_named(store: &Store, name: &str) -> Result<HubConnection, CoreError> {
    connections(store)?
        .into_iter()
        .find(|c| c.name == name)
        .ok_or_else(|| {
            CoreError::not_found(format!("No Event Hubs connection is named '{name}'."))
                .with_hint("Add one: webhook-studio event-hub add NAME --hub HUB (the connection string on standard input).")
        })
}

/// The endpoint to reach a saved connection at, signing in with its connection string, with
/// `tokens` (an Entra connection), or not at all (an Entra connection when `tokens` is `None`:
/// the sandbox producing, as Graph's own service principal would).
fn endpoint_of(
    secrets: &dyn SecretStore,
    connection: &HubConnection,
    tokens: Option<BearerTokens>,
) -> Result<KafkaEndpoint, CoreError> {
    let auth = match (&connection.sign_in, tokens) {
        (HubSignIn::ConnectionString, _) => {
            let name = &connection.name;
            let secret = secrets.get(&secret_name(name))?.ok_or_else(|| {
                CoreError::not_found(format!(
                    "The connection string of '{name}' is not in the keyring."
                ))
                .with_hint("Add the connection again: webhook-studio event-hub add NAME.")
            })?;
            let parsed = ConnectionString::parse(secret.expose()).map_err(|e| hub_error(&e))?;
            parsed.endpoint().auth
        }
        (HubSignIn::Entra { .. }, Some(tokens)) => KafkaAuth::OAuthBearer(tokens),
        (HubSignIn::Entra { .. } | HubSignIn::None, _) => KafkaAuth::None,
    };
    let mut endpoint = KafkaEndpoint {
        bootstrap: connection.bootstrap(),
        auth,
        tls: KafkaTls::SystemRoots,
    };
    endpoint.tls =
        match &connection.tls {
            HubTls::System => KafkaTls::SystemRoots,
            HubTls::Plaintext => KafkaTls::Off,
            HubTls::CaFile(path) => KafkaTls::WithCa(std::fs::read(path).map_err(|e| {
                CoreError::refused(format!("The CA file {path} cannot be read: {e}"))
            })?),
        };
    Ok(endpoint)
}

/// The namespaces a sandbox delivers to: each saved connection that names a broker, with that
/// broker and the connection's login (connections whose secret is unreadable are left out; an
/// Entra connection's sandbox produces without a sign-in: it has no token of Graph's own).
pub fn sandbox_brokers(store: &Store, secrets: &dyn SecretStore) -> Vec<(String, KafkaEndpoint)> {
    connections(store)
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.broker.is_some())
        .filter_map(|c| Some((endpoint_of(secrets, &c, None).ok()?, c.namespace)))
        .map(|(endpoint, namespace)| (namespace, endpoint))
        .collect()
}

impl Receiving {
    /// The saved connections.
    pub fn hub_connections(&self) -> Result<Vec<HubConnection>, CoreError> {
        connections(&self.store)
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

    /// A saved connection, by name.
    pub fn hub_connection(&self, name: &str) -> Result<HubConnection, CoreError> {
        connection_named(&self.store, name)
    }

    /// A saved connection and the endpoint to read it from (`tokens`: an Entra connection's).
    pub(crate) fn hub_endpoint(
        &self,
        name: &str,
        tokens: Option<BearerTokens>,
    ) -> Result<(HubConnection, KafkaEndpoint), CoreError> {
        let connection = connection_named(&self.store, name)?;
        if matches!(connection.sign_in, HubSignIn::Entra { .. }) && tokens.is_none() {
            return Err(CoreError::internal(format!(
                "'{name}' signs in with an Entra account, and no token was given to read it"
            )));
        }
        let endpoint = endpoint_of(self.secrets.as_ref(), &connection, tokens)?;
        Ok((connection, endpoint))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_saved_before_kinds_of_sign_in_keep_theirs() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(&dir.path().join("s.sqlite3")).expect("store");
        let old = r#"[
            {"name":"a","namespace":"n.servicebus.windows.net","hub":"h","consumerGroup":"$Default","tls":"system","sasl":true},
            {"name":"b","namespace":"n.servicebus.windows.net","hub":"h","consumerGroup":"$Default","broker":"localhost:9092","tls":"plaintext","sasl":false}
        ]"#;
        store
            .set_preference(CONNECTIONS_PREFERENCE, Some(old))
            .expect("kept");
        let kinds: Vec<HubSignIn> = connections(&store)
            .expect("read")
            .into_iter()
            .map(|c| c.sign_in)
            .collect();
        assert_eq!(kinds, [HubSignIn::ConnectionString, HubSignIn::None]);
    }
}
