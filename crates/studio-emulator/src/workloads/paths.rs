//! One spelling for every way a resource can be written.
//!
//! Graph accepts `/me/...` for the signed-in user, a UPN in place of a user id,
//! `mailFolders('inbox')` as well as `mailFolders/{id}`, `/me/drive` for the user's drive and
//! `/users/{id}/presence` for `/communications/presences/{id}`. Subscriptions and requests use all
//! of these, so the store, the look-ups and delivery compare one canonical form: lowercase,
//! slash-separated ids, no query, `/me` and aliases resolved. Every id the sandbox generates is
//! lowercase, so nothing is lost by lowercasing.

use crate::tenant::Tenant;

/// Outlook's well-known folder names that may stand for a folder id.
pub const WELL_KNOWN_FOLDERS: [(&str, &str); 4] = [
    ("inbox", "Inbox"),
    ("drafts", "Drafts"),
    ("sentitems", "Sent Items"),
    ("deleteditems", "Deleted Items"),
];

/// The id of a user's well-known mail folder (deterministic, so aliases need no look-up).
pub fn folder_id(user_id: &str, well_known: &str) -> String {
    format!("aamk{}-{well_known}", short(user_id))
}

/// The id of a user's default Contacts folder (deterministic, like the mail folders').
pub fn contacts_folder_id(user_id: &str) -> String {
    format!("aamk{}-contacts", short(user_id))
}

/// The id of a user's OneDrive.
pub fn drive_id(user_id: &str) -> String {
    format!("b!{}", user_id.replace('-', ""))
}

fn short(id: &str) -> String {
    id.chars()
        .filter(char::is_ascii_hexdigit)
        .take(12)
        .collect()
}

/// The canonical form of a resource path. `me` is the signed-in user's id when there is one;
/// without one, `/me` stays `me` (and finds nothing).
pub fn canonical(raw: &str, me: Option<&str>, tenant: &Tenant) -> String {
    let path = raw.trim().split('?').next().unwrap_or_default();
    let mut flat = String::with_capacity(path.len());
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // `segment('key')` and `segment(key)` become `segment/key`.
            '(' => {
                flat.push('/');
                if chars.peek() == Some(&'\'') {
                    chars.next();
                }
            }
            '\'' if chars.peek() == Some(&')') => {}
            ')' => {}
            _ => flat.push(c),
        }
    }
    let lower = flat.to_lowercase();
    let mut segments: Vec<String> = lower
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if segments.first().is_some_and(|s| s == "me")
        && let Some(me) = me
    {
        segments.splice(0..1, ["users".to_owned(), me.to_lowercase()]);
    }
    if segments.first().is_some_and(|s| s == "users")
        && let Some(key) = segments.get(1).cloned()
        && key.contains('@')
        && let Some(user) = tenant
            .users
            .iter()
            .find(|u| u.user_principal_name.eq_ignore_ascii_case(&key))
    {
        segments[1] = user.id.to_lowercase();
    }
    if segments.first().is_some_and(|s| s == "users")
        && let Some(user) = segments.get(1).cloned()
    {
        match segments.get(2).map(String::as_str) {
            Some("mailfolders") => {
                if let Some(name) = segments.get(3)
                    && WELL_KNOWN_FOLDERS.iter().any(|(w, _)| w == name)
                {
                    segments[3] = folder_id(&user, name);
                }
            }
            Some("drive") => {
                segments.splice(0..3, ["drives".to_owned(), drive_id(&user)]);
            }
            Some("presence") => {
                segments.splice(0..3, ["communications".into(), "presences".into(), user]);
            }
            _ => {}
        }
    }
    if segments.first().is_some_and(|s| s == "drives")
        && segments.get(2).is_some_and(|s| s == "items")
    {
        // The sandbox's drives are flat: every item is a child of the root.
        segments.splice(2..3, ["root".to_owned(), "children".to_owned()]);
    }
    segments.join("/")
}

/// Whether `path` has the shape of `pattern`, where `*` matches any one segment.
pub fn matches(pattern: &str, path: &str) -> bool {
    let (p, s): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == s.len() && p.iter().zip(&s).all(|(p, s)| *p == "*" || p == s)
}

/// The ids listed in a `$filter=id in ('a','b')` query (presence subscriptions for many users).
pub fn filter_ids(raw: &str) -> Option<Vec<String>> {
    let query = raw.split_once('?')?.1;
    let lower = query.to_lowercase();
    let start = lower.find("id in (")? + "id in (".len();
    let end = lower[start..].find(')')? + start;
    Some(
        lower[start..end]
            .split(',')
            .map(|id| id.trim().trim_matches('\'').trim_matches('"').to_owned())
            .filter(|id| !id.is_empty())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_reaches_one_form() {
        let tenant = Tenant::seeded(1);
        let adele = tenant.users[0].id.clone();
        let me = Some(adele.as_str());
        let inbox = folder_id(&adele, "inbox");
        assert_eq!(
            canonical(
                "/me/mailFolders('Inbox')/messages?$select=subject",
                me,
                &tenant
            ),
            format!("users/{adele}/mailfolders/{inbox}/messages")
        );
        assert_eq!(
            canonical(
                "/users/ADELE@sandbox.onmicrosoft.com/messages/",
                None,
                &tenant
            ),
            format!("users/{adele}/messages")
        );
        assert_eq!(
            canonical("/me/drive/root", me, &tenant),
            format!("drives/{}/root", drive_id(&adele))
        );
        assert_eq!(
            canonical(&format!("users/{adele}/presence"), None, &tenant),
            format!("communications/presences/{adele}")
        );
        assert_eq!(
            canonical("chats('19:a@thread.v2')/messages('1')", None, &tenant),
            "chats/19:a@thread.v2/messages/1"
        );
        assert_eq!(canonical("/me/events", None, &tenant), "me/events");
        assert!(matches(
            "users/*/messages",
            &format!("users/{adele}/messages")
        ));
        assert!(!matches("users/*/messages", "users/messages"));
        assert_eq!(
            filter_ids("/communications/presences?$filter=id in ('A','b')"),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
    }
}
