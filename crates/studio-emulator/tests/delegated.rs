//! Delegated sign-in flows against the emulator, over HTTP only; time moves by the control clock.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use sha2::{Digest, Sha256};
use studio_emulator::{EmulatorConfig, RunningEmulator, start};

const REDIRECT: &str = "http://localhost:53117/";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn emulator() -> RunningEmulator {
    start(EmulatorConfig::default()).await.expect("starts")
}

fn challenge() -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()))
}

/// Runs `/authorize` non-interactively and answers the `Location` it redirects to.
async fn authorize(e: &RunningEmulator, extra: &[(&str, &str)]) -> (u16, String) {
    let mut query = vec![
        ("client_id", e.info.public_client_id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        (
            "scope",
            "openid offline_access https://graph.microsoft.com/Mail.Read User.Read",
        ),
        ("state", "s-123"),
        ("prompt", "none"),
        ("login_hint", "adele@sandbox.onmicrosoft.com"),
    ];
    query.extend_from_slice(extra);
    let url = format!(
        "{}/organizations/oauth2/v2.0/authorize",
        e.info.authority_host
    );
    let response = client().get(url).query(&query).send().await.expect("sent");
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (response.status().as_u16(), location)
}

fn param(location: &str, name: &str) -> Option<String> {
    let query = location.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_owned))
}

async fn token(e: &RunningEmulator, form: &[(&str, &str)]) -> (u16, Value) {
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        e.info.authority_host, e.info.tenant_id
    );
    let response = client().post(url).form(form).send().await.expect("sent");
    (
        response.status().as_u16(),
        response.json().await.expect("json"),
    )
}

async fn advance(e: &RunningEmulator, seconds: u64) {
    client()
        .post(format!("{}/clock", e.info.control))
        .body(format!("{{\"advanceSeconds\": {seconds}}}"))
        .send()
        .await
        .expect("sent");
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json")
}

#[tokio::test]
async fn authorization_code_with_pkce_then_rotating_refresh() {
    let e = emulator().await;
    let challenge = challenge();
    let (status, location) = authorize(
        &e,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    assert!(location.starts_with(REDIRECT));
    assert_eq!(param(&location, "state").as_deref(), Some("s-123"));
    let code = param(&location, "code").expect("code");

    let redeem = |verifier: &'static str, code: String| {
        let e = &e;
        async move {
            token(
                e,
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &e.info.public_client_id),
                    ("redirect_uri", REDIRECT),
                    ("code", &code),
                    ("code_verifier", verifier),
                ],
            )
            .await
        }
    };
    let (status, wrong) = redeem("not-the-verifier", code.clone()).await;
    assert_eq!(
        (status, wrong["error_codes"][0].as_u64()),
        (400, Some(501_481)),
        "{wrong}"
    );

    // A fresh code (the first was consumed by the failed attempt, as single-use codes are).
    let (_, location) = authorize(
        &e,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let code = param(&location, "code").expect("code");
    let (status, body) = redeem(VERIFIER, code.clone()).await;
    assert_eq!(status, 200, "{body}");
    let access = claims(body["access_token"].as_str().expect("access token"));
    assert_eq!(access["scp"], "Mail.Read User.Read");
    assert_eq!(access["upn"], "adele@sandbox.onmicrosoft.com");
    assert!(access.get("roles").is_none());
    let refresh = body["refresh_token"]
        .as_str()
        .expect("offline_access gives a refresh token")
        .to_owned();

    let (status, reused) = redeem(VERIFIER, code).await;
    assert_eq!(
        (status, reused["error_codes"][0].as_u64()),
        (400, Some(54_005)),
        "{reused}"
    );

    let refresh_form = |rt: String| {
        let e = &e;
        async move {
            token(
                e,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", &e.info.public_client_id),
                    ("refresh_token", &rt),
                ],
            )
            .await
        }
    };
    let (status, rotated) = refresh_form(refresh.clone()).await;
    assert_eq!(status, 200, "{rotated}");
    assert_ne!(
        rotated["refresh_token"].as_str(),
        Some(refresh.as_str()),
        "refresh tokens rotate"
    );
    let (status, old) = refresh_form(refresh).await;
    assert_eq!(
        (status, old["error"].as_str()),
        (400, Some("invalid_grant")),
        "a used refresh token is revoked"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn expired_codes_and_bad_authorize_requests() {
    let e = emulator().await;
    let (_, location) = authorize(&e, &[]).await;
    let code = param(&location, "code").expect("code");
    advance(&e, 601).await;
    let (status, body) = token(
        &e,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &e.info.public_client_id),
            ("redirect_uri", REDIRECT),
            ("code", &code),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error_codes"][0].as_u64()),
        (400, Some(70_008)),
        "{body}"
    );

    let (status, _) = authorize(&e, &[("redirect_uri", "https://evil.example/cb")]).await;
    assert_eq!(
        status, 400,
        "a non-loopback redirect is refused without redirecting"
    );
    let (status, _) = authorize(&e, &[("client_id", "someone-else")]).await;
    assert_eq!(status, 400);
    let (status, location) =
        authorize(&e, &[("login_hint", "nobody@sandbox.onmicrosoft.com")]).await;
    assert_eq!(status, 303);
    assert_eq!(param(&location, "error").as_deref(), Some("login_required"));
    e.shutdown().await;
}

