//! TLS as Graph meets it: Graph delivers only to `https` URLs, over TLS 1.2 or later, to a
//! certificate a public authority issued for the URL's host name. The suite connects with rustls
//! (TLS 1.2 and 1.3 only) and this computer's trusted roots, so a connection that succeeds meets
//! the version rule; a refusal is read from rustls' own error (never from the message text, which
//! carries the URL), for both the notification and the lifecycle URL.

use crate::probe::Target;
use crate::report::{Check, CheckId, Exchange, Status, TlsProblem};

const RULE: &str = "Graph delivers only to https URLs, over TLS 1.2 or later, to a certificate issued by a publicly trusted authority for the URL's host name; self-signed, privately issued and expired certificates are refused.";

fn loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The TLS problem behind a failed request, read from rustls' error wherever it sits in the
/// chain. The connector hands it over inside an `io::Error` that kept only rustls' message, so
/// that message (the `io::Error`'s own, never the request's, which names the URL) is read when
/// the typed error is gone.
pub fn problem_of(error: &(dyn std::error::Error + 'static)) -> Option<TlsProblem> {
    let mut source = Some(error);
    while let Some(current) = source {
        if let Some(found) = current.downcast_ref::<rustls::Error>() {
            return Some(classify(found));
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if let Some(found) = io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                return Some(classify(found));
            }
            if let Some(found) = io
                .get_ref()
                .and_then(|inner| classify_message(&inner.to_string()))
            {
                return Some(found);
            }
        }
        source = current.source();
    }
    None
}

/// rustls' own message for a refusal (`invalid peer certificate: UnknownIssuer`, `received fatal
/// alert: ProtocolVersion`, `received corrupt message of type InvalidContentType`).
fn classify_message(message: &str) -> Option<TlsProblem> {
    let detail = |prefix: &str| message.strip_prefix(prefix);
    if let Some(certificate) = detail("invalid peer certificate: ") {
        return Some(if certificate.starts_with("UnknownIssuer") {
            TlsProblem::Untrusted
        } else if certificate.contains("CaUsedAsEndEntity") {
            TlsProblem::SelfSigned
        } else if certificate.starts_with("Expired")
            || certificate.starts_with("NotValidYet")
            || certificate.starts_with("certificate expired")
            || certificate.starts_with("certificate not valid yet")
        {
            TlsProblem::Expired
        } else if certificate.starts_with("NotValidForName")
            || certificate.starts_with("certificate not valid for name")
        {
            TlsProblem::WrongHost
        } else {
            TlsProblem::Other
        });
    }
    if let Some(alert) = detail("received fatal alert: ") {
        return Some(
            if alert.starts_with("ProtocolVersion") || alert.starts_with("HandshakeFailure") {
                TlsProblem::NoCommonVersion
            } else {
                TlsProblem::Other
            },
        );
    }
    if message.starts_with("received corrupt message") {
        return Some(TlsProblem::NotTls);
    }
    if message.starts_with("peer is incompatible") {
        return Some(TlsProblem::NoCommonVersion);
    }
    None
}

fn classify(error: &rustls::Error) -> TlsProblem {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(certificate) => match certificate {
            C::UnknownIssuer => TlsProblem::Untrusted,
            C::Expired
            | C::ExpiredContext { .. }
            | C::NotValidYet
            | C::NotValidYetContext { .. } => TlsProblem::Expired,
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsProblem::WrongHost,
            C::Other(other) if other.to_string().contains("CaUsedAsEndEntity") => {
                TlsProblem::SelfSigned
            }
            _ => TlsProblem::Other,
        },
        rustls::Error::AlertReceived(
            rustls::AlertDescription::ProtocolVersion | rustls::AlertDescription::HandshakeFailure,
        )
        | rustls::Error::PeerIncompatible(_) => TlsProblem::NoCommonVersion,
        rustls::Error::InvalidMessage(_) => TlsProblem::NotTls,
        _ => TlsProblem::Other,
    }
}

