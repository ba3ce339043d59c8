//! Saving and removing connections: what each way of signing in needs, what is kept where (the
//! connection string in the keyring, the rest in the store), and the mistakes a user can make.

use serde::Deserialize;
use studio_primitives::Sensitive;
use studio_primitives::kafka::ConnectionString;
use ts_rs::TS;

use super::{
    CONNECTIONS_PREFERENCE, DEFAULT_CONSUMER_GROUP, HubConnection, HubSignIn, HubTls, hub_error,
    read_entry, read_saved, saved_entries, secret_name,
};
use crate::error::CoreError;
use crate::receiving::Receiving;
use studio_catalog::targets::{event_hubs_namespace, is_event_hubs_host};

/// `event_hub_save`: a connection to add or replace.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SaveHubConnection {
    /// Its name.
    pub name: String,
    /// The connection string from the portal (kept in the keyring): needed to sign in with it,
    /// and otherwise one way to name the namespace.
    #[ts(optional, type = "string")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_string: Option<Sensitive<String>>,
    /// `<namespace>.servicebus.windows.net` (or the namespace's name), when no connection string
    /// names it.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
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
    /// How to sign in (with the connection string when absent).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<HubSignIn>,
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

/// `<namespace>.servicebus.windows.net` from what a user typed (the host, `sb://…/`, or the
/// namespace's name alone).
fn namespace_host(text: &str) -> Result<String, CoreError> {
    let host = event_hubs_namespace(text);
    let fits = !host.starts_with('.')
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if host.starts_with(".servicebus") || !fits {
        return Err(not_a_namespace(text));
    }
    Ok(host)
}

/// Whether `broker` (`host:port`) is `host` itself.
fn is_host_of(broker: &str, host: &str) -> bool {
    broker
        .rsplit_once(':')
        .is_some_and(|(name, _)| name.eq_ignore_ascii_case(host))
}

fn not_a_namespace(text: &str) -> CoreError {
    CoreError::refused(format!("'{}' is not an Event Hubs namespace.", text.trim()))
        .with_hint("Give the namespace's host name from the portal (Event Hubs namespace → Overview → Host name), e.g. contoso.servicebus.windows.net.")
}

