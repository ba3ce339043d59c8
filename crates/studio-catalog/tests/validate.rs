//! Resolution and validation of concrete resource strings and proposed subscriptions.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use studio_catalog::Catalog;
use studio_catalog::model::{AccountKind, ApiVersion};
use studio_catalog::validate::{Proposal, Severity, check, describe_minutes};

fn catalog() -> &'static Catalog {
    Catalog::get().expect("the embedded catalog loads")
}

fn proposal(resource: &str, change_types: &[&str], minutes: i32) -> Proposal {
    Proposal {
        resource: resource.to_owned(),
        change_types: change_types.iter().map(|s| (*s).to_owned()).collect(),
        expires_in_minutes: Some(minutes),
        ..Proposal::default()
    }
}

fn messages(p: &Proposal) -> Vec<String> {
    check(catalog(), p)
        .problems
        .into_iter()
        .map(|p| p.message)
        .collect()
}

#[test]
fn me_stands_for_users_id_only_where_allowed() {
    let c = catalog();
    let me = c.resolve("/me/messages").expect("resolves");
    let users = c.resolve("/users/48d3/messages").expect("resolves");
    assert_eq!(me.template, users.template);
    assert!(me.uses_me && !users.uses_me);
    assert_eq!(me.canonical, "/me/messages");
    // /teams has no /users form, so /me cannot stand in.
    assert!(c.resolve("/me/teams").is_none());
    // `/me/…` is a path of its own, not a placeholder value that looks mistyped.
    for resource in ["/me/messages", "/me/events", "/me/contacts"] {
        let said = messages(&proposal(resource, &["created"], 60));
        assert!(said.is_empty(), "{resource}: {said:?}");
    }
}

#[test]
fn trailing_slashes_leading_slashes_and_base_urls() {
    let c = catalog();
    for form in ["/users/", "users", "users/", " /users "] {
        assert_eq!(
            c.resolve(form).map(|r| r.template),
            Some("/users".to_owned()),
            "{form:?}"
        );
    }
    let with_base = check(
        catalog(),
        &proposal(
            "https://graph.microsoft.com/v1.0/me/events",
            &["created"],
            60,
        ),
    );
    assert!(with_base.resolved.is_some());
    assert!(
        with_base
            .problems
            .iter()
            .any(|p| p.message.contains("must be relative") && p.fix.contains("`me/events`"))
    );
}

#[test]
fn wrong_casing_resolves_with_a_warning_and_the_fix() {
    let result = check(
        catalog(),
        &proposal("/Me/MailFolders('inbox')/Messages", &["created"], 60),
    );
    let warning = result
        .problems
        .iter()
        .find(|p| p.message.contains("casing"))
        .expect("casing warning");
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(warning.fix, "Write `/me/mailFolders('inbox')/messages`.");
    assert!(result.is_acceptable());
}

#[test]
fn select_queries_keep_the_path_match() {
    let c = catalog();
    let r = c
        .resolve("/me/messages?$select=subject,from")
        .expect("resolves");
    assert_eq!(r.template, "/users/{user-id}/messages");
    assert_eq!(r.canonical, "/me/messages?$select=subject,from");
}

#[test]
fn query_forms_resolve() {
    let c = catalog();
    let alerts = c
        .resolve("/security/alerts?$filter=status eq 'newAlert'")
        .expect("alerts");
    assert_eq!(
        alerts.values,
        vec![("odata-filter".to_owned(), "status eq 'newAlert'".to_owned())]
    );
    let presence = c
        .resolve("/communications/presences?$filter=id in ('a','b')")
        .expect("presence");
    assert_eq!(presence.resource_id, "presence");
}

#[test]
fn unknown_resources_get_the_nearest_matches() {
    let result = check(catalog(), &proposal("/me/mesages", &["created"], 60));
    assert!(result.resolved.is_none());
    assert!(
        result.problems[0]
            .message
            .contains("is not a subscribable resource")
    );
    assert_eq!(
        result.nearest.first().map(String::as_str),
        Some("/me/messages"),
        "written as the user wrote it: {:?}",
        result.nearest
    );
    assert!(result.problems[0].fix.contains("/me/messages"));
    let users = check(catalog(), &proposal("/users/abc/mesages", &["created"], 60));
    assert!(
        users
            .nearest
            .iter()
            .any(|t| t == "/users/{user-id}/messages"),
        "{:?}",
        users.nearest
    );
    // A typo of a function name is a valid team id to Graph: resolved, with a warning.
    let teams = check(
        catalog(),
        &proposal("/teams/getAllMessage", &["created"], 60),
    );
    let warning = teams
        .problems
        .iter()
        .find(|p| p.fix.contains("Did you mean"))
        .expect("a did-you-mean warning");
    assert_eq!(warning.fix, "Did you mean /teams/getAllMessages?");
    assert!(
        warning
            .message
            .contains("`getAllMessage` is read as the {team-id}"),
        "{}",
        warning.message
    );
}

#[test]
fn unfilled_placeholders_are_reported() {
    let texts = messages(&proposal(
        "/teams/{team-id}/channels/{channel-id}/messages",
        &["created"],
        30,
    ));
    assert!(
        texts
            .iter()
            .any(|m| m.contains("{team-id} is not filled in")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|m| m.contains("{channel-id} is not filled in")),
        "{texts:?}"
    );
    let empty_braces = messages(&proposal("/chats/{}/messages", &["created"], 30));
    assert!(
        empty_braces.iter().any(|m| m.contains("not filled in")),
        "{empty_braces:?}"
    );
}

