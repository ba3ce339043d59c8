//! The sandbox tenant inside the app: the emulator of issue #4, started on a free loopback port
//! the first time a sandbox account needs it, its state kept in `sandbox.json` in the data
//! folder so subscriptions, mail and sign-ins survive a restart.
//!
//! Ports change between runs, so sandbox accounts are stored with the tenant's stable ids and
//! get the running emulator's URLs when they are used ([`Sandbox::live`]).
//!
//! One process per data folder runs the sandbox (see [`crate::lease`]): a CLI command started
//! while the window runs uses the window's sandbox, through the URLs its note gives, instead of
//! starting a rival that would save its own `sandbox.json` over the window's.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use studio_emulator::{EmulatorConfig, RunningEmulator};
use studio_identity::account::{AccountConfig, Cloud};
use studio_identity::sandbox::SandboxFacts;
use studio_primitives::Sensitive;
use tokio::sync::Mutex;

use crate::error::CoreError;
use crate::lease::{self, FolderLease, HeldElsewhere};

/// The lease's name (`sandbox-process.lock` and `.json`; `sandbox.json` is the tenant's state).
const LEASE: &str = "sandbox-process";

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

/// What the process running the sandbox tells the others (`sandbox-process.json`, private to
/// the user like `sandbox.json`, which holds the same secret).
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SandboxNote {
    authority_host: String,
    graph_base: String,
    tenant_id: String,
    public_client_id: String,
    confidential_client_id: String,
    secret: String,
    control: String,
    users: Vec<String>,
}

impl SandboxNote {
    fn of(info: &SandboxInfo) -> SandboxNote {
        SandboxNote {
            authority_host: info.facts.authority_host.clone(),
            graph_base: info.facts.graph_base.clone(),
            tenant_id: info.facts.tenant_id.clone(),
            public_client_id: info.facts.public_client_id.clone(),
            confidential_client_id: info.facts.confidential_client_id.clone(),
            secret: info.secret.expose().clone(),
            control: info.control.clone(),
            users: info.users.clone(),
        }
    }

    /// Whether every address in the note is on this computer (the note is another process's
    /// file: nothing in it may send the app's tokens elsewhere).
    fn is_local(&self) -> bool {
        [&self.authority_host, &self.graph_base, &self.control]
            .iter()
            .all(|url| url.starts_with("http://127.0.0.1:") || url.starts_with("http://[::1]:"))
    }

    fn info(self) -> SandboxInfo {
        SandboxInfo {
            facts: SandboxFacts {
                authority_host: self.authority_host,
                graph_base: self.graph_base,
                tenant_id: self.tenant_id,
                public_client_id: self.public_client_id,
                confidential_client_id: self.confidential_client_id,
            },
            secret: Sensitive::new(self.secret),
            control: self.control,
            users: self.users,
        }
    }
}

/// The Event Hubs namespaces the sandbox delivers to, each with the broker that stands for it
/// (read when a sandbox starts: the saved connections that name a broker).
pub type HubBrokers =
    Box<dyn Fn() -> Vec<(String, studio_primitives::kafka::KafkaEndpoint)> + Send + Sync>;

/// The sandbox tenant of this data folder: run here, or by another process of the app.
pub struct Sandbox {
    data_file: PathBuf,
    running: Mutex<Option<(RunningEmulator, FolderLease)>>,
    hub_brokers: std::sync::OnceLock<HubBrokers>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("data_file", &self.data_file)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// A sandbox whose state lives in `data_file`.
    pub fn new(data_file: PathBuf) -> Sandbox {
        Sandbox {
            data_file,
            running: Mutex::new(None),
            hub_brokers: std::sync::OnceLock::new(),
        }
    }

    /// Where a sandbox started from now on delivers Event Hubs notifications (set once).
    pub fn set_hub_brokers(&self, brokers: HubBrokers) {
        let _ = self.hub_brokers.set(brokers);
    }

    /// The running sandbox, started first if needed (or the one another process runs for the
    /// same data folder).
    pub async fn info(&self) -> Result<SandboxInfo, CoreError> {
        let mut running = self.running.lock().await;
        if running.is_none() {
            let folder = self
                .data_file
                .parent()
                .map(PathBuf::from)
                .unwrap_or_default();
            let lease = match FolderLease::take(&folder, LEASE)? {
                Ok(lease) => lease,
                Err(HeldElsewhere) => {
                    return lease::holder_note::<SandboxNote>(&folder, LEASE)
                        .filter(SandboxNote::is_local)
                        .map(SandboxNote::info)
                        .ok_or_else(|| {
                            CoreError::unreachable(
                                "Another Graph Webhook Studio process is starting this data folder's sandbox.",
                            )
                            .with_hint("Try again in a moment.")
                        });
                }
            };
            let config = EmulatorConfig {
                data_file: Some(self.data_file.clone()),
                event_hubs: self
                    .hub_brokers
                    .get()
                    .map(|brokers| brokers())
                    .unwrap_or_default(),
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
            let info = Self::info_of(&started);
            if let Err(error) = lease.write_note(&SandboxNote::of(&info)) {
                tracing::warn!(%error, "other processes will not find this sandbox");
            }
            *running = Some((started, lease));
        }
        let Some((emulator, _)) = running.as_ref() else {
            return Err(CoreError::internal("the sandbox did not start"));
        };
        Ok(Self::info_of(emulator))
    }

    /// The control API of the sandbox if one runs (here or in another process), without starting
    /// one.
    pub async fn control_if_running(&self) -> Option<String> {
        if let Some((emulator, _)) = self.running.lock().await.as_ref() {
            return Some(emulator.info.control.clone());
        }
        let folder = self
            .data_file
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default();
        lease::holder_note::<SandboxNote>(&folder, LEASE)
            .filter(SandboxNote::is_local)
            .map(|note| note.control)
    }

    fn info_of(emulator: &RunningEmulator) -> SandboxInfo {
        let info = &emulator.info;
        SandboxInfo {
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
        }
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
        if let Some((emulator, lease)) = self.running.lock().await.take() {
            lease.withdraw_note();
            // Saved before the lease goes, so a sandbox started next by another process loads
            // this one's state.
            emulator.shutdown().await;
            drop(lease);
        }
    }
}
