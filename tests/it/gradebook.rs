//! The gradebook: assessments, mark entry (whole grid, a column, a cell), versions and history,
//! hostile input, weighted averages that match an independent computation, and who may see what.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text};

use crate::helpers::*;

/// The subject id of `subject` taught to class `class` (names are unique per school in the demo).
pub fn subject_of(app: &TestApp, class: &str, subject: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let row: Id = diesel::sql_query(
        "SELECT sub.id FROM subjects sub JOIN classes c ON c.school_id = sub.school_id
          WHERE c.name = $1 AND sub.name = $2",
    )
    .bind::<Text, _>(class)
    .bind::<Text, _>(subject)
    .get_result(&mut app.conn())
    .unwrap();
    row.id
}

pub fn book_url(app: &TestApp, class: &str, subject: &str) -> String {
    format!(
        "/teacher/classes/{}/subjects/{}/gradebook",
        app.class_id(class),
        subject_of(app, class, subject)
    )
}

/// Creates an assessment through the form; returns its id.
pub async fn create_assessment(
    b: &Browser,
    book: &str,
    title: &str,
    category: &str,
    max: &str,
    published: bool,
) -> i64 {
    let form = b.get(&format!("{book}/assessments/new")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let html = form.html();
    let option = scraper::Selector::parse("#f-category_id option").unwrap();
    let category_id = html
        .select(&option)
        .find(|o| o.text().collect::<String>() == category)
        .and_then(|o| o.value().attr("value"))
        .unwrap()
        .to_string();
    let token = form.csrf_token();
    let term = form.attr("#f-term_id option[selected]", "value").unwrap();
    let mut fields = vec![
        ("csrf_token", token.as_str()),
        ("title", title),
        ("category_id", category_id.as_str()),
        ("term_id", term.as_str()),
        ("date", "2026-11-10"),
        ("max_score", max),
    ];
    if published {
        fields.push(("published", "on"));
    }
    let r = b
        .post_form(&format!("{book}/assessments/new"), &fields)
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    r.location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The form fields of `form_selector` as a browser would post them.
pub fn form_fields(page: &TestResponse, form_selector: &str) -> Vec<(String, String)> {
    let html = page.html();
    let inputs = scraper::Selector::parse(&format!("{form_selector} input")).unwrap();
    html.select(&inputs)
        .filter_map(|e| {
            Some((
                e.value().attr("name")?.to_string(),
                e.value().attr("value").unwrap_or("").to_string(),
            ))
        })
        .collect()
}

pub fn set(form: &mut [(String, String)], name: &str, value: &str) {
    let field = form
        .iter_mut()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no field {name}"));
    field.1 = value.to_string();
}

pub fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Student ids in the order of the grid's rows.
pub fn row_ids(page: &TestResponse) -> Vec<i64> {
    let html = page.html();
    let rows = scraper::Selector::parse("#gradebook tbody tr").unwrap();
    html.select(&rows)
        .map(|r| r.value().attr("data-student-id").unwrap().parse().unwrap())
        .collect()
}

#[derive(QueryableByName, Debug, PartialEq)]
pub struct StoredScore {
    #[diesel(sql_type = BigInt)]
    pub student_id: i64,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Double>)]
    pub score: Option<f64>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub version: i32,
}

pub fn stored(app: &TestApp, assessment: i64) -> Vec<StoredScore> {
    diesel::sql_query(
        "SELECT student_id, status, score::float8 AS score, version FROM scores WHERE assessment_id = $1 ORDER BY student_id",
    )
    .bind::<BigInt, _>(assessment)
    .load(&mut app.conn())
    .unwrap()
}

fn count(app: &TestApp, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    diesel::sql_query(sql)
        .get_result::<N>(&mut app.conn())
        .unwrap()
        .n
}

/// Fills a column with `values` (one per row, in row order) and posts the column form.
async fn post_column(b: &Browser, book: &str, assessment: i64, values: &[&str]) -> TestResponse {
    let url = format!("{book}/assessments/{assessment}");
    let page = b.get(&url).await;
    let mut form = form_fields(&page, "#column-form");
    for (id, v) in row_ids(&page).iter().zip(values) {
        set(&mut form, &format!("c_{assessment}_{id}"), v);
    }
    b.post_form(&url, &pairs(&form)).await
}

