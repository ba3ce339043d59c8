//! Every check, and the order they run in: the handshakes first (as Graph's come before the
//! subscription exists), then every delivery at once (so a slow handler costs its delay once, not
//! once per check), then the burst, then the grade of every acknowledgement's time. Each check
//! stands alone: a handshake that fails does not hide how notifications fare; only when nothing
//! answers at all are the notifications not sent.

pub mod delivery;
pub mod handshake;
pub mod load;
pub mod tls;

use rsa::RsaPrivateKey;
use serde_json::json;
use studio_receiver::health::DeliveryHealth;

use crate::keys::{Keys, forged};
use crate::material::Material;
use crate::probe::Target;
use crate::report::{Check, CheckId, ExchangeKind, Status};

/// Whether the user's key opens what was encrypted to their certificate.
fn pairing(material: &Material, key: &RsaPrivateKey) -> Result<(), String> {
    let content = &material.rich["value"][0]["encryptedContent"];
    let key = studio_receiver::verify::DecryptionKey::from_rsa(key).map_err(|e| e.to_string())?;
    studio_receiver::verify::decrypt(content, &key)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The handshakes, all at once, and TLS judged from them. They run before anything else, as
/// Graph's come before the subscription exists: a handler busy with the suite's notifications
/// would otherwise answer them late.
async fn handshakes(target: &Target) -> Vec<Check> {
    let (notification, encoding, lifecycle) = tokio::join!(
        handshake::single(
            target,
            CheckId::HandshakeNotification,
            &target.url,
            "Handshake on the notification URL",
        ),
        handshake::encodings(target),
        handshake::lifecycle(target),
    );
    let tls = tls::grade(
        target,
        notification.exchanges.first(),
        lifecycle.exchanges.first(),
    );
    vec![notification, encoding, lifecycle, tls]
}

/// What a check says when its POST was not sent because nothing answers at the URL.
fn not_sent(id: CheckId, title: &str) -> Check {
    skipped(
        id,
        title,
        "Not sent: nothing could be reached at the notification URL (see its handshake).",
    )
}

/// Every delivery check, at once (a slow handler costs its delay once, not once per check);
/// those to the notification URL only when something answers there.
async fn deliveries(
    target: &Target,
    material: &Material,
    keys: &Keys,
    reachable: bool,
) -> Vec<Check> {
    let empty = json!({"value": []});
    let lifecycle_body = |n: usize| material.lifecycle.get(n).unwrap_or(&empty);
    let pairing = keys.users_key.as_ref().map(|key| pairing(material, key));
    let wrong = delivery::with_wrong_client_state(&material.plain);
    let forgery = async {
        match forged(&material.rich, &keys.forger) {
            _ if !reachable => not_sent(CheckId::ForgedValidationToken, "A forged validation token"),
            Some(body) => {
                delivery::suspicious(
                    target,
                    CheckId::ForgedValidationToken,
                    "A forged validation token",
                    "a rich notification whose validation token is signed by a key the authority never published",
                    &body,
                )
                .await
            }
            None => skipped(
                CheckId::ForgedValidationToken,
                "A forged validation token",
                "Not sent: the sandbox's rich notification carried no token that could be re-signed.",
            ),
        }
    };
    let plain_then_repeats = async {
        if !reachable {
            return (
                not_sent(CheckId::NotificationPlain, "A notification"),
                not_sent(CheckId::Duplicates, "The same notification again"),
            );
        }
        let plain = delivery::plain(target, &material.plain).await;
        let repeats = delivery::duplicates(target, &material.plain, plain.exchanges.len()).await;
        (plain, repeats)
    };
    let batched = async {
        if reachable {
            delivery::batched(target, &material.plain, &material.second).await
        } else {
            not_sent(
                CheckId::NotificationBatched,
                "A batch of two subscriptions' items",
            )
        }
    };
    let rich = async {
        if reachable {
            delivery::rich(target, &material.rich, pairing).await
        } else {
            not_sent(
                CheckId::NotificationRich,
                "A rich notification (encrypted content, validation tokens)",
            )
        }
    };
    let wrong_state = async {
        if reachable {
            delivery::suspicious(
                target,
                CheckId::WrongClientState,
                "A wrong clientState",
                "a notification whose clientState is not the subscription's",
                &wrong,
            )
            .await
        } else {
            not_sent(CheckId::WrongClientState, "A wrong clientState")
        }
    };
    let ((plain, repeats), batched, rich, reauthorize, removed, missed, forgery, wrong_state) = tokio::join!(
        plain_then_repeats,
        batched,
        rich,
        delivery::lifecycle(
            target,
            CheckId::LifecycleReauthorizationRequired,
            "reauthorizationRequired",
            lifecycle_body(0)
        ),
        delivery::lifecycle(
            target,
            CheckId::LifecycleSubscriptionRemoved,
            "subscriptionRemoved",
            lifecycle_body(1)
        ),
        delivery::lifecycle(
            target,
            CheckId::LifecycleMissed,
            "missed",
            lifecycle_body(2)
        ),
        forgery,
        wrong_state,
    );
    vec![
        plain,
        batched,
        rich,
        reauthorize,
        removed,
        missed,
        repeats,
        forgery,
        wrong_state,
    ]
}

const BURST_TITLE: &str = "A burst of notifications";

/// Runs every check; returns them in report order.
pub async fn all(
    target: &Target,
    material: &Material,
    keys: &Keys,
    burst: usize,
) -> (Vec<Check>, DeliveryHealth) {
    let mut checks = handshakes(target).await;
    let reachable = !checks
        .first()
        .and_then(|c| c.exchanges.first())
        .is_some_and(handshake::unreachable);
    let delivered = deliveries(target, material, keys, reachable).await;
    let mut latencies: Vec<u64> = delivered
        .iter()
        .flat_map(|c| c.exchanges.iter())
        .filter(|e| {
            matches!(e.kind, ExchangeKind::Notification | ExchangeKind::Lifecycle) && load::timed(e)
        })
        .map(|e| e.latency_ms)
        .collect();
    checks.extend(delivered);
    let all_slow = !latencies.is_empty() && latencies.iter().all(|l| *l > 10_000);
    let burst_check = if burst == 0 {
        skipped(
            CheckId::Burst,
            BURST_TITLE,
            "Not run: a burst of 0 was asked for.",
        )
    } else if !reachable {
        not_sent(CheckId::Burst, BURST_TITLE)
    } else if all_slow {
        Check {
            status: Status::Fail,
            rule: load::BURST_RULE.into(),
            fix: Some("Acknowledge first (store or queue the body, answer 202), and do the work afterwards.".into()),
            ..skipped(
                CheckId::Burst,
                &load::burst_title(burst),
                "Not run: every answer so far took over 10 s, so a burst could only be slower.",
            )
        }
    } else {
        let (check, measured) = load::burst(target, &material.plain, burst).await;
        latencies.extend(measured);
        check
    };
    let delivery = load::delivery(&latencies);
    checks.push(load::acknowledgement_time(&latencies));
    checks.push(burst_check);
    checks.sort_by_key(|c| c.id);
    (checks, delivery)
}

fn skipped(id: CheckId, title: &str, detail: &str) -> Check {
    Check {
        id,
        title: title.into(),
        status: Status::Skipped,
        rule: String::new(),
        detail: detail.into(),
        fix: None,
        exchanges: Vec::new(),
    }
}
