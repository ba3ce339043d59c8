//! Where Graph can deliver: an HTTPS webhook, an Azure Event Hub (directly, or through a Key Vault
//! secret holding its connection string), or an Event Grid partner topic.
//!
//! Graph writes the last three as `notificationUrl`s that are not URLs at all
//! (`EventHub:https://…`, `EventGrid:?…`), which is why other tools refuse them. Here they are
//! parsed into [`DeliveryTarget`], built back from their parts by [`DeliveryTarget::url`] (the
//! window's builder shows exactly that string), and carry their rules: no validation handshake for
//! Event Hubs and Event Grid, lifecycle notifications to the same place.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Host suffixes of Event Hubs namespaces in the public and national clouds.
pub const EVENT_HUBS_SUFFIXES: [&str; 3] = [
    ".servicebus.windows.net",
    ".servicebus.usgovcloudapi.net",
    ".servicebus.chinacloudapi.cn",
];
/// `<namespace>.servicebus.windows.net` from what a user typed: the host name, `sb://…/` or
/// `https://…/`, or the namespace's name alone (the public cloud's host). Lowercased; not checked.
pub fn event_hubs_namespace(typed: &str) -> String {
    let host = typed
        .trim()
        .trim_start_matches("sb://")
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_ascii_lowercase();
    if host.contains('.') {
        host
    } else {
        format!("{host}{}", EVENT_HUBS_SUFFIXES[0])
    }
}

/// Whether `host` is an Event Hubs namespace's: a name of letters, digits and hyphens before one
/// of [`EVENT_HUBS_SUFFIXES`].
pub fn is_event_hubs_host(host: &str) -> bool {
    EVENT_HUBS_SUFFIXES.iter().any(|suffix| {
        host.strip_suffix(suffix).is_some_and(|name| {
            !name.is_empty()
                && name.len() <= 63
                && !name.starts_with('-')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
    })
}

/// Host suffixes of Key Vaults in the public and national clouds.
pub const KEY_VAULT_SUFFIXES: [&str; 3] = [
    ".vault.azure.net",
    ".vault.usgovcloudapi.net",
    ".vault.azure.cn",
];
/// The Change Tracking app Graph sends to Event Hubs as (it needs "Azure Event Hubs Data Sender").
pub const CHANGE_TRACKING_APP_ID: &str = "0bf30f3b-4a52-48df-9a82-234910c4a086";

/// A parsed `notificationUrl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum DeliveryTarget {
    /// An HTTPS endpoint (validated by a handshake).
    Webhook {
        /// The URL.
        url: String,
    },
    /// `EventHub:https://<namespace>/eventhubname/<hub>?tenantId=<tenant>`.
    EventHub {
        /// `<namespace>.servicebus.windows.net`.
        namespace: String,
        /// The event hub (the Kafka topic).
        hub: String,
        /// The tenant (id or domain) of the namespace.
        tenant: String,
    },
    /// `EventHub:https://<vault>/secrets/<secret>?tenantId=<tenant>` (the secret holds the hub's
    /// connection string).
    EventHubKeyVault {
        /// `<vault>.vault.azure.net`.
        vault: String,
        /// The secret's name.
        secret: String,
        /// The tenant of the vault.
        tenant: String,
    },
    /// `EventGrid:?azuresubscriptionid=…&resourcegroup=…&partnertopic=…&location=…`.
    EventGrid {
        /// The Azure subscription.
        azure_subscription_id: String,
        /// Its resource group.
        resource_group: String,
        /// The partner topic Graph creates.
        partner_topic: String,
        /// The Azure region.
        location: String,
    },
}

/// Whether a `notificationUrl` names an Event Hubs or Event Grid target (`EventHub:`,
/// `EventGrid:`), however well formed: such a subscription does not point at a receiver.
pub fn is_hub_or_grid(url: &str) -> bool {
    let url = url.trim();
    strip_prefix_ignore_case(url, "EventHub:").is_some()
        || strip_prefix_ignore_case(url, "EventGrid:").is_some()
}

/// Whether a `notificationUrl` is a well-formed Event Hubs target (either form).
pub fn is_event_hub_url(url: &str) -> bool {
    DeliveryTarget::parse(url).is_ok_and(|t| t.is_event_hub())
}

fn is_dns_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.contains('.')
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 256
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `a=b&c=d` into pairs (names lower-cased; values as written, no percent-decoding: Graph's
/// values here are plain names and GUIDs).
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p, ""));
            (name.to_ascii_lowercase(), value.to_owned())
        })
        .collect()
}

