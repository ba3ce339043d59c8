//! The sandbox tenant inside the app: the emulator of issue #4, started on a free loopback port
//! the first time a sandbox account needs it, its state kept in `sandbox.json` in the data
//! folder so subscriptions, mail and sign-ins survive a restart.
//!
//! Ports change between runs, so sandbox accounts are stored with the tenant's stable ids and
//! get the running emulator's URLs when they are used ([`Sandbox::live`]).

use std::path::PathBuf;

use studio_emulator::{EmulatorConfig, RunningEmulator};
use studio_identity::account::{AccountConfig, Cloud};
use studio_identity::sandbox::SandboxFacts;
use studio_primitives::Sensitive;
use tokio::sync::Mutex;

use crate::error::CoreError;

/// What the app needs from a running sandbox.
#[derive(Debug, Clone)]
pub struct SandboxInfo {
    /// URLs and ids.
    pub facts: SandboxFacts,
    /// The sandbox app's secret.
    pub secret: Sensitive<String>,
    /// The control API.
    pub control: String,
    /// The seeded users' sign-in names.
    pub users: Vec<String>,
}

/// The in-process sandbox.
#[derive(Debug)]
pub struct Sandbox {
    data_file: PathBuf,
    running: Mutex<Option<RunningEmulator>>,
}

impl Sandbox {
    /// A sandbox whose state lives in `data_file`.
    pub fn new(data_file: PathBuf) -> Sandbox {
        Sandbox {
            data_file,
            running: Mutex::new(None),
        }
    }

    /// The running sandbox, started first if needed.
    pub async fn info(&self) -> Result<SandboxInfo, CoreError> {
        let mut running = self.running.lock().await;
        if running.is_none() {
            let config = EmulatorConfig {
                data_file: Some(self.data_file.clone()),
                ..EmulatorConfig::default()
            };
            let started =
                studio_emulator::start(config)
                    .await
                    .map_err(|source| CoreError::Sandbox {
                        data_file: self.data_file.clone(),
                        source,
                    })?;
            tracing::info!(url = %started.info.graph_base, "sandbox tenant started");
            *running = Some(started);
        }
        let Some(emulator) = running.as_ref() else {
            return Err(CoreError::internal("the sandbox did not start"));
        };
        let info = &emulator.info;
        Ok(SandboxInfo {
            facts: SandboxFacts {
                authority_host: info.authority_host.clone(),
                graph_base: info.graph_base.clone(),
                tenant_id: info.tenant_id.clone(),
                public_client_id: info.public_client_id.clone(),
                confidential_client_id: info.confidential_client_id.clone(),
            },
            secret: Sensitive::new(info.confidential_client_secret.clone()),
            control: info.control.clone(),
            users: info
                .users
                .iter()
                .map(|u| u.user_principal_name.clone())
                .collect(),
        })
    }

    /// A sandbox account with the running sandbox's URLs (other accounts as they are).
    pub async fn live(&self, account: &AccountConfig) -> Result<AccountConfig, CoreError> {
        if !account.kind.sandbox() {
            return Ok(account.clone());
        }
        let info = self.info().await?;
        let mut live = account.clone();
        live.cloud = Cloud::Custom {
            authority_host: info.facts.authority_host,
            graph_base: info.facts.graph_base,
        };
        Ok(live)
    }

    /// Stops the sandbox (saving its state).
    pub async fn stop(&self) {
        if let Some(emulator) = self.running.lock().await.take() {
            emulator.shutdown().await;
        }
    }
}
