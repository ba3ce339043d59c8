//! What Graph documents about catching up on a subscribed resource: how soon a change is
//! normally notified (so a silence can be judged), and which delta query reads what changed
//! (so a gap can be reconciled).
//!
//! Latencies are the "maximum latency" column of the change-notifications overview (2025 text);
//! delta endpoints are the v1.0 `delta` functions. Resources without a delta function say so,
//! with what to do instead.

/// How long a change of a resource normally takes to be notified, in seconds (the docs'
/// maximum latency; "within the hour" for call records).
pub fn expected_latency_seconds(resource_id: &str) -> u32 {
    match resource_id {
        "chatMessage" | "presence" => 10,
        "channel" | "chat" | "conversationMember" | "team" | "onlineMeeting" => 10,
        "message"
        | "event"
        | "contact"
        | "driveItem"
        | "list"
        | "printer"
        | "printTaskDefinition" => 60,
        "todoTask" | "baseTask" => 120,
        "user" | "group" | "conversation" | "alert" | "healthMonitoringAlert" => 180,
        "callRecord" | "callRecording" | "callTranscript" => 3600,
        _ => 180,
    }
}

/// How a subscription's resource is read with delta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeltaPlan {
    /// One delta request: the path to start a full sync with (relative to the API root).
    One(String),
    /// A mailbox's messages: every mail folder of `user` (e.g. `/me`, `/users/{id}`) has its own
    /// delta (`{user}/mailFolders/{id}/messages/delta`); list `{user}/mailFolders` first.
    EachMailFolder {
        /// The mailbox's owner path.
        user: String,
    },
    /// A mailbox's contacts: Graph's contact delta is per contact folder
    /// (`{user}/contactFolders/{id}/contacts/delta`); the default Contacts folder and every
    /// folder inside it are read.
    EachContactFolder {
        /// The mailbox's owner path.
        user: String,
    },
    /// A drive from its root: one delta request (the path to start with), but OneDrive's
    /// notifications name only the root, never the item, so a change counts as notified when a
    /// notification arrived after it.
    WholeDrive(String),
    /// Graph has no delta for it; the reason and what to do instead.
    Unavailable(&'static str),
}

/// The delta path of one mail folder's messages (also the key its delta link is kept under).
pub fn mail_folder_delta(user: &str, folder: &str) -> String {
    format!("{user}/mailFolders/{folder}/messages/delta")
}

/// The delta path of one contact folder's contacts (also the key its delta link is kept under).
pub fn contact_folder_delta(user: &str, folder: &str) -> String {
    format!("{user}/contactFolders/{folder}/contacts/delta")
}

/// The folder a [`contact_folder_delta`] path of `user` names.
pub fn contact_folder_of<'a>(user: &str, path: &'a str) -> Option<&'a str> {
    path.strip_prefix(user)?
        .strip_prefix("/contactFolders/")?
        .strip_suffix("/contacts/delta")
}

