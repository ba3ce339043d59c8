//! Permission hints: given a path, an account kind and what the token grants, what is missing?
//!
//! Graph accepts any one of a path's documented permissions, so one granted permission satisfies
//! it; when none is granted the hint lists them least-privileged first. It also warns about the
//! two mistakes Graph punishes silently: a write permission where a read one suffices (Graph
//! refuses it) and `*.Shared` permissions (not supported for subscriptions).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalog::Catalog;
use crate::model::{AccountKind, ResourcePath};

/// One permission as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    /// The permission's name, e.g. `ChannelMessage.Read.Group`.
    pub name: String,
    /// Resource-specific consent (granted by a team or chat owner, not the tenant).
    pub rsc: bool,
    /// An administrator must consent.
    pub admin_consent: bool,
}

/// Whether an account can subscribe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "state"
)]
pub enum HintStatus {
    /// One of the documented permissions is granted.
    Satisfied {
        /// The granted permission that satisfies it.
        by: String,
    },
    /// None is granted; add one of these (least-privileged first).
    Missing {
        /// What to request.
        add: Vec<Permission>,
    },
    /// This account kind cannot subscribe to this path at all.
    Unsupported {
        /// The account kinds that can.
        supported_by: Vec<AccountKind>,
    },
}

/// What one account kind needs for one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PermissionHint {
    /// The account kind.
    pub account_kind: AccountKind,
    /// Every documented permission, least-privileged first.
    pub required: Vec<Permission>,
    /// Satisfied, missing or unsupported.
    pub status: HintStatus,
    /// Problems with what is granted.
    pub warnings: Vec<String>,
    /// What to do when something is missing, for this account kind.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// The admin-consent URL of an app registration, with `{tenant}` and `{client-id}` left for the
/// caller to fill when it knows them (the account screen does).
pub const ADMIN_CONSENT_URL: &str =
    "https://login.microsoftonline.com/{tenant}/adminconsent?client_id={client-id}";

fn action_for(kind: AccountKind, status: &HintStatus) -> Option<String> {
    let HintStatus::Missing { add } = status else {
        return None;
    };
    let least = add.iter().find(|p| !p.rsc).or_else(|| add.first())?;
    Some(match kind {
        AccountKind::DelegatedWork | AccountKind::DelegatedPersonal => {
            let admin = if least.admin_consent {
                " An administrator must consent to it once for the tenant."
            } else {
                ""
            };
            format!(
                "Request {} with incremental consent: sign in again with that scope added.{admin}",
                least.name
            )
        }
        AccountKind::Application => format!(
            "In the app registration, add the Microsoft Graph application permission {} (API permissions → Add a permission → Microsoft Graph → Application permissions), then grant admin consent: {ADMIN_CONSENT_URL}",
            least.name
        ),
    })
}

impl Catalog {
    /// The permissions of a path for one account kind, with RSC and admin-consent flags.
    pub fn permissions(&self, template: &str, kind: AccountKind) -> Vec<Permission> {
        let Some((resource, path)) = self.path(template) else {
            return Vec::new();
        };
        resource
            .permissions_for(path)
            .for_kind(kind)
            .iter()
            .map(|raw| {
                let rsc = raw.ends_with('*');
                let name = raw.trim_end_matches('*').to_owned();
                let admin_consent = !rsc
                    && (kind == AccountKind::Application
                        || self
                            .data()
                            .delegated_admin_consent
                            .iter()
                            .any(|p| p == &name));
                Permission {
                    name,
                    rsc,
                    admin_consent,
                }
            })
            .collect()
    }
}

