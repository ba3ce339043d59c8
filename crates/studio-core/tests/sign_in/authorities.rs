//! The authorities the sign-in tests run against (node-oidc-provider started from
//! `tests/oidc-provider/server.mjs`, and the sandbox), a studio on a temporary folder with the
//! scripted browser, and a certificate made by the openssl CLI.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use serde_json::{Value, json};
use studio_core::{AppPaths, Studio};
use studio_emulator::{EmulatorConfig, RunningEmulator};
use studio_identity::secrets::{SecretStore, SessionStore};

use crate::browser::{Person, ScriptedBrowser};

/// An authority the app signs in to.
pub struct Authority {
    pub sandbox: bool,
    pub host: String,
    pub graph: String,
    pub tenant: String,
    pub public_client: String,
    pub secret_client: (String, String),
    pub certificate_client: Option<String>,
    /// (what the person types or picks, the sign-in name the app must show)
    pub users: Vec<(String, String)>,
    pub control: Option<String>,
    pub _node: Option<NodeProvider>,
    pub _emulator: Option<RunningEmulator>,
}

/// The node-oidc-provider process; it exits when its stdin closes (and is killed on drop).
pub struct NodeProvider(Child);

impl Drop for NodeProvider {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn harness_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc-provider")
}

/// A certificate and its key made by the openssl CLI (not by our code): (PEM of both, cert path).
pub fn certificate(dir: &Path) -> (String, PathBuf) {
    let key = dir.join("key.pem");
    let cert = dir.join("cert.pem");
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=Graph Webhook Studio test"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("the openssl CLI runs (scripts/setup.sh test installs it)");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let pem = std::fs::read_to_string(&cert).expect("cert")
        + &std::fs::read_to_string(&key).expect("key");
    (pem, cert)
}

pub fn node_provider(access_tokens: &str, cert: &Path) -> Authority {
    let dir = harness_dir();
    assert!(
        dir.join("node_modules/oidc-provider").is_dir(),
        "node-oidc-provider is not installed: run scripts/setup.sh test (make test does)"
    );
    let mut child = Command::new("node")
        .arg(dir.join("server.mjs"))
        .env("OIDC_ACCESS_TOKEN_FORMAT", access_tokens)
        .env("OIDC_CERT_PEM", cert)
        .env("OIDC_DEVICE_INTERVAL", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("ready line");
    let ready: Value =
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("not a ready line: {line}"));
    let text = |name: &str| ready[name].as_str().unwrap_or_default().to_owned();
    Authority {
        sandbox: false,
        host: text("base"),
        graph: text("base"),
        tenant: text("tenant"),
        public_client: text("publicClientId"),
        secret_client: (text("secretClientId"), text("clientSecret")),
        certificate_client: ready["certificateClientId"].as_str().map(str::to_owned),
        users: ready["users"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|u| {
                (
                    u["login"].as_str().unwrap_or_default().to_owned(),
                    u["preferredUsername"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect(),
        control: None,
        _node: Some(NodeProvider(child)),
        _emulator: None,
    }
}

pub async fn sandbox(cert: &Path) -> Authority {
    let emulator = studio_emulator::start(EmulatorConfig::default())
        .await
        .expect("the sandbox starts");
    let info = emulator.info.clone();
    let der = Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(cert)
        .output()
        .expect("openssl");
    use base64::Engine;
    let upload = reqwest::Client::new()
        .post(format!("{}/certificates", info.control))
        .json(&json!({"certificate": base64::engine::general_purpose::STANDARD.encode(der.stdout)}))
        .send()
        .await
        .expect("uploads");
    assert!(upload.status().is_success());
    Authority {
        sandbox: true,
        host: info.authority_host.clone(),
        graph: info.graph_base.clone(),
        tenant: info.tenant_id.clone(),
        public_client: info.public_client_id.clone(),
        secret_client: (
            info.confidential_client_id.clone(),
            info.confidential_client_secret.clone(),
        ),
        certificate_client: Some(info.confidential_client_id.clone()),
        users: info
            .users
            .iter()
            .take(2)
            .map(|u| (u.user_principal_name.clone(), u.user_principal_name.clone()))
            .collect(),
        control: Some(info.control.clone()),
        _node: None,
        _emulator: Some(emulator),
    }
}

impl Authority {
    /// The person signing in as user `n`, consenting to everything.
    pub fn person(&self, n: usize) -> Person {
        let (login, _) = &self.users[n];
        let field = if self.sandbox { "login_hint" } else { "login" };
        Person {
            fields: vec![(field.into(), login.clone())],
            ..Person::default()
        }
    }

    pub fn delegated(&self, tenant: &str) -> Value {
        json!({
            "personal": tenant == "consumers",
            "tenant": tenant,
            "clientId": self.public_client,
            "cloud": "custom",
            "customAuthority": self.host,
            "customGraph": self.graph,
            "scopes": ["Mail.Read"],
        })
    }

    pub async fn control(&self, path: &str, body: Value) {
        if let Some(base) = &self.control {
            let sent = reqwest::Client::new()
                .post(format!("{base}/{path}"))
                .json(&body)
                .send()
                .await
                .expect("control API");
            assert!(sent.status().is_success());
        }
    }
}

pub fn studio(dir: &Path, secrets: &Arc<SessionStore>, browser: &Arc<ScriptedBrowser>) -> Studio {
    Studio::builder(AppPaths::under(dir))
        .secrets(Arc::clone(secrets) as Arc<dyn SecretStore>)
        .browser(Arc::clone(browser) as Arc<dyn studio_identity::flows::Browser>)
        .open()
        .expect("opens")
}

pub async fn call(studio: &Studio, command: &str, payload: Value) -> Result<Value, Value> {
    studio
        .dispatch(command, payload)
        .await
        .map_err(|e| serde_json::to_value(e).unwrap_or_default())
}

pub struct Run {
    pub authority: Authority,
    pub dir: tempfile::TempDir,
    pub secrets: Arc<SessionStore>,
    pub browser: Arc<ScriptedBrowser>,
    pub studio: Studio,
    pub pem: String,
}

pub async fn run(node: bool) -> Run {
    run_with(node, "opaque").await
}

pub async fn run_with(node: bool, access_tokens: &str) -> Run {
    let dir = tempfile::tempdir().expect("dir");
    let (pem, cert) = certificate(dir.path());
    let authority = if node {
        node_provider(access_tokens, &cert)
    } else {
        sandbox(&cert).await
    };
    let secrets = Arc::new(SessionStore::default());
    let browser = Arc::new(ScriptedBrowser::default());
    let studio = studio(&dir.path().join("data"), &secrets, &browser);
    Run {
        authority,
        dir,
        secrets,
        browser,
        studio,
        pem,
    }
}

impl Run {
    pub async fn sign_in(&self, person: Person) -> Result<Value, Value> {
        self.browser.act_as(person);
        let request = self.authority.delegated(&self.authority.tenant);
        call(&self.studio, "account_sign_in", request).await
    }

    pub async fn accounts(&self) -> Vec<Value> {
        call(&self.studio, "accounts_list", Value::Null)
            .await
            .expect("lists")["accounts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn trail(&self) -> String {
        self.browser
            .trail
            .lock()
            .map(|t| t.join("\n"))
            .unwrap_or_default()
    }
}
