//! Every check, and the order they run in: handshakes and deliveries at once (so a slow handler
//! costs its delay once, not once per check), then the burst, then the grade of every answer's
//! time. Each check stands alone: a handshake that fails does not hide how notifications fare.

pub mod delivery;
pub mod handshake;
pub mod load;
pub mod tls;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use serde_json::{Value, json};
use x509_cert::Certificate;
use x509_cert::der::{Decode, DecodePem, Encode};

use crate::material::{Encryption, Material};
use crate::probe::Target;
use crate::report::{Check, CheckId, ExchangeKind, Status};
use crate::{ConformError, Request};

/// The keys of a run: the certificate rich notifications are encrypted to, the user's key when
/// given (to check the pair), and a key the authority never published (to forge tokens with).
pub struct Keys {
    /// What the sandbox encrypts to.
    pub encryption: Encryption,
    /// SHA-1 thumbprint of that certificate, hex.
    pub thumbprint: String,
    /// The user's key, when given.
    pub users_key: Option<RsaPrivateKey>,
    forger: jsonwebtoken::EncodingKey,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("thumbprint", &self.thumbprint)
            .field("users_key", &self.users_key.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

fn read(path: &str, what: fn(String) -> ConformError) -> Result<String, ConformError> {
    std::fs::read_to_string(path).map_err(|e| what(format!("cannot read {path}: {e}")))
}

impl Keys {
    /// Reads the user's certificate and key, or makes a certificate for the run.
    pub fn prepare(request: &Request, now: u64) -> Result<Keys, ConformError> {
        let made = studio_receiver::certificate::generate(
            2048,
            "Graph Webhook Studio conformance",
            now,
            2,
        )
        .map_err(|e| ConformError::Certificate(e.to_string()))?;
        let forger = {
            use rsa::pkcs1::EncodeRsaPrivateKey;
            let key = studio_receiver::certificate::private_key(&made.private_key_pem)
                .map_err(|e| ConformError::Key(e.to_string()))?;
            let der = key
                .to_pkcs1_der()
                .map_err(|e| ConformError::Key(e.to_string()))?;
            jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes())
        };
        let der = match request
            .certificate_path
            .as_deref()
            .filter(|p| !p.trim().is_empty())
        {
            Some(path) => {
                let pem = read(path, ConformError::Certificate)?;
                let certificate = Certificate::from_pem(pem.as_bytes()).map_err(|e| {
                    ConformError::Certificate(format!("{path} is not a PEM certificate ({e})"))
                })?;
                certificate
                    .to_der()
                    .map_err(|e| ConformError::Certificate(e.to_string()))?
            }
            None => made.der.clone(),
        };
        Certificate::from_der(&der).map_err(|e| ConformError::Certificate(e.to_string()))?;
        let users_key = match request.key_path.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(path) => {
                let pem = zeroize::Zeroizing::new(read(path, ConformError::Key)?);
                let key = RsaPrivateKey::from_pkcs8_pem(&pem)
                    .or_else(|_| RsaPrivateKey::from_pkcs1_pem(&pem))
                    .map_err(|_| {
                        ConformError::Key(format!(
                            "{path} is not an RSA private key in PEM (PKCS#8 or PKCS#1)"
                        ))
                    })?;
                Some(key)
            }
            None => None,
        };
        let thumbprint = sha1_hex(&der);
        Ok(Keys {
            encryption: Encryption {
                certificate: STANDARD.encode(&der),
                id: "conformance-run".into(),
            },
            thumbprint,
            users_key,
            forger,
        })
    }
}

fn sha1_hex(der: &[u8]) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// Whether the user's key opens what was encrypted to their certificate.
fn pairing(material: &Material, key: &RsaPrivateKey) -> Result<(), String> {
    let content = &material.rich["value"][0]["encryptedContent"];
    let key = studio_receiver::verify::DecryptionKey::from_rsa(key).map_err(|e| e.to_string())?;
    studio_receiver::verify::decrypt(content, &key)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The rich body with each validation token re-signed by a key no authority published (same
/// header, same claims), and new item ids.
fn forged(body: &Value, forger: &jsonwebtoken::EncodingKey) -> Value {
    let mut body = body.clone();
    let reforge = |token: &str| -> Option<String> {
        let mut parts = token.split('.');
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next()?).ok()?).ok()?;
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next()?).ok()?).ok()?;
        let mut forged_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        forged_header.kid = header["kid"].as_str().map(str::to_owned);
        forged_header.x5t = header["x5t"].as_str().map(str::to_owned);
        forged_header.typ = Some("JWT".into());
        jsonwebtoken::encode(&forged_header, &claims, forger).ok()
    };
    if let Some(tokens) = body["validationTokens"].as_array_mut() {
        for token in tokens.iter_mut() {
            if let Some(forgery) = token.as_str().and_then(reforge) {
                *token = json!(forgery);
            }
        }
    }
    if let Some(items) = body["value"].as_array_mut() {
        for item in items {
            item["id"] = json!(studio_primitives::ids::random_guid());
        }
    }
    body
}

