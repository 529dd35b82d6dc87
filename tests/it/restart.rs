//! Rollbook rides out what happens to its database on an ordinary day: PostgreSQL restarted
//! (fast and immediate), stopped for a few seconds, its backends terminated. Each test runs a
//! PostgreSQL cluster of its own, so it can stop it without touching anyone else's tests.

use std::cell::RefCell;
use std::collections::HashMap;
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use rollbook::schema::attendance;

use crate::helpers::*;

/// A private cluster made by `scripts/pg.sh`, removed when dropped.
struct Cluster {
    name: String,
    url: String,
}

fn pg_sh(args: &[&str], mode: Option<&str>) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg.sh");
    let mut cmd = Command::new(script);
    // Commits reach the disk before they are acknowledged, so an immediate stop (a crash, to
    // PostgreSQL) keeps them, as on a real server.
    cmd.args(args).env("DURABLE", "1");
    if let Some(mode) = mode {
        cmd.env("MODE", mode);
    }
    let out = cmd.output().expect("run scripts/pg.sh");
    assert!(
        out.status.success(),
        "pg.sh {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl Cluster {
    /// A new cluster with a migrated, demo-seeded `rollbook` database.
    fn with_demo_district() -> Self {
        let name = format!(
            "t{}",
            rollbook::web::random_token(6)
                .to_lowercase()
                .replace(['-', '_'], "x")
        );
        let admin = pg_sh(&["start", &name], None);
        let cluster = Self {
            url: url_for_db(&admin, "rollbook"),
            name,
        };
        diesel::sql_query("CREATE DATABASE rollbook")
            .execute(&mut PgConnection::establish(&admin).unwrap())
            .unwrap();
        let mut conn = PgConnection::establish(&cluster.url).unwrap();
        rollbook::db::migrate(&mut conn).unwrap();
        let hash = rollbook::accounts::passwords::hash_now(PASSWORD).unwrap();
        rollbook::seed::seed_demo(&mut conn, &hash, start_time().date_naive(), false).unwrap();
        cluster
    }

    async fn stop(&self, mode: &'static str) {
        let name = self.name.clone();
        actix_web::web::block(move || pg_sh(&["stop", &name], Some(mode)))
            .await
            .unwrap();
    }

    /// Starts the cluster; returns once PostgreSQL accepts connections.
    async fn start(&self) -> Instant {
        let name = self.name.clone();
        actix_web::web::block(move || pg_sh(&["start", &name], None))
            .await
            .unwrap();
        Instant::now()
    }

    fn terminate_backends(&self) -> usize {
        let mut admin = PgConnection::establish(&url_for_db(&self.url, "postgres")).unwrap();
        diesel::sql_query(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity \
             WHERE datname = 'rollbook' AND pid <> pg_backend_pid()",
        )
        .execute(&mut admin)
        .unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        pg_sh(&["remove", &self.name], None);
    }
}

/// What the clients saw while the database came and went.
#[derive(Default)]
struct Seen {
    /// Status counts of every answer.
    statuses: HashMap<u16, usize>,
    /// Requests that had no answer within the client's patience.
    hung: usize,
    /// The last acknowledged mark of each student: (version, code id).
    acknowledged: HashMap<i64, (i32, String)>,
    readiness: Vec<u16>,
}

const CLIENT_PATIENCE: Duration = Duration::from_secs(15);

async fn patiently(
    request: impl std::future::Future<Output = TestResponse>,
) -> Option<TestResponse> {
    actix_web::rt::time::timeout(CLIENT_PATIENCE, request)
        .await
        .ok()
}

fn record(seen: &Rc<RefCell<Seen>>, answer: &Option<TestResponse>) {
    let mut seen = seen.borrow_mut();
    match answer {
        Some(r) => *seen.statuses.entry(r.status).or_default() += 1,
        None => seen.hung += 1,
    }
}

/// What the load runs with.
struct Load {
    teacher: Rc<Browser>,
    parent: Rc<Browser>,
    /// The register page, and its rows' students, P and A codes and form token.
    register: String,
    students: Vec<i64>,
    codes: [String; 2],
    token: String,
    seen: Rc<RefCell<Seen>>,
    stop: Rc<RefCell<bool>>,
}

