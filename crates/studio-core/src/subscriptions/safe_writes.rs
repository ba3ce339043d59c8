//! The writes "Trigger a change" may make in a real tenant: small, reversible, and only to
//! things the app made itself.
//!
//! A subscription's resource decides the write: mail is sent to the mailbox's owner (or a
//! draft made, edited and deleted), an event, contact, To Do task or drive folder is created
//! (edited) and deleted again, a chat or channel gets one short message. Nothing existing is
//! touched. What was made is deleted at the end (Outlook keeps deleted items in Deleted Items,
//! OneDrive in its recycle bin); the mail and the chat message stay, being the point.
//!
//! [`plan`] is pure: it answers the exact requests, so the window shows what will be sent and
//! [`super::trigger`] sends those same requests, filling only the two values Graph answers on
//! the way (the created item's id and the mailbox's address).

use serde_json::{Value, json};

use crate::subscriptions::trigger::{ChangeKind, PlannedRequest};

/// Stands in a path for the id of the item the first request created.
pub const CREATED_ID: &str = "{id of the item created first}";
/// Stands in a body for the address the first request answered.
pub const OWN_ADDRESS: &str = "{your address, as Graph answers it}";
/// What every item made by a trigger is called, so a user recognises it.
pub const MARK: &str = "Graph Webhook Studio test";

/// What kind of thing a resource lets the app write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    Mail,
    Event,
    Contact,
    Task,
    DriveFolder,
    ChatMessage,
    ChannelMessage,
}

/// Where the write goes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    write: Write,
    /// `me` or `users/{id}` (mail needs the mailbox; drive its owner).
    owner: String,
    /// The collection a new item is POSTed to.
    collection: String,
    /// Where an item is addressed by id (`…/items/{id}` for drives).
    items: String,
}

/// The requests a trigger makes, and what the user must know first.
#[derive(Debug, Clone, PartialEq)]
pub struct WritePlan {
    /// One sentence: what happens, in the user's words.
    pub summary: String,
    /// The requests in order, paths relative to the Graph version root.
    pub requests: Vec<PlannedRequest>,
    /// Any one of these permissions allows it.
    pub permissions: Vec<String>,
}

/// Why there is no safe write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoWrite {
    /// What is wrong.
    pub message: String,
    /// What to do instead.
    pub hint: String,
}

/// The requests that make `change` happen on `resource` for an app-only (`app_only`) or
/// delegated account; `at` (Unix seconds) places a test event and names items.
pub fn plan(
    resource: &str,
    change: ChangeKind,
    app_only: bool,
    at: i64,
) -> Result<WritePlan, NoWrite> {
    let target = target(resource).ok_or_else(|| NoWrite {
        message: format!("The app has no safe write that changes {resource} in a real tenant."),
        hint: "Make the change where it lives (Outlook, Teams, OneDrive, …), or try the loop on the sandbox, which changes every resource.".into(),
    })?;
    if target.owner.contains('{') || target.collection.contains('{') {
        return Err(NoWrite {
            message: format!("{resource} still has a placeholder."),
            hint: "Fill the placeholder with a real id before triggering a change.".into(),
        });
    }
    let name = format!("{MARK} {}", stamp(at));
    let created = format!("{}/{CREATED_ID}", target.items);
    let post = |body: Value| request("POST", &target.collection, Some(body));
    let permissions = permissions(target.write, change, app_only);
    let (summary, requests) = match (target.write, change) {
        (Write::ChatMessage | Write::ChannelMessage, _) if app_only => {
            return Err(NoWrite {
                message: "An app-only account cannot post chat or channel messages.".into(),
                hint: "Sign in as a user who is a member, or post the message in Teams.".into(),
            });
        }
        (Write::ChatMessage | Write::ChannelMessage, ChangeKind::Created) => (
            format!("Posts the message \"{name}\" in this conversation."),
            vec![post(
                json!({"body": {"contentType": "text", "content": name}}),
            )],
        ),
        (Write::ChatMessage | Write::ChannelMessage, _) => {
            return Err(NoWrite {
                message: "The app only posts new messages in a real chat or channel.".into(),
                hint: "Choose \"created\", or edit or delete a message in Teams.".into(),
            });
        }
        (Write::Mail, ChangeKind::Created) => (
            format!(
                "Sends \"{name}\" from this mailbox to itself (it lands in Inbox, a copy in Sent Items; a subscription on another folder hears nothing)."
            ),
            vec![
                request(
                    "GET",
                    &format!("{}?$select=mail,userPrincipalName", target.owner),
                    None,
                ),
                request(
                    "POST",
                    &format!("{}/sendMail", target.owner),
                    Some(json!({
                        "message": {
                            "subject": name,
                            "body": {"contentType": "Text", "content": body_text()},
                            "toRecipients": [{"emailAddress": {"address": OWN_ADDRESS}}],
                        },
                        "saveToSentItems": true,
                    })),
                ),
            ],
        ),
        (write, change) => {
            let what = noun(write);
            let mut requests = vec![post(new_item(write, &name, at))];
            let mut steps = vec![format!("Creates the {what} \"{name}\"")];
            if change == ChangeKind::Updated {
                requests.push(request("PATCH", &created, Some(edit(write, &name))));
                steps.push("renames it".into());
            }
            requests.push(request("DELETE", &created, None));
            steps.push("deletes it".into());
            let draft = if write == Write::Mail {
                " (a draft, in Drafts: a subscription on one folder other than Drafts hears nothing; deleted, it moves to Deleted Items)"
            } else {
                ""
            };
            (format!("{}{draft}.", join_steps(&steps)), requests)
        }
    };
    Ok(WritePlan {
        summary,
        requests,
        permissions,
    })
}

