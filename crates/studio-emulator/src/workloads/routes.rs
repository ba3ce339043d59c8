//! Graph's read endpoints over the store: any entity or collection of the sandbox tenant
//! (`/me`, `/users`, `/groups/{id}/members`, `/me/mailFolders('inbox')/messages`, `/chats`,
//! `/drives/{id}/root/children`, `/sites/{id}/lists`, `/me/todo/lists`, `/print/printers`, …),
//! with `$top`, `$select`, `$skiptoken` and `@odata.nextLink`, Graph's authorization (403 before
//! 404) and each service's error texts.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use studio_catalog::model::AccountKind;

use super::kinds::{self, Family, Kind};
use super::{Entity, paths};
use crate::caller::Caller;
use crate::server::{Shared, graph_error};

/// Largest `$top` Graph accepts for these collections.
pub const MAX_TOP: usize = 999;
/// Page size when `$top` is absent.
pub const DEFAULT_TOP: usize = 100;

/// Collections that list another collection's entities (a folder's messages, the calendar's
/// events): the alias pattern, the kind, and how many segments name the owner that must exist.
const ALIASES: [(&str, &str, usize); 7] = [
    ("users/*/mailfolders/*/messages", "message", 4),
    ("users/*/mailfolders/*/childfolders", "mailFolder", 4),
    ("users/*/contactfolders/*/contacts", "contact", 4),
    ("users/*/contactfolders/*/childfolders", "contactFolder", 4),
    ("users/*/calendar/events", "event", 2),
    ("users/*/chats", "chat", 2),
    ("users/*/drives", "drive", 2),
];

/// Collections that list what a user takes part in (`/me/chats`, `/me/drives`): the pattern and
/// the collection whose entities have the user in their audience.
const MEMBERSHIPS: [(&str, &str); 2] = [("users/*/chats", "chats"), ("users/*/drives", "drives")];

/// The entities of a membership collection (`users/{id}/chats`) for that user.
fn memberships<'a>(store: &'a super::Store, path: &str) -> Option<Vec<&'a Entity>> {
    let (_, base) = MEMBERSHIPS
        .iter()
        .find(|(pattern, _)| paths::matches(pattern, path))?;
    let user = path.split('/').nth(1)?;
    Some(
        store
            .listed(base)
            .into_iter()
            .filter(|e| e.audience.iter().any(|a| a == user))
            .collect(),
    )
}

/// A mailbox's folders, kept flat in `users/{id}/mailfolders` with their `parentFolderId` (so a
/// child folder is found by its id like any folder): `users/{id}/mailfolders` lists the
/// top-level ones, `…/mailfolders/{id}/childfolders` the children of one.
///
/// Contact folders are kept the same way, the default Contacts folder among them:
/// `users/{id}/contactfolders` lists the folders inside the default one, and
/// `users/{id}/contacts` the default folder's contacts, as Graph does.
fn folder_tree<'a>(store: &'a super::Store, path: &str) -> Option<Vec<&'a Entity>> {
    let segments: Vec<&str> = path.split('/').collect();
    let default_contacts = segments.get(1).map(|u| paths::contacts_folder_id(u));
    let (folders, parent) = if paths::matches("users/*/mailfolders", path) {
        (path.to_owned(), "")
    } else if paths::matches("users/*/contacts", path) {
        // `/contacts` lists the default folder's (a subscription there still hears them all).
        (
            path.to_owned(),
            default_contacts.as_deref().unwrap_or_default(),
        )
    } else if paths::matches("users/*/contactfolders", path) {
        (
            path.to_owned(),
            default_contacts.as_deref().unwrap_or_default(),
        )
    } else if paths::matches("users/*/mailfolders/*/childfolders", path)
        || paths::matches("users/*/contactfolders/*/childfolders", path)
    {
        (segments[..3].join("/"), segments[3])
    } else {
        return None;
    };
    Some(
        store
            .listed(&folders)
            .into_iter()
            .filter(|e| e.body["parentFolderId"].as_str().unwrap_or_default() == parent)
            .collect(),
    )
}

/// What a canonical collection path lists: its kind and the path of the entity that owns it.
pub fn collection_kind(collection: &str) -> Option<(&'static Kind, String)> {
    let owner_depth = |pattern: &str| {
        pattern
            .split('/')
            .collect::<Vec<_>>()
            .iter()
            .rposition(|s| *s == "*")
            .map_or(0, |i| i + 1)
    };
    if let Some(kind) = kinds::of_collection(collection) {
        let depth = owner_depth(kind.collection);
        return Some((kind, first_segments(collection, depth)));
    }
    ALIASES
        .iter()
        .find(|(pattern, _, _)| paths::matches(pattern, collection))
        .and_then(|(_, name, depth)| {
            Some((kinds::named(name)?, first_segments(collection, *depth)))
        })
}

