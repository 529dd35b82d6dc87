//! The office's attendance page lists the chronically absent under each school's own thresholds
//! (`schools.risk_attendance_below`, `risk_absence_streak`), term to date from the summaries and
//! over any other range live, and follows a change of them at once.

use std::collections::BTreeSet;

use diesel::prelude::*;

use crate::helpers::*;

/// Northgate with a term of registers, summaries refreshed; its id.
fn northgate_with_registers(app: &TestApp) -> i64 {
    let mut conn = app.conn();
    let north = app.school_id("Northgate Community School");
    let streaker: i64 = {
        use rollbook::schema::students;
        students::table
            .filter(students::student_number.eq("NG-0006"))
            .select(students::id)
            .first(&mut conn)
            .unwrap()
    };
    rollbook::seed::register_history(&mut conn, north, start_time().date_naive(), streaker)
        .unwrap();
    rollbook::dashboard::refresh::refresh(&mut conn, start_time()).unwrap();
    north
}

/// The students listed in a table of the page (`#chronic`, `#streaks`).
fn listed(page: &TestResponse, table: &str) -> BTreeSet<i64> {
    let rows = scraper::Selector::parse(&format!("#{table} tbody tr")).unwrap();
    page.html()
        .select(&rows)
        .map(|r| r.value().attr("data-student-id").unwrap().parse().unwrap())
        .collect()
}

/// The school's students by their term-to-date rate (percent) and streak in the summaries.
fn summaries(app: &TestApp, school: i64) -> Vec<(i64, Option<f64>, i32)> {
    use rollbook::schema::student_insight as i;
    i::table
        .filter(i::school_id.eq(school))
        .select((i::student_id, i::attendance_rate, i::absence_streak))
        .load(&mut app.conn())
        .unwrap()
}

/// Saves the school's thresholds: chronic below `below` %, a streak of `days`; the others as
/// the demo has them.
async fn save_thresholds(b: &Browser, school: i64, below: &str, days: &str) {
    let fields = [
        ("risk_attendance_below", below),
        ("risk_average_below", "60"),
        ("risk_negative_records", "3"),
        ("risk_absence_streak", days),
        ("high_average_from", "85"),
        ("high_attendance_from", "95"),
    ];
    let r = b
        .submit(
            "/admin/settings",
            &format!("/admin/settings/{school}/thresholds"),
            &fields,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
}

fn heading(page: &TestResponse, starts: &str) -> String {
    page.texts("h2")
        .into_iter()
        .find(|h| h.starts_with(starts))
        .unwrap_or_default()
}

#[actix_web::test]
async fn changing_a_schools_thresholds_changes_who_the_office_attendance_page_lists() {
    // Arrange: the demo's defaults, 90 % and three days.
    let app = TestApp::spawn().await;
    let north = northgate_with_registers(&app);
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let admin = app.signed_in(DEMO_ADMIN).await;
    let live = "/admin/attendance?from=2026-10-01&to=2026-11-17";
    let before = principal.get("/admin/attendance").await;
    assert!(before.text("#summary-note").contains("as of"));
    let rows = summaries(&app, north);
    let below = |limit: f64| -> BTreeSet<i64> {
        rows.iter()
            .filter(|(_, rate, _)| rate.is_some_and(|r| r < limit))
            .map(|(s, _, _)| *s)
            .collect()
    };
    let on_streak = |days: i32| -> BTreeSet<i64> {
        rows.iter()
            .filter(|(_, _, streak)| *streak >= days)
            .map(|(s, _, _)| *s)
            .collect()
    };
    assert_eq!(listed(&before, "chronic"), below(90.0));
    assert_eq!(listed(&before, "streaks"), on_streak(3));
    let live_before = listed(&principal.get(live).await, "chronic");

    // Act: every absence counts (below 100 %), and a single absent day is a streak.
    save_thresholds(&principal, north, "100", "1").await;

    // Assert: the term to date follows at once, without another refresh of the summaries.
    let after = principal.get("/admin/attendance").await;
    assert!(after.text("#summary-note").contains("as of"));
    assert_eq!(listed(&after, "chronic"), below(100.0));
    assert_eq!(listed(&after, "streaks"), on_streak(1));
    assert_ne!(listed(&after, "chronic"), listed(&before, "chronic"));
    assert!(heading(&after, "Chronically absent").contains("below 100 %"));
    assert_eq!(
        after.text("#chronic caption"),
        "Students below 100 % attendance"
    );
    assert!(!heading(&after, "Absent one or more school days").is_empty());
    // The district's line for the school counts the same students.
    let district = admin.get("/admin/attendance").await;
    assert_eq!(
        district.text(&format!(
            "#school-flags tr[data-school-id='{north}'] td.chronic"
        )),
        below(100.0).len().to_string()
    );
    // Another range, counted live, uses the school's thresholds too.
    let live_after = listed(&principal.get(live).await, "chronic");
    assert!(live_after.is_superset(&live_before) && live_after.len() > live_before.len());

    // Back to the defaults: the page lists what it listed at first.
    save_thresholds(&principal, north, "90", "3").await;
    let again = principal.get("/admin/attendance").await;
    assert_eq!(listed(&again, "chronic"), listed(&before, "chronic"));
    assert_eq!(listed(&again, "streaks"), listed(&before, "streaks"));
    assert!(heading(&again, "Chronically absent").contains("below 90 %"));
    assert_eq!(listed(&principal.get(live).await, "chronic"), live_before);
}