/// Loops of signed-in reads and register taps until `stop` is set.
fn start_load(load: Load) -> Vec<actix_web::rt::task::JoinHandle<()>> {
    let Load {
        teacher,
        parent,
        register,
        students,
        codes,
        token,
        seen,
        stop,
    } = load;
    let mut tasks = Vec::new();
    for (browser, path) in [
        (Rc::clone(&teacher), register.clone()),
        (Rc::clone(&parent), "/parent".to_string()),
    ] {
        let (seen, stop) = (Rc::clone(&seen), Rc::clone(&stop));
        tasks.push(actix_web::rt::spawn(async move {
            while !*stop.borrow() {
                let r = patiently(browser.get(&path)).await;
                record(&seen, &r);
            }
        }));
    }
    let (seen_taps, stop_taps) = (Rc::clone(&seen), Rc::clone(&stop));
    tasks.push(actix_web::rt::spawn(async move {
        let mut versions: HashMap<i64, i32> = HashMap::new();
        let mut turn = 0usize;
        while !*stop_taps.borrow() {
            let student = students[turn % students.len()];
            let code = &codes[(turn / students.len()) % 2];
            turn += 1;
            let version = versions.get(&student).copied().unwrap_or(0);
            let (mark, version_field) = (format!("mark_{student}"), format!("version_{student}"));
            let v = version.to_string();
            let hx = [("HX-Request", "true"), ("X-CSRF-Token", token.as_str())];
            let url = format!("{register}/students/{student}");
            let r = patiently(teacher.post_form_with(
                &url,
                &[(mark.as_str(), code.as_str()), (version_field.as_str(), &v)],
                &hx,
            ))
            .await;
            record(&seen_taps, &r);
            let Some(r) = r else { continue };
            let row = TestResponse {
                status: r.status,
                headers: vec![],
                body: format!("<table><tbody>{}</tbody></table>", r.body),
            };
            let now = row
                .attr(&format!("input[name={version_field}]"), "value")
                .and_then(|v| v.parse::<i32>().ok());
            if let Some(now) = now {
                versions.insert(student, now);
                if r.status == 200 {
                    seen_taps
                        .borrow_mut()
                        .acknowledged
                        .insert(student, (now, code.clone()));
                }
            }
        }
    }));
    tasks
}