#[actix_web::test]
async fn a_teacher_creates_an_assessment_and_saves_a_whole_column_with_statistics() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let book = book_url(&app, "7A", "Mathematics");
    let a = create_assessment(&t, &book, "Fractions quiz", "Quiz", "20", true).await;
    let page = t.get(&format!("{book}/assessments/{a}")).await;
    assert_eq!(page.status, 200);
    let ids = row_ids(&page);
    assert_eq!(ids.len(), 24);
    // Every student gets a mark, one is excused and one missing.
    let mut values: Vec<String> = (0..ids.len()).map(|i| format!("{}", 8 + i % 13)).collect();
    values[0] = "EX".into();
    values[1] = "mi".into();
    values[2] = "19.5".into();
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    let r = post_column(&t, &book, a, &refs).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let rows = stored(&app, a);
    assert_eq!(rows.len(), 24);
    assert!(rows.iter().all(|r| r.version == 1));
    let by_id = |id: i64| rows.iter().find(|r| r.student_id == id).unwrap();
    assert_eq!(by_id(ids[0]).status, "excused");
    assert_eq!(by_id(ids[1]).status, "missing");
    assert_eq!(by_id(ids[2]).score, Some(19.5));
    assert_eq!(count(&app, "SELECT count(*) AS n FROM score_changes"), 24);

    // The statistics are those of the scored percentages.
    let mut pcts: Vec<f64> = values[2..]
        .iter()
        .map(|v| v.parse::<f64>().unwrap() / 20.0 * 100.0)
        .collect();
    pcts.sort_by(f64::total_cmp);
    let mean = pcts.iter().sum::<f64>() / pcts.len() as f64;
    let median = (pcts[10] + pcts[11]) / 2.0;
    let page = t.get(&format!("{book}/assessments/{a}")).await;
    assert_eq!(page.text("#stat-count"), "22");
    assert_eq!(page.text("#stat-mean"), format!("{mean:.1} %"));
    assert_eq!(page.text("#stat-median"), format!("{median:.1} %"));
    assert_eq!(page.text("#stat-min"), format!("{:.1} %", pcts[0]));
    assert_eq!(page.text("#stat-max"), format!("{:.1} %", pcts[21]));
    let bands: usize = page
        .texts("#bands td")
        .iter()
        .map(|n| n.parse::<usize>().unwrap())
        .sum();
    assert_eq!(bands, 22);

    // Saving the same column again writes nothing and succeeds.
    let r = post_column(&t, &book, a, &refs).await;
    assert_eq!(r.status, 303);
    assert!(stored(&app, a).iter().all(|r| r.version == 1));

    // The grid shows the marks and each student's average.
    let grid = t.get(&book).await;
    assert_eq!(
        grid.attr(&format!("input[name='c_{a}_{}']", ids[2]), "value")
            .as_deref(),
        Some("19.5")
    );
    assert_eq!(grid.text(&format!("#avg-{}", ids[2])), "97.5 % A");
    assert_eq!(grid.text(&format!("#avg-{}", ids[0])), "— —");
    // The grid's class mean for the column is the assessment page's mean.
    assert_eq!(grid.text(&format!("#mean-{a}")), format!("{mean:.1} %"));
}

