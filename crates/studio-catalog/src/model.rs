//! The catalog's types, as read from `data/catalog.toml` and as sent to the window.
//!
//! One set of types serves the data file (TOML), the CLI's `--json` and the IPC bindings, so
//! what the tests validate is exactly what users see.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A change a subscription can ask to be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ChangeType {
    /// A new item.
    Created,
    /// A changed item.
    Updated,
    /// A removed item.
    Deleted,
}

impl ChangeType {
    /// Every change type, in Graph's order.
    pub const ALL: [ChangeType; 3] = [
        ChangeType::Created,
        ChangeType::Updated,
        ChangeType::Deleted,
    ];

    /// The wire name (`created`, `updated`, `deleted`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeType::Created => "created",
            ChangeType::Updated => "updated",
            ChangeType::Deleted => "deleted",
        }
    }

    /// Parses a wire name, ignoring case and surrounding spaces.
    pub fn parse(text: &str) -> Option<ChangeType> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// A Graph API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub enum ApiVersion {
    /// The stable endpoint.
    #[serde(rename = "v1.0")]
    V1,
    /// The preview endpoint.
    #[serde(rename = "beta")]
    Beta,
}

impl ApiVersion {
    /// The URL segment.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1.0",
            ApiVersion::Beta => "beta",
        }
    }
}

/// Who a subscription is created as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum AccountKind {
    /// A signed-in work or school user.
    DelegatedWork,
    /// A signed-in personal Microsoft account.
    DelegatedPersonal,
    /// The app itself (client credentials).
    Application,
}

impl AccountKind {
    /// The three kinds, in the order the UI shows them.
    pub const ALL: [AccountKind; 3] = [
        AccountKind::DelegatedWork,
        AccountKind::DelegatedPersonal,
        AccountKind::Application,
    ];

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            AccountKind::DelegatedWork => "Delegated (work or school)",
            AccountKind::DelegatedPersonal => "Delegated (personal account)",
            AccountKind::Application => "Application",
        }
    }

    /// The name used on the command line.
    pub fn cli_name(self) -> &'static str {
        match self {
            AccountKind::DelegatedWork => "work",
            AccountKind::DelegatedPersonal => "personal",
            AccountKind::Application => "app",
        }
    }
}

/// The permissions each account kind needs, least-privileged first; empty means not supported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PermissionSet {
    /// Delegated, work or school account.
    pub delegated_work: Vec<String>,
    /// Delegated, personal Microsoft account.
    pub delegated_personal: Vec<String>,
    /// Application (app-only).
    pub application: Vec<String>,
}

impl PermissionSet {
    /// The raw names for one account kind (RSC ones end with `*`).
    pub fn for_kind(&self, kind: AccountKind) -> &[String] {
        match kind {
            AccountKind::DelegatedWork => &self.delegated_work,
            AccountKind::DelegatedPersonal => &self.delegated_personal,
            AccountKind::Application => &self.application,
        }
    }
}

/// Whether `$select` belongs in the resource of a rich subscription.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SelectRule {
    /// Rich notifications need `$select` (Outlook).
    Required,
    /// `$select` is rejected; every property is sent (Teams).
    Refused,
    /// Either way.
    #[default]
    Optional,
}

/// Rules for notifications that include resource data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RichData {
    /// `includeResourceData` is allowed.
    pub supported: bool,
    /// The `$select` rule.
    #[serde(default)]
    pub select: SelectRule,
    /// An encryption certificate is required even without `includeResourceData`.
    #[serde(default)]
    pub encryption_required: bool,
    /// The most items (e.g. users) one subscription may name.
    #[serde(default)]
    pub max_items: Option<u32>,
    /// Properties `$select` can name, most useful first (the explorer's `$select` builder);
    /// empty where `$select` does not apply.
    #[serde(default)]
    pub properties: Vec<String>,
}

/// Lifecycle notifications a resource gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum LifecycleEvent {
    /// Reauthorize or renew soon.
    ReauthorizationRequired,
    /// The subscription is gone; create a new one.
    SubscriptionRemoved,
    /// Some notifications were lost; resync.
    Missed,
}

/// Lifecycle rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lifecycle {
    /// `lifecycleNotificationUrl` is required when the expiration is further away than this.
    #[serde(default)]
    pub required_over_minutes: Option<u32>,
    /// The events this resource's lifecycle URL receives.
    pub events: Vec<LifecycleEvent>,
}

/// A request header a resource understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpecialHeader {
    /// Header name.
    pub name: String,
    /// Header value.
    pub value: String,
    /// What it does.
    pub why: String,
}

