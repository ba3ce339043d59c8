//! The seeded directory and Graph's read endpoints over it: `/me`, `/users`, `/groups` (with
//! members and owners) and `/teams` (with channels), with `$top`, `$select` and
//! `@odata.nextLink` paging, and Graph's 403 when the token lacks the privilege.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use studio_catalog::model::AccountKind;

use crate::caller::Caller;
use crate::server::{Shared, graph_error};

/// Largest `$top` Graph accepts for these collections.
pub const MAX_TOP: usize = 999;
/// Page size when `$top` is absent.
pub const DEFAULT_TOP: usize = 100;

/// Groups of the sandbox, built from the seeded users: (id, name, description, member indexes,
/// owner indexes, is a team, channels).
fn groups(shared: &Shared) -> Vec<Value> {
    let users = &shared.tenant.users;
    let id = |n: u8| {
        format!(
            "{}-{:012x}",
            &shared.tenant.tenant_id[..23],
            u64::from(n) * 0x1111
        )
    };
    let pick = |indexes: &[usize]| -> Vec<Value> {
        indexes.iter().filter_map(|i| users.get(*i)).map(|u| json!({ "@odata.type": "#microsoft.graph.user", "id": u.id, "displayName": u.display_name })).collect()
    };
    [
        (1, "Contoso Marketing", "Marketing team", vec![0, 1, 2], vec![0], true, vec!["General", "Campaigns"]),
        (2, "Engineering", "Builds the product", vec![1, 3, 4], vec![3], true, vec!["General", "Releases", "On-call"]),
        (3, "All Company", "Everyone", vec![0, 1, 2, 3, 4], vec![4], false, vec![]),
    ]
    .into_iter()
    .map(|(n, name, description, members, owners, team, channels)| {
        let group_id = id(n);
        json!({
            "id": group_id,
            "displayName": name,
            "description": description,
            "mailNickname": name.to_lowercase().replace(' ', ""),
            "groupTypes": ["Unified"],
            "resourceProvisioningOptions": if team { json!(["Team"]) } else { json!([]) },
            "members": pick(&members),
            "owners": pick(&owners),
            "channels": channels.iter().enumerate().map(|(i, c)| json!({
                "id": format!("19:{}{}@thread.tacv2", group_id.replace('-', "")[..20].to_owned(), i),
                "displayName": c,
                "membershipType": "standard",
            })).collect::<Vec<_>>(),
        })
    })
    .collect()
}

fn user_json(shared: &Shared, index: usize) -> Option<Value> {
    let u = shared.tenant.users.get(index)?;
    let given = u.display_name.split(' ').next().unwrap_or_default();
    let titles = [
        "Marketing Manager",
        "Engineer",
        "Designer",
        "Engineering Lead",
        "Sales",
    ];
    let job_title = titles[index % titles.len()];
    Some(json!({
        "id": u.id,
        "displayName": u.display_name,
        "givenName": given,
        "surname": u.display_name.split(' ').nth(1).unwrap_or_default(),
        "userPrincipalName": u.user_principal_name,
        "mail": u.user_principal_name,
        "jobTitle": job_title,
    }))
}

fn has_any(caller: &Caller, permissions: &[&str]) -> bool {
    caller
        .permissions
        .iter()
        .any(|p| permissions.iter().any(|w| p.eq_ignore_ascii_case(w)))
}

fn denied(shared: &Shared) -> Response {
    graph_error(
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
        shared.clock.now(),
    )
}

