//! The emulator's identity endpoints, driven over HTTP only.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use serde_json::Value;
use studio_emulator::{EmulatorConfig, RunningEmulator, start};

mod common;

async fn emulator() -> RunningEmulator {
    start(EmulatorConfig::default()).await.expect("starts")
}

async fn token(e: &RunningEmulator, form: &[(&str, &str)]) -> (u16, Value) {
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        e.info.authority_host, e.info.tenant_id
    );
    let response = reqwest::Client::new()
        .post(url)
        .form(form)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

#[tokio::test]
async fn discovery_and_keys_describe_the_tenant() {
    let e = emulator().await;
    let base = &e.info.authority_host;
    let doc: Value = reqwest::get(format!(
        "{base}/common/v2.0/.well-known/openid-configuration"
    ))
    .await
    .expect("sent")
    .json()
    .await
    .expect("json");
    // As Microsoft's multi-tenant document: the issuer names `{tenantid}`, the tenant's own names it.
    assert_eq!(doc["issuer"], format!("{base}/{{tenantid}}/v2.0"));
    let own: Value = reqwest::get(format!(
        "{base}/{}/v2.0/.well-known/openid-configuration",
        e.info.tenant_id
    ))
    .await
    .expect("sent")
    .json()
    .await
    .expect("json");
    assert_eq!(own["issuer"], format!("{base}/{}/v2.0", e.info.tenant_id));
    assert_eq!(doc["code_challenge_methods_supported"][0], "S256");
    let jwks: Value = reqwest::get(doc["jwks_uri"].as_str().expect("jwks_uri"))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
    e.shutdown().await;
}

#[tokio::test]
async fn client_credentials_issue_a_graph_token_signed_with_the_published_key() {
    let e = emulator().await;
    let (status, body) = token(
        &e,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &e.info.confidential_client_id),
            ("client_secret", &e.info.confidential_client_secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    let jwt = body["access_token"].as_str().expect("token");

    let jwks: Value = reqwest::get(format!(
        "{}/common/discovery/v2.0/keys",
        e.info.authority_host
    ))
    .await
    .expect("sent")
    .json()
    .await
    .expect("json");
    let key = &jwks["keys"][0];
    let header = jsonwebtoken::decode_header(jwt).expect("header");
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let decoding = jsonwebtoken::DecodingKey::from_rsa_components(
        key["n"].as_str().expect("n"),
        key["e"].as_str().expect("e"),
    )
    .expect("key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&["https://graph.microsoft.com"]);
    validation.set_issuer(&[format!("https://sts.windows.net/{}/", e.info.tenant_id)]);
    let claims = jsonwebtoken::decode::<Value>(jwt, &decoding, &validation)
        .expect("valid")
        .claims;
    assert_eq!(claims["tid"], e.info.tenant_id.as_str());
    assert_eq!(claims["appid"], e.info.confidential_client_id.as_str());
    assert_eq!(claims["ver"], "1.0");
    assert!(
        claims["roles"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r == "CallRecords.Read.All"))
    );
    assert!(
        claims.get("scp").is_none(),
        "app-only tokens carry roles, not scp"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn identity_errors_use_the_oauth_shape_and_aadsts_codes() {
    let e = emulator().await;
    let id = e.info.confidential_client_id.clone();
    // (form, expected status, OAuth error, AADSTS code)
    type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str, u64);
    let cases: Vec<Case<'_>> = vec![
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", "wrong"),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
            401,
            "invalid_client",
            7_000_215,
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "nobody"),
                ("client_secret", "x"),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
            400,
            "unauthorized_client",
            700_016,
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &e.info.confidential_client_secret),
                ("scope", "Mail.Read"),
            ],
            400,
            "invalid_scope",
            1_002_012,
        ),
        (
            vec![("grant_type", "password")],
            400,
            "unsupported_grant_type",
            70_003,
        ),
        (vec![], 400, "invalid_request", 900_144),
    ];
    for (form, status, error, code) in cases {
        let (got, body) = token(&e, &form).await;
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(error)),
            "{body}"
        );
        assert_eq!(body["error_codes"][0], code, "{body}");
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| d.starts_with(&format!("AADSTS{code}:"))),
            "{body}"
        );
        assert!(body["trace_id"].is_string() && body["correlation_id"].is_string());
    }
    let unknown = reqwest::get(format!(
        "{}/not-a-tenant/discovery/v2.0/keys",
        e.info.authority_host
    ))
    .await
    .expect("sent");
    assert_eq!(unknown.status().as_u16(), 400);
    let body: Value = unknown.json().await.expect("json");
    assert_eq!(body["error_codes"][0], 90_002);
    e.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_and_bad_control_input_get_graph_shaped_errors() {
    let e = emulator().await;
    let client = reqwest::Client::new();
    // Graph authenticates before anything else under /v1.0 and /beta.
    let anonymous = client
        .get(format!("{}/v1.0/nothing/here", e.info.graph_base))
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status().as_u16(), 401);
    let missing = client
        .get(format!("{}/not-an-api/x", e.info.graph_base))
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status().as_u16(), 404);
    let body: Value = missing.json().await.expect("json");
    assert!(
        body["error"]["code"].is_string() && body["error"]["innerError"]["request-id"].is_string(),
        "{body}"
    );

    for bad in [
        "",
        "{",
        "{\"advanceSeconds\": -5}",
        "{\"advanceSeconds\": \"soon\"}",
        "[1,2,3]",
    ] {
        let response = client
            .post(format!("{}/clock", e.info.control))
            .body(bad)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 400, "{bad}");
    }
    let before: Value = client
        .get(&e.info.control)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let after: Value = client
        .post(format!("{}/clock", e.info.control))
        .body("{\"advanceSeconds\": 3600}")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let moved =
        after["now"].as_i64().unwrap_or_default() - before["now"].as_i64().unwrap_or_default();
    assert!((3600..3610).contains(&moved), "clock moved {moved}s");
    e.shutdown().await;
}

