//! Which folders a mailbox-wide subscription is read in: Graph has no mailbox-wide delta for
//! messages or contacts, only one per folder, so every folder is listed first (child folders
//! included) and each gets its own delta link.

use studio_graph::GraphClient;

use crate::error::CoreError;

/// Mail folders read at most for one mailbox (a deeper or wider tree is cut).
pub const MAX_MAIL_FOLDERS: usize = 2_000;

/// The folders found, and whether there were more than are read.
#[derive(Debug, Default)]
pub struct Folders {
    /// Their ids, breadth first.
    pub ids: Vec<String>,
    /// More than [`MAX_MAIL_FOLDERS`] were found: the rest are not read.
    pub cut: bool,
}

/// Every mail folder of a mailbox, child folders included: `{user}/mailFolders` lists only the
/// top level, so each folder with child folders (`childFolderCount`, or unknown) has its
/// `childFolders` listed in turn, breadth first, at most [`MAX_MAIL_FOLDERS`].
pub async fn mail_folders(
    client: &GraphClient,
    api: studio_catalog::model::ApiVersion,
    user: &str,
) -> Result<Folders, CoreError> {
    let select = "?$select=id,childFolderCount";
    let top = client
        .list(
            api,
            &format!("{user}/mailFolders{select}"),
            // One more than are read: enough to tell that there were more.
            MAX_MAIL_FOLDERS + 1,
        )
        .await
        .map_err(graph)?;
    let children = |id: &str, folder: &serde_json::Value| {
        folder["childFolderCount"]
            .as_u64()
            .is_none_or(|n| n > 0)
            .then(|| format!("{user}/mailFolders/{id}/childFolders{select}"))
    };
    walk(
        lister(client, api),
        MAX_MAIL_FOLDERS,
        Vec::new(),
        top,
        children,
    )
    .await
}

/// Graph's failure as the app says it.
fn graph(error: studio_graph::GraphError) -> CoreError {
    CoreError::graph(error, &studio_graph::HintContext::default())
}

/// A listing of a collection (its path), at most so many items.
type Listed = Result<Vec<serde_json::Value>, CoreError>;

/// Graph's listing of a collection.
#[allow(
    clippy::needless_lifetimes,
    reason = "the boxed future borrows the client: the compiler needs its lifetime named"
)]
fn lister<'c>(
    client: &'c GraphClient,
    api: studio_catalog::model::ApiVersion,
) -> impl Fn(String, usize) -> std::pin::Pin<Box<dyn Future<Output = Listed> + Send + 'c>> {
    move |path: String, most: usize| {
        Box::pin(async move { client.list(api, &path, most).await.map_err(graph) })
    }
}

/// The ids of `known` and of the folders in `first` and below, breadth first, each once, at most
/// `max`: a folder's children are listed (by `list`) where `children` names a listing for it (by
/// its id and its listed JSON).
async fn walk<Listing: Future<Output = Listed>>(
    list: impl Fn(String, usize) -> Listing,
    max: usize,
    known: Vec<String>,
    first: Vec<serde_json::Value>,
    children: impl Fn(&str, &serde_json::Value) -> Option<String>,
) -> Result<Folders, CoreError> {
    let mut seen: std::collections::HashSet<String> = known.iter().cloned().collect();
    let mut found = known;
    let mut pending: std::collections::VecDeque<serde_json::Value> = first.into();
    while let Some(folder) = pending.pop_front() {
        let Some(id) = folder["id"].as_str() else {
            continue;
        };
        if !seen.insert(id.to_owned()) {
            continue;
        }
        if found.len() >= max {
            tracing::warn!(
                max,
                "more folders than are read: the rest are not reconciled"
            );
            return Ok(Folders {
                ids: found,
                cut: true,
            });
        }
        found.push(id.to_owned());
        if let Some(listing) = children(id, &folder) {
            // One more than fits: enough to tell that there were more.
            let left = max.saturating_sub(found.len()) + 1;
            pending.extend(list(listing, left).await?);
        }
    }
    Ok(Folders {
        ids: found,
        cut: false,
    })
}

/// Every contact folder of a mailbox: the default Contacts folder (the parent of the folders
/// `{user}/contactFolders` lists, or of a contact in `{user}/contacts` when it has none) and
/// every folder inside it, child folders included, at most [`MAX_MAIL_FOLDERS`].
pub async fn contact_folders(
    client: &GraphClient,
    api: studio_catalog::model::ApiVersion,
    user: &str,
    kept_keys: &[String],
) -> Result<Folders, CoreError> {
    let select = "?$select=id,parentFolderId";
    let top = client
        .list(
            api,
            &format!("{user}/contactFolders{select}"),
            // One more than are read: enough to tell that there were more.
            MAX_MAIL_FOLDERS + 1,
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
    walk(
        lister(client, api),
        MAX_MAIL_FOLDERS,
        found,
        top,
        select_children,
    )
    .await
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// A mailbox of `top` folders, each with `each` child folders (named `parent.n`).
    fn mailbox(
        top: usize,
        each: usize,
    ) -> (
        Vec<Value>,
        impl Fn(String, usize) -> std::future::Ready<Listed>,
    ) {
        let first = (0..top).map(|n| json!({"id": format!("f{n}")})).collect();
        let list = move |path: String, most: usize| {
            let parent = path.trim_end_matches("/children").to_owned();
            std::future::ready(Ok((0..each)
                .take(most)
                .map(|n| json!({"id": format!("{parent}.{n}")}))
                .collect()))
        };
        (first, list)
    }

    fn children(id: &str, _: &Value) -> Option<String> {
        (!id.contains('.')).then(|| format!("{id}/children"))
    }

    #[tokio::test]
    async fn a_tree_that_fits_is_read_whole_and_a_larger_one_says_it_was_cut() {
        // 2 + 2×2 = 6 folders.
        let (first, list) = mailbox(2, 2);
        let fits = walk(&list, 6, Vec::new(), first.clone(), children)
            .await
            .expect("walked");
        assert_eq!(fits.ids, ["f0", "f1", "f0.0", "f0.1", "f1.0", "f1.1"]);
        assert!(!fits.cut, "exactly the limit is not cut");

        let cut = walk(&list, 5, Vec::new(), first, children)
            .await
            .expect("walked");
        assert_eq!(cut.ids.len(), 5);
        assert!(cut.cut);
    }

    #[tokio::test]
    async fn a_folder_listed_twice_counts_once() {
        let (mut first, list) = mailbox(1, 0);
        first.push(json!({"id": "f0"}));
        let walked = walk(&list, 1, vec!["f0".into()], first, children)
            .await
            .expect("walked");
        assert_eq!(walked.ids, ["f0"]);
        assert!(!walked.cut, "a repeat is not one more folder");
    }
}
