//! Graph's validation handshake and the notification-URL rules it enforces first: HTTPS (plain
//! http for loopback hosts), and nothing beyond loopback unless the emulator was started with
//! `--allow-remote-delivery`.

use std::time::Instant;

use crate::server::Shared;
use crate::subscriptions::uuid_like;

pub fn check_url(shared: &Shared, url: &str) -> Result<(), String> {
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
    // The documented contract is a 200 with `text/plain` (the sandbox's wording for this one).
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.split(';').next().map(str::trim) != Some("text/plain") {
        return Err(format!(
            "Subscription validation request failed. Notification endpoint must respond with 200 OK and Content-Type text/plain to validation request (it answered '{}').",
            if content_type.is_empty() {
                "no Content-Type"
            } else {
                content_type.get(..80).unwrap_or(content_type.as_str())
            }
        ));
    }
    let body = response
        .bytes()
        .await
        .map_err(|_| "Subscription validation request timed out.".to_owned())?;
    if body.as_ref() != token.as_bytes() {
        return Err("Subscription validation request failed. Response must exactly match validationToken query parameter.".into());
    }
    Ok(())
}
