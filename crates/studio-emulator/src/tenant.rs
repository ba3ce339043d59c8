//! The seeded sandbox tenant: ids, app registrations and users, identical for the same seed.
//!
//! Every id is drawn from a ChaCha RNG seeded with `--seed`, so a test, a screenshot and a user's
//! CI see the same tenant every run.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// A user of the sandbox tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Object id.
    pub id: String,
    /// Sign-in name.
    pub user_principal_name: String,
    /// Name for people.
    pub display_name: String,
}

/// The tenant and its two app registrations.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Directory (tenant) id.
    pub tenant_id: String,
    /// The public client (desktop app: auth code + PKCE, device code).
    pub public_client_id: String,
    /// The confidential client (app-only: client credentials).
    pub confidential_client_id: String,
    /// The confidential client's secret.
    pub confidential_client_secret: String,
    /// The seeded users.
    pub users: Vec<User>,
}

const PEOPLE: [(&str, &str); 5] = [
    ("adele", "Adele Vance"),
    ("alex", "Alex Wilber"),
    ("megan", "Megan Bowen"),
    ("nestor", "Nestor Wilke"),
    ("patti", "Patti Fernandez"),
];

/// The sandbox's domain.
pub const DOMAIN: &str = "sandbox.onmicrosoft.com";

fn guid(rng: &mut ChaCha8Rng) -> String {
    guid_of(rng.r#gen())
}

pub use studio_primitives::ids::guid_of;

impl Tenant {
    /// The tenant for a seed.
    pub fn seeded(seed: u64) -> Tenant {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let tenant_id = guid(&mut rng);
        let public_client_id = guid(&mut rng);
        let confidential_client_id = guid(&mut rng);
        let secret_bytes: [u8; 24] = rng.r#gen();
        let confidential_client_secret = format!(
            "sbx~{}",
            secret_bytes
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let users = PEOPLE
            .iter()
            .map(|(alias, name)| User {
                id: guid(&mut rng),
                user_principal_name: format!("{alias}@{DOMAIN}"),
                display_name: (*name).to_owned(),
            })
            .collect();
        Tenant {
            tenant_id,
            public_client_id,
            confidential_client_id,
            confidential_client_secret,
            users,
        }
    }

    /// Whether a `{tenant}` path segment names this tenant (`common` and `organizations` do too).
    pub fn answers_to(&self, tenant: &str) -> bool {
        tenant == self.tenant_id
            || tenant.eq_ignore_ascii_case(DOMAIN)
            || tenant.eq_ignore_ascii_case("common")
            || tenant.eq_ignore_ascii_case("organizations")
            || is_consumers(tenant)
    }
}

/// The tenant id of personal Microsoft accounts.
pub const CONSUMERS_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// Whether a tenant path segment means personal Microsoft accounts. The sandbox's users sign in
/// as personal accounts there: same mailboxes, but tokens shaped like a Microsoft account's.
pub fn is_consumers(tenant: &str) -> bool {
    tenant.eq_ignore_ascii_case("consumers") || tenant.eq_ignore_ascii_case(CONSUMERS_TENANT_ID)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_tenant() {
        let (a, b) = (Tenant::seeded(7), Tenant::seeded(7));
        assert_eq!(a.tenant_id, b.tenant_id);
        assert_eq!(a.users, b.users);
        assert_ne!(a.tenant_id, Tenant::seeded(8).tenant_id);
        assert_eq!(a.tenant_id.len(), 36);
        assert_eq!(a.users.len(), 5);
    }
}
