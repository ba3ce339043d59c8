//! Exports hold what the Inspector's filter shows and go where the user picks in the save
//! dialog (a scripted one here; the real GTK dialog is driven in `tests/e2e/export.rs`): the
//! file private to the user, the folder they chose left as it was, nothing written when they
//! cancel, and a refusal where there is no window to ask in. A gap's reconciliation is saved
//! the same way.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use studio_core::save_dialog::{FileKind, SaveDialog, SaveFuture};
use studio_core::{AppPaths, Studio};
use studio_identity::sandbox::SilentBrowser;
use studio_identity::secrets::SessionStore;

/// A dialog whose user always picks `answer` (or cancels, with `None`).
#[derive(Debug)]
struct Scripted(Option<PathBuf>);

impl SaveDialog for Scripted {
    fn ask(&self, _title: &str, file_name: &str, kind: &FileKind) -> SaveFuture {
        assert!(
            file_name.ends_with(&format!(".{}", kind.extension)),
            "{file_name}"
        );
        let answer = self.0.clone();
        Box::pin(async move { Ok(answer) })
    }
}

fn studio(dir: &std::path::Path, answer: Option<PathBuf>) -> Studio {
    Studio::builder(AppPaths::under(dir))
        .secrets(Arc::new(SessionStore::default()))
        .browser(Arc::new(SilentBrowser))
        .save_dialog(Arc::new(Scripted(answer)))
        .open()
        .expect("opens")
}

/// Three notifications and one request to an unknown path, stored and checked (their items are
/// what a search by resource finds; checks run at a lowered priority, so under a busy machine
/// they come a while after the 202).
async fn receive(studio: &Studio) {
    let started = common::call(studio, "receiver_start", Value::Null).await;
    let url = started["endpoints"]["localNotificationUrl"]
        .as_str()
        .expect("url")
        .to_owned();
    let http = reqwest::Client::new();
    for n in 0..3 {
        http.post(&url)
            .json(&json!({"value": [{"subscriptionId": "s", "id": format!("n{n}"), "changeType": "created", "resource": format!("Users/u/Events/{n}")}]}))
            .send()
            .await
            .expect("sent");
    }
    let scanner = url::Url::parse(&url)
        .and_then(|u| u.join("/wp-login.php"))
        .expect("a URL");
    http.post(scanner).send().await.expect("sent");
    for _ in 0..200 {
        let all = common::call(studio, "receptions_list", json!({})).await;
        let listed = all.as_array().cloned().unwrap_or_default();
        if listed.len() >= 4 && listed.iter().all(|r| r["pending"] == false) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the receptions were not stored and checked");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_holds_what_is_listed_and_goes_where_the_user_picked() {
    let dir = tempfile::tempdir().expect("dir");
    let chosen = tempfile::tempdir().expect("chosen");
    std::fs::set_permissions(chosen.path(), std::fs::Permissions::from_mode(0o755)).expect("mode");
    let studio = studio(dir.path(), Some(chosen.path().join("mine")));
    receive(&studio).await;

    let done = common::call(
        &studio,
        "receptions_export",
        json!({"format": "ndjson", "ask": true, "kind": "notification"}),
    )
    .await;
    let path = chosen.path().join("mine.ndjson");
    assert_eq!(
        done,
        json!({"state": "written", "path": path.display().to_string(), "count": 3})
    );
    let lines = std::fs::read_to_string(&path).expect("written");
    assert_eq!(lines.lines().count(), 3);
    assert!(
        lines
            .lines()
            .all(|l| l.contains("\"kind\":\"notification\"")),
        "{lines}"
    );
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600, "the file is private");
    assert_eq!(
        mode(chosen.path()),
        0o755,
        "the user's folder is left as it was"
    );

    // The search narrows it too; everything without a filter.
    let searched = common::call(
        &studio,
        "receptions_export",
        json!({"format": "har", "text": "Events/2"}),
    )
    .await;
    assert_eq!(searched["count"], 1, "{searched}");
    let all = common::call(&studio, "receptions_export", json!({"format": "ndjson"})).await;
    assert_eq!(all["count"], 4, "{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_dialog_writes_nothing_and_without_a_window_ask_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let studio = studio(dir.path(), None);
    let done = common::call(
        &studio,
        "receptions_export",
        json!({"format": "ndjson", "ask": true}),
    )
    .await;
    assert_eq!(done, json!({"state": "cancelled"}));
    assert!(
        !dir.path().join("exports").exists()
            || std::fs::read_dir(dir.path().join("exports"))
                .expect("dir")
                .next()
                .is_none()
    );

    let other = tempfile::tempdir().expect("dir");
    let plain = common::studio(
        other.path(),
        Arc::new(studio_primitives::clock::SystemClock),
    );
    let refused = plain
        .dispatch(
            "receptions_export",
            json!({"format": "ndjson", "ask": true}),
        )
        .await
        .expect_err("no window");
    assert!(refused.message.contains("no window"), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconciliation_is_saved_as_json_where_the_user_picks() {
    let dir = tempfile::tempdir().expect("dir");
    // Typed without an extension in the dialog: saved as .json.
    let typed = dir.path().join("picked").join("reconciliation");
    let chosen = typed.with_extension("json");
    std::fs::create_dir_all(typed.parent().expect("parent")).expect("folder");
    let studio = studio(&dir.path().join("data"), Some(typed));
    common::call(&studio, "account_add_sandbox", json!({})).await;
    common::call(&studio, "receiver_start", Value::Null).await;
    let created = common::call(
        &studio,
        "subscription_create",
        json!({"resource": "/me/mailFolders('inbox')/messages", "changeType": "created"}),
    )
    .await;
    let id = created["subscription"]["subscription"]["id"].clone();
    let since = studio_primitives::clock::Clock::now_unix(&studio_primitives::clock::SystemClock);
    let result = common::call(
        &studio,
        "reconcile_since",
        json!({"subscriptionId": id, "since": since - 60}),
    )
    .await;
    let saved = common::call(
        &studio,
        "gap_reconciliation_save",
        json!({"id": result["gapId"]}),
    )
    .await;
    assert_eq!(saved["state"], "written", "{saved}");
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&chosen).expect("written")).expect("JSON");
    assert_eq!(written, result, "the file holds the kept reconciliation");
    assert_eq!(saved["path"], chosen.display().to_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&chosen)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(
            mode, 0o600,
            "it names subjects and contacts: private to the user"
        );
    }

    // A gap that is not there: said so, nothing asked.
    let refused = studio
        .dispatch("gap_reconciliation_save", json!({"id": 999}))
        .await
        .expect_err("no such gap");
    assert!(refused.message.contains("999"), "{refused:?}");
}
