//! Certificates for rich notifications: made in the app (RSA 2048/3072/4096, self-signed), the
//! private key in the keyring, the public part in the store. The newest one is used for new
//! subscriptions; making another retires the old one, which is kept (key and all) until no
//! subscription references it, so notifications encrypted for it still decrypt.

use std::sync::Arc;

use base64::Engine;
use serde::{Deserialize, Serialize};
use studio_identity::secrets::SecretStore;
use studio_primitives::Sensitive;
use studio_store::{Store, StoredCertificate};
use ts_rs::TS;

use crate::error::CoreError;
use crate::receiving::owned::{OwnedSubscriptions, key_name};
use studio_primitives::clock::rfc3339;

/// Days a new certificate is valid.
pub const VALID_DAYS: u32 = 365;

/// A certificate as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CertificateView {
    /// The id sent as `encryptionCertificateId`.
    pub id: String,
    /// RSA key size.
    pub bits: u32,
    /// Subject.
    pub subject: String,
    /// When it was made.
    pub created_at: String,
    /// When it expires.
    pub not_after: String,
    /// SHA-256 thumbprint, hex.
    pub thumbprint: String,
    /// The one new subscriptions use.
    pub current: bool,
    /// Subscriptions (of this app) that still reference it.
    pub used_by: u32,
}

/// `cert_create`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateRequest {
    /// 2048 (default), 3072 or 4096.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits: Option<u32>,
}

/// `cert_export`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateExport {
    /// Which.
    pub id: String,
    /// PEM text; otherwise base64 DER (what `encryptionCertificate` carries).
    #[serde(default)]
    pub pem: bool,
}

/// The certificates service.
#[derive(Debug, Clone)]
pub struct Certificates {
    store: Arc<Store>,
    secrets: Arc<dyn SecretStore>,
    known: Arc<OwnedSubscriptions>,
}

impl Certificates {
    /// Over the store (public parts) and the secret store (keys).
    pub fn new(
        store: Arc<Store>,
        secrets: Arc<dyn SecretStore>,
        known: Arc<OwnedSubscriptions>,
    ) -> Certificates {
        Certificates {
            store,
            secrets,
            known,
        }
    }

    /// Every certificate, newest first.
    pub fn list(&self) -> Result<Vec<CertificateView>, CoreError> {
        let owned = self.store.owned()?;
        Ok(self
            .store
            .certificates()?
            .into_iter()
            .map(|c| CertificateView {
                used_by: u32::try_from(
                    owned
                        .iter()
                        .filter(|s| {
                            s.certificate_id.as_deref() == Some(c.id.as_str())
                                && s.state != studio_store::SubscriptionState::Deleted
                        })
                        .count(),
                )
                .unwrap_or(u32::MAX),
                current: c.retired_at.is_none(),
                id: c.id,
                bits: c.bits,
                subject: c.subject,
                created_at: c.created_at,
                not_after: c.not_after,
                thumbprint: c.thumbprint,
            })
            .collect())
    }

    /// Makes a certificate; it becomes the current one and the previous one is retired.
    pub async fn create(&self, bits: u32, now: i64) -> Result<CertificateView, CoreError> {
        let made = tokio::task::spawn_blocking(move || {
            studio_receiver::certificate::generate(
                usize::try_from(bits).unwrap_or(0),
                "Graph Webhook Studio",
                u64::try_from(now).unwrap_or(0),
                VALID_DAYS,
            )
        })
        .await??;
        let id = format!("gws-{}", &made.thumbprint[..16]);
        let key = studio_receiver::certificate::decryption_key(&made.private_key_pem)?;
        self.secrets.put(
            &key_name(&id),
            &Sensitive::new(made.private_key_pem.to_string()),
        )?;
        let previous = self.store.certificates()?;
        let stored = StoredCertificate {
            id: id.clone(),
            created_at: rfc3339(now),
            bits,
            subject: "CN=Graph Webhook Studio".into(),
            not_after: rfc3339(i64::try_from(made.not_after).unwrap_or(i64::MAX)),
            thumbprint: made.thumbprint.clone(),
            der: made.der,
            retired_at: None,
        };
        if let Err(error) = self.store.put_certificate(&stored) {
            let _ = self.secrets.delete(&key_name(&id));
            return Err(error.into());
        }
        for mut old in previous.into_iter().filter(|c| c.retired_at.is_none()) {
            old.retired_at = Some(rfc3339(now));
            self.store.put_certificate(&old)?;
        }
        self.known.remember_key(&id, Arc::new(key));
        tracing::info!(%id, bits, "certificate made");
        self.prune_retired()?;
        self.view(&id)
    }

    /// The current certificate, made (2048 bits) when there is none, its key is gone, or it
    /// expires within a week.
    pub async fn current(&self, now: i64) -> Result<StoredCertificate, CoreError> {
        let current = self
            .store
            .certificates()?
            .into_iter()
            .find(|c| c.retired_at.is_none());
        // A certificate whose key is gone (session-only secrets, a cleared keyring) is useless.
        let current = current.filter(|c| matches!(self.secrets.get(&key_name(&c.id)), Ok(Some(_))));
        let fresh = current.filter(|c| {
            time::OffsetDateTime::parse(
                &c.not_after,
                &time::format_description::well_known::Rfc3339,
            )
            .is_ok_and(|t| t.unix_timestamp() > now + 7 * 86_400)
        });
        if let Some(cert) = fresh {
            return Ok(cert);
        }
        let made = self.create(2048, now).await?;
        self.store
            .certificates()?
            .into_iter()
            .find(|c| c.id == made.id)
            .ok_or_else(|| CoreError::internal("the new certificate vanished"))
    }

    /// A certificate as PEM or base64 DER.
    pub fn export(&self, request: &CertificateExport) -> Result<String, CoreError> {
        let cert = self.find(&request.id)?;
        Ok(if request.pem {
            studio_receiver::certificate::to_pem(&cert.der)
        } else {
            base64::engine::general_purpose::STANDARD.encode(&cert.der)
        })
    }

    /// Deletes a certificate and its key, unless a live subscription still references it.
    pub fn delete(&self, id: &str) -> Result<(), CoreError> {
        let cert = self.find(id)?;
        let users = self.view(&cert.id)?.used_by;
        if users > 0 {
            return Err(CoreError::refused(format!("{users} subscription(s) still use certificate {id}."),
            )
            .with_hint("Delete or recreate those subscriptions first; their notifications need this key to decrypt."));
        }
        self.secrets.delete(&key_name(id))?;
        self.store.remove_certificate(id)?;
        self.known.forget_key(id);
        Ok(())
    }

    /// Deletes retired certificates no subscription references any more.
    pub fn prune_retired(&self) -> Result<(), CoreError> {
        for cert in self.list()? {
            if !cert.current && cert.used_by == 0 {
                tracing::info!(id = %cert.id, "a retired certificate is no longer used; deleting it");
                self.delete(&cert.id)?;
            }
        }
        Ok(())
    }

    fn find(&self, id: &str) -> Result<StoredCertificate, CoreError> {
        self.store
            .certificates()?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| {
                CoreError::not_found(format!("No certificate has the id '{id}'."))
                    .with_hint("List them with `webhook-studio cert list`.")
            })
    }

    fn view(&self, id: &str) -> Result<CertificateView, CoreError> {
        self.list()?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| CoreError::not_found(format!("No certificate '{id}'.")))
    }
}