impl Receiving {
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
        let sign_in = request.sign_in.clone().unwrap_or_default();
        let parsed = match request
            .connection_string
            .as_ref()
            .filter(|c| !c.expose().trim().is_empty())
        {
            Some(text) => Some(ConnectionString::parse(text.expose()).map_err(|e| hub_error(&e))?),
            None if sign_in == HubSignIn::ConnectionString => {
                return Err(CoreError::refused("The connection string is missing.").with_hint(
                    "Copy it from the portal: Event Hubs namespace → Shared access policies → a policy with Listen → Connection string–primary key. Or sign in with a Microsoft Entra account instead.",
                ));
            }
            None => None,
        };
        let namespace = match (
            request
                .namespace
                .as_deref()
                .filter(|n| !n.trim().is_empty()),
            &parsed,
        ) {
            (Some(typed), _) => namespace_host(typed)?,
            (None, Some(parsed)) => parsed.namespace_host.clone(),
            (None, None) => {
                return Err(CoreError::refused("Which Event Hubs namespace?")
                    .with_hint("Give its host name (--namespace contoso.servicebus.windows.net), from the portal: Event Hubs namespace → Overview → Host name."));
            }
        };
        if let Some(parsed) = &parsed
            && parsed.namespace_host != namespace
        {
            return Err(CoreError::refused(format!(
                "The connection string is for {}, not {namespace}.",
                parsed.namespace_host
            ))
            .with_hint("Give one or the other, or copy the string of the namespace you mean."));
        }
        let hub = request
            .hub
            .clone()
            .filter(|h| !h.trim().is_empty())
            .or_else(|| parsed.as_ref().and_then(|p| p.entity_path.clone()))
            .ok_or_else(|| {
                CoreError::refused("Which event hub? The connection names none.")
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
        if sign_in == HubSignIn::None && !broker.as_deref().is_some_and(is_loopback) {
            return Err(CoreError::refused(
                "Only a broker on this machine may be read without signing in.",
            )
            .with_hint("Event Hubs needs the connection string (SASL PLAIN) or an Entra token (OAUTHBEARER); give --broker localhost:PORT for a local broker."));
        }
        if let HubSignIn::Entra { account } = &sign_in {
            if account.trim().is_empty() {
                return Err(CoreError::refused("Which account signs in to the hub?")
                    .with_hint("Pick a signed-in account (--entra ACCOUNT)."));
            }
            // The account's token is asked for this host: only an Event Hubs namespace's, so no
            // token for another resource (Graph's, say) is ever handed to a broker.
            if !is_event_hubs_host(&namespace) {
                return Err(not_a_namespace(&namespace).with_hint(
                    "An Entra sign-in needs the namespace's host name, ending in .servicebus.windows.net (or a national cloud's .servicebus.usgovcloudapi.net, .servicebus.chinacloudapi.cn).",
                ));
            }
            // And it goes only to that namespace or to a broker on this machine: anyone else
            // holding it could read the hub with the account's role.
            if let Some(elsewhere) = broker
                .as_deref()
                .filter(|b| !is_loopback(b) && !is_host_of(b, &namespace))
            {
                return Err(CoreError::refused(format!(
                    "An Entra token for {namespace} is not sent to {elsewhere}."
                ))
                .with_hint("Leave the broker empty (the namespace's own endpoint), or give one on this machine (localhost:PORT)."));
            }
        }
        if tls == HubTls::Plaintext && !broker.as_deref().is_some_and(is_loopback) {
            return Err(CoreError::refused(
                "Plaintext is only for a broker on this machine: the connection string or token would cross the network unencrypted.",
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
            namespace,
            hub: hub.trim().to_owned(),
            consumer_group: request
                .consumer_group
                .clone()
                .filter(|g| !g.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_CONSUMER_GROUP.into()),
            broker,
            tls,
            sign_in,
        };
        // The string is kept only to sign in with it (in the keyring before the store names
        // it); a connection that no longer signs in with one forgets the one it had, once the
        // store no longer needs it, and a keyring that cannot forget it does not undo the save.
        if let (HubSignIn::ConnectionString, Some(parsed)) = (&connection.sign_in, &parsed) {
            self.secrets.put(
                &secret_name(&connection.name),
                &Sensitive::new(parsed.expose().to_owned()),
            )?;
        }
        let entry =
            serde_json::to_value(&connection).map_err(|e| CoreError::internal(e.to_string()))?;
        let mut had_string = false;
        self.change_connections(|saved| {
            had_string = saved.iter().any(|c| {
                read_entry(c).is_some_and(|c| {
                    c.name == connection.name && c.sign_in == HubSignIn::ConnectionString
                })
            });
            saved.retain(|c| entry_name(c) != Some(connection.name.as_str()));
            saved.push(entry);
            saved.sort_by(|a, b| entry_name(a).cmp(&entry_name(b)));
            Ok(())
        })?;
        if had_string
            && connection.sign_in != HubSignIn::ConnectionString
            && let Err(error) = self.secrets.delete(&secret_name(&connection.name))
        {
            tracing::warn!(%error, name = %connection.name, "the connection string it no longer signs in with stays in the keyring");
        }
        Ok(connection)
    }

    /// Removes a connection and its secret.
    pub fn remove_hub_connection(&self, name: &str) -> Result<(), CoreError> {
        let saved = self.store.preference(CONNECTIONS_PREFERENCE)?;
        if !saved_entries(saved.as_deref())
            .iter()
            .any(|c| entry_name(c) == Some(name))
        {
            return Err(CoreError::not_found(format!(
                "No Event Hubs connection is named '{name}'."
            )));
        }
        // The secret first: a connection still named after a failure can be removed again.
        self.secrets.delete(&secret_name(name))?;
        self.change_connections(|saved| {
            saved.retain(|c| entry_name(c) != Some(name));
            Ok(())
        })
    }

    /// Changes the saved connections in one store transaction, so a save by the window and one
    /// by the CLI at the same moment both stay. Entries this version cannot read stay as they
    /// are.
    fn change_connections(
        &self,
        change: impl FnOnce(&mut Vec<serde_json::Value>) -> Result<(), CoreError>,
    ) -> Result<(), CoreError> {
        self.store
            .update_preference(CONNECTIONS_PREFERENCE, |text: Option<String>| {
                let (mut saved, unreadable) = read_saved(text.as_deref());
                change(&mut saved)?;
                if unreadable {
                    tracing::warn!("the saved Event Hubs connections were not a list: kept aside as one unreadable entry");
                }
                serde_json::to_string(&saved)
                    .map(Some)
                    .map_err(|e| CoreError::internal(e.to_string()))
            })
    }
}

/// A saved entry's name.
fn entry_name(entry: &serde_json::Value) -> Option<&str> {
    entry.get("name").and_then(serde_json::Value::as_str)
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

    #[test]
    fn a_namespace_is_named_as_the_portal_shows_it_or_by_its_name() {
        assert_eq!(
            namespace_host("contoso").ok().as_deref(),
            Some("contoso.servicebus.windows.net")
        );
        assert_eq!(
            namespace_host(" sb://Contoso.servicebus.windows.net/ ")
                .ok()
                .as_deref(),
            Some("contoso.servicebus.windows.net")
        );
        assert!(namespace_host("a b").is_err());
        assert!(namespace_host(".servicebus.windows.net").is_err());
    }
}
