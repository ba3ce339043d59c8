//! The embedded data file is checked here: shape, placeholders, duplicates, limits against the
//! reference table, and that every path in the seed documents resolves to exactly one entry.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use std::collections::{BTreeSet, HashMap};

use studio_catalog::Catalog;
use studio_catalog::model::AccountKind;
use studio_catalog::template::normalize;

fn catalog() -> &'static Catalog {
    Catalog::get().expect("the embedded catalog loads")
}

#[test]
fn every_template_parses_and_every_placeholder_is_typed() {
    let c = catalog();
    let mut used = BTreeSet::new();
    for (resource, path, template) in c.templates() {
        assert!(!path.summary.is_empty(), "{} has no summary", path.template);
        for name in template.placeholders() {
            assert!(
                c.data().placeholders.contains_key(name),
                "{{{name}}} in {} ({}) is not in [placeholders]",
                path.template,
                resource.id
            );
            used.insert(name.to_owned());
        }
        if path.me {
            assert!(
                path.template.starts_with("/users/{user-id}"),
                "`me` on {}",
                path.template
            );
        }
    }
    let defined: BTreeSet<_> = c.data().placeholders.keys().cloned().collect();
    assert_eq!(defined, used, "placeholders defined but never used");
}

#[test]
fn no_duplicate_paths_or_ids() {
    let c = catalog();
    let mut templates = HashMap::new();
    for (resource, path, _) in c.templates() {
        let key = normalize(&path.template).to_lowercase();
        if let Some(other) = templates.insert(key, &resource.id) {
            panic!("{} appears in {other} and {}", path.template, resource.id);
        }
    }
    let ids: BTreeSet<_> = c.resources().iter().map(|r| &r.id).collect();
    assert_eq!(ids.len(), c.resources().len(), "duplicate resource ids");
}

#[test]
fn every_resource_is_complete() {
    let workloads = [
        "Outlook",
        "Teams",
        "Directory",
        "Files & SharePoint",
        "Security",
        "Print",
        "To Do",
        "Copilot",
    ];
    for r in catalog().resources() {
        assert!(
            workloads.contains(&r.workload.as_str()),
            "{}: workload {}",
            r.id,
            r.workload
        );
        assert!(
            !r.paths.is_empty() && !r.change_types.is_empty() && !r.api.is_empty(),
            "{}",
            r.id
        );
        assert!(
            r.docs.starts_with("https://learn.microsoft.com/"),
            "{}: docs {}",
            r.id,
            r.docs
        );
        assert!(!r.sources.is_empty(), "{} cites no source", r.id);
        assert!(
            r.max_minutes >= 45 || r.id == "presence",
            "{}: {}",
            r.id,
            r.max_minutes
        );
        for old in &r.history {
            assert_ne!(
                old.minutes, r.max_minutes,
                "{}: history repeats the current limit",
                r.id
            );
        }
        if r.max_minutes_rich.is_some() {
            assert!(
                r.rich.supported,
                "{} has a rich limit but no rich support",
                r.id
            );
        }
        for path in &r.paths {
            let perms = r.permissions_for(path);
            assert!(
                AccountKind::ALL
                    .into_iter()
                    .any(|k| !perms.for_kind(k).is_empty()),
                "nobody can subscribe to {}",
                path.template
            );
        }
    }
}

#[test]
fn limits_agree_with_the_reference_table() {
    // ../shared/reference/graph-change-notifications.md §2
    let expected: &[(&str, u32, Option<u32>)] = &[
        ("alert", 43_200, None),
        ("approvalItem", 43_200, None),
        ("driveItem", 42_300, None),
        ("list", 42_300, None),
        ("healthMonitoringAlert", 42_300, None),
        ("user", 41_760, None),
        ("group", 41_760, None),
        ("message", 10_080, Some(1_440)),
        ("event", 10_080, Some(1_440)),
        ("contact", 10_080, Some(1_440)),
        ("aiInteraction", 4_320, None),
        ("callRecording", 4_320, None),
        ("callTranscript", 4_320, None),
        ("channel", 4_320, None),
        ("chat", 4_320, None),
        ("chatMessage", 4_320, None),
        ("conversationMember", 4_320, None),
        ("team", 4_320, None),
        ("teamsAppInstallation", 4_320, None),
        ("callRecord", 4_230, None),
        ("conversation", 4_230, None),
        ("onlineMeeting", 4_230, None),
        ("printer", 4_230, None),
        ("printTaskDefinition", 4_230, None),
        ("todoTask", 4_230, None),
        ("baseTask", 4_230, None),
        ("shift", 360, None),
        ("openShiftChangeRequest", 360, None),
        ("offerShiftRequest", 360, None),
        ("swapShiftsChangeRequest", 360, None),
        ("timeOffRequest", 360, None),
        ("presence", 60, None),
    ];
    let c = catalog();
    for (id, max, rich) in expected {
        let r = c.resource(id).unwrap_or_else(|| panic!("{id} is missing"));
        assert_eq!((r.max_minutes, r.max_minutes_rich), (*max, *rich), "{id}");
    }
    assert_eq!(
        c.resources().len(),
        expected.len(),
        "a resource without a reference limit"
    );
}

