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
    let select = "?$select=id,childFolderCount";
    let top = client
        .list(
            api,
            &format!("{user}/mailFolders{select}"),
            MAX_MAIL_FOLDERS,
        )
        .await
        .map_err(graph)?;
    walk(client, api, user, Vec::new(), top, |id, folder| {
        folder["childFolderCount"]
            .as_u64()
            .is_none_or(|n| n > 0)
            .then(|| format!("{user}/mailFolders/{id}/childFolders{select}"))
    })
    .await
}

/// Graph's failure as the app says it.
fn graph(error: studio_graph::GraphError) -> CoreError {
    CoreError::graph(error, &studio_graph::HintContext::default())
}

/// The ids of `known` and of the folders in `first` and below, breadth first, each once, at most
/// [`MAX_MAIL_FOLDERS`]: a folder's children are listed where `children` names a listing for
/// it (by its id and its listed JSON).
async fn walk(
    client: &GraphClient,
    api: studio_catalog::model::ApiVersion,
    user: &str,
    known: Vec<String>,
    first: Vec<serde_json::Value>,
    children: impl Fn(&str, &serde_json::Value) -> Option<String>,
) -> Result<Vec<String>, CoreError> {
    let mut seen: std::collections::HashSet<String> = known.iter().cloned().collect();
    let mut found = known;
    let mut pending: std::collections::VecDeque<serde_json::Value> = first.into();
    while let Some(folder) = pending.pop_front() {
        let Some(id) = folder["id"].as_str() else {
            continue;
        };
        if found.len() >= MAX_MAIL_FOLDERS {
            tracing::warn!(
                user,
                "more folders than are read: the rest are not reconciled"
            );
            break;
        }
        if !seen.insert(id.to_owned()) {
            continue;
        }
        found.push(id.to_owned());
        if let Some(listing) = children(id, &folder) {
            let left = MAX_MAIL_FOLDERS.saturating_sub(found.len()).max(1);
            pending.extend(client.list(api, &listing, left).await.map_err(graph)?);
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
    let found: Vec<String> = match default {
        Some(id) => vec![id],
        None if top.is_empty() => still_there(client, api, user, kept_keys)
            .await
            .map_err(graph)?,
        None => Vec::new(),
    };
    let select_children = |id: &str, _: &serde_json::Value| {
        Some(format!("{user}/contactFolders/{id}/childFolders{select}"))
    };
    walk(client, api, user, found, top, select_children).await
}

/// The contact folders named by a subscription's kept delta links that still exist. Only Graph's
/// 404 says a folder is gone: any other failure (throttling, a lapsed token, the network) is the
/// caller's, not a folder quietly left out of the reconciliation.
async fn still_there(
    client: &GraphClient,
    api: studio_catalog::model::ApiVersion,
    user: &str,
    kept_keys: &[String],
) -> Result<Vec<String>, studio_graph::GraphError> {
    let mut found = Vec::new();
    for key in kept_keys {
        let Some(id) = studio_catalog::catching_up::contact_folder_of(user, key) else {
            continue;
        };
        let path = format!("{user}/contactFolders/{id}?$select=id");
        match client.send(reqwest::Method::GET, api, &path, None).await {
            Ok(_) => found.push(id.to_owned()),
            Err(error) if error.status() == Some(404) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(found)
}