fn first_segments(path: &str, n: usize) -> String {
    path.split('/').take(n).collect::<Vec<_>>().join("/")
}

/// Whether the caller holds one of `permissions` (writing implies reading).
pub fn holds(caller: &Caller, permissions: &[&str]) -> bool {
    caller
        .permissions
        .iter()
        .any(|p| permissions.iter().any(|w| p.eq_ignore_ascii_case(w)))
}

/// Whether the caller may read (or, with `write`, change) entities of a kind at all.
pub fn may(kind: &Kind, caller: &Caller, write: bool) -> bool {
    holds(caller, kind.write) || (!write && holds(caller, kind.read))
}

/// Whether a delegated caller is in an entity's audience (apps and `….All` holders always are).
pub fn sees(kind: &Kind, audience: &[String], caller: &Caller) -> bool {
    let everything = kind
        .read
        .iter()
        .chain(kind.write)
        .any(|p| p.ends_with(".All") && holds(caller, &[p]));
    caller.kind == AccountKind::Application
        || audience.is_empty()
        || everything
        || audience
            .iter()
            .any(|u| u.eq_ignore_ascii_case(&caller.object_id))
}

/// Graph's 403 in the kind's service's words.
pub fn denied(shared: &Shared, kind: &Kind, caller: &Caller) -> Response {
    let now = shared.clock.now();
    match kind.family {
        Family::Directory => graph_error(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
            now,
        ),
        Family::Outlook => graph_error(
            StatusCode::FORBIDDEN,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
            now,
        ),
        Family::Other => {
            let held = caller.permissions.join(",");
            let noun = if caller.kind == AccountKind::Application {
                "role"
            } else {
                "scope"
            };
            graph_error(
                StatusCode::FORBIDDEN,
                "Forbidden",
                &format!(
                    "Missing {noun} permissions on the request. API requires one of '{}'. {}s on the request '{held}'.",
                    kind.read.join(", "),
                    if noun == "role" { "Roles" } else { "Scopes" }
                ),
                now,
            )
        }
    }
}

/// Graph's 404 in the kind's service's words.
pub fn missing(shared: &Shared, family: Family, path: &str) -> Response {
    let now = shared.clock.now();
    let id = path.rsplit('/').next().unwrap_or_default();
    match family {
        Family::Directory => graph_error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            &format!(
                "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
            ),
            now,
        ),
        Family::Outlook => graph_error(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
            now,
        ),
        Family::Other => graph_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("The requested resource '{id}' does not exist."),
            now,
        ),
    }
}

/// `$select` applied to one entity (`id` and `@odata.*` always kept; unknown names ignored).
pub fn select(item: &Value, fields: Option<&str>) -> Value {
    let Some(fields) = fields else {
        return item.clone();
    };
    let wanted: Vec<&str> = fields.split(',').map(str::trim).collect();
    let mut out = Map::new();
    if let Value::Object(map) = item {
        for (key, value) in map {
            if key == "id"
                || key.starts_with("@odata")
                || wanted.iter().any(|w| w.eq_ignore_ascii_case(key))
            {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(out)
}

/// A page of a collection with `$top`, `$skiptoken` and `@odata.nextLink`.
fn page(shared: &Shared, uri: &Uri, items: &[Value], query: &HashMap<String, String>) -> Response {
    let now = shared.clock.now();
    let top = match query.get("$top").map(|t| t.parse::<usize>()) {
        None => DEFAULT_TOP,
        Some(Ok(top)) if (1..=MAX_TOP).contains(&top) => top,
        Some(_) => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!(
                    "Invalid page size specified: '{}'. Must be between 1 and {MAX_TOP} inclusive.",
                    query.get("$top").map_or("", String::as_str)
                ),
                now,
            );
        }
    };
    let skip = query
        .get("$skiptoken")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(0);
    let fields = query.get("$select").map(String::as_str);
    let chunk: Vec<Value> = items
        .iter()
        .skip(skip)
        .take(top)
        .map(|i| select(i, fields))
        .collect();
    let mut body = json!({ "@odata.context": format!("{}{}/$metadata", shared.base_url, uri.path()), "value": chunk });
    if skip + top < items.len() {
        let mut next = format!(
            "{}{}?$top={top}&$skiptoken={}",
            shared.base_url,
            uri.path(),
            skip + top
        );
        if let Some(fields) = fields {
            next.push_str(&format!("&$select={fields}"));
        }
        body["@odata.nextLink"] = json!(next);
    }
    Json(body).into_response()
}

/// The canonical path of a request, or Graph's 400 for `/me` with an app-only token.
pub fn resolve(shared: &Shared, caller: &Caller, rest: &str) -> Result<String, Box<Response>> {
    let delegated = caller.kind != AccountKind::Application;
    let first = rest
        .trim_start_matches('/')
        .split(['/', '(', '?'])
        .next()
        .unwrap_or_default();
    if first.eq_ignore_ascii_case("me") && !delegated {
        return Err(Box::new(graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "/me request is only valid with delegated authentication flow.",
            shared.clock.now(),
        )));
    }
    let me = delegated.then_some(caller.object_id.as_str());
    Ok(paths::canonical(rest, me, &shared.tenant))
}

