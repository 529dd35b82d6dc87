//! Entering a whole column of marks with the keyboard alone (type, Enter, type, Enter …), every
//! cell saved on its own and kept after a reload; and a column pasted from a spreadsheet.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use fantoccini::key::Key;

use crate::harness::Browser;
use crate::helpers::*;

/// Creates an assessment for 7A mathematics in the current term; returns (book url, id).
fn assessment(app: &TestApp, title: &str) -> (String, i64) {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Text)]
        url: String,
    }
    let row: Row = diesel::sql_query(
        "INSERT INTO assessments (school_id, class_id, subject_id, term_id, category_id, title, date, max_score, created_at, updated_at)
         SELECT c.school_id, c.id, sub.id, t.id, ac.id, $1, DATE '2026-11-10', 20, now(), now()
           FROM classes c JOIN subjects sub ON sub.school_id = c.school_id AND sub.name = 'Mathematics'
           JOIN terms t ON t.academic_year_id = c.academic_year_id AND DATE '2026-11-18' BETWEEN t.starts_on AND t.ends_on
           JOIN assessment_categories ac ON ac.school_id = c.school_id AND ac.name = 'Quiz'
          WHERE c.name = '7A'
         RETURNING id, '/teacher/classes/' || class_id || '/subjects/' || subject_id || '/gradebook' AS url",
    )
    .bind::<Text, _>(title)
    .get_result(&mut app.conn())
    .unwrap();
    (row.url, row.id)
}

async fn values(browser: &Browser, assessment: i64) -> Vec<String> {
    let v = browser
        .client
        .execute(
            &format!("return Array.from(document.querySelectorAll(\"#gradebook input[name^='c_{assessment}_']\")).map(i => i.value);"),
            vec![],
        )
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

/// Waits (in the page, by watching it change) until `n` cells say "Saved".
async fn wait_saved(browser: &Browser, n: usize) {
    let done = browser
        .client
        .execute_async(
            "const [n, done] = arguments;
             const count = () => document.querySelectorAll('.cell-msg.saved').length;
             if (count() >= n) { done(true); return; }
             const watcher = new MutationObserver(() => { if (count() >= n) { watcher.disconnect(); done(true); } });
             watcher.observe(document.body, { childList: true, subtree: true });",
            vec![serde_json::json!(n)],
        )
        .await;
    assert!(
        done.is_ok(),
        "only {} cells saved",
        browser.texts(".cell-msg.saved").await.len()
    );
}

#[actix_web::test]
async fn a_teacher_enters_a_column_with_the_keyboard_only_and_it_is_kept_after_a_reload() {
    let app = TestApp::spawn().await;
    let (book, quiz) = assessment(&app, "Keyboard quiz");
    let (_, pasted) = assessment(&app, "Pasted quiz");
    let browser = Browser::open(&app.address, 1280, 900).await;
    browser.sign_in(DEMO_TEACHER, "#my-classes").await;
    browser.goto(&book).await;
    browser.wait_for("#gradebook").await;
    let problems = browser.accessibility_problems().await;
    assert!(problems.is_empty(), "gradebook: {problems:#?}");
    let rows = values(&browser, quiz).await.len();
    assert_eq!(rows, 24);

    // Focus the first cell, then only the keyboard: a number and Enter, 24 times.
    browser
        .click(&format!("#gradebook input[name^='c_{quiz}_']"))
        .await;
    let typed: Vec<String> = (0..rows).map(|i| format!("{}", 5 + i % 15)).collect();
    for v in &typed {
        let focused = browser.client.active_element().await.unwrap();
        focused
            .send_keys(&format!("{v}{}", char::from(Key::Enter)))
            .await
            .unwrap();
    }
    // The last Enter has nowhere to go; leaving the cell (Tab) saves it.
    let focused = browser.client.active_element().await.unwrap();
    focused
        .send_keys(&char::from(Key::Tab).to_string())
        .await
        .unwrap();
    wait_saved(&browser, rows).await;
    browser.screenshot("gradebook-keyboard").await;

    // A column pasted from a spreadsheet fills the cells below and saves each.
    browser
        .client
        .execute(
            &format!(
                "const input = document.querySelector(\"#gradebook input[name^='c_{pasted}_']\");
                 const data = new DataTransfer(); data.setData('text/plain', '11\\n12.5\\nEX\\n');
                 input.dispatchEvent(new ClipboardEvent('paste', {{ clipboardData: data, bubbles: true, cancelable: true }}));"
            ),
            vec![],
        )
        .await
        .unwrap();
    wait_saved(&browser, rows + 3).await;

    // Mark cells bring up the number pad on a phone: the page's cells and the saved ones (a
    // saved cell gets it once htmx has settled it in place, so this waits for that).
    let pads = browser
        .client
        .execute_async(
            "const done = arguments[0];
             const modes = () => Array.from(document.querySelectorAll(\"#gradebook input[name^='c_']\")).map(i => i.inputMode);
             const check = () => { const m = modes(); if (m.every(x => x === 'decimal')) done(m); else requestAnimationFrame(check); };
             check();",
            vec![],
        )
        .await;
    let pads: Vec<String> =
        serde_json::from_value(pads.expect("every mark cell gets the number pad")).unwrap();
    assert_eq!(pads.len(), rows * 2);

    // Reload: every mark is there, and in the database.
    browser.goto(&book).await;
    browser.wait_for("#gradebook").await;
    assert_eq!(values(&browser, quiz).await, typed);
    assert_eq!(
        &values(&browser, pasted).await[..4],
        ["11", "12.5", "EX", ""]
    );
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let stored: N = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM scores WHERE assessment_id = {quiz} AND status = 'score'"
    ))
    .get_result(&mut app.conn())
    .unwrap();
    assert_eq!(stored.n, 24);
    // The other gradebook pages pass the accessibility check too.
    let class = book.split('/').nth(3).unwrap().to_string();
    for (page, ready) in [
        (format!("{book}/assessments/{quiz}"), "#stats"),
        (format!("{book}/assessments/{quiz}/edit"), "#f-title"),
        (format!("{book}/weights"), "form"),
        (
            format!("/teacher/classes/{class}/reports"),
            "article.report",
        ),
        (
            format!("/teacher/classes/{class}/behaviour"),
            "#behaviour-form",
        ),
    ] {
        browser.goto(&page).await;
        browser.wait_for(ready).await;
        let problems = browser.accessibility_problems().await;
        assert!(problems.is_empty(), "{page}: {problems:#?}");
    }
    browser.close().await;

    // Published, the quiz reaches the parent's phone: a result, a chart, an explanation.
    diesel::sql_query(format!(
        "UPDATE assessments SET published = TRUE WHERE id = {quiz}"
    ))
    .execute(&mut app.conn())
    .unwrap();
    let child: i64 = {
        use rollbook::schema::students;
        students::table
            .filter(students::student_number.eq("NG-0003"))
            .select(students::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let parent = Browser::open(&app.address, 360, 780).await;
    parent.sign_in(DEMO_PARENT, "#my-children").await;
    parent.goto(&format!("/parent/children/{child}")).await;
    parent.wait_for("#subjects").await;
    parent.click("#subjects a").await;
    parent.wait_for("#trend svg").await;
    assert_eq!(parent.texts("#results tbody tr").await.len(), 1);
    let problems = parent.accessibility_problems().await;
    parent.screenshot("parent-subject-phone").await;
    assert!(problems.is_empty(), "subject page at 360 px: {problems:#?}");
    let (viewport, document) = parent.widths().await;
    assert!(
        document <= viewport + 1,
        "fits 360 px ({document} > {viewport})"
    );
    parent.close().await;
}
