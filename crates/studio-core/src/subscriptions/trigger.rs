//! "Trigger a change": make the change a subscription watches happen, so a notification
//! arrives without leaving the app.
//!
//! On the sandbox the control API changes any seeded resource (created, updated or deleted,
//! with a real body for rich subscriptions). On a real tenant the app makes one of the
//! [`safe_writes`](super::safe_writes) through Graph, after checking the token holds the
//! permission it needs; those requests appear in the HTTP log like every Graph call. The
//! sandbox can take the real-tenant path too (`via: graph`), which shows the writes it would
//! make and proves them against the sandbox's Graph.
//!
//! [`plan`] answers the exact requests before anything is sent; [`run`] sends those requests
//! (the window passes back the plan's `at`, so the bodies are the ones it showed).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use studio_catalog::model::ApiVersion;
use studio_graph::{GraphError, HintContext};
use studio_identity::AccountKind;
use studio_primitives::http::{self, Redirects};
use ts_rs::TS;

use crate::accounts::Accounts;
use crate::error::CoreError;
use crate::subscriptions::graph::granted;
use crate::subscriptions::safe_writes::{self, CREATED_ID, OWN_ADDRESS};

/// Which change to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ChangeKind {
    /// A new item.
    Created,
    /// An item edited.
    Updated,
    /// An item removed.
    Deleted,
}

impl ChangeKind {
    /// Graph's word.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Updated => "updated",
            ChangeKind::Deleted => "deleted",
        }
    }
}

/// How the change is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum TriggerVia {
    /// The sandbox's control API (sandbox accounts; any resource).
    Sandbox,
    /// Writes through Graph, as in a real tenant.
    Graph,
}

/// `trigger_plan` and `trigger_change`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TriggerRequest {
    /// The account (the one in use when absent).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The subscription's resource.
    pub resource: String,
    /// Which change.
    pub change_type: ChangeKind,
    /// How (the sandbox's control API for sandbox accounts, Graph writes otherwise).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<TriggerVia>,
    /// The moment the plan was made (Unix seconds): `trigger_change` given the plan's `at` sends
    /// exactly the requests the plan showed.
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<i64>,
}

/// One request a trigger sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlannedRequest {
    /// `GET`, `POST`, `PATCH`, `DELETE`.
    pub method: String,
    /// The path under Graph's `/v1.0` (or the sandbox's control API).
    pub path: String,
    /// The JSON body.
    #[ts(type = "unknown")]
    pub body: Option<Value>,
}

/// What a trigger would do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TriggerPlan {
    /// How.
    pub via: TriggerVia,
    /// One sentence: what happens.
    pub summary: String,
    /// The requests, in order, exactly as they will be sent.
    pub requests: Vec<PlannedRequest>,
    /// Where the paths are relative to.
    pub base: String,
    /// Any one of these permissions allows it (empty: none needed).
    pub permissions: Vec<String>,
    /// Set when the token is known to hold none of `permissions`.
    pub missing_permission: Option<String>,
    /// Whether the user can ask for `missing_permission` by signing in again (delegated
    /// accounts); an app-only account needs an administrator to grant it.
    pub can_ask: bool,
    /// Whether a person should confirm first (it writes to a real tenant).
    pub confirm: bool,
    /// Pass back to `trigger_change` to send these very requests.
    #[ts(type = "number")]
    pub at: i64,
}

/// One request a trigger sent, and Graph's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SentRequest {
    /// The method.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// The HTTP status.
    pub status: u16,
}

/// What a trigger did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TriggerDone {
    /// What happened.
    pub summary: String,
    /// Every request, in order.
    pub sent: Vec<SentRequest>,
    /// How many subscriptions the sandbox found watching the change (sandbox only).
    pub matched_subscriptions: Option<u32>,
}

