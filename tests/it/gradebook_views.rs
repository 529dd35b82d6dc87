//! What parents, reports and the school's settings show of the gradebook: published work only for
//! parents (averages included), behaviour as the school decides, report cards that agree with the
//! gradebook, and settings that change the maths.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::gradebook::{book_url, create_assessment, form_fields, pairs, row_ids, set};
use crate::helpers::*;

/// The demo parent's child in `class`.
pub(crate) fn child_in(app: &TestApp, class: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    diesel::sql_query(
        "SELECT ps.student_id AS id FROM parent_students ps JOIN users u ON u.id = ps.parent_id
           JOIN enrolments e ON e.student_id = ps.student_id JOIN classes c ON c.id = e.class_id
          WHERE u.email = $1 AND c.name = $2",
    )
    .bind::<Text, _>(DEMO_PARENT)
    .bind::<Text, _>(class)
    .get_result::<Id>(&mut app.conn())
    .unwrap()
    .id
}

/// Enters `values` (assessment id, student id, value) through the grid form.
async fn enter(b: &Browser, book: &str, values: &[(i64, i64, &str)]) {
    let grid = b.get(book).await;
    let mut form = form_fields(&grid, "#gradebook-form");
    for (a, s, v) in values {
        set(&mut form, &format!("c_{a}_{s}"), v);
    }
    let term = grid.attr("#gradebook", "data-term").unwrap();
    let r = b
        .post_form(&format!("{book}?term={term}"), &pairs(&form))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
}

fn exec(app: &TestApp, sql: &str) {
    diesel::sql_query(sql).execute(&mut app.conn()).unwrap();
}

#[actix_web::test]
async fn parents_see_published_work_only_and_averages_from_it_alone() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let book = book_url(&app, "7A", "Mathematics");
    let child = child_in(&app, "7A");
    let published = create_assessment(&t, &book, "Published quiz", "Quiz", "10", true).await;
    let secret = create_assessment(&t, &book, "Secret test", "Test", "10", false).await;
    let ids = row_ids(&t.get(&book).await);
    let classmate = *ids.iter().find(|i| **i != child).unwrap();
    enter(
        &t,
        &book,
        &[
            (published, child, "8"),
            (secret, child, "2"),
            (published, classmate, "6"),
        ],
    )
    .await;
    // The staff average counts both (50 %); the parent's counts the published one only (80 %).
    assert_eq!(
        t.get(&book).await.text(&format!("#avg-{child}")),
        "50.0 % F"
    );
    let p = app.signed_in(DEMO_PARENT).await;
    let page = p.get(&format!("/parent/children/{child}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.text("#subjects .avg"), "80.0 %");
    assert!(!page.body.contains("Secret test"));
    let subject = p.get(&page.attr("#subjects a", "href").unwrap()).await;
    assert_eq!(subject.status, 200);
    assert!(subject.text("#results").contains("Published quiz"));
    assert!(
        !subject.body.contains("Secret test"),
        "unpublished work never reaches a parent"
    );
    assert!(!subject.body.contains("20.0 %"), "nor its percentage");
    assert_eq!(subject.text("#average"), "80.0 % B");
    // The class average of the published quiz: (80 + 60) / 2.
    assert_eq!(subject.text(".class-mean"), "70.0 %");
    // Excused and missing work is not a score: the class average stays.
    let others: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|i| *i != child && *i != classmate)
        .take(2)
        .collect();
    enter(
        &t,
        &book,
        &[(published, others[0], "EX"), (published, others[1], "MI")],
    )
    .await;
    let subject = p.get(&page.attr("#subjects a", "href").unwrap()).await;
    assert_eq!(subject.text(".class-mean"), "70.0 %");
    // The trend is an SVG with one point per published result, and a table of the same numbers.
    assert_eq!(subject.count("#trend svg circle"), 1);
    assert!(subject.text("#marks").contains("counted at 80.0 %"));
    // When the school hides class averages, the column goes.
    exec(&app, "UPDATE schools SET parents_see_class_average = FALSE");
    let subject = p.get(&page.attr("#subjects a", "href").unwrap()).await;
    assert_eq!(subject.count(".class-mean"), 0);
    // Publishing the test changes the parent's figure to the staff one.
    exec(
        &app,
        &format!("UPDATE assessments SET published = TRUE WHERE id = {secret}"),
    );
    let page = p.get(&format!("/parent/children/{child}")).await;
    assert_eq!(page.text("#subjects .avg"), "50.0 %");
    // Another family's child, and a subject page of it, are 404.
    assert_eq!(
        p.get(&format!("/parent/children/{classmate}")).await.status,
        404
    );
    let subject_id = crate::gradebook::subject_of(&app, "7A", "Mathematics");
    assert_eq!(
        p.get(&format!(
            "/parent/children/{classmate}/subjects/{subject_id}"
        ))
        .await
        .status,
        404
    );
}

