//! What a conformance run found: one [`Check`] per observable rule, each graded, with the
//! documented rule, what happened, the fix, and the requests behind the grade. The same value is
//! printed by the CLI, shown by the window, kept in the history and written as JUnit XML.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A check's grade. `Skipped` says why a check did not apply (no lifecycle URL, plain http).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ConformStatus")]
pub enum Status {
    /// The handler did what Graph needs.
    Pass,
    /// Works, but at risk (slow, no lifecycle URL); nothing Graph refuses.
    Warn,
    /// Graph would refuse, retry, slow down or drop.
    Fail,
    /// Did not apply to this endpoint.
    Skipped,
}

/// Every check the suite runs, in the order it reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ConformCheckId")]
pub enum CheckId {
    /// The validation handshake on the notification URL, as Graph sends it on create.
    HandshakeNotification,
    /// Handshakes whose tokens hold `+`, `%`, `<`, `&`, spaces and non-ASCII text.
    HandshakeEncoding,
    /// The validation handshake on the lifecycle URL.
    HandshakeLifecycle,
    /// TLS as Graph meets it (https URLs).
    Tls,
    /// One notification without resource data.
    NotificationPlain,
    /// One POST carrying items of two subscriptions.
    NotificationBatched,
    /// A rich notification: encrypted content and validation tokens.
    NotificationRich,
    /// `reauthorizationRequired` on the lifecycle URL.
    LifecycleReauthorizationRequired,
    /// `subscriptionRemoved` on the lifecycle URL.
    LifecycleSubscriptionRemoved,
    /// `missed` on the lifecycle URL.
    LifecycleMissed,
    /// The same POST again, as Graph's retries and field duplicates deliver it.
    Duplicates,
    /// A notification whose validation token was signed by a key the authority never published.
    ForgedValidationToken,
    /// A notification whose clientState is not the subscription's.
    WrongClientState,
    /// Acknowledgement times against Graph's rules.
    AcknowledgementTime,
    /// A burst of notifications at once.
    Burst,
}

impl CheckId {
    /// A stable name for JUnit and the CLI (`handshake.notification`).
    pub fn name(self) -> &'static str {
        match self {
            CheckId::HandshakeNotification => "handshake.notification",
            CheckId::HandshakeEncoding => "handshake.encoding",
            CheckId::HandshakeLifecycle => "handshake.lifecycle",
            CheckId::Tls => "tls",
            CheckId::NotificationPlain => "notification.plain",
            CheckId::NotificationBatched => "notification.batched",
            CheckId::NotificationRich => "notification.rich",
            CheckId::LifecycleReauthorizationRequired => "lifecycle.reauthorizationRequired",
            CheckId::LifecycleSubscriptionRemoved => "lifecycle.subscriptionRemoved",
            CheckId::LifecycleMissed => "lifecycle.missed",
            CheckId::Duplicates => "delivery.duplicates",
            CheckId::ForgedValidationToken => "security.forgedValidationToken",
            CheckId::WrongClientState => "security.wrongClientState",
            CheckId::AcknowledgementTime => "delivery.acknowledgementTime",
            CheckId::Burst => "delivery.burst",
        }
    }
}

/// What was sent to the handler: a handshake, a notification POST or a lifecycle POST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ConformExchangeKind")]
pub enum ExchangeKind {
    /// `POST ?validationToken=…`.
    Handshake,
    /// `POST {"value": [...]}` to the notification URL.
    Notification,
    /// `POST {"value": [...]}` to the lifecycle URL.
    Lifecycle,
}

/// Why a TLS connection was refused, read from the TLS library (not from a message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ConformTlsProblem")]
pub enum TlsProblem {
    /// Issued by an authority this computer does not trust.
    Untrusted,
    /// A CA certificate used as the server's own.
    SelfSigned,
    /// Expired or not valid yet.
    Expired,
    /// Not issued for the URL's host.
    WrongHost,
    /// No TLS version or cipher in common.
    NoCommonVersion,
    /// The server does not speak TLS on that port (plain http?).
    NotTls,
    /// Anything else TLS refused.
    Other,
}

/// One request to the handler and what came back (never its whole body: an excerpt, as text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ConformExchange")]
pub struct Exchange {
    /// What was sent.
    pub kind: ExchangeKind,
    /// Where to.
    pub url: String,
    /// The status, or none when there was no answer (refused, reset, timed out).
    pub status: Option<u16>,
    /// Time to the whole answer, milliseconds.
    #[ts(type = "number")]
    pub latency_ms: u64,
    /// The answer's `Content-Type`.
    pub content_type: Option<String>,
    /// The first 300 characters of the answer.
    pub body_excerpt: Option<String>,
    /// Why there was no answer.
    pub error: Option<String>,
    /// The TLS problem, when TLS refused the connection.
    pub tls: Option<TlsProblem>,
    /// Where a redirect pointed (shown without credentials or query values).
    pub location: Option<String>,
    /// The notification ids the request carried (for the handler's own logs).
    pub notification_ids: Vec<String>,
}

