//! `graph-emulator`: the sandbox tenant as a standalone process (no GUI libraries).
//!
//! Prints one JSON line on stdout when ready (URLs, ids, the sandbox client secret, users), then
//! logs to stderr until interrupted.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use studio_emulator::{EmulatorConfig, start};

/// An offline emulator of Microsoft identity and Graph change notifications.
#[derive(Debug, Parser)]
#[command(name = "graph-emulator", version, about)]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Seed of the tenant's ids, users and keys (the same seed gives the same tenant).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also deliver to (and validate) HTTPS endpoints beyond this machine; off by default.
    #[arg(long)]
    allow_remote_delivery: bool,
    /// Emulated seconds per real second: expiry, lifecycle events and retries come sooner
    /// (e.g. 60 makes an hour pass in a minute).
    #[arg(long, default_value_t = 1.0, value_parser = time_scale)]
    time_scale: f64,
    /// Keep the tenant's state (content, subscriptions, sign-ins) in this JSON file between runs.
    #[arg(long, value_name = "FILE")]
    data: Option<std::path::PathBuf>,
    /// Deliver an Event Hubs namespace's notifications to a Kafka broker on this machine
    /// (plaintext, no SASL): `contoso.servicebus.windows.net=127.0.0.1:9092`. Repeatable.
    #[arg(long, value_name = "NAMESPACE=HOST:PORT", value_parser = event_hub)]
    event_hub: Vec<(String, String)>,
}

fn time_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(scale) if scale.is_finite() && (0.001..=100_000.0).contains(&scale) => Ok(scale),
        _ => Err("a number from 0.001 to 100000".into()),
    }
}

#[allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the ready line and errors are the interface"
)]
fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let config = EmulatorConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], args.port)),
            seed: args.seed,
            allow_remote_delivery: args.allow_remote_delivery,
            time_scale: args.time_scale,
            data_file: args.data,
            event_hubs: args
                .event_hub
                .into_iter()
                .map(|(namespace, bootstrap)| {
                    let endpoint = studio_primitives::kafka::KafkaEndpoint {
                        bootstrap,
                        auth: studio_primitives::kafka::KafkaAuth::None,
                        tls: studio_primitives::kafka::KafkaTls::Off,
                    };
                    (namespace, endpoint)
                })
                .collect(),
            ..EmulatorConfig::default()
        };
        let emulator = match start(config).await {
            Ok(emulator) => emulator,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        match serde_json::to_string(&emulator.info) {
            Ok(line) => println!("{line}"),
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
        let _ = tokio::signal::ctrl_c().await;
        emulator.shutdown().await;
        ExitCode::SUCCESS
    })
}

fn event_hub(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .filter(|(namespace, bootstrap)| !namespace.is_empty() && bootstrap.contains(':'))
        .map(|(namespace, bootstrap)| (namespace.to_owned(), bootstrap.to_owned()))
        .ok_or_else(|| "write NAMESPACE=HOST:PORT".into())
}
