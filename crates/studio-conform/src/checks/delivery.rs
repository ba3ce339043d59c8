//! Notifications and lifecycle events as Graph delivers them: any 2xx is
//! delivered; anything else, or no answer, is retried with back-off for up to four hours and then
//! dropped. The suite retries twice on a compressed schedule (1 s, then 2 s) to show whether the
//! handler recovers. Suspicious POSTs (a forged token, a wrong clientState) must be answered (202,
//! or a 4xx) and not acted on; only the handler's own logs can show the second half, so the check
//! lists the ids to look for.

use std::time::Duration;

use serde_json::{Value, json};

use crate::probe::{self, Target};
use crate::report::{Check, CheckId, Exchange, ExchangeKind, Status};

/// Graph's waits before retrying, compressed (Graph: exponential back-off up to four hours).
pub const RETRY_WAITS: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(2)];

const DELIVERY_RULE: &str = "Answer any 2xx (202 once the notification is stored), within 3 seconds; anything else, or no answer, makes Graph retry with back-off for up to 4 hours and then drop it.";
const LIFECYCLE_RULE: &str = "Lifecycle notifications go to the lifecycle URL and are acknowledged like any other (2xx within 3 s); act on them only after clientState matches.";
const SUSPICIOUS_RULE: &str = "Anyone who learns the URL can POST. Answer (202, or a 4xx) without acting: check clientState, and for rich notifications every validation token, before using anything.";

/// Sends `body`, retrying like Graph while it is not acknowledged.
pub async fn deliver(
    target: &Target,
    url: &reqwest::Url,
    kind: ExchangeKind,
    body: &Value,
) -> Vec<Exchange> {
    let mut exchanges = vec![probe::notify(&target.http, url, kind, body).await];
    for wait in RETRY_WAITS {
        if exchanges.last().is_some_and(Exchange::acknowledged) {
            break;
        }
        tokio::time::sleep(wait).await;
        exchanges.push(probe::notify(&target.http, url, kind, body).await);
    }
    exchanges
}

/// A sentence for an answer that was not a 2xx.
fn unanswered(exchange: &Exchange) -> String {
    match (exchange.status, &exchange.error) {
        (Some(status), _) => format!("answered {status}"),
        (None, Some(error)) => format!("did not answer ({error})"),
        (None, None) => "did not answer".into(),
    }
}

/// Grades a delivery: acknowledged at once, after retries, or never; and how fast.
pub fn grade(id: CheckId, title: &str, rule: &str, exchanges: Vec<Exchange>) -> Check {
    let attempts = exchanges.len();
    let acknowledged = exchanges.iter().position(Exchange::acknowledged);
    let first = exchanges.first().map(unanswered).unwrap_or_default();
    let (status, detail, fix) = match acknowledged {
        Some(0) => {
            let ms = exchanges[0].latency_ms;
            let code = exchanges[0].status.unwrap_or_default();
            if ms > 10_000 {
                (
                    Status::Fail,
                    format!(
                        "Answered {code} after {ms} ms: over 10 s counts as slow, and Graph delays then drops slow endpoints."
                    ),
                    Some(store_then_answer()),
                )
            } else if ms > 3_000 {
                (
                    Status::Warn,
                    format!("Answered {code} after {ms} ms; Graph expects an answer within 3 s."),
                    Some(store_then_answer()),
                )
            } else {
                (Status::Pass, format!("Answered {code} in {ms} ms."), None)
            }
        }
        Some(n) if exchanges[n].latency_ms > 10_000 => (
            Status::Fail,
            format!(
                "The first attempt {first}; attempt {} was acknowledged, after {} ms: over 10 s counts as slow.",
                n + 1,
                exchanges[n].latency_ms
            ),
            Some(store_then_answer()),
        ),
        Some(n) => (
            Status::Warn,
            format!(
                "The first attempt {first}; attempt {} was acknowledged. Graph would have retried the same way.",
                n + 1
            ),
            Some(
                "Answer 5xx only when the notification could not be stored; otherwise 202.".into(),
            ),
        ),
        None => (
            Status::Fail,
            format!(
                "Never acknowledged: the first attempt {first}, and {} retries too. Graph retries for up to 4 hours, then drops the notification for good.",
                attempts - 1
            ),
            Some(refusal_fix(&exchanges)),
        ),
    };
    Check {
        id,
        title: title.into(),
        status,
        rule: rule.into(),
        detail,
        fix,
        exchanges,
    }
}

