//! The window's Event Hubs commands, run in this process as the window runs them, against the
//! real broker of `common/broker.rs` (tansu behind stunnel): a hub being read whose connection is
//! saved again reads on with what was saved, and when it cannot, the connection's card says why
//! rather than a log line nobody sees.
//!
//! Ignored by `cargo test`; `make eventhub-test` builds tansu (cached) and runs it.

#![cfg(unix)]
#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use common::broker::{Broker, connection_string, free_port};
use serde_json::{Value, json};
use studio_core::{AppPaths, Options, Studio};

async fn call(studio: &Studio, command: &str, payload: Value) -> Result<Value, String> {
    studio
        .dispatch(command, payload)
        .await
        .map_err(|error| format!("{error} | hint: {:?}", error.hint))
}

/// The card of the connection named "local", as `event_hubs_list` gives it.
async fn card(studio: &Studio) -> Value {
    let listed = call(studio, "event_hubs_list", Value::Null)
        .await
        .expect("listed");
    listed
        .as_array()
        .and_then(|all| all.iter().find(|c| c["connection"]["name"] == "local"))
        .cloned()
        .unwrap_or_else(|| panic!("no card for 'local': {listed}"))
}

#[test]
#[ignore = "needs tansu and stunnel: make eventhub-test"]
fn a_save_the_hub_cannot_be_read_with_stops_its_reading_and_its_card_says_why() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().expect("data dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let studio = Studio::open(
            AppPaths::under(dir.path()),
            Options {
                session_secrets_only: true,
                ..Options::default()
            },
        )
        .expect("opens");
        let ca = broker.ca.display().to_string();
        let at = |address: &str| {
            json!({ "name": "local", "connectionString": connection_string(),
                    "broker": address, "tls": { "caFile": ca } })
        };
        let there = format!("localhost:{}", broker.port);
        call(&studio, "event_hub_save", at(&there))
            .await
            .expect("saved");
        call(
            &studio,
            "event_hub_read",
            json!({ "name": "local", "start": { "from": "now" } }),
        )
        .await
        .expect("read");

        // Saved again (a rotated key, say): read on where it got to.
        call(&studio, "event_hub_save", at(&there))
            .await
            .expect("saved again");
        let read_on = card(&studio).await;
        assert_eq!(read_on["reading"], true, "{read_on}");
        assert!(read_on.get("problem").is_none(), "{read_on}");

        // Saved with a broker that is not there: it is saved all the same, the reading stops, and
        // the card says why until the hub is read again.
        let gone = format!("localhost:{}", free_port());
        let saved = call(&studio, "event_hub_save", at(&gone))
            .await
            .expect("saved whatever the reading does next");
        assert_eq!(saved["broker"], gone.as_str());
        let stopped = card(&studio).await;
        assert_eq!(stopped["reading"], false, "{stopped}");
        let problem = stopped["problem"].as_str().unwrap_or_default();
        assert!(
            problem.starts_with("Saved, but not read since:")
                && problem.contains(&gone)
                && problem.contains("could not be reached"),
            "{stopped}"
        );
        // Saved again, right: the reason was about the connection as it was, so it goes; the
        // hub is read when asked.
        call(&studio, "event_hub_save", at(&there))
            .await
            .expect("put back");
        let put_back = card(&studio).await;
        assert_eq!(put_back["reading"], false, "{put_back}");
        assert!(put_back.get("problem").is_none(), "{put_back}");
        call(
            &studio,
            "event_hub_read",
            json!({ "name": "local", "start": { "from": "committed" } }),
        )
        .await
        .expect("read again");
        let again = card(&studio).await;
        assert_eq!(again["reading"], true, "{again}");
        assert!(again.get("problem").is_none(), "{again}");
        studio.shutdown().await;
    });
}