/// Hints for one path and account kind, against the scopes (`scp`) or roles (`roles`) granted.
pub fn hint(
    catalog: &Catalog,
    path: &ResourcePath,
    kind: AccountKind,
    granted: &[String],
) -> PermissionHint {
    let required = catalog.permissions(&path.template, kind);
    let granted_has = |name: &str| granted.iter().any(|g| g.eq_ignore_ascii_case(name));
    let mut warnings = Vec::new();

    for scope in granted {
        if scope.to_ascii_lowercase().ends_with(".shared") {
            warnings.push(format!(
                "{scope} is not supported for subscriptions: Graph ignores *.Shared permissions; subscribe with the user's own permission instead."
            ));
        }
        if scope.contains("ReadWrite")
            && !required.iter().any(|p| p.name.eq_ignore_ascii_case(scope))
        {
            let read = scope.replace("ReadWrite", "Read");
            if required.iter().any(|p| p.name.eq_ignore_ascii_case(&read)) && !granted_has(&read) {
                warnings.push(format!(
                    "Graph refuses {scope} for this subscription where {read} suffices: request {read}."
                ));
            }
        }
    }

    let status = if required.is_empty() {
        let supported_by = AccountKind::ALL
            .into_iter()
            .filter(|k| !catalog.permissions(&path.template, *k).is_empty())
            .collect();
        HintStatus::Unsupported { supported_by }
    } else if let Some(found) = required.iter().find(|p| granted_has(&p.name)) {
        HintStatus::Satisfied {
            by: found.name.clone(),
        }
    } else {
        HintStatus::Missing {
            add: required.clone(),
        }
    };
    if kind == AccountKind::Application && path.me {
        warnings.push(
            "With application permissions there is no signed-in user: write /users/{id}, not /me."
                .into(),
        );
    }
    let action = action_for(kind, &status);
    PermissionHint {
        account_kind: kind,
        required,
        status,
        warnings,
        action,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(template: &str) -> (&'static Catalog, &'static ResourcePath) {
        let catalog = Catalog::get().expect("catalog loads");
        let (_, path) = catalog.path(template).expect("template in catalog");
        (catalog, path)
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn one_granted_permission_satisfies() {
        let (c, p) = path("/users/{user-id}/messages");
        let h = hint(
            c,
            p,
            AccountKind::DelegatedWork,
            &strings(&["User.Read", "Mail.Read"]),
        );
        assert_eq!(
            h.status,
            HintStatus::Satisfied {
                by: "Mail.Read".into()
            }
        );
        assert!(h.warnings.is_empty(), "{:?}", h.warnings);
    }

    #[test]
    fn missing_lists_least_privileged_first() {
        let (c, p) = path("/users/{user-id}/messages");
        let h = hint(c, p, AccountKind::DelegatedWork, &[]);
        let HintStatus::Missing { add } = h.status else {
            panic!("expected missing")
        };
        let names: Vec<_> = add.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Mail.ReadBasic", "Mail.Read"]);
    }

    #[test]
    fn missing_permissions_come_with_the_action() {
        let (c, p) = path("/communications/callRecords");
        let app = hint(c, p, AccountKind::Application, &[]);
        let action = app.action.expect("an action");
        assert!(
            action.contains("application permission CallRecords.Read.All"),
            "{action}"
        );
        assert!(action.contains("/adminconsent?client_id="), "{action}");
        let (c, p) = path("/users/{user-id}/messages");
        let delegated = hint(c, p, AccountKind::DelegatedWork, &[]);
        assert!(
            delegated
                .action
                .expect("an action")
                .contains("Request Mail.ReadBasic with incremental consent")
        );
        let granted = hint(c, p, AccountKind::DelegatedWork, &strings(&["Mail.Read"]));
        assert_eq!(granted.action, None);
    }

    #[test]
    fn application_only_paths_are_unsupported_for_users() {
        let (c, p) = path("/communications/callRecords");
        let h = hint(c, p, AccountKind::DelegatedWork, &[]);
        assert_eq!(
            h.status,
            HintStatus::Unsupported {
                supported_by: vec![AccountKind::Application]
            }
        );
        let app = hint(
            c,
            p,
            AccountKind::Application,
            &strings(&["CallRecords.Read.All"]),
        );
        assert!(matches!(app.status, HintStatus::Satisfied { .. }));
        assert!(app.required.iter().all(|p| p.admin_consent));
    }

    #[test]
    fn write_where_read_suffices_is_flagged() {
        let (c, p) = path("/users/{user-id}/messages");
        let h = hint(
            c,
            p,
            AccountKind::DelegatedWork,
            &strings(&["Mail.ReadWrite"]),
        );
        assert!(matches!(h.status, HintStatus::Missing { .. }));
        assert!(
            h.warnings
                .iter()
                .any(|w| w.contains("Graph refuses Mail.ReadWrite")),
            "{:?}",
            h.warnings
        );
    }

    #[test]
    fn documented_write_permissions_are_not_flagged() {
        let (c, p) = path("/drives/{drive-id}/root");
        let h = hint(
            c,
            p,
            AccountKind::DelegatedWork,
            &strings(&["Files.ReadWrite.All"]),
        );
        assert!(matches!(h.status, HintStatus::Satisfied { .. }));
        assert!(h.warnings.is_empty(), "{:?}", h.warnings);
    }

    #[test]
    fn shared_permissions_are_flagged() {
        let (c, p) = path("/users/{user-id}/messages");
        let h = hint(
            c,
            p,
            AccountKind::DelegatedWork,
            &strings(&["Mail.Read.Shared"]),
        );
        assert!(
            h.warnings
                .iter()
                .any(|w| w.contains("Mail.Read.Shared is not supported"))
        );
    }

    #[test]
    fn rsc_permissions_are_marked() {
        let c = Catalog::get().expect("catalog loads");
        let perms = c.permissions(
            "/teams/{team-id}/channels/{channel-id}/messages",
            AccountKind::Application,
        );
        let rsc: Vec<_> = perms
            .iter()
            .filter(|p| p.rsc)
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(rsc, ["ChannelMessage.Read.Group"]);
        assert!(perms.iter().filter(|p| p.rsc).all(|p| !p.admin_consent));
    }
}