/// What would be sent for `request`.
pub async fn plan(
    accounts: &Accounts,
    request: &TriggerRequest,
    now: i64,
) -> Result<TriggerPlan, CoreError> {
    let config = accounts.account(request.account_id.as_deref())?;
    let sandbox = matches!(config.kind, AccountKind::Sandbox | AccountKind::SandboxApp);
    let via = request.via.unwrap_or(if sandbox {
        TriggerVia::Sandbox
    } else {
        TriggerVia::Graph
    });
    let at = request
        .at
        .filter(|at| (at - now).abs() <= 24 * 3600)
        .unwrap_or(now);
    let resource = request.resource.trim();
    if resource.is_empty() {
        return Err(CoreError::refused("Say which resource to change."));
    }
    if via == TriggerVia::Sandbox {
        if !sandbox {
            return Err(
                CoreError::refused("Only the sandbox tenant changes things on request.")
                    .with_hint("Leave `via` out: a real tenant gets a safe write through Graph."),
            );
        }
        let control = accounts.sandbox().info().await?.control;
        let session = accounts.session(&config).await?;
        let me = session.claims(now).await.ok().map(|c| c.object_id);
        return Ok(TriggerPlan {
            via,
            summary: format!(
                "The sandbox makes a {} change to {resource} and notifies every subscription watching it.",
                request.change_type.as_str()
            ),
            requests: vec![PlannedRequest {
                method: "POST".into(),
                path: "/changes".into(),
                // The sandbox answers once each notification was tried, so the summary says
                // whether it arrived rather than only that it was sent.
                body: Some(json!({
                    "resource": sandbox_resource(resource, me.as_deref()),
                    "changeType": request.change_type.as_str(),
                    "wait": true,
                })),
            }],
            base: control,
            permissions: Vec::new(),
            missing_permission: None,
            can_ask: false,
            confirm: false,
            at,
        });
    }
    let write = safe_writes::plan(resource, request.change_type, config.kind.app_only(), at)
        .map_err(|no| CoreError::refused(no.message).with_hint(no.hint))?;
    let session = accounts.session(&config).await?;
    let held = granted(&session).await;
    let holds = |p: &String| held.iter().any(|h| h.eq_ignore_ascii_case(p));
    let missing_permission = (!held.is_empty() && !write.permissions.iter().any(holds))
        .then(|| write.permissions.first().cloned())
        .flatten();
    Ok(TriggerPlan {
        via,
        summary: write.summary,
        requests: write.requests,
        base: format!(
            "{}/{}",
            session.account.cloud.graph_base().trim_end_matches('/'),
            ApiVersion::V1.as_str()
        ),
        permissions: write.permissions,
        missing_permission,
        can_ask: !config.kind.app_only(),
        confirm: !sandbox,
        at,
    })
}

/// `/me` becomes the signed-in user: the control API's `/me` is the sandbox's first user.
fn sandbox_resource(resource: &str, me: Option<&str>) -> String {
    let path = format!(
        "/{}",
        resource
            .split('?')
            .next()
            .unwrap_or_default()
            .trim_start_matches('/')
    );
    match me {
        Some(id) if path.eq_ignore_ascii_case("/me") => format!("/users/{id}"),
        Some(id)
            if path
                .get(..4)
                .is_some_and(|head| head.eq_ignore_ascii_case("/me/")) =>
        {
            format!("/users/{id}/{}", path.get(4..).unwrap_or_default())
        }
        _ => path,
    }
}

impl TriggerPlan {
    /// The refusal when the token lacks the permission (what `trigger_change` answers, and what
    /// the CLI says before asking for `--yes`).
    pub fn missing_permission_refusal(&self) -> Option<CoreError> {
        self.missing_permission.as_ref().map(|permission| {
            CoreError::refused(format!(
                "This account's token does not hold {permission}, which this change needs."
            ))
            .with_hint(consent_hint(permission, self.can_ask))
        })
    }
}

/// How to get a permission: incremental consent for a signed-in user, an administrator's grant
/// for an app registration.
pub fn consent_hint(permission: &str, can_ask: bool) -> String {
    if can_ask {
        format!(
            "Ask for {permission} (Accounts → the account → Request permissions, or `webhook-studio account permit`), then try again."
        )
    } else {
        format!(
            "An administrator must grant the application permission {permission} to this app registration (Entra admin center → App registrations → API permissions → Grant admin consent); then check the account again."
        )
    }
}

/// Makes the change the plan describes.
pub async fn run(
    accounts: &Accounts,
    request: &TriggerRequest,
    now: i64,
) -> Result<TriggerDone, CoreError> {
    let plan = plan(accounts, request, now).await?;
    if let Some(refusal) = plan.missing_permission_refusal() {
        return Err(refusal);
    }
    match plan.via {
        TriggerVia::Sandbox => sandbox(&plan).await,
        TriggerVia::Graph => graph(accounts, request, plan).await,
    }
}