#[actix_web::test]
async fn behaviour_is_recorded_by_teachers_of_the_class_and_shown_to_parents_only_if_the_school_says(
) {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let c7a = app.class_id("7A");
    let child = child_in(&app, "7A");
    let url = format!("/teacher/classes/{c7a}/behaviour");
    let page = t.get(&url).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let html = page.html();
    let opt = scraper::Selector::parse("#behaviour-category_id option").unwrap();
    let category = html
        .select(&opt)
        .find(|o| o.text().collect::<String>().starts_with("Disruption"))
        .and_then(|o| o.value().attr("value"))
        .unwrap()
        .to_string();
    // Hostile and impossible input first: nothing recorded, each field says why.
    let other_class_student = {
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        diesel::sql_query("SELECT e.student_id AS id FROM enrolments e JOIN classes c ON c.id = e.class_id WHERE c.name = '7B' LIMIT 1")
            .get_result::<Id>(&mut app.conn())
            .unwrap()
            .id
    };
    let r = t
        .submit(
            &url,
            &url,
            &[
                ("student_id", &other_class_student.to_string()),
                ("category_id", "x"),
                ("date", "2030-01-01"),
                ("note", "\u{7}"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for f in ["student_id", "category_id", "date", "note"] {
        assert!(
            r.attr(&format!("#behaviour-{f}"), "aria-invalid").is_some(),
            "{f}"
        );
    }
    let r = t
        .submit(
            &url,
            &url,
            &[
                ("student_id", &child.to_string()),
                ("category_id", &category),
                ("date", "2026-11-17"),
                ("note", "Shouted in <b>class</b>"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = t.get(&url).await;
    assert!(page.text("#behaviour").contains("Shouted in <b>class</b>"));
    let r = t
        .submit(
            &url,
            &format!("/teacher/classes/{c7a}/participation"),
            &[
                ("student_id", &child.to_string()),
                ("event", "Chess club"),
                ("date", "2026-11-16"),
                ("status", "winner"),
                ("remarks", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // Each record in its own list (both come from one statement), on the class's page and on
    // the principal's profile of the student.
    let page = t.get(&url).await;
    assert_eq!(page.count("#behaviour tbody tr"), 1);
    assert_eq!(page.count("#participation tbody tr"), 1);
    assert!(page.text("#participation").contains("Chess club"));
    assert!(!page.text("#participation").contains("Shouted"));
    assert!(!page.text("#behaviour").contains("Chess club"));
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let profile = principal.get(&format!("/dashboard/students/{child}")).await;
    assert_eq!(profile.status, 200);
    assert_eq!(profile.count("#behaviour li"), 1);
    assert!(profile
        .text("#behaviour")
        .contains("Shouted in <b>class</b>"));
    assert_eq!(profile.count("#participation li"), 1);
    assert!(profile.text("#participation").contains("Chess club"));
    // A teacher of another class cannot record here.
    let other = app.signed_in("teacher7@rollbook.test").await;
    assert_eq!(other.get(&url).await.status, 404);
    let p = app.signed_in(DEMO_PARENT).await;
    let page = p.get(&format!("/parent/children/{child}")).await;
    assert!(page.text("#behaviour").contains("Disruption"));
    assert!(page.text("#participation").contains("Chess club"));
    exec(&app, "UPDATE schools SET parents_see_behaviour = FALSE");
    let page = p.get(&format!("/parent/children/{child}")).await;
    assert_eq!(page.count("#behaviour"), 0);
    assert!(!page.body.contains("Disruption"));
}

#[actix_web::test]
async fn term_reports_agree_with_the_gradebook_and_keep_comments_safely() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let book = book_url(&app, "7A", "Mathematics");
    let c7a = app.class_id("7A");
    let child = child_in(&app, "7A");
    let a = create_assessment(&t, &book, "Unit test", "Test", "20", false).await;
    enter(&t, &book, &[(a, child, "15")]).await;
    // Two register marks this term: one present, one absent → 50 %.
    exec(
        &app,
        &format!(
            "INSERT INTO attendance (school_id, class_id, student_id, date, code_id, updated_at)
             SELECT c.school_id, c.id, {child}, d.day, ac.id, now()
               FROM classes c JOIN attendance_codes ac ON ac.school_id = c.school_id
               JOIN (VALUES ('2026-11-16'::date, 'present'), ('2026-11-17'::date, 'absent')) AS d(day, category) ON d.category = ac.category
              WHERE c.id = {c7a}"
        ),
    );
    let all = t.get(&format!("/teacher/classes/{c7a}/reports")).await;
    assert_eq!(all.status, 200);
    assert_eq!(all.count("article.report"), 24);
    let report = format!("#report-{child}");
    assert_eq!(all.text(&format!("{report} .overall")), "75.0 %");
    assert!(all
        .text(&format!("{report} .attendance"))
        .starts_with("50.0 %"));
    assert_eq!(
        all.text(&format!("{report} .behaviour")),
        "0 positive, 0 negative records"
    );
    // The comment: saved, then a stale second save is refused with the current text.
    let one = format!("/teacher/classes/{c7a}/reports/{child}");
    let page = t.get(&one).await;
    let form = form_fields(&page, ".comment-form");
    let mut first = form.clone();
    first.push(("comment".into(), "A strong term.".into()));
    let r = t.post_form(&format!("{one}/comment"), &pairs(&first)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mut stale = form.clone();
    stale.push(("comment".into(), "Overwrite attempt".into()));
    let r = t.post_form(&format!("{one}/comment"), &pairs(&stale)).await;
    assert_eq!(r.status, 409);
    assert!(r.text("#conflict").contains("A strong term."));
    assert_eq!(
        t.get(&one).await.text(&format!("{report} .comment")),
        "A strong term."
    );
    // Not my class: 404.
    let c7b = app.class_id("7B");
    assert_eq!(
        t.get(&format!("/teacher/classes/{c7b}/reports"))
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn the_school_sets_the_grade_scale_and_missing_work_rule_and_averages_follow() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let book = book_url(&app, "7A", "Mathematics");
    let a1 = create_assessment(&t, &book, "One", "Quiz", "10", true).await;
    let a2 = create_assessment(&t, &book, "Two", "Quiz", "10", true).await;
    let s = row_ids(&t.get(&book).await)[0];
    enter(&t, &book, &[(a1, s, "8.5"), (a2, s, "MI")]).await;
    assert_eq!(t.get(&book).await.text(&format!("#avg-{s}")), "85.0 % B");
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let settings = principal.get("/admin/settings").await;
    assert_eq!(settings.status, 200);
    assert_eq!(
        settings.count("section[id^='school-']"),
        1,
        "a principal sees their own school"
    );
    let school: i64 = settings
        .attr("section[id^='school-']", "id")
        .unwrap()
        .trim_start_matches("school-")
        .parse()
        .unwrap();
    // Hostile scales are refused beside the field.
    let grades = format!("/admin/settings/{school}/grades");
    let r = principal
        .submit(
            "/admin/settings",
            &grades,
            &[
                ("letter_0", "A"),
                ("min_0", "85"),
                ("letter_1", "A"),
                ("min_1", "101"),
                ("letter_2", "<x>"),
                ("min_2", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.count(".grades-form .field-error"), 2);
    assert!(
        r.attr("[name=min_1]", "aria-invalid").is_some()
            && r.attr("[name=letter_2]", "aria-invalid").is_some()
    );
    let r = principal
        .submit(
            "/admin/settings",
            &grades,
            &[
                ("letter_0", "A"),
                ("min_0", "85"),
                ("letter_1", "B"),
                ("min_1", "70"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "no band starts at 0");
    let r = principal
        .submit(
            "/admin/settings",
            &grades,
            &[
                ("letter_0", "A"),
                ("min_0", "85"),
                ("letter_1", "B"),
                ("min_1", "70"),
                ("letter_2", "U"),
                ("min_2", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(t.get(&book).await.text(&format!("#avg-{s}")), "85.0 % A");
    // Missing counts as zero once the school says so.
    let r = principal
        .submit(
            "/admin/settings",
            &format!("/admin/settings/{school}/rules"),
            &[
                ("missing_counts_as_zero", "1"),
                ("parents_see_class_average", "1"),
                ("parents_see_behaviour", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(t.get(&book).await.text(&format!("#avg-{s}")), "42.5 % U");
    let explain = t.get(&format!("{book}/students/{s}")).await;
    assert!(explain
        .text(&format!("[data-assessment-id='{a2}']"))
        .contains("counted as 0 %"));
    // Another school's settings are out of a principal's reach.
    let south: i64 = {
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        diesel::sql_query("SELECT id FROM schools WHERE name = 'Southbank Academy'")
            .get_result::<Id>(&mut app.conn())
            .unwrap()
            .id
    };
    let r = principal
        .submit(
            "/admin/settings",
            &format!("/admin/settings/{south}/rules"),
            &[("missing_counts_as_zero", "1")],
        )
        .await;
    assert_eq!(r.status, 404);
    // So are its grade scale, its categories and its thresholds: 404 and nothing written.
    for (path, fields) in [
        ("grades", vec![("letter_0", "Z"), ("min_0", "0")]),
        ("assessment-categories", vec![("name", "Sneaky")]),
        (
            "behaviour-categories",
            vec![("name", "Sneaky"), ("kind", "negative")],
        ),
        (
            "thresholds",
            vec![
                ("risk_attendance_below", "1"),
                ("risk_average_below", "1"),
                ("risk_negative_records", "1"),
                ("risk_absence_streak", "1"),
                ("high_average_from", "1"),
                ("high_attendance_from", "1"),
            ],
        ),
    ] {
        let r = principal
            .submit(
                "/admin/settings",
                &format!("/admin/settings/{south}/{path}"),
                &fields,
            )
            .await;
        assert_eq!(r.status, 404, "{path}");
    }
    let untouched: i64 = {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        diesel::sql_query(format!(
            "SELECT (SELECT count(*) FROM grade_bands WHERE school_id = {south} AND letter = 'Z')
                  + (SELECT count(*) FROM assessment_categories WHERE school_id = {south} AND name = 'Sneaky')
                  + (SELECT count(*) FROM behaviour_categories WHERE school_id = {south} AND name = 'Sneaky')
                  + (SELECT count(*) FROM schools WHERE id = {south} AND risk_attendance_below = 1) AS n"
        ))
        .get_result::<N>(&mut app.conn())
        .unwrap()
        .n
    };
    assert_eq!(untouched, 0);
    // A new assessment type appears in the teacher's form; a duplicate is refused.
    let cats = format!("/admin/settings/{school}/assessment-categories");
    assert_eq!(
        principal
            .submit("/admin/settings", &cats, &[("name", "Project")])
            .await
            .status,
        303
    );
    assert_eq!(
        principal
            .submit("/admin/settings", &cats, &[("name", "Project")])
            .await
            .status,
        422
    );
    assert!(t
        .get(&format!("{book}/assessments/new"))
        .await
        .text("#f-category_id")
        .contains("Project"));
    let audits: i64 = {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        diesel::sql_query("SELECT count(*) AS n FROM audit_log WHERE entity IN ('grade_scale', 'school_gradebook_rules', 'assessment_category')")
            .get_result::<N>(&mut app.conn())
            .unwrap()
            .n
    };
    assert_eq!(audits, 3);
}
