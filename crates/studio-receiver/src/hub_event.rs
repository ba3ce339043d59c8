//! An event read from an Azure Event Hub, as a reception: the same store, checks and Inspector as
//! a webhook POST.
//!
//! Graph writes to a hub the very bodies it would POST (`{"value": [...]}`), notifications and
//! lifecycle events alike, plus one validation event per new subscription whose fields are all
//! `NA`. A hub has no paths to tell them apart, so the kind is read from the body. Where it came
//! from (partition, offset, the time the hub enqueued it) travels in the reception's query and
//! headers, so the Inspector, search and export show it without a second schema.

use serde_json::Value;

use crate::{NewReception, ReceptionKind};

/// The method stored for events read from a hub (receptions of webhooks carry HTTP methods).
pub const HUB_METHOD: &str = "EVENT";

/// One record of a hub's partition.
#[derive(Debug, Clone)]
pub struct HubEvent<'a> {
    /// The broker it was read from (`host:port`).
    pub bootstrap: &'a str,
    /// The event hub (Kafka topic).
    pub hub: &'a str,
    /// The partition.
    pub partition: i32,
    /// The record's offset in the partition.
    pub offset: i64,
    /// When the hub enqueued it (RFC 3339).
    pub enqueued_at: String,
    /// The record's key, if any.
    pub key: Option<&'a [u8]>,
    /// The record's value: Graph's JSON body.
    pub value: &'a [u8],
    /// The record's headers.
    pub headers: Vec<(String, Vec<u8>)>,
}

/// Whether every item is Graph's hub validation event (`subscriptionId` `NA`, a change type that
/// starts with `Validation:`).
fn is_validation(items: &[Value]) -> bool {
    !items.is_empty()
        && items.iter().all(|item| {
            item["subscriptionId"] == "NA"
                && item["changeType"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("Validation:"))
        })
}

/// What a hub event is, from its body: the validation event, lifecycle events (items with
/// `lifecycleEvent`), or change notifications (anything else with a `value` array). A body that is
/// not Graph's JSON is kept as unexpected.
pub fn hub_kind(body: &[u8]) -> ReceptionKind {
    let Ok(parsed) = serde_json::from_slice::<Value>(body) else {
        return ReceptionKind::Unexpected;
    };
    let Some(items) = parsed["value"].as_array() else {
        return ReceptionKind::Unexpected;
    };
    if is_validation(items) {
        ReceptionKind::Validation
    } else if !items.is_empty() && items.iter().all(|i| i.get("lifecycleEvent").is_some()) {
        ReceptionKind::Lifecycle
    } else {
        ReceptionKind::Notification
    }
}

/// The reception of a hub event. Bodies over `max_body` are kept empty and marked rejected, as the
/// webhook receiver does; notifications are stored "accepted" (202) so the checks take them.
pub fn hub_reception(event: &HubEvent<'_>, received_at: String, max_body: usize) -> NewReception {
    let text = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .chars()
            .take(1024)
            .collect::<String>()
    };
    let mut headers = vec![
        ("x-event-hub".to_owned(), event.hub.to_owned()),
        ("x-partition".to_owned(), event.partition.to_string()),
        ("x-offset".to_owned(), event.offset.to_string()),
        ("x-enqueued-time".to_owned(), event.enqueued_at.clone()),
    ];
    if let Some(key) = event.key {
        headers.push(("x-partition-key".to_owned(), text(key)));
    }
    // At most 32 of the record's own headers, each bounded.
    for (name, value) in event.headers.iter().take(32) {
        headers.push((name.chars().take(128).collect(), text(value)));
    }
    let (kind, body, status, reason) = if event.value.len() > max_body {
        (
            ReceptionKind::Rejected,
            Vec::new(),
            413,
            Some(format!(
                "the event is {} bytes, over the {max_body}-byte limit; it was not kept",
                event.value.len()
            )),
        )
    } else {
        let kind = hub_kind(event.value);
        let status = if kind.has_items() { 202 } else { 200 };
        let reason = (kind == ReceptionKind::Unexpected)
            .then(|| "the event is not a Graph notification body ({\"value\": [...]})".to_owned());
        (kind, event.value.to_vec(), status, reason)
    };
    NewReception {
        received_at,
        kind,
        method: HUB_METHOD.to_owned(),
        path: format!("/{}", event.hub),
        query: format!("partition={}&offset={}", event.partition, event.offset),
        headers,
        body,
        peer: event.bootstrap.to_owned(),
        status,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(value: &[u8]) -> HubEvent<'_> {
        HubEvent {
            bootstrap: "contoso.servicebus.windows.net:9093",
            hub: "graph",
            partition: 1,
            offset: 42,
            enqueued_at: "2026-11-28T10:00:00.000Z".into(),
            key: Some(b"sub-1"),
            value,
            headers: vec![("content-type".into(), b"application/json".to_vec())],
        }
    }

    #[test]
    fn the_body_says_what_an_event_is() {
        let validation = br#"{"value":[{"subscriptionId":"NA","subscriptionExpirationDateTime":"NA","clientState":"NA","changeType":"Validation: Testing client application reachability for subscription Request-Id: 1","resource":"NA","resourceData":{"@odata.type":"NA","@odata.id":"NA","id":"NA"},"tenantId":"t"}]}"#;
        assert_eq!(hub_kind(validation), ReceptionKind::Validation);
        assert_eq!(
            hub_kind(br#"{"value":[{"subscriptionId":"s","lifecycleEvent":"missed"}]}"#),
            ReceptionKind::Lifecycle
        );
        assert_eq!(
            hub_kind(br#"{"value":[{"subscriptionId":"s","changeType":"created"}]}"#),
            ReceptionKind::Notification
        );
        // A forged "validation" item beside a real one is not skipped as validation.
        assert_eq!(
            hub_kind(br#"{"value":[{"subscriptionId":"NA","changeType":"Validation: x"},{"subscriptionId":"s","changeType":"created"}]}"#),
            ReceptionKind::Notification
        );
        assert_eq!(hub_kind(b"not json"), ReceptionKind::Unexpected);
        assert_eq!(hub_kind(br#"{"value":"x"}"#), ReceptionKind::Unexpected);
    }

    #[test]
    fn a_reception_carries_where_the_event_came_from() {
        let body = br#"{"value":[{"subscriptionId":"s","changeType":"created"}]}"#;
        let reception = hub_reception(&event(body), "2026-11-28T10:00:01.000Z".into(), 1024);
        assert_eq!(reception.method, "EVENT");
        assert_eq!(reception.path, "/graph");
        assert_eq!(reception.query, "partition=1&offset=42");
        assert_eq!(reception.status, 202);
        assert!(
            reception
                .headers
                .contains(&("x-offset".into(), "42".into()))
        );
        assert!(
            reception
                .headers
                .contains(&("x-partition-key".into(), "sub-1".into()))
        );
        assert_eq!(reception.body, body);
        let big = hub_reception(&event(body), String::new(), 10);
        assert_eq!(big.kind, ReceptionKind::Rejected);
        assert!(big.body.is_empty());
    }
}
