//! The register: taking it, saving it whole or a tap at a time, never losing or overwriting a
//! mark, and the rules about which days have a register.

use chrono::Duration;
use diesel::prelude::*;
use rollbook::schema::{attendance, attendance_changes, students};

use crate::helpers::*;

fn today() -> String {
    start_time().date_naive().format("%Y-%m-%d").to_string()
}

/// The register form as a browser would post it: the token, every version, every checked mark.
fn form_of(page: &TestResponse) -> Vec<(String, String)> {
    let html = page.html();
    let inputs = scraper::Selector::parse("#register-form input").unwrap();
    html.select(&inputs)
        .filter(|e| e.value().attr("type") != Some("radio") || e.value().attr("checked").is_some())
        .filter_map(|e| {
            Some((
                e.value().attr("name")?.to_string(),
                e.value().attr("value").unwrap_or("").to_string(),
            ))
        })
        .collect()
}

/// The id of a code (P, A, L, E) on the page.
fn code(page: &TestResponse, letter: &str) -> String {
    page.attr(&format!("#register input[data-key='{letter}']"), "value")
        .unwrap_or_else(|| {
            panic!(
                "no code {letter} on a {} page: {}",
                page.status,
                page.text("main")
            )
        })
}

fn set_mark(form: &mut Vec<(String, String)>, student: i64, code: &str) {
    let name = format!("mark_{student}");
    form.retain(|(k, _)| *k != name);
    form.push((name, code.to_string()));
}

fn roster_ids(page: &TestResponse) -> Vec<i64> {
    let html = page.html();
    let rows = scraper::Selector::parse("#register tbody tr").unwrap();
    html.select(&rows)
        .map(|r| {
            r.value()
                .attr("id")
                .unwrap()
                .trim_start_matches("row-")
                .parse()
                .unwrap()
        })
        .collect()
}

/// An htmx row answer, placed in a table so it parses as it would in the page.
fn in_table(r: &TestResponse) -> TestResponse {
    TestResponse {
        status: r.status,
        headers: r.headers.clone(),
        body: format!("<table><tbody>{}</tbody></table>", r.body),
    }
}

fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn marks_in(app: &TestApp, class: i64) -> i64 {
    attendance::table
        .filter(attendance::class_id.eq(class))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_teacher_takes_the_whole_register_in_one_post_and_untouched_rows_stay_unmarked() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let c7a = app.class_id("7A");
    let url = format!("/teacher/classes/{c7a}/attendance/{}", today());
    let page = t.get(&url).await;
    assert_eq!(page.status, 200);
    let ids = roster_ids(&page);
    assert_eq!(ids.len(), 24);
    assert_eq!(
        page.count("#register input[type=radio][checked]"),
        0,
        "marks start empty"
    );

    let (p, a, l) = (code(&page, "P"), code(&page, "A"), code(&page, "L"));
    let mut form = form_of(&page);
    for id in &ids[..20] {
        set_mark(&mut form, *id, &p);
    }
    set_mark(&mut form, ids[20], &a);
    set_mark(&mut form, ids[21], &l);
    form.push((format!("late_{}", ids[21]), "12".into()));
    form.push(("action".into(), "save".into()));
    let r = t.post_form(&url, &pairs(&form)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = t.get(&url).await;
    assert_eq!(
        after.count("#register input[type=radio][checked]"),
        22,
        "every mark kept"
    );
    assert_eq!(
        after.count("#register tr.unmarked"),
        2,
        "the two untouched rows stay unmarked"
    );
    assert_eq!(marks_in(&app, c7a), 22);
    let history: i64 = attendance_changes::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(history, 22);
    let late: Option<i16> = attendance::table
        .filter(attendance::student_id.eq(ids[21]))
        .select(attendance::late_minutes)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(late, Some(12));

    let home = t.get("/teacher").await;
    let status = home.attr("#my-classes li:first-child .register-status", "data-status");
    assert_eq!(status.as_deref(), Some("partly"));
    assert!(home
        .text("#my-classes li:first-child .register-status")
        .contains("1 absent"));

    // "Mark all unmarked present" fills only the two untouched rows.
    let page = t.get(&url).await;
    let mut form = form_of(&page);
    form.push(("action".into(), "all_present".into()));
    assert_eq!(t.post_form(&url, &pairs(&form)).await.status, 303);
    assert_eq!(marks_in(&app, c7a), 24);
    let absent: i64 = attendance::table
        .filter(attendance::student_id.eq(ids[20]))
        .select(attendance::code_id)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        absent.to_string(),
        a,
        "marks already set are not overwritten"
    );
    assert_eq!(
        t.get("/teacher")
            .await
            .attr("#my-classes li:first-child .register-status", "data-status")
            .as_deref(),
        Some("taken")
    );
}

