//! Signing in and out in a real browser, on a desktop and on a 360-pixel phone.

use crate::harness::Browser;
use crate::helpers::*;

async fn sign_in_see_classes_sign_out_and_go_back(width: u32, height: u32) {
    let app = TestApp::spawn().await;
    let browser = Browser::open(&app.address, width, height).await;

    browser.goto("/teacher").await;
    assert!(
        browser.path().await.starts_with("/login?next="),
        "sent to sign in first"
    );
    let problems = browser.accessibility_problems().await;
    assert!(
        problems.is_empty(),
        "sign-in page at {width}px: {problems:#?}"
    );

    browser.fill("#email", DEMO_TEACHER).await;
    browser.fill("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for("#my-classes").await;
    assert_eq!(
        browser.path().await,
        "/teacher",
        "back to where the teacher was going"
    );
    assert_eq!(browser.texts("#my-classes h2").await, vec!["7A", "8A"]);
    let (viewport, document) = browser.widths().await;
    assert_eq!(
        viewport,
        u64::from(width),
        "the viewport is as wide as asked"
    );
    assert!(
        document <= viewport,
        "no sideways scrolling at {width}px ({document} > {viewport})"
    );
    let problems = browser.accessibility_problems().await;
    browser.screenshot(&format!("teacher-home-{width}")).await;
    assert!(
        problems.is_empty(),
        "teacher home at {width}px: {problems:#?}"
    );

    browser.click("form[action='/logout'] button").await;
    browser.wait_for(".notice").await;
    assert_eq!(browser.path().await, "/login?signed_out=1");
    assert!(browser
        .texts(".notice")
        .await
        .join(" ")
        .contains("signed out"));

    // Back must not show the teacher's classes again: the page was never cached.
    browser.client.back().await.unwrap();
    // Whatever the browser restores, the sign-in form must be what is shown.
    browser.wait_for("#email").await;
    let path = browser.path().await;
    let source = browser.source().await;
    assert!(
        path.starts_with("/login"),
        "Back after sign-out lands on sign-in, not {path}"
    );
    assert!(!source.contains("my-classes"), "nothing private after Back");
    browser.close().await;
}

#[actix_web::test]
async fn a_teacher_signs_in_sees_the_classes_signs_out_and_back_shows_nothing() {
    sign_in_see_classes_sign_out_and_go_back(1280, 900).await;
}

#[actix_web::test]
async fn the_same_works_on_a_360_pixel_phone() {
    sign_in_see_classes_sign_out_and_go_back(360, 780).await;
}
