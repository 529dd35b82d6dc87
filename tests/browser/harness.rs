//! Starts chromedriver and a headless Chromium session per test.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// axe-core from npm, vendored for tests.
const AXE: &str = include_str!("vendor/axe-4.14.1.min.js");

/// A chromedriver process with one browser session; both end when this is dropped.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: std::path::PathBuf,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// Opens a browser whose window is `width` × `height` CSS pixels, for the app at `base`.
    pub async fn open(base: &str, width: u32, height: u32) -> Self {
        // The free port can be taken by another test between our probe and chromedriver's
        // bind; chromedriver then exits at once, and we try again with another port.
        let (port, driver) = (0..5)
            .find_map(|_| {
                let port = free_port();
                // A process group of its own, so that dropping the browser ends Chromium (which
                // chromedriver starts) too, even when a test panics before `close`.
                let mut driver = Command::new("chromedriver")
                    .arg(format!("--port={port}"))
                    .process_group(0)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("chromedriver is installed (make test installs chromium-driver)");
                // chromedriver says when it listens; read until then instead of sleeping.
                let stdout = driver.stdout.take().unwrap();
                let (ready_tx, ready_rx) = std::sync::mpsc::channel();
                std::thread::spawn(move || {
                    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                        if line.contains("started successfully") {
                            let _ = ready_tx.send(());
                        }
                    }
                });
                match ready_rx.recv_timeout(Duration::from_secs(30)) {
                    Ok(()) => Some((port, driver)),
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                        let _ = driver.kill();
                        let _ = driver.wait();
                        None
                    }
                    Err(e) => panic!("chromedriver did not start: {e}"),
                }
            })
            .expect("chromedriver started on one of five ports");
        let profile = std::env::temp_dir().join(format!(
            "rollbook-chromium-{}",
            rollbook::web::random_token(9)
        ));
        let mut caps = serde_json::Map::new();
        let mut options = json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.display()),
            ],
        });
        // Headless windows are at least 500 pixels wide; a phone is emulated instead.
        if width < 500 {
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0, "touch": true },
                "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36",
            });
        }
        caps.insert("goog:chromeOptions".into(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Self {
            client,
            driver,
            profile,
            base: base.to_string(),
        }
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{}", self.base, path))
            .await
            .unwrap();
    }

    /// Signs in through the sign-in page as `email` (the demo password), then waits for
    /// `landing`, an element of the page signing in leads to.
    pub async fn sign_in(&self, email: &str, landing: &str) {
        self.goto("/login").await;
        self.fill("#email", email).await;
        self.fill("#password", crate::helpers::PASSWORD).await;
        self.click("button[type=submit]").await;
        self.wait_for(landing).await;
    }

    /// The path (and query) of the page now shown.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{}", url.path(), q),
            None => url.path().to_string(),
        }
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Waits (up to 10 s) until an element matching `css` is on the page, e.g. after a click
    /// that navigates.
    pub async fn wait_for(&self, css: &str) {
        let found = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await;
        if found.is_err() {
            self.screenshot("wait-failed").await;
            panic!(
                "{css} did not appear; the page is {} :\n{}",
                self.path().await,
                self.source().await
            );
        }
    }

    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.client.find_all(Locator::Css(css)).await.unwrap() {
            out.push(e.text().await.unwrap().trim().to_string());
        }
        out
    }

    /// The page's HTML as the browser has it now.
    pub async fn source(&self) -> String {
        self.client.source().await.unwrap()
    }

    /// The viewport's width in CSS pixels and the document's full width (overflow shows as more).
    pub async fn widths(&self) -> (u64, u64) {
        let v = self
            .client
            .execute(
                "return [window.innerWidth, document.documentElement.scrollWidth];",
                vec![],
            )
            .await
            .unwrap();
        (v[0].as_u64().unwrap(), v[1].as_u64().unwrap())
    }

    /// Runs axe-core on the page; returns the serious and critical violations.
    pub async fn accessibility_problems(&self) -> Vec<String> {
        self.client.execute(AXE, vec![]).await.unwrap();
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                    .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3) }))))
                    .catch(e => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));",
                vec![],
            )
            .await
            .unwrap();
        result
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .map(|v: &Value| {
                format!(
                    "{} ({}): {} at {}",
                    v["id"], v["impact"], v["help"], v["nodes"]
                )
            })
            .collect()
    }

    /// Saves a screenshot (for a person to look at when a test fails).
    pub async fn screenshot(&self, name: &str) {
        if let Ok(png) = self.client.screenshot().await {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver, Chromium and Chromium's helpers: the whole group.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
