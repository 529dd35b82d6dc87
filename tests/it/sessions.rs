//! Server-side sessions: revocation, renewal, expiry and cookie flags.

use chrono::Duration;
use diesel::prelude::*;
use rollbook::app::SESSION_COOKIE;
use rollbook::schema::{sessions, users};

use crate::helpers::*;

#[actix_web::test]
async fn an_old_cookie_replayed_after_sign_out_does_not_work() {
    let app = TestApp::spawn().await;
    let b = app.signed_in(DEMO_TEACHER).await;
    let stolen = b.cookie(SESSION_COOKIE).unwrap();
    let r = b.sign_out().await;
    assert_eq!(r.location(), Some("/login?signed_out=1"));
    assert!(b.cookie(SESSION_COOKIE).is_none(), "the cookie is removed");
    let count: i64 = sessions::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(count, 0, "the session row is gone");

    let thief = app.browser();
    thief.set_cookie(SESSION_COOKIE, &stolen);
    let r = thief.get("/teacher").await;
    assert_eq!(r.status, 303);
    assert!(r.location().unwrap().starts_with("/login"));
}

#[actix_web::test]
async fn a_stolen_cookie_stops_working_once_the_owner_changes_the_password() {
    let app = TestApp::spawn().await;
    let owner = app.signed_in(DEMO_PARENT).await;
    let victim_device = app.signed_in(DEMO_PARENT).await;
    let stolen = victim_device.cookie(SESSION_COOKIE).unwrap();
    let thief = app.browser();
    thief.set_cookie(SESSION_COOKIE, &stolen);
    assert_eq!(thief.get("/parent").await.status, 200);

    let new = "violet harbour tram seven";
    let r = owner
        .submit(
            "/account",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(thief.get("/parent").await.status, 303);
    assert_eq!(owner.get("/parent").await.status, 200);
}

#[actix_web::test]
async fn sessions_signed_in_before_a_credential_change_are_dead_even_if_their_row_survives() {
    let app = TestApp::spawn().await;
    let b = app.signed_in(DEMO_TEACHER).await;
    diesel::update(users::table.filter(users::email.eq(DEMO_TEACHER)))
        .set(users::auth_version.eq(users::auth_version + 1))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(b.get("/teacher").await.status, 303);
}

#[actix_web::test]
async fn signing_in_renews_the_session_id() {
    let app = TestApp::spawn().await;
    // A session id planted in the browser before sign-in (fixation) must not survive it.
    let b = app.signed_in(DEMO_TEACHER).await;
    let first = b.cookie(SESSION_COOKIE).unwrap();
    let token = b.get("/teacher").await.csrf_token();
    let r = b
        .post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", DEMO_TEACHER),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let second = b.cookie(SESSION_COOKIE).unwrap();
    assert_ne!(first, second);
    let replay = app.browser();
    replay.set_cookie(SESSION_COOKIE, &first);
    assert_eq!(
        replay.get("/teacher").await.status,
        303,
        "the pre-sign-in id is dead"
    );
    assert_eq!(b.get("/teacher").await.status, 200);
}

#[actix_web::test]
async fn a_session_ends_after_thirty_idle_minutes() {
    let app = TestApp::spawn().await;
    let b = app.signed_in(DEMO_TEACHER).await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        b.get("/teacher").await.status,
        200,
        "29 idle minutes are fine"
    );
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        b.get("/teacher").await.status,
        200,
        "the last request reset the idle time"
    );
    app.clock.advance(Duration::minutes(31));
    let r = b.get("/teacher").await;
    assert_eq!(r.status, 303);
    assert!(r.location().unwrap().starts_with("/login"));
}

#[actix_web::test]
async fn a_busy_session_still_ends_twelve_hours_after_sign_in() {
    let app = TestApp::spawn().await;
    let b = app.signed_in(DEMO_TEACHER).await;
    for _ in 0..28 {
        app.clock.advance(Duration::minutes(25));
        assert_eq!(b.get("/teacher").await.status, 200);
    }
    // 28 × 25 min = 11 h 40 min so far; one more step passes 12 hours.
    app.clock.advance(Duration::minutes(25));
    assert_eq!(b.get("/teacher").await.status, 303);
}

#[actix_web::test]
async fn deactivating_a_user_ends_their_sessions_at_once() {
    let app = TestApp::spawn().await;
    let b = app.signed_in(DEMO_TEACHER).await;
    diesel::update(users::table.filter(users::email.eq(DEMO_TEACHER)))
        .set(users::active.eq(false))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(b.get("/teacher").await.status, 303);
}

#[actix_web::test]
async fn session_cookies_are_http_only_and_lax() {
    let app = TestApp::spawn().await;
    let r = app.browser().sign_in(DEMO_TEACHER, PASSWORD).await;
    let cookie = r.set_cookie(SESSION_COOKIE).unwrap().to_ascii_lowercase();
    assert!(cookie.contains("httponly"), "{cookie}");
    assert!(cookie.contains("samesite=lax"), "{cookie}");
    assert!(
        !cookie.contains("secure"),
        "plain HTTP outside production: {cookie}"
    );
    assert!(
        !cookie.contains("max-age"),
        "a browser-session cookie: {cookie}"
    );
}

