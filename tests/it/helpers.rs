//! The test harness: `TestApp::spawn()` and a cookie-keeping `Browser`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rollbook::app::Application;
use rollbook::clock::Clock;
use rollbook::config::{Environment, Settings, DEFAULT_DEMO_PASSWORD};
use rollbook::AppState;
use scraper::{Html, Selector};
use sha2::{Digest, Sha256};

pub use rollbook::seed::{DEMO_ADMIN, DEMO_PARENT, DEMO_PRINCIPAL, DEMO_TEACHER};
pub const PASSWORD: &str = DEFAULT_DEMO_PASSWORD;

/// The instant every test starts at: a Wednesday in the autumn term of the demo year.
pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-18T10:00:00Z")
        .unwrap()
        .to_utc()
}

/// The maintenance URL of the test cluster (`make test` sets it).
fn admin_url() -> String {
    std::env::var("ROLLBOOK_TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .expect("run the tests with `make test` (or set ROLLBOOK_TEST_DATABASE_URL to a PostgreSQL maintenance URL)")
}

/// `url` with its database name replaced by `db`.
pub fn url_for_db(url: &str, db: &str) -> String {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = url[after_scheme..]
        .find('/')
        .map(|i| after_scheme + i)
        .unwrap_or(url.len());
    let path_end = url[path_start..]
        .find('?')
        .map(|i| path_start + i)
        .unwrap_or(url.len());
    format!("{}/{}{}", &url[..path_start], db, &url[path_end..])
}

fn content_hash() -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = walk(&root.join("migrations"));
    files.extend(walk(&root.join("src/seed")));
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(f.to_string_lossy().as_bytes());
        h.update(std::fs::read(&f).unwrap());
    }
    h.update(start_time().to_rfc3339().as_bytes());
    h.finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Builds (once per content hash, under an advisory lock) the migrated, demo-seeded template.
fn template_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let name = format!("rb_tpl_{}", content_hash());
        let mut admin = PgConnection::establish(&admin_url()).expect("connect to the test cluster");
        diesel::sql_query("SELECT pg_advisory_lock(7262001)")
            .execute(&mut admin)
            .unwrap();
        let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
        )))
        .get_result(&mut admin)
        .unwrap();
        if !exists {
            let building = format!("{name}_build");
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .execute(&mut admin)
                .unwrap();
            diesel::sql_query(format!("CREATE DATABASE {building}"))
                .execute(&mut admin)
                .unwrap();
            {
                let mut conn =
                    PgConnection::establish(&url_for_db(&admin_url(), &building)).unwrap();
                rollbook::db::migrate(&mut conn).unwrap();
                let hash = rollbook::accounts::passwords::hash_now(PASSWORD).unwrap();
                // Without register history, so tests control every mark.
                rollbook::seed::seed_demo(&mut conn, &hash, start_time().date_naive(), false)
                    .unwrap();
            }
            diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(&mut admin)
                .unwrap();
            // Templates of older migrations are of no further use.
            let stale: Vec<String> = diesel::dsl::sql::<diesel::sql_types::Text>(
                "SELECT datname FROM pg_database WHERE datname LIKE 'rb\\_tpl\\_%'",
            )
            .load::<String>(&mut admin)
            .unwrap()
            .into_iter()
            .filter(|d| *d != name && !d.ends_with("_build"))
            .collect();
            for db in stale {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
        diesel::sql_query("SELECT pg_advisory_unlock(7262001)")
            .execute(&mut admin)
            .unwrap();
        name
    })
}

/// A new database cloned from the demo template: its name and URL. The caller drops it.
pub fn cloned_database() -> (String, String) {
    let template = template_name();
    let db_name = format!(
        "rb_t_{}",
        rollbook::web::random_token(9)
            .to_lowercase()
            .replace('-', "_")
    );
    let mut admin = PgConnection::establish(&admin_url()).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {db_name} TEMPLATE {template}"))
        .execute(&mut admin)
        .unwrap();
    let db_url = url_for_db(&admin_url(), &db_name);
    (db_name, db_url)
}

/// A new empty database (no migrations): its name and URL. The caller drops it.
pub fn empty_database() -> (String, String) {
    let db_name = format!(
        "rb_e_{}",
        rollbook::web::random_token(9)
            .to_lowercase()
            .replace('-', "_")
    );
    let mut admin = PgConnection::establish(&admin_url()).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {db_name}"))
        .execute(&mut admin)
        .unwrap();
    let db_url = url_for_db(&admin_url(), &db_name);
    (db_name, db_url)
}

