//! What parents and the office see of attendance: the child's calendar and rate, reasons for
//! absences accepted or declined, the office board, the chronic and streak lists, the export, and
//! a parent's email choices.

use chrono::NaiveDate;
use diesel::prelude::*;
use rollbook::schema::{
    absence_reasons, attendance, attendance_changes, classes, parent_students, students,
};

use crate::helpers::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn student(app: &TestApp, number: &str) -> (i64, i64, i64) {
    students::table
        .inner_join(rollbook::schema::enrolments::table)
        .filter(students::student_number.eq(number))
        .select((
            students::id,
            students::school_id,
            rollbook::schema::enrolments::class_id,
        ))
        .first(&mut app.conn())
        .unwrap()
}

/// Puts a mark straight into the database (test set-up for past days).
fn mark(app: &TestApp, number: &str, date: &str, category: &str) {
    let (id, school, class) = student(app, number);
    diesel::sql_query(
        "INSERT INTO attendance (school_id, class_id, student_id, date, code_id, updated_at)
         SELECT $1, $2, $3, $4, ac.id, now() FROM attendance_codes ac WHERE ac.school_id = $1 AND ac.category = $5",
    )
    .bind::<diesel::sql_types::BigInt, _>(school)
    .bind::<diesel::sql_types::BigInt, _>(class)
    .bind::<diesel::sql_types::BigInt, _>(id)
    .bind::<diesel::sql_types::Date, _>(d(date))
    .bind::<diesel::sql_types::Text, _>(category)
    .execute(&mut app.conn())
    .unwrap();
}

const SCHOOL_DAYS: [&str; 10] = [
    "2026-11-05",
    "2026-11-06",
    "2026-11-09",
    "2026-11-10",
    "2026-11-11",
    "2026-11-12",
    "2026-11-13",
    "2026-11-16",
    "2026-11-17",
    "2026-11-18",
];

#[actix_web::test]
async fn the_parent_sees_the_month_the_rate_and_each_absence() {
    let app = TestApp::spawn().await;
    // NG-0003 is the demo parent's child in 7A.
    for day in &SCHOOL_DAYS[..7] {
        mark(&app, "NG-0003", day, "present");
    }
    mark(&app, "NG-0003", "2026-11-16", "late");
    mark(&app, "NG-0003", "2026-11-17", "absent");
    mark(&app, "NG-0003", "2026-11-18", "excused");
    let (child, _, _) = student(&app, "NG-0003");
    let parent = app.signed_in(DEMO_PARENT).await;
    let page = parent.get(&format!("/parent/children/{child}")).await;
    assert_eq!(page.status, 200);
    // 7 present + 1 late attended of 9 counted; the excused day is left out of both.
    assert_eq!(page.text("#year-rate"), "88.9 %");
    assert_eq!(page.text("#year-absences"), "1");
    assert_eq!(
        page.attr("#calendar td[data-date='2026-11-17']", "class")
            .as_deref(),
        Some("cal-absent")
    );
    assert_eq!(
        page.attr("#calendar td[data-date='2026-11-16']", "class")
            .as_deref(),
        Some("cal-late")
    );
    let listed = page.texts("#absences li strong");
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert!(listed[1].contains("Tuesday 17 November") && listed[1].contains("Absent"));
    assert_eq!(
        page.count("#absences form"),
        1,
        "a reason can be sent for the absence only"
    );
    let october = parent
        .get(&format!("/parent/children/{child}?month=2026-10"))
        .await;
    assert_eq!(
        october.text("#month-rate"),
        "—",
        "no marks that month: no rate, not 0 % or 100 %"
    );
    // October's calendar, with a way on to November; the year's figures stay the year's.
    assert_eq!(october.text("nav.day-nav strong"), "October 2026");
    assert_eq!(october.count("#calendar td[data-date='2026-10-30']"), 1);
    assert_eq!(october.count("#calendar td[data-date='2026-11-02']"), 0);
    assert_eq!(
        october.attr("nav.day-nav a[rel=next]", "href").as_deref(),
        Some(format!("/parent/children/{child}?month=2026-11").as_str())
    );
    assert_eq!(october.text("#year-rate"), "88.9 %");
    // A month not yet begun shows this month, with no way further on.
    for future in ["2027-01", "2026-12"] {
        let page = parent
            .get(&format!("/parent/children/{child}?month={future}"))
            .await;
        assert_eq!(page.text("nav.day-nav strong"), "November 2026", "{future}");
        assert_eq!(page.count("nav.day-nav a[rel=next]"), 0, "{future}");
        assert_eq!(
            page.attr("#calendar td[data-date='2026-11-17']", "class")
                .as_deref(),
            Some("cal-absent")
        );
    }
}

