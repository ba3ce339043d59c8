//! The server an agent talks to: the workbench's state ([`Studio`]), what it may change
//! ([`Access`]), and the MCP handler that lists tools (`tools.rs`), prompts (`prompts.rs`) and
//! resources (the catalog as documents, the latest receptions).

use std::sync::Arc;

use rmcp::handler::server::router::prompt::PromptRouter;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, prompt_handler, tool_handler};
use serde_json::json;
use studio_core::receiving::reading::ReceptionsRequest;
use studio_core::{CoreError, Studio};

use crate::catalog_view;

/// What the server may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Access {
    /// `--allow-writes`: create, renew and delete subscriptions (the sandbox's included), change
    /// data in a real tenant, replay to a URL other than the forwarding target.
    pub allow_writes: bool,
}

/// The MCP server over one data folder.
#[derive(Clone)]
pub struct Workbench {
    pub(crate) studio: Arc<Studio>,
    pub(crate) access: Access,
    tool_router: ToolRouter<Workbench>,
    prompt_router: PromptRouter<Workbench>,
}

impl std::fmt::Debug for Workbench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workbench")
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

/// What every client is told first.
const INSTRUCTIONS: &str = "Graph Webhook Studio: Microsoft Graph change notifications on this \
computer. Find what a resource needs with catalog_search and catalog_check; see accounts with \
accounts_list (sandbox_account_add adds the offline sandbox tenant, no Microsoft account \
needed); subscription_create subscribes this app's receiver; trigger_change makes a change \
happen; receptions_search (with after and waitSeconds) and reception_get show what arrived with \
every check (clientState, validation tokens, decryption). Errors carry a hint: read it. \
Subscription writes, changes in a real tenant and replays elsewhere need the server started with \
--allow-writes.";

/// The latest receptions, as a resource.
const LATEST_URI: &str = "studio://receptions/latest";
/// The catalog's index, as a resource.
const CATALOG_URI: &str = "studio://catalog";
/// One catalog resource: `studio://catalog/{id}`.
const CATALOG_PREFIX: &str = "studio://catalog/";

impl Workbench {
    /// A server over `studio` with `access`.
    pub fn new(studio: Arc<Studio>, access: Access) -> Workbench {
        Workbench {
            studio,
            access,
            tool_router: Workbench::tools() + Workbench::reception_tools(),
            prompt_router: Workbench::prompts(),
        }
    }

    /// Refuses `what` unless writes are allowed.
    pub(crate) fn require_writes(&self, what: &str) -> Result<(), CoreError> {
        if self.access.allow_writes {
            return Ok(());
        }
        Err(CoreError::refused(format!(
            "{what} is a write, and this MCP server was started without --allow-writes."
        ))
        .with_hint(
            "Ask the user; if they agree, they restart the server with `webhook-studio mcp --allow-writes`.",
        ))
    }

    /// The account named by `name` (id, name or unique prefix), or the account in use.
    pub(crate) async fn account(&self, name: Option<&str>) -> Result<Option<String>, CoreError> {
        match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => Ok(Some(self.studio.account_named(name).await?)),
            None => Ok(None),
        }
    }

    fn text(uri: &str, value: &serde_json::Value) -> ReadResourceResult {
        let text = serde_json::to_string_pretty(value).unwrap_or_default();
        ReadResourceResult::new(vec![
            ResourceContents::text(text, uri.to_owned()).with_mime_type("application/json"),
        ])
    }

    fn internal(error: CoreError) -> ErrorData {
        let error = studio_core::IpcError::from(error);
        ErrorData::internal_error(error.message, None)
    }
}

fn listed(uri: &str, name: &str, description: &str) -> Resource {
    Resource::new(uri, name)
        .with_description(description)
        .with_mime_type("application/json")
}

#[tool_handler(router = self.tool_router)]
#[prompt_handler(router = self.prompt_router)]
impl ServerHandler for Workbench {
    fn get_info(&self) -> ServerConfig {
        let mut info = ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .enable_resources()
                .build(),
        );
        info.server_info.name = "graph-webhook-studio".to_owned();
        info.server_info.version = env!("CARGO_PKG_VERSION").to_owned();
        info.instructions = Some(INSTRUCTIONS.to_owned());
        info
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let view = self
            .studio
            .catalog_get(())
            .await
            .map_err(Workbench::internal)?;
        let mut resources = vec![
            listed(
                LATEST_URI,
                "Latest receptions",
                "The 20 newest receptions with their checks, newest first.",
            ),
            listed(
                CATALOG_URI,
                "Subscribable resources",
                "Every Microsoft Graph resource that takes change notifications, with its paths.",
            ),
        ];
        resources.extend(view.data.resources.iter().map(|r| {
            listed(
                &format!("{CATALOG_PREFIX}{}", r.id),
                &r.name,
                &format!("{} ({}): paths, permissions, limits.", r.name, r.workload),
            )
        }));
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let template = ResourceTemplate::new("studio://catalog/{id}", "Catalog resource")
            .with_description("One subscribable resource by its catalog id (e.g. chatMessage).")
            .with_mime_type("application/json");
        Ok(ListResourceTemplatesResult::with_all_items(vec![template]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        self.read(request.uri.as_str()).await.map(Into::into)
    }
}

impl Workbench {
    async fn read(&self, uri: &str) -> Result<ReadResourceResult, ErrorData> {
        if uri == LATEST_URI {
            let lines = self
                .studio
                .receptions_list(ReceptionsRequest {
                    limit: Some(20),
                    ..ReceptionsRequest::default()
                })
                .await
                .map_err(Workbench::internal)?;
            return Ok(Workbench::text(uri, &json!({ "receptions": lines })));
        }
        let view = self
            .studio
            .catalog_get(())
            .await
            .map_err(Workbench::internal)?;
        if uri == CATALOG_URI {
            let index: Vec<_> = view
                .data
                .resources
                .iter()
                .map(catalog_view::summary)
                .collect();
            return Ok(Workbench::text(uri, &json!({ "resources": index })));
        }
        let found = uri
            .strip_prefix(CATALOG_PREFIX)
            .and_then(|id| view.data.resources.iter().find(|r| r.id == id));
        match found {
            Some(resource) => Ok(Workbench::text(
                uri,
                &catalog_view::document(&view, resource),
            )),
            None => Err(ErrorData::resource_not_found(
                format!("No resource is called {uri}."),
                Some(json!({ "uri": uri })),
            )),
        }
    }
}