/// Polls until every page answers 200 to its browser; returns how long that took.
async fn until_pages_answer(pages: &[(&Browser, String)]) -> Duration {
    let since = Instant::now();
    loop {
        let mut all = true;
        for (browser, path) in pages {
            let r = patiently(browser.get(path)).await;
            all &= r.map(|r| r.status) == Some(200);
        }
        if all {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < Duration::from_secs(30),
            "pages never came back"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls `/health/ready` until it answers 503 (the outage is seen), recording what it said.
async fn until_not_ready(b: &Browser, seen: &Rc<RefCell<Seen>>) {
    let since = Instant::now();
    loop {
        let status = b.get("/health/ready").await.status;
        seen.borrow_mut().readiness.push(status);
        if status == 503 {
            return;
        }
        assert!(
            since.elapsed() < Duration::from_secs(15),
            "readiness never said 503"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn signed_in_pages_come_back_by_themselves_after_the_database_restarts_and_no_save_is_lost() {
    let cluster = Cluster::with_demo_district();
    let app = TestApp::spawn_on(cluster.url.clone(), |_| {});
    let teacher = Rc::new(app.signed_in(DEMO_TEACHER).await);
    let parent = Rc::new(app.signed_in(DEMO_PARENT).await);
    let probe = app.browser();
    let register = format!(
        "/teacher/classes/{}/attendance/{}",
        app.class_id("7A"),
        start_time().date_naive()
    );
    let page = teacher.get(&register).await;
    assert_eq!(page.status, 200);
    let students: Vec<i64> = page
        .html()
        .select(&scraper::Selector::parse("#register tbody tr").unwrap())
        .filter_map(|r| r.value().attr("id")?.strip_prefix("row-")?.parse().ok())
        .collect();
    assert!(students.len() > 10);
    let code = |key: &str| {
        page.attr(&format!("#register input[data-key='{key}']"), "value")
            .unwrap()
    };
    let codes = [code("P"), code("A")];
    let seen = Rc::new(RefCell::new(Seen::default()));
    let stop = Rc::new(RefCell::new(false));
    let tasks = start_load(Load {
        teacher: Rc::clone(&teacher),
        parent: Rc::clone(&parent),
        register: register.clone(),
        students,
        codes,
        token: page.csrf_token(),
        seen: Rc::clone(&seen),
        stop: Rc::clone(&stop),
    });
    let pages = [
        (&*teacher, register.clone()),
        (&*teacher, "/teacher/dashboard".to_string()),
        (&*parent, "/parent".to_string()),
    ];
    assert_eq!(probe.get("/health/ready").await.status, 200);

    // A fast restart, then an immediate one (backends killed without a goodbye), then a stop
    // that lasts three seconds.
    for (mode, outage) in [
        ("fast", Duration::ZERO),
        ("immediate", Duration::ZERO),
        ("fast", Duration::from_secs(3)),
    ] {
        cluster.stop(mode).await;
        until_not_ready(&probe, &seen).await;
        actix_web::rt::time::sleep(outage).await;
        let accepting = cluster.start().await;
        let back = until_pages_answer(&pages).await;
        let since_accepting = accepting.elapsed();
        assert!(
            since_accepting < Duration::from_secs(5),
            "after a {mode} stop of {outage:?}, pages answered {back:?} after PostgreSQL accepted \
             connections ({since_accepting:?})"
        );
        assert_eq!(probe.get("/health/ready").await.status, 200, "ready again");
    }

    // Every connection of the database's cut under the app.
    assert!(cluster.terminate_backends() > 0);
    let back = until_pages_answer(&pages).await;
    assert!(
        back < Duration::from_secs(5),
        "after terminated backends: {back:?}"
    );
    assert_eq!(probe.get("/health/ready").await.status, 200);

    *stop.borrow_mut() = true;
    for task in tasks {
        task.await.unwrap();
    }
    let seen = seen.borrow();
    assert_eq!(
        seen.hung, 0,
        "no request went unanswered: {:?}",
        seen.statuses
    );
    assert!(
        seen.statuses.keys().all(|s| [200, 409, 503].contains(s)),
        "only pages, conflicts and 'unavailable': {:?}",
        seen.statuses
    );
    assert!(
        seen.statuses.get(&503).copied().unwrap_or(0) > 0,
        "the outages were met"
    );
    assert!(seen.readiness.contains(&503));
    // Every acknowledged tap is in the register (or a later save of the same student is).
    assert!(!seen.acknowledged.is_empty());
    let mut conn = PgConnection::establish(&cluster.url).unwrap();
    for (student, (version, code)) in &seen.acknowledged {
        let (stored_version, stored_code): (i32, i64) = attendance::table
            .filter(attendance::student_id.eq(student))
            .filter(attendance::date.eq(start_time().date_naive()))
            .select((attendance::version, attendance::code_id))
            .first(&mut conn)
            .unwrap_or_else(|e| panic!("student {student}'s acknowledged mark v{version}: {e}"));
        assert!(
            stored_version >= *version,
            "student {student}: a saved mark went back"
        );
        if stored_version == *version {
            assert_eq!(stored_code.to_string(), *code, "student {student}");
        }
    }
    drop(app);
}

/// The real server, run as its own process on a clone of the demo database.
struct Server {
    child: std::process::Child,
    address: String,
    db_name: String,
    db_url: String,
}

impl Server {
    fn start() -> Self {
        let (db_name, db_url) = cloned_database();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let address = format!("http://127.0.0.1:{port}");
        let data_dir = std::env::temp_dir().join(&db_name);
        let child = Command::new(env!("CARGO_BIN_EXE_rollbook"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &db_url)
            .env("ROLLBOOK_BIND", format!("127.0.0.1:{port}"))
            .env("ROLLBOOK_PUBLIC_URL", &address)
            .env("ROLLBOOK_DATA_DIR", &data_dir)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Self {
            child,
            address,
            db_name,
            db_url,
        }
    }

    /// Emails of `kind` sent so far.
    fn sent(&self) -> i64 {
        use rollbook::schema::outbox_emails;
        outbox_emails::table
            .filter(outbox_emails::status.eq("sent"))
            .count()
            .get_result(&mut PgConnection::establish(&self.db_url).unwrap())
            .unwrap()
    }

    async fn until_sent(&self, count: i64) {
        let since = Instant::now();
        while self.sent() < count {
            assert!(
                since.elapsed() < Duration::from_secs(20),
                "the mail worker did not send email {count}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Asks for a password reset, which queues an email and wakes the mail worker.
    async fn ask_for_reset(&self, email: &str) {
        let b = Browser::new(&self.address);
        let r = b
            .submit("/password-reset", "/password-reset", &[("email", email)])
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        drop_database(&self.db_name);
    }
}

#[actix_web::test]
async fn background_work_resumes_after_its_connection_is_cut_and_sigterm_still_stops_the_server() {
    let mut server = Server::start();
    let b = Browser::new(&server.address);
    let since = Instant::now();
    loop {
        let listening = std::net::TcpStream::connect(server.address.trim_start_matches("http://"));
        if listening.is_ok() && b.get("/health/ready").await.status == 200 {
            break;
        }
        assert!(
            since.elapsed() < Duration::from_secs(20),
            "the server never became ready"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    server.ask_for_reset(DEMO_TEACHER).await;
    server.until_sent(1).await;

    // The mail worker's pooled connection is cut while it waits for its next round (each
    // backend has ended when the call returns: a request racing a backend still closing would
    // get its one 503, which the page test covers).
    let mut admin = PgConnection::establish(&url_for_db(&server.db_url, "postgres")).unwrap();
    let cut = diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '{}'",
        server.db_name
    ))
    .execute(&mut admin)
    .unwrap();
    assert!(cut > 0, "the server's connections were cut");
    server.ask_for_reset(DEMO_PARENT).await;
    server.until_sent(2).await;

    // SIGTERM: the server stops within its grace.
    let pid = server.child.id() as libc::pid_t;
    // SAFETY: sends a signal to the child this test started and still owns.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let grace = Duration::from_secs(rollbook::app::SHUTDOWN_GRACE_SECS + 5);
    let since = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(since.elapsed() < grace, "SIGTERM did not stop the server");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success() || status.code().is_some(), "{status:?}");
}
