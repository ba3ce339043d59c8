//! Connecting your own tenant: a work, school or personal account in the browser or with a
//! device code, and an app registration with a client secret or a certificate.

use std::sync::Arc;

use studio_identity::IdentityError;
use studio_identity::account::{AccountConfig, AccountKind, Credential, new_id};
use studio_identity::certificate::AppCertificate;
use studio_identity::flows::{self, AppProof};
use tokio::sync::Notify;

use super::views::{AccountSummary, AppRequest, DelegatedRequest, DeviceCodeView, cloud_of};
use super::{Accounts, PendingDevice};
use crate::error::CoreError;

impl Accounts {
    fn delegated_config(request: &DelegatedRequest) -> Result<AccountConfig, CoreError> {
        let tenant = request.tenant.trim();
        let client_id = request.client_id.trim();
        if tenant.is_empty() || client_id.is_empty() {
            return Err(CoreError::refused("Enter the tenant and the application (client) id.").with_hint("Both are on the app registration's Overview page in the Microsoft Entra admin center."));
        }
        let mut scopes: Vec<String> = vec!["User.Read".into()];
        for scope in &request.scopes {
            let scope = scope.trim();
            if !scope.is_empty() && !scopes.iter().any(|s| s.eq_ignore_ascii_case(scope)) {
                scopes.push(scope.to_owned());
            }
        }
        Ok(AccountConfig {
            id: new_id(),
            name: "(signing in)".into(),
            kind: if request.personal {
                AccountKind::Personal
            } else {
                AccountKind::Work
            },
            tenant: if request.personal && tenant == "organizations" {
                "consumers".into()
            } else {
                tenant.to_owned()
            },
            client_id: client_id.to_owned(),
            cloud: cloud_of(
                request.cloud,
                request.custom_authority.as_deref(),
                request.custom_graph.as_deref(),
            )?,
            scopes,
            credential: Credential::None,
            granted: Vec::new(),
            identity: None,
        })
    }

    /// A delegated sign-in in the system browser (authorization code + PKCE, loopback redirect).
    pub async fn sign_in(&self, request: &DelegatedRequest) -> Result<AccountSummary, CoreError> {
        let config = Self::delegated_config(request)?;
        let tokens = flows::sign_in_with_browser(
            &config,
            self.browser.as_ref(),
            &[("prompt", "select_account")],
            flows::BROWSER_TIMEOUT,
        )
        .await?;
        self.save_signed_in(config, tokens, None).await
    }

    /// Starts a device-code sign-in: show the code, then call [`Accounts::device_finish`].
    pub async fn device_start(
        &self,
        request: &DelegatedRequest,
    ) -> Result<DeviceCodeView, CoreError> {
        let config = Self::delegated_config(request)?;
        let sign_in = flows::start_device_code(&config).await?;
        let flow_id = new_id();
        let view = DeviceCodeView {
            flow_id: flow_id.clone(),
            user_code: sign_in.user_code.clone(),
            verification_uri: sign_in.verification_uri.clone(),
            message: sign_in.message.clone(),
            expires_in: sign_in.expires_in,
        };
        if let Ok(mut pending) = self.pending.lock() {
            pending.insert(
                flow_id,
                PendingDevice {
                    account: config,
                    sign_in: Arc::new(sign_in),
                    cancel: Arc::new(Notify::new()),
                },
            );
        }
        Ok(view)
    }

    /// Waits for the user to finish a device-code sign-in (or cancel it).
    pub async fn device_finish(
        &self,
        flow_id: &str,
        time_scale: f64,
    ) -> Result<AccountSummary, CoreError> {
        let (config, sign_in, cancel) = {
            let pending = self
                .pending
                .lock()
                .map_err(|_| CoreError::internal("state unavailable"))?;
            let found = pending.get(flow_id).ok_or_else(|| {
                CoreError::not_found("That device-code sign-in is not waiting any more.")
                    .with_hint("Start the sign-in again.")
            })?;
            (
                found.account.clone(),
                Arc::clone(&found.sign_in),
                Arc::clone(&found.cancel),
            )
        };
        let outcome = tokio::select! {
            result = flows::finish_device_code(&config, &sign_in, time_scale) => result,
            () = cancel.notified() => Err(IdentityError::Cancelled("The device-code sign-in was cancelled.".into())),
        };
        if let Ok(mut pending) = self.pending.lock() {
            pending.remove(flow_id);
        }
        self.save_signed_in(config, outcome?, None).await
    }

    /// Cancels a waiting device-code sign-in; nothing is kept.
    pub fn device_cancel(&self, flow_id: &str) {
        if let Ok(pending) = self.pending.lock()
            && let Some(found) = pending.get(flow_id)
        {
            found.cancel.notify_waiters();
            found.cancel.notify_one();
        }
    }

    /// An app registration with a client secret or a certificate (checked by getting a token).
    pub async fn add_app(&self, request: AppRequest) -> Result<AccountSummary, CoreError> {
        let tenant = request.tenant.trim();
        if tenant.is_empty() || request.client_id.trim().is_empty() {
            return Err(CoreError::refused(
                "Enter the tenant and the application (client) id.",
            ));
        }
        if ["common", "organizations", "consumers"].contains(&tenant.to_lowercase().as_str()) {
            return Err(CoreError::refused(format!(
                "App-only access needs the tenant itself, not '{tenant}'."
            ))
            .with_hint("Use the tenant id or its domain (e.g. contoso.onmicrosoft.com)."));
        }
        let mut config = AccountConfig {
            id: new_id(),
            name: request
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| {
                    format!(
                        "App {}",
                        request.client_id.trim().chars().take(8).collect::<String>()
                    )
                }),
            kind: AccountKind::Application,
            tenant: tenant.to_owned(),
            client_id: request.client_id.trim().to_owned(),
            cloud: cloud_of(
                request.cloud,
                request.custom_authority.as_deref(),
                request.custom_graph.as_deref(),
            )?,
            scopes: Vec::new(),
            credential: Credential::Secret,
            granted: Vec::new(),
            identity: None,
        };
        match (&request.client_secret, &request.certificate_pem) {
            (Some(secret), None) if !secret.is_empty() => {
                let tokens = flows::client_credentials(&config, AppProof::Secret(secret)).await?;
                self.save_signed_in(config, tokens, Some((AccountConfig::client_secret, secret)))
                    .await
            }
            (None, Some(pem)) => {
                let certificate = AppCertificate::from_pem(pem.expose())?;
                config.credential = Credential::Certificate {
                    thumbprint: certificate.thumbprint.clone(),
                    x5t: certificate.x5t.clone(),
                    x5t_s256: certificate.x5t_s256.clone(),
                };
                let tokens =
                    flows::client_credentials(&config, AppProof::Certificate(&certificate)).await?;
                self.save_signed_in(
                    config,
                    tokens,
                    Some((AccountConfig::certificate_key, &certificate.key_pem)),
                )
                .await
            }
            _ => Err(CoreError::refused(
                "Give either a client secret or a certificate, not both and not neither.",
            )),
        }
    }
}