#[actix_web::test]
async fn hostile_input_in_any_cell_is_refused_beside_it_and_nothing_is_saved() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let book = book_url(&app, "7A", "Mathematics");
    let a = create_assessment(&t, &book, "Test 1", "Test", "10", false).await;
    let hostile = [
        "-1",
        "10.01",
        "11",
        "7.123",
        "abc",
        "1e3",
        "NaN",
        "inf",
        "<script>alert(1)</script>",
        "7,5",
        "0x10",
        "' OR 1=1 --",
        "\u{0}",
        "９",
    ];
    let mut values: Vec<&str> = vec!["5"; 24];
    values[..hostile.len()].copy_from_slice(&hostile);
    let r = post_column(&t, &book, a, &values).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(stored(&app, a).len(), 0, "nothing saved");
    assert_eq!(r.count("#gradebook td.has-error"), hostile.len());
    assert_eq!(r.count(".cell-msg.field-error"), hostile.len());
    assert!(r.text("#gradebook").contains("Use at most two decimals."));
    assert!(r.text("#gradebook").contains("Enter a score from 0 to 10."));
    assert!(!r.body.contains("<script>alert"), "typing is escaped");
    // What was typed is kept in the cells.
    let ids = row_ids(&r);
    assert_eq!(
        r.attr(&format!("input[name='c_{a}_{}']", ids[8]), "value")
            .as_deref(),
        Some("<script>alert(1)</script>")
    );
    // A single cell refuses the same way with 422 and saves nothing.
    let page = t.get(&book).await;
    let cell = format!("/teacher/marks/{a}/{}", ids[0]);
    let token = page.csrf_token();
    let c = format!("c_{a}_{}", ids[0]);
    let r = t
        .post_form(&cell, &[("csrf_token", &token), (&c, "12")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Enter a score from 0 to 10."));
    assert_eq!(stored(&app, a).len(), 0);
}

#[actix_web::test]
async fn each_cell_saves_alone_and_a_stale_cell_is_refused_with_the_current_value() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let book = book_url(&app, "7A", "Mathematics");
    let a = create_assessment(&t, &book, "Homework 1", "Assignment", "10", false).await;
    let page = t.get(&book).await;
    let ids = row_ids(&page);
    let token = page.csrf_token();
    let cell = format!("/teacher/marks/{a}/{}", ids[3]);
    let (c, v) = (format!("c_{a}_{}", ids[3]), format!("v_{a}_{}", ids[3]));
    let r = t
        .post_form(&cell, &[("csrf_token", &token), (&c, "7"), (&v, "0:")])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Saved"));
    assert!(r.body.contains("hx-swap-oob"), "the average comes along");
    assert!(r.body.contains("70.0 %"));
    // A retry of the same tap changes nothing and succeeds.
    let again = t
        .post_form(&cell, &[("csrf_token", &token), (&c, "7"), (&v, "0:")])
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(stored(&app, a)[0].version, 1);
    // A colleague's page, loaded before, tries to change it: 409 with the current value.
    let r = t
        .post_form(&cell, &[("csrf_token", &token), (&c, "4"), (&v, "0:")])
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("now 7"), "{}", r.body);
    assert!(r.body.contains("Tomás García"));
    assert_eq!(stored(&app, a)[0].score, Some(7.0));
    // With the version it now shows, the change goes through and history keeps both.
    let r = t
        .post_form(&cell, &[("csrf_token", &token), (&c, "4"), (&v, "1:7")])
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(stored(&app, a)[0].score, Some(4.0));
    assert_eq!(stored(&app, a)[0].version, 2);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM score_changes"), 2);
    // Clearing a cell keeps the row as blank, versioned.
    let r = t
        .post_form(&cell, &[("csrf_token", &token), (&c, ""), (&v, "2:4")])
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(stored(&app, a)[0].status, "blank");
}

#[actix_web::test]
async fn concurrent_identical_columns_give_one_row_per_student_and_a_conflict_saves_nothing() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let book = book_url(&app, "7A", "Mathematics");
    let a = create_assessment(&t, &book, "Test 2", "Test", "50", false).await;
    let url = format!("{book}/assessments/{a}");
    let page = t.get(&url).await;
    let ids = row_ids(&page);
    let mut form = form_fields(&page, "#column-form");
    for (i, id) in ids.iter().enumerate() {
        set(&mut form, &format!("c_{a}_{id}"), &format!("{}", 20 + i));
    }
    let body = pairs(&form);
    let answers = futures_util::future::join_all((0..30).map(|_| t.post_form(&url, &body))).await;
    assert!(
        answers.iter().all(|r| r.status == 303),
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let rows = stored(&app, a);
    assert_eq!(rows.len(), ids.len());
    assert!(rows.iter().all(|r| r.version == 1));
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM score_changes"),
        ids.len() as i64
    );

    // A stale page changing two cells, one of which someone else changed: nothing saved, 409
    // naming the cell, and the other typing kept.
    let mut stale = form.clone();
    set(&mut stale, &format!("c_{a}_{}", ids[0]), "1");
    set(&mut stale, &format!("c_{a}_{}", ids[1]), "2");
    for (k, v) in stale.iter_mut() {
        if k.starts_with("v_") {
            *v = "0:".into();
        }
    }
    // Only the two changed cells differ from what the (stale) page showed.
    for (i, id) in ids.iter().enumerate().skip(2) {
        set(&mut stale, &format!("v_{a}_{id}"), &format!("0:{}", 20 + i));
    }
    let r = t.post_form(&url, &pairs(&stale)).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.count("#conflicts li"), 2);
    assert!(r.text("#conflicts").contains("now 20"));
    assert_eq!(
        stored(&app, a)
            .iter()
            .find(|s| s.student_id == ids[0])
            .unwrap()
            .score,
        Some(20.0)
    );
}