fn request(method: &str, path: &str, body: Option<Value>) -> PlannedRequest {
    PlannedRequest {
        method: method.to_owned(),
        path: format!("/{}", path.trim_start_matches('/')),
        body,
    }
}

fn join_steps(steps: &[String]) -> String {
    match steps {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{}, then {last}", rest.join(", ")),
    }
}

fn noun(write: Write) -> &'static str {
    match write {
        Write::Mail => "message",
        Write::Event => "event",
        Write::Contact => "contact",
        Write::Task => "task",
        Write::DriveFolder => "folder",
        Write::ChatMessage | Write::ChannelMessage => "message",
    }
}

fn body_text() -> &'static str {
    "Sent by Graph Webhook Studio to make a change notification happen. You can delete it."
}

/// A new item of each kind, as Graph's create examples shape them.
fn new_item(write: Write, name: &str, at: i64) -> Value {
    match write {
        Write::Event => {
            // Tomorrow, on the hour, for 30 minutes, shown as free and without a reminder.
            let start = (at / 3600 + 24) * 3600;
            json!({
                "subject": name,
                "body": {"contentType": "Text", "content": body_text()},
                "start": {"dateTime": local_time(start), "timeZone": "UTC"},
                "end": {"dateTime": local_time(start + 1800), "timeZone": "UTC"},
                "showAs": "free",
                "isReminderOn": false,
                "responseRequested": false,
            })
        }
        Write::Contact => {
            json!({"givenName": MARK, "surname": name.trim_start_matches(MARK).trim()})
        }
        Write::Task => json!({"title": name}),
        Write::DriveFolder => json!({
            "name": name.replace(':', "-"),
            "folder": {},
            "@microsoft.graph.conflictBehavior": "rename",
        }),
        Write::Mail | Write::ChatMessage | Write::ChannelMessage => json!({
            "subject": name,
            "body": {"contentType": "Text", "content": body_text()},
        }),
    }
}

/// The edit an `updated` trigger makes.
fn edit(write: Write, name: &str) -> Value {
    let renamed = format!("{name} (edited)");
    match write {
        Write::Contact => json!({"surname": renamed.trim_start_matches(MARK).trim()}),
        Write::Task => json!({"title": renamed}),
        Write::DriveFolder => json!({"name": renamed.replace(':', "-")}),
        _ => json!({"subject": renamed}),
    }
}

fn permissions(write: Write, change: ChangeKind, app_only: bool) -> Vec<String> {
    let list: &[&str] = match (write, app_only) {
        // An app-only account also reads the mailbox's address (User.Read.All), said when missing.
        (Write::Mail, _) if change == ChangeKind::Created => &["Mail.Send"],
        (Write::Mail, _) => &["Mail.ReadWrite"],
        (Write::Event, _) => &["Calendars.ReadWrite"],
        (Write::Contact, _) => &["Contacts.ReadWrite"],
        (Write::Task, false) => &["Tasks.ReadWrite"],
        (Write::Task, true) => &["Tasks.ReadWrite.All"],
        (Write::DriveFolder, false) => &["Files.ReadWrite", "Files.ReadWrite.All"],
        (Write::DriveFolder, true) => &["Files.ReadWrite.All"],
        (Write::ChatMessage, _) => &["ChatMessage.Send", "Chat.ReadWrite"],
        (Write::ChannelMessage, _) => &["ChannelMessage.Send"],
    };
    list.iter().map(|p| (*p).to_owned()).collect()
}

/// `YYYY-MM-DDTHH:MM:SS` in UTC (Graph's `dateTimeTimeZone` takes the zone separately).
fn local_time(unix: i64) -> String {
    studio_primitives::clock::rfc3339(unix)
        .trim_end_matches('Z')
        .chars()
        .take(19)
        .collect()
}

/// `YYYY-MM-DD HH:MM:SS` for names.
fn stamp(unix: i64) -> String {
    local_time(unix).replace('T', " ")
}

