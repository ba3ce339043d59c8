//! `make bench`: how fast rich notifications are checked after the 202 — each item's clientState,
//! duplicate key, RSA-OAEP unwrap of its data key, HMAC check and AES-256-CBC decryption — with
//! the sandbox's own encryption and a certificate made by the app. Printed, never asserted.

#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    reason = "a benchmark prints its figures and fails loudly"
)]

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use studio_receiver::certificate;
use studio_receiver::checks::{ItemChecker, Subscriptions};

struct OneKey(Arc<studio_receiver::verify::DecryptionKey>);

impl Subscriptions for OneKey {
    fn client_state(&self, _: &str) -> Option<Option<String>> {
        Some(Some("secretClientValue".into()))
    }
    fn private_key(&self, _: &str) -> Option<Arc<studio_receiver::verify::DecryptionKey>> {
        Some(Arc::clone(&self.0))
    }
}

fn main() {
    for bits in [2048, 3072, 4096] {
        let made = certificate::generate(bits, "bench", 1_795_000_000, 30).expect("certificate");
        let key = Arc::new(certificate::decryption_key(&made.private_key_pem).expect("key"));
        // What a subscription's `encryptionCertificate` carries: base64 DER.
        let pem = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(&made.der)
        };
        let resource = json!({"@odata.type": "#Microsoft.Graph.Message", "id": "AAMkAD", "subject": "Quarterly numbers", "bodyPreview": "x".repeat(400)});
        let bodies: Vec<Vec<u8>> = (0..100)
            .map(|n| {
                let items: Vec<_> = (0..10)
                    .map(|i| {
                        let content = studio_emulator::rich::encrypt(&resource, &pem, "bench-cert").expect("encrypt");
                        json!({"id": format!("{n}-{i}"), "subscriptionId": "s", "clientState": "secretClientValue", "changeType": "updated", "resource": "Users/u/Messages/AAMkAD", "encryptedContent": content})
                    })
                    .collect();
                serde_json::to_vec(&json!({"value": items})).expect("body")
            })
            .collect();
        let checker = ItemChecker::new(Arc::new(OneKey(key)));
        let started = Instant::now();
        let mut decrypted = 0;
        for body in &bodies {
            decrypted += checker
                .check(body)
                .unwrap_or_default()
                .iter()
                .filter(|i| i.decrypted.is_some())
                .count();
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "rich notifications, RSA {bits}: {decrypted} items checked and decrypted in {:.0} ms = {:.0} items/s on one thread",
            seconds * 1000.0,
            f64::from(u32::try_from(decrypted).unwrap_or(0)) / seconds
        );
    }
}
