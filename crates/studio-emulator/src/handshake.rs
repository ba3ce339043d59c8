//! Graph's validation handshake and the notification-URL rules it enforces first: HTTPS (plain
//! http for loopback hosts), and nothing beyond loopback unless the emulator was started with
//! `--allow-remote-delivery`.

use std::time::Instant;

use crate::server::Shared;
use crate::subscriptions::uuid_like;

pub fn check_url(shared: &Shared, url: &str) -> Result<(), String> {
    if let Ok(target) = studio_catalog::targets::DeliveryTarget::parse(url)
        && !target.needs_handshake()
    {
        return crate::event_hubs::check_target(shared, &target);
    }
    let parsed =
        reqwest::Url::parse(url).map_err(|_| format!("'{url}' is not an absolute URL."))?;
    let loopback = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match parsed.scheme() {
        "https" if loopback || shared.allow_remote_delivery => Ok(()),
        "http" if loopback => Ok(()),
        "https" => Err(format!("The sandbox delivers to loopback addresses only; '{url}' is not one (start graph-emulator with --allow-remote-delivery).")),
        _ => Err("The notification URL must use HTTPS (plain http is accepted for loopback hosts in the sandbox).".into()),
    }
}

/// Graph's validation handshake: POST `?validationToken=…` (text/plain, empty body); the endpoint
/// must answer 200, `Content-Type: text/plain`, with the decoded token byte for byte, within the
/// timeout.
pub async fn handshake(shared: &Shared, url: &str) -> Result<(), String> {
    let token = format!(
        "Validation: Testing client application reachability for subscription Request-Id: {}",
        uuid_like()
    );
    let mut target = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    target
        .query_pairs_mut()
        .append_pair("validationToken", &token);
    let started = Instant::now();
    let sent = shared
        .http
        .post(target)
        .header("content-type", "text/plain; charset=utf-8")
        .timeout(shared.handshake_timeout)
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(error) if error.is_timeout() => return Err("Subscription validation request timed out.".into()),
        Err(_) => return Err("Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.".into()),
    };
    tracing::debug!(%url, status = response.status().as_u16(), elapsed = ?started.elapsed(), "validation handshake");
    if response.status().as_u16() != 200 {
        return Err("Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.".into());
    }
    text_plain(response.headers().get(reqwest::header::CONTENT_TYPE))?;
    let body = response
        .bytes()
        .await
        .map_err(|_| "Subscription validation request timed out.".to_owned())?;
    if body.as_ref() != token.as_bytes() {
        return Err("Subscription validation request failed. Response must exactly match validationToken query parameter.".into());
    }
    Ok(())
}

/// The documented contract is a 200 with `text/plain` (any parameters, any case); the message is
/// Graph's, extended by the sandbox to say what came instead.
fn text_plain(header: Option<&reqwest::header::HeaderValue>) -> Result<(), String> {
    let answered = match header.map(|v| v.to_str()) {
        None => "no Content-Type".to_owned(),
        Some(Err(_)) => "an unreadable Content-Type".to_owned(),
        Some(Ok(value)) => {
            let value = value.trim().to_ascii_lowercase();
            if value.split(';').next().map(str::trim) == Some("text/plain") {
                return Ok(());
            }
            let shown: String = value.chars().take(80).collect();
            format!("'{shown}'")
        }
    };
    Err(format!(
        "Subscription validation request failed. Notification endpoint must respond with 200 OK and Content-Type text/plain to validation request (it answered {answered})."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn only_text_plain_answers_a_handshake() {
        for good in [
            "text/plain",
            "Text/Plain; charset=utf-8",
            " text/plain ;charset=UTF-8",
        ] {
            assert_eq!(
                text_plain(Some(&HeaderValue::from_static(good))),
                Ok(()),
                "{good}"
            );
        }
        let json = text_plain(Some(&HeaderValue::from_static("application/json")));
        assert!(json.is_err_and(|m| m.contains("'application/json'")));
        assert!(text_plain(None).is_err_and(|m| m.contains("no Content-Type")));
        let odd = HeaderValue::from_bytes(b"text/pl\xe4in").expect("bytes");
        assert!(text_plain(Some(&odd)).is_err_and(|m| m.contains("unreadable")));
        let long = HeaderValue::from_str(&"x".repeat(500)).expect("long");
        assert!(text_plain(Some(&long)).is_err_and(|m| m.len() < 300));
    }
}