/// Drops a database of [`cloned_database`] or [`empty_database`].
pub fn drop_database(name: &str) {
    if let Ok(mut admin) = PgConnection::establish(&admin_url()) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin);
    }
}

/// A running Rollbook with its own database and a manual clock.
pub struct TestApp {
    pub address: String,
    pub db_name: String,
    pub db_url: String,
    pub state: AppState,
    /// The areas' own state (the hashing service, the busy sign-ins' log, the boards).
    pub areas: rollbook::app::AreaState,
    pub clock: Clock,
    /// The database is a clone of the template in the shared test cluster, dropped with the app.
    owns_database: bool,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with settings adjusted by `adjust` (e.g. production cookies, trusted proxies).
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        let (db_name, db_url) = cloned_database();
        let mut app = Self::spawn_on(db_url, adjust);
        app.db_name = db_name;
        app.owns_database = true;
        app
    }

    /// Spawns on a database the caller made and removes (a cluster of a test's own).
    pub fn spawn_on(db_url: String, adjust: impl FnOnce(&mut Settings)) -> Self {
        // ROLLBOOK_TEST_LOG=1 shows the server's log (with --nocapture).
        if std::env::var_os("ROLLBOOK_TEST_LOG").is_some() {
            rollbook::telemetry::init(rollbook::config::LogFormat::Pretty);
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let mut settings = Settings::for_tests(db_url.clone());
        settings.public_url = address.clone();
        adjust(&mut settings);
        let pool = rollbook::db::pool(&db_url, 4);
        let clock = Clock::manual(start_time());
        let app =
            Application::with_listener(listener, settings, pool, clock.clone(), Some(1)).unwrap();
        actix_web::rt::spawn(app.server);
        TestApp {
            address,
            db_name: String::new(),
            db_url,
            state: app.state,
            areas: app.areas,
            clock,
            owns_database: false,
        }
    }

    /// A new browser (empty cookie jar) pointed at this app.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.address)
    }

    /// A browser already signed in as `email` with the demo password.
    pub async fn signed_in(&self, email: &str) -> Browser {
        let b = self.browser();
        let r = b.sign_in(email, PASSWORD).await;
        assert_eq!(r.status, 303, "sign-in of {email} failed: {}", r.body);
        b
    }

    /// Runs one round of the mail worker now (tests never wait for the background loop).
    pub async fn deliver_mail(&self) -> rollbook::mail::DeliveryReport {
        rollbook::mail::deliver_due(&self.state.pool, &self.state.mailer, self.clock.now())
            .await
            .unwrap()
    }

    /// The id of the (unique, in the demo) class with this name.
    pub fn class_id(&self, name: &str) -> i64 {
        use rollbook::schema::classes;
        classes::table
            .filter(classes::name.eq(name))
            .select(classes::id)
            .first(&mut self.conn())
            .unwrap()
    }

    /// The id of the demo school with this name.
    pub fn school_id(&self, name: &str) -> i64 {
        use rollbook::schema::schools;
        schools::table
            .filter(schools::name.eq(name))
            .select(schools::id)
            .first(&mut self.conn())
            .unwrap()
    }

    /// A direct connection to this test's database.
    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.db_url).unwrap()
    }

    pub fn user_id(&self, email: &str) -> i64 {
        use rollbook::schema::users;
        users::table
            .filter(users::email.eq(email))
            .select(users::id)
            .first(&mut self.conn())
            .unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if self.owns_database {
            drop_database(&self.db_name);
        }
    }
}

/// An HTTP answer, read whole.
#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// Trimmed text of every element matching `selector`.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let sel = Selector::parse(selector).unwrap();
        self.html()
            .select(&sel)
            .map(|e| {
                e.text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    pub fn text(&self, selector: &str) -> String {
        self.texts(selector)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no element matches {selector:?} in:\n{}", self.body))
    }

    pub fn count(&self, selector: &str) -> usize {
        let sel = Selector::parse(selector).unwrap();
        self.html().select(&sel).count()
    }

    /// The value of `attr` on the first element matching `selector`.
    pub fn attr(&self, selector: &str, attr: &str) -> Option<String> {
        let sel = Selector::parse(selector).unwrap();
        self.html()
            .select(&sel)
            .next()
            .and_then(|e| e.value().attr(attr).map(str::to_string))
    }

    /// The CSRF token of the page's first form.
    pub fn csrf_token(&self) -> String {
        self.attr("input[name=csrf_token]", "value")
            .unwrap_or_else(|| panic!("no CSRF token on the page:\n{}", self.body))
    }

    /// The `Set-Cookie` header for `name`, if any.
    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.as_str())
            .find(|v| v.starts_with(&format!("{name}=")))
    }
}