#[actix_web::test]
async fn saving_the_same_register_again_changes_nothing_and_succeeds() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let c7a = app.class_id("7A");
    let url = format!("/teacher/classes/{c7a}/attendance/{}", today());
    let page = t.get(&url).await;
    let p = code(&page, "P");
    let mut form = form_of(&page);
    for id in roster_ids(&page) {
        set_mark(&mut form, id, &p);
    }
    // The same form twice (a double submit): the second is a no-op.
    assert_eq!(t.post_form(&url, &pairs(&form)).await.status, 303);
    assert_eq!(t.post_form(&url, &pairs(&form)).await.status, 303);
    let versions: Vec<i32> = attendance::table
        .filter(attendance::class_id.eq(c7a))
        .select(attendance::version)
        .load(&mut app.conn())
        .unwrap();
    assert!(versions.iter().all(|v| *v == 1), "{versions:?}");
    let history: i64 = attendance_changes::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(history, 24);
}

#[actix_web::test]
async fn a_save_over_another_teachers_newer_mark_saves_nothing_and_says_who() {
    let app = TestApp::spawn().await;
    let mine = app.signed_in(DEMO_TEACHER).await;
    let theirs = app.signed_in("teacher2@rollbook.test").await; // teaches 7A English
    let c7a = app.class_id("7A");
    let url = format!("/teacher/classes/{c7a}/attendance/{}", today());
    let my_page = mine.get(&url).await;
    let their_page = theirs.get(&url).await;
    let ids = roster_ids(&my_page);
    let (p, a) = (code(&my_page, "P"), code(&my_page, "A"));

    let mut their_form = form_of(&their_page);
    set_mark(&mut their_form, ids[0], &a);
    assert_eq!(
        theirs.post_form(&url, &pairs(&their_form)).await.status,
        303
    );

    let mut my_form = form_of(&my_page);
    for id in &ids {
        set_mark(&mut my_form, *id, &p);
    }
    let r = mine.post_form(&url, &pairs(&my_form)).await;
    assert_eq!(r.status, 409);
    let conflict = r.text("#conflicts");
    assert!(
        conflict.contains("Siobhán O'Neill") && conflict.contains("Absent"),
        "{conflict}"
    );
    assert_eq!(marks_in(&app, c7a), 1, "nothing of mine was saved");
    // My other choices are still on the page, with the current versions: saving again works.
    assert_eq!(r.count("#register input[type=radio][checked]"), 24);
    let again = form_of(&r);
    assert_eq!(mine.post_form(&url, &pairs(&again)).await.status, 303);
    assert_eq!(marks_in(&app, c7a), 24);
    let kept: i64 = attendance::table
        .filter(attendance::student_id.eq(ids[0]))
        .select(attendance::code_id)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        kept.to_string(),
        a,
        "their newer mark stays, as the page showed"
    );
}

#[actix_web::test]
async fn each_tap_saves_its_row_and_a_stale_tap_is_refused_with_the_current_mark() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let c7a = app.class_id("7A");
    let url = format!("/teacher/classes/{c7a}/attendance/{}", today());
    let page = t.get(&url).await;
    let ids = roster_ids(&page);
    let (p, a) = (code(&page, "P"), code(&page, "A"));
    let token = page.csrf_token();
    let row_url = format!("{url}/students/{}", ids[3]);
    let mark = format!("mark_{}", ids[3]);
    let version = format!("version_{}", ids[3]);
    let hx = [("HX-Request", "true"), ("X-CSRF-Token", token.as_str())];
    let r = in_table(
        &t.post_form_with(&row_url, &[(&mark, &a), (&version, "0")], &hx)
            .await,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.count("tr"), 1, "only the row comes back");
    assert_eq!(r.count("h1"), 0);
    assert!(r.text(".notice-inline").contains("Saved"));
    assert_eq!(
        r.attr(&format!("input[name={version}]"), "value")
            .as_deref(),
        Some("1")
    );
    // A retry of the same tap succeeds and changes nothing.
    let r = t
        .post_form_with(&row_url, &[(&mark, &a), (&version, "0")], &hx)
        .await;
    assert_eq!(r.status, 200);
    let v: i32 = attendance::table
        .filter(attendance::student_id.eq(ids[3]))
        .select(attendance::version)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(v, 1);
    // A different mark from a page that had not seen version 1 is refused.
    let r = in_table(
        &t.post_form_with(&row_url, &[(&mark, &p), (&version, "0")], &hx)
            .await,
    );
    assert_eq!(r.status, 409);
    assert!(
        r.text(".notice-inline").contains("Tomás García set A"),
        "{}",
        r.body
    );
    assert_eq!(
        r.attr(&format!("input[name={version}]"), "value")
            .as_deref(),
        Some("1"),
        "the next tap applies knowingly"
    );
    let r = t
        .post_form_with(&row_url, &[(&mark, &p), (&version, "1")], &hx)
        .await;
    assert_eq!(r.status, 200);
    let history: Vec<(Option<i64>, i64)> = attendance_changes::table
        .order(attendance_changes::id)
        .select((
            attendance_changes::from_code_id,
            attendance_changes::to_code_id,
        ))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].0.map(|c| c.to_string()), Some(a.clone()));
    assert_eq!(history[1].1.to_string(), p);
}

