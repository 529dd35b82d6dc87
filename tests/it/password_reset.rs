//! Password-reset links by email, through the outbox and a real SMTP listener.

use chrono::Duration;
use diesel::prelude::*;
use rollbook::schema::{outbox_emails, password_tokens};

use crate::helpers::*;
use crate::smtp::SmtpServer;

async fn app_with_smtp() -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(move |s| s.smtp_url = Some(url)).await;
    (app, smtp)
}

const NEW: &str = "copper lantern meadow";

#[actix_web::test]
async fn a_reset_link_arrives_by_email_and_sets_a_new_password_once() {
    let (app, smtp) = app_with_smtp().await;
    let b = app.browser();
    let r = b
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", "Teacher@Rollbook.test ")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.count("#reset-sent"), 1);
    assert!(
        smtp.messages().is_empty(),
        "nothing is sent inside the request"
    );

    let report = app.deliver_mail().await;
    assert_eq!(report.sent, 1);
    let mail = smtp.messages().pop().unwrap();
    assert_eq!(mail.to, vec![DEMO_TEACHER.to_string()]);
    assert_eq!(mail.from, "no-reply@rollbook.test");
    assert_eq!(mail.subject, "Reset your Rollbook password");
    assert!(mail.body.contains("Hello Tomás García"), "{}", mail.body);
    assert!(mail
        .link()
        .starts_with(&format!("{}/password-reset/", app.address)));

    // The token is stored only as a hash.
    let stored: String = password_tokens::table
        .select(password_tokens::token_hash)
        .first(&mut app.conn())
        .unwrap();
    assert!(!mail.link().contains(&stored));

    let signed_in_elsewhere = app.signed_in(DEMO_TEACHER).await;
    let page = b.get(&mail.link_path()).await;
    assert_eq!(page.status, 200);
    assert!(page.text("main p").contains(DEMO_TEACHER));
    let r = b
        .submit(
            &mail.link_path(),
            &mail.link_path(),
            &[("new_password", NEW), ("confirm_password", NEW)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), Some("/login?password_set=1"));
    assert_eq!(
        signed_in_elsewhere.get("/teacher").await.status,
        303,
        "every session ended"
    );
    assert_eq!(app.browser().sign_in(DEMO_TEACHER, NEW).await.status, 303);
    assert_eq!(
        app.browser().sign_in(DEMO_TEACHER, PASSWORD).await.status,
        422
    );

    // Used once: the same link is dead now.
    let again = b.get(&mail.link_path()).await;
    assert_eq!(again.status, 404);
    assert_eq!(again.text("h1"), "This link does not work");
    let r = b
        .submit(
            "/password-reset",
            &mail.link_path(),
            &[
                ("new_password", "another fine passphrase"),
                ("confirm_password", "another fine passphrase"),
            ],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(app.browser().sign_in(DEMO_TEACHER, NEW).await.status, 303);
}

#[actix_web::test]
async fn unknown_addresses_get_the_same_answer_and_no_email() {
    let (app, smtp) = app_with_smtp().await;
    let b = app.browser();
    let known = b
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", DEMO_PARENT)],
        )
        .await;
    let unknown = b
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", "nobody@rollbook.test")],
        )
        .await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.text("#reset-sent"), unknown.text("#reset-sent"));
    app.deliver_mail().await;
    assert_eq!(smtp.messages().len(), 1);
    assert_eq!(smtp.messages()[0].to, vec![DEMO_PARENT.to_string()]);
}

#[actix_web::test]
async fn a_malformed_address_is_answered_beside_the_field() {
    let app = TestApp::spawn().await;
    let r = app
        .browser()
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", "<script>@x")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.count("#email-error"), 1);
    assert_eq!(r.attr("#email", "value").as_deref(), Some("<script>@x"));
}

#[actix_web::test]
async fn expired_and_tampered_links_do_not_work() {
    let (app, smtp) = app_with_smtp().await;
    let b = app.browser();
    b.submit(
        "/password-reset",
        "/password-reset",
        &[("email", DEMO_PARENT)],
    )
    .await;
    app.deliver_mail().await;
    let path = smtp.messages()[0].link_path();

    let mut tampered = path.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(b.get(&tampered).await.status, 404);
    assert_eq!(b.get("/password-reset/not-a-token").await.status, 404);

    assert_eq!(b.get(&path).await.status, 200);
    app.clock
        .advance(Duration::hours(72) + Duration::seconds(1));
    assert_eq!(b.get(&path).await.status, 404, "older than 72 hours");
}

#[actix_web::test]
async fn the_new_password_must_meet_the_policy() {
    let (app, smtp) = app_with_smtp().await;
    let b = app.browser();
    b.submit(
        "/password-reset",
        "/password-reset",
        &[("email", DEMO_PARENT)],
    )
    .await;
    app.deliver_mail().await;
    let path = smtp.messages()[0].link_path();
    let r = b
        .submit(
            &path,
            &path,
            &[
                ("new_password", "qwerty123456"),
                ("confirm_password", "qwerty123456"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.count("#new_password-error"), 1);
    let r = b
        .submit(
            &path,
            &path,
            &[
                ("new_password", NEW),
                ("confirm_password", "something else"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.count("#confirm_password-error"), 1);
    // The link still works after a refused attempt.
    assert_eq!(b.get(&path).await.status, 200);
}

#[actix_web::test]
async fn at_most_three_reset_emails_per_hour_go_to_one_account() {
    let (app, smtp) = app_with_smtp().await;
    let b = app.browser();
    for _ in 0..5 {
        let r = b
            .submit(
                "/password-reset",
                "/password-reset",
                &[("email", DEMO_PARENT)],
            )
            .await;
        assert_eq!(r.status, 200);
    }
    app.deliver_mail().await;
    assert_eq!(smtp.messages().len(), 3);
}

#[actix_web::test]
async fn a_failing_smtp_server_is_retried_with_back_off_then_delivered() {
    let (app, smtp) = app_with_smtp().await;
    smtp.refuse(true);
    app.browser()
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", DEMO_PARENT)],
        )
        .await;
    let report = app.deliver_mail().await;
    assert_eq!((report.sent, report.retrying), (0, 1));
    let (attempts, status, error): (i32, String, Option<String>) = outbox_emails::table
        .select((
            outbox_emails::attempts,
            outbox_emails::status,
            outbox_emails::last_error,
        ))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!((attempts, status.as_str()), (1, "pending"));
    assert!(error.unwrap().contains("451"));
    // Not due again yet.
    smtp.refuse(false);
    assert_eq!(app.deliver_mail().await.sent, 0);
    app.clock.advance(rollbook::mail::backoff(1));
    assert_eq!(app.deliver_mail().await.sent, 1);
    assert_eq!(smtp.messages().len(), 1);
    let status: String = outbox_emails::table
        .select(outbox_emails::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "sent");
}

#[actix_web::test]
async fn without_smtp_the_email_is_written_to_a_file() {
    let dir =
        std::env::temp_dir().join(format!("rollbook-mail-{}", rollbook::web::random_token(6)));
    let data_dir = dir.clone();
    let app = TestApp::spawn_with(move |s| s.data_dir = data_dir).await;
    app.browser()
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", DEMO_PARENT)],
        )
        .await;
    assert_eq!(app.deliver_mail().await.sent, 1);
    let files: Vec<_> = std::fs::read_dir(dir.join("mail"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.contains("To: parent@rollbook.test"));
    assert!(eml.contains("Subject: Reset your Rollbook password"));
    let _ = std::fs::remove_dir_all(dir);
}
