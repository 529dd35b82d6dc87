//! The front door: throttling, the hashing cap, unlocks, headers, limits, readiness and the
//! sessions page.

use chrono::Duration;
use diesel::prelude::*;
use rollbook::schema::{audit_log, login_events, sessions, users};

use crate::helpers::*;

const WRONG: &str = "definitely not the password";

#[actix_web::test]
async fn failed_sign_ins_to_one_account_must_wait_longer_and_longer() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    for _ in 0..5 {
        assert_eq!(b.sign_in(DEMO_TEACHER, WRONG).await.status, 422);
    }
    // The sixth try comes too soon: refused without hashing anything.
    let hashed = app.areas.passwords.verifications();
    let r = b.sign_in(DEMO_TEACHER, PASSWORD).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("15"));
    assert!(r.text("#login-error").contains("Try again in 15 seconds"));
    assert_eq!(app.areas.passwords.verifications(), hashed);

    app.clock.advance(Duration::seconds(16));
    assert_eq!(b.sign_in(DEMO_TEACHER, WRONG).await.status, 422);
    let r = b.sign_in(DEMO_TEACHER, WRONG).await;
    assert_eq!(r.header("retry-after"), Some("30"), "the wait doubles");

    app.clock.advance(Duration::seconds(31));
    assert_eq!(
        b.sign_in(DEMO_TEACHER, PASSWORD).await.status,
        303,
        "the right password still works once the wait is over"
    );
    let outcomes: Vec<String> = login_events::table
        .filter(login_events::email.eq(DEMO_TEACHER))
        .order(login_events::id)
        .select(login_events::outcome)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(outcomes.iter().filter(|o| *o == "throttled").count(), 2);
    assert_eq!(outcomes.last().map(String::as_str), Some("success"));
}

#[actix_web::test]
async fn unknown_emails_are_throttled_exactly_like_real_ones() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    for _ in 0..5 {
        b.sign_in("ghost@rollbook.test", WRONG).await;
        b.sign_in(DEMO_PARENT, WRONG).await;
    }
    let ghost = b.sign_in("ghost@rollbook.test", WRONG).await;
    let real = b.sign_in(DEMO_PARENT, WRONG).await;
    assert_eq!(
        (ghost.status, ghost.header("retry-after")),
        (real.status, real.header("retry-after"))
    );
    assert_eq!(ghost.text("#login-error"), real.text("#login-error"));
}

#[actix_web::test]
async fn one_pupil_guessing_does_not_lock_out_the_school_behind_the_same_address() {
    let app = TestApp::spawn().await;
    let pupil = app.browser();
    for _ in 0..5 {
        pupil.sign_in(DEMO_TEACHER, WRONG).await;
    }
    assert_eq!(pupil.sign_in(DEMO_TEACHER, WRONG).await.status, 429);
    // Same address (127.0.0.1), other accounts: fine.
    assert_eq!(
        app.browser().sign_in(DEMO_PRINCIPAL, PASSWORD).await.status,
        303
    );
    assert_eq!(
        app.browser().sign_in(DEMO_PARENT, PASSWORD).await.status,
        303
    );
}

fn seed_failures_from(app: &TestApp, ip: &str, n: usize) {
    let at = app.clock.now() - Duration::minutes(5);
    let rows: Vec<_> = (0..n)
        .map(|i| {
            (
                login_events::at.eq(at),
                login_events::email.eq(format!("guess{i}@rollbook.test")),
                login_events::ip.eq(ip),
                login_events::outcome.eq("bad_credentials"),
            )
        })
        .collect();
    diesel::insert_into(login_events::table)
        .values(&rows)
        .execute(&mut app.conn())
        .unwrap();
}

