//! Azure Event Hubs in the real window, on a real Kafka-protocol broker (tansu, `TANSU_BIN`): a
//! connection added in the Inspector, a subscription built with "Deliver to → Azure Event Hub" on
//! Resources, and Graph's validation event and a notification read from the hub into the
//! Inspector with their checks. The broker wants a sign-in (`--authentication`, SASL PLAIN): the
//! window signs in with the connection string, as it would to Event Hubs.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use studio_primitives::kafka::{ConnectionString, KafkaEndpoint, KafkaTls, connect};
use studio_tests::webdriver::{Launch, RealApp};

const NAMESPACE: &str = "studio-e2e.servicebus.windows.net";

fn connection_string() -> String {
    format!(
        "Endpoint=sb://{NAMESPACE}/;SharedAccessKeyName=listen;SharedAccessKey=ZTJl;EntityPath=graph"
    )
}

struct Broker {
    child: Child,
    port: u16,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// tansu on a free loopback port, signing clients in with SASL PLAIN (plaintext: the TLS path is
/// `make eventhub-test`'s), with the hub as a two-partition topic.
async fn broker() -> Result<Broker> {
    let tansu = std::env::var("TANSU_BIN").context("TANSU_BIN (make e2e sets it)")?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new(tansu)
        .args([
            "broker",
            "--storage-engine",
            "memory://tansu/",
            "--authentication",
        ])
        .arg("--listener-url")
        .arg(format!("tcp://127.0.0.1:{port}"))
        .arg("--advertised-listener-url")
        .arg(format!("tcp://localhost:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let broker = Broker { child, port };
    let endpoint = KafkaEndpoint {
        bootstrap: format!("localhost:{port}"),
        auth: ConnectionString::parse(&connection_string())?
            .endpoint()
            .auth,
        tls: KafkaTls::Off,
    };
    let started = Instant::now();
    let client = loop {
        match connect(&endpoint, Duration::from_secs(2)).await {
            Ok(client) => break client,
            Err(_) if started.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => return Err(error.into()),
        }
    };
    client
        .controller_client()?
        .create_topic("graph", 2, 1, 5_000)
        .await?;
    Ok(broker)
}

fn set_select(testid: &str, value: &str) -> String {
    format!(
        "const s = document.querySelector('[data-testid={testid}]');
         const setter = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;
         setter.call(s, '{value}');
         s.dispatchEvent(new Event('change', {{ bubbles: true }}));
         return null;"
    )
}

#[tokio::test]
#[ignore = "drives the real window: run `make e2e`"]
async fn an_event_hub_subscription_and_its_events_in_the_window() -> Result<()> {
    let broker = broker().await?;
    let app = RealApp::launch_with(
        "event-hubs",
        Launch {
            sandbox_on_first_start: true,
            ..Launch::default()
        },
    )
    .await?;

    // Inspector → Azure Event Hubs → Add a connection (the string goes to the keyring).
    app.click("[data-testid=nav-inspector]").await?;
    app.click("[data-testid=event-hub-add]").await?;
    app.wait_for("[data-testid=event-hub-form]").await?;
    app.replace_text("[data-testid=event-hub-name]", "local")
        .await?;
    // Signing in with an Entra account asks for the namespace and an account instead (looked at,
    // then back to the connection string: the local broker cannot check Entra tokens).
    app.eval(&set_select("event-hub-sign-in", "entra")).await?;
    app.wait_for("[data-testid=event-hub-account]").await?;
    app.wait_for("[data-testid=event-hub-namespace]").await?;
    app.screenshot("sign-in-with-entra").await?;
    app.eval(&set_select("event-hub-sign-in", "connectionString"))
        .await?;
    app.wait_for("[data-testid=event-hub-connection-string]")
        .await?;
    app.replace_text(
        "[data-testid=event-hub-connection-string]",
        &connection_string(),
    )
    .await?;
    app.replace_text(
        "[data-testid=event-hub-broker]",
        &format!("localhost:{}", broker.port),
    )
    .await?;
    app.eval(&set_select("event-hub-tls", "plaintext")).await?;
    // Signing in with the connection string is what the picker shows, as for Event Hubs.
    ensure!(
        app.eval("return document.querySelector('[data-testid=event-hub-sign-in]').value;")
            .await?
            == Value::String("connectionString".into()),
        "the connection string signs in"
    );
    app.click("[data-testid=event-hub-save]").await?;
    app.wait_for("[data-testid=event-hub-row-local]").await?;
    // Where to start: a local time is offered too (looked at, then "from the start").
    app.eval(&set_select("event-hub-from-local", "time"))
        .await?;
    app.wait_for("[data-testid=event-hub-time-local]").await?;
    app.screenshot("read-from-a-time").await?;
    app.eval(&set_select("event-hub-from-local", "start"))
        .await?;
    app.click("[data-testid=event-hub-read-local]").await?;
    app.wait_until(
        "document.querySelector('[data-testid=event-hub-row-local]')?.dataset.reading === 'true'",
    )
    .await?;

    // Resources → Outlook messages → Deliver to → Azure Event Hub, from the saved connection.
    app.click("[data-testid=nav-resources]").await?;
    app.click("[data-resource-id=message]").await?;
    app.click("[data-testid=deliver-to-event-hub]").await?;
    app.wait_for("[data-testid=hub-connection-pick]").await?;
    app.eval(&set_select("hub-connection-pick", "local"))
        .await?;
    app.wait_until(&format!(
        "document.querySelector('[data-testid=hub-target-url]')?.textContent.startsWith('EventHub:https://{NAMESPACE}/eventhubname/graph?tenantId=')"
    ))
    .await?;
    // What the preview shows is what is sent: the hub as notification and lifecycle URL.
    app.wait_until(&format!(
        "document.querySelector('[data-testid=request-preview]')?.textContent.includes('\"notificationUrl\": \"EventHub:https://{NAMESPACE}/eventhubname/graph')"
    ))
    .await?;
    app.eval("document.querySelector('[data-testid=deliver-to]').scrollIntoView({block: 'start'}); return null;")
        .await?;
    app.screenshot("deliver-to").await?;
    app.click("[data-testid=create-subscription-button]")
        .await?;
    app.wait_for("[data-testid=create-done]").await?;
    let done = app.text("[data-testid=create-done]").await?;
    ensure!(done.contains("event hub"), "the result says where: {done}");

    // A change in the sandbox travels through the broker into the Inspector, checked.
    let sandbox = app.call("sandbox_info", Value::Null).await?;
    let control = sandbox["control"].as_str().context("control URL")?;
    reqwest::Client::new()
        .post(format!("{control}/changes"))
        .json(&json!({"resource": "/me/messages", "changeType": "created"}))
        .send()
        .await?
        .error_for_status()?;
    app.click("[data-testid=open-inspector]").await?;
    app.wait_for("[data-testid=reception-row][data-kind=notification] [data-testid=hub-badge]")
        .await?;
    app.click("[data-testid=reception-row][data-kind=notification]")
        .await?;
    app.wait_for("[data-testid=hub-origin]").await?;
    let origin = app.text("[data-testid=hub-origin]").await?;
    ensure!(origin.contains("Partition"), "where it came from: {origin}");
    app.wait_until("document.body.textContent.includes('matches')")
        .await?;
    // The card counts what it stored; Graph's validation event is listed with the rest.
    app.wait_until("document.querySelector('[data-testid=event-hub-state-local]')?.textContent.includes('2 events')")
        .await?;
    app.screenshot("inspector").await?;
    app.click("#reception-kind button:nth-child(2)").await?; // All
    app.click("[data-testid=reception-row][data-kind=validation]")
        .await?;
    app.wait_for("[data-testid=hub-origin]").await?;
    app.screenshot("validation-event").await?;
    app.close().await
}
