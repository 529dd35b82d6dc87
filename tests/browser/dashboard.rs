//! The principal's dashboard, the at-risk list and a student's profile pass the accessibility
//! check, and the dashboard fits a 360-pixel phone.

use diesel::prelude::*;

use crate::harness::Browser;
use crate::helpers::*;

#[actix_web::test]
async fn the_dashboard_and_the_at_risk_list_are_accessible_on_a_phone() {
    let app = TestApp::spawn().await;
    {
        use rollbook::schema::{schools, students};
        let mut conn = app.conn();
        let today = start_time().date_naive();
        let north: i64 = schools::table
            .filter(schools::name.eq("Northgate Community School"))
            .select(schools::id)
            .first(&mut conn)
            .unwrap();
        let streaker: i64 = students::table
            .filter(students::student_number.eq("NG-0006"))
            .select(students::id)
            .first(&mut conn)
            .unwrap();
        rollbook::seed::register_history(&mut conn, north, today, streaker).unwrap();
        rollbook::seed::gradebook_history(&mut conn, north, today).unwrap();
        rollbook::dashboard::refresh::refresh(&mut conn, start_time()).unwrap();
    }
    let browser = Browser::open(&app.address, 360, 780).await;
    browser.sign_in(DEMO_PRINCIPAL, "main").await;
    browser.goto("/dashboard").await;
    browser.wait_for("#attendance-trend svg").await;
    let problems = browser.accessibility_problems().await;
    browser.screenshot("dashboard-phone").await;
    assert!(problems.is_empty(), "dashboard at 360 px: {problems:#?}");
    let (viewport, document) = browser.widths().await;
    assert!(
        document <= viewport + 1,
        "fits 360 px ({document} > {viewport})"
    );
    browser.goto("/dashboard/at-risk").await;
    browser.wait_for("#students").await;
    let problems = browser.accessibility_problems().await;
    assert!(problems.is_empty(), "at-risk list: {problems:#?}");
    browser.click("#students tbody a").await;
    browser.wait_for("#attendance-rate").await;
    let problems = browser.accessibility_problems().await;
    assert!(problems.is_empty(), "student profile: {problems:#?}");
    browser.close().await;
}

#[actix_web::test]
async fn the_districts_attendance_and_one_schools_are_accessible_on_a_phone() {
    let app = TestApp::spawn().await;
    let browser = Browser::open(&app.address, 360, 780).await;
    browser.sign_in(DEMO_ADMIN, "main").await;
    browser.goto("/admin/attendance").await;
    browser.wait_for("#school-flags").await;
    for page in ["district", "school"] {
        let problems = browser.accessibility_problems().await;
        browser
            .screenshot(&format!("attendance-{page}-phone"))
            .await;
        assert!(problems.is_empty(), "{page} attendance: {problems:#?}");
        let (viewport, document) = browser.widths().await;
        assert!(
            document <= viewport + 1,
            "{page} attendance fits 360 px ({document} > {viewport})"
        );
        if page == "district" {
            browser.click("#school-registers tbody th a").await;
            browser.wait_for("#school-name").await;
        }
    }
    browser.close().await;
}