#[actix_web::test]
async fn an_address_with_a_hundred_recent_failures_must_wait() {
    let app = TestApp::spawn().await;
    seed_failures_from(&app, "127.0.0.1", 100);
    let r = app.browser().sign_in(DEMO_TEACHER, PASSWORD).await;
    assert_eq!(r.status, 429);
    assert_eq!(
        r.header("retry-after"),
        Some("600"),
        "until the oldest failure leaves the 15-minute window"
    );
    assert!(r.text("#login-error").contains("from your network"));
    app.clock.advance(Duration::minutes(11));
    assert_eq!(
        app.browser().sign_in(DEMO_TEACHER, PASSWORD).await.status,
        303
    );
}

#[actix_web::test]
async fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
    let untrusted = TestApp::spawn().await;
    seed_failures_from(&untrusted, "203.0.113.9", 100);
    let b = untrusted.browser();
    let token = b.get("/login").await.csrf_token();
    let r = b
        .post_form_with(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", DEMO_TEACHER),
                ("password", PASSWORD),
            ],
            &[("X-Forwarded-For", "203.0.113.9")],
        )
        .await;
    assert_eq!(r.status, 303, "a client cannot pick its own address");

    let proxied =
        TestApp::spawn_with(|s| s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    seed_failures_from(&proxied, "203.0.113.9", 100);
    let b = proxied.browser();
    let token = b.get("/login").await.csrf_token();
    let r = b
        .post_form_with(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", DEMO_TEACHER),
                ("password", PASSWORD),
            ],
            &[("X-Forwarded-For", "198.51.100.1, 203.0.113.9")],
        )
        .await;
    assert_eq!(
        r.status, 429,
        "the proxy's word is taken for the client's address"
    );
    let ok = proxied.browser();
    let token = ok.get("/login").await.csrf_token();
    let r = ok
        .post_form_with(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", DEMO_TEACHER),
                ("password", PASSWORD),
            ],
            &[("X-Forwarded-For", "198.51.100.7")],
        )
        .await;
    assert_eq!(r.status, 303);
    let ip: Option<String> = login_events::table
        .order(login_events::id.desc())
        .select(login_events::ip)
        .first(&mut proxied.conn())
        .unwrap();
    assert_eq!(ip.as_deref(), Some("198.51.100.7"));
}

#[actix_web::test]
async fn ten_failures_lock_the_account_until_an_admin_unlocks_it() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    for failures in 1..=10 {
        let r = b.sign_in(DEMO_TEACHER, WRONG).await;
        assert_eq!(r.status, 422, "failure {failures} is a real try");
        // Wait out exactly the delay owed, as a patient guesser would.
        if failures < 10 {
            if let Some(delay) = rollbook::domain::throttle::account_delay(failures) {
                app.clock.advance(delay);
            }
        }
    }
    let locked_until: Option<chrono::DateTime<chrono::Utc>> = users::table
        .filter(users::email.eq(DEMO_TEACHER))
        .select(users::locked_until)
        .first(&mut app.conn())
        .unwrap();
    assert!(
        locked_until.is_some(),
        "the tenth failure locks the account"
    );
    let r = b.sign_in(DEMO_TEACHER, PASSWORD).await;
    assert_eq!(r.status, 429);
    assert!(r.text("#login-error").contains("locked"));

    // The principal of the teacher's school sees it; another school's principal does not.
    let other = app.signed_in("principal2@rollbook.test").await;
    assert_eq!(
        other
            .get("/admin/users/locked")
            .await
            .count("#locked-accounts tbody tr"),
        0
    );
    let teacher_id = app.user_id(DEMO_TEACHER);
    let r = other
        .submit(
            "/admin/users/locked",
            &format!("/admin/users/{teacher_id}/unlock"),
            &[],
        )
        .await;
    assert_eq!(r.status, 404);

    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let list = principal.get("/admin/users/locked").await;
    assert_eq!(
        list.texts("#locked-accounts tbody td:nth-of-type(1)"),
        vec![DEMO_TEACHER]
    );
    let r = principal
        .submit(
            "/admin/users/locked",
            &format!("/admin/users/{teacher_id}/unlock"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        principal
            .get("/admin/users/locked")
            .await
            .count("#no-locked-accounts"),
        1
    );
    assert_eq!(
        app.browser().sign_in(DEMO_TEACHER, PASSWORD).await.status,
        303
    );

    let (action, actor): (String, Option<i64>) = audit_log::table
        .filter(audit_log::entity_id.eq(teacher_id))
        .select((audit_log::action, audit_log::actor_id))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        (action.as_str(), actor),
        ("unlock", Some(app.user_id(DEMO_PRINCIPAL)))
    );
}