fn take(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty())
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.get(..prefix.len())
        .filter(|head| head.eq_ignore_ascii_case(prefix))
        .map(|_| &text[prefix.len()..])
}

impl DeliveryTarget {
    /// Reads a `notificationUrl`; the error says what is wrong in the user's words.
    pub fn parse(url: &str) -> Result<DeliveryTarget, String> {
        let url = url.trim();
        if let Some(rest) = strip_prefix_ignore_case(url, "EventHub:") {
            return parse_event_hub(rest);
        }
        if let Some(rest) = strip_prefix_ignore_case(url, "EventGrid:") {
            return parse_event_grid(rest);
        }
        if strip_prefix_ignore_case(url, "https://").is_some() {
            return Ok(DeliveryTarget::Webhook {
                url: url.to_owned(),
            });
        }
        Err("Graph delivers to https:// URLs, EventHub:https://… or EventGrid:?… targets.".into())
    }

    /// The `notificationUrl` Graph is sent (built from the parts, in Graph's documented form).
    pub fn url(&self) -> String {
        match self {
            DeliveryTarget::Webhook { url } => url.clone(),
            DeliveryTarget::EventHub {
                namespace,
                hub,
                tenant,
            } => {
                format!("EventHub:https://{namespace}/eventhubname/{hub}?tenantId={tenant}")
            }
            DeliveryTarget::EventHubKeyVault {
                vault,
                secret,
                tenant,
            } => {
                format!("EventHub:https://{vault}/secrets/{secret}?tenantId={tenant}")
            }
            DeliveryTarget::EventGrid {
                azure_subscription_id,
                resource_group,
                partner_topic,
                location,
            } => format!(
                "EventGrid:?azuresubscriptionid={azure_subscription_id}&resourcegroup={resource_group}&partnertopic={partner_topic}&location={location}"
            ),
        }
    }

    /// Whether Graph validates the target with the `validationToken` handshake (webhooks only;
    /// Event Hubs get a validation event instead, which receivers ignore).
    pub fn needs_handshake(&self) -> bool {
        matches!(self, DeliveryTarget::Webhook { .. })
    }

    /// Whether this is an Event Hubs target (either form).
    pub fn is_event_hub(&self) -> bool {
        matches!(
            self,
            DeliveryTarget::EventHub { .. } | DeliveryTarget::EventHubKeyVault { .. }
        )
    }

    /// Warnings that do not stop Graph but are probably mistakes (an unknown cloud suffix).
    pub fn warnings(&self) -> Vec<String> {
        match self {
            DeliveryTarget::EventHub { namespace, .. }
                if !EVENT_HUBS_SUFFIXES.iter().any(|s| namespace.ends_with(s)) =>
            {
                vec![format!(
                    "{namespace} is not an Event Hubs namespace host (…{}).",
                    EVENT_HUBS_SUFFIXES[0]
                )]
            }
            DeliveryTarget::EventHubKeyVault { vault, .. }
                if !KEY_VAULT_SUFFIXES.iter().any(|s| vault.ends_with(s)) =>
            {
                vec![format!(
                    "{vault} is not a Key Vault host (…{}).",
                    KEY_VAULT_SUFFIXES[0]
                )]
            }
            _ => Vec::new(),
        }
    }
}

fn parse_event_hub(rest: &str) -> Result<DeliveryTarget, String> {
    let Some(rest) = strip_prefix_ignore_case(rest, "https://") else {
        return Err("After EventHub: comes https://<namespace>.servicebus.windows.net/eventhubname/<hub>?tenantId=<tenant>.".into());
    };
    let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (host, path) = location.split_once('/').unwrap_or((location, ""));
    let host = host.to_ascii_lowercase();
    if !is_dns_name(&host) {
        return Err(format!("`{host}` is not a host name."));
    }
    let tenant = take(&query_pairs(query), "tenantid").ok_or(
        "Add ?tenantId=<tenant id or domain>: Graph needs the tenant of the namespace or vault.",
    )?;
    if !is_name(&tenant) {
        return Err("tenantId is a GUID or a domain name.".into());
    }
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match segments.as_slice() {
        [kind, hub] if kind.eq_ignore_ascii_case("eventhubname") && is_name(hub) => {
            Ok(DeliveryTarget::EventHub {
                namespace: host,
                hub: (*hub).to_owned(),
                tenant,
            })
        }
        [kind, secret] if kind.eq_ignore_ascii_case("secrets") && is_name(secret) => {
            Ok(DeliveryTarget::EventHubKeyVault {
                vault: host,
                secret: (*secret).to_owned(),
                tenant,
            })
        }
        _ => Err(
            "The path is /eventhubname/<hub> (a namespace) or /secrets/<secret> (a Key Vault)."
                .into(),
        ),
    }
}