/// The delta plan for a subscription's resource (`/me/mailFolders('inbox')/messages?$select=…`).
pub fn delta_plan(resource: &str) -> DeltaPlan {
    let path = resource.split('?').next().unwrap_or_default().trim();
    let path = format!("/{}", path.trim_matches('/'));
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    // The mailbox owner: `me` or `users/{id}`.
    let (user, rest): (String, &[&str]) = match lower.as_slice() {
        ["me", rest @ ..] => ("/me".into(), rest),
        ["users", _, rest @ ..] if !rest.is_empty() => (format!("/users/{}", segments[1]), rest),
        _ => (String::new(), &[]),
    };
    let original_rest = &segments[segments.len() - rest.len()..];
    match (lower.as_slice(), rest) {
        (["users"], _) => DeltaPlan::One("/users/delta".into()),
        (["groups"], _) => DeltaPlan::One("/groups/delta".into()),
        (_, ["messages"]) => DeltaPlan::EachMailFolder { user },
        (_, [folder, "messages"]) if folder.starts_with("mailfolders") => {
            DeltaPlan::One(format!("{user}/{}/messages/delta", original_rest[0]))
        }
        (_, ["mailfolders", _, "messages"]) => {
            DeltaPlan::One(mail_folder_delta(&user, original_rest[1]))
        }
        (_, ["events"]) => DeltaPlan::One(format!("{user}/calendarView/delta")),
        (_, ["contacts"]) if !user.is_empty() => DeltaPlan::EachContactFolder { user },
        (_, ["contactfolders", _, "contacts"]) => {
            DeltaPlan::One(contact_folder_delta(&user, original_rest[1]))
        }
        (_, ["todo", "lists", _, "tasks"]) => DeltaPlan::One(format!(
            "{user}/todo/lists/{}/tasks/delta",
            original_rest[2]
        )),
        (["drives", _, "root"], _) => {
            DeltaPlan::WholeDrive(format!("/drives/{}/root/delta", segments[1]))
        }
        (_, ["drive", "root"]) if !user.is_empty() => {
            DeltaPlan::WholeDrive(format!("{user}/drive/root/delta"))
        }
        (["teams", _, "channels", _, "messages"], _) => DeltaPlan::One(format!(
            "/teams/{}/channels/{}/messages/delta",
            segments[1], segments[3]
        )),
        (["chats", ..], _) | (_, ["chats", ..]) => DeltaPlan::Unavailable(
            "Graph has no delta for chat messages; list /chats/{id}/messages with $filter=lastModifiedDateTime gt … to catch up.",
        ),
        _ => DeltaPlan::Unavailable(
            "Graph has no delta function for this resource; read it again to catch up.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_folders_delta_path_names_its_folder_back() {
        let path = contact_folder_delta("/users/u1", "AAMk=");
        assert_eq!(path, "/users/u1/contactFolders/AAMk=/contacts/delta");
        assert_eq!(contact_folder_of("/users/u1", &path), Some("AAMk="));
        assert_eq!(contact_folder_of("/users/u2", &path), None);
        assert_eq!(
            contact_folder_of("/users/u1", &mail_folder_delta("/users/u1", "f")),
            None
        );
    }

    #[test]
    fn subscriptions_map_to_graphs_delta_functions() {
        assert_eq!(
            delta_plan("/me/mailFolders('inbox')/messages?$select=subject"),
            DeltaPlan::One("/me/mailFolders('inbox')/messages/delta".into())
        );
        assert_eq!(
            delta_plan("users/u1/mailFolders/f1/messages"),
            DeltaPlan::One("/users/u1/mailFolders/f1/messages/delta".into())
        );
        assert_eq!(
            delta_plan("/me/messages"),
            DeltaPlan::EachMailFolder { user: "/me".into() }
        );
        assert_eq!(
            delta_plan("/users/U1/events"),
            DeltaPlan::One("/users/U1/calendarView/delta".into())
        );
        assert_eq!(delta_plan("/users"), DeltaPlan::One("/users/delta".into()));
        assert_eq!(
            delta_plan("/me/contacts"),
            DeltaPlan::EachContactFolder { user: "/me".into() }
        );
        assert_eq!(
            delta_plan("/users/u1/contactFolders/F1/contacts"),
            DeltaPlan::One("/users/u1/contactFolders/F1/contacts/delta".into())
        );
        assert_eq!(
            delta_plan("/drives/d1/root"),
            DeltaPlan::WholeDrive("/drives/d1/root/delta".into())
        );
        assert_eq!(
            delta_plan("/me/drive/root"),
            DeltaPlan::WholeDrive("/me/drive/root/delta".into())
        );
        assert_eq!(
            delta_plan("/users/u1/drive/root"),
            DeltaPlan::WholeDrive("/users/u1/drive/root/delta".into())
        );
        assert_eq!(
            delta_plan("/teams/t/channels/c/messages"),
            DeltaPlan::One("/teams/t/channels/c/messages/delta".into())
        );
        assert_eq!(
            delta_plan("/me/todo/lists/l1/tasks"),
            DeltaPlan::One("/me/todo/lists/l1/tasks/delta".into())
        );
        assert!(matches!(
            delta_plan("/chats/c/messages"),
            DeltaPlan::Unavailable(_)
        ));
        assert!(matches!(
            delta_plan("/communications/presences/u"),
            DeltaPlan::Unavailable(_)
        ));
        assert_eq!(expected_latency_seconds("chatMessage"), 10);
        assert_eq!(expected_latency_seconds("callRecord"), 3600);
    }
}
