//! A tansu broker on loopback for the Event Hubs tests, signed in to as Event Hubs asks: tansu
//! (crates.io, an Apache Kafka-compatible broker nobody here wrote) with `--authentication`, its
//! SASL server offering PLAIN and OAUTHBEARER, behind stunnel (Debian) for TLS with a certificate
//! from a CA made by the openssl CLI. `TANSU_BIN` names the broker (`make eventhub-test` builds
//! it, cached).

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a test harness fails loudly"
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use studio_primitives::kafka::{ConnectionString, KafkaEndpoint, KafkaTls, connect};

/// The namespace the sandbox maps to the broker (any name: the connection string says it).
pub const NAMESPACE: &str = "studio-test.servicebus.windows.net";
/// The event hub (topic) each test reads.
pub const HUB: &str = "graph";

/// A connection string for the namespace and hub, as the portal gives it.
pub fn connection_string() -> String {
    format!(
        "Endpoint=sb://{NAMESPACE}/;SharedAccessKeyName=listen;SharedAccessKey=c2FuZGJveC1rZXk=;EntityPath={HUB}"
    )
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl {args:?}");
}

/// A tansu broker on loopback, reached through stunnel's TLS (its certificate signed by a CA made
/// here).
pub struct Broker {
    child: Child,
    tls: Child,
    inner: u16,
    /// Where clients connect (stunnel).
    pub port: u16,
    /// The CA that signed the broker's certificate.
    pub ca: PathBuf,
    _dir: tempfile::TempDir,
}

/// tansu (in-memory storage) listening on `inner`, telling clients to come to `port`.
fn tansu_on(inner: u16, port: u16) -> Child {
    let tansu = std::env::var("TANSU_BIN").expect("TANSU_BIN (make eventhub-test sets it)");
    Command::new(tansu)
        .args([
            "broker",
            "--storage-engine",
            "memory://tansu/",
            "--authentication",
        ])
        .arg("--listener-url")
        .arg(format!("tcp://127.0.0.1:{inner}"))
        .arg("--advertised-listener-url")
        .arg(format!("tcp://localhost:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tansu starts")
}

impl Broker {
    /// Stops tansu and starts it again on the same port: its storage is gone, the hub is made
    /// again and its offsets start at 0 (what a recreated event hub looks like).
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = tansu_on(self.inner, self.port);
        self.create_topic(HUB, 2);
    }

    /// Starts tansu and stunnel, and makes the hub with two partitions.
    pub fn start() -> Broker {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=Studio test CA",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ],
        );
        std::fs::write(
            d.join("leaf.ext"),
            "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        )
        .expect("ext file");
        openssl(
            d,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                "leaf.key",
                "-out",
                "leaf.csr",
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "leaf.ext",
                "-out",
                "leaf.pem",
            ],
        );
        // Clients see only stunnel's port (tansu advertises it); stunnel hands on to tansu.
        let (port, inner) = (free_port(), free_port());
        let child = tansu_on(inner, port);
        std::fs::write(
            d.join("stunnel.conf"),
            format!(
                "foreground = yes\npid =\n[kafka]\naccept = 127.0.0.1:{port}\nconnect = 127.0.0.1:{inner}\ncert = {}\nkey = {}\n",
                d.join("leaf.pem").display(),
                d.join("leaf.key").display()
            ),
        )
        .expect("stunnel.conf");
        let tls = Command::new("stunnel4")
            .arg(d.join("stunnel.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("stunnel starts");
        let broker = Broker {
            child,
            tls,
            inner,
            port,
            ca: d.join("ca.pem"),
            _dir: dir,
        };
        broker.create_topic(HUB, 2);
        broker
    }

    /// The broker as the app's Kafka code reaches it, signed in with the connection string.
    pub fn endpoint(&self) -> KafkaEndpoint {
        let signed_in = ConnectionString::parse(&connection_string())
            .expect("a connection string")
            .endpoint();
        KafkaEndpoint {
            bootstrap: format!("localhost:{}", self.port),
            auth: signed_in.auth,
            tls: KafkaTls::WithCa(std::fs::read(&self.ca).expect("CA")),
        }
    }

    /// Makes a topic (an event hub).
    pub fn create_topic(&self, name: &str, partitions: i32) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let started = Instant::now();
            let client = loop {
                match connect(&self.endpoint(), Duration::from_secs(2)).await {
                    Ok(client) => break client,
                    Err(error) if started.elapsed() < Duration::from_secs(30) => {
                        let _ = error;
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    Err(error) => panic!("tansu did not come up: {error}"),
                }
            };
            client
                .controller_client()
                .expect("controller")
                .create_topic(name, partitions, 1, 5_000)
                .await
                .expect("topic created");
        });
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        for child in [&mut self.tls, &mut self.child] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
