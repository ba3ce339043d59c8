//! Every sign-in flow against the sandbox emulator, over real HTTP: PKCE with the loopback
//! redirect, device code, client credentials with a secret and with a certificate, refresh
//! (rotating, revoked), consent missing, and wrong ids. Secrets go to a session store here; the
//! OS keyring has its own test (`keyring.rs`).

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use studio_emulator::{EmulatorConfig, RunningEmulator, start};
use studio_identity::certificate::AppCertificate;
use studio_identity::flows::{self, AppProof};
use studio_identity::sandbox::{SandboxFacts, SilentBrowser, silent_parameters};
use studio_identity::secrets::{SecretStore, SessionStore};
use studio_identity::session::Session;
use studio_identity::{AccountConfig, IdentityError};
use studio_primitives::Sensitive;

async fn emulator(time_scale: f64) -> RunningEmulator {
    start(EmulatorConfig {
        time_scale,
        ..EmulatorConfig::default()
    })
    .await
    .expect("starts")
}

fn facts(e: &RunningEmulator) -> SandboxFacts {
    SandboxFacts {
        authority_host: e.info.authority_host.clone(),
        graph_base: e.info.graph_base.clone(),
        tenant_id: e.info.tenant_id.clone(),
        public_client_id: e.info.public_client_id.clone(),
        confidential_client_id: e.info.confidential_client_id.clone(),
    }
}

async fn control(e: &RunningEmulator, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{}/{path}", e.info.control))
        .json(&body)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .unwrap_or(Value::Null)
}

async fn silent_sign_in(
    account: &AccountConfig,
    upn: &str,
) -> Result<flows::Tokens, IdentityError> {
    let params = silent_parameters(upn);
    let extra: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    flows::sign_in_with_browser(account, &SilentBrowser, &extra, Duration::from_secs(10)).await
}

fn code(error: &IdentityError) -> Option<u32> {
    match error {
        IdentityError::Service { code, .. } => *code,
        _ => None,
    }
}

#[tokio::test]
async fn pkce_sign_in_then_silent_refresh_with_rotation() {
    let e = emulator(1.0).await;
    let account = facts(&e).delegated("adele@sandbox.onmicrosoft.com");
    let tokens = silent_sign_in(&account, "adele@sandbox.onmicrosoft.com")
        .await
        .expect("signs in");
    assert!(
        tokens.refresh_token.is_some(),
        "offline_access brings a refresh token"
    );
    let store: Arc<dyn SecretStore> = Arc::new(SessionStore::default());
    let session = Session::new(account.clone(), Arc::clone(&store));
    session.accept(tokens).await.expect("kept");
    let now = flows::now();
    let claims = session.claims(now).await.expect("claims");
    assert_eq!(claims.subject, "adele@sandbox.onmicrosoft.com");
    assert!(
        claims.permissions.iter().any(|p| p == "Mail.Read"),
        "{:?}",
        claims.permissions
    );
    assert!(!claims.app_only);

    let first = store
        .get(&account.refresh_secret())
        .expect("read")
        .expect("stored");
    let later = session.access_token(now + 3600).await.expect("refreshed");
    assert!(!later.is_empty());
    let rotated = store
        .get(&account.refresh_secret())
        .expect("read")
        .expect("stored");
    assert_ne!(
        first, rotated,
        "the refresh token rotated and the new one was kept"
    );

    control(
        &e,
        "revoke",
        json!({ "userPrincipalName": "adele@sandbox.onmicrosoft.com" }),
    )
    .await;
    let error = session.access_token(now + 7200).await.expect_err("revoked");
    assert_eq!(code(&error), Some(50173));
    assert!(error.hint().is_some_and(|h| h.contains("Sign in")));

    session.sign_out().await.expect("signed out");
    assert!(
        store
            .get(&account.refresh_secret())
            .expect("read")
            .is_none()
    );
    assert!(matches!(
        session.access_token(now + 9000).await,
        Err(IdentityError::NotSignedIn)
    ));
    e.shutdown().await;
}