#[actix_web::test]
async fn session_cookies_are_secure_in_production() {
    let app = TestApp::spawn_with(production).await;
    let r = app.browser().sign_in(DEMO_TEACHER, PASSWORD).await;
    let cookie = r.set_cookie(SESSION_COOKIE).unwrap().to_ascii_lowercase();
    assert!(cookie.contains("; secure"), "{cookie}");
}

#[actix_web::test]
async fn the_sessions_table_never_holds_the_cookie_key() {
    let app = TestApp::spawn().await;
    let b = app.signed_in(DEMO_TEACHER).await;
    let (id, user_id, ip): (String, Option<i64>, Option<String>) = sessions::table
        .select((sessions::id, sessions::user_id, sessions::ip))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(user_id, Some(app.user_id(DEMO_TEACHER)));
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(id.len(), 64, "a SHA-256 in hex");
    assert!(!b.cookie(SESSION_COOKIE).unwrap().contains(&id));
}

#[actix_web::test]
async fn reading_pages_does_not_rewrite_the_session() {
    let app = TestApp::spawn().await;
    let b = app.signed_in(DEMO_TEACHER).await;
    let cookie = b.cookie(SESSION_COOKIE).unwrap();
    let before: serde_json::Value = sessions::table
        .select(sessions::state)
        .first(&mut app.conn())
        .unwrap();
    let r = b.get("/teacher").await;
    assert_eq!(r.status, 200);
    assert!(
        r.set_cookie(SESSION_COOKIE).is_none(),
        "no new cookie for a plain page view"
    );
    assert_eq!(b.cookie(SESSION_COOKIE).unwrap(), cookie);
    let after: serde_json::Value = sessions::table
        .select(sessions::state)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(before, after);
}

/// Signs `email` in and reads `page` until the server keeps a copy of the session (a read
/// during which the pool opened a connection keeps none: the new connection may have missed an
/// announcement), so that the next read can be answered from it.
async fn signed_in_and_cached(app: &TestApp, email: &str, page: &str) -> Browser {
    let b = app.signed_in(email).await;
    assert_eq!(app.state.sessions.copies(), 0, "a sign-in keeps no copy");
    for _ in 0..5 {
        assert_eq!(b.get(page).await.status, 200);
        if app.state.sessions.copies() == 1 {
            return b;
        }
    }
    panic!("the server kept no copy of the session");
}

#[actix_web::test]
async fn a_session_read_from_memory_still_ends_at_once_when_the_database_says_so() {
    let app = TestApp::spawn().await;
    let b = signed_in_and_cached(&app, DEMO_TEACHER, "/teacher").await;
    // Another server (here: another connection) deactivates the teacher.
    diesel::update(users::table.filter(users::email.eq(DEMO_TEACHER)))
        .set(users::active.eq(false))
        .execute(&mut app.conn())
        .unwrap();
    let r = b.get("/teacher").await;
    assert_eq!(r.status, 303, "the page is not shown: {}", r.body);
    assert!(!r.body.contains("My classes"), "{}", r.body);
    let r = b.get("/teacher").await;
    assert_eq!(r.status, 303);
    assert!(
        r.location().unwrap().starts_with("/login"),
        "{:?}",
        r.location()
    );
    assert_eq!(app.state.sessions.copies(), 0);
}

#[actix_web::test]
async fn a_session_read_from_memory_shows_a_changed_name_on_the_next_page() {
    let app = TestApp::spawn().await;
    let b = signed_in_and_cached(&app, DEMO_TEACHER, "/teacher").await;
    assert!(!b
        .get("/teacher")
        .await
        .text(".who-name")
        .starts_with("Renamed"));
    diesel::update(users::table.filter(users::email.eq(DEMO_TEACHER)))
        .set(users::display_name.eq("Renamed Elsewhere"))
        .execute(&mut app.conn())
        .unwrap();
    // The first page after the change either shows it or sends the browser to ask again.
    let r = b.get("/teacher").await;
    if r.status == 303 {
        assert_eq!(r.location(), Some("/teacher"));
        let r = b.get("/teacher").await;
        assert_eq!(r.status, 200);
        assert!(
            r.text(".who-name").starts_with("Renamed Elsewhere"),
            "{}",
            r.body
        );
    } else {
        assert_eq!(r.status, 200);
        assert!(
            r.text(".who-name").starts_with("Renamed Elsewhere"),
            "{}",
            r.body
        );
    }
}

#[actix_web::test]
async fn a_change_sent_with_a_remembered_session_is_checked_against_the_database() {
    let app = TestApp::spawn().await;
    let b = signed_in_and_cached(&app, DEMO_PARENT, "/account").await;
    let token = b.get("/account").await.csrf_token();
    let hash_of = || -> Option<String> {
        users::table
            .filter(users::email.eq(DEMO_PARENT))
            .select(users::password_hash)
            .first(&mut app.conn())
            .unwrap()
    };
    let before = hash_of();
    diesel::update(users::table.filter(users::email.eq(DEMO_PARENT)))
        .set(users::auth_version.eq(users::auth_version + 1))
        .execute(&mut app.conn())
        .unwrap();
    let new = "violet harbour tram seven";
    let r = b
        .post_form(
            "/account/password",
            &[
                ("csrf_token", token.as_str()),
                ("current_password", PASSWORD),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_ne!(r.status, 200);
    assert!(
        r.status == 303 || r.status == 403,
        "{} {}",
        r.status,
        r.body
    );
    assert_eq!(hash_of(), before, "nothing was changed");
}
