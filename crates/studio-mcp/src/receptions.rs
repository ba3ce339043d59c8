//! The tools that read what arrived: search (waiting for the next checked reception when
//! asked), one reception whole with every check, replay, and where the receiver is. Answers hide
//! every clientState (`answers.rs`).

use std::time::Duration;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde_json::{Value, json};
use studio_core::CoreError;
use studio_core::receiving::changes::DatabaseChanges;
use studio_core::receiving::reading::{
    ForwardView, ReceptionLine, ReceptionRef, ReceptionsRequest,
};

use crate::answers::{Answer, answer, as_json, without_client_state};
use crate::params::{Bounded, ReceptionGet, ReceptionsSearch, Replay};
use crate::workbench::Workbench;

/// The most of a body `reception_get` returns as text (the items carry the content too).
const BODY_RETURNED: usize = 64 * 1024;
/// How often a wait reads again when no file event came: SQLite makes a commit visible through
/// its memory-mapped index (`-shm`), which raises no event, a moment after the write that did.
const REREAD: Duration = Duration::from_millis(500);

#[tool_router(router = reception_tools, vis = "pub(crate)")]
impl Workbench {
    #[tool(
        description = "Search what the receiver got (notifications, lifecycle events, handshakes, strays), newest first, with each one's checks in summary (clientState problems, unknown subscriptions, duplicates, pending checks). With after and waitSeconds it waits for the next matching reception whose checks are done. Answers newestId to pass as after next time.",
        annotations(
            title = "Search receptions",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    async fn receptions_search(&self, Parameters(p): Parameters<ReceptionsSearch>) -> Answer {
        if let Err(refusal) = p.bounded() {
            return Ok(refusal);
        }
        let request = ReceptionsRequest {
            before: p.before,
            after: p.after,
            kind: p.kind.map(Into::into),
            text: p.text.filter(|t| !t.trim().is_empty()),
            limit: Some(p.limit.unwrap_or(10).clamp(1, 50)),
            ..ReceptionsRequest::default()
        };
        let wait = Duration::from_secs(u64::from(p.wait_seconds.unwrap_or(0).min(50)));
        answer(self.search_waiting(request, wait).await)
    }

    #[tool(
        description = "One reception whole: headers, body, each item with its checks (clientState verdict, duplicate, decrypted resource data or why not) and, by default, its validation tokens taken apart claim by claim with each check (signature, lifetime, issuer, tenant, audience, caller).",
        annotations(
            title = "Read a reception",
            read_only_hint = true,
            open_world_hint = true
        )
    )]
    async fn reception_get(&self, Parameters(p): Parameters<ReceptionGet>) -> Answer {
        if let Err(refusal) = p.bounded() {
            return Ok(refusal);
        }
        let outcome = async {
            let reference = ReceptionRef {
                id: p.id,
                url: None,
                body: None,
            };
            let detail = self.studio.reception_get(reference.clone()).await?;
            let tokens = if p.include_tokens.unwrap_or(true) && detail.token_count > 0 {
                Some(self.studio.reception_tokens(reference).await?)
            } else {
                None
            };
            let items: Vec<Value> = detail
                .items
                .iter()
                .map(|item| {
                    let mut value = serde_json::to_value(item).unwrap_or(Value::Null);
                    value["item"] = as_json(&item.item);
                    if let Some(decrypted) = &item.decrypted {
                        value["decrypted"] = as_json(decrypted);
                    }
                    value
                })
                .collect();
            let (body, cut) = match &detail.body_text {
                Some(text) if text.len() > BODY_RETURNED => {
                    let mut end = BODY_RETURNED;
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    (Some(&text[..end]), true)
                }
                other => (other.as_deref(), detail.body_truncated),
            };
            Ok::<_, CoreError>(json!({
                "summary": detail.summary,
                "query": detail.query,
                "headers": detail.headers,
                "bodyText": body.map(without_client_state),
                // A body that is not UTF-8 cannot have its clientState hidden: only its size.
                "bodyIsBinary": detail.body_base64.is_some(),
                "bodyTruncated": cut,
                "items": items,
                "forwards": detail.forwards.into_iter().map(answered).collect::<Vec<_>>(),
                "tokens": tokens,
            }))
        };
        answer(outcome.await)
    }

    #[tool(
        description = "Send a stored notification again, as it came or with another body: to the forwarding target in Settings by default (the user's own webhook handler), or to url. A url on another computer needs --allow-writes. Answers the status and time the target took.",
        annotations(
            title = "Replay a notification",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn replay(&self, Parameters(p): Parameters<Replay>) -> Answer {
        if let Err(refusal) = p.bounded() {
            return Ok(refusal);
        }
        let outcome = async {
            let forward_to = self.studio.settings_now().forward_to;
            let url = p
                .url
                .or_else(|| Some(forward_to.clone()).filter(|t| !t.trim().is_empty()));
            if let Some(url) = &url
                && !self.replay_stays_here(url, &forward_to).await
            {
                self.require_writes("Replaying to a URL other than the forwarding target")?;
            }
            self.studio
                .reception_replay(ReceptionRef {
                    id: p.id,
                    url,
                    body: p.body,
                })
                .await
                .map(answered)
        };
        answer(outcome.await)
    }

    #[tool(
        description = "Where notifications are received: this server's receiver, or the process (the window, `webhook-studio listen`) that receives for the data folder, with the URLs Graph delivers to, the tunnel and the newest reception's id.",
        annotations(
            title = "Receiver status",
            read_only_hint = true,
            open_world_hint = false
        )
    )]
    async fn receiver_status(&self) -> Answer {
        let outcome = async {
            let here = self.studio.receiver_status(()).await?;
            let holder = studio_core::receiving::holder::current(&self.studio.paths().data_dir);
            let elsewhere = holder.map(|h| {
                let urls = h.urls();
                json!({
                    "process": h.process.label(),
                    "pid": h.pid,
                    "notificationUrl": urls.as_ref().map(|d| d.notification_url.clone()),
                    "lifecycleUrl": urls.as_ref().map(|d| d.lifecycle_url.clone()),
                })
            });
            Ok::<_, CoreError>(json!({ "thisServer": here, "receivedElsewhereBy": elsewhere }))
        };
        answer(outcome.await)
    }
}