#[tokio::test]
async fn consent_missing_wrong_client_and_wrong_tenant_explain_themselves() {
    let e = emulator(1.0).await;
    control(&e, "consent", json!({ "adminConsent": false })).await;
    let account = facts(&e).delegated("adele@sandbox.onmicrosoft.com");
    let error = silent_sign_in(&account, "adele@sandbox.onmicrosoft.com")
        .await
        .expect_err("no consent");
    assert_eq!(code(&error), Some(65001), "{error}");
    assert!(error.hint().is_some_and(|h| h.contains("consent")));

    let mut wrong_client = facts(&e).app_only();
    wrong_client.client_id = "00000000-0000-0000-0000-000000000000".into();
    let secret = Sensitive::new(e.info.confidential_client_secret.clone());
    let error = flows::client_credentials(&wrong_client, AppProof::Secret(&secret))
        .await
        .expect_err("unknown app");
    assert_eq!(code(&error), Some(700016));
    let mut wrong_tenant = facts(&e).app_only();
    wrong_tenant.tenant = "contoso.example".into();
    let error = flows::client_credentials(&wrong_tenant, AppProof::Secret(&secret))
        .await
        .expect_err("unknown tenant");
    assert_eq!(code(&error), Some(90002));
    assert!(error.hint().is_some_and(|h| h.contains("tenant")));
    let bad = Sensitive::new("not-the-secret".to_owned());
    let error = flows::client_credentials(&facts(&e).app_only(), AppProof::Secret(&bad))
        .await
        .expect_err("bad secret");
    assert_eq!(code(&error), Some(7000215));

    let mut nowhere = facts(&e).app_only();
    nowhere.cloud = studio_identity::Cloud::Custom {
        authority_host: "http://127.0.0.1:9".into(),
        graph_base: "http://127.0.0.1:9".into(),
    };
    let error = flows::client_credentials(&nowhere, AppProof::Secret(&secret))
        .await
        .expect_err("nothing listens");
    assert!(matches!(error, IdentityError::Network(_)), "{error:?}");
    e.shutdown().await;
}

#[tokio::test]
async fn device_code_until_approved_declined_or_expired() {
    let e = emulator(50.0).await;
    let mut account = facts(&e).delegated("alex@sandbox.onmicrosoft.com");
    account.tenant = "organizations".into();
    let sign_in = flows::start_device_code(&account).await.expect("a code");
    assert!(sign_in.message.contains(&sign_in.user_code));
    let user_code = sign_in.user_code.clone();
    let approver = {
        let control = e.info.control.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            reqwest::Client::new()
                .post(format!("{control}/devicecode"))
                .json(&json!({ "userCode": user_code, "userPrincipalName": "alex@sandbox.onmicrosoft.com", "approve": true }))
                .send()
                .await
                .expect("approved");
        })
    };
    let tokens = flows::finish_device_code(&account, &sign_in, 50.0)
        .await
        .expect("approved sign-in");
    approver.await.expect("joined");
    let claims = studio_identity::claims::read(tokens.access_token.expose()).expect("claims");
    assert_eq!(claims.subject, "alex@sandbox.onmicrosoft.com");

    // Polling faster than the interval earns `slow_down`; the flow backs off and still finishes.
    let hurried = flows::start_device_code(&account).await.expect("a code");
    let user_code = hurried.user_code.clone();
    let control_url = e.info.control.clone();
    let approver = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        reqwest::Client::new()
            .post(format!("{control_url}/devicecode"))
            .json(&json!({ "userCode": user_code, "userPrincipalName": "alex@sandbox.onmicrosoft.com", "approve": true }))
            .send()
            .await
            .expect("approved");
    });
    flows::finish_device_code(&account, &hurried, 500.0)
        .await
        .expect("slow_down is honoured");
    approver.await.expect("joined");

    let declined = flows::start_device_code(&account).await.expect("a code");
    control(&e, "devicecode", json!({ "userCode": declined.user_code, "userPrincipalName": "alex@sandbox.onmicrosoft.com", "approve": false })).await;
    let error = flows::finish_device_code(&account, &declined, 50.0)
        .await
        .expect_err("declined");
    assert!(
        error.hint().is_some_and(|h| h.contains("declined")),
        "{error:?}"
    );

    let expired = flows::start_device_code(&account).await.expect("a code");
    control(&e, "clock", json!({ "advanceSeconds": 1000 })).await;
    let error = flows::finish_device_code(&account, &expired, 50.0)
        .await
        .expect_err("expired");
    assert!(
        matches!(&error, IdentityError::Service { error, .. } if error == "expired_token"),
        "{error:?}"
    );
    e.shutdown().await;
}

/// A certificate and key from the openssl CLI, as one PEM (what users give the app).
fn openssl_pem(dir: &std::path::Path) -> String {
    let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=studio-identity-test",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("the openssl CLI runs (scripts/setup.sh installs it)");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    std::fs::read_to_string(cert).expect("cert") + &std::fs::read_to_string(key).expect("key")
}