/// A client with its own cookie jar. Redirects are not followed, so tests see them.
pub struct Browser {
    address: String,
    client: awc::Client,
    jar: RefCell<BTreeMap<String, String>>,
}

impl Browser {
    pub fn new(address: &str) -> Self {
        Self {
            address: address.to_string(),
            client: awc::Client::builder()
                .disable_redirects()
                .timeout(std::time::Duration::from_secs(30))
                .finish(),
            jar: RefCell::new(BTreeMap::new()),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.borrow().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar.borrow_mut().insert(name.into(), value.into());
    }

    fn cookie_header(&self) -> Option<String> {
        let jar = self.jar.borrow();
        (!jar.is_empty()).then(|| {
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    async fn finish(
        &self,
        mut res: awc::ClientResponse<
            impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
                + Unpin,
        >,
    ) -> TestResponse {
        let headers: Vec<(String, String)> = res
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        for (k, v) in &headers {
            if !k.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            let pair = v.split(';').next().unwrap_or("");
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let lower = v.to_ascii_lowercase();
            let removed = value.is_empty() || lower.contains("max-age=0") || lower.contains("1970");
            if removed {
                self.jar.borrow_mut().remove(name);
            } else {
                self.jar
                    .borrow_mut()
                    .insert(name.to_string(), value.to_string());
            }
        }
        let body = res.body().limit(20 * 1024 * 1024).await.unwrap();
        TestResponse {
            status: res.status().as_u16(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    fn request(
        &self,
        method: awc::http::Method,
        path: &str,
        extra: &[(&str, &str)],
    ) -> awc::ClientRequest {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.address, path));
        if let Some(cookies) = self.cookie_header() {
            req = req.insert_header(("cookie", cookies));
        }
        for (k, v) in extra {
            req = req.insert_header((*k, *v));
        }
        req
    }

    /// Every page in `paths` answers 404 for a school that does not exist or is not a number
    /// (`?school=`, the school an admin narrows an office page to).
    pub async fn assert_unknown_school_not_found(&self, paths: &[&str]) {
        for bad in ["999999", "north"] {
            for path in paths {
                let r = self.get(&format!("{path}?school={bad}")).await;
                assert_eq!(r.status, 404, "{path}?school={bad}");
            }
        }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> TestResponse {
        let res = self
            .request(awc::http::Method::GET, path, headers)
            .send()
            .await
            .unwrap();
        self.finish(res).await
    }

    /// POSTs a urlencoded form exactly as given (no token added).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        self.post_form_with(path, fields, &[]).await
    }

    pub async fn post_form_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let res = self
            .request(awc::http::Method::POST, path, headers)
            .send_form(&fields)
            .await
            .unwrap();
        self.finish(res).await
    }

    /// POSTs an already encoded form body, bytes as given (for text no browser would send).
    pub async fn post_raw(&self, path: &str, body: Vec<u8>) -> TestResponse {
        let res = self
            .request(
                awc::http::Method::POST,
                path,
                &[("content-type", "application/x-www-form-urlencoded")],
            )
            .send_body(body)
            .await
            .unwrap();
        self.finish(res).await
    }

    /// POSTs a multipart form with text `fields` and one file field `file`.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        file: &[u8],
    ) -> TestResponse {
        let boundary = "rollbookTestBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let res = self
            .request(
                awc::http::Method::POST,
                path,
                &[(
                    "content-type",
                    &format!("multipart/form-data; boundary={boundary}"),
                )],
            )
            .send_body(body)
            .await
            .unwrap();
        self.finish(res).await
    }

    /// Loads `page`, takes its CSRF token and POSTs `fields` with it to `action`.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> TestResponse {
        let token = self.get(page).await.csrf_token();
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all).await
    }

    /// Signs in through the form; returns the POST's answer.
    pub async fn sign_in(&self, email: &str, password: &str) -> TestResponse {
        self.submit(
            "/login",
            "/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn sign_out(&self) -> TestResponse {
        self.submit("/account", "/logout", &[]).await
    }
}

/// Environment tweak: cookies as in production.
pub fn production(settings: &mut Settings) {
    settings.env = Environment::Production;
}
