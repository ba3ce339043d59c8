//! The receiver under abuse, over raw TCP: floods off its paths are summarized and rate-limited,
//! idle and half-sent connections are closed, the connection cap makes room for real
//! notifications, a body larger than the limit is refused from its declared length at once,
//! malformed framing gets 400, and what hyper refuses before the handler is recorded.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::sync::Arc;
use std::time::Duration;

use studio_receiver::{Limits, ReceiverConfig, ReceptionKind, RunningReceiver, start};
use studio_store::{GroupCommit, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn receiver(limits: Limits) -> (RunningReceiver, Arc<Store>) {
    let store = Arc::new(Store::temporary().expect("store"));
    let sink = Arc::new(GroupCommit::start(&store).expect("writer"));
    let config = ReceiverConfig {
        limits,
        ..ReceiverConfig::default()
    };
    (start(config, sink).await.expect("starts"), store)
}

fn address(r: &RunningReceiver) -> String {
    r.local_url.trim_start_matches("http://").to_owned()
}

/// Sends raw bytes and reads the answer (empty when the server closed without one). The read is
/// bounded so a hanging server fails the test instead of hanging it.
async fn exchange(address: &str, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).await.expect("connects");
    stream.write_all(request).await.expect("writes");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_flood_off_the_paths_is_summarized_and_rate_limited() {
    let (r, store) = receiver(Limits {
        recorded_refusals_per_second: 5,
        ..Limits::default()
    })
    .await;
    let client = reqwest::Client::new();
    let filler = "x".repeat(8 * 1024);
    for n in 0..60 {
        let answer = client
            .post(format!(
                "{}/wp-admin/{n}?q={}",
                r.local_url,
                "y".repeat(2000)
            ))
            .header("x-filler", &filler)
            .body(vec![b'z'; 64 * 1024])
            .send()
            .await
            .expect("sent");
        assert_eq!(answer.status().as_u16(), 404);
    }
    let kept = store.receptions(1000).expect("list");
    assert!(
        !kept.is_empty() && kept.len() < 60,
        "{} of 60 recorded",
        kept.len()
    );
    for reception in &kept {
        let request = &reception.request;
        assert_eq!(request.kind, ReceptionKind::Unexpected);
        assert!(request.headers.is_empty() && request.body.is_empty() && request.query.is_empty());
        assert!(request.path.len() <= studio_receiver::routes::SUMMARY_PATH_CHARS);
    }
    // The next one recorded says how many were not.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client
        .get(format!("{}/after", r.local_url))
        .send()
        .await
        .expect("sent");
    let newest = store.receptions(1).expect("list");
    let reason = newest[0].request.reason.clone().unwrap_or_default();
    assert!(reason.contains("were not recorded"), "{reason}");
    r.shutdown().await;
}

#[tokio::test]
async fn idle_and_half_sent_connections_are_closed_and_the_cap_makes_room() {
    let (r, store) = receiver(Limits {
        header_timeout: Duration::from_secs(1),
        max_connections: 16,
        ..Limits::default()
    })
    .await;
    let address = address(&r);
    let mut idle = Vec::new();
    for _ in 0..40 {
        idle.push(TcpStream::connect(&address).await.expect("connects"));
    }
    let mut half = TcpStream::connect(&address).await.expect("connects");
    half.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nX-Slow")
        .await
        .expect("writes");
    // A real notification still gets through while the idle ones sit there.
    let answer = reqwest::Client::new()
        .post(r.notification_url())
        .body(r#"{"value":[{"subscriptionId":"s"}]}"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(answer.status().as_u16(), 202);
    assert!(r.open_connections() <= 16, "{} open", r.open_connections());
    // After the header timeout, the half-sent head and the idle sockets are closed.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut buffer = [0_u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), half.read(&mut buffer))
        .await
        .expect("closed, not left hanging");
    assert!(
        matches!(read, Ok(0) | Err(_)) || String::from_utf8_lossy(&buffer).contains("408"),
        "{read:?}"
    );
    assert_eq!(r.open_connections(), 0);
    assert_eq!(store.reception_count().expect("count"), 1);
    drop(idle);
    r.shutdown().await;
}

#[tokio::test]
async fn a_large_declared_length_is_refused_at_once_and_bad_framing_gets_400() {
    let (r, store) = receiver(Limits {
        max_body: 1024,
        body_timeout: Duration::from_secs(60),
        ..Limits::default()
    })
    .await;
    let address = address(&r);
    let path = r.notification_path.clone();
    // No body follows: the answer comes from the declared length alone, long before the body
    // timeout.
    let huge = exchange(
        &address,
        format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n")
            .as_bytes(),
    )
    .await;
    assert!(huge.starts_with("HTTP/1.1 413"), "{huge}");
    let chunked = exchange(
        &address,
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
        )
        .as_bytes(),
    )
    .await;
    assert!(chunked.starts_with("HTTP/1.1 400"), "{chunked}");
    let kept = store.receptions(10).expect("list");
    let seen: Vec<(ReceptionKind, u16)> = kept
        .iter()
        .rev()
        .map(|k| (k.request.kind, k.request.status))
        .collect();
    assert_eq!(
        seen,
        [
            (ReceptionKind::Rejected, 413),
            (ReceptionKind::Rejected, 400)
        ]
    );
    assert!(
        kept[0]
            .request
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("not well-formed"))
    );
    r.shutdown().await;
}

#[tokio::test]
async fn what_the_http_layer_refuses_is_recorded() {
    let (r, store) = receiver(Limits {
        max_header_bytes: 8 * 1024,
        ..Limits::default()
    })
    .await;
    let address = address(&r);
    let big = exchange(
        &address,
        format!(
            "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "b".repeat(20 * 1024)
        )
        .as_bytes(),
    )
    .await;
    assert!(big.starts_with("HTTP/1.1 431"), "{big}");
    let garbage = exchange(&address, b"NOT HTTP AT ALL\r\n\r\n").await;
    assert!(garbage.starts_with("HTTP/1.1 400"), "{garbage}");
    let mut statuses = Vec::new();
    for _ in 0..100 {
        statuses = store
            .receptions(10)
            .expect("list")
            .iter()
            .map(|k| (k.request.kind, k.request.status))
            .collect();
        if statuses.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    statuses.sort_by_key(|s| s.1);
    assert_eq!(
        statuses,
        [
            (ReceptionKind::Rejected, 400),
            (ReceptionKind::Rejected, 431)
        ]
    );
    r.shutdown().await;
}
