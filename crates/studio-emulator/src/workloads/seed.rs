//! The seeded tenant's content: the same people, groups, teams, mail, chats, files, lists, tasks,
//! printers, alerts, presence and call records for the same seed, so screenshots, tests and a
//! user's CI see one stable world.

use serde_json::{Value, json};

use super::paths::{WELL_KNOWN_FOLDERS, contacts_folder_id, drive_id, folder_id};
use super::{Entity, Store, timestamp};
use crate::tenant::{DOMAIN, Tenant};

const TITLES: [&str; 5] = [
    "Marketing Manager",
    "Engineer",
    "Designer",
    "Engineering Lead",
    "Sales",
];

/// Groups: name, description, member indexes, owner indexes, is a team, channels.
type GroupSeed = (
    &'static str,
    &'static str,
    &'static [usize],
    &'static [usize],
    bool,
    &'static [&'static str],
);
const GROUPS: [GroupSeed; 3] = [
    (
        "Contoso Marketing",
        "Marketing team",
        &[0, 1, 2],
        &[0],
        true,
        &["General", "Campaigns"],
    ),
    (
        "Engineering",
        "Builds the product",
        &[1, 3, 4],
        &[3],
        true,
        &["General", "Releases", "On-call"],
    ),
    (
        "All Company",
        "Everyone",
        &[0, 1, 2, 3, 4],
        &[4],
        false,
        &[],
    ),
];

struct Seeder<'a> {
    store: Store,
    tenant: &'a Tenant,
    now: i64,
}