#[actix_web::test]
async fn only_teachers_of_the_class_and_subject_reach_a_gradebook() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    // Tomás teaches 7A mathematics, not 7A English nor 7B mathematics.
    assert_eq!(
        t.get(&book_url(&app, "7A", "Mathematics")).await.status,
        200
    );
    assert_eq!(t.get(&book_url(&app, "7A", "English")).await.status, 404);
    assert_eq!(
        t.get(&book_url(&app, "7B", "Mathematics")).await.status,
        404
    );
    let other = book_url(&app, "7B", "Mathematics");
    let teacher6 = app.signed_in("teacher6@rollbook.test").await;
    let a = create_assessment(&teacher6, &other, "Quiz 7B", "Quiz", "10", true).await;
    // Another teacher's assessment, cell and explanation are 404 too, even via my own class.
    let mine = book_url(&app, "7A", "Mathematics");
    assert_eq!(t.get(&format!("{other}/assessments/{a}")).await.status, 404);
    assert_eq!(t.get(&format!("{mine}/assessments/{a}")).await.status, 404);
    let token = t.get(&mine).await.csrf_token();
    let student = row_ids(&teacher6.get(&other).await)
        .first()
        .copied()
        .unwrap_or(1);
    let r = t
        .post_form(
            &format!("/teacher/marks/{a}/{student}"),
            &[("csrf_token", &token), (&format!("c_{a}_{student}"), "5")],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(stored(&app, a).len(), 0);
    // Nor can its column be saved, through its own book or mine.
    for book in [&other, &mine] {
        let r = t
            .post_form(
                &format!("{book}/assessments/{a}"),
                &[("csrf_token", &token), (&format!("c_{a}_{student}"), "5")],
            )
            .await;
        assert_eq!(r.status, 404, "{book}");
    }
    assert_eq!(stored(&app, a).len(), 0);
    // A column of mine saves only students on its roster: another class's student is ignored.
    let own = create_assessment(&t, &mine, "Quiz 7A", "Quiz", "10", true).await;
    let r = t
        .post_form(
            &format!("{mine}/assessments/{own}"),
            &[("csrf_token", &token), (&format!("c_{own}_{student}"), "5")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(stored(&app, own).len(), 0);
    // A mark of no assessment at all is no page either.
    let r = t
        .post_form(
            &format!("/teacher/marks/999999/{student}"),
            &[
                ("csrf_token", &token),
                (&format!("c_999999_{student}"), "5"),
            ],
        )
        .await;
    assert_eq!(r.status, 404);
    // Parents and the office are not teachers.
    let parent = app.signed_in(DEMO_PARENT).await;
    assert_eq!(parent.get(&mine).await.status, 403);
}

#[actix_web::test]
async fn weighted_averages_match_an_independent_computation_and_their_explanation() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let book = book_url(&app, "8A", "Mathematics");
    let test = create_assessment(&t, &book, "Algebra test", "Test", "40", true).await;
    let quiz1 = create_assessment(&t, &book, "Quiz A", "Quiz", "10", true).await;
    let quiz2 = create_assessment(&t, &book, "Quiz B", "Quiz", "10", false).await;
    let project = create_assessment(&t, &book, "Poster", "Assignment", "20", true).await;
    // Weights: tests 60, quizzes 40, assignments unweighted (left out).
    let page = t.get(&format!("{book}/weights")).await;
    let html = page.html();
    let label = scraper::Selector::parse("label[for^='w-']").unwrap();
    let weight_of = |name: &str| -> String {
        html.select(&label)
            .find(|l| l.text().collect::<String>() == name)
            .unwrap()
            .value()
            .attr("for")
            .unwrap()
            .replace("w-", "w_")
    };
    let (wt, wq) = (weight_of("Test"), weight_of("Quiz"));
    // Hostile weights first.
    let r = t
        .submit(
            &format!("{book}/weights"),
            &format!("{book}/weights"),
            &[(&wt, "-5"), (&wq, "abc")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.count(".field-error"), 2);
    let r = t
        .submit(
            &format!("{book}/weights"),
            &format!("{book}/weights"),
            &[(&wt, "60"), (&wq, "40")],
        )
        .await;
    assert_eq!(r.status, 303);

    let grid = t.get(&book).await;
    let ids = row_ids(&grid);
    let s = ids[0];
    let mut form = form_fields(&grid, "#gradebook-form");
    set(&mut form, &format!("c_{test}_{s}"), "30"); // 75 %
    set(&mut form, &format!("c_{quiz1}_{s}"), "9"); // 90 %
    set(&mut form, &format!("c_{quiz2}_{s}"), "EX"); // left out
    set(&mut form, &format!("c_{project}_{s}"), "2"); // unweighted: left out
    let r = t
        .post_form(
            &format!(
                "{book}?term={}",
                grid.attr("#gradebook", "data-term").unwrap()
            ),
            &pairs(&form),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let expected = 75.0 * 0.6 + 90.0 * 0.4;
    let grid = t.get(&book).await;
    assert_eq!(
        grid.text(&format!("#avg-{s}")),
        format!("{expected:.1} % B")
    );
    let explain = t.get(&format!("{book}/students/{s}")).await;
    assert_eq!(explain.status, 200);
    assert_eq!(explain.text("#average"), format!("{expected:.1} % B"));
    // Headings go down one level at a time: the page's h1, then h2, then the parts' h3.
    let levels: Vec<String> = explain
        .html()
        .select(&scraper::Selector::parse("h1, h2, h3, h4").unwrap())
        .map(|h| h.value().name().to_string())
        .collect();
    assert_eq!(levels, ["h1", "h2", "h3", "h3"]);
    assert!(explain.text("[data-category='Test']").contains("60.0 %"));
    assert!(explain
        .text(&format!("[data-assessment-id='{quiz2}']"))
        .contains("excused: left out"));
    assert!(explain
        .text(&format!("[data-assessment-id='{project}']"))
        .contains("no weight"));
    // A student in another class is not explained here.
    let other = ids.last().copied().unwrap() + 1000;
    assert_eq!(t.get(&format!("{book}/students/{other}")).await.status, 404);
}

#[actix_web::test]
async fn assessments_validate_refuse_stale_edits_and_archive_instead_of_deleting_marks() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let book = book_url(&app, "7A", "Mathematics");
    let new = format!("{book}/assessments/new");
    let r = t
        .submit(
            &new,
            &new,
            &[
                ("title", ""),
                ("category_id", "999999"),
                ("term_id", "x"),
                ("date", "2026-02-30"),
                ("max_score", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for field in ["title", "category_id", "term_id", "date", "max_score"] {
        assert!(
            r.attr(&format!("#f-{field}"), "aria-invalid").is_some(),
            "{field} is marked"
        );
    }
    assert_eq!(count(&app, "SELECT count(*) AS n FROM assessments"), 0);

    let a = create_assessment(&t, &book, "Draft", "Quiz", "10", false).await;
    let edit = format!("{book}/assessments/{a}/edit");
    let page = t.get(&edit).await;
    let mut form = form_fields(&page, "form[action$='/edit']");
    set(&mut form, "title", "Quiz 3");
    let (cat, term) = (
        page.attr("#f-category_id option[selected]", "value")
            .unwrap(),
        page.attr("#f-term_id option[selected]", "value").unwrap(),
    );
    form.push(("category_id".into(), cat));
    form.push(("term_id".into(), term));
    let r = t.post_form(&edit, &pairs(&form)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    // The same (now stale) form again: 409 naming what is stored, nothing changed.
    set(&mut form, "title", "Quiz three");
    let r = t.post_form(&edit, &pairs(&form)).await;
    assert_eq!(r.status, 409);
    assert!(r.text("#conflict").contains("Quiz 3"));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM assessments WHERE title = 'Quiz 3'"
        ),
        1
    );
    // Delete without marks deletes; with marks it archives.
    let empty = create_assessment(&t, &book, "Empty", "Quiz", "10", false).await;
    let r = t
        .submit(
            &edit,
            &format!("{book}/assessments/{empty}/delete"),
            &[("action", "delete")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) AS n FROM assessments WHERE id = {empty}")
        ),
        0
    );
    let r = post_column(&t, &book, a, &["5"]).await;
    assert_eq!(r.status, 303);
    // The edit page counts what is entered (from the loaded cells) and says why it archives.
    let page = t.get(&edit).await;
    assert!(
        page.text("main").contains("1 mark has been entered"),
        "{}",
        page.text("main")
    );
    let r = t
        .submit(
            &edit,
            &format!("{book}/assessments/{a}/delete"),
            &[("action", "delete")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) AS n FROM assessments WHERE id = {a} AND archived")
        ),
        1
    );
    assert_eq!(stored(&app, a).len(), 1, "marks kept");
    assert_eq!(
        t.get(&book).await.count(&format!("#a-{a}")),
        0,
        "archived work leaves the grid"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE entity = 'assessment'"
        ),
        5
    );
}

#[derive(diesel::QueryableByName)]
struct ScoreCase {
    #[diesel(sql_type = Text)]
    value: String,
    #[diesel(sql_type = diesel::sql_types::Double)]
    read: f64,
}

/// A grid's score reaches the page as PostgreSQL's float8 of the stored decimal: the same number
/// as the decimal written out and read back, for every size of score a cell takes.
#[actix_web::test]
async fn a_grid_score_reads_as_its_exact_decimal() {
    let app = TestApp::spawn().await;
    let cases: Vec<ScoreCase> = diesel::sql_query(
        "SELECT v::text AS value, v::float8 AS read
           FROM unnest('{0, 0.01, 0.1, 0.5, 7.25, 9.99, 10, 99.9, 100, 1234.5, 9999.99, 10000,
                         10000.01, 99999.99}'::numeric(7,2)[]) AS c(v)",
    )
    .load(&mut app.conn())
    .unwrap();
    assert_eq!(cases.len(), 14);
    for c in &cases {
        assert_eq!(c.read, c.value.parse::<f64>().unwrap(), "{}", c.value);
        assert_eq!(
            rollbook::domain::grades::format_score(c.read),
            c.value.trim_end_matches('0').trim_end_matches('.'),
            "{}",
            c.value
        );
    }
}

/// (assessment, "student ids | scores | stamps") per assessment.
type Grids = Vec<(i64, String)>;

/// Every assessment's stored grid (`score_grids`, what gradebook pages read) and its cells
/// gathered from `scores` afresh.
fn grids_and_fresh(app: &TestApp) -> (Grids, Grids) {
    #[derive(QueryableByName)]
    struct Grid {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Text)]
        grid: String,
    }
    let load = |sql: &str| -> Grids {
        diesel::sql_query(sql)
            .load::<Grid>(&mut app.conn())
            .unwrap()
            .into_iter()
            .map(|g| (g.id, g.grid))
            .collect()
    };
    let stored = load(
        "SELECT g.assessment_id AS id,
                concat_ws(' | ', g.student_ids, g.scores, g.stamps) AS grid
           FROM score_grids g ORDER BY g.assessment_id",
    );
    let fresh = load(
        "SELECT a.id, concat_ws(' | ',
                    COALESCE(array_agg(s.student_id ORDER BY s.student_id) FILTER (WHERE s.id IS NOT NULL), '{}'),
                    COALESCE(array_agg(s.score ORDER BY s.student_id) FILTER (WHERE s.id IS NOT NULL), '{}'),
                    COALESCE(array_agg(s.version * 8 + ascii(s.status) % 5 ORDER BY s.student_id)
                             FILTER (WHERE s.id IS NOT NULL), '{}')) AS grid
           FROM assessments a LEFT JOIN scores s ON s.assessment_id = a.id
          GROUP BY a.id ORDER BY a.id",
    );
    (stored, fresh)
}

