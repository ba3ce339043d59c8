//! What a rich notification's decrypted resource looks like, shaped like Graph's documented
//! examples rather than like the sandbox's store: an `@odata.context` naming where it lives, for
//! Outlook items the `@odata.type` and the opaque `@odata.etag` (the same change key the item's
//! `resourceData` carries) and only the `$select`ed properties with `id`, and for Teams messages
//! the full chatMessage property set of the documented example (`replyToId`, `etag`,
//! `channelIdentity`, `reactions`, `hostedContents`, …), with `null` and `[]` where the sandbox
//! has nothing to say.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::workloads::Change;
use crate::workloads::routes::select;

/// Whether an `@odata.type` is an Outlook item (messages, events, contacts), whose notifications
/// carry an etag and whose rich subscriptions need `$select`.
pub fn is_outlook(odata_type: &str) -> bool {
    let lower = odata_type.to_ascii_lowercase();
    [".message", ".event", ".contact"]
        .iter()
        .any(|suffix| lower.ends_with(suffix))
}

/// An Outlook change key as an etag: opaque, `W/"CQAAABYAAAD…"` as in Graph's examples, the same
/// wherever one change of one item shows it, and new with every change (two in one second too).
pub fn outlook_etag(change: &Change) -> String {
    etag_of(&change.path, change.sequence)
}

/// The etag of the change numbered `sequence` of the item at `path` (delta shows the latest).
pub fn etag_of(path: &str, sequence: u64) -> String {
    let digest = Sha256::digest(format!("{path}|{sequence}").as_bytes());
    format!("W/\"CQAAABYAAAD{}\"", STANDARD.encode(&digest[..21]))
}

/// The `$select` of a subscribed resource, if any.
fn selected(subscribed: &str) -> Option<String> {
    subscribed.split_once('?').and_then(|(_, query)| {
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            key.eq_ignore_ascii_case("$select")
                .then(|| value.replace("%2C", ",").replace("%2c", ","))
        })
    })
}

/// The OData context of an item's collection: `teams/t/channels/c/messages/1` →
/// `teams('t')/channels('c')/messages`.
fn collection_context(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < segments.len().saturating_sub(1) {
        match segments.get(i + 1) {
            Some(key) if i + 2 < segments.len() => {
                out.push(format!("{}('{key}')", segments[i]));
                i += 2;
            }
            _ => {
                out.push(segments[i].to_owned());
                i += 1;
            }
        }
    }
    out.join("/")
}

/// The resource as it travels (encrypted) in a rich notification: the entity as it is now (as it
/// was, for a deletion), limited to the subscription's `$select` when it has one.
pub fn resource_body(base: &str, change: &Change, subscribed: &str) -> Value {
    let fields = selected(subscribed);
    let id = change.path.rsplit('/').next().unwrap_or_default();
    let stored = match &change.body {
        Some(body) => select(body, fields.as_deref()),
        None => json!({}),
    };
    let collection = collection_context(&change.path);
    let outlook = is_outlook(&change.odata_type);
    let chat_message = change
        .odata_type
        .to_ascii_lowercase()
        .ends_with("chatmessage");
    let mut out = Map::new();
    let shape = match (&fields, outlook) {
        (Some(fields), true) => format!("{collection}({fields})"),
        _ => collection,
    };
    out.insert(
        "@odata.context".into(),
        json!(format!("{base}/v1.0/$metadata#{shape}/$entity")),
    );
    if outlook {
        out.insert("@odata.type".into(), json!(change.odata_type));
        out.insert("@odata.etag".into(), json!(outlook_etag(change)));
    }
    out.insert("id".into(), json!(id));
    if let Value::Object(map) = stored {
        for (key, value) in map {
            if !key.starts_with("@odata") && key != "id" {
                out.insert(key, value);
            }
        }
    }
    if chat_message && fields.is_none() {
        complete_chat_message(&mut out, &change.path, id);
    }
    Value::Object(out)
}