async fn sandbox(plan: &TriggerPlan) -> Result<TriggerDone, CoreError> {
    let client = http::client(
        "the sandbox's control API",
        std::time::Duration::from_secs(10),
        Redirects::None,
    )
    .map_err(|e| CoreError::internal(e.to_string()))?;
    let mut sent = Vec::new();
    let mut matched = None;
    let mut tried = Vec::new();
    for planned in &plan.requests {
        let url = format!("{}{}", plan.base, planned.path);
        let response = client
            .post(&url)
            .json(&planned.body)
            .send()
            .await
            .map_err(|_| CoreError::unreachable("The sandbox did not answer."))?;
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if !(200..300).contains(&status) {
            let message = answer["error"]["message"]
                .as_str()
                .unwrap_or("The sandbox refused the change.");
            return Err(CoreError::refused(message.to_owned()));
        }
        matched = answer["matchedSubscriptions"]
            .as_array()
            .map(|ids| u32::try_from(ids.len()).unwrap_or(u32::MAX));
        tried = answer["deliveries"].as_array().cloned().unwrap_or_default();
        sent.push(SentRequest {
            method: planned.method.clone(),
            url,
            status,
        });
    }
    let summary = match matched {
        Some(0) => {
            "The sandbox made the change, but no subscription watches it: nothing will arrive."
                .into()
        }
        Some(n) => delivered_summary(n, &tried),
        None => "The sandbox made the change.".into(),
    };
    Ok(TriggerDone {
        summary,
        sent,
        matched_subscriptions: matched,
    })
}

/// What became of the notifications of a sandbox change, from the first attempt at each
/// (`deliveries` of the control API): acknowledged, refused or unanswered, or still on the way.
fn delivered_summary(matched: u32, tried: &[Value]) -> String {
    let subscriptions = |d: &Value| {
        u32::try_from(d["subscriptionIds"].as_array().map_or(0, Vec::len)).unwrap_or(u32::MAX)
    };
    let acknowledged = |d: &Value| {
        d["status"]
            .as_u64()
            .is_some_and(|s| (200..300).contains(&s))
    };
    let ok: u32 = tried
        .iter()
        .filter(|d| acknowledged(d))
        .map(subscriptions)
        .sum();
    let failed: Vec<&Value> = tried.iter().filter(|d| !acknowledged(d)).collect();
    let not_ok: u32 = failed.iter().map(|d| subscriptions(d)).sum();
    let on_the_way = matched.saturating_sub(ok + not_ok);
    if not_ok == 0 && on_the_way == 0 {
        return format!(
            "The sandbox made the change and notified {matched} subscription(s); each notification was acknowledged."
        );
    }
    let mut parts = vec![format!("{ok} acknowledged")];
    if let Some(first) = failed.first() {
        let url = first["url"].as_str().unwrap_or("the endpoint");
        let why = if first["dropped"].as_bool() == Some(true) {
            format!("{url} is in Graph's drop state")
        } else if let Some(status) = first["status"].as_u64() {
            format!("{url} answered {status}")
        } else if studio_catalog::targets::is_event_hub_url(url) {
            format!("{url}: the hub's broker did not take it")
        } else {
            format!("{url} did not answer: is the receiver running?")
        };
        parts.push(format!("{not_ok} not delivered ({why})"));
    }
    if on_the_way > 0 {
        parts.push(format!("{on_the_way} still on the way"));
    }
    format!(
        "The sandbox made the change for {matched} subscription(s): {}. It retries for up to four hours, as Graph does.",
        parts.join(", ")
    )
}

