//! Which folders a mailbox-wide subscription is read in: Graph has no mailbox-wide delta for
//! messages or contacts, only one per folder, so every folder is listed first (child folders
//! included) and each gets its own delta link.

use studio_graph::GraphClient;

use crate::error::CoreError;

/// Mail folders read at most for one mailbox (a deeper or wider tree is cut).
pub const MAX_MAIL_FOLDERS: usize = 2_000;

/// Every mail folder of a mailbox, child folders included: `{user}/mailFolders` lists only the
/// top level, so each folder with child folders (`childFolderCount`, or unknown) has its
/// `childFolders` listed in turn, breadth first, at most [`MAX_MAIL_FOLDERS`].
pub async fn mail_folders(
    client: &GraphClient,
    api: studio_catalog::model::ApiVersion,
    user: &str,
) -> Result<Vec<String>, CoreError> {
    let graph = |e| CoreError::graph(e, &studio_graph::HintContext::default());
    let select = "?$select=id,childFolderCount";
    let mut found: Vec<String> = Vec::new();
    let mut pending = std::collections::VecDeque::from([format!("{user}/mailFolders{select}")]);
    while let Some(listing) = pending.pop_front() {
        let left = MAX_MAIL_FOLDERS.saturating_sub(found.len());
        if left == 0 {
            tracing::warn!(
                user,
                "more mail folders than are read: the rest are not reconciled"
            );
            break;
        }
        for folder in client.list(api, &listing, left).await.map_err(graph)? {
            let Some(id) = folder["id"].as_str() else {
                continue;
            };
            if found.iter().any(|f| f == id) {
                continue;
            }
            if folder["childFolderCount"].as_u64().is_none_or(|n| n > 0) {
                pending.push_back(format!("{user}/mailFolders/{id}/childFolders{select}"));
            }
            found.push(id.to_owned());
        }
    }
    Ok(found)
}

/// Every contact folder of a mailbox: the default Contacts folder (the parent of the folders
/// `{user}/contactFolders` lists, or of a contact in `{user}/contacts` when it has none) and
/// every folder inside it, child folders included, at most [`MAX_MAIL_FOLDERS`].
pub async fn contact_folders(
    client: &GraphClient,
    api: studio_catalog::model::ApiVersion,
    user: &str,
    kept_keys: &[String],
) -> Result<Vec<String>, CoreError> {
    let graph = |e| CoreError::graph(e, &studio_graph::HintContext::default());
    let select = "?$select=id,parentFolderId";
    let top = client
        .list(
            api,
            &format!("{user}/contactFolders{select}"),
            MAX_MAIL_FOLDERS,
        )
        .await
        .map_err(graph)?;
    let parent_of = |items: &[serde_json::Value]| {
        items
            .iter()
            .find_map(|i| i["parentFolderId"].as_str().filter(|p| !p.is_empty()))
            .map(str::to_owned)
    };
    let default = match parent_of(&top) {
        Some(id) => Some(id),
        None => parent_of(
            &client
                .list(
                    api,
                    &format!("{user}/contacts?$top=1&$select=parentFolderId"),
                    1,
                )
                .await
                .map_err(graph)?,
        ),
    };
    // No folder and no contact name it (the last contacts were deleted): the folders read
    // before still tell, those that still exist (the default one cannot be deleted).
    let mut found: Vec<String> = match default {
        Some(id) => vec![id],
        None if top.is_empty() => still_there(client, api, user, kept_keys).await,
        None => Vec::new(),
    };
    let mut pending: std::collections::VecDeque<serde_json::Value> = top.into();
    while let Some(folder) = pending.pop_front() {
        let Some(id) = folder["id"].as_str() else {
            continue;
        };
        if found.len() >= MAX_MAIL_FOLDERS || found.iter().any(|f| f == id) {
            continue;
        }
        found.push(id.to_owned());
        let children = client
            .list(
                api,
                &format!("{user}/contactFolders/{id}/childFolders{select}"),
                MAX_MAIL_FOLDERS,
            )
            .await
            .map_err(graph)?;
        pending.extend(children);
    }
    Ok(found)
}

/// The contact folders named by a subscription's kept delta links that still answer.
async fn still_there(
    client: &GraphClient,
    api: studio_catalog::model::ApiVersion,
    user: &str,
    kept_keys: &[String],
) -> Vec<String> {
    let prefix = format!("{user}/contactFolders/");
    let mut found = Vec::new();
    for key in kept_keys {
        let Some(id) = key
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix("/contacts/delta"))
        else {
            continue;
        };
        let path = format!("{prefix}{id}?$select=id");
        if client
            .send(reqwest::Method::GET, api, &path, None)
            .await
            .is_ok()
        {
            found.push(id.to_owned());
        }
    }
    found
}
