//! Graph's action endpoints that are not plain create/update/delete: adding and removing group
//! members (`$ref`), `sendMail` (a copy in Sent Items, one in each recipient's inbox) and
//! `setPresence`. Each announces the changes it makes.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use studio_catalog::model::AccountKind;

use super::kinds::Family;
use super::paths::folder_id;
use super::routes::{denied, holds, may, missing};
use super::writes::{announce, bad, create_in, object, touch, unavailable};
use super::{Change, Entity, timestamp};
use crate::caller::Caller;
use crate::server::Shared;

/// `POST /groups/{id}/members/$ref` (add) and `DELETE /groups/{id}/members/{user}/$ref` (remove).
pub fn membership(
    shared: &Arc<Shared>,
    caller: &Caller,
    group: &str,
    relation: &str,
    body: &[u8],
    remove: Option<&str>,
) -> Response {
    let kind_name = if relation == "members" {
        "groupMember"
    } else {
        "groupOwner"
    };
    let Some(kind) = super::kinds::named(kind_name) else {
        return unavailable(shared);
    };
    if !may(kind, caller, true) {
        return denied(shared, kind, caller);
    }
    let user_id = match remove {
        Some(user) => user.to_owned(),
        None => {
            let fields = match object(shared, body) {
                Ok(fields) => fields,
                Err(response) => return *response,
            };
            let reference = fields
                .get("@odata.id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            reference
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_lowercase()
        }
    };
    let Ok(mut store) = shared.store.lock() else {
        return unavailable(shared);
    };
    if store.find(&format!("groups/{group}")).is_none() {
        return missing(shared, Family::Directory, group);
    }
    let path = format!("groups/{group}/{relation}/{user_id}");
    let change = if remove.is_some() {
        let Some(entity) = store.remove(&path) else {
            return missing(shared, Family::Directory, &user_id);
        };
        Change::of(&entity, "deleted", &store)
    } else {
        let Some(user) = shared
            .tenant
            .users
            .iter()
            .find(|u| u.id.eq_ignore_ascii_case(&user_id))
        else {
            return bad(
                shared,
                "Invalid object identifier in '@odata.id': send https://graph.microsoft.com/v1.0/directoryObjects/{id} of a user of this tenant.",
            );
        };
        if store.find(&path).is_some() {
            return bad(
                shared,
                &format!(
                    "One or more added object references already exist for the following modified properties: '{relation}'."
                ),
            );
        }
        let entity = Entity {
            path,
            kind: kind_name.into(),
            also_in: Vec::new(),
            audience: Vec::new(),
            body: json!({ "@odata.type": "#microsoft.graph.user", "id": user.id, "displayName": user.display_name, "userPrincipalName": user.user_principal_name }),
        };
        store.put(entity.clone());
        Change::of(&entity, "created", &store)
    };
    drop(store);
    announce(shared, vec![change]);
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /users/{id}/sendMail`: a copy in the sender's Sent Items and one in the inbox of every
/// recipient who is a user of the sandbox tenant.
pub fn send_mail(shared: &Arc<Shared>, caller: &Caller, sender: &str, body: &[u8]) -> Response {
    let Some(kind) = super::kinds::named("message") else {
        return unavailable(shared);
    };
    let own =
        caller.kind == AccountKind::Application || caller.object_id.eq_ignore_ascii_case(sender);
    if !holds(caller, &["Mail.Send"]) || !own {
        return denied(shared, kind, caller);
    }
    let fields = match object(shared, body) {
        Ok(fields) => fields,
        Err(response) => return *response,
    };
    let Some(Value::Object(message)) = fields.get("message").cloned() else {
        return bad(shared, "The sendMail request needs a 'message' object.");
    };
    let Some(from) = shared
        .tenant
        .users
        .iter()
        .find(|u| u.id.eq_ignore_ascii_case(sender))
    else {
        return missing(shared, Family::Outlook, sender);
    };
    let recipients: Vec<String> = ["toRecipients", "ccRecipients", "bccRecipients"]
        .iter()
        .filter_map(|field| message.get(*field).and_then(Value::as_array))
        .flatten()
        .filter_map(|r| r["emailAddress"]["address"].as_str().map(str::to_lowercase))
        .collect();
    if recipients.is_empty() {
        return bad(
            shared,
            "At least one recipient is required, but none were found.",
        );
    }
    let mut copy = message.clone();
    copy.insert("from".into(), json!({ "emailAddress": { "name": from.display_name, "address": from.user_principal_name } }));
    copy.insert("sentDateTime".into(), json!(timestamp(shared.clock.now())));
    let Ok(mut store) = shared.store.lock() else {
        return unavailable(shared);
    };
    let mut changes = Vec::new();
    let sender_id = from.id.to_lowercase();
    if fields.get("saveToSentItems").and_then(Value::as_bool) != Some(false) {
        let sent = format!(
            "users/{sender_id}/mailfolders/{}/messages",
            folder_id(&sender_id, "sentitems")
        );
        let entity = create_in(shared, &mut store, kind, &sent, copy.clone(), None, false);
        changes.push(Change::of(&entity, "created", &store));
    }
    for user in shared
        .tenant
        .users
        .iter()
        .filter(|u| recipients.contains(&u.user_principal_name.to_lowercase()))
    {
        let mut received = copy.clone();
        received.insert(
            "receivedDateTime".into(),
            json!(timestamp(shared.clock.now())),
        );
        received.insert("isRead".into(), json!(false));
        let inbox = format!("users/{}/messages", user.id.to_lowercase());
        let entity = create_in(shared, &mut store, kind, &inbox, received, None, true);
        changes.push(Change::of(&entity, "created", &store));
    }
    drop(store);
    announce(shared, changes);
    StatusCode::ACCEPTED.into_response()
}

/// `POST /users/{id}/presence/setPresence`.
pub fn set_presence(shared: &Arc<Shared>, caller: &Caller, user: &str, body: &[u8]) -> Response {
    let Some(kind) = super::kinds::named("presence") else {
        return unavailable(shared);
    };
    if !may(kind, caller, true) {
        return denied(shared, kind, caller);
    }
    let fields = match object(shared, body) {
        Ok(fields) => fields,
        Err(response) => return *response,
    };
    let availability = [
        "Available",
        "Busy",
        "Away",
        "BeRightBack",
        "DoNotDisturb",
        "Offline",
    ];
    let Some(state) = fields
        .get("availability")
        .and_then(Value::as_str)
        .filter(|a| availability.contains(a))
    else {
        return bad(
            shared,
            &format!("availability must be one of {}.", availability.join(", ")),
        );
    };
    let activity = fields
        .get("activity")
        .and_then(Value::as_str)
        .unwrap_or(state)
        .to_owned();
    let patch: Map<String, Value> = [
        ("availability".to_owned(), json!(state)),
        ("activity".to_owned(), json!(activity)),
    ]
    .into_iter()
    .collect();
    let Ok(mut store) = shared.store.lock() else {
        return unavailable(shared);
    };
    let Some(entity) = touch(
        shared,
        &mut store,
        &format!("communications/presences/{user}"),
        patch,
    ) else {
        return missing(shared, Family::Other, user);
    };
    let change = Change::of(&entity, "updated", &store);
    drop(store);
    announce(shared, vec![change]);
    StatusCode::OK.into_response()
}