impl Seeder<'_> {
    fn put(&mut self, path: String, kind: &str, body: Value) -> String {
        self.put_with(path, kind, body, Vec::new(), Vec::new())
    }

    fn put_with(
        &mut self,
        path: String,
        kind: &str,
        mut body: Value,
        also_in: Vec<String>,
        audience: Vec<String>,
    ) -> String {
        let id = path.rsplit('/').next().unwrap_or_default().to_owned();
        if let Value::Object(map) = &mut body {
            map.insert("id".into(), json!(id));
        }
        self.store.put(Entity {
            path,
            kind: kind.into(),
            also_in,
            audience,
            body,
        });
        id
    }

    fn at(&self, minutes_ago: i64) -> String {
        timestamp(self.now - minutes_ago * 60)
    }

    fn person(&self, index: usize) -> Value {
        let u = &self.tenant.users[index % self.tenant.users.len()];
        json!({ "emailAddress": { "name": u.display_name, "address": u.user_principal_name } })
    }

    fn directory(&mut self) {
        for (i, u) in self.tenant.users.iter().enumerate() {
            let mut names = u.display_name.split(' ');
            let body = json!({
                "displayName": u.display_name,
                "givenName": names.next().unwrap_or_default(),
                "surname": names.next().unwrap_or_default(),
                "userPrincipalName": u.user_principal_name,
                "mail": u.user_principal_name,
                "jobTitle": TITLES[i % TITLES.len()],
                "officeLocation": format!("{}/{}", 18 + i, 1100 + i * 7),
            });
            self.put(format!("users/{}", u.id.to_lowercase()), "user", body);
        }
        for (n, (name, description, members, owners, team, channels)) in GROUPS.iter().enumerate() {
            let id = format!(
                "{}-{:012x}",
                &self.tenant.tenant_id[..23],
                (n as u64 + 1) * 0x1111
            );
            self.put(
                format!("groups/{id}"),
                "group",
                json!({
                    "displayName": name,
                    "description": description,
                    "mailNickname": name.to_lowercase().replace(' ', ""),
                    "mail": format!("{}@{DOMAIN}", name.to_lowercase().replace(' ', "")),
                    "groupTypes": ["Unified"],
                    "resourceProvisioningOptions": if *team { json!(["Team"]) } else { json!([]) },
                }),
            );
            for (relation, kind, who) in [
                ("members", "groupMember", members),
                ("owners", "groupOwner", owners),
            ] {
                for index in who.iter() {
                    let u = &self.tenant.users[*index];
                    let body = json!({ "@odata.type": "#microsoft.graph.user", "displayName": u.display_name, "userPrincipalName": u.user_principal_name });
                    self.put(
                        format!("groups/{id}/{relation}/{}", u.id.to_lowercase()),
                        kind,
                        body,
                    );
                }
            }
            self.conversation(&id, name);
            if *team {
                self.team(&id, name, description, members, channels);
            }
        }
    }

    fn conversation(&mut self, group: &str, name: &str) {
        let id = self.store.next_id("aaqk");
        let body = json!({ "topic": format!("Welcome to {name}"), "hasAttachments": false, "lastDeliveredDateTime": self.at(600), "preview": "Say hello to the group." });
        self.put(
            format!("groups/{group}/conversations/{id}"),
            "conversation",
            body,
        );
    }

    fn team(
        &mut self,
        id: &str,
        name: &str,
        description: &str,
        members: &[usize],
        channels: &[&str],
    ) {
        let body = json!({ "displayName": name, "description": description, "isArchived": false, "visibility": "private" });
        self.put(format!("teams/{id}"), "team", body);
        for index in members {
            let u = &self.tenant.users[*index];
            let member = format!("mmbr{}", u.id.replace('-', ""));
            let body = json!({ "@odata.type": "#microsoft.graph.aadUserConversationMember", "displayName": u.display_name, "userId": u.id, "roles": [] });
            self.put(format!("teams/{id}/members/{member}"), "teamMember", body);
        }
        for (i, channel) in channels.iter().enumerate() {
            let channel_id = format!("19:{}{i}@thread.tacv2", &id.replace('-', "")[..20]);
            let body = json!({ "displayName": channel, "membershipType": "standard", "createdDateTime": self.at(90_000) });
            self.put(format!("teams/{id}/channels/{channel_id}"), "channel", body);
            let message = format!("{}", 1_700_000_000_000_u64 + (i as u64) * 1000);
            let from = members.first().copied().unwrap_or(0);
            let body = self.chat_message(from, &format!("Welcome to {channel}!"), 300);
            self.put(
                format!("teams/{id}/channels/{channel_id}/messages/{message}"),
                "channelMessage",
                body,
            );
        }
    }

    fn chat_message(&self, from: usize, text: &str, minutes_ago: i64) -> Value {
        let u = &self.tenant.users[from % self.tenant.users.len()];
        json!({
            "messageType": "message",
            "createdDateTime": self.at(minutes_ago),
            "lastModifiedDateTime": self.at(minutes_ago),
            "from": { "user": { "id": u.id, "displayName": u.display_name, "userIdentityType": "aadUser" } },
            "body": { "contentType": "text", "content": text },
        })
    }

    fn chats(&mut self) {
        let chats: [(&str, &str, &[usize], &[&str]); 2] = [
            (
                "oneOnOne",
                "",
                &[0, 1],
                &["Lunch at noon?", "Sure, see you there."],
            ),
            (
                "group",
                "Launch planning",
                &[0, 2, 3],
                &[
                    "Draft agenda is in the channel.",
                    "Thanks, I'll review today.",
                ],
            ),
        ];
        for (n, (chat_type, topic, members, lines)) in chats.iter().enumerate() {
            let id = format!(
                "19:{}{n}@thread.v2",
                &self.tenant.tenant_id.replace('-', "")[..24]
            );
            let audience: Vec<String> = members
                .iter()
                .map(|i| self.tenant.users[*i].id.to_lowercase())
                .collect();
            let body = json!({ "chatType": chat_type, "topic": if topic.is_empty() { Value::Null } else { json!(topic) }, "createdDateTime": self.at(20_000) });
            self.put_with(
                format!("chats/{id}"),
                "chat",
                body,
                Vec::new(),
                audience.clone(),
            );
            for index in members.iter() {
                let u = &self.tenant.users[*index];
                let body = json!({ "@odata.type": "#microsoft.graph.aadUserConversationMember", "displayName": u.display_name, "userId": u.id, "roles": ["owner"] });
                let member = format!("mmbr{}", u.id.replace('-', ""));
                self.put_with(
                    format!("chats/{id}/members/{member}"),
                    "chatMember",
                    body,
                    Vec::new(),
                    audience.clone(),
                );
            }
            for (i, line) in lines.iter().enumerate() {
                let message = format!("{}", 1_700_000_100_000_u64 + (n as u64) * 10_000 + i as u64);
                let from = members[i % members.len()];
                let body = self.chat_message(from, line, 120 - i as i64 * 10);
                self.put_with(
                    format!("chats/{id}/messages/{message}"),
                    "chatMessage",
                    body,
                    Vec::new(),
                    audience.clone(),
                );
            }
        }
    }

    fn mailbox(&mut self, index: usize) {
        let user = self.tenant.users[index].id.to_lowercase();
        let me = vec![user.clone()];
        for (well_known, name) in WELL_KNOWN_FOLDERS {
            let body = json!({ "displayName": name, "parentFolderId": "", "childFolderCount": 0, "unreadItemCount": 0, "totalItemCount": 0 });
            self.put_with(
                format!("users/{user}/mailfolders/{}", folder_id(&user, well_known)),
                "mailFolder",
                body,
                Vec::new(),
                me.clone(),
            );
        }
        let subjects = [
            "Quarterly numbers",
            "Design review notes",
            "Welcome to the sandbox",
        ];
        for (i, subject) in subjects.iter().enumerate() {
            let folder = folder_id(&user, "inbox");
            let id = self.store.next_id("aamk");
            let body = json!({
                "subject": subject,
                "bodyPreview": format!("{subject}: details inside."),
                "body": { "contentType": "text", "content": format!("{subject}: details inside.") },
                "from": self.person(index + i + 1),
                "toRecipients": [self.person(index)],
                "receivedDateTime": self.at(60 * (i as i64 + 1)),
                "isRead": i > 0,
                "importance": "normal",
                "parentFolderId": folder,
            });
            self.put_with(
                format!("users/{user}/messages/{id}"),
                "message",
                body,
                vec![format!("users/{user}/mailfolders/{folder}/messages")],
                me.clone(),
            );
        }
        for (i, subject) in ["Weekly sync", "1:1"].iter().enumerate() {
            let id = self.store.next_id("aamk");
            let start = timestamp(self.now + 86_400 * (i as i64 + 1));
            let end = timestamp(self.now + 86_400 * (i as i64 + 1) + 1800);
            let body = json!({
                "subject": subject,
                "start": { "dateTime": start, "timeZone": "UTC" },
                "end": { "dateTime": end, "timeZone": "UTC" },
                "organizer": self.person(index),
                "isOnlineMeeting": i == 0,
            });
            self.put_with(
                format!("users/{user}/events/{id}"),
                "event",
                body,
                Vec::new(),
                me.clone(),
            );
        }
        let contacts = contacts_folder_id(&user);
        self.store.put(default_contacts_folder(&user));
        for (i, (name, company)) in [
            ("Lidia Holloway", "Fabrikam"),
            ("Diego Siciliani", "Northwind"),
        ]
        .iter()
        .enumerate()
        {
            let id = self.store.next_id("aamk");
            let address = format!(
                "{}@example.com",
                name.split(' ').next().unwrap_or("contact").to_lowercase()
            );
            let body = json!({ "displayName": name, "companyName": company, "emailAddresses": [{ "name": name, "address": address }], "mobilePhone": format!("+1 555 01{index}{i}"), "parentFolderId": contacts });
            self.put_with(
                format!("users/{user}/contacts/{id}"),
                "contact",
                body,
                vec![format!("users/{user}/contactfolders/{contacts}/contacts")],
                me.clone(),
            );
        }
    }

    fn drive_and_tasks(&mut self, index: usize) {
        let u = &self.tenant.users[index];
        let user = u.id.to_lowercase();
        let me = vec![user.clone()];
        let drive = drive_id(&user);
        let body = json!({ "name": "OneDrive", "driveType": "business", "owner": { "user": { "id": u.id, "displayName": u.display_name } } });
        self.put_with(
            format!("drives/{drive}"),
            "drive",
            body,
            Vec::new(),
            me.clone(),
        );
        for (i, name) in ["Budget.xlsx", "Roadmap.docx"].iter().enumerate() {
            let id = self.store.next_id("01");
            let body = json!({ "name": name, "size": 20_480 + i * 4096, "file": {}, "lastModifiedDateTime": self.at(3000 + i as i64) });
            self.put_with(
                format!("drives/{drive}/root/children/{id}"),
                "driveItem",
                body,
                Vec::new(),
                me.clone(),
            );
        }
        let list = self.store.next_id("aqmk");
        let body =
            json!({ "displayName": "Tasks", "isOwner": true, "wellknownListName": "defaultList" });
        self.put_with(
            format!("users/{user}/todo/lists/{list}"),
            "todoTaskList",
            body,
            Vec::new(),
            me.clone(),
        );
        for (i, title) in ["Submit expenses", "Book travel"].iter().enumerate() {
            let id = self.store.next_id("aamk");
            let body = json!({ "title": title, "status": if i == 0 { "notStarted" } else { "inProgress" }, "importance": "normal", "createdDateTime": self.at(500) });
            self.put_with(
                format!("users/{user}/todo/lists/{list}/tasks/{id}"),
                "todoTask",
                body,
                Vec::new(),
                me.clone(),
            );
        }
        let body = json!({ "availability": "Available", "activity": "Available" });
        self.put(format!("communications/presences/{user}"), "presence", body);
    }

    fn tenant_wide(&mut self) {
        let site = format!(
            "sandbox.sharepoint.com,{},{}",
            self.tenant.tenant_id, self.tenant.public_client_id
        );
        let body = json!({ "displayName": "Contoso Team Site", "name": "contoso", "webUrl": "https://sandbox.sharepoint.com/sites/contoso" });
        let site = self.put(format!("sites/{site}"), "site", body);
        for (list_name, items) in [
            ("Issues", ["Printer jammed", "VPN drops at 5 pm"]),
            (
                "Announcements",
                ["Office closed Friday", "New coffee machine"],
            ),
        ] {
            let list = self.store.next_id("") + &self.store.next_id("");
            let list = format!(
                "{}-{}-{}-{}-{}",
                &list[..8],
                &list[8..12],
                &list[12..16],
                &list[16..20],
                &list[20..32]
            );
            let body = json!({ "displayName": list_name, "list": { "template": "genericList" } });
            self.put(format!("sites/{site}/lists/{list}"), "list", body);
            for (i, title) in items.iter().enumerate() {
                let body =
                    json!({ "fields": { "Title": title }, "createdDateTime": self.at(1000) });
                self.put(
                    format!("sites/{site}/lists/{list}/items/{}", i + 1),
                    "listItem",
                    body,
                );
            }
        }
        for (i, name) in ["Floor 2 Color", "Reception Laser"].iter().enumerate() {
            let printer = self.store.next_id("");
            let body = json!({ "displayName": name, "manufacturer": "Contoso", "model": "LaserJet 9", "isShared": true, "status": { "state": "idle" } });
            let printer = self.put(
                format!("print/printers/{}", &printer[..24]),
                "printer",
                body,
            );
            let body = json!({ "status": { "state": "completed", "description": "Printed" }, "createdDateTime": self.at(240 + i as i64), "createdBy": { "displayName": self.tenant.users[i].display_name } });
            self.put(
                format!("print/printers/{printer}/jobs/{}", i + 1),
                "printJob",
                body,
            );
        }
        for (i, (title, severity)) in [
            ("Suspicious sign-in from a new country", "high"),
            ("Mass download by a user", "medium"),
        ]
        .iter()
        .enumerate()
        {
            let id = self.store.next_id("da");
            let body = json!({ "title": title, "severity": severity, "status": "newAlert", "category": "Sign-in", "createdDateTime": self.at(30 + i as i64) });
            self.put(format!("security/alerts/{id}"), "alert", body);
        }
        let id = self.store.next_id("");
        let body = json!({ "alertType": "mfaSignInFailure", "state": "active", "category": "authentication", "createdDateTime": self.at(45) });
        self.put(
            format!("reports/healthmonitoring/alerts/{}", &id[..24]),
            "healthAlert",
            body,
        );
        let id = self.store.next_id("");
        let organizer = &self.tenant.users[0];
        let body = json!({ "type": "groupCall", "modalities": ["audio", "video"], "startDateTime": self.at(180), "endDateTime": self.at(150), "organizer": { "user": { "id": organizer.id, "displayName": organizer.display_name } } });
        self.put(
            format!("communications/callrecords/{}", &id[..24]),
            "callRecord",
            body,
        );
    }
}

