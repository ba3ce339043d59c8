//! TLS as Graph meets it, judged against a server nobody here wrote: `openssl s_server` with a
//! self-signed certificate. The suite names the problem (not issued by a trusted authority) and
//! the fix.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use std::process::{Command, Stdio};

use studio_conform::{CheckId, Request, Status};

mod common;
use common::{Process, free_port, listening, pem_pair};

#[tokio::test]
async fn a_self_signed_certificate_fails_tls_with_the_reason() {
    let dir = tempfile::tempdir().expect("dir");
    let (cert, key) = pem_pair(dir.path(), "localhost");
    let port = free_port();
    let _server = Process(
        Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-cert", &cert, "-key", &key])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server starts"),
    );
    listening(port).await;
    let request = Request {
        url: format!("https://localhost:{port}/api/notify"),
        burst: Some(0),
        ..Request::default()
    };
    let report = studio_conform::run(&request, 1_800_000_000)
        .await
        .expect("runs");
    let tls = report.check(CheckId::Tls).expect("ran");
    assert_eq!(tls.status, Status::Fail, "{}", tls.detail);
    assert!(tls.detail.contains("self-signed"), "{}", tls.detail);
    let handshake = report.check(CheckId::HandshakeNotification).expect("ran");
    assert!(
        handshake.detail.contains("TLS refused the connection"),
        "{}",
        handshake.detail
    );
    // Nothing answered, so no notification was sent to repeat the same refusal.
    assert_eq!(
        report.check(CheckId::NotificationPlain).map(|c| c.status),
        Some(Status::Skipped)
    );
    assert!(tls.fix.as_deref().is_some_and(|f| f.contains("public CA")));
    assert_eq!(report.outcome, Status::Fail);
}
