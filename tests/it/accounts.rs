//! Sign-in, sign-out, CSRF and password changes.

use diesel::prelude::*;
use rollbook::schema::{login_events, users};

use crate::helpers::*;

#[actix_web::test]
async fn signing_in_sends_each_role_to_its_home() {
    let app = TestApp::spawn().await;
    for (email, home) in [
        (DEMO_ADMIN, "/dashboard"),
        (DEMO_PRINCIPAL, "/dashboard"),
        (DEMO_TEACHER, "/teacher"),
        (DEMO_PARENT, "/parent"),
    ] {
        let b = app.browser();
        let r = b.sign_in(email, PASSWORD).await;
        assert_eq!(r.status, 303, "{email}");
        assert_eq!(r.location(), Some(home), "{email}");
        assert_eq!(b.get("/").await.location(), Some(home));
    }
}

#[actix_web::test]
async fn a_wrong_password_gets_the_generic_message_and_is_recorded() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let r = b
        .sign_in(DEMO_TEACHER, "not the right password at all")
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.text("#login-error"),
        rollbook::accounts::handlers::BAD_CREDENTIALS
    );
    // What the user typed is kept; the password is not.
    assert_eq!(r.attr("#email", "value").as_deref(), Some(DEMO_TEACHER));
    assert_eq!(r.attr("#password", "value"), None);
    assert!(b.cookie(rollbook::app::SESSION_COOKIE).is_none());
    assert_eq!(b.get("/teacher").await.status, 303);

    let mut conn = app.conn();
    let (outcome, email): (String, String) = login_events::table
        .order(login_events::id.desc())
        .select((login_events::outcome, login_events::email))
        .first(&mut conn)
        .unwrap();
    assert_eq!(
        (outcome.as_str(), email.as_str()),
        ("bad_credentials", DEMO_TEACHER)
    );
    let failed: i32 = users::table
        .filter(users::email.eq(DEMO_TEACHER))
        .select(users::failed_logins)
        .first(&mut conn)
        .unwrap();
    assert_eq!(failed, 1);
}

#[actix_web::test]
async fn an_unknown_email_gets_the_same_answer_after_a_real_verification() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let known = b.sign_in(DEMO_TEACHER, "wrong password entirely").await;
    let before = app.areas.passwords.verifications();
    let unknown = b
        .sign_in("nobody-here@rollbook.test", "wrong password entirely")
        .await;
    assert_eq!(
        app.areas.passwords.verifications(),
        before + 1,
        "a dummy verification ran"
    );
    assert_eq!(unknown.status, known.status);
    assert_eq!(unknown.text("#login-error"), known.text("#login-error"));
}

#[actix_web::test]
async fn a_deactivated_account_cannot_sign_in() {
    let app = TestApp::spawn().await;
    diesel::update(users::table.filter(users::email.eq(DEMO_TEACHER)))
        .set(users::active.eq(false))
        .execute(&mut app.conn())
        .unwrap();
    let r = app.browser().sign_in(DEMO_TEACHER, PASSWORD).await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.text("#login-error"),
        rollbook::accounts::handlers::BAD_CREDENTIALS
    );
}

#[actix_web::test]
async fn empty_fields_are_answered_beside_the_form() {
    let app = TestApp::spawn().await;
    let r = app.browser().sign_in("", "").await;
    assert_eq!(r.status, 422);
    assert!(r
        .text("#login-error")
        .contains("Enter your email address and password"));
}

#[actix_web::test]
async fn sign_in_without_a_csrf_token_is_refused_and_shows_the_form_again() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    b.get("/login").await;
    let r = b
        .post_form("/login", &[("email", DEMO_TEACHER), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/login?expired=1"));
    assert!(b.cookie(rollbook::app::SESSION_COOKIE).is_none());
    let again = b.get("/login?expired=1").await;
    assert!(again.text(".notice").contains("expired"));
    assert_eq!(again.count("form input[name=password]"), 1);
}

#[actix_web::test]
async fn an_expired_sign_in_form_is_shown_again_with_a_message() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let token = b.get("/login").await.csrf_token();
    app.clock.advance(chrono::Duration::hours(3));
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
    assert_eq!(r.location(), Some("/login?expired=1"));
    assert!(b.cookie(rollbook::app::SESSION_COOKIE).is_none());
}

#[actix_web::test]
async fn a_sign_in_token_from_another_browser_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.browser().get("/login").await.csrf_token();
    let b = app.browser();
    b.get("/login").await;
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
    assert_eq!(r.location(), Some("/login?expired=1"));
}

#[actix_web::test]
async fn state_changes_without_the_right_token_get_a_friendly_403() {
    let app = TestApp::spawn().await;
    let b = app.signed_in(DEMO_TEACHER).await;
    for fields in [vec![], vec![("csrf_token", "forged-token")]] {
        let r = b.post_form("/logout", &fields).await;
        assert_eq!(r.status, 403);
        assert!(r.text("main p").contains("could not be accepted"));
        // Still signed in: the forged sign-out did nothing.
        assert_eq!(b.get("/teacher").await.status, 200);
    }
}