/// The seeded store for a tenant, timestamps relative to `now`.
pub fn seeded(tenant: &Tenant, seed: u64, now: i64) -> Store {
    let mut seeder = Seeder {
        store: Store::new(seed),
        tenant,
        now,
    };
    seeder.directory();
    seeder.chats();
    for index in 0..tenant.users.len() {
        seeder.mailbox(index);
        seeder.drive_and_tasks(index);
    }
    seeder.tenant_wide();
    seeder.store
}

/// A user's default Contacts folder: every mailbox has one, and Graph's `/contactFolders` does
/// not list it (it is the parent of the folders listed there).
pub(super) fn default_contacts_folder(user: &str) -> Entity {
    let id = contacts_folder_id(user);
    Entity {
        path: format!("users/{user}/contactfolders/{id}"),
        kind: "contactFolder".into(),
        also_in: Vec::new(),
        audience: vec![user.to_owned()],
        body: json!({ "id": id, "displayName": "Contacts", "parentFolderId": "" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::kinds;

    #[test]
    fn the_seed_fills_every_kind_the_same_way_twice() {
        let tenant = Tenant::seeded(3);
        let (a, b) = (seeded(&tenant, 3, 1_000_000), seeded(&tenant, 3, 1_000_000));
        assert_eq!(
            a.entities.iter().map(|e| &e.path).collect::<Vec<_>>(),
            b.entities.iter().map(|e| &e.path).collect::<Vec<_>>()
        );
        for kind in kinds::KINDS {
            assert!(
                a.entities.iter().any(|e| e.kind == kind.name),
                "nothing seeded of kind {}",
                kind.name
            );
        }
        for entity in &a.entities {
            assert_eq!(entity.path, entity.path.to_lowercase(), "ids are lowercase");
            assert_eq!(
                kinds::of_collection(entity.collection()).map(|k| k.name),
                Some(entity.kind.as_str()),
                "{} is in its kind's collection",
                entity.path
            );
        }
    }
}
