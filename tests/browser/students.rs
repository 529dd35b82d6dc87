//! The office adds a student with two guardians in a real browser (htmx adds the second row).

use crate::harness::Browser;
use crate::helpers::*;

#[actix_web::test]
async fn a_principal_creates_a_student_with_two_guardians() {
    let app = TestApp::spawn().await;
    let browser = Browser::open(&app.address, 1280, 900).await;
    browser.sign_in(DEMO_PRINCIPAL, "#schools").await;

    browser.goto("/admin/students/new").await;
    browser.wait_for("#student-form").await;
    let problems = browser.accessibility_problems().await;
    assert!(problems.is_empty(), "student form: {problems:#?}");
    browser.fill("#student_number", "BR-0001").await;
    browser.fill("#given_name", "Saoirse").await;
    browser.fill("#family_name", "Ní Mhaoldomhnaigh").await;
    browser
        .fill("#guardian_name_0", "Caoimhe Ní Mhaoldomhnaigh")
        .await;
    browser.fill("#guardian_relationship_0", "Mother").await;
    browser.fill("#guardian_phone_0", "+353 87 111 2222").await;
    // htmx swaps in the form with a second guardian row, keeping what was typed.
    browser.click("button[value=add_guardian]").await;
    browser.wait_for("#guardian_name_1").await;
    browser
        .fill("#guardian_name_1", "Darragh Ó Mhaoldomhnaigh")
        .await;
    browser.fill("#guardian_relationship_1", "Father").await;
    browser.fill("#guardian_phone_1", "+353 87 333 4444").await;
    browser.click("button[value=save]").await;
    browser.wait_for("#guardian-list").await;

    assert_eq!(browser.texts("h1").await, vec!["Saoirse Ní Mhaoldomhnaigh"]);
    assert_eq!(
        browser.texts("#guardian-list strong").await,
        vec!["Caoimhe Ní Mhaoldomhnaigh", "Darragh Ó Mhaoldomhnaigh"]
    );
    let problems = browser.accessibility_problems().await;
    browser.screenshot("student-created").await;
    assert!(problems.is_empty(), "student page: {problems:#?}");
    browser.close().await;
}
