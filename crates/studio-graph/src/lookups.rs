//! Look-ups that fill the catalog's placeholders (`{user-id}`, `{team-id}`, `{chat-id}`, …):
//! the things an account can see, as id + label, so users pick instead of pasting GUIDs.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use studio_catalog::model::ApiVersion;
use ts_rs::TS;

use crate::client::GraphClient;
use crate::error::GraphError;

/// What can be looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum LookupKind {
    /// `/users`.
    Users,
    /// `/groups`.
    Groups,
    /// `/teams`.
    Teams,
    /// `/teams/{team}/channels` (needs the team).
    Channels,
    /// `/chats` (app-only) or `/me/chats` (delegated).
    Chats,
    /// A mailbox's folders (the signed-in user's, or the given user's).
    MailFolders,
    /// `/drives` (app-only) or `/me/drives`.
    Drives,
    /// `/sites?search=*`.
    Sites,
    /// `/sites/{site}/lists` (needs the site).
    Lists,
    /// A user's To Do lists.
    TodoLists,
    /// `/print/printers`.
    Printers,
}

impl LookupKind {
    /// The look-up that fills a catalog placeholder, by its name.
    pub fn for_placeholder(name: &str) -> Option<LookupKind> {
        Some(match name {
            "user-id" | "user-id-list" => LookupKind::Users,
            "group-id" => LookupKind::Groups,
            "team-id" => LookupKind::Teams,
            "channel-id" => LookupKind::Channels,
            "chat-id" => LookupKind::Chats,
            "mail-folder-id" => LookupKind::MailFolders,
            "drive-id" => LookupKind::Drives,
            "site-id" => LookupKind::Sites,
            "list-id" => LookupKind::Lists,
            "todo-task-list-id" => LookupKind::TodoLists,
            "printer-id" => LookupKind::Printers,
            _ => return None,
        })
    }
}

/// One thing to pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LookupItem {
    /// What goes into the path.
    pub id: String,
    /// What people recognise.
    pub label: String,
    /// A second line (a UPN, a mail address, a chat type).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The most items one look-up reads.
pub const LOOKUP_LIMIT: usize = 500;

fn first(item: &Value, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| {
        item[*n]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    })
}

fn segment(text: &str) -> Result<&str, GraphError> {
    if !text.is_empty() && !text.contains(['/', '?', '#', '\\']) && text.len() <= 512 {
        Ok(text)
    } else {
        Err(GraphError::Decode(format!(
            "'{}' cannot be part of a path",
            text.chars().take(64).collect::<String>()
        )))
    }
}

impl GraphClient {
    /// Lists what can fill a placeholder. `parent` is the team (channels), the site (lists) or
    /// the user (mail folders and To Do lists of app-only accounts); `delegated` picks `/me` forms.
    pub async fn lookup(
        &self,
        kind: LookupKind,
        parent: Option<&str>,
        delegated: bool,
    ) -> Result<Vec<LookupItem>, GraphError> {
        let owner = |what: &str| -> Result<String, GraphError> {
            match (parent, delegated) {
                (Some(user), _) => Ok(format!("/users/{}/{what}", segment(user)?)),
                (None, true) => Ok(format!("/me/{what}")),
                (None, false) => Err(GraphError::Decode(
                    "choose a user first: app-only accounts have no /me".into(),
                )),
            }
        };
        let needs = |what: &str| {
            parent
                .ok_or_else(|| GraphError::Decode(format!("choose a {what} first")))
                .and_then(segment)
        };
        let path = match kind {
            LookupKind::Users => {
                "/users?$select=id,displayName,userPrincipalName&$top=100".to_owned()
            }
            LookupKind::Groups => "/groups?$select=id,displayName,mail&$top=100".to_owned(),
            LookupKind::Teams => "/teams?$select=id,displayName,description".to_owned(),
            LookupKind::Channels => format!(
                "/teams/{}/channels?$select=id,displayName,membershipType",
                needs("team")?
            ),
            LookupKind::Chats if delegated => "/me/chats?$select=id,topic,chatType".to_owned(),
            LookupKind::Chats => "/chats?$select=id,topic,chatType".to_owned(),
            LookupKind::MailFolders => owner("mailFolders?$select=id,displayName")?,
            LookupKind::Drives if delegated => "/me/drives".to_owned(),
            LookupKind::Drives => "/drives".to_owned(),
            LookupKind::Sites => "/sites?search=*".to_owned(),
            LookupKind::Lists => format!("/sites/{}/lists?$select=id,displayName", needs("site")?),
            LookupKind::TodoLists => owner("todo/lists")?,
            LookupKind::Printers => "/print/printers?$select=id,displayName".to_owned(),
        };
        let items = self.list(ApiVersion::V1, &path, LOOKUP_LIMIT).await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let id = first(item, &["id"])?;
                Some(LookupItem {
                    label: first(item, &["displayName", "topic", "name", "title"])
                        .unwrap_or_else(|| id.clone()),
                    detail: first(
                        item,
                        &[
                            "userPrincipalName",
                            "mail",
                            "chatType",
                            "membershipType",
                            "webUrl",
                            "driveType",
                        ],
                    ),
                    id,
                })
            })
            .collect())
    }
}