#[tokio::test]
async fn the_emulator_refuses_to_listen_beyond_loopback() {
    let config = EmulatorConfig {
        addr: "0.0.0.0:0".parse().expect("addr"),
        ..EmulatorConfig::default()
    };
    assert!(start(config).await.is_err());
}

#[tokio::test]
async fn bodies_the_framework_would_reject_get_the_services_own_errors() {
    let e = emulator().await;
    let client = reqwest::Client::new();
    // JSON where a form is expected: Microsoft identity reads no parameters.
    let json_token = client
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            e.info.authority_host, e.info.tenant_id
        ))
        .json(&serde_json::json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(json_token.status().as_u16(), 400);
    let body: Value = json_token.json().await.expect("JSON, not plain text");
    assert_eq!(
        (body["error"].as_str(), body["error_codes"][0].as_u64()),
        (Some("invalid_request"), Some(900_144)),
        "{body}"
    );

    // Over the body limit: Graph's shape with 413, on Graph and on the control API.
    let huge = vec![b'a'; 3 * 1024 * 1024];
    let token = common::app_token(&e).await;
    for url in [
        format!("{}/v1.0/subscriptions", e.info.graph_base),
        format!("{}/changes", e.info.control),
    ] {
        let response = client
            .post(&url)
            .bearer_auth(&token)
            .body(huge.clone())
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 413, "{url}");
        let body: Value = response.json().await.expect("JSON, not plain text");
        assert_eq!(body["error"]["code"], "RequestEntityTooLarge", "{url}");
    }
    e.shutdown().await;
}

/// A client assertion signed with `key`, naming the certificate `der_b64` in `x5t`.
fn assertion(key: &rsa::RsaPrivateKey, der_b64: &str, claims: &Value) -> String {
    use base64::Engine;
    let der = base64::engine::general_purpose::STANDARD
        .decode(der_b64)
        .expect("der");
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.x5t = Some(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(<sha1::Sha1 as sha1::Digest>::digest(&der)),
    );
    let pkcs1 = rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_der(key).expect("pkcs1");
    let key = jsonwebtoken::EncodingKey::from_rsa_der(pkcs1.as_bytes());
    jsonwebtoken::encode(&header, claims, &key).expect("signed")
}

