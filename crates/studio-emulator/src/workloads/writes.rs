//! Graph's write endpoints over the store: create, update and delete messages, events, contacts,
//! chat and channel messages, tasks, list items, drive items and alerts; send mail; add and
//! remove group members; set presence; update users. Each write announces its change, so the
//! subscriptions that watch it get notified exactly as Graph would notify them.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use studio_catalog::model::AccountKind;

use super::kinds::{Family, Kind};
use super::paths::{contacts_folder_id, folder_id};
use super::routes::{collection_kind, denied, holds, may, missing, owner_visible, resolve, sees};
use super::{Change, Entity, Store, actions, timestamp};
use crate::bodies::GraphBody;
use crate::caller::Caller;
use crate::delivery::dispatch;
use crate::server::{Shared, graph_error};

/// Kinds the sandbox never creates through the API (its people and groups are seeded).
const NOT_CREATABLE: [&str; 3] = ["user", "group", "presence"];

pub(super) fn bad(shared: &Shared, message: &str) -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        message,
        shared.clock.now(),
    )
}

pub(super) fn unavailable(shared: &Shared) -> Response {
    graph_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerError",
        "The sandbox store is unavailable.",
        shared.clock.now(),
    )
}

/// The request body as a JSON object, or Graph's 400.
pub(super) fn object(shared: &Shared, body: &[u8]) -> Result<Map<String, Value>, Box<Response>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Box::new(bad(
            shared,
            "Empty Payload. JSON content expected.",
        )));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Box::new(bad(
            shared,
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        ))),
    }
}