#[actix_web::test]
async fn the_token_also_travels_in_the_htmx_header() {
    let app = TestApp::spawn().await;
    let b = app.signed_in(DEMO_TEACHER).await;
    let page = b.get("/teacher").await;
    let headers = page.attr("body", "hx-headers").unwrap();
    let json: serde_json::Value = serde_json::from_str(&headers).unwrap();
    let token = json["X-CSRF-Token"].as_str().unwrap().to_string();
    assert_eq!(token, page.csrf_token());
    let r = b
        .post_form_with(
            "/logout",
            &[],
            &[("X-CSRF-Token", &token), ("HX-Request", "true")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(b.get("/teacher").await.status, 303, "signed out");
}

#[actix_web::test]
async fn a_foreign_origin_is_refused_even_with_a_valid_token() {
    let app = TestApp::spawn().await;
    let b = app.signed_in(DEMO_TEACHER).await;
    let token = b.get("/teacher").await.csrf_token();
    let r = b
        .post_form_with(
            "/logout",
            &[("csrf_token", &token)],
            &[("Origin", "https://evil.example")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(b.get("/teacher").await.status, 200);
    // Our own origin is fine.
    let r = b
        .post_form_with(
            "/logout",
            &[("csrf_token", &token)],
            &[("Origin", app.address.as_str())],
        )
        .await;
    assert_eq!(r.status, 303);
}

#[actix_web::test]
async fn only_local_next_paths_are_followed_after_sign_in() {
    let app = TestApp::spawn().await;
    for (next, expected) in [
        ("/teacher/classes/1", "/teacher/classes/1"),
        ("https://evil.example/phish", "/teacher"),
        ("//evil.example", "/teacher"),
        ("/\\evil.example", "/teacher"),
    ] {
        let b = app.browser();
        let page = b
            .get(&format!("/login?next={}", rollbook::web::urlencode(next)))
            .await;
        let action = page.attr("form", "action").unwrap();
        let r = b
            .post_form(
                &action,
                &[
                    ("csrf_token", &page.csrf_token()),
                    ("email", DEMO_TEACHER),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.location(), Some(expected), "next={next}");
    }
}

#[actix_web::test]
async fn a_protected_page_sends_you_to_sign_in_and_back() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let r = b.get("/teacher/classes/1").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/login?next=%2Fteacher%2Fclasses%2F1"));
    let htmx = b.get_with("/teacher", &[("HX-Request", "true")]).await;
    assert_eq!(
        htmx.status, 200,
        "htmx is told where to go, not redirected into its target"
    );
    assert_eq!(htmx.header("hx-redirect"), Some("/login?next=%2Fteacher"));
    let from_page = b
        .get_with(
            "/teacher/classes/1",
            &[
                ("HX-Request", "true"),
                ("HX-Current-URL", "http://127.0.0.1:8080/teacher?tab=2"),
            ],
        )
        .await;
    assert_eq!(
        from_page.header("hx-redirect"),
        Some("/login?next=%2Fteacher%3Ftab%3D2")
    );
}

#[actix_web::test]
async fn changing_the_password_checks_the_policy_beside_each_field() {
    let app = TestApp::spawn().await;
    let b = app.signed_in(DEMO_TEACHER).await;
    let cases: [(&str, &str, &str, &str); 4] = [
        (PASSWORD, "short", "short", "new_password"),
        (PASSWORD, "password1234", "password1234", "new_password"),
        (
            PASSWORD,
            "a perfectly fine passphrase",
            "a different passphrase",
            "confirm_password",
        ),
        (
            "not my password at all",
            "a perfectly fine passphrase",
            "a perfectly fine passphrase",
            "current_password",
        ),
    ];
    for (current, new, confirm, field) in cases {
        let r = b
            .submit(
                "/account",
                "/account/password",
                &[
                    ("current_password", current),
                    ("new_password", new),
                    ("confirm_password", confirm),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{new}");
        assert_eq!(
            r.count(&format!("#{field}-error")),
            1,
            "{field} for {new}: {}",
            r.body
        );
        assert_eq!(
            r.attr(&format!("#{field}"), "aria-invalid").as_deref(),
            Some("true")
        );
    }
    // Nothing changed: the old password still works.
    assert_eq!(
        app.browser().sign_in(DEMO_TEACHER, PASSWORD).await.status,
        303
    );
}

#[actix_web::test]
async fn a_password_change_keeps_this_session_and_ends_the_others() {
    let app = TestApp::spawn().await;
    let here = app.signed_in(DEMO_TEACHER).await;
    let elsewhere = app.signed_in(DEMO_TEACHER).await;
    let new = "lighthouse marmalade orbit";
    let r = here
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
    assert_eq!(r.status, 303, "{}", r.body);
    let account = here.get("/account").await;
    assert_eq!(account.status, 200, "this session goes on");
    assert!(account.text(".flash").contains("password has been changed"));
    assert_eq!(here.get("/teacher").await.status, 200);
    assert_eq!(
        elsewhere.get("/teacher").await.status,
        303,
        "the other session ended"
    );
    assert_eq!(
        app.browser().sign_in(DEMO_TEACHER, PASSWORD).await.status,
        422
    );
    assert_eq!(app.browser().sign_in(DEMO_TEACHER, new).await.status, 303);
    let hash: Option<String> = users::table
        .filter(users::email.eq(DEMO_TEACHER))
        .select(users::password_hash)
        .first(&mut app.conn())
        .unwrap();
    assert!(hash.unwrap().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
}
