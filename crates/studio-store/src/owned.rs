//! What the app itself created: subscriptions (with the account, clientState, certificate and
//! receiver URLs needed to verify, renew, move and recreate them), their renewal history, and the
//! public parts of the certificates for rich notifications (private keys are in the keyring).

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Store, StoreError};

/// Where a subscription the app created stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SubscriptionState {
    /// Alive and renewed.
    Active,
    /// Graph said it dropped notifications (`missed`); still alive and renewed.
    Missed,
    /// Graph removed it and it could not be recreated.
    Removed,
    /// The user deleted it.
    Deleted,
    /// Renewal gave up.
    Failed,
}

impl SubscriptionState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionState::Active => "active",
            SubscriptionState::Missed => "missed",
            SubscriptionState::Removed => "removed",
            SubscriptionState::Deleted => "deleted",
            SubscriptionState::Failed => "failed",
        }
    }

    /// The state of a stored name (anything unknown reads as `failed`: not renewed).
    pub fn from_stored(text: &str) -> SubscriptionState {
        [
            SubscriptionState::Active,
            SubscriptionState::Missed,
            SubscriptionState::Removed,
            SubscriptionState::Deleted,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
        .unwrap_or(SubscriptionState::Failed)
    }

    /// Whether the app keeps it alive (renews it, moves it, answers its lifecycle events).
    pub fn is_live(self) -> bool {
        matches!(self, SubscriptionState::Active | SubscriptionState::Missed)
    }
}

/// What the upkeep did to a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum RenewalAction {
    /// Made by the app.
    Created,
    /// Its expiry was extended.
    Renewed,
    /// Reauthorized after `reauthorizationRequired`.
    Reauthorized,
    /// Made again (Graph forgot or removed it, or its lifecycle URL moved).
    Recreated,
    /// Its notification URL was patched to the receiver's new public URL.
    Moved,
    /// Graph reported dropped notifications.
    Missed,
    /// A renewal failed; another attempt follows.
    Retry,
    /// Renewal failed too often; the subscription is left to expire.
    GaveUp,
    /// A lifecycle event the app does not know was recorded and not acted on.
    Ignored,
}

impl RenewalAction {
    const ALL: [RenewalAction; 9] = [
        RenewalAction::Created,
        RenewalAction::Renewed,
        RenewalAction::Reauthorized,
        RenewalAction::Recreated,
        RenewalAction::Moved,
        RenewalAction::Missed,
        RenewalAction::Retry,
        RenewalAction::GaveUp,
        RenewalAction::Ignored,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RenewalAction::Created => "created",
            RenewalAction::Renewed => "renewed",
            RenewalAction::Reauthorized => "reauthorized",
            RenewalAction::Recreated => "recreated",
            RenewalAction::Moved => "moved",
            RenewalAction::Missed => "missed",
            RenewalAction::Retry => "retry",
            RenewalAction::GaveUp => "gaveUp",
            RenewalAction::Ignored => "ignored",
        }
    }

    /// The action of a stored name (anything unknown reads as `ignored`).
    pub fn from_stored(text: &str) -> RenewalAction {
        RenewalAction::ALL
            .into_iter()
            .find(|a| a.as_str() == text)
            .unwrap_or(RenewalAction::Ignored)
    }
}

/// A subscription this app created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnedSubscription {
    /// Graph's id.
    pub id: String,
    /// The account that created it.
    pub account_id: String,
    /// The resource path.
    pub resource: String,
    /// `created,updated`.
    pub change_type: String,
    /// The clientState sent (compared in constant time on arrival).
    pub client_state: String,
    /// The certificate registered for rich notifications.
    pub certificate_id: Option<String>,
    /// Whether notifications carry resource data.
    pub include_resource_data: bool,
    /// Where notifications go.
    pub notification_url: String,
    /// Where lifecycle notifications go.
    pub lifecycle_url: Option<String>,
    /// Current expiry (RFC 3339).
    pub expiration: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// Where it stands.
    pub state: SubscriptionState,
    /// What the user should know about the state.
    pub note: Option<String>,
    /// The creation request (JSON) to recreate it from.
    pub request: String,
    /// The tenant it was made in (validation tokens must come from it), when known.
    pub tenant_id: Option<String>,
}

/// One renewal-history entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenewalEntry {
    /// The subscription.
    pub subscription_id: String,
    /// When (RFC 3339).
    pub at: String,
    /// What was done.
    pub action: RenewalAction,
    /// Whether it worked.
    pub ok: bool,
    /// Details (the new expiry, the error).
    pub detail: String,
}

