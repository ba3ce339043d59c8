//! The certificate client assertion, checked by a verifier nobody here wrote: the openssl CLI
//! makes the certificate, computes its SHA-256 thumbprint and verifies the PS256 signature
//! (RSASSA-PSS, SHA-256, salt the length of the hash, as RFC 7518 §3.5 says). The header and
//! claims are compared with Microsoft's certificate-credential documentation.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::path::Path;
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use studio_identity::certificate::AppCertificate;

fn openssl(args: &[&str], dir: &Path) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI runs (scripts/setup.sh test installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A certificate and its key made by the openssl CLI in `d` (`cert.pem`, `key.pem`), as one PEM.
fn certificate_pem(d: &Path) -> String {
    openssl(
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=t",
            "-keyout", "key.pem", "-out", "cert.pem",
        ],
        d,
    );
    std::fs::read_to_string(d.join("cert.pem")).expect("cert")
        + &std::fs::read_to_string(d.join("key.pem")).expect("key")
}

fn part(token: &str, n: usize) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(token.split('.').nth(n).expect("three parts"))
        .expect("base64url")
}

#[test]
fn the_assertion_is_ps256_with_x5t_s256_as_microsoft_documents() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let pem = certificate_pem(d);
    let certificate = AppCertificate::from_pem(&pem).expect("reads");
    let token_url = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";
    let now = 1_800_000_000;
    let assertion = certificate
        .assertion("11111111-2222-3333-4444-555555555555", token_url, now)
        .expect("signs");
    let assertion = assertion.expose();

    let header: Value = serde_json::from_slice(&part(assertion, 0)).expect("header");
    let der = openssl(&["x509", "-outform", "DER", "-in", "cert.pem"], d);
    std::fs::write(d.join("cert.der"), der).expect("write");
    let sha256 = openssl(&["dgst", "-sha256", "-binary", "cert.der"], d);
    assert_eq!(header["alg"], "PS256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["x5t#S256"], URL_SAFE_NO_PAD.encode(sha256));
    assert!(
        header.get("x5t").is_none(),
        "the SHA-1 thumbprint is not sent"
    );

    let claims: Value = serde_json::from_slice(&part(assertion, 1)).expect("claims");
    assert_eq!(claims["aud"], token_url);
    assert_eq!(claims["iss"], "11111111-2222-3333-4444-555555555555");
    assert_eq!(claims["sub"], claims["iss"]);
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16));
    assert_eq!(claims["nbf"], now);
    assert_eq!(claims["exp"], now + 600);

    let signed = assertion.rsplit_once('.').expect("signed part").0;
    std::fs::write(d.join("signed.txt"), signed).expect("write");
    std::fs::write(d.join("signature.bin"), part(assertion, 2)).expect("write");
    openssl(
        &[
            "x509",
            "-pubkey",
            "-noout",
            "-in",
            "cert.pem",
            "-out",
            "public.pem",
        ],
        d,
    );
    let verified = openssl(
        &[
            "dgst",
            "-sha256",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:digest",
            "-verify",
            "public.pem",
            "-signature",
            "signature.bin",
            "signed.txt",
        ],
        d,
    );
    assert_eq!(String::from_utf8_lossy(&verified).trim(), "Verified OK");
}

/// A certificate stored by an older version (no SHA-256 thumbprint kept) still signs, RS256 with
/// the SHA-1 `x5t`, until it is added again.
#[test]
fn a_certificate_stored_before_x5t_s256_keeps_signing_rs256() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let pem = certificate_pem(d);
    let fresh = AppCertificate::from_pem(&pem).expect("reads");
    let stored = AppCertificate::from_stored(&fresh.thumbprint, &fresh.x5t, None, fresh.key_pem);
    let assertion = stored
        .assertion("c", "https://t/token", 1_800_000_000)
        .expect("signs");
    let header: Value = serde_json::from_slice(&part(assertion.expose(), 0)).expect("header");
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["x5t"], fresh.x5t.as_str());
    let der = openssl(&["x509", "-outform", "DER", "-in", "cert.pem"], d);
    std::fs::write(d.join("cert.der"), der).expect("write");
    let sha1 = openssl(&["dgst", "-sha1", "-binary", "cert.der"], d);
    assert_eq!(header["x5t"], URL_SAFE_NO_PAD.encode(sha1));
}