/// Whether the caller may look into what `owner` holds: a delegated caller reaches only their
/// own mailbox, files and tasks (unless a `….All` permission says otherwise), and only the chats
/// they are in.
pub fn owner_visible(store: &super::Store, kind: &Kind, owner: &str, caller: &Caller) -> bool {
    let mut segments = owner.split('/');
    if let (Some("users"), Some(user)) = (segments.next(), segments.next()) {
        return sees(kind, &[user.to_owned()], caller);
    }
    store
        .find(owner)
        .is_none_or(|o| o.kind().is_none_or(|k| sees(k, &o.audience, caller)))
}

/// The signed-in user may always read their own user object (`User.Read`).
fn is_self(entity: &Entity, caller: &Caller) -> bool {
    entity.kind == "user"
        && caller.kind != AccountKind::Application
        && entity.id().eq_ignore_ascii_case(&caller.object_id)
}

/// Routes `GET /{v1.0|beta}/…` look-ups.
pub async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
    Path(rest): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let path = match resolve(&shared, &caller, &rest) {
        Ok(path) => path,
        Err(response) => return *response,
    };
    let fields = query.get("$select").map(String::as_str);
    let Ok(store) = shared.store.lock() else {
        return graph_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "The sandbox store is unavailable.",
            shared.clock.now(),
        );
    };
    let unqualified = path.replace("/microsoft.graph.delta", "/delta");
    if let Some(collection) = super::delta::delta_collection(&unqualified) {
        return super::delta::answer(
            &shared,
            &caller,
            &uri,
            &headers,
            &store,
            &collection,
            &query,
        );
    }
    if let Some(entity) = store.find(&path) {
        let Some(kind) = entity.kind() else {
            return missing(&shared, Family::Other, &path);
        };
        if is_self(entity, &caller) {
            return Json(select(&entity.body, fields)).into_response();
        }
        if !may(kind, &caller, false) {
            return denied(&shared, kind, &caller);
        }
        if !sees(kind, &entity.audience, &caller) {
            return denied(&shared, kind, &caller);
        }
        return Json(select(&entity.body, fields)).into_response();
    }
    if let Some((kind, owner)) = collection_kind(&path) {
        if !may(kind, &caller, false) {
            return denied(&shared, kind, &caller);
        }
        if !owner.is_empty() && store.find(&owner).is_none() {
            return missing(&shared, kind.family, &owner);
        }
        if !owner_visible(&store, kind, &owner, &caller) {
            return denied(&shared, kind, &caller);
        }
        let items: Vec<Value> = memberships(&store, &path)
            .or_else(|| folder_tree(&store, &path))
            .unwrap_or_else(|| store.listed(&path))
            .into_iter()
            .filter(|e| sees(kind, &e.audience, &caller))
            .map(|e| e.body.clone())
            .collect();
        return page(&shared, &uri, &items, &query);
    }
    let parent = path
        .rsplit_once('/')
        .map(|(p, _)| p.to_owned())
        .unwrap_or_default();
    if let Some((kind, _)) = collection_kind(&parent) {
        if !may(kind, &caller, false) {
            return denied(&shared, kind, &caller);
        }
        return missing(&shared, kind.family, &path);
    }
    graph_error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        &format!(
            "Resource not found for the segment '{}'.",
            rest.trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default()
        ),
        shared.clock.now(),
    )
}
