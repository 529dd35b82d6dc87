//! Taking a register on a phone with taps: every mark kept after a reload, and the parent sees
//! the absence.

use diesel::prelude::*;

use crate::harness::Browser;
use crate::helpers::*;

#[actix_web::test]
async fn a_teacher_takes_the_register_by_tapping_on_a_phone_and_the_parent_sees_the_absence() {
    let app = TestApp::spawn().await;
    let child: i64 = {
        use rollbook::schema::students;
        students::table
            .filter(students::student_number.eq("NG-0003"))
            .select(students::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let browser = Browser::open(&app.address, 360, 780).await;
    browser.sign_in(DEMO_TEACHER, "#my-classes").await;
    browser.click("#my-classes li:first-child a.button").await;
    browser.wait_for("#register").await;
    let problems = browser.accessibility_problems().await;
    assert!(problems.is_empty(), "register at 360 px: {problems:#?}");

    // Tap P for the first student and A for the demo parent's child; each tap saves at once.
    let first = browser
        .client
        .execute(
            "return document.querySelector('#register tbody tr').id;",
            vec![],
        )
        .await
        .unwrap();
    let first = first.as_str().unwrap().to_string();
    browser
        .click(&format!("#{first} label.code-present span[title]"))
        .await;
    browser.wait_for(&format!("#{first} .notice-inline")).await;
    browser
        .click(&format!("#row-{child} label.code-absent span[title]"))
        .await;
    browser
        .wait_for(&format!("#row-{child} .notice-inline"))
        .await;
    assert_eq!(
        browser.texts(&format!("#row-{child} .notice-inline")).await,
        vec!["Saved"]
    );
    browser.screenshot("register-phone").await;
    let (viewport, document) = browser.widths().await;
    assert!(
        document <= viewport + 1,
        "the register fits a 360-pixel screen ({document} > {viewport})"
    );

    // Reload: both marks are there.
    let url = browser.path().await;
    browser.goto(&url).await;
    browser.wait_for("#register").await;
    let checked = browser
        .client
        .execute(
            "return Array.from(document.querySelectorAll('#register input[type=radio]:checked')).map(r => r.closest('tr').id + ':' + r.dataset.key);",
            vec![],
        )
        .await
        .unwrap();
    let checked: Vec<String> = checked
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(checked.len(), 2, "{checked:?}");
    assert!(checked.contains(&format!("{first}:P")));
    assert!(checked.contains(&format!("row-{child}:A")));

    // The keyboard: a code's letter sets it for the focused student and saves it at once.
    let third = browser
        .client
        .execute(
            "return document.querySelectorAll('#register tbody tr')[2].id;",
            vec![],
        )
        .await
        .unwrap();
    let third = third.as_str().unwrap().to_string();
    let radio = browser
        .client
        .find(fantoccini::Locator::Css(&format!(
            "#{third} input[data-key='P']"
        )))
        .await
        .unwrap();
    radio.send_keys("l").await.unwrap();
    browser.wait_for(&format!("#{third} .notice-inline")).await;
    let late = browser
        .client
        .execute(
            &format!("return document.querySelector(\"#{third} input[data-key='L']\").checked;"),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(late.as_bool(), Some(true), "L set the third student late");
    browser.close().await;

    let parent = Browser::open(&app.address, 360, 780).await;
    parent.sign_in(DEMO_PARENT, "#my-children").await;
    parent.goto(&format!("/parent/children/{child}")).await;
    parent.wait_for("#calendar").await;
    assert_eq!(parent.texts("#year-absences").await, vec!["1"]);
    let today = start_time().date_naive().format("%Y-%m-%d").to_string();
    let cell = parent
        .client
        .execute(
            &format!(
                "return document.querySelector(\"#calendar td[data-date='{today}']\").className;"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(cell.as_str(), Some("cal-absent"));
    let problems = parent.accessibility_problems().await;
    parent.screenshot("parent-child-phone").await;
    assert!(problems.is_empty(), "child page at 360 px: {problems:#?}");
    parent.close().await;
}