impl Workbench {
    /// Whether a replay to `url` stays with what the user chose: the forwarding target in
    /// Settings, or this app's own receiver (this process's, or the window's).
    async fn replay_stays_here(&self, url: &str, forward_to: &str) -> bool {
        let url = url.trim();
        if !forward_to.trim().is_empty() && url == forward_to.trim() {
            return true;
        }
        let mut own = Vec::new();
        if let Some(endpoints) = self.studio.receiving().endpoints().await {
            own.extend([
                endpoints.local_notification_url,
                endpoints.local_lifecycle_url,
            ]);
            own.extend(endpoints.public_notification_url);
            own.extend(endpoints.public_lifecycle_url);
        }
        if let Some(holder) = studio_core::receiving::holder::current(&self.studio.paths().data_dir)
            .and_then(|h| h.urls())
        {
            own.extend([holder.notification_url, holder.lifecycle_url]);
        }
        own.iter().any(|o| o == url)
    }

    /// The search, waiting up to `wait` for a matching reception whose checks are done. File
    /// events wake the wait; a read every [`REREAD`] covers a commit whose last step raised none
    /// (and a folder that cannot be watched).
    async fn search_waiting(
        &self,
        request: ReceptionsRequest,
        wait: Duration,
    ) -> Result<Value, CoreError> {
        let deadline = tokio::time::Instant::now() + wait;
        // Watching starts before the first read, so nothing arrives unseen in between.
        let mut changes = if wait.is_zero() {
            None
        } else {
            DatabaseChanges::watch(&self.studio.paths().data_dir)
                .inspect_err(|error| tracing::warn!(%error, "waiting without file events"))
                .ok()
        };
        loop {
            // The newest id is read before the list: a reception stored in between is listed
            // next time (`after` = this id), never skipped.
            let newest = self.studio.receiver_status(()).await?.newest_id;
            let lines = self.studio.receptions_list(request.clone()).await?;
            let ready = lines.iter().any(|l| !l.pending);
            if wait.is_zero() || ready || tokio::time::Instant::now() >= deadline {
                return Ok(page(lines, newest));
            }
            let woken = async {
                let still_watching = match changes.as_mut() {
                    Some(watch) => watch.changed().await,
                    None => false,
                };
                if !still_watching {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                () = woken => {}
                () = tokio::time::sleep(REREAD) => {}
                () = tokio::time::sleep_until(deadline) => {}
            }
        }
    }
}

/// What a forwarding target answered, its body with each clientState hidden (a handler that
/// echoes the notification would echo it).
fn answered(mut forward: ForwardView) -> ForwardView {
    forward.body = forward.body.as_deref().map(without_client_state);
    forward
}

/// A page of receptions and the id to pass as `after` next time.
fn page(lines: Vec<ReceptionLine>, newest: i64) -> Value {
    let newest = lines
        .iter()
        .map(|l| l.id)
        .max()
        .unwrap_or(newest)
        .max(newest);
    json!({
        "count": lines.len(),
        "newestId": newest,
        "receptions": lines,
    })
}