fn assert_grids_match(app: &TestApp, after: &str) {
    let (stored, fresh) = grids_and_fresh(app);
    assert_eq!(stored, fresh, "stored grids after {after}");
}

#[actix_web::test]
async fn stored_grids_follow_every_change_to_the_scores() {
    let app = TestApp::spawn().await;
    assert_grids_match(&app, "the demo seed");
    let t = app.signed_in(DEMO_TEACHER).await;
    let book = book_url(&app, "7A", "Mathematics");
    let a = create_assessment(&t, &book, "Quiz 9", "Quiz", "20", false).await;
    assert_grids_match(&app, "a new assessment");
    assert_eq!(
        grids_and_fresh(&app).0,
        vec![(a, "{} | {} | {}".to_string())]
    );
    let values: Vec<String> = (0..30).map(|i| format!("{}", i % 21)).collect();
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    assert_eq!(post_column(&t, &book, a, &values).await.status, 303);
    assert_grids_match(&app, "a column");
    // One cell through htmx, then EX and MI and a cleared cell in the column form.
    let page = t.get(&book).await;
    let ids = row_ids(&page);
    let (c, v) = (format!("c_{a}_{}", ids[1]), format!("v_{a}_{}", ids[1]));
    let r = t
        .post_form(
            &format!("/teacher/marks/{a}/{}", ids[1]),
            &[
                ("csrf_token", &page.csrf_token()),
                (&c, "12.5"),
                (&v, "1:1"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_grids_match(&app, "one cell");
    let mut column: Vec<&str> = values.clone();
    column[2] = "EX";
    column[3] = "MI";
    column[4] = "";
    column[1] = "12.5";
    assert_eq!(post_column(&t, &book, a, &column).await.status, 303);
    assert_grids_match(&app, "excused, missing and cleared cells");
    let shown = t.get(&format!("{book}/assessments/{a}")).await;
    assert_eq!(
        shown.attr(&format!("input[name='c_{a}_{}']", ids[1]), "value"),
        Some("12.5".into())
    );
    // Single statements across many assessments (an import, a seed): every grid takes its own
    // cells and only those.
    let mut three = vec![a];
    for title in ["Quiz 11", "Quiz 12"] {
        let other = create_assessment(&t, &book, title, "Quiz", "20", false).await;
        assert_eq!(post_column(&t, &book, other, &values).await.status, 303);
        three.push(other);
    }
    let rows = format!(
        "assessment_id IN ({}, {}, {}) AND student_id IN ({}, {}, {}, {})",
        three[0], three[1], three[2], ids[5], ids[6], ids[7], ids[8]
    );
    let mut conn = app.conn();
    let mut run = |sql: String| diesel::sql_query(sql).execute(&mut conn).unwrap();
    assert_eq!(
        run(format!(
            "CREATE TEMP TABLE kept AS SELECT * FROM scores WHERE {rows}"
        )),
        12
    );
    run(format!(
        "UPDATE scores SET version = version + 1, score = floor(score / 2) WHERE {rows}"
    ));
    assert_grids_match(&app, "an update across assessments");
    run(format!("DELETE FROM scores WHERE {rows}"));
    assert_grids_match(&app, "a deletion across assessments");
    run("INSERT INTO scores SELECT * FROM kept".into());
    assert_grids_match(&app, "an insertion across assessments");
    // A student who leaves the school for good takes their cells out of every grid.
    diesel::sql_query("DELETE FROM students WHERE id = $1")
        .bind::<BigInt, _>(ids[0])
        .execute(&mut app.conn())
        .unwrap();
    assert_grids_match(&app, "a student's deletion");
    let (stored, _) = grids_and_fresh(&app);
    let gone = ids[0].to_string();
    assert!(stored.iter().all(|(_, g)| {
        let students = g.split(" | ").next().unwrap();
        !students
            .trim_matches(['{', '}'])
            .split(',')
            .any(|s| s == gone)
    }));
    // An assessment's deletion takes its grid with it.
    diesel::sql_query("DELETE FROM assessments WHERE id = $1")
        .bind::<BigInt, _>(a)
        .execute(&mut app.conn())
        .unwrap();
    assert_grids_match(&app, "an assessment's deletion");
}

#[actix_web::test]
async fn two_saves_in_one_assessment_at_once_both_stay_in_its_grid() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let book = book_url(&app, "7A", "Mathematics");
    let a = create_assessment(&t, &book, "Quiz 10", "Quiz", "20", false).await;
    assert_eq!(post_column(&t, &book, a, &["1"; 30]).await.status, 303);
    let ids = row_ids(&t.get(&book).await);
    let change = |student: i64, score: i32| {
        diesel::sql_query(
            "UPDATE scores SET score = $3, version = version + 1 WHERE assessment_id = $1 AND student_id = $2",
        )
        .bind::<BigInt, _>(a)
        .bind::<BigInt, _>(student)
        .bind::<diesel::sql_types::Integer, _>(score)
    };
    // The first save changes one cell and has not committed when the second changes another.
    let mut first = app.conn();
    diesel::sql_query("BEGIN").execute(&mut first).unwrap();
    change(ids[0], 11).execute(&mut first).unwrap();
    let mut second = app.conn();
    #[derive(QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let pid = diesel::sql_query("SELECT pg_backend_pid() AS pid")
        .get_result::<Pid>(&mut second)
        .unwrap()
        .pid;
    let query = change(ids[1], 12);
    let waiting = std::thread::spawn(move || query.execute(&mut second).unwrap());
    // The second waits for the first's lock on the grid (it changed a different cell, so its
    // own update went through: only the grid is shared).
    let mut watcher = app.conn();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        #[derive(QueryableByName)]
        struct Waits {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            waits: bool,
        }
        let w = diesel::sql_query(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted) AS waits",
        )
        .bind::<diesel::sql_types::Integer, _>(pid)
        .get_result::<Waits>(&mut watcher)
        .unwrap();
        if w.waits {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the second save never waited"
        );
        std::thread::yield_now();
    }
    diesel::sql_query("COMMIT").execute(&mut first).unwrap();
    assert_eq!(waiting.join().unwrap(), 1);
    assert_grids_match(&app, "two saves at once");
    let shown = t.get(&format!("{book}/assessments/{a}")).await;
    for (student, score) in [(ids[0], "11"), (ids[1], "12"), (ids[2], "1")] {
        assert_eq!(
            shown.attr(&format!("input[name='c_{a}_{student}']"), "value"),
            Some(score.into()),
            "student {student}"
        );
    }
}