#[actix_web::test]
async fn a_hundred_identical_concurrent_saves_give_one_mark_per_student() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let c7a = app.class_id("7A");
    let url = format!("/teacher/classes/{c7a}/attendance/{}", today());
    let page = t.get(&url).await;
    let p = code(&page, "P");
    let mut form = form_of(&page);
    for id in roster_ids(&page) {
        set_mark(&mut form, id, &p);
    }
    let body = pairs(&form);
    let answers = futures_util::future::join_all((0..100).map(|_| t.post_form(&url, &body))).await;
    assert!(
        answers.iter().all(|r| r.status == 303),
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(marks_in(&app, c7a), 24);
    let history: i64 = attendance_changes::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(history, 24, "each mark was written once");
}

#[actix_web::test]
async fn two_concurrent_different_saves_one_wins_the_other_is_told() {
    let app = TestApp::spawn().await;
    let a_teacher = app.signed_in(DEMO_TEACHER).await;
    let b_teacher = app.signed_in("teacher2@rollbook.test").await;
    let c7a = app.class_id("7A");
    let url = format!("/teacher/classes/{c7a}/attendance/{}", today());
    let (pa, pb) = (a_teacher.get(&url).await, b_teacher.get(&url).await);
    let (p, a) = (code(&pa, "P"), code(&pa, "A"));
    let (mut fa, mut fb) = (form_of(&pa), form_of(&pb));
    for id in roster_ids(&pa) {
        set_mark(&mut fa, id, &p);
        set_mark(&mut fb, id, &a);
    }
    let (ba, bb) = (pairs(&fa), pairs(&fb));
    let (ra, rb) = futures_util::future::join(
        a_teacher.post_form(&url, &ba),
        b_teacher.post_form(&url, &bb),
    )
    .await;
    let mut statuses = [ra.status, rb.status];
    statuses.sort();
    assert_eq!(statuses, [303, 409]);
    assert_eq!(marks_in(&app, c7a), 24, "no duplicates");
    let codes: Vec<i64> = attendance::table
        .filter(attendance::class_id.eq(c7a))
        .select(attendance::code_id)
        .load(&mut app.conn())
        .unwrap();
    assert!(
        codes.iter().all(|c| *c == codes[0]),
        "one register, from one teacher"
    );
}

