//! Drives the real app window through WebKitWebDriver.
//!
//! Each [`RealApp`] gets its own driver on a free port, its own temp data directory and its own
//! app process. The driver is started in a new process group; dropping the `RealApp` kills that
//! whole group (driver and app), so nothing outlives a test, failed or not.
//!
//! The environment (Xvfb, a D-Bus session, an unlocked keyring, `TAURI_WEBVIEW_AUTOMATION`) is
//! set up by `tests/e2e/session.sh`, which `make e2e` runs; see `docs/testing.md`.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// WebDriver's codes for the keys the tests press.
pub mod keys {
    /// ↑
    pub const UP: &str = "\u{E013}";
    /// ↓
    pub const DOWN: &str = "\u{E015}";
    /// Enter
    pub const ENTER: &str = "\u{E007}";
    /// Escape
    pub const ESCAPE: &str = "\u{E00C}";
    /// Home
    pub const HOME: &str = "\u{E011}";
    /// End
    pub const END: &str = "\u{E010}";
}

/// How long to wait for anything in the window before failing.
pub const WAIT: Duration = Duration::from_secs(15);

/// The app binary: `WEBHOOK_STUDIO_BIN`, else `target/debug/webhook-studio` of this workspace.
pub fn app_binary() -> PathBuf {
    std::env::var_os("WEBHOOK_STUDIO_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/debug/webhook-studio"))
}

