//! `cargo xtask bench-hub` (in `make bench`): a 10,000-event backlog read from a real
//! Kafka-protocol broker (tansu, `TANSU_BIN`) on the path users run, beside a bare reference.
//!
//! - the app: `webhook-studio listen --event-hub bench --from start --json` (release build), whose
//!   path is the whole pipeline: fetch, store with the offsets in one transaction, the check
//!   queue, the search index, events, and `listen`'s own output; timed until it has printed every
//!   event (a line is printed once its items are checked);
//! - the reference: the same Kafka client reading the same partitions and parsing each JSON body,
//!   keeping nothing.
//!
//! It prints events per second for each and their ratio, and asserts nothing. Run it in a D-Bus
//! session with a keyring (the connection string is kept there): `make bench` does.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rskafka::client::partition::{Compression, OffsetAt, UnknownTopicHandling};
use rskafka::record::Record;
use studio_primitives::kafka::{KafkaAuth, KafkaEndpoint, KafkaTls, connect};

type Error = Box<dyn std::error::Error + Send + Sync>;

const EVENTS: usize = 10_000;
const PARTITIONS: i32 = 2;
const TOPIC: &str = "bench";
const CONNECTION_STRING: &str = "Endpoint=sb://bench.servicebus.windows.net/;SharedAccessKeyName=l;SharedAccessKey=aw==;EntityPath=bench";

fn body(n: usize) -> Vec<u8> {
    serde_json::json!({ "value": [{
        "subscriptionId": "7f1c8a2e-0000-4000-8000-000000000001",
        "subscriptionExpirationDateTime": "2026-12-01T00:00:00Z",
        "changeType": "created",
        "resource": format!("Users/u/Messages/m{n}"),
        "clientState": "secret",
        "tenantId": "b1ea6bd8-6503-42dc-a553-583617e08e42",
        "resourceData": { "@odata.type": "#Microsoft.Graph.Message", "@odata.id": format!("Users/u/Messages/m{n}"), "id": format!("m{n}") }
    }] })
    .to_string()
    .into_bytes()
}

/// Runs the benchmark.
pub fn run() -> Result<(), Error> {
    let tansu = std::env::var("TANSU_BIN").map_err(|_| "set TANSU_BIN (make bench does)")?;
    let app = std::env::var("WEBHOOK_STUDIO_BIN").map_err(|_| "set WEBHOOK_STUDIO_BIN")?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut broker = Command::new(tansu)
        .args(["broker", "--storage-engine", "memory://tansu/"])
        .arg("--listener-url")
        .arg(format!("tcp://127.0.0.1:{port}"))
        .arg("--advertised-listener-url")
        .arg(format!("tcp://127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let result = measure(port, &app);
    let _ = broker.kill();
    let _ = broker.wait();
    result
}

fn measure(port: u16, app: &str) -> Result<(), Error> {
    let runtime = tokio::runtime::Runtime::new()?;
    let endpoint = KafkaEndpoint {
        bootstrap: format!("127.0.0.1:{port}"),
        auth: KafkaAuth::None,
        tls: KafkaTls::Off,
    };
    let reference = runtime.block_on(async {
        let started = Instant::now();
        let client = loop {
            match connect(&endpoint, Duration::from_secs(2)).await {
                Ok(client) => break client,
                Err(_) if started.elapsed() < Duration::from_secs(30) => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => return Err::<Duration, Error>(error.into()),
            }
        };
        client
            .controller_client()?
            .create_topic(TOPIC, PARTITIONS, 1, 5_000)
            .await?;
        for partition in 0..PARTITIONS {
            let producer = client
                .partition_client(TOPIC, partition, UnknownTopicHandling::Retry)
                .await?;
            let share: Vec<usize> = (0..EVENTS)
                .filter(|n| i32::try_from(n % 2).unwrap_or(0) == partition)
                .collect();
            for chunk in share.chunks(500) {
                let records = chunk
                    .iter()
                    .map(|n| Record {
                        key: None,
                        value: Some(body(*n)),
                        headers: BTreeMap::new(),
                        timestamp: rskafka::chrono::DateTime::default(),
                    })
                    .collect();
                producer
                    .produce(records, Compression::NoCompression)
                    .await?;
            }
        }
        // The reference: read every partition from the start, parse each body.
        let started = Instant::now();
        let mut read = 0;
        for partition in 0..PARTITIONS {
            let consumer = client
                .partition_client(TOPIC, partition, UnknownTopicHandling::Retry)
                .await?;
            let end = consumer.get_offset(OffsetAt::Latest).await?;
            let mut offset = consumer.get_offset(OffsetAt::Earliest).await?;
            while offset < end {
                let (records, _) = consumer
                    .fetch_records(offset, 1..8 * 1024 * 1024, 1_000)
                    .await?;
                for r in &records {
                    let _: serde_json::Value =
                        serde_json::from_slice(r.record.value.as_deref().unwrap_or_default())?;
                    offset = r.offset + 1;
                    read += 1;
                }
            }
        }
        if read != EVENTS {
            return Err(format!("the reference read {read} events").into());
        }
        Ok(started.elapsed())
    })?;

    let dir = std::env::temp_dir().join(format!("bench-hub-{}", std::process::id()));
    let data = dir.display().to_string();
    let mut add = Command::new(app)
        .args([
            "--data-dir",
            &data,
            "event-hub",
            "add",
            "bench",
            "--plaintext",
            "--no-sasl",
        ])
        .arg("--broker")
        .arg(format!("127.0.0.1:{port}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    add.stdin
        .take()
        .ok_or("no stdin")?
        .write_all(CONNECTION_STRING.as_bytes())?;
    if !add.wait()?.success() {
        return Err("event-hub add failed".into());
    }
    let started = Instant::now();
    let mut listen = Command::new(app)
        .args([
            "--data-dir",
            &data,
            "listen",
            "--event-hub",
            "bench",
            "--from",
            "start",
            "--json",
        ])
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = listen.stdout.take().ok_or("no stdout")?;
    let mut printed = 0;
    for line in std::io::BufReader::new(stdout).lines() {
        if line?.contains("\"event\":\"reception\"") {
            printed += 1;
            if printed == EVENTS {
                break;
            }
        }
    }
    let app_time = started.elapsed();
    let _ = Command::new("kill")
        .args(["-INT", &listen.id().to_string()])
        .status();
    let _ = listen.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let rate = |d: Duration| EVENTS as f64 / d.as_secs_f64();
    println!(
        "bench-hub: a {EVENTS}-event backlog on tansu ({PARTITIONS} partitions, loopback, plaintext)"
    );
    println!(
        "  reference (fetch + parse):                {:>8.0} events/s ({:.2} s)",
        rate(reference),
        reference.as_secs_f64()
    );
    println!(
        "  app (listen --event-hub, stored + checked, printed): {:>8.0} events/s ({:.2} s, process start included)",
        rate(app_time),
        app_time.as_secs_f64()
    );
    println!(
        "  ratio app / reference: {:.2}",
        rate(app_time) / rate(reference)
    );
    Ok(())
}