#[actix_web::test]
async fn teachers_and_parents_cannot_unlock_accounts() {
    let app = TestApp::spawn().await;
    let b = app.signed_in(DEMO_TEACHER).await;
    let token = b.get("/teacher").await.csrf_token();
    let r = b
        .post_form("/admin/users/1/unlock", &[("csrf_token", &token)])
        .await;
    assert_eq!(r.status, 403);
}

#[actix_web::test]
async fn a_burst_of_sign_ins_beyond_the_hashing_slots_gets_fast_429s() {
    let app = TestApp::spawn().await;
    let browsers: Vec<Browser> = (0..16).map(|_| app.browser()).collect();
    let mut tokens = Vec::new();
    for b in &browsers {
        tokens.push(b.get("/login").await.csrf_token());
    }
    let hashed_before = app.areas.passwords.verifications();
    let forms: Vec<[(&str, &str); 3]> = tokens
        .iter()
        .map(|t| {
            [
                ("csrf_token", t.as_str()),
                ("email", DEMO_PARENT),
                ("password", PASSWORD),
            ]
        })
        .collect();
    let attempts = browsers
        .iter()
        .zip(&forms)
        .map(|(b, form)| b.post_form("/login", form));
    let answers = futures_util::future::join_all(attempts).await;
    let busy: Vec<_> = answers.iter().filter(|r| r.status == 429).collect();
    let signed_in = answers.iter().filter(|r| r.status == 303).count();
    assert_eq!(busy.len() + signed_in, answers.len());
    assert!(
        !busy.is_empty(),
        "more sign-ins than cores at once: some are refused"
    );
    assert!(signed_in >= 1);
    for r in &busy {
        assert_eq!(r.header("retry-after"), Some("1"));
        assert!(r.text("#login-error").contains("busy"));
    }
    // Refused attempts never hashed: nothing queued behind the slots.
    assert_eq!(
        app.areas.passwords.verifications() - hashed_before,
        signed_in as u64
    );
    // Every refused attempt is recorded too, by the batched writer (run here by hand).
    let mut conn = app.conn();
    let before: i64 = login_events::table
        .filter(login_events::outcome.eq("busy"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    rollbook::accounts::busy::flush(&mut conn, &app.areas.busy_log).unwrap();
    let after: i64 = login_events::table
        .filter(login_events::outcome.eq("busy"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(
        after,
        busy.len() as i64,
        "{before} recorded before the writer ran"
    );
}

#[actix_web::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let signed_in = app.signed_in(DEMO_TEACHER).await;
    let pages = [
        app.browser().get("/login").await,
        app.browser().get("/health").await,
        app.browser().get("/no/such/page").await,
        signed_in.get("/teacher").await,
        signed_in.get("/admin").await,
    ];
    for r in &pages {
        let csp = r.header("content-security-policy").unwrap();
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("script-src 'self'"));
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert_eq!(r.header("referrer-policy"), Some("same-origin"));
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert!(r.header("x-request-id").is_some_and(|id| id.len() >= 8));
    }
    let css = app.browser().get("/static/css/rollbook.css").await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("x-content-type-options"), Some("nosniff"));
    // No inline script or style anywhere in the pages.
    for r in &pages[..1] {
        assert_eq!(r.count("script:not([src])"), 0);
        assert_eq!(r.count("style, [style]"), 0);
    }
}

#[actix_web::test]
async fn oversized_request_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let b = app.signed_in(DEMO_TEACHER).await;
    let token = b.get("/account").await.csrf_token();
    let huge = "x".repeat(400 * 1024);
    let r = b
        .post_form(
            "/account/password",
            &[("csrf_token", &token), ("current_password", &huge)],
        )
        .await;
    assert_eq!(r.status, 413);
    let r = b
        .post_form_with(
            "/account/password",
            &[("current_password", &huge)],
            &[("X-CSRF-Token", &token)],
        )
        .await;
    assert_eq!(r.status, 413);
}

