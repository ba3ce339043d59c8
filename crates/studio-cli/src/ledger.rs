//! `webhook-studio subscription list --all-accounts`: the subscription ledger as text.

use studio_core::gaps::silence::spoken_duration;
use studio_core::subscriptions::ledger::LedgerView;

/// Prints the ledger: each subscription with who sees it, where it points and what overlaps it.
pub fn print(ledger: &LedgerView, now: i64) {
    for account in &ledger.accounts {
        println!("{}: {}", account.name, account.lists);
    }
    for problem in &ledger.problems {
        println!("{}: could not list: {}", problem.account, problem.message);
    }
    if ledger.entries.is_empty() {
        println!("No subscriptions.");
        return;
    }
    for e in &ledger.entries {
        let expires = if e.expires_at > now {
            format!("expires in {}", spoken_duration(e.expires_at - now))
        } else {
            "expired".to_owned()
        };
        let here = match (e.made_here, e.served_here) {
            (true, true) => "made and served here",
            (true, false) => "made here, points elsewhere",
            (false, true) => "served here, not made here",
            (false, false) => "not this app's receiver",
        };
        println!(
            "{}  {}  [{}]  {expires}  {here}\n    → {}\n    seen by {}; cloud {}{}",
            e.id,
            e.resource,
            e.change_type,
            e.notification_url,
            e.seen_by.join(", "),
            e.cloud,
            e.creator_id
                .as_ref()
                .map_or(String::new(), |c| format!("; created by {c}")),
        );
        if !e.overlaps.is_empty() {
            println!("    same resource as {}", e.overlaps.join(", "));
        }
        for quota in &e.quotas {
            println!("    quota: {quota}");
        }
    }
}
