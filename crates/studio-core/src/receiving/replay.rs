//! What a replay sends, written once: the reception's body (or the user's edit of it) POSTed as
//! JSON to a URL, marked with the reception's id. [`super::forward::Forwarder`] sends exactly this
//! request, and [`ReplayRequest::to_curl`] writes the same request as a shell command, so "Copy as
//! curl" and "Replay" cannot disagree.
//!
//! The body came from outside: it is never put in the command as text. Single quotes keep it
//! inert in sh, bash and zsh, but not in fish, PowerShell or cmd.exe (where a pasted line runs on
//! its own), so it travels as base64, whose alphabet no shell reads anything into; that also keeps
//! any size within the limits of one argument (`printf` is a shell builtin).

use base64::Engine;
use studio_primitives::shell::quote;

use super::forward::check_target;
use crate::error::CoreError;

/// The header that names the reception a replay or forward came from.
pub const RECEPTION_HEADER: &str = "x-webhook-studio-reception";
/// The largest edited body a replay sends (the receiver's default limit is 4 MiB).
pub const EDITED_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// One replay, ready to send or to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayRequest {
    /// The checked target.
    pub url: String,
    /// Headers in order.
    pub headers: Vec<(&'static str, String)>,
    /// The exact bytes.
    pub body: Vec<u8>,
}

impl ReplayRequest {
    /// The replay of `reception_id` to `url` with `stored` as its body, or `edited` instead.
    pub fn new(
        reception_id: i64,
        url: &str,
        stored: Vec<u8>,
        edited: Option<String>,
    ) -> Result<ReplayRequest, CoreError> {
        let url = check_target(url)?;
        let body = match edited {
            Some(text) if text.len() > EDITED_BODY_LIMIT => {
                return Err(CoreError::refused(format!(
                    "The edited body is {} bytes; a replay sends at most {EDITED_BODY_LIMIT}.",
                    text.len()
                )));
            }
            Some(text) => text.into_bytes(),
            None => stored,
        };
        Ok(ReplayRequest {
            url,
            headers: vec![
                ("content-type", "application/json".to_owned()),
                (RECEPTION_HEADER, reception_id.to_string()),
            ],
            body,
        })
    }

    /// The same request as a command for sh, bash or zsh: the body piped in from base64, the
    /// URL taken as it is (`--globoff`: `[` and `{` are not curl's ranges here).
    pub fn to_curl(&self) -> String {
        let mut words = vec!["curl --globoff -X POST".to_owned(), quote(&self.url)];
        for (name, value) in &self.headers {
            words.push(format!("-H {}", quote(&format!("{name}: {value}"))));
        }
        words.push("--data-binary @-".to_owned());
        let encoded = base64::engine::general_purpose::STANDARD.encode(&self.body);
        format!(
            "printf '%s' {} | base64 --decode | {}",
            quote(&encoded),
            words.join(" \\\n  ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_replaces_the_body_and_a_bad_url_is_refused() {
        let request = ReplayRequest::new(
            7,
            "http://localhost:3000/x",
            b"{}".to_vec(),
            Some("[1]".into()),
        )
        .expect("request");
        assert_eq!(request.body, b"[1]");
        assert_eq!(request.headers[1], (RECEPTION_HEADER, "7".to_owned()));
        assert!(ReplayRequest::new(7, "ftp://x", Vec::new(), None).is_err());
        let huge = "x".repeat(EDITED_BODY_LIMIT + 1);
        assert!(ReplayRequest::new(7, "http://localhost/", Vec::new(), Some(huge)).is_err());
    }

    #[test]
    fn every_body_goes_through_base64_so_no_shell_reads_it() {
        let request =
            ReplayRequest::new(1, "http://localhost/", vec![0xff, 0, 1], None).expect("request");
        assert!(
            request
                .to_curl()
                .starts_with("printf '%s' '/wAB' | base64 --decode | curl --globoff")
        );
        let hostile = "x' ; calc ; '\\' & calc & \" `id` $(id)";
        let text = ReplayRequest::new(1, "http://localhost/", Vec::new(), Some(hostile.into()))
            .expect("request")
            .to_curl();
        for run in ["; calc", "& calc", "`id`", "$(id)"] {
            assert!(!text.contains(run), "{text}");
        }
    }
}