fn parse_event_grid(rest: &str) -> Result<DeliveryTarget, String> {
    let Some(query) = rest.strip_prefix('?') else {
        return Err("After EventGrid: comes ?azuresubscriptionid=…&resourcegroup=…&partnertopic=…&location=….".into());
    };
    let pairs = query_pairs(query);
    let mut missing = Vec::new();
    let mut get = |name: &'static str| {
        let value = take(&pairs, name).filter(|v| is_name(v));
        if value.is_none() {
            missing.push(name);
        }
        value.unwrap_or_default()
    };
    let target = DeliveryTarget::EventGrid {
        azure_subscription_id: get("azuresubscriptionid"),
        resource_group: get("resourcegroup"),
        partner_topic: get("partnertopic"),
        location: get("location"),
    };
    if missing.is_empty() {
        Ok(target)
    } else {
        Err(format!("EventGrid: needs {}.", missing.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_namespace_becomes_its_host_and_only_event_hubs_hosts_pass() {
        assert_eq!(
            event_hubs_namespace(" Contoso "),
            "contoso.servicebus.windows.net"
        );
        assert_eq!(
            event_hubs_namespace("sb://contoso.servicebus.chinacloudapi.cn/"),
            "contoso.servicebus.chinacloudapi.cn"
        );
        assert!(is_event_hubs_host("contoso-1.servicebus.windows.net"));
        assert!(is_event_hubs_host("c.servicebus.usgovcloudapi.net"));
        for host in [
            "graph.microsoft.com",
            ".servicebus.windows.net",
            "a.b.servicebus.windows.net",
            "-a.servicebus.windows.net",
            "contoso.servicebus.windows.net.evil.example",
        ] {
            assert!(!is_event_hubs_host(host), "{host}");
        }
    }

    #[test]
    fn the_documented_forms_parse_and_build_back_unchanged() {
        for url in [
            "EventHub:https://contoso.servicebus.windows.net/eventhubname/graph?tenantId=contoso.onmicrosoft.com",
            "EventHub:https://contoso-vault.vault.azure.net/secrets/hub-connection?tenantId=72f988bf-86f1-41af-91ab-2d7cd011db47",
            "EventGrid:?azuresubscriptionid=8a8a8a8a-4444-4444-4444-121212121212&resourcegroup=graph-rg&partnertopic=graph-topic&location=westus2",
            "https://example.ngrok.app/s/abc/notifications",
        ] {
            let target = DeliveryTarget::parse(url).expect(url);
            assert_eq!(target.url(), url);
            assert!(target.warnings().is_empty(), "{url}");
        }
        let hub = DeliveryTarget::parse(
            "eventhub:HTTPS://Contoso.servicebus.windows.net/EventHubName/graph?TENANTID=t.com",
        )
        .expect("any case");
        assert_eq!(
            hub,
            DeliveryTarget::EventHub {
                namespace: "contoso.servicebus.windows.net".into(),
                hub: "graph".into(),
                tenant: "t.com".into()
            }
        );
        assert!(!hub.needs_handshake());
        assert!(is_hub_or_grid("eventgrid:?x") && !is_hub_or_grid("http://127.0.0.1:1/n"));
        assert!(hub.is_event_hub());
    }

    #[test]
    fn broken_targets_say_what_is_missing() {
        for (url, why) in [
            (
                "EventHub:https://contoso.servicebus.windows.net/eventhubname/graph",
                "tenantId",
            ),
            (
                "EventHub:http://contoso.servicebus.windows.net/eventhubname/g?tenantId=t",
                "https://",
            ),
            (
                "EventHub:https://contoso.servicebus.windows.net/hubs/g?tenantId=t",
                "/eventhubname/",
            ),
            (
                "EventHub:https://bad host/eventhubname/g?tenantId=t",
                "host name",
            ),
            (
                "EventGrid:?azuresubscriptionid=x&location=westus",
                "resourcegroup, partnertopic",
            ),
            ("http://localhost:1/x", "https://"),
            (
                "EventHub:https://c.servicebus.windows.net/eventhubname/g?tenantId=a<b",
                "GUID",
            ),
        ] {
            let error = DeliveryTarget::parse(url).expect_err(url);
            assert!(error.contains(why), "{url}: {error}");
        }
        let odd =
            DeliveryTarget::parse("EventHub:https://hubs.example.com/eventhubname/g?tenantId=t")
                .expect("parses");
        assert_eq!(odd.warnings().len(), 1);
    }
}
