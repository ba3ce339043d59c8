//! What kinds of things the sandbox holds: where each lives, what Graph calls it in a
//! notification, which subscriptions see it change, and which permissions read or write it.
//!
//! One row per kind keeps the workloads declarative: the look-ups, the write endpoints and
//! delivery all read this table instead of knowing about mail or chats.

/// Which service's error texts a kind answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Microsoft Entra directory objects.
    Directory,
    /// Exchange Online (mail, calendar, contacts).
    Outlook,
    /// Everything else.
    Other,
}

/// One kind of entity.
#[derive(Debug)]
pub struct Kind {
    /// A short name, stored with each entity.
    pub name: &'static str,
    /// The canonical collection it lives in; `*` stands for one id.
    pub collection: &'static str,
    /// `@odata.type` in notifications.
    pub odata_type: &'static str,
    /// How notifications name an entity; `{n}` is segment `n` of its canonical path.
    pub resource: &'static str,
    /// Error texts.
    pub family: Family,
    /// Any of these reads it.
    pub read: &'static [&'static str],
    /// Any of these writes it; empty means the sandbox has no write endpoint for it.
    pub write: &'static [&'static str],
    /// Further collections (canonical, `{n}` as above) whose subscriptions see its changes.
    pub watched_by: &'static [&'static str],
    /// Its changes are announced on this ancestor (segment count), with change type `updated`:
    /// an item of a SharePoint list notifies the list, a drive item the drive root, a member the
    /// group.
    pub notifies_parent: Option<usize>,
}

const USER_READ: &[&str] = &[
    "User.Read.All",
    "User.ReadBasic.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const GROUP_READ: &[&str] = &[
    "Group.Read.All",
    "GroupMember.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const MAIL_READ: &[&str] = &[
    "Mail.ReadBasic",
    "Mail.Read",
    "Mail.ReadWrite",
    "Mail.ReadBasic.All",
];
const CHAT_READ: &[&str] = &[
    "Chat.ReadBasic",
    "Chat.Read",
    "Chat.ReadWrite",
    "Chat.ReadBasic.All",
    "Chat.Read.All",
    "Chat.ReadWrite.All",
];
const FILES_READ: &[&str] = &[
    "Files.Read",
    "Files.Read.All",
    "Files.ReadWrite",
    "Files.ReadWrite.All",
    "Sites.Read.All",
    "Sites.ReadWrite.All",
];
const SITES_READ: &[&str] = &[
    "Sites.Read.All",
    "Sites.ReadWrite.All",
    "Sites.Manage.All",
    "Sites.FullControl.All",
];
const TASKS_READ: &[&str] = &[
    "Tasks.Read",
    "Tasks.ReadWrite",
    "Tasks.Read.All",
    "Tasks.ReadWrite.All",
];
const TEAM_READ: &[&str] = &[
    "Team.ReadBasic.All",
    "TeamSettings.Read.All",
    "TeamSettings.ReadWrite.All",
    "Group.Read.All",
    "Directory.Read.All",
];

macro_rules! kind {
    ($name:literal, $collection:literal, $type:literal, $resource:literal, $family:ident,
     $read:expr, $write:expr, [$($watch:literal),*], $parent:expr) => {
        Kind {
            name: $name,
            collection: $collection,
            odata_type: $type,
            resource: $resource,
            family: Family::$family,
            read: $read,
            write: $write,
            watched_by: &[$($watch),*],
            notifies_parent: $parent,
        }
    };
}

