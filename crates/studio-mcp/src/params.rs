//! The tools' arguments, as agents see them: each field described, typed and bounded in the JSON
//! Schema the server lists (schemars), and bounded again when read ([`Bounded`]), because a client
//! may send anything. Unknown fields are refused so a misspelt option is never silently ignored.
//!
//! An argument that breaks these rules is an input validation error, which the MCP specification
//! (2025-11-25, SEP-1303) and rmcp report as a tool error flagged `isError`, saying what is wrong,
//! so the model can correct its call; an unknown tool is a protocol error.

use rmcp::model::{CallToolResult, ContentBlock};
use schemars::JsonSchema;
use serde::Deserialize;

/// The longest resource string or URL accepted.
pub const URL_MAX: usize = 2048;
/// The longest search text or account name accepted.
pub const WORDS_MAX: usize = 200;
/// The largest replacement body a replay accepts (1 MiB).
pub const BODY_MAX: usize = 1024 * 1024;

/// A change type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Change {
    /// A new item.
    Created,
    /// An item edited.
    Updated,
    /// An item removed.
    Deleted,
}

impl From<Change> for studio_core::subscriptions::trigger::ChangeKind {
    fn from(change: Change) -> Self {
        use studio_core::subscriptions::trigger::ChangeKind;
        match change {
            Change::Created => ChangeKind::Created,
            Change::Updated => ChangeKind::Updated,
            Change::Deleted => ChangeKind::Deleted,
        }
    }
}

impl Change {
    /// Graph's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Updated => "updated",
            Change::Deleted => "deleted",
        }
    }
}

/// Who creates a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    /// A user of a work or school account, signed in (delegated).
    DelegatedWork,
    /// A user of a personal Microsoft account (delegated).
    DelegatedPersonal,
    /// An app registration on its own (application permissions).
    Application,
}

impl From<Kind> for studio_catalog::model::AccountKind {
    fn from(kind: Kind) -> Self {
        use studio_catalog::model::AccountKind;
        match kind {
            Kind::DelegatedWork => AccountKind::DelegatedWork,
            Kind::DelegatedPersonal => AccountKind::DelegatedPersonal,
            Kind::Application => AccountKind::Application,
        }
    }
}

/// What kind of reception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Arrival {
    /// Change notifications.
    Notification,
    /// Lifecycle notifications (subscriptionRemoved, reauthorizationRequired, missed).
    Lifecycle,
    /// Validation handshakes.
    Validation,
    /// Requests to unknown paths.
    Unexpected,
    /// Requests the receiver refused.
    Rejected,
}

impl From<Arrival> for studio_receiver::ReceptionKind {
    fn from(arrival: Arrival) -> Self {
        use studio_receiver::ReceptionKind;
        match arrival {
            Arrival::Notification => ReceptionKind::Notification,
            Arrival::Lifecycle => ReceptionKind::Lifecycle,
            Arrival::Validation => ReceptionKind::Validation,
            Arrival::Unexpected => ReceptionKind::Unexpected,
            Arrival::Rejected => ReceptionKind::Rejected,
        }
    }
}

