//! The tools that look things up and make things happen: the catalog, accounts, subscriptions
//! and changes. Each is a thin call to the `Studio` method the window uses, with arguments read
//! from JSON Schema-typed parameters (`params.rs`) and answers shaped for an agent. Write tools say
//! so in their annotations and descriptions and are refused unless the server was started with
//! `--allow-writes`; a change in the sandbox tenant (this computer) is not such a write.
//! What arrived is read by the tools in `receptions.rs`.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde_json::{Value, json};
use studio_catalog::Catalog;
use studio_catalog::validate::Proposal;
use studio_core::CoreError;
use studio_core::accounts::views::{AccountRef, AddSandboxRequest};
use studio_core::commands::resources::CatalogCheckRequest;
use studio_core::subscriptions::create::CreateSubscriptionRequest;
use studio_core::subscriptions::graph::{SubscriptionRef, SubscriptionsRequest, catalog_kind};
use studio_core::subscriptions::trigger::TriggerRequest;

use crate::answers::{Answer, answer, done, refused};
use crate::catalog_view;
use crate::params::{
    AccountChoice, Bounded, CatalogCheck, CatalogSearch, Change, SandboxUser, SubscriptionCreate,
    SubscriptionTarget, TriggerChange, joined,
};
use crate::workbench::Workbench;