#[actix_web::test]
async fn a_cells_history_goes_with_it_and_forgets_a_deleted_author() {
    use rollbook::schema::{score_changes, scores};
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let book = book_url(&app, "7A", "Mathematics");
    let a = create_assessment(&t, &book, "Quiz 13", "Quiz", "20", false).await;
    let b = create_assessment(&t, &book, "Quiz 14", "Quiz", "20", false).await;
    for assessment in [a, b] {
        assert_eq!(
            post_column(&t, &book, assessment, &["4"; 30]).await.status,
            303
        );
    }
    let mut conn = app.conn();
    let history = |conn: &mut PgConnection, assessment: i64| -> Vec<(i64, Option<i64>)> {
        score_changes::table
            .inner_join(scores::table)
            .filter(scores::assessment_id.eq(assessment))
            .select((scores::student_id, score_changes::changed_by))
            .order(scores::student_id)
            .load(conn)
            .unwrap()
    };
    let teacher_id = app.user_id(DEMO_TEACHER);
    let teacher = Some(teacher_id);
    let before = history(&mut conn, a);
    assert!(before.len() > 20, "{before:?}");
    assert!(before.iter().all(|(_, by)| *by == teacher), "{before:?}");
    let other = history(&mut conn, b);
    assert_eq!(other.len(), before.len());
    // Should an account be deleted (Rollbook itself only deactivates accounts), the history of
    // its changes forgets who made them.
    let author: i64 = diesel::sql_query(
        "INSERT INTO users (email, display_name, role, school_id) \
         SELECT 'supply@example.test', 'Supply Teacher', 'teacher', school_id FROM users WHERE id = $1 \
         RETURNING id",
    )
    .bind::<BigInt, _>(teacher_id)
    .get_result::<rollbook::db::IdRow>(&mut conn)
    .unwrap()
    .id;
    let first = before[0].0;
    diesel::sql_query(
        "UPDATE score_changes h SET changed_by = $1 FROM scores s \
          WHERE s.id = h.score_id AND s.assessment_id = $2 AND s.student_id = $3",
    )
    .bind::<BigInt, _>(author)
    .bind::<BigInt, _>(a)
    .bind::<BigInt, _>(first)
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query("DELETE FROM users WHERE id = $1")
        .bind::<BigInt, _>(author)
        .execute(&mut conn)
        .unwrap();
    let mut expected = before.clone();
    expected[0].1 = None;
    assert_eq!(history(&mut conn, a), expected);
    // A deleted cell's history goes with it, and only its own.
    let total =
        |conn: &mut PgConnection| -> i64 { score_changes::table.count().get_result(conn).unwrap() };
    let all = total(&mut conn);
    diesel::delete(
        scores::table
            .filter(scores::assessment_id.eq(a))
            .filter(scores::student_id.eq(first)),
    )
    .execute(&mut conn)
    .unwrap();
    assert_eq!(total(&mut conn), all - 1);
    assert_eq!(history(&mut conn, a), before[1..].to_vec());
    assert_eq!(history(&mut conn, b), other);
    // A deleted assessment's cells take their history with them too.
    diesel::sql_query("DELETE FROM assessments WHERE id = $1")
        .bind::<BigInt, _>(a)
        .execute(&mut conn)
        .unwrap();
    assert_eq!(total(&mut conn), all - before.len() as i64);
    assert_eq!(history(&mut conn, b), other);
}

