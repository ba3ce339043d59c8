//! Checks a proposed subscription against the catalog and returns every problem with its fix.
//!
//! The rules are Graph's (see the data file's sources): the resource must be a subscribable path
//! with its placeholders filled; change types per resource; expiration between the 45-minute
//! floor (Graph raises shorter ones) and the resource's maximum; rich-data, encryption and
//! lifecycle-URL rules; API version; and whether the account kind can subscribe at all.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalog::{Catalog, Resolved, strip_graph_base};
use crate::model::{AccountKind, ApiVersion, ChangeType, SelectRule};

/// Graph raises any expiration below this many minutes to it.
pub const MIN_EXPIRATION_MINUTES: u32 = 45;
/// Longer resource strings are refused before any matching (Graph's URLs stay far below).
pub const MAX_RESOURCE_CHARS: usize = 2_048;
/// Graph's limit on `clientState`.
pub const MAX_CLIENT_STATE_CHARS: usize = 128;

/// A subscription someone is about to create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct Proposal {
    /// The `resource` string.
    pub resource: String,
    /// The change types, as typed (`created`, `updated`, `deleted`).
    pub change_types: Vec<String>,
    /// Minutes from now until `expirationDateTime`.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_minutes: Option<i32>,
    /// `includeResourceData`.
    pub include_resource_data: bool,
    /// An `encryptionCertificate` is set.
    pub has_encryption_certificate: bool,
    /// A `lifecycleNotificationUrl` is set.
    pub has_lifecycle_url: bool,
    /// The `notificationUrl`, if chosen yet.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_url: Option<String>,
    /// The `clientState`, if any.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_state: Option<String>,
    /// Who will create it, if known.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_kind: Option<AccountKind>,
    /// The API version it will be sent to, if known.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<ApiVersion>,
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    /// Graph will refuse the subscription.
    Error,
    /// Graph accepts it, but probably not as meant.
    Warning,
}

/// One thing wrong with a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// The field at fault (`resource`, `changeType`, `expirationDateTime`, …).
    pub field: String,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub fix: String,
}

/// What checking a proposal found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// The catalog path the resource matched, if any.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<Resolved>,
    /// Every problem, errors first.
    pub problems: Vec<Problem>,
    /// For an unknown resource, the closest catalog paths.
    pub nearest: Vec<String>,
}

impl Check {
    /// True when nothing would make Graph refuse it.
    pub fn is_acceptable(&self) -> bool {
        self.problems
            .iter()
            .all(|p| p.severity == Severity::Warning)
    }
}

fn problem(
    field: &str,
    severity: Severity,
    message: impl Into<String>,
    fix: impl Into<String>,
) -> Problem {
    Problem {
        field: field.to_owned(),
        severity,
        message: message.into(),
        fix: fix.into(),
    }
}