/// The repository root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where screenshots go: `WEBHOOK_STUDIO_E2E_DIR`, else `target/e2e/` in the repository.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("WEBHOOK_STUDIO_E2E_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/e2e"))
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("no free loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// Kills a process group on drop.
struct ProcessGroup {
    child: Child,
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        // `kill -KILL -- -PGID` reaches the driver and the app it launched.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}

/// Options for launching the app.
#[derive(Debug, Default)]
pub struct Launch {
    /// Files to write into the data directory before the app starts (relative path, content).
    pub files: Vec<(String, String)>,
    /// Let the app sign in the sandbox on its first start, as it does for users; off by default
    /// so tests begin from the empty state.
    pub sandbox_on_first_start: bool,
    /// Environment variables for the app (it inherits the driver's environment).
    pub env: Vec<(String, String)>,
    /// Fills the data directory before the app starts (e.g. a store of 100,000 receptions).
    pub seed: Option<fn(&Path) -> Result<()>>,
}

/// The running app, its driver and a WebDriver session.
pub struct RealApp {
    /// The WebDriver client.
    pub client: Client,
    /// The app's data directory (a temp dir, removed on drop).
    pub data_dir: tempfile::TempDir,
    name: String,
    _driver: ProcessGroup,
}

impl std::fmt::Debug for RealApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RealApp")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl RealApp {
    /// Starts the driver and the app with a fresh temp data directory.
    pub async fn launch(name: &str) -> Result<Self> {
        Self::launch_with(name, Launch::default()).await
    }

    /// Starts the driver and the app, with files placed in the data directory first.
    pub async fn launch_with(name: &str, launch: Launch) -> Result<Self> {
        let binary = app_binary();
        if !binary.exists() {
            bail!(
                "{} does not exist: build it first (make e2e does)",
                binary.display()
            );
        }
        let data_dir = tempfile::Builder::new()
            .prefix("webhook-studio-e2e-")
            .tempdir()?;
        for (relative, content) in &launch.files {
            let path = data_dir.path().join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, content)?;
        }
        let port = free_port()?;
        if let Some(seed) = launch.seed {
            seed(data_dir.path())?;
        }
        let log = std::fs::File::create(data_dir.path().join("webdriver.log"))?;
        let mut driver_command = Command::new("WebKitWebDriver");
        if !launch.sandbox_on_first_start {
            // The app inherits the driver's environment.
            driver_command.env("WEBHOOK_STUDIO_FIRST_START", "empty");
        }
        driver_command.envs(launch.env.iter().map(|(k, v)| (k, v)));
        let child = driver_command
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("cannot start WebKitWebDriver (apt package webkit2gtk-driver)")?;
        let driver = ProcessGroup { child };
        wait_for_driver(port).await?;
        let url = format!("http://127.0.0.1:{port}");

        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "webkitgtk:browserOptions".into(),
            json!({
                "binary": binary.display().to_string(),
                "args": ["--data-dir", data_dir.path().display().to_string()],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&url)
            .await
            .context("cannot open a WebDriver session on the app")?;
        let app = Self {
            client,
            data_dir,
            name: name.to_owned(),
            _driver: driver,
        };
        app.wait_for("html[data-app-ready=true] [data-testid=statusbar]")
            .await?;
        Ok(app)
    }

    /// Waits for an element matching a CSS selector and returns it.
    pub async fn wait_for(&self, css: &str) -> Result<Element> {
        let found = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await;
        if found.is_err() {
            let _ = self.screenshot("timeout").await;
            self.preserve_logs();
        }
        found.with_context(|| format!("no element matches `{css}` within {WAIT:?}"))
    }

    /// Clicks the element matching a CSS selector, first scrolled to the middle of its
    /// scroll container as a person would: WebKitWebDriver scrolls it just into view, where a
    /// sticky bar (the explorer's Create bar) may cover it and take the click.
    pub async fn click(&self, css: &str) -> Result<()> {
        let element = self.wait_for(css).await?;
        let arguments = vec![serde_json::to_value(&element)?];
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'}); return null;",
                arguments,
            )
            .await?;
        element.click().await?;
        Ok(())
    }

    /// Replaces the text of an input as a person would (select it, type over it), so the page
    /// sees `input` events; WebDriver's `clear()` does not fire them in WebKitGTK, and a held
    /// Control key is not reliably released by WebKitWebDriver.
    pub async fn replace_text(&self, css: &str, text: &str) -> Result<()> {
        const BACKSPACE: &str = "\u{E003}";
        let input = self.wait_for(css).await?;
        self.client
            .execute(
                "document.querySelector(arguments[0]).select(); return null;",
                vec![json!(css)],
            )
            .await?;
        input
            .send_keys(if text.is_empty() { BACKSPACE } else { text })
            .await?;
        Ok(())
    }

    /// Sends keys to the element matching a CSS selector (WebDriver key codes, e.g.
    /// [`keys::DOWN`], or plain text).
    pub async fn press(&self, css: &str, keys: &str) -> Result<()> {
        self.wait_for(css).await?.send_keys(keys).await?;
        Ok(())
    }

    /// The visible text of the element matching a CSS selector.
    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.wait_for(css).await?.text().await?)
    }

    /// Runs JavaScript in the page and returns its result.
    pub async fn eval(&self, script: &str) -> Result<Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    /// Polls a JavaScript expression until it is truthy.
    pub async fn wait_until(&self, expression: &str) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        let script = format!("return !!({expression});");
        loop {
            if self.eval(&script).await? == Value::Bool(true) {
                return Ok(());
            }
            if Instant::now() > deadline {
                let shot = self.screenshot("timeout").await.ok();
                self.preserve_logs();
                let state = self
                    .eval("return JSON.stringify({ dataset: document.documentElement.dataset, hash: location.hash });")
                    .await
                    .unwrap_or_default();
                bail!(
                    "`{expression}` stayed false for {WAIT:?}; page state {state}; screenshot {shot:?}"
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Calls a backend command through the window's real IPC; `Ok` holds the response or the error.
    pub async fn invoke(
        &self,
        command: &str,
        payload: Value,
    ) -> Result<std::result::Result<Value, Value>> {
        let script = r#"
            const [command, payload, done] = arguments;
            window.__TAURI_INTERNALS__.invoke("rpc", { command, payload })
              .then((ok) => done({ ok }), (err) => done({ err }));
        "#;
        let answer = self
            .client
            .execute_async(script, vec![json!(command), payload])
            .await?;
        match (answer.get("ok"), answer.get("err")) {
            (Some(ok), _) => Ok(Ok(ok.clone())),
            (_, Some(err)) => Ok(Err(err.clone())),
            _ => bail!("unexpected IPC answer: {answer}"),
        }
    }

    /// Calls a command as the window does; its error (`{code, message, hint}`) fails the test.
    pub async fn call(&self, command: &str, payload: Value) -> Result<Value> {
        self.invoke(command, payload)
            .await?
            .map_err(|e| anyhow::anyhow!("{command}: {e}"))
    }

    /// The sandbox signed in and receiving, a subscription made (`subscription` is the request),
    /// `changes` created changes made to `resource`, and the Inspector open once that many
    /// notification rows say `verdict` (e.g. "verified", "decrypted").
    pub async fn sandbox_notified(
        &self,
        subscription: Value,
        resource: &str,
        changes: usize,
        verdict: &str,
    ) -> Result<()> {
        self.call("account_add_sandbox", json!({})).await?;
        self.wait_until("document.querySelector('[data-testid=status-receiver]')?.textContent.includes('127.0.0.1')")
            .await?;
        self.call("subscription_create", subscription).await?;
        for _ in 0..changes {
            self.call(
                "trigger_change",
                json!({"resource": resource, "changeType": "created"}),
            )
            .await?;
        }
        self.click("[data-testid=nav-inspector]").await?;
        self.wait_until(&format!(
            "[...document.querySelectorAll('[data-testid=reception-row][data-kind=notification]')].filter(r => r.textContent.includes({})).length >= {changes}",
            json!(verdict)
        ))
        .await
    }

    /// Copies the driver's and the app's logs to `target/e2e/<test>-logs/` (called on failure,
    /// since the data directory is deleted when the test ends).
    pub fn preserve_logs(&self) {
        let target = screenshot_dir().join(format!("{}-logs", self.name));
        let _ = std::fs::create_dir_all(&target);
        let _ = std::fs::copy(
            self.data_dir.path().join("webdriver.log"),
            target.join("webdriver.log"),
        );
        if let Ok(entries) = std::fs::read_dir(self.data_dir.path().join("logs")) {
            for entry in entries.flatten() {
                let _ = std::fs::copy(entry.path(), target.join(entry.file_name()));
            }
        }
    }

    /// Saves a PNG of the window as `target/e2e/<test>-<label>.png`.
    pub async fn screenshot(&self, label: &str) -> Result<PathBuf> {
        // WebKitGTK captures the last painted frame: let the page paint what the DOM holds now
        // (two animation frames, then a beat for the compositor) before capturing.
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 50)));",
                vec![],
            )
            .await?;
        let png = self.client.screenshot().await?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{}-{label}.png", self.name));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Ends the WebDriver session (closing the app); the driver is killed on drop either way.
    pub async fn close(self) -> Result<()> {
        let Self { client, .. } = self;
        client.close().await?;
        Ok(())
    }
}

async fn wait_for_driver(port: u16) -> Result<()> {
    let deadline = Instant::now() + WAIT;
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("WebKitWebDriver did not listen on port {port} within {WAIT:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