impl Exchange {
    /// Whether Graph counts this as delivered: any 2xx.
    pub fn acknowledged(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// One graded rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ConformCheck")]
pub struct Check {
    /// Which rule.
    pub id: CheckId,
    /// Its title, for people.
    pub title: String,
    /// The grade.
    pub status: Status,
    /// The documented rule, in a sentence.
    pub rule: String,
    /// What happened.
    pub detail: String,
    /// What to change (when the grade is not a pass), or what to look for in the handler's logs.
    pub fix: Option<String>,
    /// The requests behind the grade (at most a few; a burst is summarised in `detail`).
    pub exchanges: Vec<Exchange>,
}

/// The sandbox the run drew its material from: what a handler needs to validate its tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ConformSandbox")]
pub struct SandboxFacts {
    /// The tenant the notifications come from (`tid`, and the issuer's path).
    pub tenant_id: String,
    /// The validation tokens' audience.
    pub app_id: String,
    /// The validation tokens' issuer (v1, as Graph sends them).
    pub issuer: String,
    /// Where the signing keys were published while the run lasted.
    pub jwks_uri: String,
    /// The certificate rich notifications were encrypted to: SHA-1 thumbprint, hex.
    pub certificate_thumbprint: String,
    /// Whether that certificate was the user's (`false`: one made for this run, key discarded).
    pub certificate_is_users: bool,
    /// The clientState the notifications carried (the one given, or one made up for the run).
    pub client_state: String,
    /// Whether that clientState was made up for the run.
    pub client_state_made_up: bool,
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ConformReport")]
pub struct Report {
    /// The notification URL tested.
    pub url: String,
    /// The lifecycle URL tested, if any.
    pub lifecycle_url: Option<String>,
    /// Unix seconds when the run started.
    #[ts(type = "number")]
    pub started_at: i64,
    /// How long it took, milliseconds.
    #[ts(type = "number")]
    pub duration_ms: u64,
    /// The worst grade of any check (`skipped` counts as a pass).
    pub outcome: Status,
    /// Every check, in [`CheckId`] order.
    pub checks: Vec<Check>,
    /// Every notification and lifecycle answer judged by Graph's time rules (what
    /// `delivery.acknowledgementTime` grades; absent from reports kept by older versions).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<studio_receiver::health::DeliveryHealth>,
    /// The sandbox behind the material.
    pub sandbox: SandboxFacts,
}

impl Report {
    /// The worst grade among checks: fail over warn over pass.
    pub fn outcome_of(checks: &[Check]) -> Status {
        if checks.iter().any(|c| c.status == Status::Fail) {
            Status::Fail
        } else if checks.iter().any(|c| c.status == Status::Warn) {
            Status::Warn
        } else {
            Status::Pass
        }
    }

    /// How many checks have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    /// The check `id`, if it ran.
    pub fn check(&self, id: CheckId) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// Whether a character can change how text around it looks (bidi overrides and isolates,
/// zero-width and invisible formatting, tags) or is no character at all (noncharacters).
fn deceptive(c: char) -> bool {
    let code = u32::from(c);
    matches!(code,
        0x00AD | 0x061C | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0xFDD0..=0xFDEF | 0xE0000..=0xE007F)
        || code & 0xFFFE == 0xFFFE
}

/// Text for a report, never markup: control, formatting and noncharacters dropped (nothing from a
/// handler can move the terminal's cursor, reorder what is shown, or break the JUnit XML), at
/// most `max` characters.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .filter(|c| (!c.is_control() || *c == ' ') && !deceptive(*c))
        .take(max)
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

/// A URL as reports, logs and the history show it: no user name or password, and no query values
/// (webhook URLs often carry a key, such as Azure Functions' `?code=`). Requests use the real one.
pub fn shown_url(text: &str) -> String {
    let Ok(mut url) = url::Url::parse(text) else {
        return excerpt(text, 2048);
    };
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let shown = if v.is_empty() {
                    String::new()
                } else {
                    "***".to_owned()
                };
                (k.into_owned(), shown)
            })
            .collect();
        let query = pairs
            .iter()
            .map(|(k, v)| {
                let key: String = url::form_urlencoded::byte_serialize(k.as_bytes()).collect();
                format!("{key}={v}")
            })
            .collect::<Vec<_>>()
            .join("&");
        url.set_query(Some(&query));
    }
    excerpt(url.as_str(), 2048)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: Status) -> Check {
        Check {
            id: CheckId::Burst,
            title: String::new(),
            status,
            rule: String::new(),
            detail: String::new(),
            fix: None,
            exchanges: Vec::new(),
        }
    }

    #[test]
    fn the_outcome_is_the_worst_grade_and_a_skip_is_no_failure() {
        assert_eq!(Report::outcome_of(&[]), Status::Pass);
        assert_eq!(
            Report::outcome_of(&[check(Status::Pass), check(Status::Skipped)]),
            Status::Pass
        );
        assert_eq!(
            Report::outcome_of(&[check(Status::Warn), check(Status::Pass)]),
            Status::Warn
        );
        assert_eq!(
            Report::outcome_of(&[check(Status::Warn), check(Status::Fail)]),
            Status::Fail
        );
    }

    #[test]
    fn excerpts_are_short_plain_text() {
        assert_eq!(excerpt("a\u{0}b\nc", 10), "abc");
        assert_eq!(excerpt("abcdef", 3), "abc…");
        assert_eq!(excerpt("\u{1b}[2Jok\u{9b}31m", 20), "[2Jok31m");
        assert_eq!(
            excerpt("evil\u{202e}gpj.exe\u{fffe}\u{200b}", 20),
            "evilgpj.exe"
        );
        assert_eq!(excerpt("日本語 ✓", 20), "日本語 ✓");
    }

    #[test]
    fn urls_shown_keep_no_credentials_or_query_values() {
        assert_eq!(
            shown_url("https://user:pw@fn.azurewebsites.net/api/hook?code=s3cret&x="),
            "https://fn.azurewebsites.net/api/hook?code=***&x="
        );
        assert_eq!(
            shown_url("http://localhost:7071/api"),
            "http://localhost:7071/api"
        );
        assert_eq!(shown_url("not a url"), "not a url");
    }
}
