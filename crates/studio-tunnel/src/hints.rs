//! What to do about an ngrok failure, by its error code (see ngrok's error reference).

/// The hint when ngrok was chosen without an authtoken.
pub const NO_AUTHTOKEN: &str = "Paste your authtoken from dashboard.ngrok.com (Your Authtoken) in Settings → Tunnel, or set NGROK_AUTHTOKEN. It is kept in the system keyring.";

/// A fix for an ngrok error code, or for the failure's text when there is none.
pub fn ngrok_hint(code: Option<&str>, message: &str) -> String {
    let hint = match code {
        Some("ERR_NGROK_105" | "ERR_NGROK_106" | "ERR_NGROK_107") => {
            "ngrok did not accept the authtoken. Copy it again from dashboard.ngrok.com → Your Authtoken and save it in Settings → Tunnel."
        }
        Some("ERR_NGROK_4018") => {
            "ngrok needs a verified account and its authtoken. Sign up at ngrok.com, then save the authtoken in Settings → Tunnel."
        }
        Some("ERR_NGROK_108") => {
            "Your ngrok plan allows one agent session at a time. Stop the other ngrok agent (another terminal or app) and try again."
        }
        Some("ERR_NGROK_120" | "ERR_NGROK_121") => {
            "ngrok no longer accepts this agent version. Update Graph Webhook Studio."
        }
        Some("ERR_NGROK_334") => {
            "That domain is already online in another ngrok session. Stop the other agent, or leave the domain empty for a random one."
        }
        Some("ERR_NGROK_313" | "ERR_NGROK_319" | "ERR_NGROK_320") => {
            "ngrok refused the domain. Reserve it under dashboard.ngrok.com → Domains (your free static domain works), or leave the domain empty."
        }
        Some(_) => "Look up the error code at ngrok.com/docs/errors for the fix.",
        None if message.contains("tcp") || message.contains("connect") => {
            "ngrok could not be reached. Check the network (a proxy or firewall may block outbound TLS on port 443), or bring your own URL."
        }
        None => {
            "ngrok could not be opened. Check the network, or use your own URL in Settings → Tunnel."
        }
    };
    hint.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_get_their_own_fix() {
        assert!(ngrok_hint(Some("ERR_NGROK_107"), "").contains("authtoken"));
        assert!(ngrok_hint(Some("ERR_NGROK_108"), "").contains("one agent session"));
        assert!(ngrok_hint(Some("ERR_NGROK_334"), "").contains("already online"));
        assert!(ngrok_hint(Some("ERR_NGROK_9999"), "").contains("ngrok.com/docs/errors"));
        assert!(ngrok_hint(None, "failed to establish tcp connection").contains("network"));
    }
}