#[test]
fn change_types_follow_the_resource() {
    let texts = messages(&proposal("/drives/d1/root", &["created", "updated"], 60));
    assert!(
        texts
            .iter()
            .any(|m| m.contains("does not support `created`")),
        "{texts:?}"
    );
    let users = messages(&proposal("/users", &["created"], 60));
    assert!(
        users
            .iter()
            .any(|m| m.contains("does not support `created`")),
        "{users:?}"
    );
    let bogus = messages(&proposal("/users", &["renamed"], 60));
    assert!(
        bogus
            .iter()
            .any(|m| m.contains("`renamed` is not a change type")),
        "{bogus:?}"
    );
    let none = messages(&proposal("/users", &[], 60));
    assert!(
        none.iter().any(|m| m.contains("No change type")),
        "{none:?}"
    );
}

#[test]
fn expiration_bounds_and_the_45_minute_floor() {
    let too_long = check(catalog(), &proposal("/me/messages", &["created"], 10_081));
    let error = too_long
        .problems
        .iter()
        .find(|p| p.field == "expirationDateTime")
        .expect("error");
    assert_eq!(error.severity, Severity::Error);
    assert!(
        error.message.contains("10,080 minutes (7 days)"),
        "{}",
        error.message
    );
    let floor = check(catalog(), &proposal("/me/messages", &["created"], 10));
    assert!(
        floor
            .problems
            .iter()
            .any(|p| p.severity == Severity::Warning && p.message.contains("45 minutes"))
    );
    assert!(floor.is_acceptable());
    let past = messages(&proposal("/me/messages", &["created"], -5));
    assert!(past.iter().any(|m| m.contains("in the past")));
}

#[test]
fn rich_data_rules() {
    let mut p = proposal("/me/messages", &["created"], 1_441);
    p.include_resource_data = true;
    let texts = messages(&p);
    assert!(
        texts
            .iter()
            .any(|m| m.contains("with resource data last at most 1,440 minutes")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|m| m.contains("need $select")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|m| m.contains("need an encryptionCertificate")),
        "{texts:?}"
    );

    let mut teams = proposal("/chats/c1/messages?$select=body", &["created"], 30);
    teams.include_resource_data = true;
    teams.has_encryption_certificate = true;
    assert!(
        messages(&teams)
            .iter()
            .any(|m| m.contains("does not accept $select"))
    );

    let mut users = proposal("/users", &["updated"], 60);
    users.include_resource_data = true;
    assert!(
        messages(&users)
            .iter()
            .any(|m| m.contains("cannot include resource data"))
    );

    let presence = messages(&proposal("/communications/presences/u1", &["updated"], 60));
    assert!(
        presence
            .iter()
            .any(|m| m.contains("always need an encryptionCertificate")),
        "{presence:?}"
    );
}

#[test]
fn teams_over_an_hour_need_a_lifecycle_url() {
    let mut p = proposal("/teams/t1/channels/c1/messages", &["created"], 61);
    assert!(
        messages(&p)
            .iter()
            .any(|m| m.starts_with("lifecycleNotificationUrl is a required property"))
    );
    p.has_lifecycle_url = true;
    assert!(check(catalog(), &p).is_acceptable());
}

#[test]
fn account_kind_and_api_version() {
    let mut p = proposal("/communications/callRecords", &["created"], 60);
    p.account_kind = Some(AccountKind::DelegatedWork);
    assert!(messages(&p).iter().any(|m| m.contains("cannot subscribe")));
    let mut me = proposal("/me/messages", &["created"], 60);
    me.account_kind = Some(AccountKind::Application);
    assert!(
        messages(&me)
            .iter()
            .any(|m| m.contains("/me needs a signed-in user"))
    );
    let mut beta = proposal("/me/tasks/lists/l1/tasks", &["created"], 60);
    beta.api_version = Some(ApiVersion::V1);
    let texts = messages(&beta);
    assert!(
        texts.iter().any(|m| m.contains("not available on /v1.0")),
        "{texts:?}"
    );
    assert!(texts.iter().any(|m| m.contains("deprecated")), "{texts:?}");
}

#[test]
fn hostile_input_never_panics() {
    let long = "/users/".to_owned() + &"x".repeat(100_000);
    for input in [
        "",
        " ",
        "/",
        "{}",
        "/{}/{}",
        "????",
        "/me",
        "https://",
        "日本語/メッセージ",
        "/users/😀/messages",
        long.as_str(),
        "\u{0}\u{1}",
    ] {
        let result = check(catalog(), &proposal(input, &["created"], 60));
        assert!(
            !result.problems.is_empty() || result.resolved.is_some(),
            "{input:?}"
        );
    }
    let state = Proposal {
        client_state: Some("é".repeat(129)),
        ..proposal("/users", &["updated"], 60)
    };
    assert!(
        messages(&state)
            .iter()
            .any(|m| m.contains("129 characters"))
    );
}

#[test]
fn minutes_in_human_units() {
    assert_eq!(describe_minutes(120), "120 minutes (2 hours)");
    assert_eq!(describe_minutes(1_440), "1,440 minutes (1 day)");
    assert_eq!(describe_minutes(60), "60 minutes (1 hour)");
    assert_eq!(describe_minutes(4_320), "4,320 minutes (3 days)");
    assert_eq!(describe_minutes(4_230), "4,230 minutes (2.9 days)");
    assert_eq!(describe_minutes(43_200), "43,200 minutes (30 days)");
    assert_eq!(describe_minutes(45), "45 minutes");
    assert_eq!(describe_minutes(90), "90 minutes (1.5 hours)");
}
