//! The providers without the internet: "none", a URL you bring, and ngrok's failure paths against
//! loopback stand-ins for its service. The real service is exercised by the `online` feature.

#![allow(clippy::panic, clippy::expect_used, reason = "test assertions")]

use std::time::Duration;

use studio_primitives::Sensitive;
use studio_tunnel::{TunnelChoice, TunnelError, TunnelRequest, TunnelStatus, open};
use tokio::sync::watch;

fn request(choice: TunnelChoice, authtoken: Option<&str>, server: Option<String>) -> TunnelRequest {
    TunnelRequest {
        choice,
        authtoken: authtoken.map(|t| Sensitive::new(t.to_owned())),
        ngrok_server: server,
    }
}

#[tokio::test]
async fn none_and_brought_urls_open_at_once() {
    let (status, _) = watch::channel(TunnelStatus::Connecting);
    let none = open(request(TunnelChoice::None, None, None), status.clone())
        .await
        .expect("none opens");
    assert_eq!(none.public_url, None);
    assert_eq!(*status.borrow(), TunnelStatus::Off);

    let url = TunnelChoice::Url {
        url: "https://hooks.example.com/".into(),
    };
    let brought = open(request(url, None, None), status.clone())
        .await
        .expect("a https URL opens");
    assert_eq!(
        brought.public_url.as_deref(),
        Some("https://hooks.example.com")
    );
    assert!(
        matches!(&*status.borrow(), TunnelStatus::Online { public_url } if public_url == "https://hooks.example.com")
    );

    let plain = TunnelChoice::Url {
        url: "http://hooks.example.com".into(),
    };
    let refused = open(request(plain, None, None), status.clone()).await;
    assert!(matches!(refused, Err(TunnelError::BadUrl(_))));
    assert!(matches!(&*status.borrow(), TunnelStatus::Failed { .. }));
}

#[tokio::test]
async fn ngrok_without_an_authtoken_says_where_to_put_one() {
    let (status, _) = watch::channel(TunnelStatus::Off);
    let result = open(
        request(TunnelChoice::Ngrok { domain: None }, None, None),
        status.clone(),
    )
    .await;
    assert!(matches!(result, Err(TunnelError::NoAuthtoken)));
    let TunnelStatus::Failed { hint, .. } = status.borrow().clone() else {
        panic!("failed status expected");
    };
    assert!(hint.contains("Settings → Tunnel"), "{hint}");
}

/// Opens ngrok against a stand-in service on a loopback port, with a well-formed authtoken;
/// answers the outcome (it must not hang) and the status it left.
async fn ngrok_against(
    port: u16,
    domain: Option<&str>,
) -> (Result<studio_tunnel::OpenTunnel, TunnelError>, TunnelStatus) {
    let (status, _) = watch::channel(TunnelStatus::Off);
    let attempt = open(
        request(
            TunnelChoice::Ngrok {
                domain: domain.map(str::to_owned),
            },
            Some("2abcdefghijklmnop_0123456789ABCDEFGHIJ"),
            Some(format!("localhost:{port}")),
        ),
        status.clone(),
    );
    let result = tokio::time::timeout(Duration::from_secs(30), attempt)
        .await
        .expect("gives up instead of hanging");
    let last = status.borrow().clone();
    (result, last)
}

#[tokio::test]
async fn an_unreachable_ngrok_service_fails_with_a_network_hint() {
    // A port that was just free: nothing listens there.
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = free.local_addr().expect("addr").port();
    drop(free);
    let (result, status) = ngrok_against(port, None).await;
    let Err(TunnelError::Ngrok { message, hint, .. }) = result else {
        panic!("an ngrok failure expected");
    };
    assert!(message.contains("tcp"), "{message}");
    assert!(hint.contains("network"), "{hint}");
    assert!(matches!(status, TunnelStatus::Failed { .. }));
}

#[tokio::test]
async fn a_service_that_does_not_speak_tls_is_a_failure_not_a_hang() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            use tokio::io::AsyncWriteExt;
            let _ = socket.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        }
    });
    let (result, _) = ngrok_against(port, Some("contoso-dev.ngrok.app")).await;
    assert!(
        matches!(result, Err(TunnelError::Ngrok { .. })),
        "{result:?}"
    );
}

/// The real service: `NGROK_AUTHTOKEN=… cargo test -p studio-tunnel --features online`.
#[cfg(feature = "online")]
#[tokio::test]
async fn ngrok_serves_the_router_on_a_public_url() {
    let token = std::env::var("NGROK_AUTHTOKEN").expect("NGROK_AUTHTOKEN");
    let (status, _) = watch::channel(TunnelStatus::Off);
    let mut tunnel = open(
        request(TunnelChoice::Ngrok { domain: None }, Some(&token), None),
        status,
    )
    .await
    .expect("ngrok opens");
    let listener = tunnel.listener.take().expect("a listener");
    let url = tunnel.public_url.clone().expect("a URL");
    let app = axum::Router::new().route("/ping", axum::routing::get(|| async { "pong" }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let body = reqwest::get(format!("{url}/ping"))
        .await
        .expect("reachable")
        .text()
        .await
        .expect("body");
    assert_eq!(body, "pong");
    tunnel.close().await;
}
