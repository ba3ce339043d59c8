//! The delta client against Graph's documented wire shapes, served by a stub written from the
//! "message: delta" and "Use delta query" pages (not by the sandbox): a first round of two pages
//! (`@odata.nextLink` with a `$skiptoken`, then `@odata.deltaLink`), a round of changes with an
//! `@removed` item, and a kept link that answers `410 Gone` with `syncStateNotFound`, after which
//! the client syncs from the start and says so.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::json;
use studio_catalog::model::ApiVersion;
use studio_graph::{GraphClient, MemoryLog, TokenSource};
use studio_identity::IdentityError;
use studio_primitives::Sensitive;

struct Fixed;

impl TokenSource for Fixed {
    fn token(
        &self,
    ) -> Pin<Box<dyn Future<Output = Result<Sensitive<String>, IdentityError>> + Send + '_>> {
        Box::pin(async { Ok(Sensitive::new("stub-token".to_owned())) })
    }
}

/// What the stub has been asked, and whether its sync state is lost.
#[derive(Default)]
struct Stub {
    base: String,
    asked: Vec<String>,
    lost: bool,
}

const FOLDER: &str = "me/mailfolders('AQMkADNkNAAAgEMAAAA')/messages";

async fn delta(
    State(stub): State<Arc<Mutex<Stub>>>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> axum::response::Response {
    let mut stub = stub.lock().expect("stub");
    let base = format!("{}/v1.0/{FOLDER}/delta", stub.base);
    stub.asked.push(
        query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&"),
    );
    let context = "https://graph.microsoft.com/v1.0/$metadata#Collection(message)";
    let message = |id: &str, subject: &str| {
        json!({
            "@odata.type": "#microsoft.graph.message",
            "@odata.etag": format!("W/\"CQAAABYAAAARn2vdzPFjSbaPPxzjlzOTAAAIA{id}\""),
            "subject": subject,
            "isRead": false,
            "id": format!("AAMkADNkNAAAgWJAAA{id}")
        })
    };
    let body = match (query.get("$skiptoken"), query.get("$deltatoken")) {
        (None, None) => json!({
            "@odata.context": context,
            "@odata.nextLink": format!("{base}?$skiptoken=GwcBoTmPuoTQWfcsAbkYM"),
            "value": [message("1", "Holiday plans"), message("2", "Budget")]
        }),
        (Some(_), None) => json!({
            "@odata.context": context,
            "@odata.deltaLink": format!("{base}?$deltatoken=GwcBoTmPuoGNlgXgF1nyUNMXY"),
            "value": [message("3", "Team lunch")]
        }),
        (None, Some(_)) if stub.lost => {
            return (
                StatusCode::GONE,
                Json(json!({"error": {"code": "syncStateNotFound", "message": "The sync state generation is not found. The delta token is expired and data must be synchronized again."}})),
            )
                .into_response();
        }
        (None, Some(_)) => json!({
            "@odata.context": context,
            "@odata.deltaLink": format!("{base}?$deltatoken=LztZwWjo5IivWBhyxw5rAKHKJg"),
            "value": [
                message("2", "Budget (revised)"),
                {
                    "@odata.type": "#microsoft.graph.message",
                    "id": "AAMkADNkNAAAgWJAAA1",
                    "@removed": {"reason": "deleted"}
                }
            ]
        }),
        (Some(_), Some(_)) => return StatusCode::BAD_REQUEST.into_response(),
    };
    Json(body).into_response()
}

#[tokio::test]
async fn pages_changes_removals_and_an_expired_token_as_graph_documents_them() {
    let stub = Arc::new(Mutex::new(Stub::default()));
    let app = axum::Router::new()
        .route(&format!("/v1.0/{FOLDER}/delta"), axum::routing::get(delta))
        .with_state(Arc::clone(&stub));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    stub.lock().expect("stub").base.clone_from(&base);
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = GraphClient::new(
        &base,
        "account",
        Arc::new(Fixed),
        Arc::new(MemoryLog::new(10)),
    )
    .expect("client");
    let start = format!("/{FOLDER}/delta");

    let first = client
        .delta(ApiVersion::V1, &start, None, 100)
        .await
        .expect("first round");
    assert!(first.full_sync && first.restarted.is_none());
    assert_eq!(first.pages, 2, "followed the nextLink");
    assert_eq!(first.changes.len(), 3);
    assert!(
        first
            .delta_link
            .ends_with("$deltatoken=GwcBoTmPuoGNlgXgF1nyUNMXY")
    );

    let second = client
        .delta(ApiVersion::V1, &start, Some(&first.delta_link), 100)
        .await
        .expect("second round");
    assert!(!second.full_sync);
    let seen: Vec<(String, bool, Option<String>)> = second
        .changes
        .iter()
        .map(|c| (c.id.clone(), c.removed, c.etag.clone()))
        .collect();
    assert_eq!(seen[0].0, "AAMkADNkNAAAgWJAAA2");
    assert!(!seen[0].1 && seen[0].2.is_some());
    assert_eq!(
        (seen[1].0.as_str(), seen[1].1),
        ("AAMkADNkNAAAgWJAAA1", true)
    );

    stub.lock().expect("stub").lost = true;
    let third = client
        .delta(ApiVersion::V1, &start, Some(&second.delta_link), 100)
        .await
        .expect("third round, synced again");
    assert_eq!(third.restarted.as_deref(), Some("syncStateNotFound"));
    assert!(third.full_sync);
    assert_eq!(third.changes.len(), 3, "everything, from the start");
    let asked = stub.lock().expect("stub").asked.clone();
    assert_eq!(asked.len(), 6, "{asked:?}");
    assert_eq!(asked[4], "", "the restart asked without a token");
}

#[test]
fn links_elsewhere_never_get_the_token() {
    let client = GraphClient::new(
        "https://graph.microsoft.com",
        "account",
        Arc::new(Fixed),
        Arc::new(MemoryLog::new(10)),
    )
    .expect("client");
    assert!(client.is_own("https://graph.microsoft.com/v1.0/me/messages/delta?$deltatoken=x"));
    assert!(client.is_own("https://graph.microsoft.com:443/v1.0/users"));
    for hostile in [
        "https://graph.microsoft.com.evil.example/v1.0/users",
        "https://graph.microsoft.com@evil.example/v1.0/users",
        "https://user:pw@graph.microsoft.com/v1.0/users",
        "http://graph.microsoft.com/v1.0/users",
        "https://graph.microsoft.com:8443/v1.0/users",
        "not a url",
    ] {
        assert!(!client.is_own(hostile), "{hostile}");
    }
    let sandbox = GraphClient::new(
        "http://127.0.0.1:4000",
        "account",
        Arc::new(Fixed),
        Arc::new(MemoryLog::new(10)),
    )
    .expect("client");
    assert!(sandbox.is_own("http://127.0.0.1:4000/v1.0/users"));
    assert!(
        !sandbox.is_own("http://127.0.0.1:40001/v1.0/users"),
        "another port"
    );
}