/// Fills in the chatMessage properties of Graph's documented example that the store does not keep.
fn complete_chat_message(out: &mut Map<String, Value>, path: &str, id: &str) {
    let segments: Vec<&str> = path.split('/').collect();
    let (channel, chat) = match segments.as_slice() {
        ["teams", team, "channels", channel, ..] => {
            (Some(json!({ "teamId": team, "channelId": channel })), None)
        }
        ["chats", chat, ..] => (None, Some((*chat).to_owned())),
        _ => (None, None),
    };
    let thread = chat
        .clone()
        .or_else(|| segments.get(3).map(|c| (*c).to_owned()))
        .unwrap_or_default();
    let defaults = [
        ("replyToId", Value::Null),
        ("etag", json!(id)),
        ("messageType", json!("message")),
        ("lastEditedDateTime", Value::Null),
        ("deletedDateTime", Value::Null),
        (
            "subject",
            if channel.is_some() {
                json!("")
            } else {
                Value::Null
            },
        ),
        ("summary", Value::Null),
        ("chatId", chat.map_or(Value::Null, |c| json!(c))),
        ("importance", json!("normal")),
        ("locale", json!("en-us")),
        (
            "webUrl",
            json!(format!(
                "https://teams.microsoft.com/l/message/{thread}/{id}?createdTime={id}"
            )),
        ),
        ("channelIdentity", channel.unwrap_or(Value::Null)),
        ("policyViolation", Value::Null),
        ("attachments", json!([])),
        ("mentions", json!([])),
        ("reactions", json!([])),
        ("replies", json!([])),
        ("hostedContents", json!([])),
    ];
    for (key, value) in defaults {
        out.entry(key).or_insert(value);
    }
    if let Some(Value::Object(from)) = out.get_mut("from") {
        for key in ["application", "device"] {
            from.entry(key).or_insert(Value::Null);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlook_bodies_keep_the_selection_with_their_annotations() {
        let mut change = Change::bare("created", "Users/u/Messages/m1", "users/u/messages/m1");
        change.odata_type = "#Microsoft.Graph.Message".into();
        change.body = Some(json!({ "id": "m1", "subject": "Hi", "body": { "content": "secret" } }));
        let body = resource_body("https://g", &change, "/me/messages?$select=subject");
        assert_eq!(body["subject"], "Hi");
        assert!(body.get("body").is_none(), "{body}");
        assert_eq!(body["@odata.type"], "#Microsoft.Graph.Message");
        assert!(
            body["@odata.etag"]
                .as_str()
                .is_some_and(|e| e.starts_with("W/\"CQAAABYAAAD"))
        );
        assert_eq!(
            body["@odata.context"],
            "https://g/v1.0/$metadata#users('u')/messages(subject)/$entity"
        );
        assert!(body.get("@odata.id").is_none());
    }

    #[test]
    fn teams_messages_carry_the_documented_property_set() {
        let mut change = Change::bare(
            "created",
            "teams('t')/channels('c')/messages('1')",
            "teams/t/channels/c/messages/1",
        );
        change.odata_type = "#Microsoft.Graph.ChatMessage".into();
        change.body = Some(
            json!({ "id": "1", "body": { "content": "x" }, "from": { "user": { "id": "u" } } }),
        );
        let body = resource_body("https://g", &change, "/teams/t/channels/c/messages");
        for key in [
            "replyToId",
            "etag",
            "lastEditedDateTime",
            "deletedDateTime",
            "subject",
            "summary",
            "chatId",
            "importance",
            "locale",
            "webUrl",
            "channelIdentity",
            "attachments",
            "mentions",
            "policyViolation",
            "reactions",
            "replies",
            "hostedContents",
        ] {
            assert!(body.get(key).is_some(), "{key} missing: {body}");
        }
        assert_eq!(body["channelIdentity"]["teamId"], "t");
        assert!(body.get("@odata.type").is_none());
    }
}
