//! The audit trail page: newest first, filtered, and scoped to the principal's school.

use chrono::Duration;

use crate::helpers::*;

#[actix_web::test]
async fn changes_appear_newest_first_with_who_what_and_the_fields() {
    let app = TestApp::spawn().await;
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let teacher = app.user_id(DEMO_TEACHER);
    principal
        .submit(
            "/admin/users",
            &format!("/admin/users/{teacher}/deactivate"),
            &[],
        )
        .await;
    app.clock.advance(Duration::minutes(5));
    principal
        .submit(
            "/admin/users",
            &format!("/admin/users/{teacher}/reactivate"),
            &[],
        )
        .await;

    let page = principal.get("/admin/audit").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.texts("#audit tbody td.action"),
        vec!["reactivate", "deactivate"]
    );
    let first = page.text("#audit tbody tr");
    assert!(first.contains("Dr Helen Park"), "{first}");
    assert!(first.contains("127.0.0.1"));
    assert!(first.contains("active: false → true"));
    assert_eq!(
        page.attr("#audit tbody tr a", "href"),
        Some(format!("/admin/users/{teacher}"))
    );
}

#[actix_web::test]
async fn the_trail_filters_by_person_record_and_date() {
    let app = TestApp::spawn().await;
    let t1 = app.user_id(DEMO_TEACHER);
    let t2 = app.user_id("teacher2@rollbook.test");
    let admin = app.signed_in(DEMO_ADMIN).await;
    admin
        .submit(
            "/admin/users",
            &format!("/admin/users/{t1}/send-reset"),
            &[],
        )
        .await;
    app.clock.advance(Duration::days(2));
    let admin = app.signed_in(DEMO_ADMIN).await;
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    principal
        .submit(
            "/admin/users",
            &format!("/admin/users/{t2}/send-reset"),
            &[],
        )
        .await;

    let by_person = admin.get("/admin/audit?person=helen").await;
    assert_eq!(by_person.count("#audit tbody tr"), 1);
    let by_record = admin
        .get(&format!("/admin/audit?entity=user&entity_id={t1}"))
        .await;
    assert_eq!(by_record.count("#audit tbody tr"), 1);
    let day = start_time().date_naive().format("%Y-%m-%d").to_string();
    let by_date = admin
        .get(&format!("/admin/audit?from={day}&to={day}"))
        .await;
    assert_eq!(by_date.count("#audit tbody tr"), 1);
    let bad = admin.get("/admin/audit?from=2026-02-30").await;
    assert_eq!(bad.status, 200);
    assert!(bad.text(".error-summary").contains("2026-02-30"));
}

#[actix_web::test]
async fn a_principal_sees_only_their_schools_trail() {
    let app = TestApp::spawn().await;
    let north = app.signed_in(DEMO_PRINCIPAL).await;
    let south = app.signed_in("principal2@rollbook.test").await;
    let t = app.user_id(DEMO_TEACHER);
    north
        .submit("/admin/users", &format!("/admin/users/{t}/send-reset"), &[])
        .await;
    assert_eq!(north.get("/admin/audit").await.count("#audit tbody tr"), 1);
    assert_eq!(south.get("/admin/audit").await.count("#audit tbody tr"), 0);
    assert_eq!(
        app.signed_in(DEMO_TEACHER)
            .await
            .get("/admin/audit")
            .await
            .status,
        403
    );
}
