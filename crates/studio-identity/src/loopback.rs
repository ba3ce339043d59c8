//! The loopback redirect of a desktop sign-in (RFC 8252 §7.3): a one-shot HTTP listener on a
//! free port that receives `?code=…&state=…` (or `?error=…&state=…`) from the browser, checks the
//! state on both, and the `iss` parameter when the authority says it sends one (RFC 9207, against
//! mix-up attacks), and answers a page saying the tab can be closed. An answer that fails a check
//! ends the sign-in with nothing kept; its error text is not trusted either.
//!
//! It listens on 127.0.0.1 and, when possible, on ::1 at the same port, because the redirect URI
//! is `http://localhost:PORT` (what Entra app registrations list) and browsers may resolve
//! `localhost` to either. Requests without a code or an error (a favicon) get a 404 and the
//! listener keeps waiting, until the deadline.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::IdentityError;

/// The most of a request the listener reads.
const MAX_REQUEST: usize = 16 * 1024;

/// A listener waiting for one redirect.
#[derive(Debug)]
pub struct Loopback {
    v4: TcpListener,
    v6: Option<TcpListener>,
    /// `http://localhost:PORT`.
    pub redirect_uri: String,
}

/// What the redirect brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    /// The authorization code.
    Code(String),
    /// The authority's `error` and `error_description`.
    Error(String, String),
}

impl Loopback {
    /// Listens on a free loopback port.
    pub async fn bind() -> Result<Loopback, IdentityError> {
        let v4 = TcpListener::bind("127.0.0.1:0").await.map_err(|e| {
            IdentityError::Invalid(format!("cannot listen for the sign-in redirect: {e}"))
        })?;
        let port = v4
            .local_addr()
            .map_err(|e| IdentityError::Invalid(e.to_string()))?
            .port();
        let v6 = TcpListener::bind(("::1", port)).await.ok();
        Ok(Loopback {
            v4,
            v6,
            redirect_uri: format!("http://localhost:{port}"),
        })
    }

    /// Waits for the redirect carrying `state` (and an `iss` that `issuer`, the discovery
    /// document's, names, when given), up to `timeout`.
    pub async fn wait_owned(
        self,
        state: String,
        issuer: Option<String>,
        timeout: Duration,
    ) -> Result<Redirect, IdentityError> {
        let outcome = tokio::time::timeout(timeout, async {
            loop {
                let accepted = match &self.v6 {
                    Some(v6) => tokio::select! {
                        a = self.v4.accept() => a,
                        a = v6.accept() => a,
                    },
                    None => self.v4.accept().await,
                };
                let Ok((stream, _)) = accepted else {
                    continue;
                };
                if let Some(result) = answer(stream, &state, issuer.as_deref()).await {
                    return result;
                }
            }
        })
        .await;
        outcome.unwrap_or_else(|_| {
            Err(IdentityError::Cancelled(
                "The sign-in was not finished in the browser in time (was the tab closed?).".into(),
            ))
        })
    }
}