#[actix_web::test]
async fn readiness_fails_while_the_database_refuses_connections_and_recovers() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    assert_eq!(b.get("/health/ready").await.status, 200);
    let admin_url = url_for_db(&app.db_url, "postgres");
    let mut admin = PgConnection::establish(&admin_url).unwrap();
    diesel::sql_query(format!(
        "ALTER DATABASE {} ALLOW_CONNECTIONS false",
        app.db_name
    ))
    .execute(&mut admin)
    .unwrap();
    diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}'",
        app.db_name
    ))
    .execute(&mut admin)
    .unwrap();
    let down = b.get("/health/ready").await;
    assert_eq!(down.status, 503);
    assert_eq!(
        b.get("/health").await.status,
        200,
        "the process itself is up"
    );
    diesel::sql_query(format!(
        "ALTER DATABASE {} ALLOW_CONNECTIONS true",
        app.db_name
    ))
    .execute(&mut admin)
    .unwrap();
    // The pool reconnects by itself: no restart.
    let mut status = 0;
    for _ in 0..3 {
        status = b.get("/health/ready").await.status;
        if status == 200 {
            break;
        }
    }
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn the_sessions_page_lists_devices_and_signs_others_out() {
    let app = TestApp::spawn().await;
    let here = app.signed_in(DEMO_TEACHER).await;
    let phone = app.browser();
    let token = phone.get("/login").await.csrf_token();
    phone
        .post_form_with(
            "/login",
            &[("csrf_token", &token), ("email", DEMO_TEACHER), ("password", PASSWORD)],
            &[("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1")],
        )
        .await;
    let laptop = app.signed_in(DEMO_TEACHER).await;
    let someone_else = app.signed_in(DEMO_PARENT).await;

    let page = here.get("/account/sessions").await;
    assert_eq!(page.count("#sessions li"), 3, "only this user's sessions");
    assert!(page
        .text("#sessions li:first-child h2")
        .contains("This device"));
    assert!(page
        .texts("#sessions h2")
        .iter()
        .any(|t| t == "Safari on iPhone"));

    // Signing out the phone only.
    let phone_id: String = sessions::table
        .filter(sessions::user_agent.like("%iPhone%"))
        .select(sessions::public_id)
        .first(&mut app.conn())
        .unwrap();
    let r = here
        .submit(
            "/account/sessions",
            &format!("/account/sessions/{phone_id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(phone.get("/teacher").await.status, 303);
    assert_eq!(laptop.get("/teacher").await.status, 200);

    // Another user's session cannot be revoked from here.
    let parent_id: String = sessions::table
        .filter(sessions::user_id.eq(app.user_id(DEMO_PARENT)))
        .select(sessions::public_id)
        .first(&mut app.conn())
        .unwrap();
    let r = here
        .submit(
            "/account/sessions",
            &format!("/account/sessions/{parent_id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(someone_else.get("/parent").await.status, 200);

    let r = here
        .submit("/account/sessions", "/account/sessions/revoke-others", &[])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(laptop.get("/teacher").await.status, 303);
    assert_eq!(here.get("/teacher").await.status, 200);
    assert_eq!(here.get("/account/sessions").await.count("#sessions li"), 1);
}
