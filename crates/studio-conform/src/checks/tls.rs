//! TLS as Graph meets it: Graph delivers only to `https` URLs, over TLS 1.2 or later, to a
//! certificate a public authority issued for the URL's host name. The suite connects with rustls
//! and the operating system's roots (which speak TLS 1.2 and 1.3 only), so a connection that
//! succeeds meets the version rule and a refused certificate is named.

use crate::probe::Target;
use crate::report::{Check, CheckId, Exchange, Status};

const RULE: &str = "Graph delivers only to https URLs, over TLS 1.2 or later, to a certificate issued by a publicly trusted authority for the URL's host name; self-signed and expired certificates are refused.";

fn loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// What a TLS failure means, and its fix.
pub fn classify(error: &str) -> (String, String) {
    let lower = error.to_ascii_lowercase();
    let (what, fix) = if [
        "unknownissuer",
        "causedasendentity",
        "self-signed",
        "self signed",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        (
            "The certificate is not issued by an authority the system trusts (self-signed or a private CA).",
            "Use a certificate from a public CA (Let's Encrypt, your cloud's managed certificate) or a tunnel such as ngrok, which has one.",
        )
    } else if lower.contains("expired") || lower.contains("notvalidyet") {
        (
            "The certificate has expired or is not valid yet.",
            "Renew the certificate and check the server's clock.",
        )
    } else if lower.contains("notvalidforname") || lower.contains("not valid for name") {
        (
            "The certificate is not issued for this host name.",
            "Serve a certificate whose subject alternative names include the URL's host.",
        )
    } else if lower.contains("protocolversion")
        || lower.contains("protocol version")
        || lower.contains("handshakefailure")
    {
        (
            "No TLS version or cipher in common: the server offers neither TLS 1.2 nor TLS 1.3 with a current cipher.",
            "Enable TLS 1.2 and 1.3 with ECDHE and AES-GCM or ChaCha20 ciphers.",
        )
    } else {
        (
            "The TLS connection failed.",
            "Check the server's TLS set-up with `openssl s_client -connect host:443`.",
        )
    };
    (format!("{what} ({error})"), fix.to_owned())
}

/// Grades TLS from the notification handshake's exchange (the first connection the suite made).
pub fn grade(target: &Target, first: &Exchange) -> Check {
    let url = &target.url;
    let check = |status, detail: String, fix: Option<String>| Check {
        id: CheckId::Tls,
        title: "TLS and the URL's scheme".into(),
        status,
        rule: RULE.into(),
        detail,
        fix,
        exchanges: Vec::new(),
    };
    match url.scheme() {
        "http" if loopback(url) => check(
            Status::Skipped,
            "Plain http on this machine: fine for testing, but Graph delivers only to https.".into(),
            Some("Expose the handler through a tunnel (ngrok) or your own https URL before subscribing with Graph.".into()),
        ),
        "https" => match &first.error {
            Some(error) if first.status.is_none() && looks_like_tls(error) => {
                let (detail, fix) = classify(error);
                check(Status::Fail, detail, Some(fix))
            }
            _ if first.status.is_none() => check(
                Status::Skipped,
                "The URL did not answer, so TLS could not be judged (see the handshake).".into(),
                None,
            ),
            _ => check(
                Status::Pass,
                "TLS 1.2 or later, and a certificate trusted by this system's roots for the host name.".into(),
                None,
            ),
        },
        other => check(
            Status::Fail,
            format!("The URL's scheme is {other}; Graph delivers only to https."),
            Some("Serve the handler over https.".into()),
        ),
    }
}

fn looks_like_tls(error: &str) -> bool {
    let lower = error.to_ascii_lowercase();
    [
        "certificate",
        "tls",
        "handshake",
        "unknownissuer",
        "protocol version",
        "alert",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_problems_are_named() {
        assert!(
            classify("invalid peer certificate: UnknownIssuer")
                .0
                .contains("not issued by an authority")
        );
        assert!(
            classify("invalid peer certificate: Expired")
                .0
                .contains("expired")
        );
        assert!(
            classify("invalid peer certificate: NotValidForName")
                .0
                .contains("host name")
        );
        assert!(
            classify("received fatal alert: ProtocolVersion")
                .0
                .contains("TLS 1.2")
        );
    }

    #[test]
    fn loopback_hosts_are_recognised() {
        for url in [
            "http://localhost:1/",
            "http://127.0.0.1:1/",
            "http://[::1]:1/",
        ] {
            assert!(loopback(&reqwest::Url::parse(url).expect("url")), "{url}");
        }
        assert!(!loopback(
            &reqwest::Url::parse("http://example.com/").expect("url")
        ));
    }
}
