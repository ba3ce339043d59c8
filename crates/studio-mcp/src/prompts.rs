//! Prompts that walk an agent through the loops this app exists for, naming the tools in order,
//! so a first session on the sandbox goes from nothing to a checked notification.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{PromptMessage, Role};
use rmcp::{prompt, prompt_router};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::workbench::Workbench;

/// Arguments of both prompts.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = crate::params::absent_not_null)]
pub struct ResourceArgument {
    /// The resource to work with, e.g. `/me/messages` (default) or `/me/events`.
    #[serde(default)]
    pub resource: Option<String>,
}

impl ResourceArgument {
    fn resource(&self) -> String {
        self.resource
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty() && r.len() <= 2048)
            .unwrap_or("/me/messages")
            .to_owned()
    }
}

#[prompt_router(router = "prompts", vis = "pub(crate)")]
impl Workbench {
    /// Subscribe, trigger a change and inspect the notification with its checks, on the sandbox
    /// tenant (no Microsoft account needed).
    #[prompt(name = "sandbox_loop")]
    async fn sandbox_loop(
        &self,
        Parameters(args): Parameters<ResourceArgument>,
    ) -> Vec<PromptMessage> {
        let resource = args.resource();
        vec![PromptMessage::new_text(
            Role::User,
            format!(
                "Show me a Microsoft Graph change notification for `{resource}` arriving and being checked, on the sandbox tenant of Graph Webhook Studio.\n\
                 1. accounts_list; if no sandbox account is in use, sandbox_account_add.\n\
                 2. catalog_check with resource `{resource}`: tell me the permission it needs and any problem, with its fix.\n\
                 3. subscription_create with that resource (if it is refused because the server is read-only, tell me the hint and stop).\n\
                 4. receiver_status: note newestId. Then trigger_change for the resource (change: created).\n\
                 5. receptions_search with after = that newestId, kind = notification and waitSeconds = 30.\n\
                 6. reception_get for the newest one: explain the clientState verdict, the validation tokens' checks and the decrypted data if any.\n\
                 Quote ids and values exactly as the tools return them."
            ),
        )]
    }

    /// Find out why a handler or subscription does not get notifications: the resource's rules,
    /// the subscriptions, and what actually arrived.
    #[prompt(name = "why_no_notifications")]
    async fn why_no_notifications(
        &self,
        Parameters(args): Parameters<ResourceArgument>,
    ) -> Vec<PromptMessage> {
        let resource = args.resource();
        vec![PromptMessage::new_text(
            Role::User,
            format!(
                "I expect change notifications for `{resource}` and do not see them. Find out why with Graph Webhook Studio's tools.\n\
                 1. catalog_check for `{resource}`: the permissions per account kind, lifetime limits and problems.\n\
                 2. accounts_list: does the account in use grant that permission?\n\
                 3. subscriptions_list: is there a live subscription for this resource, and when does it expire?\n\
                 4. receiver_status: is anything receiving for this data folder, and at which URL?\n\
                 5. receptions_search (kind validation, then lifecycle, then notification): did the handshake succeed, did a lifecycle event (missed, subscriptionRemoved, reauthorizationRequired) arrive, were notifications refused or flagged?\n\
                 Summarize the cause and the fix, citing what each tool answered."
            ),
        )]
    }
}
