//! Secrets in a real OS keyring, and what happens without one.
//!
//! The keyring tests are `#[ignore]`d because they need a Secret Service: `make keyring-test`
//! (part of `make test`) runs them inside a throwaway D-Bus session with an unlocked
//! gnome-keyring and a temp HOME (`tests/e2e/session.sh`), and once more with no session bus at
//! all. They use a random keyring namespace, never the app's. The failure-injection tests run
//! everywhere.

#![allow(clippy::expect_used, reason = "tests fail loudly")]

use std::sync::Arc;

use studio_identity::IdentityError;
use studio_identity::account::{AccountConfig, AccountKind, Cloud, Credential};
use studio_identity::secrets::{BrokenStore, KeyringStore, PART_BYTES, SecretError, SecretStore};
use studio_identity::session::Session;
use studio_primitives::Sensitive;

fn namespace() -> String {
    let n: u64 = rand_number();
    format!("dev.graphwebhookstudio.test.{n:016x}")
}

fn rand_number() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| u64::from(d.subsec_nanos()) ^ d.as_secs())
}

fn account() -> AccountConfig {
    AccountConfig {
        id: "acct1".into(),
        name: "adele@contoso.example".into(),
        kind: AccountKind::Work,
        tenant: "organizations".into(),
        client_id: "c".into(),
        cloud: Cloud::Global,
        scopes: vec!["Mail.Read".into()],
        credential: Credential::None,
        granted: Vec::new(),
        identity: None,
    }
}

#[test]
#[ignore = "needs a Secret Service: run by `make keyring-test`"]
fn secrets_round_trip_through_the_system_keyring_even_when_long() {
    let store = KeyringStore::new(namespace());
    store.probe().expect("the keyring works in this session");
    let short = Sensitive::new("0.AXoA-refresh".to_owned());
    store.put("acct1/refresh-token", &short).expect("put");
    assert_eq!(store.get("acct1/refresh-token").expect("get"), Some(short));
    let long = Sensitive::new("r".repeat(PART_BYTES * 3 + 17));
    store.put("acct1/certificate-key", &long).expect("put long");
    assert_eq!(
        store.get("acct1/certificate-key").expect("get long"),
        Some(long)
    );
    let shorter = Sensitive::new("short again".to_owned());
    store
        .put("acct1/certificate-key", &shorter)
        .expect("replace");
    assert_eq!(
        store.get("acct1/certificate-key").expect("get"),
        Some(shorter)
    );
    for name in ["acct1/refresh-token", "acct1/certificate-key"] {
        store.delete(name).expect("delete");
        assert_eq!(store.get(name).expect("get"), None);
    }
    store
        .delete("never-there")
        .expect("deleting nothing is fine");
}

#[tokio::test]
#[ignore = "needs a Secret Service: run by `make keyring-test`"]
async fn signing_out_removes_the_accounts_secrets_from_the_keyring() {
    let store: Arc<dyn SecretStore> = Arc::new(KeyringStore::new(namespace()));
    let account = account();
    store
        .put(&account.refresh_secret(), &Sensitive::new("rt".to_owned()))
        .expect("put");
    let session = Session::new(account.clone(), Arc::clone(&store));
    session.sign_out().await.expect("signed out");
    assert_eq!(store.get(&account.refresh_secret()).expect("get"), None);
}

#[test]
#[ignore = "run by `make keyring-test` with no session bus"]
fn without_a_session_bus_the_keyring_is_reported_unavailable() {
    let error = KeyringStore::new(namespace())
        .probe()
        .expect_err("no keyring here");
    assert!(
        matches!(error, SecretError::Unavailable(_)),
        "a missing Secret Service reads as unavailable, not as a generic failure: {error:?}"
    );
}

#[tokio::test]
async fn an_absent_or_locked_keyring_is_said_clearly_and_nothing_half_happens() {
    for locked in [false, true] {
        let store: Arc<dyn SecretStore> = Arc::new(BrokenStore { locked });
        let session = Session::new(account(), store);
        let error = session
            .access_token(0)
            .await
            .expect_err("no secrets to be had");
        let hint = error.hint().unwrap_or_default();
        match (locked, &error) {
            (false, IdentityError::Secrets(SecretError::Unavailable(_))) => {
                assert!(hint.contains("session only"), "{hint}")
            }
            (true, IdentityError::Secrets(SecretError::Denied(_))) => {
                assert!(hint.contains("Unlock"), "{hint}")
            }
            _ => panic!("unexpected {error:?}"),
        }
    }
}