/// The change types as Graph's `changeType` (`created,updated`).
pub fn joined(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// `catalog_search`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = absent_not_null)]
pub struct CatalogSearch {
    /// Words to find in resource names, workloads, Graph entity types and paths, e.g. "teams
    /// chat", "calendar" or "/me/events". Empty: every resource.
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub query: String,
    /// At most this many resources (default 10, at most 50).
    #[serde(default)]
    #[schemars(range(min = 1, max = 50))]
    pub limit: Option<u32>,
}

/// `catalog_check`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = absent_not_null)]
pub struct CatalogCheck {
    /// The subscription's resource, e.g. `/me/mailFolders('inbox')/messages`,
    /// `/me/messages?$select=subject,from` or `/teams/{team-id}/channels/{channel-id}/messages`.
    #[schemars(length(min = 1, max = 2048))]
    pub resource: String,
    /// The change types (default: every one the resource takes, as `subscription_create`).
    #[serde(default)]
    #[schemars(length(min = 1, max = 3))]
    pub change_types: Option<Vec<Change>>,
    /// Minutes until the subscription expires (default: the longest the resource allows).
    #[serde(default)]
    #[schemars(range(min = 1, max = 525_600))]
    pub expiration_minutes: Option<u32>,
    /// Rich notifications: the changed resource, encrypted, inside each notification.
    #[serde(default)]
    pub include_resource_data: bool,
    /// Ask for lifecycle notifications (default true; Graph requires them above an hour for
    /// some resources).
    #[serde(default)]
    pub lifecycle_notifications: Option<bool>,
    /// Who will create it; without it, the permissions are given for every kind.
    #[serde(default)]
    pub account_kind: Option<Kind>,
}

/// `subscriptions_list`, `accounts`-scoped reads.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = absent_not_null)]
pub struct AccountChoice {
    /// The account: its id, name or a unique prefix (default: the account in use).
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub account: Option<String>,
}

/// `sandbox_account_add`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = absent_not_null)]
pub struct SandboxUser {
    /// The sandbox user to sign in as, e.g. `alex@sandbox.onmicrosoft.com` (default: adele).
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub user: Option<String>,
}

/// `subscription_create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = absent_not_null)]
pub struct SubscriptionCreate {
    /// The resource to watch, e.g. `/me/messages` (see `catalog_search` and `catalog_check`).
    #[schemars(length(min = 1, max = 2048))]
    pub resource: String,
    /// The change types (default: every one the resource takes).
    #[serde(default)]
    #[schemars(length(min = 1, max = 3))]
    pub change_types: Option<Vec<Change>>,
    /// Minutes until it expires (default: the longest the resource allows).
    #[serde(default)]
    #[schemars(range(min = 1, max = 525_600))]
    pub expiration_minutes: Option<u32>,
    /// Rich notifications (a certificate is made if needed; each item is decrypted on arrival).
    #[serde(default)]
    pub include_resource_data: bool,
    /// Ask for lifecycle notifications (default true).
    #[serde(default)]
    pub lifecycle_notifications: Option<bool>,
    /// The account: its id, name or a unique prefix (default: the account in use).
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub account: Option<String>,
}

/// `subscription_renew`, `subscription_delete`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = absent_not_null)]
pub struct SubscriptionTarget {
    /// The subscription's id.
    #[schemars(length(min = 1, max = 200))]
    pub id: String,
    /// The account: its id, name or a unique prefix (default: the account in use).
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub account: Option<String>,
}

/// `trigger_change`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = absent_not_null)]
pub struct TriggerChange {
    /// The resource a subscription watches, e.g. `/me/messages`.
    #[schemars(length(min = 1, max = 2048))]
    pub resource: String,
    /// Which change (default: created).
    #[serde(default)]
    pub change: Option<Change>,
    /// The account: its id, name or a unique prefix (default: the account in use).
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub account: Option<String>,
}

/// `receptions_search`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = absent_not_null)]
pub struct ReceptionsSearch {
    /// Words or word beginnings to find in items, resources, headers and paths (e.g. a
    /// subscription id, "created", "messages").
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub text: Option<String>,
    /// Only this kind (default: every kind).
    #[serde(default)]
    pub kind: Option<Arrival>,
    /// Only receptions newer than this id (the `newestId` of an earlier answer).
    #[serde(default)]
    pub after: Option<i64>,
    /// Only receptions older than this id (the next page).
    #[serde(default)]
    pub before: Option<i64>,
    /// At most this many, newest first (default 10, at most 50).
    #[serde(default)]
    #[schemars(range(min = 1, max = 50))]
    pub limit: Option<u32>,
    /// Wait up to this many seconds (at most 50, under clients' usual 60 s request timeout) for
    /// a matching reception whose checks are done, when there is none yet: use it right after
    /// `trigger_change`, with `after`.
    #[serde(default)]
    #[schemars(range(max = 50))]
    pub wait_seconds: Option<u32>,
}

/// `reception_get`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = absent_not_null)]
pub struct ReceptionGet {
    /// The reception's id (from `receptions_search`).
    pub id: i64,
    /// Take its validation tokens apart, check by check (default true; may fetch signing keys).
    #[serde(default)]
    pub include_tokens: Option<bool>,
}

/// `replay`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(transform = absent_not_null)]
pub struct Replay {
    /// The reception's id.
    pub id: i64,
    /// Where to send it (default: the forwarding target in Settings). Anything but that target
    /// or this app's own receiver needs the server started with `--allow-writes`.
    #[serde(default)]
    #[schemars(length(max = 2048))]
    pub url: Option<String>,
    /// A body to send instead of the stored one (at most 1 MiB).
    #[serde(default)]
    pub body: Option<String>,
}

/// An optional argument is one left out, not one sent as `null`: each property's schema gets a
/// single type (`["integer", "null"]` becomes `integer`, `anyOf [X, null]` becomes X) and no
/// `default: null`, which clients that map tool schemas onto a one-type dialect (the official
/// Inspector's `--strict` check names Gemini's) would otherwise reject or mangle.
pub fn absent_not_null(schema: &mut schemars::Schema) {
    let Some(properties) = schema
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    for property in properties.values_mut() {
        let Some(property) = property.as_object_mut() else {
            continue;
        };
        if property
            .get("default")
            .is_some_and(serde_json::Value::is_null)
        {
            property.remove("default");
        }
        if let Some(serde_json::Value::Array(types)) = property.get("type") {
            let kept: Vec<_> = types.iter().filter(|t| *t != "null").cloned().collect();
            if let [one] = kept.as_slice() {
                property.insert("type".to_owned(), one.clone());
            }
        }
        if let Some(serde_json::Value::Array(branches)) = property.get("anyOf") {
            let kept: Vec<_> = branches
                .iter()
                .filter(|b| b.get("type").is_none_or(|t| t != "null"))
                .cloned()
                .collect();
            if let [serde_json::Value::Object(one)] = kept.as_slice() {
                let one = one.clone();
                property.remove("anyOf");
                for (key, value) in one {
                    property.entry(key).or_insert(value);
                }
            }
        }
    }
}

/// Checks what JSON Schema cannot make a client respect.
pub trait Bounded {
    /// A tool error naming the field, when out of bounds.
    fn bounded(&self) -> Result<(), CallToolResult>;
}

/// `field` holds at most `max` bytes.
pub fn at_most(field: &str, text: &str, max: usize) -> Result<(), CallToolResult> {
    if text.len() > max {
        return Err(CallToolResult::error(vec![ContentBlock::text(format!(
            "invalid arguments: `{field}` is longer than {max} bytes."
        ))]));
    }
    Ok(())
}

fn optional(field: &str, text: Option<&String>, max: usize) -> Result<(), CallToolResult> {
    text.map_or(Ok(()), |t| at_most(field, t, max))
}

impl Bounded for CatalogSearch {
    fn bounded(&self) -> Result<(), CallToolResult> {
        at_most("query", &self.query, WORDS_MAX)
    }
}

/// At most one of each change type.
fn changes(list: Option<&Vec<Change>>) -> Result<(), CallToolResult> {
    match list {
        Some(list) if list.len() > 3 => Err(CallToolResult::error(vec![ContentBlock::text(
            "invalid arguments: `changeTypes` names each change type at most once.",
        )])),
        _ => Ok(()),
    }
}

impl Bounded for CatalogCheck {
    fn bounded(&self) -> Result<(), CallToolResult> {
        at_most("resource", &self.resource, URL_MAX)?;
        changes(self.change_types.as_ref())
    }
}

impl Bounded for AccountChoice {
    fn bounded(&self) -> Result<(), CallToolResult> {
        optional("account", self.account.as_ref(), WORDS_MAX)
    }
}

impl Bounded for SandboxUser {
    fn bounded(&self) -> Result<(), CallToolResult> {
        optional("user", self.user.as_ref(), WORDS_MAX)
    }
}

impl Bounded for SubscriptionCreate {
    fn bounded(&self) -> Result<(), CallToolResult> {
        at_most("resource", &self.resource, URL_MAX)?;
        changes(self.change_types.as_ref())?;
        optional("account", self.account.as_ref(), WORDS_MAX)
    }
}

impl Bounded for SubscriptionTarget {
    fn bounded(&self) -> Result<(), CallToolResult> {
        at_most("id", &self.id, WORDS_MAX)?;
        optional("account", self.account.as_ref(), WORDS_MAX)
    }
}

impl Bounded for TriggerChange {
    fn bounded(&self) -> Result<(), CallToolResult> {
        at_most("resource", &self.resource, URL_MAX)?;
        optional("account", self.account.as_ref(), WORDS_MAX)
    }
}

impl Bounded for ReceptionsSearch {
    fn bounded(&self) -> Result<(), CallToolResult> {
        optional("text", self.text.as_ref(), WORDS_MAX)
    }
}

impl Bounded for ReceptionGet {
    fn bounded(&self) -> Result<(), CallToolResult> {
        Ok(())
    }
}

impl Bounded for Replay {
    fn bounded(&self) -> Result<(), CallToolResult> {
        optional("url", self.url.as_ref(), URL_MAX)?;
        optional("body", self.body.as_ref(), BODY_MAX)
    }
}