/// What a TLS problem means, and its fix.
pub fn explain(problem: TlsProblem) -> (&'static str, &'static str) {
    match problem {
        TlsProblem::Untrusted => (
            "The certificate is not issued by an authority this computer trusts (a private CA, or self-signed).",
            "Use a certificate from a public CA (Let's Encrypt, your cloud's managed certificate) or a tunnel such as ngrok, which has one.",
        ),
        TlsProblem::SelfSigned => (
            "The certificate is self-signed (a CA certificate used as the server's own).",
            "Use a certificate from a public CA (Let's Encrypt, your cloud's managed certificate) or a tunnel such as ngrok, which has one.",
        ),
        TlsProblem::Expired => (
            "The certificate has expired or is not valid yet.",
            "Renew the certificate and check the server's clock.",
        ),
        TlsProblem::WrongHost => (
            "The certificate is not issued for this host name.",
            "Serve a certificate whose subject alternative names include the URL's host.",
        ),
        TlsProblem::NoCommonVersion => (
            "No TLS version or cipher in common: the server offers neither TLS 1.2 nor TLS 1.3 with a current cipher.",
            "Enable TLS 1.2 and 1.3 with ECDHE and AES-GCM or ChaCha20 ciphers.",
        ),
        TlsProblem::NotTls => (
            "The server does not speak TLS on this port (plain http answered an https request).",
            "Serve https on this port, or use http:// for a handler on this machine.",
        ),
        TlsProblem::Other => (
            "The TLS connection failed.",
            "Check the server's TLS set-up with `openssl s_client -connect host:443 -servername host`.",
        ),
    }
}

/// One URL's grade: the problem, or `None` when it is fine or not judged (`Some(None)` means
/// skipped with the reason).
fn judge(
    url: &reqwest::Url,
    first: Option<&Exchange>,
    name: &str,
) -> (Status, String, Option<String>) {
    match url.scheme() {
        "http" if loopback(url) => (
            Status::Skipped,
            format!("The {name} {} plain http on this machine: fine for testing, but Graph delivers only to https.", if name.contains(" and ") { "URLs are" } else { "URL is" }),
            Some("Expose the handler through a tunnel (ngrok) or your own https URL before subscribing with Graph.".into()),
        ),
        "https" => match first.and_then(|e| e.tls) {
            Some(problem) => {
                let (what, fix) = explain(problem);
                (Status::Fail, format!("The {name} URL: {what}"), Some(fix.into()))
            }
            None if first.is_none_or(|e| e.status.is_none()) => (
                Status::Skipped,
                format!("The {name} URL did not answer, so TLS could not be judged (see its handshake)."),
                None,
            ),
            None => (
                Status::Pass,
                format!("The {name} URL: TLS 1.2 or later, with a certificate this computer trusts for the host name (Graph trusts public authorities only)."),
                None,
            ),
        },
        other => (
            Status::Fail,
            format!("The {name} URL uses {other}; Graph delivers only to https."),
            Some("Serve the handler over https.".into()),
        ),
    }
}

/// Grades TLS from each URL's handshake.
pub fn grade(
    target: &Target,
    notification: Option<&Exchange>,
    lifecycle: Option<&Exchange>,
) -> Check {
    let both_local = target.lifecycle.as_ref().is_some_and(|l| {
        [&target.url, l]
            .iter()
            .all(|u| u.scheme() == "http" && loopback(u))
    });
    let mut graded = vec![judge(
        &target.url,
        notification,
        if both_local {
            "notification and lifecycle"
        } else {
            "notification"
        },
    )];
    if let Some(url) = target.lifecycle.as_ref().filter(|_| !both_local) {
        graded.push(judge(url, lifecycle, "lifecycle"));
    }
    let status = if graded.iter().any(|g| g.0 == Status::Fail) {
        Status::Fail
    } else if graded.iter().all(|g| g.0 == Status::Skipped) {
        Status::Skipped
    } else if graded.iter().any(|g| g.0 == Status::Pass) {
        Status::Pass
    } else {
        Status::Skipped
    };
    let detail = graded
        .iter()
        .map(|g| g.1.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let fix = graded
        .iter()
        .find(|g| g.0 == status)
        .and_then(|g| g.2.clone())
        .or_else(|| graded.iter().find_map(|g| g.2.clone()));
    Check {
        id: CheckId::Tls,
        title: "TLS and the URLs' scheme".into(),
        status,
        rule: RULE.into(),
        detail,
        fix,
        exchanges: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustls_refusals_are_named() {
        use rustls::CertificateError as C;
        let certificate = |e| classify(&rustls::Error::InvalidCertificate(e));
        assert_eq!(certificate(C::UnknownIssuer), TlsProblem::Untrusted);
        assert_eq!(certificate(C::Expired), TlsProblem::Expired);
        assert_eq!(certificate(C::NotValidForName), TlsProblem::WrongHost);
        assert_eq!(
            classify(&rustls::Error::AlertReceived(
                rustls::AlertDescription::ProtocolVersion
            )),
            TlsProblem::NoCommonVersion
        );
        // Found behind hyper's io::Error, whose `source` would skip it.
        let wrapped = std::io::Error::other(rustls::Error::InvalidCertificate(C::UnknownIssuer));
        assert_eq!(problem_of(&wrapped), Some(TlsProblem::Untrusted));
        assert_eq!(
            problem_of(&std::io::Error::other("alerts.contoso.com: tls handshake")),
            None
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
