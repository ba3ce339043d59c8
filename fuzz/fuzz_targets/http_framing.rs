//! Any bytes on a connection to the receiver: its HTTP/1.1 framing (request line, headers,
//! lengths, chunked bodies), its limits and its handler must answer or close, never panic or
//! hang. One receiver on loopback serves every input; receptions go nowhere.
#![no_main]

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use studio_receiver::{
    CommitError, Limits, NewReception, ReceiverConfig, ReceptionSink, RunningReceiver,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Accepts every reception and keeps none.
struct Discard;

impl ReceptionSink for Discard {
    fn commit(
        &self,
        _: NewReception,
    ) -> Pin<Box<dyn Future<Output = Result<i64, CommitError>> + Send + '_>> {
        Box::pin(async { Ok(1) })
    }
}

struct Target {
    runtime: tokio::runtime::Runtime,
    address: String,
    path: String,
    _receiver: RunningReceiver,
}

fn target() -> Option<&'static Target> {
    static TARGET: OnceLock<Option<Target>> = OnceLock::new();
    TARGET
        .get_or_init(|| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .ok()?;
            let config = ReceiverConfig {
                secret: "fuzz".into(),
                limits: Limits {
                    max_body: 64 * 1024,
                    body_timeout: Duration::from_millis(200),
                    header_timeout: Duration::from_millis(200),
                    recorded_refusals_per_second: 1000,
                    ..Limits::default()
                },
                ..ReceiverConfig::default()
            };
            let receiver = runtime
                .block_on(studio_receiver::start(config, std::sync::Arc::new(Discard)))
                .ok()?;
            Some(Target {
                address: receiver.local_url.trim_start_matches("http://").to_owned(),
                path: receiver.notification_path.clone(),
                runtime,
                _receiver: receiver,
            })
        })
        .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Some(target) = target() else { return };
    // Half the inputs are raw bytes; the other half start with a real request line to the
    // receiver's path, so the fuzzer reaches the headers and the body.
    let bytes = if data.first().is_some_and(|b| b % 2 == 0) {
        data.to_vec()
    } else {
        let mut prefixed = format!("POST {} HTTP/1.1\r\n", target.path).into_bytes();
        prefixed.extend_from_slice(data.get(1..).unwrap_or_default());
        prefixed
    };
    target.runtime.block_on(async {
        let Ok(mut stream) = tokio::net::TcpStream::connect(&target.address).await else {
            return;
        };
        let _ = stream.write_all(&bytes).await;
        let _ = stream.shutdown().await;
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "the receiver neither answered nor closed within 5 s");
    });
});
