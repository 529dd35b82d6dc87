//! The `rollbook` binary's subcommands against a real database.

use std::io::Write;
use std::process::{Command, Stdio};

use chrono::Datelike;
use diesel::prelude::*;
use rollbook::schema::users;

use crate::helpers::*;

/// An empty database (no migrations), dropped at the end.
struct EmptyDb {
    name: String,
    url: String,
    admin: String,
}

impl EmptyDb {
    fn new() -> Self {
        let admin = std::env::var("ROLLBOOK_TEST_DATABASE_URL")
            .or_else(|_| std::env::var("DATABASE_URL"))
            .unwrap();
        let name = format!(
            "rb_cli_{}",
            rollbook::web::random_token(9)
                .to_lowercase()
                .replace('-', "_")
        );
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut PgConnection::establish(&admin).unwrap())
            .unwrap();
        Self {
            url: url_for_db(&admin, &name),
            name,
            admin,
        }
    }

    fn rollbook(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rollbook"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.url)
            .env("ROLLBOOK_DATA_DIR", std::env::temp_dir().join(&self.name))
            .env("RUST_LOG", "warn");
        cmd
    }
}

impl Drop for EmptyDb {
    fn drop(&mut self) {
        if let Ok(mut c) = PgConnection::establish(&self.admin) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut c);
        }
        let _ = std::fs::remove_dir_all(std::env::temp_dir().join(&self.name));
    }
}

#[test]
fn migrate_then_seed_demo_twice_creates_the_district_once() {
    let db = EmptyDb::new();
    let out = db.rollbook(&["migrate"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = db.rollbook(&["seed-demo"]).output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let stdout = String::from_utf8_lossy(&first.stdout);
    for email in [DEMO_ADMIN, DEMO_PRINCIPAL, DEMO_TEACHER, DEMO_PARENT] {
        assert!(stdout.contains(email), "sign-ins are printed: {stdout}");
    }
    let mut conn = PgConnection::establish(&db.url).unwrap();
    let marks: i64 = rollbook::schema::attendance::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    // Weeks of register history, unless the school year has only just begun (or it is August).
    let today = chrono::Utc::now().date_naive();
    let term_just_started = today.month() == 8 || (today.month() == 9 && today.day() <= 7);
    assert!(marks > 0 || term_just_started, "register history: {marks}");
    assert!(
        marks > 1000 || chrono::Utc::now().date_naive().month() == 8,
        "weeks of register history: {marks}"
    );
    // A term of gradebooks: published and unpublished work, marks, struggling students, and
    // behaviour (one student per class with three negative records this month).
    if !term_just_started {
        #[derive(diesel::QueryableByName, Debug)]
        struct Book {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            published: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            unpublished: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            scores: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            struggling: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            troubled: i64,
        }
        let book: Book = diesel::sql_query(
            "SELECT (SELECT count(*) FROM assessments WHERE published) AS published,
                    (SELECT count(*) FROM assessments WHERE NOT published) AS unpublished,
                    (SELECT count(*) FROM scores) AS scores,
                    (SELECT count(*) FROM (SELECT s.student_id FROM scores s JOIN assessments a ON a.id = s.assessment_id
                                            WHERE s.status = 'score' GROUP BY s.student_id
                                           HAVING avg(s.score / a.max_score) < 0.6) x) AS struggling,
                    (SELECT count(*) FROM (SELECT student_id FROM behaviour_records
                                            WHERE kind = 'negative' AND date > current_date - 30
                                            GROUP BY student_id HAVING count(*) >= 3) y) AS troubled",
        )
        .get_result(&mut conn)
        .unwrap();
        assert!(book.published > 0 && book.unpublished > 0, "{book:?}");
        assert!(book.scores > 1000, "{book:?}");
        assert!(
            book.struggling >= 2,
            "a few students clearly struggling: {book:?}"
        );
        assert!(book.troubled >= 1, "{book:?}");
    }
    let count = |conn: &mut PgConnection| -> i64 { users::table.count().get_result(conn).unwrap() };
    let after_first = count(&mut conn);
    let second = db.rollbook(&["seed-demo"]).output().unwrap();
    assert!(second.status.success());
    assert!(String::from_utf8_lossy(&second.stdout).contains("already there"));
    assert_eq!(count(&mut conn), after_first);
}

#[test]
fn seed_demo_is_refused_in_production() {
    let db = EmptyDb::new();
    let out = db
        .rollbook(&["seed-demo"])
        .env("ROLLBOOK_ENV", "production")
        .env("ROLLBOOK_SESSION_KEY", "a".repeat(100))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("production"));
}

#[test]
fn production_refuses_to_start_without_a_session_key() {
    let db = EmptyDb::new();
    let out = db
        .rollbook(&["migrate"])
        .env("ROLLBOOK_ENV", "production")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ROLLBOOK_SESSION_KEY"));
}

#[test]
fn create_admin_reads_the_password_from_stdin_never_a_flag() {
    let db = EmptyDb::new();
    let refused = db
        .rollbook(&[
            "create-admin",
            "--email",
            "head@school.example",
            "--password",
            "x",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());

    let weak = run_with_stdin(
        db.rollbook(&["create-admin", "--email", "head@school.example"]),
        "password123\n",
    );
    assert!(!weak.status.success(), "the policy applies");

    let ok = run_with_stdin(
        db.rollbook(&[
            "create-admin",
            "--email",
            "Head@School.example",
            "--name",
            "Ms Head",
        ]),
        "granite kettle sunrise\n",
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let (role, hash): (String, Option<String>) = users::table
        .filter(users::email.eq("head@school.example"))
        .select((users::role, users::password_hash))
        .first(&mut PgConnection::establish(&db.url).unwrap())
        .unwrap();
    assert_eq!(role, "admin");
    assert!(hash.unwrap().starts_with("$argon2id$"));

    let again = run_with_stdin(
        db.rollbook(&["create-admin", "--email", "head@school.example"]),
        "granite kettle sunrise\n",
    );
    assert!(!again.status.success(), "no duplicate accounts");
}

fn run_with_stdin(mut cmd: Command, input: &str) -> std::process::Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}