#[tokio::test]
async fn the_sign_in_page_escapes_what_the_app_sends_and_honours_a_cancel() {
    let e = emulator().await;
    let url = format!("{}/common/oauth2/v2.0/authorize", e.info.authority_host);
    let page = client()
        .get(&url)
        .query(&[
            ("client_id", e.info.public_client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "<script>alert(1)</script>"),
            ("state", "\"><img src=x>"),
        ])
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert!(page.contains("Adele Vance"));
    assert!(
        !page.contains("<script>alert") && !page.contains("<img src=x>"),
        "{page}"
    );
    let denied = client()
        .post(&url)
        .form(&[
            ("client_id", e.info.public_client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "User.Read"),
            ("state", "s"),
            ("consent", "deny"),
        ])
        .send()
        .await
        .expect("sent");
    let location = denied
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(param(&location, "error").as_deref(), Some("access_denied"));
    e.shutdown().await;
}

#[tokio::test]
async fn device_code_pending_slow_down_approval_and_expiry() {
    let e = emulator().await;
    let start_flow = || {
        let e = &e;
        async move {
            let url = format!("{}/common/oauth2/v2.0/devicecode", e.info.authority_host);
            let body: Value = client()
                .post(url)
                .form(&[
                    ("client_id", e.info.public_client_id.as_str()),
                    ("scope", "User.Read offline_access"),
                ])
                .send()
                .await
                .expect("sent")
                .json()
                .await
                .expect("json");
            body
        }
    };
    let flow = start_flow().await;
    assert!(
        flow["message"]
            .as_str()
            .is_some_and(|m| m.contains(flow["user_code"].as_str().unwrap_or("?")))
    );
    let device = flow["device_code"]
        .as_str()
        .expect("device_code")
        .to_owned();
    let poll = || {
        let e = &e;
        let device = device.clone();
        async move {
            token(
                e,
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("client_id", &e.info.public_client_id),
                    ("device_code", &device),
                ],
            )
            .await
        }
    };
    let (_, pending) = poll().await;
    assert_eq!(pending["error"], "authorization_pending");
    let (_, slow) = poll().await;
    assert_eq!(slow["error"], "slow_down");

    let approved = client()
        .post(format!("{}/devicecode", e.info.control))
        .body(format!(
            "{{\"userCode\": \"{}\", \"userPrincipalName\": \"megan@sandbox.onmicrosoft.com\"}}",
            flow["user_code"].as_str().expect("code")
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(approved.status().as_u16(), 200);
    advance(&e, 5).await;
    let (status, tokens) = poll().await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(
        claims(tokens["access_token"].as_str().expect("token"))["upn"],
        "megan@sandbox.onmicrosoft.com"
    );
    assert!(tokens["refresh_token"].is_string());

    let expiring = start_flow().await;
    advance(&e, 901).await;
    let (_, expired) = token(
        &e,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", &e.info.public_client_id),
            (
                "device_code",
                expiring["device_code"].as_str().expect("code"),
            ),
        ],
    )
    .await;
    assert_eq!(expired["error"], "expired_token");
    e.shutdown().await;
}

/// `grant_type=refresh_token`, optionally asking for `scope`.
async fn refresh_with(
    e: &RunningEmulator,
    refresh_token: &str,
    scope: Option<&str>,
) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("client_id", e.info.public_client_id.as_str()),
        ("refresh_token", refresh_token),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    token(e, &form).await
}