#[actix_web::test]
async fn a_column_saved_while_another_save_creates_one_of_its_cells_is_refused_whole() {
    let app = TestApp::spawn().await;
    let t = app.signed_in(DEMO_TEACHER).await;
    let book = book_url(&app, "7A", "Mathematics");
    let a = create_assessment(&t, &book, "Quiz 15", "Quiz", "20", false).await;
    let url = format!("{book}/assessments/{a}");
    let page = t.get(&url).await;
    let ids = row_ids(&page);
    let mut form = form_fields(&page, "#column-form");
    for id in &ids {
        set(&mut form, &format!("c_{a}_{id}"), "9");
    }
    // Another save enters the first cell and has not committed when this column is posted
    // (seen empty, version 0): the column's insert of that cell waits for it.
    let mut first = app.conn();
    diesel::sql_query("BEGIN").execute(&mut first).unwrap();
    diesel::sql_query(
        "INSERT INTO scores (school_id, assessment_id, student_id, status, score, version, updated_at)
         SELECT a.school_id, a.id, $2, 'score', 5, 1, now() FROM assessments a WHERE a.id = $1",
    )
    .bind::<BigInt, _>(a)
    .bind::<BigInt, _>(ids[0])
    .execute(&mut first)
    .unwrap();
    let fields = pairs(&form);
    let post = t.post_form(&url, &fields);
    let commit_once_it_waits = async {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let waiting = count(
                &app,
                "SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                  WHERE NOT l.granted AND a.datname = current_database()",
            );
            if waiting > 0 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the column never waited"
            );
            tokio::task::yield_now().await;
        }
        diesel::sql_query("COMMIT").execute(&mut first).unwrap();
    };
    let (r, ()) = futures_util::future::join(post, commit_once_it_waits).await;
    // The save's guard undid it, it read again and found the cell someone else entered.
    assert_eq!(r.status, 409, "{}", r.body);
    let kept = format!("FROM scores WHERE assessment_id = {a}");
    assert_eq!(
        count(&app, &format!("SELECT count(*) AS n {kept}")),
        1,
        "nothing of the column is kept"
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT student_id * 100 + score::int8 AS n {kept}")
        ),
        ids[0] * 100 + 5
    );
}
