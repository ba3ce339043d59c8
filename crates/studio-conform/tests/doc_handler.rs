//! The suite judged by a handler nobody here wrote it for: `tests/graph-handler/handler.mjs`,
//! written from Microsoft's documentation (handshake echo, 202, clientState, validation tokens
//! with `jsonwebtoken` and `jwks-rsa`, decryption with node's crypto). Every check passes, and the
//! handler's own record agrees with the suite's material: the rich notification's tokens are
//! valid and decrypt with the user's key, the forged token is refused, the wrong clientState is
//! seen as wrong. Ignored by a plain `cargo test` (npm packages); `make fidelity-test` runs it.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;
use studio_conform::{CheckId, Request, Status};

mod common;
use common::{Process, free_port, pem_pair};

#[tokio::test]
#[ignore = "needs the doc-written handler's npm packages: make fidelity-test"]
async fn a_handler_written_from_microsofts_docs_passes_and_agrees() {
    let dir = tempfile::tempdir().expect("dir");
    let (certificate, key) = pem_pair(dir.path(), "conform-test");
    let sandbox_port = free_port();
    // The tenant the sandbox (seed 1) notifies from; the handler checks the issuer against it.
    let probe = studio_emulator::start(studio_emulator::EmulatorConfig::default())
        .await
        .expect("starts");
    let tenant = probe.info.tenant_id.clone();
    probe.shutdown().await;
    let app_id = "5b1f0f55-7a47-4e1c-9d0e-2f8a6c3b9d10";
    let handler_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/graph-handler");
    assert!(
        handler_dir.join("node_modules/jsonwebtoken").is_dir(),
        "the handler's npm packages are missing: run scripts/setup.sh test (make test does)"
    );
    let mut child = Command::new("node")
        .arg(handler_dir.join("handler.mjs"))
        .env("HANDLER_APP_ID", app_id)
        .env("HANDLER_TENANT_ID", &tenant)
        .env(
            "HANDLER_JWKS_URI",
            format!("http://127.0.0.1:{sandbox_port}/common/discovery/v2.0/keys"),
        )
        .env("HANDLER_PRIVATE_KEY", &key)
        .env("HANDLER_CLIENT_STATE", "s3cret")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    let handler = Process(child);
    let ready: Value = serde_json::from_str(&line).expect("ready JSON");
    let text = |k: &str| ready[k].as_str().expect("field").to_owned();

    let request = Request {
        url: text("notificationUrl"),
        lifecycle_url: Some(text("lifecycleUrl")),
        client_state: Some("s3cret".into()),
        certificate_path: Some(certificate),
        key_path: Some(key),
        app_id: Some(app_id.into()),
        burst: Some(1_000),
        sandbox_port: Some(sandbox_port),
    };
    let report = studio_conform::run(&request, common::now())
        .await
        .expect("runs");
    // Nothing fails; a check may only warn on time (a loaded machine), never on what was answered.
    for check in &report.checks {
        let said = format!("{} {}: {}", check.id.name(), check.title, check.detail);
        if check.id == CheckId::Tls {
            assert_eq!(check.status, Status::Skipped, "{said}");
        } else {
            assert!(
                matches!(check.status, Status::Pass | Status::Warn),
                "{said}"
            );
        }
    }
    let rich = report.check(CheckId::NotificationRich).expect("ran");
    assert!(rich.detail.contains("Your key decrypts"), "{}", rich.detail);

    // The handler's own record, read after it finished its checks (its /report waits for them).
    let record: Value = reqwest::get(format!("{}/report", text("base")))
        .await
        .expect("report")
        .json()
        .await
        .expect("json");
    let notifications = record["notifications"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let by_id = |check: CheckId| {
        let id = report.check(check).expect("ran").exchanges[0].notification_ids[0].clone();
        notifications
            .iter()
            .find(|n| n["id"] == id.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("the handler never saw {id}"))
    };
    let genuine = by_id(CheckId::NotificationRich);
    assert!(
        genuine["decrypted"].is_object(),
        "decrypted with the user's key: {genuine:#}"
    );
    let tokens = genuine["tokens"].as_array().cloned().unwrap_or_default();
    assert!(
        !tokens.is_empty() && tokens.iter().all(|t| t["valid"] == true),
        "{genuine:#}"
    );
    let forged = by_id(CheckId::ForgedValidationToken);
    let forged_tokens = forged["tokens"].as_array().cloned().unwrap_or_default();
    assert!(
        !forged_tokens.is_empty() && forged_tokens.iter().all(|t| t["valid"] == false),
        "Microsoft's checks refuse the forgery: {forged:#}"
    );
    assert_eq!(
        by_id(CheckId::WrongClientState)["clientStateMatches"],
        false
    );
    assert_eq!(
        by_id(CheckId::NotificationPlain)["clientStateMatches"],
        true
    );
    let events: Vec<&str> = record["lifecycle"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|e| e["lifecycleEvent"].as_str())
                .collect()
        })
        .unwrap_or_default();
    for event in ["reauthorizationRequired", "subscriptionRemoved", "missed"] {
        assert!(events.contains(&event), "{event}: {events:?}");
    }
    drop(handler);
}