/// Runs every check; returns them in report order.
pub async fn all(target: &Target, material: &Material, keys: &Keys, burst: usize) -> Vec<Check> {
    let handshakes = async {
        let notification = handshake::single(
            target,
            CheckId::HandshakeNotification,
            &target.url,
            "Handshake on the notification URL",
        )
        .await;
        let tls = tls::grade(
            target,
            notification
                .exchanges
                .first()
                .unwrap_or(&empty_exchange(target)),
        );
        let (encoding, lifecycle) =
            tokio::join!(handshake::encodings(target), handshake::lifecycle(target));
        vec![notification, encoding, lifecycle, tls]
    };
    let lifecycle_bodies: Vec<&Value> = material.lifecycle.iter().collect();
    let empty = json!({"value": []});
    let lifecycle_body = |n: usize| lifecycle_bodies.get(n).copied().unwrap_or(&empty);
    let pairing = keys.users_key.as_ref().map(|key| pairing(material, key));
    let forged = forged(&material.rich, &keys.forger);
    let wrong = delivery::with_wrong_client_state(&material.plain);
    let deliveries = async {
        let plain_then_repeats = async {
            let plain = delivery::plain(target, &material.plain).await;
            let repeats = delivery::duplicates(target, &material.plain).await;
            (plain, repeats)
        };
        let ((plain, repeats), batched, rich, reauthorize, removed, missed, forgery, wrong_state) = tokio::join!(
            plain_then_repeats,
            delivery::batched(target, &material.plain, &material.second),
            delivery::rich(target, &material.rich, pairing),
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
            delivery::suspicious(
                target,
                CheckId::ForgedValidationToken,
                "A forged validation token",
                "a rich notification whose validation token is signed by a key the authority never published",
                &forged
            ),
            delivery::suspicious(
                target,
                CheckId::WrongClientState,
                "A wrong clientState",
                "a notification whose clientState is not the subscription's",
                &wrong
            ),
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
    };
    let (mut checks, deliveries) = tokio::join!(handshakes, deliveries);
    let mut latencies: Vec<u64> = deliveries
        .iter()
        .flat_map(|c| c.exchanges.iter())
        .filter(|e| {
            matches!(e.kind, ExchangeKind::Notification | ExchangeKind::Lifecycle)
                && e.status.is_some()
        })
        .map(|e| e.latency_ms)
        .collect();
    checks.extend(deliveries);
    let all_slow = !latencies.is_empty() && latencies.iter().all(|l| *l > 10_000);
    let burst_check = if burst == 0 {
        skipped(
            CheckId::Burst,
            "A burst of notifications",
            "Not run: a burst of 0 was asked for.",
        )
    } else if all_slow {
        Check {
            status: Status::Fail,
            ..skipped(
                CheckId::Burst,
                &format!("A burst of {burst} notifications"),
                "Not run: every answer so far took over 10 s, so a burst could only be slower.",
            )
        }
    } else {
        let (check, measured) = load::burst(target, &material.plain, burst).await;
        latencies.extend(measured);
        check
    };
    checks.push(load::acknowledgement_time(&latencies));
    checks.push(burst_check);
    checks.sort_by_key(|c| c.id);
    for check in &mut checks {
        if check.status == Status::Fail && check.fix.is_none() {
            check.fix = Some("See the rule above.".into());
        }
    }
    checks
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

fn empty_exchange(target: &Target) -> crate::report::Exchange {
    crate::report::Exchange {
        kind: ExchangeKind::Handshake,
        url: target.url.to_string(),
        status: None,
        latency_ms: 0,
        content_type: None,
        body_excerpt: None,
        error: None,
        notification_ids: Vec::new(),
    }
}