#[actix_web::test]
async fn no_register_on_weekends_holidays_or_future_days_and_old_days_are_the_offices() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let c7a = app.class_id("7A");
    let base = format!("/teacher/classes/{c7a}/attendance");
    let saturday = t.get(&format!("{base}/2026-11-14")).await;
    assert_eq!(saturday.status, 200);
    assert!(saturday.text("#no-register").contains("weekend"));
    let future = t.get(&format!("{base}/2026-11-19")).await;
    assert!(future.text("#no-register").contains("future"));
    let token = future.csrf_token();
    let r = t
        .post_form(
            &format!("{base}/2026-11-19"),
            &[("csrf_token", &token), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, 422);
    {
        use rollbook::schema::non_school_days;
        let north: i64 = app.school_id("Northgate Community School");
        diesel::insert_into(non_school_days::table)
            .values((
                non_school_days::school_id.eq(north),
                non_school_days::starts_on
                    .eq(chrono::NaiveDate::from_ymd_opt(2026, 11, 16).unwrap()),
                non_school_days::ends_on.eq(chrono::NaiveDate::from_ymd_opt(2026, 11, 16).unwrap()),
                non_school_days::name.eq("Staff training day"),
            ))
            .execute(&mut app.conn())
            .unwrap();
    }
    assert!(t
        .get(&format!("{base}/2026-11-16"))
        .await
        .text("#no-register")
        .contains("Staff training day"));
    assert_eq!(
        t.get(&format!("{base}/2026-02-30")).await.status,
        404,
        "an impossible date"
    );
    assert_eq!(
        t.get(&format!(
            "/teacher/classes/{}/attendance/{}",
            app.class_id("7B"),
            today()
        ))
        .await
        .status,
        404,
        "not my class"
    );
    let not_mine = format!(
        "/teacher/classes/{}/attendance/{}",
        app.class_id("7B"),
        today()
    );
    let r = t
        .post_form(
            &not_mine,
            &[("csrf_token", &token), ("action", "all_present")],
        )
        .await;
    assert_eq!(
        r.status, 404,
        "a save for a class the teacher does not teach"
    );

    // Eight school days back is outside the teacher's 7-day window; the office may correct it.
    let old = format!("{base}/2026-11-09");
    let page = t.get(&old).await;
    assert!(page.text("#read-only").contains("office"));
    assert_eq!(page.count("#register input[type=radio]:not([disabled])"), 0);
    let r = t
        .post_form(
            &old,
            &[
                ("csrf_token", &page.csrf_token()),
                ("action", "all_present"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(marks_in(&app, c7a), 0);
    let office = app.signed_in(DEMO_PRINCIPAL).await;
    let office_url = format!("/admin/classes/{c7a}/attendance/2026-11-09");
    let page = office.get(&office_url).await;
    assert_eq!(page.status, 200);
    let r = office
        .post_form(
            &office_url,
            &[
                ("csrf_token", &page.csrf_token()),
                ("action", "all_present"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let sources: Vec<String> = attendance::table
        .select(attendance::source)
        .distinct()
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(sources, vec!["office"]);
    // Another school's office cannot.
    let south = app.signed_in("principal2@rollbook.test").await;
    assert_eq!(south.get(&office_url).await.status, 404);
}

#[actix_web::test]
async fn the_register_date_is_the_schools_local_date() {
    let app = TestApp::spawn().await;
    // 23:30 UTC on Wednesday is already Thursday in Auckland.
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-11-18T23:30:00Z")
            .unwrap()
            .to_utc(),
    );
    {
        use rollbook::schema::schools;
        diesel::update(schools::table.filter(schools::name.eq("Northgate Community School")))
            .set(schools::timezone.eq("Pacific/Auckland"))
            .execute(&mut app.conn())
            .unwrap();
    }
    let t = app.signed_in(DEMO_TEACHER).await;
    let home = t.get("/teacher").await;
    let link = home
        .attr("#my-classes li:first-child a.button", "href")
        .unwrap();
    assert!(link.ends_with("/attendance/2026-11-19"), "{link}");
    let c7a = app.class_id("7A");
    let thursday = t
        .get(&format!("/teacher/classes/{c7a}/attendance/2026-11-19"))
        .await;
    assert_eq!(
        thursday.count("#no-register"),
        0,
        "Thursday is today in Auckland, not the future"
    );
    let _ = students::table;
    let _ = Duration::days(1);
}

#[actix_web::test]
async fn parents_get_one_absence_email_per_day_and_a_correction_if_it_was_a_mistake() {
    let smtp = crate::smtp::SmtpServer::start();
    let url_smtp = smtp.url();
    let app = TestApp::spawn_with(move |s| s.smtp_url = Some(url_smtp)).await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let c7a = app.class_id("7A");
    let url = format!("/teacher/classes/{c7a}/attendance/{}", today());
    let page = t.get(&url).await;
    let child: i64 = students::table
        .filter(students::student_number.eq("NG-0003"))
        .select(students::id)
        .first(&mut app.conn())
        .unwrap();
    let (p, a, l) = (code(&page, "P"), code(&page, "A"), code(&page, "L"));
    let token = page.csrf_token();
    let hx = [("HX-Request", "true"), ("X-CSRF-Token", token.as_str())];
    let row = format!("{url}/students/{child}");
    let (mark, version) = (format!("mark_{child}"), format!("version_{child}"));
    let tap = |code: String, v: i32| {
        let (mark, version, row) = (mark.clone(), version.clone(), row.clone());
        let t = &t;
        async move {
            t.post_form_with(&row, &[(&mark, &code), (&version, &v.to_string())], &hx)
                .await
                .status
        }
    };
    // The mail worker's bell (no worker runs in tests, so a ring is kept until looked at): a
    // save rings it only when it queued an email.
    let rang = || async {
        tokio::time::timeout(std::time::Duration::ZERO, app.state.mailer.wake.notified())
            .await
            .is_ok()
    };
    assert!(!rang().await);
    assert_eq!(tap(a.clone(), 0).await, 200);
    assert!(rang().await, "an absence email was queued");
    assert_eq!(
        tap(a.clone(), 0).await,
        200,
        "a retried tap changes nothing"
    );
    assert!(!rang().await, "nothing was queued");
    app.deliver_mail().await;
    let mut to: Vec<String> = smtp.messages().iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        vec!["parent2@rollbook.test".to_string(), DEMO_PARENT.to_string()],
        "one email per linked parent"
    );
    let mail = &smtp.messages()[0];
    assert!(mail.subject.contains("was absent"), "{}", mail.subject);
    assert!(
        mail.body.contains("7A") && mail.body.contains(&format!("/parent/children/{child}")),
        "{}",
        mail.body
    );

    // Corrected the same day (arrived late after all): a short correction follows, once.
    assert_eq!(tap(l.clone(), 1).await, 200);
    assert!(rang().await, "a correction was queued");
    assert_eq!(tap(a.clone(), 2).await, 200);
    assert_eq!(tap(p.clone(), 3).await, 200);
    assert!(
        !rang().await,
        "the second absence and correction were not queued"
    );
    app.deliver_mail().await;
    let corrections: Vec<_> = smtp
        .messages()
        .into_iter()
        .filter(|m| m.subject.starts_with("Correction"))
        .collect();
    assert_eq!(corrections.len(), 2);
    assert_eq!(
        smtp.messages().len(),
        4,
        "never more than one absence email per child, parent and day"
    );

    // A parent who switched notifications off is not written to.
    {
        use rollbook::schema::parent_students;
        diesel::update(parent_students::table)
            .set(parent_students::receives_notifications.eq(false))
            .execute(&mut app.conn())
            .unwrap();
    }
    let other: i64 = students::table
        .filter(students::student_number.eq("NG-0008"))
        .select(students::id)
        .first(&mut app.conn())
        .unwrap();
    let r = t
        .post_form_with(
            &format!("{url}/students/{other}"),
            &[
                (&format!("mark_{other}"), &a),
                (&format!("version_{other}"), "0"),
            ],
            &hx,
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(!rang().await, "no parent is to be told");
    app.deliver_mail().await;
    assert_eq!(smtp.messages().len(), 4);
}

#[actix_web::test]
async fn a_school_adds_codes_and_sets_how_far_back_teachers_may_edit() {
    let app = TestApp::spawn().await;
    let office = app.signed_in(DEMO_PRINCIPAL).await;
    let r = office
        .submit(
            "/admin/attendance/codes",
            "/admin/attendance/codes",
            &[("code", "P"), ("label", "Again"), ("category", "present")],
        )
        .await;
    assert_eq!(r.status, 422, "P exists already");
    let r = office
        .submit(
            "/admin/attendance/codes",
            "/admin/attendance/codes",
            &[("code", "m"), ("label", "Medical"), ("category", "excused")],
        )
        .await;
    assert_eq!(r.status, 303);
    let c7a = app.class_id("7A");
    let teacher = app.signed_in(DEMO_TEACHER).await;
    let page = teacher
        .get(&format!("/teacher/classes/{c7a}/attendance/{}", today()))
        .await;
    assert_eq!(
        page.count("#register input[data-key='M']"),
        0,
        "office-only code hidden from teachers"
    );
    let office_page = office
        .get(&format!("/admin/classes/{c7a}/attendance/{}", today()))
        .await;
    assert_eq!(office_page.count("#register input[data-key='M']"), 24);

    let north: i64 = { app.school_id("Northgate Community School") };
    let r = office
        .submit(
            "/admin/attendance/codes",
            &format!("/admin/attendance/window/{north}"),
            &[("edit_window_days", "10")],
        )
        .await;
    assert_eq!(r.status, 303);
    let old = teacher
        .get(&format!("/teacher/classes/{c7a}/attendance/2026-11-09"))
        .await;
    assert_eq!(
        old.count("#read-only"),
        0,
        "nine days back is inside a ten-day window"
    );
    let south = app.signed_in("principal2@rollbook.test").await;
    assert_eq!(
        south
            .submit(
                "/admin/attendance/codes",
                &format!("/admin/attendance/window/{north}"),
                &[("edit_window_days", "99")]
            )
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn the_office_board_is_counted_every_few_seconds_and_again_at_once_after_a_save() {
    let app = TestApp::spawn().await;
    let c7a = app.class_id("7A");
    let office = app.signed_in(DEMO_PRINCIPAL).await;
    let row = format!("#registers tr[data-class-id='{c7a}']");
    let board_state = || async {
        office
            .get("/admin/attendance")
            .await
            .attr(&row, "data-state")
    };
    assert_eq!(board_state().await.as_deref(), Some("not-taken"));
    // Another school's principal, right after, gets their own school's board and not the one
    // just counted.
    let south = app
        .signed_in("principal2@rollbook.test")
        .await
        .get("/admin/attendance")
        .await;
    assert_eq!(south.count(&row), 0);
    assert!(south.count("#registers tbody tr") > 0);

    // A mark written by another server (here straight into the database) waits until the
    // board counted a moment ago is stale.
    diesel::sql_query(
        "INSERT INTO attendance (school_id, class_id, student_id, date, code_id, updated_at)
         SELECT e.school_id, e.class_id, e.student_id, $2, ac.id, now()
           FROM enrolments e JOIN attendance_codes ac ON ac.school_id = e.school_id AND ac.code = 'P'
          WHERE e.class_id = $1 ORDER BY e.student_id LIMIT 1",
    )
    .bind::<diesel::sql_types::BigInt, _>(c7a)
    .bind::<diesel::sql_types::Date, _>(start_time().date_naive())
    .execute(&mut app.conn())
    .unwrap();
    assert_eq!(board_state().await.as_deref(), Some("not-taken"));
    app.clock.advance(chrono::Duration::seconds(
        rollbook::models::board::BOARD_FRESH_SECS,
    ));
    assert_eq!(board_state().await.as_deref(), Some("partly"));

    // So is a roster changed through this server: a student of 7A without a mark withdrawn.
    let register = format!("{row} td");
    let enrolled: Vec<i64> = rollbook::schema::enrolments::table
        .filter(rollbook::schema::enrolments::class_id.eq(c7a))
        .select(rollbook::schema::enrolments::student_id)
        .order(rollbook::schema::enrolments::student_id)
        .load(&mut app.conn())
        .unwrap();
    let n = enrolled.len();
    assert_eq!(
        office.get("/admin/attendance").await.text(&register),
        format!("Partly (1 of {n})")
    );
    let leaver = enrolled[n - 1];
    let r = office
        .submit(
            &format!("/admin/students/{leaver}"),
            &format!("/admin/students/{leaver}/withdraw"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        office.get("/admin/attendance").await.text(&register),
        format!("Partly (1 of {})", n - 1)
    );

    // A register saved through this server is on the board at once.
    let t = app.signed_in(DEMO_TEACHER).await;
    let url = format!("/teacher/classes/{c7a}/attendance/{}", today());
    let mut form = form_of(&t.get(&url).await);
    form.push(("action".into(), "all_present".into()));
    assert_eq!(t.post_form(&url, &pairs(&form)).await.status, 303);
    assert_eq!(board_state().await.as_deref(), Some("taken"));
}

#[actix_web::test]
async fn the_dashboards_figures_for_today_follow_the_registers_as_they_are_taken() {
    let app = TestApp::spawn().await;
    let c7a = app.class_id("7A");
    let north: i64 = rollbook::schema::classes::table
        .find(c7a)
        .select(rollbook::schema::classes::school_id)
        .first(&mut app.conn())
        .unwrap();
    // The registers expected come from the summaries (classes with students).
    rollbook::dashboard::refresh::refresh(&mut app.conn(), start_time()).unwrap();
    let row = format!("#schools tr[data-school-id='{north}']");
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let admin = app.signed_in(DEMO_ADMIN).await;
    let not_taken =
        |page: &TestResponse| -> i64 { page.text(&format!("{row} .not-taken")).parse().unwrap() };
    let before = not_taken(&principal.get("/dashboard").await);
    assert!(before >= 1);

    // 7A is taken: one absent, the rest present.
    let t = app.signed_in(DEMO_TEACHER).await;
    let url = format!("/teacher/classes/{c7a}/attendance/{}", today());
    let page = t.get(&url).await;
    let ids = roster_ids(&page);
    let mut form = form_of(&page);
    set_mark(&mut form, ids[0], &code(&page, "A"));
    form.push(("action".into(), "all_present".into()));
    assert_eq!(t.post_form(&url, &pairs(&form)).await.status, 303);

    // Today's rate counted independently: present or late over everyone but the excused.
    #[derive(QueryableByName)]
    struct Today {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        attended: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        counted: i64,
    }
    let counts: Today = diesel::sql_query(
        "SELECT count(*) FILTER (WHERE ac.category IN ('present', 'late')) AS attended,
                count(*) FILTER (WHERE ac.category <> 'excused') AS counted
           FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id
          WHERE a.school_id = $1 AND a.date = $2",
    )
    .bind::<diesel::sql_types::BigInt, _>(north)
    .bind::<diesel::sql_types::Date, _>(start_time().date_naive())
    .get_result(&mut app.conn())
    .unwrap();
    assert!(counts.counted >= 24 && counts.attended < counts.counted);
    let rate = rollbook::domain::grades::format_percent(Some(
        counts.attended as f64 / counts.counted as f64 * 100.0,
    ));
    for who in [&principal, &admin] {
        let dash = who.get("/dashboard").await;
        assert_eq!(not_taken(&dash), before - 1);
        assert_eq!(dash.text(&format!("{row} .rate-today")), rate);
    }
}

#[actix_web::test]
async fn names_notes_and_codes_on_the_register_are_shown_as_text() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let c7a = app.class_id("7A");
    let url = format!("/teacher/classes/{c7a}/attendance/{}", today());
    let ids = roster_ids(&t.get(&url).await);
    let hostile = r#"<img src=x onerror=alert(1)> "O'Brien" & co"#;
    diesel::update(students::table.find(ids[0]))
        .set((
            students::family_name.eq(hostile),
            students::preferred_name.eq(Some(hostile)),
        ))
        .execute(&mut app.conn())
        .unwrap();
    diesel::sql_query(format!(
        "UPDATE attendance_codes SET label = '<b>Present</b> & \"here\"' \
         WHERE code = 'P' AND school_id = (SELECT school_id FROM classes WHERE id = {c7a})"
    ))
    .execute(&mut app.conn())
    .unwrap();
    let page = t.get(&url).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.count("img"), 0, "no markup from the data");
    assert_eq!(page.count("#register b"), 0);
    let row = format!("#row-{}", ids[0]);
    assert_eq!(
        page.text(&format!("{row} th")),
        format!("{hostile}, {hostile}")
    );
    assert_eq!(
        page.attr(&format!("label[for=late-{}]", ids[0]), "for"),
        Some(format!("late-{}", ids[0]))
    );
    assert!(page
        .text(&format!("label[for=note-{}]", ids[0]))
        .ends_with(&format!("{hostile}, {hostile}")));
    assert_eq!(
        page.attr(&format!("{row} span[title]"), "title").as_deref(),
        Some(r#"<b>Present</b> & "here""#)
    );
    // A note typed with markup comes back in its field as typed, in the htmx row too.
    let p = code(&page, "P");
    let token = page.csrf_token();
    let hx = [("HX-Request", "true"), ("X-CSRF-Token", token.as_str())];
    let r = in_table(
        &t.post_form_with(
            &format!("{url}/students/{}", ids[0]),
            &[
                (&format!("mark_{}", ids[0]), &p),
                (&format!("version_{}", ids[0]), "0"),
                (&format!("note_{}", ids[0]), hostile),
            ],
            &hx,
        )
        .await,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.count("img"), 0);
    assert_eq!(
        r.attr(&format!("#note-{}", ids[0]), "value").as_deref(),
        Some(hostile)
    );
    assert_eq!(
        r.text(&format!("{row} th")),
        format!("{hostile}, {hostile}")
    );
}

#[actix_web::test]
async fn a_mark_takes_only_its_own_schools_codes_and_its_history_keeps_to_its_keys() {
    use rollbook::attendance::register::{
        find_register_to_save, save_marks, MarkInput, SaveOutcome, Saver,
    };
    use rollbook::db::IdRow;
    use rollbook::schema::{attendance_codes, enrolments};
    let app = TestApp::spawn().await;
    let c7a = app.class_id("7A");
    let mut conn = app.conn();
    let now = app.clock.now();
    let date = now.date_naive();
    let register = find_register_to_save(&mut conn, c7a, date, now, None, None).unwrap();
    let day = &register.day;
    let code_of = |conn: &mut PgConnection, own: bool| -> i64 {
        let q = attendance_codes::table
            .filter(attendance_codes::code.eq("P"))
            .select(attendance_codes::id)
            .into_boxed();
        let q = if own {
            q.filter(attendance_codes::school_id.eq(day.school_id))
        } else {
            q.filter(attendance_codes::school_id.ne(day.school_id))
        };
        q.first(conn).unwrap()
    };
    let (own, foreign) = (code_of(&mut conn, true), code_of(&mut conn, false));
    let pupils: Vec<i64> = enrolments::table
        .filter(enrolments::class_id.eq(c7a))
        .select(enrolments::student_id)
        .order(enrolments::student_id)
        .limit(2)
        .load(&mut conn)
        .unwrap();
    let mark = |student_id: i64, code_id: i64| MarkInput {
        student_id,
        code_id,
        version: 0,
        late_minutes: None,
        note: String::new(),
    };
    let saver = Saver {
        user_id: app.user_id(DEMO_TEACHER),
        office: false,
        at: now,
        public_url: "http://127.0.0.1".into(),
    };
    // Another school's code (the form never offers one): the whole save is refused.
    let refused = save_marks(
        &mut conn,
        &register,
        date,
        &[mark(pupils[0], own), mark(pupils[1], foreign)],
        &saver,
    )
    .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("not one of the school's attendance codes"),
        "{refused}"
    );
    assert_eq!(marks_in(&app, c7a), 0, "nothing of a refused save is kept");
    // Saved by an account that is later deleted (Rollbook itself only deactivates accounts).
    let author: i64 = diesel::sql_query(
        "INSERT INTO users (email, display_name, role, school_id) \
         SELECT 'supply@example.test', 'Supply Teacher', 'teacher', $1 RETURNING id",
    )
    .bind::<diesel::sql_types::BigInt, _>(day.school_id)
    .get_result::<IdRow>(&mut conn)
    .unwrap()
    .id;
    let by_author = Saver {
        user_id: author,
        ..saver.clone()
    };
    let saved = save_marks(
        &mut conn,
        &register,
        date,
        &[mark(pupils[0], own)],
        &by_author,
    )
    .unwrap();
    assert!(matches!(saved, SaveOutcome::Saved { written: 1, .. }));
    let saved = save_marks(&mut conn, &register, date, &[mark(pupils[1], own)], &saver).unwrap();
    assert!(matches!(saved, SaveOutcome::Saved { written: 1, .. }));
    let history = |conn: &mut PgConnection| -> Vec<(i64, Option<i64>)> {
        attendance_changes::table
            .inner_join(attendance::table)
            .select((attendance::student_id, attendance_changes::changed_by))
            .order(attendance::student_id)
            .load(conn)
            .unwrap()
    };
    let teacher = Some(saver.user_id);
    assert_eq!(
        history(&mut conn),
        [(pupils[0], Some(author)), (pupils[1], teacher)]
    );
    // Should an account be deleted, its history forgets who it was; a deleted mark's history
    // goes with it (as a student's marks go with the student).
    diesel::sql_query("DELETE FROM users WHERE id = $1")
        .bind::<diesel::sql_types::BigInt, _>(author)
        .execute(&mut conn)
        .unwrap();
    assert_eq!(
        history(&mut conn),
        [(pupils[0], None), (pupils[1], teacher)]
    );
    diesel::delete(attendance::table.filter(attendance::student_id.eq(pupils[0])))
        .execute(&mut conn)
        .unwrap();
    let left: Vec<i64> = attendance_changes::table
        .select(attendance_changes::attendance_id)
        .order(attendance_changes::attendance_id)
        .load(&mut conn)
        .unwrap();
    let marks: Vec<i64> = attendance::table
        .select(attendance::id)
        .order(attendance::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(left, marks, "one history row left, for the mark left");
    // A code is turned off, never deleted, so every mark keeps its meaning: the database refuses,
    // for a code in use and for one no mark uses alike.
    for code in [own, foreign] {
        let err = diesel::sql_query("DELETE FROM attendance_codes WHERE id = $1")
            .bind::<diesel::sql_types::BigInt, _>(code)
            .execute(&mut conn)
            .unwrap_err();
        assert!(err.to_string().contains("never deleted"), "{err}");
    }
    assert_eq!(
        attendance_codes::table
            .filter(attendance_codes::id.eq_any([own, foreign]))
            .count()
            .get_result::<i64>(&mut conn)
            .unwrap(),
        2
    );
}