#[tokio::test]
async fn client_credentials_with_a_secret_and_with_a_certificate() {
    let e = emulator(1.0).await;
    let account = facts(&e).app_only();
    let secret = Sensitive::new(e.info.confidential_client_secret.clone());
    let tokens = flows::client_credentials(&account, AppProof::Secret(&secret))
        .await
        .expect("secret works");
    let claims = studio_identity::claims::read(tokens.access_token.expose()).expect("claims");
    assert!(claims.app_only && !claims.permissions.is_empty());

    let dir = tempfile::tempdir().expect("dir");
    let pem = openssl_pem(dir.path());
    let certificate = AppCertificate::from_pem(&pem).expect("a certificate with its key");
    let error = flows::client_credentials(&account, AppProof::Certificate(&certificate))
        .await
        .expect_err("not uploaded yet");
    assert_eq!(code(&error), Some(700027));
    let der_base64: String = pem
        .split("-----BEGIN CERTIFICATE-----")
        .nth(1)
        .and_then(|rest| rest.split("-----END CERTIFICATE-----").next())
        .map(|body| body.split_whitespace().collect())
        .expect("certificate body");
    control(&e, "certificates", json!({ "certificate": der_base64 })).await;
    let tokens = flows::client_credentials(&account, AppProof::Certificate(&certificate))
        .await
        .expect("certificate works");
    assert!(!tokens.access_token.is_empty());

    let other = openssl_pem(&{
        let d = dir.path().join("other");
        std::fs::create_dir_all(&d).expect("dir");
        d
    });
    let mismatched = pem
        .split("-----BEGIN PRIVATE KEY-----")
        .next()
        .unwrap_or_default()
        .to_owned()
        + "-----BEGIN PRIVATE KEY-----"
        + other
            .split("-----BEGIN PRIVATE KEY-----")
            .nth(1)
            .unwrap_or_default();
    assert!(
        matches!(AppCertificate::from_pem(&mismatched), Err(IdentityError::Invalid(m)) if m.contains("does not belong"))
    );
    assert!(AppCertificate::from_pem("no pem here").is_err());
    e.shutdown().await;
}

#[tokio::test]
async fn a_refresh_token_unused_for_90_days_has_expired() {
    let e = emulator(1.0).await;
    let account = facts(&e).delegated("megan@sandbox.onmicrosoft.com");
    let tokens = silent_sign_in(&account, "megan@sandbox.onmicrosoft.com")
        .await
        .expect("signs in");
    let session = Session::new(account, Arc::new(SessionStore::default()));
    session.accept(tokens).await.expect("kept");
    control(&e, "clock", json!({ "advanceSeconds": 91 * 24 * 3600 })).await;
    let error = session
        .access_token(flows::now() + 91 * 24 * 3600)
        .await
        .expect_err("expired");
    assert_eq!(code(&error), Some(700082), "{error:?}");
    assert!(error.hint().is_some_and(|h| h.contains("Sign in")));
    e.shutdown().await;
}

