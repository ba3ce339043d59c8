//! The suite judged on handlers whose faults are known: a correct one passes; each deliberately
//! broken one (a JSON handshake reply, a URL-encoded echo, 202 to a validation, 500 to
//! notifications, a 12 s delay) fails the checks its fault breaks, and only those.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use studio_conform::{CheckId, Report, Request, Status};

mod common;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    JsonHandshake,
    EncodedEcho,
    Accepted202OnValidation,
    Error500OnNotifications,
    Delay12s,
}

async fn handle(
    State(fault): State<Fault>,
    Path(route): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    RawQuery(raw): RawQuery,
) -> Response {
    if fault == Fault::Delay12s {
        tokio::time::sleep(Duration::from_secs(12)).await;
    }
    if let Some(token) = query.get("validationToken") {
        let text = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
        return match fault {
            Fault::JsonHandshake => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::json!({ "validationToken": token }).to_string(),
            )
                .into_response(),
            Fault::EncodedEcho => {
                let raw = raw.unwrap_or_default();
                let echoed = raw.trim_start_matches("validationToken=").to_owned();
                (StatusCode::OK, text, echoed).into_response()
            }
            Fault::Accepted202OnValidation => {
                (StatusCode::ACCEPTED, text, token.clone()).into_response()
            }
            _ => (StatusCode::OK, text, token.clone()).into_response(),
        };
    }
    if fault == Fault::Error500OnNotifications && route == "notify" {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    StatusCode::ACCEPTED.into_response()
}

async fn serve(fault: Fault) -> String {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = axum::Router::new()
        .route("/{route}", post(handle))
        .with_state(fault);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

async fn judge(fault: Fault, burst: u32) -> Report {
    let base = serve(fault).await;
    let request = Request {
        url: format!("{base}/notify"),
        lifecycle_url: Some(format!("{base}/lifecycle")),
        client_state: Some("s3cret".into()),
        burst: Some(burst),
        ..Request::default()
    };
    studio_conform::run(&request, common::now())
        .await
        .expect("runs")
}

fn failed(report: &Report) -> BTreeSet<CheckId> {
    report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| c.id)
        .collect()
}

fn shown(report: &Report) -> String {
    report
        .checks
        .iter()
        .map(|c| format!("{} {:?}: {}", c.id.name(), c.status, c.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

const HANDSHAKES: [CheckId; 3] = [
    CheckId::HandshakeNotification,
    CheckId::HandshakeEncoding,
    CheckId::HandshakeLifecycle,
];

#[tokio::test]
async fn a_correct_handler_passes_every_check() {
    let report = judge(Fault::None, 200).await;
    // Nothing fails; a check may only warn on time (a loaded machine).
    assert!(failed(&report).is_empty(), "{}", shown(&report));
    assert!(
        report
            .checks
            .iter()
            .all(|c| c.id == CheckId::Tls || c.status != Status::Skipped),
        "{}",
        shown(&report)
    );
    assert_eq!(
        report.check(CheckId::Tls).map(|c| c.status),
        Some(Status::Skipped),
        "plain http on loopback is not judged"
    );
    let xml = studio_conform::junit::to_junit(&report).expect("junit");
    assert!(
        xml.contains("handshake.notification") && !xml.contains("<failure"),
        "{xml}"
    );
}

#[tokio::test]
async fn handshake_faults_fail_the_handshakes_and_nothing_else() {
    for (fault, says) in [
        (Fault::JsonHandshake, "text/plain"),
        (Fault::EncodedEcho, "still URL-encoded"),
        (Fault::Accepted202OnValidation, "not 202"),
    ] {
        let report = judge(fault, 50).await;
        assert_eq!(
            failed(&report),
            BTreeSet::from(HANDSHAKES),
            "{fault:?}\n{}",
            shown(&report)
        );
        let check = report.check(CheckId::HandshakeNotification).expect("ran");
        let said = format!("{} {}", check.detail, check.fix.clone().unwrap_or_default());
        assert!(said.contains(says), "{fault:?}: {said}");
        let xml = studio_conform::junit::to_junit(&report).expect("junit");
        assert_eq!(xml.matches("<failure").count(), 3, "{xml}");
    }
}

#[tokio::test]
async fn errors_on_notifications_fail_every_delivery_and_the_burst() {
    let report = judge(Fault::Error500OnNotifications, 50).await;
    assert_eq!(
        failed(&report),
        BTreeSet::from([
            CheckId::NotificationPlain,
            CheckId::NotificationBatched,
            CheckId::NotificationRich,
            CheckId::Duplicates,
            CheckId::Burst,
        ]),
        "{}",
        shown(&report)
    );
    let plain = report.check(CheckId::NotificationPlain).expect("ran");
    assert_eq!(plain.exchanges.len(), 3, "tried, then retried twice");
    for suspicious in [CheckId::ForgedValidationToken, CheckId::WrongClientState] {
        assert_eq!(
            report.check(suspicious).map(|c| c.status),
            Some(Status::Warn),
            "a 5xx to a suspicious POST is a warning"
        );
    }
}

#[tokio::test]
async fn a_handler_that_takes_12_seconds_fails_on_time() {
    let report = judge(Fault::Delay12s, 1_000).await;
    assert_eq!(
        failed(&report),
        BTreeSet::from([
            CheckId::HandshakeNotification,
            CheckId::HandshakeEncoding,
            CheckId::HandshakeLifecycle,
            CheckId::NotificationPlain,
            CheckId::NotificationBatched,
            CheckId::NotificationRich,
            CheckId::LifecycleReauthorizationRequired,
            CheckId::LifecycleSubscriptionRemoved,
            CheckId::LifecycleMissed,
            CheckId::AcknowledgementTime,
            CheckId::Burst,
        ]),
        "{}",
        shown(&report)
    );
    let time = report.check(CheckId::AcknowledgementTime).expect("ran");
    assert!(time.detail.contains("dropping"), "{}", time.detail);
    // The judgement is kept with the report, so the endpoint can be followed from run to run.
    let delivery = report.delivery.expect("judged");
    assert_eq!(
        delivery.state,
        studio_receiver::health::DeliveryState::Dropping
    );
    assert!(delivery.answers > 0 && delivery.over_slow > 0);
}