/// What a subscription resource lets the app write to.
fn target(resource: &str) -> Option<Target> {
    let flat = flatten(resource);
    let segments: Vec<&str> = flat.split('/').filter(|s| !s.is_empty()).collect();
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let (owner_len, owner) = match lower.as_slice() {
        ["me", ..] => (1, "me".to_owned()),
        ["users", _, ..] => (2, format!("users/{}", segments[1])),
        ["drives", _, "root"] => {
            let drive = format!("drives/{}", segments[1]);
            return Some(Target {
                write: Write::DriveFolder,
                owner: drive.clone(),
                collection: format!("{drive}/root/children"),
                items: format!("{drive}/items"),
            });
        }
        ["chats", _, "messages"] => {
            return Some(chat(Write::ChatMessage, &segments.join("/")));
        }
        ["teams", _, "channels", _, "messages"] => {
            return Some(chat(Write::ChannelMessage, &segments.join("/")));
        }
        _ => return None,
    };
    let rest = &lower[owner_len..];
    let collection = format!("{owner}/{}", segments[owner_len..].join("/"));
    let write = match rest {
        ["messages"] | ["mailfolders", _, "messages"] => Write::Mail,
        ["events"] | ["calendar", "events"] | ["calendars", _, "events"] => Write::Event,
        ["contacts"] | ["contactfolders", _, "contacts"] => Write::Contact,
        ["todo", "lists", _, "tasks"] => Write::Task,
        ["drive", "root"] => {
            return Some(Target {
                write: Write::DriveFolder,
                collection: format!("{owner}/drive/root/children"),
                items: format!("{owner}/drive/items"),
                owner,
            });
        }
        _ => return None,
    };
    let items = match write {
        // A draft lives in the mailbox, whichever folder the subscription watches.
        Write::Mail => format!("{owner}/messages"),
        _ => collection.clone(),
    };
    let collection = if write == Write::Mail {
        items.clone()
    } else {
        collection
    };
    Some(Target {
        write,
        owner,
        collection,
        items,
    })
}

fn chat(write: Write, path: &str) -> Target {
    Target {
        write,
        owner: String::new(),
        collection: path.to_owned(),
        items: path.to_owned(),
    }
}

/// The path without its query, `segment('key')` written `segment/key`.
fn flatten(resource: &str) -> String {
    let path = resource.trim().split('?').next().unwrap_or_default();
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '(' => out.push('/'),
            '\'' | ')' => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: i64 = 1_790_000_000;

    fn paths(plan: &WritePlan) -> Vec<String> {
        plan.requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    #[test]
    fn mail_is_sent_to_the_mailbox_itself() {
        let plan = plan(
            "/me/mailFolders('Inbox')/messages?$select=subject",
            ChangeKind::Created,
            false,
            AT,
        );
        let plan = plan.expect("mail has a safe write");
        assert_eq!(
            paths(&plan),
            [
                "GET /me?$select=mail,userPrincipalName",
                "POST /me/sendMail"
            ]
        );
        assert_eq!(plan.permissions, ["Mail.Send"]);
        let body = plan.requests[1].body.clone().unwrap_or_default();
        assert_eq!(
            body["message"]["toRecipients"][0]["emailAddress"]["address"],
            OWN_ADDRESS
        );
    }

    #[test]
    fn events_are_made_then_removed_and_only_what_was_made() {
        let plan = plan("users/AbC/calendar/events", ChangeKind::Updated, true, AT)
            .expect("events have a safe write");
        assert_eq!(
            paths(&plan),
            [
                "POST /users/AbC/calendar/events".to_owned(),
                format!("PATCH /users/AbC/calendar/events/{CREATED_ID}"),
                format!("DELETE /users/AbC/calendar/events/{CREATED_ID}"),
            ]
        );
        let body = plan.requests[0].body.clone().unwrap_or_default();
        assert_eq!(body["start"]["timeZone"], "UTC");
        assert_eq!(body["showAs"], "free");
        assert!(plan.summary.contains("then deletes it"), "{}", plan.summary);
    }

    #[test]
    fn drive_folders_are_addressed_by_item_id() {
        let plan = plan("/me/drive/root", ChangeKind::Deleted, false, AT).expect("drive");
        assert_eq!(
            paths(&plan),
            [
                "POST /me/drive/root/children".to_owned(),
                format!("DELETE /me/drive/items/{CREATED_ID}"),
            ]
        );
    }

    #[test]
    fn what_cannot_be_written_safely_says_so() {
        for (resource, change, app_only) in [
            ("/communications/callRecords", ChangeKind::Created, false),
            ("/users/{user-id}/events", ChangeKind::Created, false),
            ("/chats/19:a@thread.v2/messages", ChangeKind::Created, true),
            ("/chats/19:a@thread.v2/messages", ChangeKind::Deleted, false),
        ] {
            let refused = plan(resource, change, app_only, AT);
            assert!(refused.is_err(), "{resource} {change:?}");
        }
        let chat = plan(
            "/chats/19:a@thread.v2/messages",
            ChangeKind::Created,
            false,
            AT,
        );
        assert!(chat.is_ok_and(|p| p.permissions.contains(&"ChatMessage.Send".to_owned())));
    }

    #[test]
    fn the_same_moment_gives_the_same_requests() {
        let a = plan("/me/events", ChangeKind::Created, false, AT);
        let b = plan("/me/events", ChangeKind::Created, false, AT);
        assert_eq!(a, b);
    }
}