#[actix_web::test]
async fn a_parents_reason_is_accepted_by_the_office_and_the_mark_becomes_excused() {
    let app = TestApp::spawn().await;
    mark(&app, "NG-0003", "2026-11-17", "absent");
    let (child, _, _) = student(&app, "NG-0003");
    let att: i64 = attendance::table
        .filter(attendance::student_id.eq(child))
        .select(attendance::id)
        .first(&mut app.conn())
        .unwrap();
    let parent = app.signed_in(DEMO_PARENT).await;
    let page_url = format!("/parent/children/{child}");
    let action = format!("/parent/children/{child}/absences/{att}/reason");
    let r = parent.submit(&page_url, &action, &[("reason", "")]).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.count(&format!("#reason-{att}-error")), 1);
    let r = parent
        .submit(&page_url, &action, &[("reason", "Dentist <appointment>")])
        .await;
    assert_eq!(r.status, 303);
    let page = parent.get(&page_url).await;
    assert_eq!(
        page.attr("#absences .reason", "data-status").as_deref(),
        Some("pending")
    );
    assert!(
        page.text("#absences .reason")
            .contains("Dentist <appointment>"),
        "shown as text"
    );

    // Another family's parent cannot send a reason for this child.
    let stranger = app.signed_in("parent3@rollbook.test").await;
    let r = stranger
        .submit("/parent", &action, &[("reason", "x")])
        .await;
    assert_eq!(r.status, 404);

    let office = app.signed_in(DEMO_PRINCIPAL).await;
    let board = office.get("/admin/attendance").await;
    assert_eq!(board.count("#reasons li"), 1);
    let reason_id: i64 = absence_reasons::table
        .select(absence_reasons::id)
        .first(&mut app.conn())
        .unwrap();
    let south = app.signed_in("principal2@rollbook.test").await;
    assert_eq!(
        south
            .submit(
                "/admin/attendance",
                &format!("/admin/attendance/reasons/{reason_id}/accept"),
                &[]
            )
            .await
            .status,
        404
    );
    let r = office
        .submit(
            "/admin/attendance",
            &format!("/admin/attendance/reasons/{reason_id}/accept"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    let (category, source): (String, String) = attendance::table
        .inner_join(rollbook::schema::attendance_codes::table)
        .filter(attendance::id.eq(att))
        .select((
            rollbook::schema::attendance_codes::category,
            attendance::source,
        ))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!((category.as_str(), source.as_str()), ("excused", "office"));
    let history_source: String = attendance_changes::table
        .filter(attendance_changes::attendance_id.eq(att))
        .select(attendance_changes::source)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(history_source, "office");
    let page = parent.get(&page_url).await;
    assert_eq!(
        page.attr("#absences .reason", "data-status").as_deref(),
        Some("accepted")
    );
}

#[actix_web::test]
async fn a_declined_reason_shows_the_schools_message() {
    let app = TestApp::spawn().await;
    mark(&app, "NG-0003", "2026-11-17", "absent");
    let (child, _, _) = student(&app, "NG-0003");
    let att: i64 = attendance::table
        .filter(attendance::student_id.eq(child))
        .select(attendance::id)
        .first(&mut app.conn())
        .unwrap();
    let parent = app.signed_in(DEMO_PARENT).await;
    let page_url = format!("/parent/children/{child}");
    parent
        .submit(
            &page_url,
            &format!("/parent/children/{child}/absences/{att}/reason"),
            &[("reason", "Overslept")],
        )
        .await;
    let reason_id: i64 = absence_reasons::table
        .select(absence_reasons::id)
        .first(&mut app.conn())
        .unwrap();
    // Here the district's admin decides: the reason waits on the school's line, is decided on
    // the school's page, and the admin is sent back there.
    let (_, north, _) = student(&app, "NG-0003");
    let office = app.signed_in(DEMO_ADMIN).await;
    let district = office.get("/admin/attendance").await;
    assert_eq!(district.count("#reasons li"), 0, "listed school by school");
    assert_eq!(
        district.text(&format!(
            "#school-flags tr[data-school-id='{north}'] td.reasons"
        )),
        "1"
    );
    let school_page = format!("/admin/attendance?school={north}");
    assert_eq!(office.get(&school_page).await.count("#reasons li"), 1);
    let r = office
        .submit(
            &school_page,
            &format!("/admin/attendance/reasons/{reason_id}/decline"),
            &[("response", "Please call the office.")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some(school_page.as_str()));
    assert_eq!(
        app.signed_in(DEMO_PRINCIPAL)
            .await
            .get("/admin/attendance")
            .await
            .count("#no-reasons"),
        1
    );
    let page = parent.get(&page_url).await;
    assert_eq!(
        page.attr("#absences .reason", "data-status").as_deref(),
        Some("declined")
    );
    assert!(page
        .text("#absences .reason")
        .contains("Please call the office."));
}

/// NG-0001: 8 present, 2 absent → 80 %: chronic. NG-0002: 9 present, 1 absent → exactly 90 %:
/// not. NG-0004: absent the last three school days → a streak. Today (the last day) 7A is
/// partly taken.
fn two_weeks_of_marks(app: &TestApp) {
    for (i, day) in SCHOOL_DAYS.iter().enumerate() {
        mark(
            app,
            "NG-0001",
            day,
            if i < 8 { "present" } else { "absent" },
        );
        mark(
            app,
            "NG-0002",
            day,
            if i == 0 { "absent" } else { "present" },
        );
        mark(
            app,
            "NG-0004",
            day,
            if i >= 7 { "absent" } else { "present" },
        );
    }
}

#[actix_web::test]
async fn the_office_sees_the_board_the_chronically_absent_and_the_streaks() {
    let app = TestApp::spawn().await;
    two_weeks_of_marks(&app);
    // A late arrival today too, so the board counts three categories.
    mark(&app, "NG-0003", "2026-11-18", "late");
    let office = app.signed_in(DEMO_PRINCIPAL).await;
    let page = office
        .get("/admin/attendance?from=2026-11-05&to=2026-11-18")
        .await;
    assert_eq!(page.status, 200);
    let chronic = page.texts("#chronic tbody th");
    let (n1, n2, n4) = (
        name(&app, "NG-0001"),
        name(&app, "NG-0002"),
        name(&app, "NG-0004"),
    );
    assert!(chronic.contains(&n1), "{chronic:?}");
    assert!(!chronic.contains(&n2), "exactly 90 % is not below 90 %");
    assert!(chronic.contains(&n4));
    let streaks = page.texts("#streaks tbody th");
    assert_eq!(
        streaks,
        vec![n4.clone()],
        "NG-0001's two absences are not three"
    );
    assert_eq!(page.text("#streaks tbody td.num"), "3");

    // The board: today's registers, 7A partly taken by the marks above.
    let c7a: i64 = classes::table
        .filter(classes::name.eq("7A"))
        .select(classes::id)
        .first(&mut app.conn())
        .unwrap();
    let row = format!("#registers tr[data-class-id='{c7a}']");
    assert_eq!(page.attr(&row, "data-state").as_deref(), Some("partly"));
    // Present, late, absent, excused: NG-0002; NG-0003; NG-0001 and NG-0004.
    assert_eq!(
        page.texts(&format!("{row} td.num")),
        vec!["1", "1", "2", "0"],
        "today's marks of 7A by category"
    );
    assert_eq!(
        page.count("#registers tbody tr"),
        4,
        "the principal's school only"
    );
    let fragment = office
        .get_with("/admin/attendance", &[("HX-Request", "true")])
        .await;
    assert_eq!(fragment.count("h1"), 0);
    assert_eq!(fragment.count("section#board"), 1);

    let csv = office
        .get("/admin/attendance/export.csv?from=2026-11-05&to=2026-11-18")
        .await;
    assert_eq!(csv.status, 200);
    let line = csv
        .body
        .lines()
        .find(|l| l.starts_with("NG-0001,"))
        .unwrap()
        .to_string();
    assert!(line.ends_with(",8,0,2,0,80.0,2"), "{line}");
    assert!(!csv.body.contains("SB-0001"));
    assert_eq!(
        app.signed_in(DEMO_TEACHER)
            .await
            .get("/admin/attendance")
            .await
            .status,
        403
    );
}

/// The numbers in column `n` (1-based) of the rows matching `rows`, added up.
fn column_sum(page: &TestResponse, rows: &str, n: usize) -> i64 {
    page.texts(&format!("{rows} > :nth-child({n})"))
        .iter()
        .map(|t| t.parse::<i64>().unwrap())
        .sum()
}

#[actix_web::test]
async fn an_admin_sees_the_district_school_by_school_and_opens_one_school() {
    let app = TestApp::spawn().await;
    two_weeks_of_marks(&app);
    let range = "from=2026-11-05&to=2026-11-18";
    let (_, north, _) = student(&app, "NG-0001");
    let (_, south, _) = student(&app, "SB-0001");
    let admin = app.signed_in(DEMO_ADMIN).await;
    let district = admin.get(&format!("/admin/attendance?{range}")).await;
    assert_eq!(district.status, 200);
    let schools: i64 = rollbook::schema::schools::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(
        district.count("#school-registers tbody tr"),
        schools as usize
    );
    assert_eq!(district.count("#school-flags tbody tr"), schools as usize);
    assert_eq!(
        district.count("#registers, #chronic, #streaks, #reasons"),
        0,
        "no class or student lists for the whole district"
    );

    // Each school's line agrees with what its principal sees.
    for (school, principal) in [(north, DEMO_PRINCIPAL), (south, "principal2@rollbook.test")] {
        let own = app
            .signed_in(principal)
            .await
            .get(&format!("/admin/attendance?{range}"))
            .await;
        let line = format!("tr[data-school-id='{school}']");
        let classes = own.count("#registers tbody tr");
        let not_taken = own.count("#registers tr[data-state='not-taken']");
        let partly = own.count("#registers tr[data-state='partly']");
        assert!(classes > 0);
        let mut expected = match not_taken {
            0 => "All taken".to_string(),
            n => format!("{n} not taken yet"),
        };
        if partly > 0 {
            expected += &format!(", {partly} partly");
        }
        assert_eq!(
            district.text(&format!("#school-registers {line} td.registers")),
            format!("{expected} of {classes}")
        );
        for column in 3..=6 {
            assert_eq!(
                column_sum(&district, &format!("#school-registers {line}"), column),
                column_sum(&own, "#registers tbody tr", column),
                "column {column} of {school}"
            );
        }
        for (cell, list) in [
            ("chronic", "#chronic tbody tr"),
            ("streaks", "#streaks tbody tr"),
        ] {
            assert_eq!(
                district.text(&format!("#school-flags {line} td.{cell}")),
                own.count(list).to_string(),
                "{cell} of {school}"
            );
        }
    }
    assert_eq!(
        district.text(&format!(
            "#school-flags tr[data-school-id='{north}'] td.chronic"
        )),
        "2",
        "NG-0001 and NG-0004"
    );

    // The district's export names each student's school.
    let csv = admin
        .get(&format!("/admin/attendance/export.csv?{range}"))
        .await;
    assert_eq!(csv.status, 200);
    let mut rows = csv::Reader::from_reader(csv.body.as_bytes());
    let header = rows.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (number, school_column) = (at("student_number"), at("school"));
    let school_of: std::collections::HashMap<String, String> = rows
        .records()
        .map(|r| r.unwrap())
        .map(|r| (r[number].to_string(), r[school_column].to_string()))
        .collect();
    for (student_number, id) in [("NG-0001", north), ("SB-0001", south)] {
        let name: String = rollbook::schema::schools::table
            .find(id)
            .select(rollbook::schema::schools::name)
            .first(&mut app.conn())
            .unwrap();
        assert_eq!(school_of[student_number], name, "{student_number}");
    }
    assert_ne!(school_of["NG-0001"], school_of["SB-0001"]);

    // Opening a school shows its classes and students, and keeps the choice.
    let link = district
        .attr(
            &format!("#school-registers tr[data-school-id='{north}'] th a"),
            "href",
        )
        .unwrap();
    let school = admin.get(&link).await;
    assert_eq!(school.status, 200);
    assert_eq!(school.text("#school-name"), "Northgate Community School");
    let own = app
        .signed_in(DEMO_PRINCIPAL)
        .await
        .get(&format!("/admin/attendance?{range}"))
        .await;
    for list in [
        "#registers tbody th",
        "#chronic tbody th",
        "#streaks tbody th",
    ] {
        assert_eq!(school.texts(list), own.texts(list), "{list}");
    }
    assert_eq!(
        school.attr("#range input[name=school]", "value"),
        Some(north.to_string())
    );
    let export = school
        .attr("a[href^='/admin/attendance/export.csv']", "href")
        .unwrap();
    assert!(export.contains(&format!("school={north}")), "{export}");
    let csv = admin.get(&export).await;
    assert!(csv.body.lines().any(|l| l.starts_with("NG-0001,")));
    assert!(!csv.body.contains("SB-0001"));

    // A school that does not exist, or is not a number, is not found.
    admin
        .assert_unknown_school_not_found(&["/admin/attendance", "/admin/attendance/export.csv"])
        .await;
    // A principal cannot pick another school: they still see their own.
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let asked = principal
        .get(&format!("/admin/attendance?school={south}&{range}"))
        .await;
    assert_eq!(
        asked.texts("#registers tbody th"),
        own.texts("#registers tbody th")
    );
    assert_eq!(asked.count("#school-name"), 0);
    let csv = principal
        .get(&format!(
            "/admin/attendance/export.csv?school={south}&{range}"
        ))
        .await;
    assert!(csv.body.contains("NG-0001") && !csv.body.contains("SB-0001"));
}

fn name(app: &TestApp, number: &str) -> String {
    let (family, given, preferred): (String, String, Option<String>) = students::table
        .filter(students::student_number.eq(number))
        .select((
            students::family_name,
            students::given_name,
            students::preferred_name,
        ))
        .first(&mut app.conn())
        .unwrap();
    format!("{family}, {}", preferred.unwrap_or(given))
}

#[actix_web::test]
async fn a_parent_chooses_which_absence_emails_to_receive_and_keeps_contact_details() {
    let app = TestApp::spawn().await;
    let parent = app.signed_in(DEMO_PARENT).await;
    let page = parent.get("/account").await;
    assert_eq!(
        page.count("#notification-prefs input[type=checkbox][checked]"),
        2
    );
    let first = page
        .attr("#notification-prefs input[type=checkbox]", "name")
        .unwrap();
    let r = parent
        .submit("/account", "/account/notifications", &[(&first, "1")])
        .await;
    assert_eq!(r.status, 303);
    let on: Vec<bool> = parent_students::table
        .filter(parent_students::parent_id.eq(app.user_id(DEMO_PARENT)))
        .order(parent_students::student_id)
        .select(parent_students::receives_notifications)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(on.iter().filter(|b| **b).count(), 1);
    let r = parent
        .submit(
            "/account",
            "/account/details",
            &[("phone", "call me maybe")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.count("#phone-error"), 1);
    let r = parent
        .submit(
            "/account",
            "/account/details",
            &[("phone", "+44 7700 900999")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        parent
            .get("/account")
            .await
            .attr("#phone", "value")
            .as_deref(),
        Some("+44 7700 900999")
    );
    // Teachers have no children to choose.
    let teacher = app.signed_in(DEMO_TEACHER).await;
    assert_eq!(
        teacher
            .submit("/account", "/account/notifications", &[])
            .await
            .status,
        403
    );
}

#[actix_web::test]
async fn the_office_sees_a_students_attendance_over_any_range() {
    let app = TestApp::spawn().await;
    for (i, day) in SCHOOL_DAYS.iter().enumerate() {
        mark(
            &app,
            "NG-0005",
            day,
            match i {
                0 => "absent",
                1 => "late",
                2 => "excused",
                _ => "present",
            },
        );
    }
    let (id, _, _) = student(&app, "NG-0005");
    let office = app.signed_in(DEMO_PRINCIPAL).await;
    let year = office.get(&format!("/admin/students/{id}")).await;
    // 7 present + 1 late attended of 9 counted (the excused day left out).
    assert_eq!(year.text("#attendance-rate"), "88.9 %");
    let part = office
        .get(&format!(
            "/admin/students/{id}?from=2026-11-09&to=2026-11-18"
        ))
        .await;
    assert_eq!(part.text("#attendance-rate"), "100.0 %");
    assert_eq!(part.text("[data-count=present]"), "7");
    let none = office
        .get(&format!(
            "/admin/students/{id}?from=2026-10-01&to=2026-10-31"
        ))
        .await;
    assert_eq!(none.text("#attendance-rate"), "—");
}