/// The fix for notifications the handler answered with an error status: for 401/403 (a
/// clientState or authentication check that ran before the 202) says which clientState was sent.
pub fn refusal_fix(exchanges: &[Exchange]) -> String {
    if exchanges
        .iter()
        .any(|e| matches!(e.status, Some(401 | 403)))
    {
        "Your handler refused it (401/403). Graph sends no credentials: if the handler checks clientState, give this suite the one it expects (--client-state; the value sent is under the sandbox facts), and check it after answering 202.".into()
    } else {
        store_then_answer()
    }
}

fn store_then_answer() -> String {
    "Store the POST body (or queue it) and answer 202 at once; check clientState, tokens and do the work afterwards.".into()
}

/// One plain notification.
pub async fn plain(target: &Target, body: &Value) -> Check {
    let exchanges = deliver(target, &target.url, ExchangeKind::Notification, body).await;
    grade(
        CheckId::NotificationPlain,
        "A notification",
        DELIVERY_RULE,
        exchanges,
    )
}

/// Items of two subscriptions in one POST, as Graph batches per app and tenant.
pub async fn batched(target: &Target, first: &Value, second: &Value) -> Check {
    let mut items = first["value"].as_array().cloned().unwrap_or_default();
    items.extend(second["value"].as_array().cloned().unwrap_or_default());
    let mut body = json!({ "value": items });
    // Ids of their own, so the duplicates check's count of the plain item stays exact.
    renumber(&mut body);
    let exchanges = deliver(target, &target.url, ExchangeKind::Notification, &body).await;
    grade(
        CheckId::NotificationBatched,
        "A batch of two subscriptions' items",
        DELIVERY_RULE,
        exchanges,
    )
}

/// A rich notification; `pairing` adds what the suite found decrypting it with the user's key.
pub async fn rich(target: &Target, body: &Value, pairing: Option<Result<(), String>>) -> Check {
    let exchanges = deliver(target, &target.url, ExchangeKind::Notification, body).await;
    let mut check = grade(
        CheckId::NotificationRich,
        "A rich notification (encrypted content, validation tokens)",
        DELIVERY_RULE,
        exchanges,
    );
    match pairing {
        Some(Ok(())) => check
            .detail
            .push_str(" Your key decrypts what the sandbox encrypted to your certificate."),
        Some(Err(problem)) => {
            check.status = Status::Fail;
            check.detail.push_str(&format!(
                " Your key does not decrypt content encrypted to your certificate: {problem}."
            ));
            check.fix = Some("Give the key that belongs to the certificate (--certificate and --key must be a pair).".into());
        }
        None => {}
    }
    check
}

/// One lifecycle event, or a skip when there is no lifecycle URL.
pub async fn lifecycle(target: &Target, id: CheckId, event: &str, body: &Value) -> Check {
    let title = format!("Lifecycle event {event}");
    match &target.lifecycle {
        Some(url) => grade(
            id,
            &title,
            LIFECYCLE_RULE,
            deliver(target, url, ExchangeKind::Lifecycle, body).await,
        ),
        None => Check {
            id,
            title,
            status: Status::Skipped,
            rule: LIFECYCLE_RULE.into(),
            detail: "No lifecycle URL was given.".into(),
            fix: None,
            exchanges: Vec::new(),
        },
    }
}

/// The same POST twice more: Graph's retries and the field's duplicates.
pub async fn duplicates(target: &Target, body: &Value, sent_before: usize) -> Check {
    let ids = probe::ids_of(body);
    let (first, second) = tokio::join!(
        probe::notify(&target.http, &target.url, ExchangeKind::Notification, body),
        probe::notify(&target.http, &target.url, ExchangeKind::Notification, body),
    );
    let exchanges = vec![first, second];
    let refused: Vec<String> = exchanges
        .iter()
        .filter(|e| !e.acknowledged())
        .map(unanswered)
        .collect();
    let look_for = format!(
        "Notification id {} arrived {} times (the plain check's {sent_before}, and these 2); your handler should act on it once.",
        ids.join(", "),
        sent_before + 2
    );
    let (status, detail, fix) = if refused.is_empty() {
        (Status::Pass, format!("Both repeats were acknowledged. {look_for}"), Some("Check your handler's logs: deduplicate by item id (by a hash of the item when it has none).".into()))
    } else {
        (
            Status::Fail,
            format!(
                "The repeats: {}. Graph would retry them again. {look_for}",
                refused.join("; ")
            ),
            Some("Answer 2xx to a duplicate too, and skip the work it would repeat.".into()),
        )
    };
    Check {
        id: CheckId::Duplicates,
        title: "The same notification again".into(),
        status,
        rule: "Graph can deliver a notification more than once and out of order; acknowledge every copy and act once, deduplicating by id.".into(),
        detail,
        fix,
        exchanges,
    }
}