/// Handles one connection; `None` when it was not the redirect.
async fn answer(
    mut stream: TcpStream,
    state: &str,
    issuer: Option<&str>,
) -> Option<Result<Redirect, IdentityError>> {
    let mut buffer = vec![0u8; MAX_REQUEST];
    let mut read = 0;
    while read < buffer.len() {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer[read..]))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            break;
        }
        read += n;
        if buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let head = String::from_utf8_lossy(&buffer[..read]);
    let target = head.split_whitespace().nth(1).unwrap_or("/");
    let url = url::Url::parse(&format!("http://localhost{target}")).ok()?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let refused = |why: &str| {
        (
            "400 Bad Request",
            "Sign-in refused",
            format!("{why} Start again from the app."),
            Some(Err(IdentityError::Mismatch(format!(
                "the sign-in redirect was refused: {why}"
            )))),
        )
    };
    let answered = param("code").is_some() || param("error").is_some();
    let (status, title, text, result) = match (param("code"), param("error")) {
        _ if answered && param("state").as_deref() != Some(state) => refused(
            "This answer does not belong to the sign-in the app started (the state does not match).",
        ),
        _ if answered
            && issuer.is_some_and(|template| {
                !param("iss").is_some_and(|iss| crate::openid::issuer_matches(template, &iss))
            }) =>
        {
            refused(
                "This answer names another authority than the one the app signed in with (iss).",
            )
        }
        (_, Some(error)) => {
            let description = param("error_description").unwrap_or_default();
            (
                "200 OK",
                "Sign-in did not finish",
                format!("{error}: {description}"),
                Some(Ok(Redirect::Error(error, description))),
            )
        }
        (Some(code), None) => (
            "200 OK",
            "You are signed in",
            "You can close this tab and return to Graph Webhook Studio.".to_owned(),
            Some(Ok(Redirect::Code(code))),
        ),
        (None, None) => ("404 Not Found", "Not found", String::new(), None),
    };
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>{title}</title>\
         <style>body{{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;color:#1f2328}}h1{{font-size:1.4rem}}</style>\
         <h1>{title}</h1><p>{}</p>",
        escape(&text)
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
    result
}

/// Escapes text for the page (error descriptions come from the network).
fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(url: &str) -> (u16, String) {
        let response = reqwest::get(url).await.expect("sent");
        (
            response.status().as_u16(),
            response.text().await.unwrap_or_default(),
        )
    }

    #[tokio::test]
    async fn the_redirect_brings_the_code_and_ignores_other_requests() {
        let loopback = Loopback::bind().await.expect("binds");
        let base = loopback.redirect_uri.replace("localhost", "127.0.0.1");
        let waiting = tokio::spawn(loopback.wait_owned("s1".into(), None, Duration::from_secs(5)));
        assert_eq!(get(&format!("{base}/favicon.ico")).await.0, 404);
        let (status, page) = get(&format!("{base}/?code=abc&state=s1")).await;
        assert_eq!(status, 200);
        assert!(page.contains("close this tab"));
        let result = waiting.await.expect("joined");
        assert_eq!(result.ok(), Some(Redirect::Code("abc".into())));
    }

    #[tokio::test]
    async fn error_redirects_and_issuers_are_checked_too() {
        // An error with another sign-in's state is not this sign-in's error.
        let loopback = Loopback::bind().await.expect("binds");
        let base = loopback.redirect_uri.replace("localhost", "127.0.0.1");
        let waiting = tokio::spawn(loopback.wait_owned("s1".into(), None, Duration::from_secs(5)));
        let (status, _) = get(&format!("{base}/?error=access_denied&state=other")).await;
        assert_eq!(status, 400);
        assert!(matches!(
            waiting.await.expect("joined"),
            Err(IdentityError::Mismatch(_))
        ));
        // With the right state it is reported as the authority's answer.
        let loopback = Loopback::bind().await.expect("binds");
        let base = loopback.redirect_uri.replace("localhost", "127.0.0.1");
        let waiting = tokio::spawn(loopback.wait_owned("s1".into(), None, Duration::from_secs(5)));
        get(&format!(
            "{base}/?error=access_denied&error_description=no&state=s1"
        ))
        .await;
        assert_eq!(
            waiting.await.expect("joined").ok(),
            Some(Redirect::Error("access_denied".into(), "no".into()))
        );
        // RFC 9207: when the authority names itself, a missing or other `iss` is refused.
        for query in ["code=c&state=s1", "code=c&state=s1&iss=https%3A%2F%2Fevil"] {
            let loopback = Loopback::bind().await.expect("binds");
            let base = loopback.redirect_uri.replace("localhost", "127.0.0.1");
            let issuer = Some("https://idp/t/v2.0".to_owned());
            let waiting =
                tokio::spawn(loopback.wait_owned("s1".into(), issuer, Duration::from_secs(5)));
            assert_eq!(get(&format!("{base}/?{query}")).await.0, 400);
            assert!(matches!(
                waiting.await.expect("joined"),
                Err(IdentityError::Mismatch(_))
            ));
        }
        let loopback = Loopback::bind().await.expect("binds");
        let base = loopback.redirect_uri.replace("localhost", "127.0.0.1");
        let issuer = Some("https://idp/t/v2.0".to_owned());
        let waiting =
            tokio::spawn(loopback.wait_owned("s1".into(), issuer, Duration::from_secs(5)));
        get(&format!(
            "{base}/?code=c&state=s1&iss=https%3A%2F%2Fidp%2Ft%2Fv2.0"
        ))
        .await;
        assert_eq!(
            waiting.await.expect("joined").ok(),
            Some(Redirect::Code("c".into()))
        );
    }

    #[tokio::test]
    async fn a_wrong_state_or_silence_ends_the_wait() {
        let loopback = Loopback::bind().await.expect("binds");
        let base = loopback.redirect_uri.replace("localhost", "127.0.0.1");
        let waiting = tokio::spawn(loopback.wait_owned("s1".into(), None, Duration::from_secs(5)));
        let (status, page) = get(&format!("{base}/?code=abc&state=<script>")).await;
        assert_eq!(status, 400);
        assert!(!page.contains("<script>"));
        assert!(matches!(
            waiting.await.expect("joined"),
            Err(IdentityError::Mismatch(_))
        ));
        let quiet = Loopback::bind().await.expect("binds");
        let result = quiet
            .wait_owned("s".into(), None, Duration::from_millis(50))
            .await;
        assert!(matches!(result, Err(IdentityError::Cancelled(_))));
    }
}