#[tokio::test]
async fn client_assertions_sign_in_with_an_uploaded_certificate() {
    let e = emulator().await;
    let dir = std::env::temp_dir().join(format!("studio-assert-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("a")).expect("dir");
    std::fs::create_dir_all(dir.join("b")).expect("dir");
    let (key, certificate, _) = common::openssl_certificate(&dir.join("a"));
    let (stranger_key, stranger, _) = common::openssl_certificate(&dir.join("b"));
    let _ = std::fs::remove_dir_all(&dir);
    let uploaded = reqwest::Client::new()
        .post(format!("{}/certificates", e.info.control))
        .json(&serde_json::json!({ "certificate": certificate }))
        .send()
        .await
        .expect("sent");
    assert_eq!(uploaded.status().as_u16(), 201);

    let client = e.info.confidential_client_id.clone();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let endpoint = format!(
        "{}/{}/oauth2/v2.0/token",
        e.info.authority_host, e.info.tenant_id
    );
    let claims = |iss: &str, aud: &str, exp: i64| serde_json::json!({ "iss": iss, "sub": iss, "aud": aud, "jti": "j-1", "nbf": now - 10, "exp": exp });
    let try_with = |jwt: String| {
        let (e, client) = (&e, client.clone());
        async move {
            token(
                e,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &client),
                    ("scope", "https://graph.microsoft.com/.default"),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", &jwt),
                ],
            )
            .await
        }
    };
    let (status, tokens) = try_with(assertion(
        &key,
        &certificate,
        &claims(&client, &endpoint, now + 600),
    ))
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert!(tokens["access_token"].is_string());

    for (jwt, expected_status, code) in [
        (
            assertion(
                &stranger_key,
                &stranger,
                &claims(&client, &endpoint, now + 600),
            ),
            401,
            700027,
        ),
        (
            assertion(
                &stranger_key,
                &certificate,
                &claims(&client, &endpoint, now + 600),
            ),
            401,
            700027,
        ),
        (
            assertion(&key, &certificate, &claims(&client, &endpoint, now - 3600)),
            401,
            700024,
        ),
        (
            assertion(
                &key,
                &certificate,
                &claims("someone-else", &endpoint, now + 600),
            ),
            401,
            700021,
        ),
        (
            assertion(
                &key,
                &certificate,
                &claims(&client, "https://example.com/token", now + 600),
            ),
            400,
            50027,
        ),
        ("not.a.jwt".to_owned(), 400, 50027),
    ] {
        let (status, error) = try_with(jwt).await;
        assert_eq!(
            (status, error["error_codes"][0].as_u64()),
            (expected_status, Some(code)),
            "{error}"
        );
    }
    let (status, error) = token(
        &e,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(
        (status, error["error_codes"][0].as_u64()),
        (401, Some(7000218))
    );
    e.shutdown().await;
}

#[tokio::test]
async fn the_apps_permissions_can_be_taken_away() {
    let e = emulator().await;
    let set = reqwest::Client::new()
        .post(format!("{}/consent", e.info.control))
        .json(&serde_json::json!({ "appRoles": ["User.Read.All"] }))
        .send()
        .await
        .expect("sent");
    assert_eq!(set.status().as_u16(), 200);
    let token = common::app_token(&e).await;
    let adele = e.info.users[0].id.clone();
    let (status, denied) = common::graph(
        &e,
        reqwest::Method::GET,
        &token,
        &format!("/v1.0/users/{adele}/messages"),
        None,
    )
    .await;
    assert_eq!(
        (status, denied["error"]["code"].as_str()),
        (403, Some("ErrorAccessDenied"))
    );
    let (status, _) = common::graph(&e, reqwest::Method::GET, &token, "/v1.0/users", None).await;
    assert_eq!(status, 200);
    e.shutdown().await;
}