/// An older documented limit, shown as history, never enforced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LimitHistory {
    /// The older maximum in minutes.
    pub minutes: u32,
    /// Where and when it was documented.
    pub note: String,
}

/// One resource path a subscription's `resource` can name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourcePath {
    /// The template, e.g. `/teams/{team-id}/channels/{channel-id}/messages`.
    pub template: String,
    /// What it watches.
    pub summary: String,
    /// `/me` may stand for `/users/{user-id}` (delegated only).
    #[serde(default)]
    pub me: bool,
    /// API versions, when this path differs from its resource.
    #[serde(default)]
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<Vec<ApiVersion>>,
    /// Why this path should not be used, when it is deprecated.
    #[serde(default)]
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<String>,
    /// Permissions, when this path differs from its resource.
    #[serde(default)]
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<PermissionSet>,
    /// Quotas specific to this path.
    #[serde(default)]
    pub quotas: Vec<String>,
}

/// A subscribable resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resource {
    /// Stable id, e.g. `chatMessage`.
    pub id: String,
    /// Name for people.
    pub name: String,
    /// The Graph entity type.
    pub entity: String,
    /// Workload group: Outlook, Teams, Directory, Files & SharePoint, Security, Print, To Do, Copilot.
    pub workload: String,
    /// The Graph docs page.
    pub docs: String,
    /// One sentence.
    pub description: String,
    /// Change types Graph accepts.
    pub change_types: Vec<ChangeType>,
    /// API versions that accept subscriptions.
    pub api: Vec<ApiVersion>,
    /// Why the whole resource should not be used, when it is deprecated.
    #[serde(default)]
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<String>,
    /// Maximum subscription length in minutes.
    pub max_minutes: u32,
    /// Maximum with `includeResourceData`, when lower.
    #[serde(default)]
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_minutes_rich: Option<u32>,
    /// Older documented maxima.
    #[serde(default)]
    pub history: Vec<LimitHistory>,
    /// Rich-notification rules.
    pub rich: RichData,
    /// Lifecycle rules.
    pub lifecycle: Lifecycle,
    /// Special request headers.
    #[serde(default)]
    pub headers: Vec<SpecialHeader>,
    /// Quotas.
    #[serde(default)]
    pub quotas: Vec<String>,
    /// Anything else worth knowing.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Where each fact comes from (see the data file's header).
    pub sources: Vec<String>,
    /// Permissions for every path unless the path says otherwise.
    pub permissions: PermissionSet,
    /// The resource paths.
    pub paths: Vec<ResourcePath>,
}

impl Resource {
    /// The permissions that apply to one of this resource's paths.
    pub fn permissions_for<'a>(&'a self, path: &'a ResourcePath) -> &'a PermissionSet {
        path.permissions.as_ref().unwrap_or(&self.permissions)
    }

    /// The API versions that apply to one of this resource's paths.
    pub fn api_for<'a>(&'a self, path: &'a ResourcePath) -> &'a [ApiVersion] {
        path.api.as_deref().unwrap_or(&self.api)
    }

    /// The maximum expiration in minutes, with or without resource data.
    pub fn max_minutes_for(&self, include_resource_data: bool) -> u32 {
        match (include_resource_data, self.max_minutes_rich) {
            (true, Some(rich)) => rich.min(self.max_minutes),
            _ => self.max_minutes,
        }
    }
}

/// What a placeholder's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum PlaceholderKind {
    /// One id (GUID, Teams thread id, SharePoint composite id…).
    Id,
    /// Several quoted ids separated by commas.
    IdList,
    /// An OData filter expression.
    Filter,
    /// A URL.
    Url,
    /// A name from a fixed vocabulary.
    Name,
}

/// What a `{…}` in a template stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Placeholder {
    /// The Graph entity it names.
    pub entity: String,
    /// Label for the input field.
    pub label: String,
    /// An example value.
    pub example: String,
    /// The value's shape.
    pub kind: PlaceholderKind,
    /// The look-up (issue #5) that lists candidate values, if any.
    #[serde(default)]
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lookup: Option<String>,
}

/// The whole catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogData {
    /// Data version, bumped on every change to the file.
    pub version: u32,
    /// When the data was last checked against the docs.
    pub reviewed: String,
    /// Delegated permissions that need admin consent.
    pub delegated_admin_consent: Vec<String>,
    /// Every placeholder, by name.
    pub placeholders: BTreeMap<String, Placeholder>,
    /// Every resource.
    pub resources: Vec<Resource>,
}
