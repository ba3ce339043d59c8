//! `cargo xtask bench-ingest` (in `make bench`): the path users run, measured from outside.
//!
//! Two servers run side by side in one run, each its own process on the same machine:
//! - the app: `webhook-studio listen --json --tunnel none` (release build), whose path is the
//!   whole pipeline: durable group commit, 202, the check queue (items, clientState, duplicates),
//!   the search index, events, and `listen`'s own output;
//! - a bare reference: an axum handler that parses the JSON body and answers 202 (this binary
//!   with `--bare`), i.e. what a minimal webhook endpoint costs on this machine.
//!
//! The load generator is this process: HTTP/1.1 keep-alive connections posting bodies of ten
//! notifications. It prints, and asserts nothing:
//! 1. closed-loop throughput and acknowledgement latency for each, and their ratio;
//! 2. the app at a steady 1,000 POSTs/s for a minute, then how long its check queue takes to
//!    drain, and its resident memory along the way;
//! 3. the app's acknowledgement latency for one-item notifications while bodies of 10,000 items
//!    arrive and are checked, and while bodies already acknowledged are checked, against the
//!    same with nothing else going on;
//! 4. a backlog's checks on a machine other programs keep busy (a build on every core) against
//!    the same on an idle one: checks that only get idle time never catch up there.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

type Http = Client<HttpConnector, Full<Bytes>>;
type Error = Box<dyn std::error::Error + Send + Sync>;