/// A plausible body for an item the control API creates in a collection.
pub fn sample(kind: &Kind, n: u64, now: i64, shared: &Shared) -> Map<String, Value> {
    let user = &shared.tenant.users[usize::try_from(n).unwrap_or(0) % shared.tenant.users.len()];
    let person = json!({ "emailAddress": { "name": user.display_name, "address": user.user_principal_name } });
    let value = match kind.name {
        "message" => {
            json!({ "subject": format!("Sandbox message {n}"), "bodyPreview": "Sent by the sandbox tenant.", "body": { "contentType": "text", "content": "Sent by the sandbox tenant." }, "from": person, "receivedDateTime": timestamp(now), "isRead": false, "importance": "normal" })
        }
        "event" => {
            json!({ "subject": format!("Sandbox meeting {n}"), "start": { "dateTime": timestamp(now + 3600), "timeZone": "UTC" }, "end": { "dateTime": timestamp(now + 5400), "timeZone": "UTC" }, "organizer": person })
        }
        "contact" => {
            json!({ "displayName": format!("Sandbox contact {n}"), "emailAddresses": [{ "address": format!("contact{n}@example.com") }] })
        }
        "chatMessage" | "channelMessage" => {
            json!({ "body": { "contentType": "text", "content": format!("Sandbox message {n}") } })
        }
        "todoTask" => {
            json!({ "title": format!("Sandbox task {n}"), "status": "notStarted", "importance": "normal" })
        }
        "listItem" => json!({ "fields": { "Title": format!("Sandbox item {n}") } }),
        "driveItem" => json!({ "name": format!("Sandbox file {n}.txt"), "size": 1024, "file": {} }),
        "alert" => {
            json!({ "title": format!("Sandbox alert {n}"), "severity": "low", "status": "newAlert" })
        }
        "printJob" => json!({ "status": { "state": "processing", "description": "Printing" } }),
        "callRecord" => {
            json!({ "type": "peerToPeer", "modalities": ["audio"], "startDateTime": timestamp(now - 600), "endDateTime": timestamp(now) })
        }
        _ => json!({ "displayName": format!("Sandbox {} {n}", kind.name) }),
    };
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Creates an entity of `kind` in a canonical collection. `arriving` puts new mail in the inbox
/// (mail that arrives) rather than in Drafts (mail the caller creates).
pub fn create_in(
    shared: &Shared,
    store: &mut Store,
    kind: &Kind,
    collection: &str,
    mut fields: Map<String, Value>,
    author: Option<&str>,
    arriving: bool,
) -> Entity {
    let now = shared.clock.now();
    let segments: Vec<&str> = collection.split('/').collect();
    let id = match kind.name {
        // Teams message ids are creation times in milliseconds; list items count up from 1.
        "chatMessage" | "channelMessage" => next_free(store, collection, now.saturating_mul(1000)),
        "listItem" => next_free(store, collection, 1),
        "driveItem" => store.next_id("01"),
        "message" | "event" | "contact" | "todoTask" => store.next_id("aamk"),
        _ => store.next_id(""),
    };
    let mut also_in = Vec::new();
    let mut home = collection.to_owned();
    if kind.name == "message" {
        let user = segments.get(1).copied().unwrap_or_default();
        let folder = match segments.get(2) {
            Some(&"mailfolders") => segments.get(3).map(|f| (*f).to_owned()).unwrap_or_default(),
            _ if arriving => folder_id(user, "inbox"),
            _ => {
                fields.insert("isDraft".into(), json!(true));
                folder_id(user, "drafts")
            }
        };
        fields.insert("parentFolderId".into(), json!(folder));
        home = format!("users/{user}/messages");
        also_in.push(format!("users/{user}/mailfolders/{folder}/messages"));
    }
    if matches!(kind.name, "mailFolder" | "contactFolder") {
        // Folders are kept flat, each naming its parent (`routes::folder_tree`); a contact folder
        // made at the top goes inside the default Contacts folder, as Graph's do.
        let user = segments.get(1).copied().unwrap_or_default();
        let (folders, top) = if kind.name == "mailFolder" {
            ("mailfolders", String::new())
        } else {
            ("contactfolders", contacts_folder_id(user))
        };
        let parent = match segments.get(4) {
            Some(&"childfolders") => segments.get(3).map_or(top, |p| (*p).to_owned()),
            _ => top,
        };
        home = format!("users/{user}/{folders}");
        fields.insert("parentFolderId".into(), json!(parent));
        if kind.name == "mailFolder" {
            for count in ["childFolderCount", "unreadItemCount", "totalItemCount"] {
                fields.insert(count.into(), json!(0));
            }
            if let Some(mut owner) = store.find(&format!("{home}/{parent}")).cloned() {
                let children = owner.body["childFolderCount"].as_u64().unwrap_or(0);
                owner.body["childFolderCount"] = json!(children + 1);
                store.put(owner);
            }
        }
    }
    if kind.name == "contact" {
        // In the folder it was made in (the default Contacts folder for `/contacts`), listed by
        // `/contacts` and by its folder's `/contacts` (and that folder's delta).
        let user = segments.get(1).copied().unwrap_or_default();
        let folder = match segments.get(2) {
            Some(&"contactfolders") => segments
                .get(3)
                .map_or_else(|| contacts_folder_id(user), |f| (*f).to_owned()),
            _ => contacts_folder_id(user),
        };
        fields.insert("parentFolderId".into(), json!(folder));
        home = format!("users/{user}/contacts");
        also_in.push(format!("users/{user}/contactfolders/{folder}/contacts"));
    }
    if kind.name == "event" {
        home = format!(
            "users/{}/events",
            segments.get(1).copied().unwrap_or_default()
        );
    }
    let stamp = timestamp(now);
    fields.insert("id".into(), json!(id));
    fields
        .entry("createdDateTime")
        .or_insert_with(|| json!(stamp));
    fields.insert("lastModifiedDateTime".into(), json!(stamp));
    if matches!(kind.name, "chatMessage" | "channelMessage") {
        let from = author
            .and_then(|a| {
                shared
                    .tenant
                    .users
                    .iter()
                    .find(|u| u.id.eq_ignore_ascii_case(a))
            })
            .or_else(|| shared.tenant.users.first());
        if let Some(user) = from {
            fields.insert("from".into(), json!({ "user": { "id": user.id, "displayName": user.display_name, "userIdentityType": "aadUser" } }));
        }
        fields
            .entry("messageType")
            .or_insert_with(|| json!("message"));
    }
    let audience = audience_of(store, &home);
    let entity = Entity {
        path: format!("{home}/{id}"),
        kind: kind.name.to_owned(),
        also_in,
        audience,
        body: Value::Object(fields),
    };
    store.put(entity.clone());
    entity
}

/// The first number from `start` that names no entity of the collection yet.
fn next_free(store: &Store, collection: &str, start: i64) -> String {
    let mut n = start;
    while store.find(&format!("{collection}/{n}")).is_some() {
        n += 1;
    }
    n.to_string()
}

/// Who may see a new entity: the mailbox's or drive's owner, or the chat's members.
fn audience_of(store: &Store, collection: &str) -> Vec<String> {
    let segments: Vec<&str> = collection.split('/').collect();
    match segments.as_slice() {
        ["users", user, ..] => vec![(*user).to_owned()],
        [root, id, ..] => store
            .find(&format!("{root}/{id}"))
            .map(|e| e.audience.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Marks an entity changed and returns it.
pub fn touch(
    shared: &Shared,
    store: &mut Store,
    path: &str,
    patch: Map<String, Value>,
) -> Option<Entity> {
    let stamp = timestamp(shared.clock.now());
    let entity = store.entities.iter_mut().find(|e| e.path == path)?;
    if let Value::Object(body) = &mut entity.body {
        for (key, value) in patch {
            if key != "id" {
                body.insert(key, value);
            }
        }
        body.insert("lastModifiedDateTime".into(), json!(stamp));
    }
    Some(entity.clone())
}

pub(super) fn announce(shared: &Arc<Shared>, changes: Vec<Change>) {
    for change in changes {
        dispatch(shared, &change);
    }
}

fn may_write(kind: &Kind, entity_audience: &[String], caller: &Caller, is_self: bool) -> bool {
    (is_self && holds(caller, &["User.ReadWrite", "User.ReadWrite.All"]))
        || (may(kind, caller, true) && sees(kind, entity_audience, caller))
}

/// `POST /{v1.0|beta}/…`: create in a collection, or one of the actions.
pub async fn post(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(rest): Path<String>,
    GraphBody(body): GraphBody,
) -> Response {
    let path = match resolve(&shared, &caller, &rest) {
        Ok(path) => path,
        Err(response) => return *response,
    };
    let segments: Vec<&str> = path.split('/').collect();
    match segments.as_slice() {
        ["groups", group, relation @ ("members" | "owners"), "$ref"] => {
            actions::membership(&shared, &caller, group, relation, &body, None)
        }
        ["users", user, "sendmail"] => actions::send_mail(&shared, &caller, user, &body),
        ["communications", "presences", user, "setpresence"] => {
            actions::set_presence(&shared, &caller, user, &body)
        }
        _ => create(&shared, &caller, &path, &body),
    }
}

fn create(shared: &Arc<Shared>, caller: &Caller, path: &str, body: &[u8]) -> Response {
    let Some((kind, owner)) = collection_kind(path) else {
        return bad(
            shared,
            &format!(
                "Resource not found for the segment '{}'.",
                path.split('/').next().unwrap_or_default()
            ),
        );
    };
    if !may(kind, caller, true) {
        return denied(shared, kind, caller);
    }
    if NOT_CREATABLE.contains(&kind.name) || kind.write.is_empty() {
        return graph_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            &format!(
                "The sandbox does not create {}s through the API.",
                kind.name
            ),
            shared.clock.now(),
        );
    }
    let fields = match object(shared, body) {
        Ok(fields) => fields,
        Err(response) => return *response,
    };
    let Ok(mut store) = shared.store.lock() else {
        return unavailable(shared);
    };
    if !owner.is_empty() && store.find(&owner).is_none() {
        return missing(shared, kind.family, &owner);
    }
    if !owner_visible(&store, kind, &owner, caller) {
        return denied(shared, kind, caller);
    }
    let author = (caller.kind != AccountKind::Application).then_some(caller.object_id.as_str());
    let entity = create_in(shared, &mut store, kind, path, fields, author, false);
    let change = Change::of(&entity, "created", &store);
    drop(store);
    announce(shared, vec![change]);
    (StatusCode::CREATED, Json(entity.body)).into_response()
}

/// The answer for a write to nothing: 403 when the caller could not write there anyway, else
/// the service's 404, or Graph's 400 for a path that names no collection.
fn absent(shared: &Shared, caller: &Caller, path: &str) -> Response {
    match collection_kind(path.rsplit_once('/').map_or("", |(p, _)| p)) {
        Some((kind, _)) if !may(kind, caller, true) => denied(shared, kind, caller),
        Some((kind, _)) => missing(shared, kind.family, path),
        None => bad(
            shared,
            &format!(
                "Resource not found for the segment '{}'.",
                path.split('/').next().unwrap_or_default()
            ),
        ),
    }
}

/// `PATCH /{v1.0|beta}/…`: update an entity (a list item's `/fields` too).
pub async fn patch(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(rest): Path<String>,
    GraphBody(body): GraphBody,
) -> Response {
    let path = match resolve(&shared, &caller, &rest) {
        Ok(path) => path,
        Err(response) => return *response,
    };
    let (path, into_fields) = match path.strip_suffix("/fields") {
        Some(item) => (item.to_owned(), true),
        None => (path, false),
    };
    let fields = match object(&shared, &body) {
        Ok(fields) => fields,
        Err(response) => return *response,
    };
    let Ok(mut store) = shared.store.lock() else {
        return unavailable(&shared);
    };
    let Some((entity, kind)) = store.find(&path).and_then(|e| Some((e.clone(), e.kind()?))) else {
        return absent(&shared, &caller, &path);
    };
    let is_self = kind.name == "user" && entity.id().eq_ignore_ascii_case(&caller.object_id);
    if !may_write(kind, &entity.audience, &caller, is_self) || kind.write.is_empty() {
        return denied(&shared, kind, &caller);
    }
    let patch = if into_fields {
        let mut merged = entity
            .body
            .get("fields")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        merged.extend(fields);
        [("fields".to_owned(), Value::Object(merged))]
            .into_iter()
            .collect()
    } else {
        fields
    };
    let Some(updated) = touch(&shared, &mut store, &path, patch) else {
        return missing(&shared, kind.family, &path);
    };
    let change = Change::of(&updated, "updated", &store);
    drop(store);
    announce(&shared, vec![change]);
    if kind.family == Family::Directory {
        StatusCode::NO_CONTENT.into_response()
    } else {
        Json(updated.body).into_response()
    }
}

/// `DELETE /{v1.0|beta}/…`: delete an entity, or a group membership (`…/members/{id}/$ref`).
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(rest): Path<String>,
) -> Response {
    let path = match resolve(&shared, &caller, &rest) {
        Ok(path) => path,
        Err(response) => return *response,
    };
    let segments: Vec<&str> = path.split('/').collect();
    if let [
        "groups",
        group,
        relation @ ("members" | "owners"),
        user,
        "$ref",
    ] = segments.as_slice()
    {
        return actions::membership(&shared, &caller, group, relation, &[], Some(user));
    }
    let Ok(mut store) = shared.store.lock() else {
        return unavailable(&shared);
    };
    let Some((entity, kind)) = store.find(&path).and_then(|e| Some((e.clone(), e.kind()?))) else {
        return absent(&shared, &caller, &path);
    };
    if !may_write(kind, &entity.audience, &caller, false)
        || kind.write.is_empty()
        || kind.name == "presence"
    {
        return denied(&shared, kind, &caller);
    }
    store.remove(&path);
    let change = Change::of(&entity, "deleted", &store);
    drop(store);
    announce(&shared, vec![change]);
    StatusCode::NO_CONTENT.into_response()
}