/// Redeems the code in `location` without PKCE.
async fn redeem_without_pkce(e: &RunningEmulator, location: &str) -> Value {
    let code = param(location, "code").expect("code");
    let (status, tokens) = token(
        e,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &e.info.public_client_id),
            ("redirect_uri", REDIRECT),
            ("code", &code),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

async fn control(e: &RunningEmulator, path: &str, body: Value) -> u16 {
    client()
        .post(format!("{}/{path}", e.info.control))
        .json(&body)
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

async fn redeem(e: &RunningEmulator, location: &str) -> Value {
    let code = param(location, "code").expect("a code");
    let (status, tokens) = token(
        e,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &e.info.public_client_id),
            ("redirect_uri", REDIRECT),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

#[tokio::test]
async fn openid_brings_an_id_token_with_the_nonce() {
    let e = emulator().await;
    let challenge = challenge();
    let (_, location) = authorize(
        &e,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("nonce", "n-0S6_WzA2Mj"),
        ],
    )
    .await;
    let tokens = redeem(&e, &location).await;
    let id = claims(tokens["id_token"].as_str().expect("an id token for openid"));
    assert_eq!(id["aud"], e.info.public_client_id.as_str());
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(id["preferred_username"], "adele@sandbox.onmicrosoft.com");
    assert_eq!(id["ver"], "2.0");
    assert_eq!(
        id["iss"],
        format!("{}/{}/v2.0", e.info.authority_host, e.info.tenant_id)
    );
    let (_, location) = authorize(&e, &[("scope", "User.Read")]).await;
    let plain = redeem_without_pkce(&e, &location).await;
    assert!(plain.get("id_token").is_none(), "no openid, no id token");
    e.shutdown().await;
}

#[tokio::test]
async fn consent_can_be_missing_granted_and_revoked() {
    let e = emulator().await;
    assert_eq!(
        control(&e, "consent", serde_json::json!({ "adminConsent": false })).await,
        200
    );
    let (status, location) = authorize(&e, &[]).await;
    assert_eq!(status, 303, "{location}");
    assert_eq!(
        param(&location, "error").as_deref(),
        Some("consent_required")
    );
    assert!(
        param(&location, "error_description").is_some_and(|d| d.contains("AADSTS65001")),
        "{location}"
    );

    // Consenting on the sign-in page records it; the silent flow then works.
    let form = [
        ("client_id", e.info.public_client_id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        (
            "scope",
            "openid offline_access https://graph.microsoft.com/Mail.Read User.Read",
        ),
        ("login_hint", "adele@sandbox.onmicrosoft.com"),
        ("consent", "accept"),
    ];
    let answered = client()
        .post(format!(
            "{}/common/oauth2/v2.0/authorize",
            e.info.authority_host
        ))
        .form(&form)
        .send()
        .await
        .expect("sent");
    assert_eq!(answered.status().as_u16(), 303);
    let (_, location) = authorize(&e, &[]).await;
    let tokens = redeem(&e, &location).await;
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();

    // Asking a refresh token for more than was consented to is refused.
    let (status, error) = refresh_with(&e, &refresh, Some("Mail.Read Calendars.Read")).await;
    assert_eq!(
        (status, error["error_codes"][0].as_u64()),
        (400, Some(65001)),
        "{error}"
    );

    // Revoking the user's consent ends their sessions.
    let (_, location) = authorize(&e, &[]).await;
    let tokens = redeem(&e, &location).await;
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let revoke =
        serde_json::json!({ "userPrincipalName": "adele@sandbox.onmicrosoft.com", "grant": false });
    assert_eq!(control(&e, "consent", revoke).await, 200);
    let (status, error) = refresh_with(&e, &refresh, None).await;
    assert_eq!(
        (status, error["error_codes"][0].as_u64()),
        (400, Some(50173)),
        "{error}"
    );
    let (_, location) = authorize(&e, &[]).await;
    assert_eq!(
        param(&location, "error").as_deref(),
        Some("consent_required")
    );
    e.shutdown().await;
}

#[tokio::test]
async fn ending_sessions_revokes_refresh_tokens() {
    let e = emulator().await;
    let (_, location) = authorize(&e, &[]).await;
    let tokens = redeem_without_pkce(&e, &location).await;
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let ended = serde_json::json!({ "userPrincipalName": "adele@sandbox.onmicrosoft.com" });
    assert_eq!(control(&e, "revoke", ended).await, 200);
    let (status, error) = refresh_with(&e, &refresh, None).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(
        error["error_description"]
            .as_str()
            .is_some_and(|d| d.starts_with("AADSTS50173"))
    );
    e.shutdown().await;
}
