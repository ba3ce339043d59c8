//! The Resources screen's commands: the catalog as the window shows it, the live check of a
//! proposed subscription (problems, permission hints for every account kind, request preview),
//! values to fill a path's placeholders from the account's tenant, and documentation links.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use studio_catalog::hints::{HintStatus, Permission, PermissionHint, hint};
use studio_catalog::model::{AccountKind, CatalogData};
use studio_catalog::preview::RequestPreview;
use studio_catalog::validate::{Check, Problem, Proposal, Severity, check};
use studio_catalog::{Catalog, CatalogError};
use ts_rs::TS;

use crate::error::CoreError;
use crate::links::{OpenLinkRequest, allowed_link};
use crate::studio::Studio;
use crate::subscriptions::graph::LookupRequest;
use crate::subscriptions::request::{self, Choice, Delivery};

/// The permissions of one path for each account kind, with RSC and admin-consent flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PathPermissions {
    /// Delegated, work or school.
    pub delegated_work: Vec<Permission>,
    /// Delegated, personal Microsoft account.
    pub delegated_personal: Vec<Permission>,
    /// Application.
    pub application: Vec<Permission>,
}

/// The whole catalog plus each path's permissions, keyed by template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CatalogView {
    /// The data file's content.
    pub data: CatalogData,
    /// Permissions per template.
    pub permissions: BTreeMap<String, PathPermissions>,
}

/// A proposed subscription and what the current account grants, if known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct CatalogCheckRequest {
    /// The subscription as chosen so far.
    pub proposal: Proposal,
    /// Scopes or roles granted to `proposal.accountKind`'s account (from its token).
    pub granted: Vec<String>,
}

/// The explorer's live answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CatalogCheckResponse {
    /// Resolution and problems.
    pub check: Check,
    /// Permission hints for the three account kinds (granted scopes apply to the proposal's).
    pub hints: Vec<PermissionHint>,
    /// The request this choice produces.
    pub preview: RequestPreview,
}

/// Stand-ins the preview shows for what the app makes at creation (the receiver's URLs when no
/// receiver Graph could reach runs yet; the clientState and certificate are made then, and stay
/// secret).
const PREVIEW_NOTIFICATION_URL: &str = "https://<your-public-url>/notifications";
const PREVIEW_LIFECYCLE_URL: &str = "https://<your-public-url>/lifecycle";
const PREVIEW_CLIENT_STATE: &str = "<generated when the subscription is created>";
const PREVIEW_CERTIFICATE: (&str, &str) =
    ("<base64 DER of your certificate>", "<your certificate id>");
const GRAPH_BASE: &str = "https://graph.microsoft.com";

fn catalog() -> Result<&'static Catalog, CoreError> {
    Catalog::get().map_err(|CatalogError(reason)| {
        CoreError::internal(format!("The built-in resource catalog is broken: {reason}"))
    })
}

impl Studio {
    /// `catalog_get`: every resource, path and permission.
    pub async fn catalog_get(&self, (): ()) -> Result<CatalogView, CoreError> {
        let catalog = catalog()?;
        let permissions = catalog
            .templates()
            .map(|(_, path, _)| {
                let of = |kind| catalog.permissions(&path.template, kind);
                (
                    path.template.clone(),
                    PathPermissions {
                        delegated_work: of(AccountKind::DelegatedWork),
                        delegated_personal: of(AccountKind::DelegatedPersonal),
                        application: of(AccountKind::Application),
                    },
                )
            })
            .collect();
        Ok(CatalogView {
            data: catalog.data().clone(),
            permissions,
        })
    }

