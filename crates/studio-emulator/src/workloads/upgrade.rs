//! A sandbox saved by an older version, brought up to what this one expects when it is loaded
//! (`persist::restore`), so a user's sandbox keeps working across updates.

use serde_json::json;

use super::paths::contacts_folder_id;
use super::{Entity, Store};
use crate::tenant::Tenant;

/// Brings a store saved by an older version up to what this one expects: each user's default
/// Contacts folder, contacts that name it (their folder's contacts and delta list them), and no
/// delta link from before drive items were journaled as themselves.
pub fn bring_up_to_date(store: &mut Store, tenant: &Tenant) {
    // Older versions journaled a drive item's change under the drive's root (what its
    // notification names), so delta listed the root instead of the items: the links handed out
    // then cannot be answered right, and start again (410) with a full sync.
    if store
        .journal
        .entries
        .iter()
        .any(|e| super::paths::matches("drives/*/root", &e.path))
    {
        store.journal.forget_tokens();
    }
    for user in &tenant.users {
        let user = user.id.to_lowercase();
        let folder = contacts_folder_id(&user);
        let default = super::seed::default_contacts_folder(&user);
        if store.find(&default.path).is_none() {
            store.put(default);
        }
        let stale: Vec<Entity> = store
            .listed(&format!("users/{user}/contacts"))
            .into_iter()
            .filter(|c| c.body.get("parentFolderId").is_none())
            .cloned()
            .collect();
        for mut contact in stale {
            contact.body["parentFolderId"] = json!(folder);
            contact
                .also_in
                .push(format!("users/{user}/contactfolders/{folder}/contacts"));
            store.put(contact);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_saved_without_their_folder_are_put_in_the_default_one() {
        let tenant = Tenant::seeded(3);
        let mut store = super::super::seed::seeded(&tenant, 7, 1_790_000_000);
        let user = tenant.users[0].id.to_lowercase();
        let folder = contacts_folder_id(&user);
        // As an older version saved it: no folder, contacts naming none.
        store.remove(&format!("users/{user}/contactfolders/{folder}"));
        let contacts: Vec<Entity> = store
            .listed(&format!("users/{user}/contacts"))
            .into_iter()
            .cloned()
            .collect();
        assert!(!contacts.is_empty());
        for mut contact in contacts {
            contact
                .body
                .as_object_mut()
                .map(|b| b.remove("parentFolderId"));
            contact.also_in.clear();
            store.put(contact);
        }
        let epoch = store.journal.epoch;
        bring_up_to_date(&mut store, &tenant);
        assert_eq!(
            store.journal.epoch, epoch,
            "a journal of items keeps its links"
        );
        store
            .journal
            .entries
            .push_back(crate::workloads::delta::JournalEntry {
                seq: store.journal.last + 1,
                path: "drives/d1/root".into(),
                watchers: vec!["drives/d1/root/children".into()],
                change_sequence: 1,
                odata_type: "#Microsoft.Graph.DriveItem".into(),
                audience: Vec::new(),
            });
        bring_up_to_date(&mut store, &tenant);
        assert_eq!(
            store.journal.epoch,
            epoch + 1,
            "links from the old journal start again"
        );
        assert!(
            store
                .find(&format!("users/{user}/contactfolders/{folder}"))
                .is_some()
        );
        for contact in store.listed(&format!("users/{user}/contacts")) {
            assert_eq!(contact.body["parentFolderId"], folder.as_str());
            assert_eq!(
                contact.also_in,
                [format!("users/{user}/contactfolders/{folder}/contacts")],
                "once, however often it runs"
            );
        }
    }
}
