//! Validation tokens that are signed with a published key but say the wrong thing: each is
//! refused for its own reason. The tokens are made here with the `jsonwebtoken` crate and an RSA
//! key whose JWKS the test publishes, so the claim checks are tested apart from the signature.

#![allow(clippy::expect_used, reason = "tests fail loudly")]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, Jwk, JwkSet, KeyAlgorithm, RSAKeyParameters, RSAKeyType,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand::SeedableRng;
use rsa::RsaPrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use studio_receiver::validation_tokens::{
    CHANGE_TRACKING_APP_ID, CheckOutcome, Expectation, TokenCheckName, TokenProblem, check, explain,
};

const TENANT: &str = "b1ea6bd8-6503-42dc-a553-583617e08e42";
const APP: &str = "131b08b0-71b2-435e-a3e5-a10be2bf1dda";
const NOW: i64 = 1_800_000_000;

fn key() -> (RsaPrivateKey, JwkSet) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let key = RsaPrivateKey::new(&mut rng, 2048).expect("a key");
    let jwk = Jwk {
        common: CommonParameters {
            key_id: Some("k1".into()),
            key_algorithm: Some(KeyAlgorithm::RS256),
            ..CommonParameters::default()
        },
        algorithm: AlgorithmParameters::RSA(RSAKeyParameters {
            key_type: RSAKeyType::RSA,
            n: URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
            e: URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
        }),
    };
    (key, JwkSet { keys: vec![jwk] })
}

fn expectation() -> Expectation {
    Expectation {
        app_id: APP.into(),
        issuers: Expectation::issuers_for(
            "https://login.microsoftonline.com",
            "https://sts.windows.net",
            TENANT,
        ),
        tenant_id: Some(TENANT.into()),
    }
}

/// Graph's v1 token, as the documentation's example has it.
fn v1_claims() -> Value {
    json!({
        "aud": APP, "iss": format!("https://sts.windows.net/{TENANT}/"), "iat": NOW - 60,
        "nbf": NOW - 60, "exp": NOW + 3600, "appid": CHANGE_TRACKING_APP_ID, "appidacr": "2",
        "idp": format!("https://sts.windows.net/{TENANT}/"), "tid": TENANT, "ver": "1.0",
    })
}

fn sign(key: &RsaPrivateKey, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    let der = key.to_pkcs1_der().expect("der");
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(der.as_bytes()))
        .expect("signed")
}

fn with(changes: &[(&str, Value)]) -> Value {
    let mut claims = v1_claims();
    for (name, value) in changes {
        if value.is_null() {
            claims.as_object_mut().map(|c| c.remove(*name));
        } else {
            claims[*name] = value.clone();
        }
    }
    claims
}

#[test]
fn v1_and_v2_tokens_from_the_subscriptions_tenant_are_trusted() {
    let (key, keys) = key();
    assert!(check(&sign(&key, &v1_claims()), &keys, &expectation(), NOW).is_ok());
    let v2 = with(&[
        (
            "iss",
            json!(format!("https://login.microsoftonline.com/{TENANT}/v2.0")),
        ),
        ("ver", json!("2.0")),
        ("azp", json!(CHANGE_TRACKING_APP_ID)),
        ("appid", Value::Null),
    ]);
    assert!(check(&sign(&key, &v2), &keys, &expectation(), NOW).is_ok());
}

#[test]
fn every_forgery_is_refused_for_its_own_reason() {
    let (key, keys) = key();
    let other = "00000000-0000-0000-0000-000000000000";
    let cases = [
        (
            with(&[("iss", json!(format!("https://evil.example/{TENANT}/v2.0")))]),
            TokenProblem::Issuer(format!("https://evil.example/{TENANT}/v2.0")),
        ),
        (
            with(&[
                ("iss", json!(format!("https://sts.windows.net/{other}/"))),
                ("tid", json!(other)),
            ]),
            TokenProblem::Issuer(format!("https://sts.windows.net/{other}/")),
        ),
        (
            with(&[("tid", json!(other))]),
            TokenProblem::Tenant(other.into()),
        ),
        (with(&[("nbf", json!("0"))]), TokenProblem::LifetimeMissing),
        (
            with(&[("exp", json!("9999999999"))]),
            TokenProblem::LifetimeMissing,
        ),
        (with(&[("nbf", Value::Null)]), TokenProblem::LifetimeMissing),
        (with(&[("exp", json!(NOW - 1))]), TokenProblem::Lifetime),
        (
            with(&[("aud", json!("someone-else"))]),
            TokenProblem::Audience("someone-else".into()),
        ),
        (
            with(&[("appid", json!("my-own-app"))]),
            TokenProblem::Caller("my-own-app".into()),
        ),
    ];
    for (claims, problem) in cases {
        assert_eq!(
            check(&sign(&key, &claims), &keys, &expectation(), NOW),
            Err(problem.clone()),
            "{claims}"
        );
    }
}

#[test]
fn a_critical_header_or_another_algorithm_is_refused() {
    let (key, keys) = key();
    let token = sign(&key, &v1_claims());
    let mut parts = token.split('.');
    let (_, payload, signature) = (
        parts.next(),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let crit = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k1","crit":["b64"],"b64":false}"#);
    assert_eq!(
        check(
            &format!("{crit}.{payload}.{signature}"),
            &keys,
            &expectation(),
            NOW
        ),
        Err(TokenProblem::Critical)
    );
    let hs = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","kid":"k1"}"#);
    assert_eq!(
        check(
            &format!("{hs}.{payload}.{signature}"),
            &keys,
            &expectation(),
            NOW
        ),
        Err(TokenProblem::Malformed)
    );
}

#[test]
fn explain_shows_the_claims_and_every_failed_check_at_once() {
    let (key, keys) = key();
    let expected = expectation();
    let good = explain(&sign(&key, &v1_claims()), Ok(&keys), Ok(&expected), NOW);
    assert!(
        good.claims.contains(CHANGE_TRACKING_APP_ID),
        "{}",
        good.claims
    );
    assert!(good.header.contains("\"kid\": \"k1\""), "{}", good.header);
    assert!(good.checks.iter().all(|c| c.result == CheckOutcome::Passed));
    assert_eq!(good.checks.len(), 6);

    // Two things wrong, and it arrived after it expired: all three show, the rest pass.
    let bad = with(&[("aud", json!("someone-else")), ("appid", json!("my-app"))]);
    let explained = explain(&sign(&key, &bad), Ok(&keys), Ok(&expected), NOW + 7200);
    let failed: Vec<TokenCheckName> = explained
        .checks
        .iter()
        .filter(|c| matches!(c.result, CheckOutcome::Failed { .. }))
        .map(|c| c.name)
        .collect();
    assert_eq!(
        failed,
        [
            TokenCheckName::Lifetime,
            TokenCheckName::Audience,
            TokenCheckName::Caller
        ]
    );

    // Without keys or a known subscription, those checks say why they were not made; garbage
    // decodes to null and fails, never panics.
    let unknown = explain(
        &sign(&key, &v1_claims()),
        Err("no keys"),
        Err("not made here"),
        NOW,
    );
    assert_eq!(
        unknown.checks[0].result,
        CheckOutcome::NotChecked {
            reason: "no keys".into()
        }
    );
    let garbage = explain("not.a.jwt", Ok(&keys), Ok(&expected), NOW);
    assert_eq!(garbage.claims, "null");
    assert!(
        garbage
            .checks
            .iter()
            .all(|c| c.result != CheckOutcome::Passed)
    );
}