/// Runs the benchmark (the `--bare` reference server when asked to).
pub fn run(args: &[String]) -> Result<(), Error> {
    if args.iter().any(|a| a == "--burn") {
        burn();
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if args.iter().any(|a| a == "--bare") {
        return runtime.block_on(bare());
    }
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    runtime.block_on(measure(seconds))
}

/// The reference: parse the JSON, answer 202, keep nothing.
async fn bare() -> Result<(), Error> {
    let app = axum::Router::new().fallback(|body: Bytes| async move {
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(_) => axum::http::StatusCode::ACCEPTED,
            Err(_) => axum::http::StatusCode::BAD_REQUEST,
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("http://{}/hook", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn first_line(child: &mut Child) -> Result<String, Error> {
    use std::io::BufRead;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = std::io::BufReader::new(stdout).lines();
    let first = lines.next().ok_or("the server printed nothing")??;
    // Keep draining what it prints (listen's output is part of its cost).
    std::thread::spawn(move || lines.for_each(drop));
    Ok(first)
}

fn start_app(data: &std::path::Path) -> Result<Server, Error> {
    let binary = std::env::current_exe()?
        .parent()
        .ok_or("no target directory")?
        .join("webhook-studio");
    let mut child = Command::new(&binary)
        .args([
            "listen",
            "--json",
            "--tunnel",
            "none",
            "--port",
            "0",
            "--data-dir",
        ])
        .arg(data)
        .env("WEBHOOK_STUDIO_SECRETS", "session")
        .env_remove("DISPLAY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{} could not start ({e}); build it first", binary.display()))?;
    let first: serde_json::Value = serde_json::from_str(&first_line(&mut child)?)?;
    let url = first["local"].as_str().ok_or("no local URL")?.to_owned();
    Ok(Server { child, url })
}

fn start_bare() -> Result<Server, Error> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["bench-ingest", "--bare"])
        .stdout(Stdio::piped())
        .spawn()?;
    let url = first_line(&mut child)?;
    Ok(Server { child, url })
}

/// A body of `items` notifications; every POST's ids differ, so none is a duplicate.
fn body(sequence: u64, items: usize) -> Bytes {
    let value: Vec<String> = (0..items)
        .map(|i| format!(
            r#"{{"id":"b{sequence}-{i}","subscriptionId":"00000000-0000-0000-0000-000000000001","clientState":"secret","changeType":"created","resource":"Users/u/Messages/m{sequence}-{i}","tenantId":"t","subscriptionExpirationDateTime":"2030-01-01T00:00:00Z"}}"#
        ))
        .collect();
    Bytes::from(format!(r#"{{"value":[{}]}}"#, value.join(",")))
}

async fn post(http: &Http, url: &str, body: Bytes) -> Option<Duration> {
    let request = hyper::Request::post(url)
        .header("content-type", "application/json")
        .body(Full::new(body))
        .ok()?;
    let started = Instant::now();
    let answer = http.request(request).await.ok()?;
    (answer.status().as_u16() == 202).then(|| started.elapsed())
}

struct Figures {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    failed: u64,
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted
        .get(((sorted.len().saturating_sub(1)) as f64 * q).round() as usize)
        .copied()
        .unwrap_or_default()
}

/// `connections` closed loops posting bodies of `items` for `seconds`.
async fn closed_loop(url: &str, connections: usize, items: usize, seconds: u64) -> Figures {
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let stop = Arc::new(AtomicBool::new(false));
    let sequence = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (http, url, stop, sequence, failed) = (
            http.clone(),
            url.to_owned(),
            Arc::clone(&stop),
            Arc::clone(&sequence),
            Arc::clone(&failed),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let n = sequence.fetch_add(1, Ordering::Relaxed);
                match post(&http, &url, body(n, items)).await {
                    Some(latency) => latencies.push(latency),
                    None => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        }));
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap_or_default());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    Figures {
        per_second: all.len() as f64 / elapsed,
        p50: percentile(&all, 0.5),
        p99: percentile(&all, 0.99),
        failed: failed.load(Ordering::Relaxed),
    }
}

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn measure(seconds: u64) -> Result<(), Error> {
    let data = std::env::temp_dir().join(format!("bench-ingest-{}", std::process::id()));
    let app = start_app(&data)?;
    let bare = start_bare()?;
    let store = studio_store::Store::open(&data.join("studio.sqlite3"))?;
    println!(
        "The path users run vs a bare handler, side by side ({seconds} s each, 32 connections, 10 notifications a POST)"
    );
    let reference = closed_loop(&bare.url, 32, 10, seconds).await;
    let real = closed_loop(&app.url, 32, 10, seconds).await;
    for (name, f) in [
        ("bare axum (parse, 202)", &reference),
        ("webhook-studio listen", &real),
    ] {
        println!(
            "  {name:<28} {:>8.0} POSTs/s   ack p50 {:>6.2} ms   p99 {:>6.2} ms   failed {}",
            f.per_second,
            ms(f.p50),
            ms(f.p99),
            f.failed
        );
    }
    println!(
        "  ratio listen / bare: {:.2}",
        real.per_second / reference.per_second.max(1.0)
    );
    let drain_started = Instant::now();
    while store.pending_checks()? > 0 && drain_started.elapsed() < Duration::from_secs(300) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "  checks after the burst drained in {:.1} s; listen RSS {:.1} MiB",
        drain_started.elapsed().as_secs_f64(),
        rss_mib(app.child.id())
    );
    sustained(&app, &store).await?;
    large_bodies(&app, &store).await?;
    busy_machine(&app, &store).await?;
    drop(app);
    drop(bare);
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}

/// 1,000 POSTs/s (open loop) for a minute, then the time the check queue takes to drain.
async fn sustained(app: &Server, store: &studio_store::Store) -> Result<(), Error> {
    let seconds: u64 = std::env::var("BENCH_SUSTAINED_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    let started = Instant::now();
    let mut sent = 0_u64;
    let mut rss = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        tick.tick().await;
        let (http, url) = (http.clone(), app.url.clone());
        sent += 1;
        let n = 1_000_000 + sent;
        tasks.spawn(async move { post(&http, &url, body(n, 10)).await });
        if sent.is_multiple_of(5000) {
            rss.push(rss_mib(app.child.id()));
        }
        while tasks.len() > 2000 {
            tasks.join_next().await;
        }
    }
    let mut latencies = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok(Some(latency)) = done {
            latencies.push(latency);
        }
    }
    let load_ended = Instant::now();
    while store.pending_checks()? > 0 && load_ended.elapsed() < Duration::from_secs(300) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    latencies.sort_unstable();
    println!(
        "Steady load: {sent} POSTs in {seconds} s ({:.0}/s), ack p99 {:.2} ms; checks caught up {:.2} s after the load; RSS {:.1} → {:.1} MiB",
        sent as f64 / seconds as f64,
        ms(percentile(&latencies, 0.99)),
        load_ended.elapsed().as_secs_f64(),
        rss.first().copied().unwrap_or_default(),
        rss.last().copied().unwrap_or_default()
    );
    Ok(())
}