/// `1 day`, `3 days`.
fn plural(count: u32, unit: &str) -> String {
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

/// Minutes in words: `4320` → `4,320 minutes (3 days)`.
pub fn describe_minutes(minutes: u32) -> String {
    let grouped = minutes
        .to_string()
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(",");
    let human = if minutes >= 1440 && minutes.is_multiple_of(1440) {
        plural(minutes / 1440, "day")
    } else if minutes >= 1440 {
        format!("{:.1} days", f64::from(minutes) / 1440.0)
    } else if minutes >= 60 && minutes.is_multiple_of(60) {
        plural(minutes / 60, "hour")
    } else if minutes >= 60 {
        format!("{:.1} hours", f64::from(minutes) / 60.0)
    } else {
        return format!("{grouped} minutes");
    };
    format!("{grouped} minutes ({human})")
}

/// Checks a resource string and, when known, the rest of a proposal.
pub fn check(catalog: &Catalog, proposal: &Proposal) -> Check {
    let mut problems = Vec::new();
    let raw = proposal.resource.trim();
    if raw.is_empty() {
        problems.push(problem(
            "resource",
            Severity::Error,
            "The resource is empty.",
            "Pick a resource path from the catalog, e.g. /me/messages.",
        ));
        return Check {
            resolved: None,
            problems,
            nearest: Vec::new(),
        };
    }
    if raw.len() > MAX_RESOURCE_CHARS {
        problems.push(problem(
            "resource",
            Severity::Error,
            format!("The resource is {} characters long.", raw.chars().count()),
            format!("Resource paths are short: keep it under {MAX_RESOURCE_CHARS} characters."),
        ));
        return Check {
            resolved: None,
            problems,
            nearest: Vec::new(),
        };
    }
    if strip_graph_base(raw).len() != raw.len() {
        problems.push(problem(
            "resource",
            Severity::Error,
            "The resource must be relative: Graph rejects a base URL here.",
            format!("Use `{}`.", strip_graph_base(raw)),
        ));
    }
    let Some(resolved) = catalog.resolve(raw) else {
        let nearest = catalog.nearest(raw, 3);
        problems.push(problem(
            "resource",
            Severity::Error,
            format!("`{raw}` is not a subscribable resource."),
            match nearest.first() {
                Some(best) => format!("Did you mean {best}?"),
                None => "Pick a resource path from the catalog.".to_owned(),
            },
        ));
        return Check {
            resolved: None,
            problems,
            nearest,
        };
    };
    let Some((resource, path)) = catalog.path(&resolved.template) else {
        return Check {
            resolved: Some(resolved),
            problems,
            nearest: Vec::new(),
        };
    };

    for (name, value) in &resolved.values {
        if value.starts_with('{') && value.ends_with('}') || value.trim().is_empty() {
            problems.push(problem(
                "resource",
                Severity::Error,
                format!("The placeholder {{{name}}} is not filled in."),
                format!(
                    "Replace it with a real value, e.g. {}.",
                    catalog
                        .data()
                        .placeholders
                        .get(name)
                        .map_or("an id", |p| p.example.as_str())
                ),
            ));
        }
    }
    if let Some(near) = catalog.nearest(raw, 1).into_iter().next() {
        let close = strsim::normalized_levenshtein(
            &resolved.canonical.to_lowercase(),
            &near.to_lowercase(),
        ) >= 0.9;
        let fewer_placeholders = near.matches('{').count() < resolved.template.matches('{').count();
        // `/me/…` is nearest to itself: it names a path, it is not a mistyped one.
        let itself = near.eq_ignore_ascii_case(&resolved.canonical);
        if close && fewer_placeholders && near != resolved.template && !itself {
            let (name, value) = resolved.values.last().cloned().unwrap_or_default();
            problems.push(problem(
                "resource",
                Severity::Warning,
                format!(
                    "`{value}` is read as the {{{name}}} of {}.",
                    resolved.template
                ),
                format!("Did you mean {near}?"),
            ));
        }
    }
    let as_typed = crate::template::normalize(strip_graph_base(raw));
    if as_typed != resolved.canonical && as_typed.eq_ignore_ascii_case(&resolved.canonical) {
        problems.push(problem(
            "resource",
            Severity::Warning,
            "The casing differs from Graph's documentation; some services are case-sensitive.",
            format!("Write `{}`.", resolved.canonical),
        ));
    }
    if let Some(why) = path.deprecated.as_ref().or(resource.deprecated.as_ref()) {
        problems.push(problem(
            "resource",
            Severity::Warning,
            format!("This path is deprecated. {why}"),
            "Use the current path.",
        ));
    }
    if let Some(version) = proposal.api_version {
        let versions = resource.api_for(path);
        if !versions.contains(&version) {
            problems.push(problem(
                "resource",
                Severity::Error,
                format!(
                    "{} subscriptions are not available on /{}.",
                    resource.name,
                    version.as_str()
                ),
                format!(
                    "Send the request to /{}.",
                    versions.first().map_or("beta", |v| v.as_str())
                ),
            ));
        }
    }
    check_change_types(resource, proposal, &mut problems);
    check_rich_and_lifecycle(resource, proposal, raw, &mut problems);
    if let Some(kind) = proposal.account_kind {
        let permissions = resource.permissions_for(path).for_kind(kind);
        if permissions.is_empty() {
            problems.push(problem(
                "account",
                Severity::Error,
                format!(
                    "{} accounts cannot subscribe to {}.",
                    kind.label(),
                    path.template
                ),
                "Use an account kind that lists permissions for this path.",
            ));
        }
        if kind == AccountKind::Application && resolved.uses_me {
            problems.push(problem(
                "resource",
                Severity::Error,
                "/me needs a signed-in user; app-only tokens have none.",
                "Write /users/{id} instead of /me.",
            ));
        }
    }
    if let Some(url) = &proposal.notification_url {
        match crate::targets::DeliveryTarget::parse(url) {
            Ok(target) => {
                for warning in target.warnings() {
                    problems.push(problem(
                        "notificationUrl",
                        Severity::Warning,
                        warning,
                        "Check the host against the Azure portal.",
                    ));
                }
            }
            Err(why) => problems.push(problem(
                "notificationUrl",
                Severity::Error,
                why,
                "Use the tunnel's https:// URL, or build an Event Hubs or Event Grid target.",
            )),
        }
    }
    if let Some(state) = &proposal.client_state
        && state.chars().count() > MAX_CLIENT_STATE_CHARS
    {
        {
            problems.push(problem(
                "clientState",
                Severity::Error,
                format!("clientState is {} characters long.", state.chars().count()),
                format!("Keep it to {MAX_CLIENT_STATE_CHARS} characters."),
            ));
        }
    }
    problems.sort_by_key(|p| p.severity != Severity::Error);
    Check {
        resolved: Some(resolved),
        problems,
        nearest: Vec::new(),
    }
}

fn check_change_types(
    resource: &crate::model::Resource,
    proposal: &Proposal,
    problems: &mut Vec<Problem>,
) {
    let allowed = resource
        .change_types
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if proposal.change_types.is_empty() {
        problems.push(problem(
            "changeType",
            Severity::Error,
            "No change type is chosen.",
            format!("Choose from: {allowed}."),
        ));
    }
    let mut seen = Vec::new();
    for typed in &proposal.change_types {
        match ChangeType::parse(typed) {
            None => problems.push(problem(
                "changeType",
                Severity::Error,
                format!("`{typed}` is not a change type."),
                format!("Choose from: {allowed}."),
            )),
            Some(change) if seen.contains(&change) => problems.push(problem(
                "changeType",
                Severity::Warning,
                format!("`{typed}` is listed twice."),
                "List each change type once.",
            )),
            Some(change) => {
                seen.push(change);
                if !resource.change_types.contains(&change) {
                    problems.push(problem(
                        "changeType",
                        Severity::Error,
                        format!("{} does not support `{}`.", resource.name, change.as_str()),
                        format!("Choose from: {allowed}."),
                    ));
                }
            }
        }
    }
}

fn check_rich_and_lifecycle(
    resource: &crate::model::Resource,
    proposal: &Proposal,
    raw: &str,
    problems: &mut Vec<Problem>,
) {
    let has_select = raw.to_ascii_lowercase().contains("$select=");
    if proposal.include_resource_data {
        if !resource.rich.supported {
            problems.push(problem(
                "includeResourceData",
                Severity::Error,
                format!(
                    "{} notifications cannot include resource data.",
                    resource.name
                ),
                "Turn includeResourceData off and fetch the item when notified.",
            ));
        } else {
            if !proposal.has_encryption_certificate {
                problems.push(problem("encryptionCertificate", Severity::Error, "Rich notifications need an encryptionCertificate (and encryptionCertificateId).", "Attach a certificate: its public key encrypts the resource data."));
            }
            match resource.rich.select {
                SelectRule::Required if !has_select => problems.push(problem(
                    "resource",
                    Severity::Error,
                    format!(
                        "{} rich notifications need $select in the resource.",
                        resource.name
                    ),
                    "Add ?$select=… with the properties you need, e.g. ?$select=subject,from.",
                )),
                SelectRule::Refused if has_select => problems.push(problem(
                    "resource",
                    Severity::Error,
                    format!(
                        "{} does not accept $select; every property is sent.",
                        resource.name
                    ),
                    "Remove $select from the resource.",
                )),
                _ => {}
            }
        }
    }
    if resource.rich.encryption_required && !proposal.has_encryption_certificate {
        problems.push(problem(
            "encryptionCertificate",
            Severity::Error,
            format!(
                "{} subscriptions always need an encryptionCertificate.",
                resource.name
            ),
            "Attach a certificate and set includeResourceData.",
        ));
    }
    let max = resource.max_minutes_for(proposal.include_resource_data);
    if let Some(minutes) = proposal.expires_in_minutes {
        if minutes <= 0 {
            problems.push(problem(
                "expirationDateTime",
                Severity::Error,
                "The expiration is in the past.",
                format!("Choose up to {} from now.", describe_minutes(max)),
            ));
        } else if i64::from(minutes) > i64::from(max) {
            let rich = if proposal.include_resource_data && resource.max_minutes_rich.is_some() {
                " with resource data"
            } else {
                ""
            };
            problems.push(problem(
                "expirationDateTime",
                Severity::Error,
                format!(
                    "{} subscriptions{rich} last at most {}.",
                    resource.name,
                    describe_minutes(max)
                ),
                format!("Choose {} or less.", describe_minutes(max)),
            ));
        } else if i64::from(minutes) < i64::from(MIN_EXPIRATION_MINUTES) {
            problems.push(problem(
                "expirationDateTime",
                Severity::Warning,
                format!(
                    "Graph raises expirations below 45 minutes to 45 minutes; {minutes} was asked."
                ),
                "Ask for 45 minutes or more.",
            ));
        }
        if let Some(limit) = resource.lifecycle.required_over_minutes
            && i64::from(minutes) > i64::from(limit)
            && !proposal.has_lifecycle_url
        {
            {
                problems.push(problem("lifecycleNotificationUrl", Severity::Error, "lifecycleNotificationUrl is a required property for subscription creation on this resource when the expirationDateTime value is set to greater than 1 hour.", "Set lifecycleNotificationUrl (it can only be set at creation) or expire within an hour."));
            }
        }
    }
}