    /// `catalog_check`: problems, hints and the request preview for a proposal.
    pub async fn catalog_check(
        &self,
        request: CatalogCheckRequest,
    ) -> Result<CatalogCheckResponse, CoreError> {
        let catalog = catalog()?;
        let mut result = check(catalog, &request.proposal);
        let hints = match result
            .resolved
            .as_ref()
            .and_then(|r| catalog.path(&r.template))
        {
            Some((_, path)) => AccountKind::ALL
                .into_iter()
                .map(|kind| {
                    let granted: &[String] = if request.proposal.account_kind == Some(kind) {
                        &request.granted
                    } else {
                        &[]
                    };
                    hint(catalog, path, kind, granted)
                })
                .collect(),
            None => Vec::new(),
        };
        // With the account's grants known, a missing permission is what Graph's 403 will say.
        if let (Some(kind), false) = (request.proposal.account_kind, request.granted.is_empty())
            && let Some(h) = hints.iter().find(|h| h.account_kind == kind)
            && let HintStatus::Missing { add } = &h.status
        {
            result.problems.push(Problem {
                field: "permissions".into(),
                severity: Severity::Error,
                message: format!(
                    "The account grants none of the permissions this path needs ({}); Graph would answer 403.",
                    add.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
                fix: h.action.clone().unwrap_or_default(),
            });
        }
        // The builder `subscription_create` sends with: the preview is that request.
        let proposal = &request.proposal;
        let change_type = proposal.change_types.join(",");
        // An Event Hubs or Event Grid target is sent as chosen (lifecycle events go there too);
        // the receiver's URL is known only at creation.
        let hub_or_grid = proposal.notification_url.as_deref().filter(|url| {
            studio_catalog::targets::DeliveryTarget::parse(url).is_ok_and(|t| !t.needs_handshake())
        });
        // A running receiver's URLs are what creation sends, when Graph for this account can
        // reach them (the sandbox reaches this computer; Microsoft only a public URL).
        let sandbox = self
            .accounts()
            .current()
            .ok()
            .flatten()
            .is_none_or(|a| a.kind.sandbox());
        let receiver = crate::subscriptions::create::receiver_urls(self.receiving())
            .await
            .filter(|(_, _, public)| sandbox || *public);
        let (notification_url, lifecycle_url) = match (hub_or_grid, &receiver) {
            (Some(target), _) => (target, target),
            (None, Some((notification, lifecycle, _))) => {
                (notification.as_str(), lifecycle.as_str())
            }
            (None, None) => (PREVIEW_NOTIFICATION_URL, PREVIEW_LIFECYCLE_URL),
        };
        let built = request::build(
            Some(catalog),
            &Choice {
                resource: &proposal.resource,
                change_type: &change_type,
                expiration_minutes: proposal
                    .expires_in_minutes
                    .map(|m| u32::try_from(m.max(1)).unwrap_or(1)),
                include_resource_data: proposal.include_resource_data,
                include_lifecycle_url: proposal.has_lifecycle_url,
                notification_query_options: None,
            },
            &Delivery {
                notification_url,
                lifecycle_url,
                client_state: PREVIEW_CLIENT_STATE,
                certificate: Some(PREVIEW_CERTIFICATE),
            },
            self.clock().now_unix(),
        );
        // Graph's host for the account in use (national clouds differ); the sandbox stands in for
        // graph.microsoft.com.
        let graph_base = self
            .accounts()
            .current()
            .ok()
            .flatten()
            .filter(|a| !a.kind.sandbox())
            .map_or_else(
                || GRAPH_BASE.to_owned(),
                |a| a.cloud.graph_base().to_owned(),
            );
        let preview = request::render(&graph_base, &built);
        Ok(CatalogCheckResponse {
            check: result,
            hints,
            preview,
        })
    }
}

impl Studio {
    /// `lookup`: what can fill a placeholder (users, teams, channels, …), from the account.
    pub async fn lookup(
        &self,
        request: LookupRequest,
    ) -> Result<Vec<studio_graph::LookupItem>, CoreError> {
        crate::subscriptions::graph::lookup(self.accounts(), &request).await
    }

    /// `open_link`: opens an allowed link in the user's browser.
    pub async fn open_link(&self, request: OpenLinkRequest) -> Result<(), CoreError> {
        let url = allowed_link(&request.url)?;
        self.link_opener().open(&url).map_err(|error| {
            CoreError::internal(format!("The browser could not be started: {error}"))
                .with_hint(format!("Open it yourself: {url}"))
        })?;
        tracing::info!(%url, "opened a link in the browser");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::paths::AppPaths;
    use studio_primitives::clock::FixedClock;

    fn studio() -> (Studio, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let studio = Studio::builder(AppPaths::under(dir.path()))
            .clock(Arc::new(FixedClock::at_unix(1_795_000_000)))
            .open()
            .expect("studio opens");
        (studio, dir)
    }

    #[tokio::test]
    async fn catalog_view_flags_permissions() {
        let (studio, _dir) = studio();
        let view = studio.catalog_get(()).await.expect("catalog");
        let channel = &view.permissions["/teams/{team-id}/channels/{channel-id}/messages"];
        assert!(
            channel
                .application
                .iter()
                .any(|p| p.rsc && p.name == "ChannelMessage.Read.Group")
        );
        assert!(channel.delegated_personal.is_empty());
    }

    #[tokio::test]
    async fn check_gives_hints_for_every_kind_and_a_dated_preview() {
        let (studio, _dir) = studio();
        let response = studio
            .catalog_check(CatalogCheckRequest {
                proposal: Proposal {
                    resource: "/chats/19:abc/messages".into(),
                    change_types: vec!["created".into()],
                    expires_in_minutes: Some(60),
                    account_kind: Some(AccountKind::Application),
                    ..Proposal::default()
                },
                granted: vec!["Chat.Read.All".into()],
            })
            .await
            .expect("check");
        assert_eq!(response.hints.len(), 3);
        assert!(
            response.check.is_acceptable(),
            "{:?}",
            response.check.problems
        );
        // 1_795_000_000 s + 60 minutes
        assert!(
            response
                .preview
                .json
                .contains("\"expirationDateTime\": \"2026-11-18T12:06:40Z\""),
            "{}",
            response.preview.json
        );
    }
}