/// A certificate's public part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredCertificate {
    /// The id sent as `encryptionCertificateId`.
    pub id: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// RSA key size.
    pub bits: u32,
    /// Subject common name.
    pub subject: String,
    /// Expiry (RFC 3339).
    pub not_after: String,
    /// SHA-256 of the DER, hex.
    pub thumbprint: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// When it stopped being the one new subscriptions use.
    pub retired_at: Option<String>,
}

fn subscription_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<OwnedSubscription> {
    Ok(OwnedSubscription {
        id: row.get(0)?,
        account_id: row.get(1)?,
        resource: row.get(2)?,
        change_type: row.get(3)?,
        client_state: row.get(4)?,
        certificate_id: row.get(5)?,
        include_resource_data: row.get(6)?,
        notification_url: row.get(7)?,
        lifecycle_url: row.get(8)?,
        expiration: row.get(9)?,
        created_at: row.get(10)?,
        state: SubscriptionState::from_stored(&row.get::<_, String>(11)?),
        note: row.get(12)?,
        request: row.get(13)?,
        tenant_id: row.get(14)?,
    })
}

/// The most renewal-history entries kept (the oldest go first).
pub const RENEWALS_KEPT: i64 = 10_000;

const SUBSCRIPTION_COLUMNS: &str = "id, account_id, resource, change_type, client_state, certificate_id, include_resource_data, notification_url, lifecycle_url, expiration, created_at, state, note, request, tenant_id";

fn certificate_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredCertificate> {
    Ok(StoredCertificate {
        id: row.get(0)?,
        created_at: row.get(1)?,
        bits: row.get(2)?,
        subject: row.get(3)?,
        not_after: row.get(4)?,
        thumbprint: row.get(5)?,
        der: row.get(6)?,
        retired_at: row.get(7)?,
    })
}