/// Applies `$select` to one object (unknown properties are ignored, as Graph's `$select` of
/// navigation-free entities does; `id` is always kept).
fn select(item: &Value, query: &HashMap<String, String>) -> Value {
    let Some(fields) = query.get("$select") else {
        let mut item = item.clone();
        if let Value::Object(map) = &mut item {
            map.remove("members");
            map.remove("owners");
            map.remove("channels");
        }
        return item;
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
    let chunk: Vec<Value> = items
        .iter()
        .skip(skip)
        .take(top)
        .map(|i| select(i, query))
        .collect();
    let mut body = json!({ "@odata.context": format!("{}{}/$metadata", shared.base_url, uri.path()), "value": chunk });
    if skip + top < items.len() {
        let mut next = format!(
            "{}{}?$top={top}&$skiptoken={}",
            shared.base_url,
            uri.path(),
            skip + top
        );
        if let Some(fields) = query.get("$select") {
            next.push_str(&format!("&$select={fields}"));
        }
        body["@odata.nextLink"] = json!(next);
    }
    Json(body).into_response()
}

/// Routes `GET /{v1.0|beta}/…` look-ups.
pub async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    uri: Uri,
    Path(rest): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let now = shared.clock.now();
    let segments: Vec<&str> = rest.trim_matches('/').split('/').collect();
    let read_users = [
        "User.Read.All",
        "User.ReadBasic.All",
        "Directory.Read.All",
        "User.ReadWrite.All",
    ];
    let read_groups = [
        "Group.Read.All",
        "GroupMember.Read.All",
        "Directory.Read.All",
        "Group.ReadWrite.All",
    ];
    let read_teams = [
        "Team.ReadBasic.All",
        "TeamSettings.Read.All",
        "Group.Read.All",
        "Directory.Read.All",
    ];
    let read_channels = [
        "Channel.ReadBasic.All",
        "ChannelSettings.Read.All",
        "Group.Read.All",
        "Directory.Read.All",
    ];
    let users: Vec<Value> = (0..shared.tenant.users.len())
        .filter_map(|i| user_json(&shared, i))
        .collect();
    let all_groups = groups(&shared);
    let find_group = |id: &str| all_groups.iter().find(|g| g["id"] == id).cloned();
    match segments.as_slice() {
        ["me"] => {
            if caller.kind == AccountKind::Application {
                return graph_error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "/me request is only valid with delegated authentication flow.",
                    now,
                );
            }
            match users.iter().find(|u| u["id"] == caller.object_id.as_str()) {
                Some(me) => Json(select(me, &query)).into_response(),
                None => graph_error(
                    StatusCode::NOT_FOUND,
                    "Request_ResourceNotFound",
                    "The signed-in user does not exist.",
                    now,
                ),
            }
        }
        ["users"] if has_any(&caller, &read_users) => page(&shared, &uri, &users, &query),
        ["users", id] if has_any(&caller, &read_users) || (caller.object_id == *id) => match users
            .iter()
            .find(|u| u["id"] == *id || u["userPrincipalName"] == *id)
        {
            Some(user) => Json(select(user, &query)).into_response(),
            None => graph_error(
                StatusCode::NOT_FOUND,
                "Request_ResourceNotFound",
                &format!(
                    "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
                ),
                now,
            ),
        },
        ["groups"] if has_any(&caller, &read_groups) => page(&shared, &uri, &all_groups, &query),
        ["groups", id] if has_any(&caller, &read_groups) => find_group(id).map_or_else(
            || missing(&shared, id),
            |g| Json(select(&g, &query)).into_response(),
        ),
        ["groups", id, relation @ ("members" | "owners")] if has_any(&caller, &read_groups) => {
            match find_group(id) {
                Some(group) => page(
                    &shared,
                    &uri,
                    group[*relation]
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or_default(),
                    &query,
                ),
                None => missing(&shared, id),
            }
        }
        ["teams"] if has_any(&caller, &read_teams) => {
            let teams: Vec<Value> = all_groups.iter().filter(|g| g["resourceProvisioningOptions"][0] == "Team").map(|g| json!({ "id": g["id"], "displayName": g["displayName"], "description": g["description"] })).collect();
            page(&shared, &uri, &teams, &query)
        }
        ["teams", id, "channels"] if has_any(&caller, &read_channels) => {
            match find_group(id).filter(|g| g["resourceProvisioningOptions"][0] == "Team") {
                Some(team) => page(
                    &shared,
                    &uri,
                    team["channels"]
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or_default(),
                    &query,
                ),
                None => missing(&shared, id),
            }
        }
        ["users" | "groups" | "teams", ..] => denied(&shared),
        _ => graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!(
                "Resource not found for the segment '{}'.",
                segments.first().unwrap_or(&"")
            ),
            now,
        ),
    }
}

fn missing(shared: &Shared, id: &str) -> Response {
    graph_error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        &format!(
            "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
        ),
        shared.clock.now(),
    )
}
