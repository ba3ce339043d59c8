//! Graph's errors, parsed from `{"error":{"code","message","innerError":{…}}}` into status, code,
//! message, request id and date, with the fix a user needs, drawn from the catalog and the
//! reference: a failed validation points at the receiver and tunnel, a 403 names the permission
//! this resource needs for this account kind, a 409 the existing subscription, an expiration out
//! of range the allowed maximum.

use serde_json::Value;
use studio_catalog::Catalog;
use studio_catalog::hints::{HintStatus, hint};
use studio_catalog::model::AccountKind;
use studio_identity::IdentityError;

/// A Graph call that did not succeed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// Graph answered with an error.
    #[error("{message}")]
    Service {
        /// HTTP status.
        status: u16,
        /// Graph's `code` (branch on this, never on the message).
        code: String,
        /// Graph's `message`.
        message: String,
        /// `innerError.request-id`.
        request_id: Option<String>,
        /// `innerError.date`.
        date: Option<String>,
        /// `Retry-After`, seconds, when Graph throttled.
        retry_after: Option<u64>,
    },
    /// Graph could not be reached.
    #[error("cannot reach Microsoft Graph at {0}")]
    Network(String),
    /// Graph did not answer in time.
    #[error("Microsoft Graph did not answer within {0} seconds")]
    Timeout(u64),
    /// No token could be had.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// Graph answered something this client cannot read.
    #[error("unexpected answer from Microsoft Graph: {0}")]
    Decode(String),
    /// No HTTP client could be built.
    #[error(transparent)]
    Http(#[from] studio_primitives::http::HttpClientError),
}

/// What a hint may use to be precise.
#[derive(Debug, Clone, Default)]
pub struct HintContext<'a> {
    /// The resource a subscription call was about.
    pub resource: Option<&'a str>,
    /// The account kind.
    pub account_kind: Option<AccountKind>,
    /// The permissions the token holds.
    pub granted: &'a [String],
}

impl GraphError {
    /// Reads Graph's error body.
    pub fn from_body(status: u16, body: &[u8], retry_after: Option<u64>) -> GraphError {
        let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let error = &parsed["error"];
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let fallback = String::from_utf8_lossy(body)
            .chars()
            .take(300)
            .collect::<String>();
        GraphError::Service {
            status,
            code: text(&error["code"]).unwrap_or_else(|| format!("Http{status}")),
            message: text(&error["message"]).unwrap_or(if fallback.trim().is_empty() {
                format!("Microsoft Graph answered {status}.")
            } else {
                fallback
            }),
            request_id: text(&error["innerError"]["request-id"]),
            date: text(&error["innerError"]["date"]),
            retry_after,
        }
    }

    /// Graph's status, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            GraphError::Service { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// What to do about it.
    pub fn hint(&self, context: &HintContext<'_>) -> Option<String> {
        let GraphError::Service {
            status,
            code,
            message,
            retry_after,
            ..
        } = self
        else {
            return match self {
                GraphError::Identity(error) => error.hint(),
                GraphError::Network(_) | GraphError::Timeout(_) => {
                    Some("Check the network connection; the request can be tried again.".into())
                }
                _ => None,
            };
        };
        let lower = message.to_lowercase();
        if code == "ValidationError" || lower.contains("validation request") {
            return Some("Graph could not validate the notification URL: check that the receiver is running and the tunnel is up, and that the endpoint answers the validationToken within 10 seconds with 200 and the token as plain text.".into());
        }
        if lower.contains("lifecyclenotificationurl") {
            return Some("Teams resources need a lifecycle notification URL when the subscription lasts more than an hour: add one, or choose an expiration within the hour.".into());
        }
        if let Some(minutes) = lower
            .split("can only be ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<u32>().ok())
        {
            return Some(format!(
                "This resource allows at most {minutes} minutes ({}); choose an earlier expiration.",
                studio_catalog::validate::describe_minutes(minutes)
            ));
        }
        match (*status, code.as_str()) {
            (401, _) => Some("The token was refused: sign in to this account again.".into()),
            (403, _) => Some(permission_hint(context)),
            (404, _) if context.resource.is_none() => Some("The subscription no longer exists: it expired or was deleted. Refresh the list.".into()),
            (409, _) => Some("This app already has a subscription for this resource and change type: renew or delete that one (Subscriptions) instead of creating another.".into()),
            (429 | 503, _) => Some(match retry_after {
                Some(seconds) => format!("Graph is throttling requests; it asked to wait {seconds} seconds. Try again then."),
                None => "Graph is throttling requests; try again in a little while.".into(),
            }),
            (500..=599, _) => Some("Graph had a problem of its own; try again. If it persists, quote the request id to Microsoft support.".into()),
            _ => None,
        }
    }
}

fn permission_hint(context: &HintContext<'_>) -> String {
    let generic = "The account lacks a permission this request needs, or it was not consented: see the resource's permissions in the explorer.".to_owned();
    let (Some(resource), Some(kind), Ok(catalog)) =
        (context.resource, context.account_kind, Catalog::get())
    else {
        return generic;
    };
    let Some((_, path)) = catalog
        .resolve(resource)
        .and_then(|r| catalog.path(&r.template))
    else {
        return generic;
    };
    let found = hint(catalog, path, kind, context.granted);
    match (&found.status, found.action) {
        (HintStatus::Missing { .. } | HintStatus::Unsupported { .. }, Some(action)) => action,
        (HintStatus::Unsupported { .. }, None) => {
            format!("This account kind cannot subscribe to {}.", path.template)
        }
        (HintStatus::Satisfied { by }, _) => format!(
            "The token holds {by}, which should be enough: an administrator may have to grant consent, or the account cannot see this resource."
        ),
        _ => generic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(status: u16, code: &str, message: &str) -> GraphError {
        let body = serde_json::json!({ "error": { "code": code, "message": message, "innerError": { "request-id": "r1", "date": "d" } } });
        GraphError::from_body(status, body.to_string().as_bytes(), None)
    }

    #[test]
    fn errors_parse_and_point_at_the_fix() {
        let error = graph(
            400,
            "ValidationError",
            "Subscription validation request timed out.",
        );
        assert!(matches!(&error, GraphError::Service { request_id: Some(r), .. } if r == "r1"));
        assert!(
            error
                .hint(&HintContext::default())
                .is_some_and(|h| h.contains("tunnel"))
        );
        let granted = vec!["User.Read".to_owned()];
        let context = HintContext {
            resource: Some("/me/messages"),
            account_kind: Some(AccountKind::DelegatedWork),
            granted: &granted,
        };
        let hint = graph(
            403,
            "ExtensionError",
            "Operation: Create; Exception: [Status Code: Forbidden; Reason: Access denied]",
        )
        .hint(&context)
        .unwrap_or_default();
        assert!(hint.contains("Mail.Read"), "{hint}");
        assert!(
            graph(409, "Conflict", "exists")
                .hint(&context)
                .is_some_and(|h| h.contains("renew"))
        );
        assert!(
            graph(
                400,
                "InvalidRequest",
                "Subscription expiration can only be 4230 minutes in the future."
            )
            .hint(&context)
            .is_some_and(|h| h.contains("4230"))
        );
        let plain = GraphError::from_body(502, b"<html>bad gateway</html>", None);
        assert!(matches!(&plain, GraphError::Service { code, .. } if code == "Http502"));
    }
}