/// Acknowledgements of one-item notifications alone, then while 10,000-item bodies arrive (they
/// share the reception writer's commits) and are checked, then while bodies already acknowledged
/// are checked (only the checks run beside them).
async fn large_bodies(app: &Server, store: &studio_store::Store) -> Result<(), Error> {
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let small = |offset: u64, count: u64| {
        let (http, url) = (http.clone(), app.url.clone());
        async move {
            let mut latencies = Vec::new();
            for n in 0..count {
                if let Some(latency) = post(&http, &url, body(offset + n, 1)).await {
                    latencies.push(latency);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            latencies.sort_unstable();
            latencies
        }
    };
    let alone = small(2_000_000, 400).await;
    let big = {
        let (http, url) = (http.clone(), app.url.clone());
        tokio::spawn(async move {
            for n in 0..20 {
                let _ = post(&http, &url, body(3_000_000 + n, 10_000)).await;
            }
        })
    };
    let during = small(4_000_000, 400).await;
    let _ = big.await;
    let pending = store.pending_checks()?;
    println!(
        "One-item acks: p50 {:.2} / p99 {:.2} ms alone; p50 {:.2} / p99 {:.2} ms while 20 bodies of 10,000 items arrive and are checked ({pending} still queued)",
        ms(percentile(&alone, 0.5)),
        ms(percentile(&alone, 0.99)),
        ms(percentile(&during, 0.5)),
        ms(percentile(&during, 0.99)),
    );
    for n in 0..20 {
        let _ = post(&http, &app.url, body(5_000_000 + n, 10_000)).await;
    }
    let queued = store.pending_checks()?;
    let checking = small(6_000_000, 200).await;
    let left = store.pending_checks()?;
    println!(
        "  and p50 {:.2} / p99 {:.2} ms while 20 such bodies, already acknowledged, are checked ({queued} receptions queued before, {left} after)",
        ms(percentile(&checking, 0.5)),
        ms(percentile(&checking, 0.99)),
    );
    Ok(())
}

/// Keeps every core busy until its standard input closes (the benchmark ended, however it
/// ended): the other programs of a developer's machine.
fn burn() {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    for _ in 0..cores {
        std::thread::spawn(|| {
            let mut n = 0_u64;
            loop {
                n = std::hint::black_box(n.wrapping_add(1));
            }
        });
    }
    let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
}

/// The burner's process, ended when dropped (and by itself when this process goes).
struct Burner(Child);

impl Burner {
    fn start() -> Result<Burner, Error> {
        let child = Command::new(std::env::current_exe()?)
            .args(["bench-ingest", "--burn"])
            .stdin(Stdio::piped())
            .spawn()?;
        Ok(Burner(child))
    }
}

impl Drop for Burner {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What one backlog measured.
struct Backlog {
    /// The acknowledgements' p99, as the load generator saw it.
    p99: Duration,
    /// From the first POST to the last check, or to giving up.
    took: Duration,
    /// Receptions still waiting for their checks when it gave up (0: all checked).
    left: i64,
    /// POSTs not answered 202.
    failed: u64,
}

/// A backlog of `count` POSTs of ten notifications (32 at a time), then the wait until every one
/// is checked (at most ten minutes).
async fn backlog(
    url: &str,
    store: &studio_store::Store,
    offset: u64,
    count: u64,
) -> Result<Backlog, Error> {
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let mut latencies = Vec::new();
    let mut failed = 0;
    let mut keep = |done: Result<Option<Duration>, tokio::task::JoinError>| match done {
        Ok(Some(latency)) => latencies.push(latency),
        _ => failed += 1,
    };
    for n in 0..count {
        while tasks.len() >= 32 {
            if let Some(done) = tasks.join_next().await {
                keep(done);
            }
        }
        let (http, url) = (http.clone(), url.to_owned());
        tasks.spawn(async move { post(&http, &url, body(offset + n, 10)).await });
    }
    while let Some(done) = tasks.join_next().await {
        keep(done);
    }
    let mut left = store.pending_checks()?;
    while left > 0 && started.elapsed() < Duration::from_secs(600) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        left = store.pending_checks()?;
    }
    latencies.sort_unstable();
    Ok(Backlog {
        p99: percentile(&latencies, 0.99),
        took: started.elapsed(),
        left,
        failed,
    })
}

fn checked_in(backlog: &Backlog) -> String {
    let failed = match backlog.failed {
        0 => String::new(),
        n => format!(", {n} POSTs failed"),
    };
    if backlog.left == 0 {
        format!(
            "checked in {:.1} s (ack p99 {:.1} ms{failed})",
            backlog.took.as_secs_f64(),
            ms(backlog.p99)
        )
    } else {
        format!(
            "NOT all checked after {:.0} s: {} receptions still waiting (ack p99 {:.1} ms{failed})",
            backlog.took.as_secs_f64(),
            backlog.left,
            ms(backlog.p99)
        )
    }
}

/// The same backlog on an idle machine and with every core kept busy by another process.
async fn busy_machine(app: &Server, store: &studio_store::Store) -> Result<(), Error> {
    let settling = Instant::now();
    while store.pending_checks()? > 0 && settling.elapsed() < Duration::from_secs(300) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = store.pending_checks()?;
    if before > 0 {
        // Its figures would count the earlier parts' work too.
        println!(
            "Busy machine: not measured, {before} receptions of the parts before still waiting for their checks after 5 minutes"
        );
        return Ok(());
    }
    let idle = backlog(&app.url, store, 7_000_000, 5_000).await?;
    let burner = Burner::start()?;
    let busy = backlog(&app.url, store, 8_000_000, 5_000).await?;
    drop(burner);
    println!(
        "Busy machine: 5,000 POSTs {} on an idle machine; {} with a thread per core busy in another process (the load generator shares those cores too)",
        checked_in(&idle),
        checked_in(&busy)
    );
    if busy.left == 0 {
        println!(
            "  busy / idle: {:.1}x",
            busy.took.as_secs_f64() / idle.took.as_secs_f64().max(0.001)
        );
    }
    Ok(())
}