/// The change types a subscription asks for: the ones given, else every one the resource takes
/// (`created` when the catalog does not know it). `catalog_check` and `subscription_create` use
/// the same, so the checked request is the one sent.
fn change_types(given: Option<&Vec<Change>>, resource: &str) -> String {
    if let Some(given) = given.filter(|g| !g.is_empty()) {
        return joined(given);
    }
    Catalog::get()
        .ok()
        .and_then(|catalog| {
            let resolved = catalog.resolve(resource)?;
            let (known, _) = catalog.path(&resolved.template)?;
            Some(
                known
                    .change_types
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            )
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "created".to_owned())
}

#[tool_router(router = tools, vis = "pub(crate)")]
impl Workbench {
    #[tool(
        description = "Search the catalog of Microsoft Graph resources that take change notifications. Answers each match with its paths, the permissions each account kind needs (least privileged first), change types, maximum lifetime and rich-notification rules.",
        annotations(
            title = "Search subscribable resources",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    async fn catalog_search(&self, Parameters(p): Parameters<CatalogSearch>) -> Answer {
        if let Err(refusal) = p.bounded() {
            return Ok(refusal);
        }
        let view = match self.studio.catalog_get(()).await {
            Ok(view) => view,
            Err(error) => return Ok(refused(error)),
        };
        let limit = usize::try_from(p.limit.unwrap_or(10).clamp(1, 50)).unwrap_or(10);
        let found: Vec<Value> = catalog_view::search(&view, &p.query, limit)
            .into_iter()
            .map(|r| catalog_view::document(&view, r))
            .collect();
        done(&json!({ "count": found.len(), "resources": found }))
    }

    #[tool(
        description = "Check a subscription before creating it: resolves the resource string against the catalog, lists problems with their fixes (wrong change type, lifetime too long, $select rules, missing lifecycle URL…), the permissions per account kind, and the exact POST /subscriptions request that subscription_create would send (the running receiver's URLs as creation would use them, placeholders while none runs; clientState and certificate as placeholders).",
        annotations(
            title = "Check a subscription",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    async fn catalog_check(&self, Parameters(p): Parameters<CatalogCheck>) -> Answer {
        if let Err(refusal) = p.bounded() {
            return Ok(refusal);
        }
        let change_type = change_types(p.change_types.as_ref(), &p.resource);
        // The account in use says what is granted, for its kind (unless asked about another).
        let in_use = match self.studio.accounts_list(()).await {
            Ok(view) => view.accounts.into_iter().find(|a| a.current),
            Err(error) => return Ok(refused(error)),
        };
        let in_use_kind = in_use.as_ref().map(|a| catalog_kind(a.config.kind));
        let account_kind = p.account_kind.map(Into::into).or(in_use_kind);
        let granted = match (&in_use, account_kind == in_use_kind) {
            (Some(account), true) => account
                .claims
                .as_ref()
                .map(|c| c.permissions.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let request = CatalogCheckRequest {
            proposal: Proposal {
                resource: p.resource,
                change_types: change_type.split(',').map(str::to_owned).collect(),
                expires_in_minutes: p
                    .expiration_minutes
                    .map(|m| i32::try_from(m).unwrap_or(i32::MAX)),
                include_resource_data: p.include_resource_data,
                has_encryption_certificate: p.include_resource_data,
                has_lifecycle_url: p.lifecycle_notifications.unwrap_or(true),
                account_kind,
                ..Proposal::default()
            },
            granted,
        };
        match self.studio.catalog_check(request).await {
            Ok(checked) => {
                let acceptable = checked.check.is_acceptable();
                done(
                    &json!({ "acceptable": acceptable, "check": checked.check, "permissions": checked.hints, "request": checked.preview }),
                )
            }
            Err(error) => Ok(refused(error)),
        }
    }

    #[tool(
        description = "The accounts this app can use (the sandbox tenant, signed-in users, app registrations), which one is in use, and what each token grants. Never returns a secret.",
        annotations(
            title = "List accounts",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    async fn accounts_list(&self) -> Answer {
        answer(self.studio.accounts_list(()).await)
    }

    #[tool(
        description = "Add the built-in sandbox tenant (an offline stand-in for Microsoft identity and Graph on this computer) as the account in use, signed in as one of its users. Lets the whole loop run without a Microsoft account.",
        annotations(
            title = "Add the sandbox account",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn sandbox_account_add(&self, Parameters(p): Parameters<SandboxUser>) -> Answer {
        if let Err(refusal) = p.bounded() {
            return Ok(refusal);
        }
        let added = self
            .studio
            .account_add_sandbox(AddSandboxRequest {
                app_only: false,
                user_principal_name: p.user,
            })
            .await;
        if let Ok(summary) = &added
            && let Err(error) = self
                .studio
                .account_select(AccountRef {
                    id: summary.config.id.clone(),
                })
                .await
        {
            return Ok(refused(error));
        }
        answer(added)
    }

    #[tool(
        description = "The account's subscriptions, as Microsoft Graph (or the sandbox) lists them, with their expiry.",
        annotations(
            title = "List subscriptions",
            read_only_hint = true,
            open_world_hint = true
        )
    )]
    async fn subscriptions_list(&self, Parameters(p): Parameters<AccountChoice>) -> Answer {
        if let Err(refusal) = p.bounded() {
            return Ok(refusal);
        }
        let outcome = async {
            let account_id = self.account(p.account.as_deref()).await?;
            self.studio
                .subscriptions_list(SubscriptionsRequest { account_id })
                .await
        };
        answer(outcome.await)
    }

    #[tool(
        description = "WRITE (needs --allow-writes). Create a subscription that delivers to this app's receiver (started if nothing receives for the data folder; the window's when it is open), after a preflight of the validation handshake. Answers the subscription as Graph returned it.",
        annotations(
            title = "Create a subscription",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn subscription_create(&self, Parameters(p): Parameters<SubscriptionCreate>) -> Answer {
        if let Err(refusal) = p.bounded() {
            return Ok(refusal);
        }
        let outcome = async {
            self.require_writes("Creating a subscription")?;
            let account_id = self.account(p.account.as_deref()).await?;
            let change_type = change_types(p.change_types.as_ref(), &p.resource);
            self.studio
                .subscription_create(CreateSubscriptionRequest {
                    delivery_target: None,
                    account_id,
                    resource: p.resource.trim().to_owned(),
                    change_type,
                    expiration_minutes: p.expiration_minutes,
                    include_resource_data: p.include_resource_data,
                    include_lifecycle_url: p.lifecycle_notifications,
                    ..CreateSubscriptionRequest::default()
                })
                .await
        };
        answer(outcome.await)
    }

    #[tool(
        description = "WRITE (needs --allow-writes). Renew a subscription to the longest lifetime its resource allows.",
        annotations(
            title = "Renew a subscription",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn subscription_renew(&self, Parameters(p): Parameters<SubscriptionTarget>) -> Answer {
        if let Err(refusal) = p.bounded() {
            return Ok(refusal);
        }
        let outcome = async {
            self.require_writes("Renewing a subscription")?;
            let account_id = self.account(p.account.as_deref()).await?;
            self.studio
                .subscription_renew(SubscriptionRef {
                    account_id,
                    id: p.id,
                })
                .await
        };
        answer(outcome.await)
    }

    #[tool(
        description = "WRITE (needs --allow-writes). Delete a subscription: Graph stops delivering its notifications.",
        annotations(
            title = "Delete a subscription",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn subscription_delete(&self, Parameters(p): Parameters<SubscriptionTarget>) -> Answer {
        if let Err(refusal) = p.bounded() {
            return Ok(refusal);
        }
        let outcome = async {
            self.require_writes("Deleting a subscription")?;
            let account_id = self.account(p.account.as_deref()).await?;
            let id = p.id.clone();
            self.studio
                .subscription_delete(SubscriptionRef { account_id, id })
                .await?;
            Ok::<_, CoreError>(json!({ "deleted": p.id }))
        };
        answer(outcome.await)
    }

    #[tool(
        description = "Make the change a subscription watches happen, so a notification is sent. On the sandbox any resource and change type; on a real tenant (needs --allow-writes) a safe write through Graph (a mail to yourself, an event created then deleted, …). Answers every request sent. Then call receptions_search with after (the newestId you saw before) and waitSeconds.",
        annotations(
            title = "Trigger a change",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn trigger_change(&self, Parameters(p): Parameters<TriggerChange>) -> Answer {
        if let Err(refusal) = p.bounded() {
            return Ok(refusal);
        }
        let outcome = async {
            // One account, read once: the check and the change cannot see two different ones
            // (the window may switch the account in use in between).
            let named = self.account(p.account.as_deref()).await?;
            let account = self.studio.accounts().account(named.as_deref())?;
            if !account.kind.sandbox() {
                self.require_writes("Changing data in a Microsoft 365 tenant")?;
            }
            let newest_before = self.studio.receiver_status(()).await?.newest_id;
            let done = self
                .studio
                .trigger_change(TriggerRequest {
                    account_id: Some(account.id),
                    resource: p.resource.trim().to_owned(),
                    change_type: p.change.unwrap_or(Change::Created).into(),
                    via: None,
                    at: None,
                })
                .await?;
            Ok::<_, CoreError>(json!({ "done": done, "newestIdBefore": newest_before }))
        };
        answer(outcome.await)
    }
}