/// Every kind the sandbox holds.
pub static KINDS: &[Kind] = &[
    kind!(
        "user",
        "users",
        "#Microsoft.Graph.User",
        "Users/{1}",
        Directory,
        USER_READ,
        &["User.ReadWrite.All", "Directory.ReadWrite.All"],
        [],
        None
    ),
    kind!(
        "group",
        "groups",
        "#Microsoft.Graph.Group",
        "Groups/{1}",
        Directory,
        GROUP_READ,
        &["Group.ReadWrite.All", "Directory.ReadWrite.All"],
        [],
        None
    ),
    kind!(
        "groupMember",
        "groups/*/members",
        "#Microsoft.Graph.Group",
        "Groups/{1}",
        Directory,
        GROUP_READ,
        &[
            "GroupMember.ReadWrite.All",
            "Group.ReadWrite.All",
            "Directory.ReadWrite.All"
        ],
        [],
        Some(2)
    ),
    kind!(
        "groupOwner",
        "groups/*/owners",
        "#Microsoft.Graph.Group",
        "Groups/{1}",
        Directory,
        GROUP_READ,
        &["Group.ReadWrite.All", "Directory.ReadWrite.All"],
        [],
        Some(2)
    ),
    kind!(
        "conversation",
        "groups/*/conversations",
        "#Microsoft.Graph.Conversation",
        "groups('{1}')/conversations('{3}')",
        Other,
        &[
            "Group.Read.All",
            "Group.ReadWrite.All",
            "Group-Conversation.Read.All"
        ],
        &["Group.ReadWrite.All", "Group-Conversation.ReadWrite.All"],
        [],
        None
    ),
    kind!(
        "team",
        "teams",
        "#Microsoft.Graph.Team",
        "teams('{1}')",
        Other,
        TEAM_READ,
        &[],
        [],
        None
    ),
    kind!(
        "channel",
        "teams/*/channels",
        "#Microsoft.Graph.Channel",
        "teams('{1}')/channels('{3}')",
        Other,
        &[
            "Channel.ReadBasic.All",
            "ChannelSettings.Read.All",
            "ChannelSettings.ReadWrite.All",
            "Group.Read.All",
            "Directory.Read.All"
        ],
        &["Channel.Create", "Group.ReadWrite.All"],
        ["teams/getallchannels"],
        None
    ),
    kind!(
        "teamMember",
        "teams/*/members",
        "#Microsoft.Graph.ConversationMember",
        "teams('{1}')/members('{3}')",
        Other,
        &[
            "TeamMember.Read.All",
            "TeamMember.ReadWrite.All",
            "Group.Read.All"
        ],
        &["TeamMember.ReadWrite.All"],
        ["teams/getallmembers"],
        None
    ),
    kind!(
        "channelMessage",
        "teams/*/channels/*/messages",
        "#Microsoft.Graph.ChatMessage",
        "teams('{1}')/channels('{3}')/messages('{5}')",
        Other,
        &[
            "ChannelMessage.Read.All",
            "Group.Read.All",
            "Group.ReadWrite.All"
        ],
        &[
            "ChannelMessage.Send",
            "ChannelMessage.ReadWrite",
            "Group.ReadWrite.All"
        ],
        ["teams/getallmessages", "teams/allmessages"],
        None
    ),
    kind!(
        "chat",
        "chats",
        "#Microsoft.Graph.Chat",
        "chats('{1}')",
        Other,
        CHAT_READ,
        &["Chat.Create", "Chat.ReadWrite", "Chat.ReadWrite.All"],
        [],
        None
    ),
    kind!(
        "chatMember",
        "chats/*/members",
        "#Microsoft.Graph.ConversationMember",
        "chats('{1}')/members('{3}')",
        Other,
        &[
            "ChatMember.Read",
            "ChatMember.ReadWrite",
            "Chat.ReadBasic",
            "Chat.Read",
            "Chat.ReadWrite",
            "ChatMember.Read.All",
            "Chat.Read.All",
            "Chat.ReadWrite.All"
        ],
        &[
            "ChatMember.ReadWrite",
            "Chat.ReadWrite",
            "ChatMember.ReadWrite.All"
        ],
        ["chats/getallmembers"],
        None
    ),
    kind!(
        "chatMessage",
        "chats/*/messages",
        "#Microsoft.Graph.ChatMessage",
        "chats('{1}')/messages('{3}')",
        Other,
        &[
            "Chat.Read",
            "Chat.ReadWrite",
            "Chat.Read.All",
            "Chat.ReadWrite.All",
            "ChatMessage.Read",
            "ChatMessage.Read.All"
        ],
        &["ChatMessage.Send", "Chat.ReadWrite", "Chat.ReadWrite.All"],
        ["chats/getallmessages", "chats/allmessages"],
        None
    ),
    kind!(
        "mailFolder",
        "users/*/mailfolders",
        "#Microsoft.Graph.MailFolder",
        "Users/{1}/MailFolders/{3}",
        Outlook,
        MAIL_READ,
        &["Mail.ReadWrite"],
        [],
        None
    ),
    kind!(
        "message",
        "users/*/messages",
        "#Microsoft.Graph.Message",
        "Users/{1}/Messages/{3}",
        Outlook,
        MAIL_READ,
        &["Mail.ReadWrite"],
        [],
        None
    ),
    kind!(
        "event",
        "users/*/events",
        "#Microsoft.Graph.Event",
        "Users/{1}/Events/{3}",
        Outlook,
        &[
            "Calendars.ReadBasic",
            "Calendars.Read",
            "Calendars.ReadWrite"
        ],
        &["Calendars.ReadWrite"],
        ["users/{1}/calendar/events"],
        None
    ),
    kind!(
        "contactFolder",
        "users/*/contactfolders",
        "#Microsoft.Graph.ContactFolder",
        "Users/{1}/ContactFolders/{3}",
        Outlook,
        &["Contacts.Read", "Contacts.ReadWrite"],
        &["Contacts.ReadWrite"],
        [],
        None
    ),
    kind!(
        "contact",
        "users/*/contacts",
        "#Microsoft.Graph.Contact",
        "Users/{1}/Contacts/{3}",
        Outlook,
        &["Contacts.Read", "Contacts.ReadWrite"],
        &["Contacts.ReadWrite"],
        [],
        None
    ),
    kind!(
        "drive",
        "drives",
        "#Microsoft.Graph.Drive",
        "drives/{1}",
        Other,
        FILES_READ,
        &[],
        [],
        None
    ),
    kind!(
        "driveItem",
        "drives/*/root/children",
        "#Microsoft.Graph.DriveItem",
        "drives/{1}/root",
        Other,
        FILES_READ,
        &[
            "Files.ReadWrite",
            "Files.ReadWrite.All",
            "Sites.ReadWrite.All"
        ],
        [],
        Some(3)
    ),
    kind!(
        "site",
        "sites",
        "#Microsoft.Graph.Site",
        "sites/{1}",
        Other,
        SITES_READ,
        &[],
        [],
        None
    ),
    kind!(
        "list",
        "sites/*/lists",
        "#Microsoft.Graph.List",
        "sites/{1}/lists/{3}",
        Other,
        SITES_READ,
        &[],
        [],
        None
    ),
    kind!(
        "listItem",
        "sites/*/lists/*/items",
        "#Microsoft.Graph.List",
        "sites/{1}/lists/{3}",
        Other,
        SITES_READ,
        &["Sites.ReadWrite.All", "Sites.Manage.All"],
        [],
        Some(4)
    ),
    kind!(
        "todoTaskList",
        "users/*/todo/lists",
        "#Microsoft.Graph.TodoTaskList",
        "Users/{1}/todo/lists/{4}",
        Other,
        TASKS_READ,
        &["Tasks.ReadWrite", "Tasks.ReadWrite.All"],
        [],
        None
    ),
    kind!(
        "todoTask",
        "users/*/todo/lists/*/tasks",
        "#Microsoft.Graph.TodoTask",
        "Users/{1}/todo/lists/{4}/tasks/{6}",
        Other,
        TASKS_READ,
        &["Tasks.ReadWrite", "Tasks.ReadWrite.All"],
        [],
        None
    ),
    kind!(
        "printer",
        "print/printers",
        "#Microsoft.Graph.Printer",
        "print/printers/{2}",
        Other,
        &[
            "Printer.Read.All",
            "Printer.ReadWrite.All",
            "Printer.FullControl.All"
        ],
        &[],
        [],
        None
    ),
    kind!(
        "printJob",
        "print/printers/*/jobs",
        "#Microsoft.Graph.PrintJob",
        "print/printers/{2}/jobs/{4}",
        Other,
        &[
            "PrintJob.Read",
            "PrintJob.ReadBasic",
            "PrintJob.Read.All",
            "PrintJob.ReadWrite.All",
            "PrintJob.Manage.All"
        ],
        &[
            "PrintJob.Create",
            "PrintJob.ReadWrite",
            "PrintJob.ReadWrite.All"
        ],
        [],
        None
    ),
    kind!(
        "alert",
        "security/alerts",
        "#Microsoft.Graph.Alert",
        "security/alerts/{2}",
        Other,
        &["SecurityEvents.Read.All", "SecurityEvents.ReadWrite.All"],
        &["SecurityEvents.ReadWrite.All"],
        [],
        None
    ),
    kind!(
        "healthAlert",
        "reports/healthmonitoring/alerts",
        "#Microsoft.Graph.HealthMonitoring.Alert",
        "reports/healthMonitoring/alerts/{3}",
        Other,
        &[
            "HealthMonitoringAlert.Read.All",
            "HealthMonitoringAlert.ReadWrite.All"
        ],
        &["HealthMonitoringAlert.ReadWrite.All"],
        [],
        None
    ),
    kind!(
        "presence",
        "communications/presences",
        "#Microsoft.Graph.Presence",
        "communications/presences/{2}",
        Other,
        &["Presence.Read", "Presence.Read.All", "Presence.ReadWrite"],
        &["Presence.ReadWrite", "Presence.ReadWrite.All"],
        [],
        None
    ),
    kind!(
        "callRecord",
        "communications/callrecords",
        "#Microsoft.Graph.CallRecords.CallRecord",
        "communications/callRecords/{2}",
        Other,
        &["CallRecords.Read.All"],
        &[],
        [],
        None
    ),
];

/// The kind whose collection `collection` is (canonical).
pub fn of_collection(collection: &str) -> Option<&'static Kind> {
    KINDS
        .iter()
        .find(|k| super::paths::matches(k.collection, collection))
}

/// The kind called `name`.
pub fn named(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

/// Fills `{n}` with segment `n` of `path`.
pub fn fill(template: &str, path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let mut out = template.to_owned();
    for (n, segment) in segments.iter().enumerate().rev() {
        out = out.replace(&format!("{{{n}}}"), segment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_names_its_items_and_collections_uniquely() {
        for kind in KINDS {
            assert_eq!(
                of_collection(kind.collection).map(|k| k.name),
                Some(kind.name)
            );
            assert!(!kind.read.is_empty(), "{}", kind.name);
            assert!(kind.odata_type.starts_with("#Microsoft.Graph."));
        }
        assert_eq!(
            fill(
                "teams('{1}')/channels('{3}')/messages('{5}')",
                "teams/t/channels/c/messages/m"
            ),
            "teams('t')/channels('c')/messages('m')"
        );
        assert_eq!(
            of_collection("users/u1/messages").map(|k| k.name),
            Some("message")
        );
    }
}