async fn graph(
    accounts: &Accounts,
    request: &TriggerRequest,
    plan: TriggerPlan,
) -> Result<TriggerDone, CoreError> {
    let (_, _, client) = accounts.client(request.account_id.as_deref()).await?;
    // Graph's refusals are about this write, not a subscription: a 403 names the write's
    // permissions.
    let refused = |error: GraphError, method: &str| {
        let forbidden = matches!(error, GraphError::Service { status: 403, .. });
        let failure = CoreError::graph(error, &HintContext::default());
        match (forbidden, method) {
            (false, _) => failure,
            (true, "GET") => failure.with_hint(
                "Reading the mailbox's address needs User.Read (a signed-in user) or User.Read.All (an app registration).",
            ),
            (true, _) => failure.with_hint(format!(
                "This write needs {}{}.",
                if plan.permissions.len() > 1 { "one of " } else { "" },
                plan.permissions.join(", ")
            )),
        }
    };
    let mut sent = Vec::new();
    let mut created: Option<String> = None;
    let mut address: Option<String> = None;
    for planned in plan.requests.clone() {
        let path = match &created {
            Some(id) => planned.path.replace(CREATED_ID, id),
            None => planned.path.clone(),
        };
        let body = planned
            .body
            .map(|body| fill_address(body, address.as_deref()));
        if body
            .as_ref()
            .is_some_and(|b| b.to_string().contains(OWN_ADDRESS))
        {
            return Err(CoreError::refused(
                "Graph did not say this mailbox's address, so no mail was sent.",
            )
            .with_hint("An app-only account needs User.Read.All (or User.ReadBasic.All) to read it; a signed-in user always can."));
        }
        let method = reqwest::Method::from_bytes(planned.method.as_bytes())
            .map_err(|_| CoreError::internal("a trigger planned an unknown method"))?;
        let url = client.url(ApiVersion::V1, &path);
        let answer = match client
            .send(method, ApiVersion::V1, &path, body.as_ref())
            .await
        {
            Ok(answer) => answer,
            Err(error) => {
                let failure = refused(error, &planned.method);
                // Something was made and a later step failed: remove it rather than leave it.
                return Err(match (&created, plan.requests.last()) {
                    (Some(id), Some(last)) if last.method == "DELETE" && !sent.is_empty() => {
                        let made = last.path.replace(CREATED_ID, id);
                        let removed = client
                            .send(reqwest::Method::DELETE, ApiVersion::V1, &made, None)
                            .await
                            .is_ok();
                        let message = format!(
                            "{} The item made first was {}.",
                            failure.to_string().trim_end_matches('.'),
                            if removed {
                                "deleted again".to_owned()
                            } else {
                                format!("left in place: {made}")
                            }
                        );
                        CoreError::refused(message).with_hint(failure.hint().unwrap_or_default())
                    }
                    _ => failure,
                });
            }
        };
        sent.push(SentRequest {
            method: planned.method,
            url,
            status: answer.status,
        });
        if created.is_none()
            && let Some(id) = answer.body["id"].as_str()
        {
            created = Some(id.to_owned());
        }
        if address.is_none() {
            address = answer.body["mail"]
                .as_str()
                .or_else(|| answer.body["userPrincipalName"].as_str())
                .map(str::to_owned);
        }
    }
    Ok(TriggerDone {
        summary: format!("Done: {}", plan.summary),
        sent,
        matched_subscriptions: None,
    })
}

/// Puts the mailbox's address where the plan showed [`OWN_ADDRESS`].
fn fill_address(body: Value, address: Option<&str>) -> Value {
    match (body, address) {
        (Value::String(s), Some(a)) if s == OWN_ADDRESS => Value::String(a.to_owned()),
        (Value::Array(items), a) => {
            Value::Array(items.into_iter().map(|v| fill_address(v, a)).collect())
        }
        (Value::Object(map), a) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, fill_address(v, a)))
                .collect(),
        ),
        (other, _) => other,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_sandbox_change_says_whether_its_notifications_arrived() {
        let acknowledged =
            json!({"subscriptionIds": ["a", "b"], "url": "http://x/n", "status": 202});
        assert_eq!(
            super::delivered_summary(2, std::slice::from_ref(&acknowledged)),
            "The sandbox made the change and notified 2 subscription(s); each notification was acknowledged."
        );
        let unanswered =
            json!({"subscriptionIds": ["c"], "url": "http://127.0.0.1:9/n", "status": null});
        let text = super::delivered_summary(4, &[acknowledged, unanswered]);
        assert_eq!(
            text,
            "The sandbox made the change for 4 subscription(s): 2 acknowledged, 1 not delivered (http://127.0.0.1:9/n did not answer: is the receiver running?), 1 still on the way. It retries for up to four hours, as Graph does."
        );
        let dropped =
            json!({"subscriptionIds": ["d"], "url": "http://y/n", "status": null, "dropped": true});
        assert!(super::delivered_summary(1, &[dropped]).contains("drop state"));
    }

    use super::*;

    #[test]
    fn me_means_the_signed_in_user_on_the_sandbox() {
        assert_eq!(
            sandbox_resource("/me/messages", Some("u1")),
            "/users/u1/messages"
        );
        assert_eq!(sandbox_resource("me", Some("u1")), "/users/u1");
        assert_eq!(
            sandbox_resource("/me/messages?$select=subject", Some("u1")),
            "/users/u1/messages"
        );
        assert_eq!(sandbox_resource("/messages", Some("u1")), "/messages");
        assert_eq!(sandbox_resource("/mEvents", Some("u1")), "/mEvents");
        assert_eq!(sandbox_resource("/me/events", None), "/me/events");
        assert_eq!(
            sandbox_resource("/éé/x", Some("u1")),
            "/éé/x",
            "no panic on any input"
        );
    }

    #[test]
    fn the_address_goes_only_where_the_plan_showed_it() {
        let body = json!({"message": {"toRecipients": [{"emailAddress": {"address": OWN_ADDRESS}}], "subject": "x"}});
        let filled = fill_address(body, Some("a@b.test"));
        assert_eq!(
            filled["message"]["toRecipients"][0]["emailAddress"]["address"],
            "a@b.test"
        );
        assert_eq!(filled["message"]["subject"], "x");
    }
}