#[test]
fn every_seed_path_resolves_to_exactly_one_entry() {
    // Every resource path in seeds 001, 002 and 003, placeholders filled with sample values.
    let seeds: &[(&str, &str)] = &[
        ("/users/u1/messages", "message"),
        ("/users/u1/mailFolders('inbox')/messages", "message"),
        ("me/mailfolders('inbox')/messages", "message"),
        ("me/messages", "message"),
        ("/users/u1/events", "event"),
        ("me/events", "event"),
        ("/users/u1/contacts", "contact"),
        ("me/contacts", "contact"),
        ("/users", "user"),
        ("/users/u1", "user"),
        ("users", "user"),
        ("/groups", "group"),
        ("/groups/g1", "group"),
        ("/groups/g1/owners", "group"),
        ("/groups/g1/members", "group"),
        ("groups", "group"),
        ("groups/g1/conversations", "conversation"),
        ("groups('g1')/conversations", "conversation"),
        ("/users/u1/drive/root", "driveItem"),
        ("/drives/d1/root", "driveItem"),
        ("me/drive/root", "driveItem"),
        ("/sites/s1/lists/l1", "list"),
        ("sites/s1/lists/l1", "list"),
        ("/security/alerts/a1", "alert"),
        ("/security/alerts/?$filter=status eq 'NewAlert'", "alert"),
        ("security/alerts?$filter=status eq 'NewAlert'", "alert"),
        ("/communications/callRecords", "callRecord"),
        ("communications/callRecords", "callRecord"),
        ("/teams/allMessages", "chatMessage"),
        ("/teams/getAllMessages", "chatMessage"),
        ("/teams/t1/channels/c1/messages", "chatMessage"),
        ("/chats/allMessages", "chatMessage"),
        ("/chats/getAllMessages", "chatMessage"),
        ("/chats/c1/messages", "chatMessage"),
        ("/users/u1/chats/getAllMessages", "chatMessage"),
        ("/chats", "chat"),
        ("/chats/c1", "chat"),
        ("/teams/getAllChannels", "channel"),
        ("/teams/t1/channels", "channel"),
        ("/teams/t1/members", "conversationMember"),
        ("teams/t1/channels/getAllMembers", "conversationMember"),
        ("/chats/c1/members", "conversationMember"),
        ("/chats/getAllMembers", "conversationMember"),
        ("/teams/getAllMembers", "conversationMember"),
        ("/teams", "team"),
        ("/teams/t1", "team"),
        ("/communications/presences/u1", "presence"),
        (
            "/communications/presences?$filter=id in ('u1','u2')",
            "presence",
        ),
        (
            "/communications/onlineMeetings/?$filter=JoinWebUrl eq 'https://teams.microsoft.com/l/meetup-join/x'",
            "onlineMeeting",
        ),
        ("/print/printers/p1/jobs", "printer"),
        ("print/printers/p1/jobs", "printer"),
        ("/print/printtaskdefinition/d1/tasks", "printTaskDefinition"),
        ("print/taskDefinitions/d1/tasks", "printTaskDefinition"),
        ("/me/todo/lists/l1/tasks", "todoTask"),
        ("/me/tasks/lists/l1/tasks", "baseTask"),
    ];
    let c = catalog();
    for (seed, expected) in seeds {
        let resolved = c
            .resolve(seed)
            .unwrap_or_else(|| panic!("seed path {seed} does not resolve"));
        assert_eq!(
            &resolved.resource_id, expected,
            "{seed} resolved to {}",
            resolved.template
        );
        // Exactly one entry: no other template of the same specificity matches.
        let normalized = normalize(seed.trim_start_matches("me/").trim_start_matches('/'));
        let best = c
            .templates()
            .filter(|(_, _, t)| t.captures(&normalized).is_some())
            .map(|(_, _, t)| t.specificity())
            .max();
        let tied = c
            .templates()
            .filter(|(_, _, t)| t.captures(&normalized).is_some() && Some(t.specificity()) == best)
            .count();
        assert!(tied <= 1, "{seed} matches {tied} entries equally well");
    }
}

#[test]
fn the_newer_resources_are_present() {
    let c = catalog();
    for id in [
        "aiInteraction",
        "callRecording",
        "callTranscript",
        "teamsAppInstallation",
        "shift",
        "approvalItem",
        "healthMonitoringAlert",
    ] {
        assert!(c.resource(id).is_some(), "{id} is missing");
    }
    assert!(
        c.resource("baseTask")
            .and_then(|r| r.deprecated.as_ref())
            .is_some(),
        "baseTask is deprecated"
    );
    let old_name = c
        .path("/teams/allMessages")
        .map(|(_, p)| p.deprecated.is_some());
    assert_eq!(
        old_name,
        Some(true),
        "/teams/allMessages is marked deprecated"
    );
}

#[test]
fn absent_optional_fields_are_left_out_of_the_json() {
    // The TypeScript bindings type them `field?: T`; a `null` would break that promise.
    let user = catalog().resource("user").expect("user");
    let json = serde_json::to_value(user).expect("serializes");
    assert!(json.get("maxMinutesRich").is_none(), "{json}");
    assert!(json.get("deprecated").is_none(), "{json}");
    assert!(json["paths"][0].get("permissions").is_none());
}