impl Store {
    /// Adds or replaces a subscription the app created.
    pub fn put_owned(&self, s: &OwnedSubscription) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                &format!("INSERT OR REPLACE INTO owned_subscriptions ({SUBSCRIPTION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"),
                params![s.id, s.account_id, s.resource, s.change_type, s.client_state, s.certificate_id, s.include_resource_data,
                        s.notification_url, s.lifecycle_url, s.expiration, s.created_at, s.state.as_str(), s.note, s.request, s.tenant_id],
            )?;
            Ok(())
        })
    }

    /// Every subscription the app created (all states), newest first.
    pub fn owned(&self) -> Result<Vec<OwnedSubscription>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare(&format!(
                "SELECT {SUBSCRIPTION_COLUMNS} FROM owned_subscriptions ORDER BY created_at DESC, id"
            ))?;
            let rows = statement.query_map([], subscription_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// One subscription the app created.
    pub fn owned_one(&self, id: &str) -> Result<Option<OwnedSubscription>, StoreError> {
        self.with(|c| {
            Ok(c.query_row(
                &format!("SELECT {SUBSCRIPTION_COLUMNS} FROM owned_subscriptions WHERE id = ?1"),
                params![id],
                subscription_row,
            )
            .optional()?)
        })
    }

    /// Forgets a subscription (its history stays).
    pub fn remove_owned(&self, id: &str) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute("DELETE FROM owned_subscriptions WHERE id = ?1", params![id])?;
            Ok(())
        })
    }

    /// Appends to the renewal history.
    pub fn record_renewal(&self, entry: &RenewalEntry) -> Result<(), StoreError> {
        self.record_renewals(std::slice::from_ref(entry))
    }

    /// Appends several entries in one transaction; the history keeps its newest
    /// [`RENEWALS_KEPT`] entries (ignored lifecycle events are recorded too, and anyone who
    /// knows the lifecycle URL can send those).
    pub fn record_renewals(&self, entries: &[RenewalEntry]) -> Result<(), StoreError> {
        self.write(|c| {
            let mut insert = c.prepare_cached(
                "INSERT INTO renewals (subscription_id, at, action, ok, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for entry in entries {
                insert.execute(params![
                    entry.subscription_id,
                    entry.at,
                    entry.action.as_str(),
                    entry.ok,
                    entry.detail
                ])?;
            }
            c.prepare_cached(&format!(
                "DELETE FROM renewals WHERE seq <= (SELECT MAX(seq) FROM renewals) - {RENEWALS_KEPT}"
            ))?
            .execute([])?;
            Ok(())
        })
    }

    /// The history, newest first (of one subscription, or all).
    pub fn renewals(
        &self,
        subscription_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RenewalEntry>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare(
                "SELECT subscription_id, at, action, ok, detail FROM renewals
                 WHERE ?1 IS NULL OR subscription_id = ?1 ORDER BY seq DESC LIMIT ?2",
            )?;
            let rows = statement.query_map(params![subscription_id, limit], |row| {
                Ok(RenewalEntry {
                    subscription_id: row.get(0)?,
                    at: row.get(1)?,
                    action: RenewalAction::from_stored(&row.get::<_, String>(2)?),
                    ok: row.get(3)?,
                    detail: row.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Keeps a certificate's public part.
    pub fn put_certificate(&self, cert: &StoredCertificate) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "INSERT OR REPLACE INTO certificates (id, created_at, bits, subject, not_after, thumbprint, der, retired_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![cert.id, cert.created_at, cert.bits, cert.subject, cert.not_after, cert.thumbprint, cert.der, cert.retired_at],
            )?;
            Ok(())
        })
    }

    /// Every certificate, newest first.
    pub fn certificates(&self) -> Result<Vec<StoredCertificate>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare(
                "SELECT id, created_at, bits, subject, not_after, thumbprint, der, retired_at
                 FROM certificates ORDER BY created_at DESC, id",
            )?;
            let rows = statement.query_map([], certificate_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Removes a certificate's public part.
    pub fn remove_certificate(&self, id: &str) -> Result<bool, StoreError> {
        self.write(|c| Ok(c.execute("DELETE FROM certificates WHERE id = ?1", params![id])? > 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(id: &str, created_at: &str) -> OwnedSubscription {
        OwnedSubscription {
            id: id.into(),
            account_id: "a".into(),
            resource: "me/messages".into(),
            change_type: "created".into(),
            client_state: "cs".into(),
            certificate_id: None,
            include_resource_data: false,
            notification_url: "https://x/n".into(),
            lifecycle_url: Some("https://x/l".into()),
            expiration: "2026-11-24T00:00:00Z".into(),
            created_at: created_at.into(),
            state: SubscriptionState::Active,
            note: None,
            request: "{}".into(),
            tenant_id: Some("t1".into()),
        }
    }

    #[test]
    fn owned_subscriptions_history_and_certificates_round_trip() {
        let store = Store::temporary().expect("opens");
        store
            .put_owned(&owned("s1", "2026-11-23T00:00:00Z"))
            .expect("put");
        store
            .put_owned(&owned("s2", "2026-11-23T01:00:00Z"))
            .expect("put");
        let mut changed = owned("s1", "2026-11-23T00:00:00Z");
        changed.state = SubscriptionState::Missed;
        store.put_owned(&changed).expect("replace");
        let all = store.owned().expect("list");
        assert_eq!(
            all.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            ["s2", "s1"]
        );
        assert_eq!(
            store.owned_one("s1").expect("one").map(|s| s.state),
            Some(SubscriptionState::Missed)
        );
        store.remove_owned("s2").expect("remove");
        assert!(store.owned_one("s2").expect("one").is_none());

        for action in [RenewalAction::Created, RenewalAction::Renewed] {
            store
                .record_renewal(&RenewalEntry {
                    subscription_id: "s1".into(),
                    at: "2026-11-23T02:00:00Z".into(),
                    action,
                    ok: true,
                    detail: String::new(),
                })
                .expect("history");
        }
        let history = store.renewals(Some("s1"), 10).expect("history");
        assert_eq!(history[0].action, RenewalAction::Renewed, "newest first");
        for action in RenewalAction::ALL {
            assert_eq!(RenewalAction::from_stored(action.as_str()), action);
        }

        let cert = StoredCertificate {
            id: "c1".into(),
            created_at: "2026-11-23T00:00:00Z".into(),
            bits: 2048,
            subject: "CN=x".into(),
            not_after: "2027-11-23T00:00:00Z".into(),
            thumbprint: "ab".into(),
            der: vec![1, 2, 3],
            retired_at: None,
        };
        store.put_certificate(&cert).expect("cert");
        assert_eq!(store.certificates().expect("certs"), vec![cert]);
        assert!(store.remove_certificate("c1").expect("remove"));
    }
}