/// A suspicious POST: answered is right; how it was answered says whether it was acted on only
/// in the handler's logs.
pub async fn suspicious(
    target: &Target,
    id: CheckId,
    title: &str,
    what: &str,
    body: &Value,
) -> Check {
    let exchange = probe::notify(&target.http, &target.url, ExchangeKind::Notification, body).await;
    let ids = probe::ids_of(body).join(", ");
    let look_for = format!("Make sure your handler did not act on notification id {ids}.");
    let (status, detail, fix) = match exchange.status {
        Some(s) if s < 500 => (
            Status::Pass,
            format!("Sent {what}; answered {s}. {look_for}"),
            Some(format!(
                "Your logs should show id {ids} discarded as suspicious."
            )),
        ),
        Some(s) => (
            Status::Warn,
            format!(
                "Sent {what}; answered {s}, which asks Graph (or the attacker) to send it again. {look_for}"
            ),
            Some(
                "Answer 202 (or a 4xx) and discard it; a 5xx is for your own storage failures."
                    .into(),
            ),
        ),
        None => (
            Status::Fail,
            format!(
                "Sent {what}; {}. A forged POST should not stall or crash the handler.",
                unanswered(&exchange)
            ),
            Some(
                "Answer at once and discard it; never let a bad body take the handler down.".into(),
            ),
        ),
    };
    Check {
        id,
        title: title.into(),
        status,
        rule: SUSPICIOUS_RULE.into(),
        detail,
        fix,
        exchanges: vec![exchange],
    }
}

/// `body` with every item's clientState replaced.
pub fn with_wrong_client_state(body: &Value) -> Value {
    let mut body = body.clone();
    if let Some(items) = body["value"].as_array_mut() {
        for item in items {
            item["clientState"] = json!("not-the-subscriptions-clientState");
        }
    }
    renumber(&mut body);
    body
}

/// Gives every item of `body` a new id.
pub fn renumber(body: &mut Value) {
    if let Some(items) = body["value"].as_array_mut() {
        for item in items {
            item["id"] = json!(studio_primitives::ids::random_guid());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(status: Option<u16>, latency_ms: u64) -> Exchange {
        Exchange {
            kind: ExchangeKind::Notification,
            url: "http://localhost/".into(),
            status,
            latency_ms,
            content_type: None,
            body_excerpt: None,
            error: status
                .is_none()
                .then(|| "no answer before the time limit".into()),
            tls: None,
            location: None,
            notification_ids: vec!["n1".into()],
        }
    }

    #[test]
    fn deliveries_are_graded_by_status_retries_and_time() {
        let g = |e: Vec<Exchange>| grade(CheckId::NotificationPlain, "t", DELIVERY_RULE, e).status;
        assert_eq!(g(vec![exchange(Some(202), 20)]), Status::Pass);
        assert_eq!(g(vec![exchange(Some(200), 4_000)]), Status::Warn);
        assert_eq!(g(vec![exchange(Some(202), 12_000)]), Status::Fail);
        assert_eq!(
            g(vec![exchange(Some(503), 5), exchange(Some(202), 5)]),
            Status::Warn
        );
        assert_eq!(
            g(vec![exchange(Some(503), 5), exchange(Some(202), 11_000)]),
            Status::Fail
        );
        assert_eq!(
            g(vec![
                exchange(Some(500), 5),
                exchange(Some(500), 5),
                exchange(None, 15_000)
            ]),
            Status::Fail
        );
        assert_eq!(
            g(vec![
                exchange(Some(400), 5),
                exchange(Some(400), 5),
                exchange(Some(400), 5)
            ]),
            Status::Fail
        );
    }

    #[test]
    fn a_wrong_client_state_gets_new_ids() {
        let body = json!({"value": [{"id": "a", "clientState": "s"}]});
        let forged = with_wrong_client_state(&body);
        assert_ne!(forged["value"][0]["clientState"], "s");
        assert_ne!(forged["value"][0]["id"], "a");
    }
}
