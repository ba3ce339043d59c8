//! Signing in, judged by an authority nobody here wrote: node-oidc-provider (npm `oidc-provider`,
//! a certified OpenID Provider) run by `tests/oidc-provider/server.mjs` with Microsoft's URL
//! shapes, opaque access tokens, rotating refresh tokens and reuse detection. The same tests run
//! against the sandbox tenant. A scripted browser (`sign_in/browser.rs`) fills the authority's
//! own forms and follows the loopback redirect for real; the app runs exactly as the window runs
//! it (`Studio::dispatch`).
//!
//! The node-oidc-provider tests are ignored by plain `cargo test` (they need the npm package that
//! `scripts/setup.sh test` installs); `make oidc-test` runs them.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

#[path = "sign_in/authorities.rs"]
mod authorities;
#[path = "sign_in/browser.rs"]
mod browser;

use std::sync::Arc;

use authorities::{Run, call, certificate, node_provider, run, run_with, studio};
use browser::{Person, ScriptedBrowser};
use serde_json::{Value, json};
use studio_core::{AppPaths, Studio};
use studio_identity::secrets::SecretStore;

/// Who signed in comes from the ID token, two users of one app are two accounts, and the
/// permissions shown are the ones the authority granted.
async fn two_users_are_two_accounts_named_by_their_id_tokens(run: Run) {
    let first = run
        .sign_in(run.authority.person(0))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", run.trail()));
    let second = run
        .sign_in(run.authority.person(1))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", run.trail()));
    for (account, n) in [(&first, 0), (&second, 1)] {
        let expected = &run.authority.users[n].1;
        assert_eq!(account["config"]["name"].as_str(), Some(expected.as_str()));
        assert_eq!(
            account["config"]["identity"]["username"].as_str(),
            Some(expected.as_str())
        );
        assert_eq!(account["config"]["identity"]["source"], "idToken");
        assert_eq!(
            account["claims"]["subject"].as_str(),
            Some(expected.as_str())
        );
        let permissions = account["claims"]["permissions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(permissions.contains(&json!("Mail.Read")), "{permissions:?}");
        assert!(
            !permissions.contains(&json!("offline_access")),
            "{permissions:?}"
        );
    }
    assert_ne!(first["config"]["id"], second["config"]["id"]);
    assert_ne!(
        first["config"]["identity"]["objectKey"],
        second["config"]["identity"]["objectKey"]
    );
    assert_eq!(run.accounts().await.len(), 2);
    for account in [&first, &second] {
        let id = account["config"]["id"].as_str().unwrap_or_default();
        assert!(
            run.secrets
                .get(&format!("{id}/refresh-token"))
                .ok()
                .flatten()
                .is_some(),
            "each user keeps their own refresh token"
        );
    }
    // The same user again is the same account.
    let again = run
        .sign_in(run.authority.person(0))
        .await
        .expect("signs in again");
    assert_eq!(again["config"]["id"], first["config"]["id"]);
    assert_eq!(run.accounts().await.len(), 2);
}

#[tokio::test]
#[ignore = "needs node-oidc-provider: make oidc-test"]
async fn node_two_users_are_two_accounts_named_by_their_id_tokens() {
    two_users_are_two_accounts_named_by_their_id_tokens(run(true).await).await;
}

/// The same with standard JWT access tokens (RFC 9068, without Microsoft's `upn`): the access
/// token is not where the app looks.
#[tokio::test]
#[ignore = "needs node-oidc-provider: make oidc-test"]
async fn node_jwt_access_tokens_change_nothing() {
    two_users_are_two_accounts_named_by_their_id_tokens(run_with(true, "jwt").await).await;
}

#[tokio::test]
async fn sandbox_two_users_are_two_accounts_named_by_their_id_tokens() {
    two_users_are_two_accounts_named_by_their_id_tokens(run(false).await).await;
}

/// Signing in through `common`: the discovery document names Microsoft's `{tenantid}` issuer
/// template, the ID token's `tid` fills it in, and the account records the real tenant id.
async fn common_sign_in_records_the_tenant_id(node: bool) {
    let run = run(node).await;
    run.browser.act_as(run.authority.person(0));
    let account = call(
        &run.studio,
        "account_sign_in",
        run.authority.delegated("common"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", run.trail()));
    assert_eq!(account["config"]["tenant"], "common");
    assert_eq!(
        account["config"]["identity"]["tenantId"].as_str(),
        Some(run.authority.tenant.as_str())
    );
}

#[tokio::test]
#[ignore = "needs node-oidc-provider: make oidc-test"]
async fn node_common_sign_in_records_the_tenant_id() {
    common_sign_in_records_the_tenant_id(true).await;
}

#[tokio::test]
async fn sandbox_common_sign_in_records_the_tenant_id() {
    common_sign_in_records_the_tenant_id(false).await;
}

/// Consent denied, a forged `state` (on a success and on an error redirect), and for an authority
/// that names itself in redirects (RFC 9207) a forged `iss`: refused, nothing kept.
async fn refusals_keep_nothing(node: bool) {
    let run = run(node).await;
    let deny = Person {
        choose: Some(if node { "abort" } else { "deny" }.into()),
        ..run.authority.person(0)
    };
    let denied = run.sign_in(deny.clone()).await.expect_err("denied");
    assert!(
        denied["message"]
            .as_str()
            .unwrap_or_default()
            .contains("AADSTS65004")
            || denied["hint"]
                .as_str()
                .unwrap_or_default()
                .contains("declined"),
        "{denied}"
    );
    let forged = run
        .sign_in(Person {
            tamper_state: true,
            ..run.authority.person(0)
        })
        .await
        .expect_err("forged state");
    assert!(
        forged["message"]
            .as_str()
            .unwrap_or_default()
            .contains("state"),
        "{forged}"
    );
    let forged_error = run
        .sign_in(Person {
            tamper_state: true,
            ..deny
        })
        .await
        .expect_err("forged state on an error");
    assert!(
        forged_error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("state"),
        "{forged_error}"
    );
    if node {
        let mixed = run
            .sign_in(Person {
                tamper_iss: true,
                ..run.authority.person(0)
            })
            .await
            .expect_err("forged iss");
        assert!(
            mixed["message"]
                .as_str()
                .unwrap_or_default()
                .contains("iss"),
            "{mixed}"
        );
    }
    assert!(run.accounts().await.is_empty(), "nothing is kept");
}

#[tokio::test]
#[ignore = "needs node-oidc-provider: make oidc-test"]
async fn node_refusals_keep_nothing() {
    refusals_keep_nothing(true).await;
}

#[tokio::test]
async fn sandbox_refusals_keep_nothing() {
    refusals_keep_nothing(false).await;
}

/// A sign-in that brings no refresh token (offline_access not granted) is reported, not saved.
async fn a_sign_in_without_a_refresh_token_is_not_saved(node: bool) {
    let run = run(node).await;
    let mut person = run.authority.person(0);
    if node {
        // The user unticks offline_access on the authority's consent page.
        person.fields.push((
            "grant".into(),
            "https://graph.microsoft.com/User.Read https://graph.microsoft.com/Mail.Read openid profile".into(),
        ));
    } else {
        // The tenant withholds offline_access.
        run.authority
            .control("consent", json!({"offlineAccess": false}))
            .await;
    }
    let refused = run.sign_in(person).await.expect_err("refused");
    assert!(
        refused["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no refresh token"),
        "{refused}\n{}",
        run.trail()
    );
    assert!(run.accounts().await.is_empty());
}

#[tokio::test]
#[ignore = "needs node-oidc-provider: make oidc-test"]
async fn node_a_sign_in_without_a_refresh_token_is_not_saved() {
    a_sign_in_without_a_refresh_token_is_not_saved(true).await;
}

#[tokio::test]
async fn sandbox_a_sign_in_without_a_refresh_token_is_not_saved() {
    a_sign_in_without_a_refresh_token_is_not_saved(false).await;
}

/// Refreshes rotate the refresh token and ask only for what was granted: a user who did not grant
/// Mail.Read still refreshes (node-oidc-provider refuses a refresh asking for more; the sandbox's
/// sign-in page grants everything asked, so there the permissions stay).
async fn refresh_rotates_and_asks_only_for_what_was_granted(node: bool) {
    let run = run(node).await;
    let mut person = run.authority.person(0);
    if node {
        person.fields.push((
            "grant".into(),
            "https://graph.microsoft.com/User.Read offline_access openid profile".into(),
        ));
    }
    let expected = if node {
        json!(["User.Read"])
    } else {
        json!(["User.Read", "Mail.Read"])
    };
    let account = run
        .sign_in(person)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", run.trail()));
    assert_eq!(account["config"]["scopes"], expected);
    let id = account["config"]["id"].as_str().expect("id").to_owned();
    let name = format!("{id}/refresh-token");
    let before = run
        .secrets
        .get(&name)
        .ok()
        .flatten()
        .expect("refresh token");
    // A second process on the same data folder and keyring has no access token: it refreshes.
    let other = studio(&run.dir.path().join("data"), &run.secrets, &run.browser);
    let checked = call(&other, "account_check", json!({"id": id}))
        .await
        .expect("refreshes");
    assert_eq!(checked["claims"]["permissions"], expected);
    let after = run
        .secrets
        .get(&name)
        .ok()
        .flatten()
        .expect("refresh token");
    assert_ne!(
        before.expose(),
        after.expose(),
        "the rotated refresh token is kept"
    );
}

#[tokio::test]
#[ignore = "needs node-oidc-provider: make oidc-test"]
async fn node_refresh_rotates_and_asks_only_for_what_was_granted() {
    refresh_rotates_and_asks_only_for_what_was_granted(true).await;
}

#[tokio::test]
async fn sandbox_refresh_rotates_and_asks_only_for_what_was_granted() {
    refresh_rotates_and_asks_only_for_what_was_granted(false).await;
}

/// Two processes refreshing one account at once (the window and a CLI command): with the
/// authority detecting refresh-token reuse, both succeed and the grant survives, because the
/// refresh lock makes the second read the token the first rotated.
async fn two_processes_refresh_at_once(node: bool) {
    let run = run(node).await;
    run.authority
        .control("refresh-reuse", json!({"detect": true}))
        .await;
    let account = run
        .sign_in(run.authority.person(0))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", run.trail()));
    let id = account["config"]["id"].as_str().expect("id").to_owned();
    for round in 0..3 {
        let data = run.dir.path().join("data");
        let window = studio(&data, &run.secrets, &run.browser);
        let cli = studio(&data, &run.secrets, &run.browser);
        let (a, b) = tokio::join!(
            call(&window, "account_check", json!({"id": id})),
            call(&cli, "account_check", json!({"id": id})),
        );
        assert!(a.is_ok() && b.is_ok(), "round {round}: {a:?} {b:?}");
    }
    let later = studio(&run.dir.path().join("data"), &run.secrets, &run.browser);
    call(&later, "account_check", json!({"id": id}))
        .await
        .expect("the grant was not revoked");
}

#[tokio::test]
#[ignore = "needs node-oidc-provider: make oidc-test"]
async fn node_two_processes_refresh_at_once() {
    two_processes_refresh_at_once(true).await;
}

#[tokio::test]
async fn sandbox_two_processes_refresh_at_once() {
    two_processes_refresh_at_once(false).await;
}

/// The device code: the code typed on the authority's own page, polled faster than the interval
/// (the authority answers `slow_down`, which the app honours), then the account as usual.
async fn device_code(node: bool) {
    let run = run(node).await;
    let started = call(
        &run.studio,
        "account_device_start",
        run.authority.delegated(&run.authority.tenant),
    )
    .await
    .expect("starts");
    let code = started["userCode"].as_str().expect("code").to_owned();
    let page = started["verificationUri"].as_str().expect("uri").to_owned();
    let flow = started["flowId"].as_str().expect("flow").to_owned();
    let (login, username) = run.authority.users[1].clone();
    let mut fields = vec![("user_code".to_owned(), code)];
    if node {
        fields.push(("login".into(), login));
    } else {
        fields.push(("user".into(), login));
        fields.push(("answer".into(), "approve".into()));
    }
    run.browser.act_as(Person {
        fields,
        ..Person::default()
    });
    let browser = Arc::clone(&run.browser);
    let approving = tokio::spawn(async move { browser.walk(&page).await });
    // Twenty times faster than the interval: the authority says slow_down.
    let finished = run.studio.accounts().device_finish(&flow, 20.0).await;
    approving.await.expect("joined").expect("approved");
    let account = finished.unwrap_or_else(|e| panic!("{e}\n{}", run.trail()));
    assert_eq!(account.config.name, username);
    assert!(account.config.identity.is_some());
}

#[tokio::test]
#[ignore = "needs node-oidc-provider: make oidc-test"]
async fn node_device_code() {
    device_code(true).await;
}

#[tokio::test]
async fn sandbox_device_code() {
    device_code(false).await;
}

/// App-only: a client secret, and a certificate whose PS256 assertion (`x5t#S256`) the authority
/// verifies with the public key it was given.
async fn app_registrations(node: bool) {
    let run = run(node).await;
    let (client, secret) = run.authority.secret_client.clone();
    let app = |credential: Value, client: &str| {
        let mut request = json!({
            "tenant": run.authority.tenant,
            "clientId": client,
            "cloud": "custom",
            "customAuthority": run.authority.host,
            "customGraph": run.authority.graph,
        });
        if let (Some(target), Some(fields)) = (request.as_object_mut(), credential.as_object()) {
            target.extend(fields.clone());
        }
        request
    };
    let with_secret = call(
        &run.studio,
        "account_add_app",
        app(json!({"clientSecret": secret}), &client),
    )
    .await
    .expect("client secret");
    assert_eq!(with_secret["config"]["identity"]["source"], "app");
    let certificate_client = run
        .authority
        .certificate_client
        .clone()
        .expect("certificate client");
    let with_certificate = call(
        &run.studio,
        "account_add_app",
        app(json!({"certificatePem": run.pem}), &certificate_client),
    )
    .await
    .expect("certificate");
    assert!(with_certificate["config"]["credential"]["x5tS256"].is_string());
}

#[tokio::test]
#[ignore = "needs node-oidc-provider: make oidc-test"]
async fn node_app_registrations() {
    app_registrations(true).await;
}

#[tokio::test]
async fn sandbox_app_registrations() {
    app_registrations(false).await;
}

/// A personal account in the sandbox: an opaque access token (not a JWT), an ID token naming the
/// consumers tenant and a per-app `sub`, and Graph still answers.
#[tokio::test]
async fn sandbox_personal_accounts_get_opaque_access_tokens() {
    let run = run(false).await;
    run.browser.act_as(run.authority.person(0));
    let account = call(
        &run.studio,
        "account_sign_in",
        run.authority.delegated("consumers"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", run.trail()));
    let identity = &account["config"]["identity"];
    assert_eq!(
        identity["tenantId"],
        studio_identity::account::CONSUMERS_TENANT_ID
    );
    assert_eq!(account["config"]["kind"], "personal");
    let key = identity["objectKey"].as_str().unwrap_or_default();
    assert!(
        !key.is_empty() && key.len() != 36,
        "the key is the pairwise sub, not a GUID: {key}"
    );
    let id = account["config"]["id"].as_str().expect("id").to_owned();
    let config = run.studio.accounts().account(Some(&id)).expect("account");
    let session = run
        .studio
        .accounts()
        .session(&config)
        .await
        .expect("session");
    let token = session.current_access_token().await.expect("token");
    assert_eq!(token.expose().split('.').count(), 1, "not a JWT");
    let subscriptions = call(&run.studio, "subscriptions_list", json!({"accountId": id})).await;
    assert!(
        subscriptions.is_ok(),
        "Graph accepts the opaque token: {subscriptions:?}"
    );
}

/// The same race with real processes: the account signed in here, kept in the OS keyring under a
/// throwaway namespace, then `webhook-studio account check` run twice at once on the same data
/// folder, three rounds, against node-oidc-provider's reuse detection. Needs the app binary
/// (`WEBHOOK_STUDIO_BIN`) and a Secret Service: `make oidc-test` runs it in a throwaway D-Bus
/// session with gnome-keyring.
#[tokio::test]
#[ignore = "needs node-oidc-provider, the app binary and a keyring: make oidc-test"]
async fn node_two_cli_processes_refresh_at_once() {
    let bin = std::env::var("WEBHOOK_STUDIO_BIN").expect("WEBHOOK_STUDIO_BIN names the app binary");
    let dir = tempfile::tempdir().expect("dir");
    let (_, cert) = certificate(dir.path());
    let authority = node_provider("opaque", &cert);
    let namespace = format!("webhook-studio-test-{}", studio_identity::account::new_id());
    let keyring: Arc<dyn SecretStore> = Arc::new(studio_identity::secrets::KeyringStore::new(
        namespace.clone(),
    ));
    keyring
        .probe()
        .expect("a Secret Service answers (run under make oidc-test)");
    let browser = Arc::new(ScriptedBrowser::default());
    let data = dir.path().join("data");
    let studio = Studio::builder(AppPaths::under(&data))
        .secrets(Arc::clone(&keyring))
        .browser(Arc::clone(&browser) as Arc<dyn studio_identity::flows::Browser>)
        .open()
        .expect("opens");
    browser.act_as(authority.person(0));
    let account = call(
        &studio,
        "account_sign_in",
        authority.delegated(&authority.tenant),
    )
    .await
    .expect("signs in");
    let id = account["config"]["id"].as_str().expect("id").to_owned();
    drop(studio);
    let check = || {
        tokio::process::Command::new(&bin)
            .arg("--data-dir")
            .arg(&data)
            .args(["account", "check", &id, "--json"])
            .env("WEBHOOK_STUDIO_KEYRING_NAMESPACE", &namespace)
            .env_remove("WEBHOOK_STUDIO_SECRETS")
            .output()
    };
    for round in 0..3 {
        let (a, b) = tokio::join!(check(), check());
        for out in [a.expect("runs"), b.expect("runs")] {
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let last = check().await.expect("runs");
    assert!(
        last.status.success(),
        "the grant survived: {}",
        String::from_utf8_lossy(&last.stderr)
    );
    for name in ["refresh-token", "client-secret", "certificate-key"] {
        let _ = keyring.delete(&format!("{id}/{name}"));
    }
}