#[tokio::test]
async fn an_answer_that_is_not_oauth_is_refused_without_repeating_it() {
    let app = axum::Router::new().fallback(|| async {
        axum::Json(serde_json::json!({ "access_token": "leaked-secret-value" }))
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let mut account = facts_for(&base).app_only();
    account.tenant = "contoso.example".into();
    let secret = Sensitive::new("s".to_owned());
    let error = flows::client_credentials(&account, AppProof::Secret(&secret))
        .await
        .expect_err("not OAuth");
    assert!(matches!(error, IdentityError::Invalid(_)), "{error:?}");
    assert!(
        !error.to_string().contains("leaked-secret-value"),
        "{error}"
    );
}

fn facts_for(base: &str) -> SandboxFacts {
    SandboxFacts {
        authority_host: base.to_owned(),
        graph_base: base.to_owned(),
        tenant_id: "t".into(),
        public_client_id: "p".into(),
        confidential_client_id: "c".into(),
    }
}

/// Two processes refreshing one account at once present the same rotated refresh token; an
/// authority that detects reuse then revokes the grant. With the refresh lock, the second waits
/// and reads the token the first rotated, and the grant survives.
#[tokio::test]
async fn refreshes_take_turns_across_processes_under_the_lock() {
    let e = emulator(1.0).await;
    control(&e, "refresh-reuse", json!({"detect": true})).await;
    let upn = "adele@sandbox.onmicrosoft.com";
    let account = facts(&e).delegated(upn);
    let locks = tempfile::tempdir().expect("dir");
    for locked in [false, true] {
        let store: Arc<dyn SecretStore> = Arc::new(SessionStore::default());
        let tokens = silent_sign_in(&account, upn).await.expect("signs in");
        Session::new(account.clone(), Arc::clone(&store))
            .accept(tokens)
            .await
            .expect("kept");
        let process = || {
            let session = Session::new(account.clone(), Arc::clone(&store));
            if locked {
                session.with_refresh_locks(locks.path().to_owned())
            } else {
                session
            }
        };
        let (window, cli) = (process(), process());
        let (a, b) = tokio::join!(window.current_access_token(), cli.current_access_token());
        let after = process().current_access_token().await;
        if locked {
            assert!(
                a.is_ok() && b.is_ok() && after.is_ok(),
                "{a:?} {b:?} {after:?}"
            );
        } else {
            assert!(
                a.is_err() || b.is_err(),
                "without the lock one of them presents a spent token"
            );
            assert_eq!(
                after.err().as_ref().and_then(code),
                Some(50173),
                "and the authority revoked the grant"
            );
        }
    }
}

/// Where an authority issues no ID token, who signed in comes from Graph's `/me`.
#[tokio::test]
async fn without_an_id_token_graph_me_names_the_user() {
    let e = emulator(1.0).await;
    let account = facts(&e).delegated("megan@sandbox.onmicrosoft.com");
    let tokens = silent_sign_in(&account, "megan@sandbox.onmicrosoft.com")
        .await
        .expect("signs in");
    let http = reqwest::Client::new();
    let identity =
        studio_identity::openid::from_graph_me(&account, tokens.access_token.expose(), &http)
            .await
            .expect("reads /me");
    assert_eq!(identity.username, "megan@sandbox.onmicrosoft.com");
    assert_eq!(identity.display_name.as_deref(), Some("Megan Bowen"));
    assert_eq!(
        identity.source,
        studio_identity::account::IdentitySource::GraphMe
    );
    assert_eq!(identity.tenant_id, e.info.tenant_id);
    let from_id_token = tokens.identity.expect("the sign-in's identity");
    assert_eq!(
        identity.object_key, from_id_token.object_key,
        "the same user either way"
    );
}

/// A JWT's claims, read without checking its signature (the test looks at what was issued).
fn payload(token: &str) -> Value {
    use base64::Engine;
    let part = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

#[tokio::test]
async fn a_token_for_an_event_hubs_namespace_comes_from_the_same_sign_in() {
    const NAMESPACE: &str = "https://contoso-hubs.servicebus.windows.net";
    let e = emulator(1.0).await;
    let account = facts(&e).delegated("adele@sandbox.onmicrosoft.com");
    let tokens = silent_sign_in(&account, "adele@sandbox.onmicrosoft.com")
        .await
        .expect("signs in");
    let store: Arc<dyn SecretStore> = Arc::new(SessionStore::default());
    let session = Session::new(account.clone(), Arc::clone(&store));
    session.accept(tokens).await.expect("kept");
    let first = store.get(&account.refresh_secret()).expect("read");

    let hub = session
        .resource_token(&format!("{NAMESPACE}/"))
        .await
        .expect("a token for the namespace");
    let claims = payload(hub.expose());
    assert_eq!(claims["aud"], NAMESPACE, "{claims}");
    assert_eq!(claims["scp"], "user_impersonation");
    assert_eq!(claims["upn"], "adele@sandbox.onmicrosoft.com");
    assert_ne!(
        store.get(&account.refresh_secret()).expect("read"),
        first,
        "the refresh token rotated and the new one was kept"
    );
    let again = session.resource_token(NAMESPACE).await.expect("cached");
    assert_eq!(again.expose(), hub.expose(), "kept until it nears expiry");

    // Graph's token is still Graph's, and a later Graph refresh still has Graph's permissions.
    let graph = session.current_access_token().await.expect("graph");
    assert_eq!(
        payload(graph.expose())["aud"],
        "https://graph.microsoft.com"
    );
    let later = session
        .access_token(flows::now() + 3600)
        .await
        .expect("refreshed after the namespace's token");
    let scp = payload(later.expose())["scp"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(scp.split(' ').any(|s| s == "Mail.Read"), "{scp}");
    // Signed out, no token for the namespace is handed out any more, not even one in memory.
    session.sign_out().await.expect("signed out");
    assert!(matches!(
        session.resource_token(NAMESPACE).await,
        Err(IdentityError::NotSignedIn)
    ));

    // An app signs in for the namespace with client credentials, with no Graph roles in it.
    let app = facts(&e).app_only();
    let store: Arc<dyn SecretStore> = Arc::new(SessionStore::default());
    store
        .put(
            &app.client_secret(),
            &Sensitive::new(e.info.confidential_client_secret.clone()),
        )
        .expect("kept");
    let app_session = Session::new(app, store);
    let claims = payload(
        app_session
            .resource_token(NAMESPACE)
            .await
            .expect("client credentials for the namespace")
            .expose(),
    );
    assert_eq!(claims["aud"], NAMESPACE);
    assert_eq!(claims["roles"], json!([]));
    e.shutdown().await;
}
