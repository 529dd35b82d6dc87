//! The role portals: who may enter which, what they see there, and nothing more.

use diesel::prelude::*;
use rollbook::schema::{enrolments, parent_students, students};

use crate::helpers::*;

#[actix_web::test]
async fn each_role_is_refused_the_other_portals_with_403() {
    let app = TestApp::spawn().await;
    for (email, refused) in [
        (DEMO_TEACHER, ["/admin", "/parent"]),
        (DEMO_PARENT, ["/admin", "/teacher"]),
        (DEMO_PRINCIPAL, ["/teacher", "/parent"]),
        (DEMO_ADMIN, ["/teacher", "/parent"]),
    ] {
        let b = app.signed_in(email).await;
        for path in refused {
            let r = b.get(path).await;
            assert_eq!(r.status, 403, "{email} at {path}");
            assert_eq!(r.text("h1"), "Access denied");
            let deeper = b.get(&format!("{path}/anything/1")).await;
            assert_eq!(deeper.status, 403, "{email} under {path}");
        }
    }
}

#[actix_web::test]
async fn without_a_session_every_portal_redirects_to_sign_in() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    for path in [
        "/admin",
        "/teacher",
        "/parent",
        "/account",
        "/parent/children/1",
    ] {
        let r = b.get(path).await;
        assert_eq!(r.status, 303, "{path}");
        assert_eq!(
            r.location(),
            Some(format!("/login?next={}", rollbook::web::urlencode(path)).as_str())
        );
    }
    assert_eq!(b.get("/").await.location(), Some("/login"));
}

#[actix_web::test]
async fn the_teacher_sees_their_classes_and_nobody_elses() {
    let app = TestApp::spawn().await;
    let b = app.signed_in(DEMO_TEACHER).await;
    let home = b.get("/teacher").await;
    assert_eq!(home.status, 200);
    assert_eq!(home.texts("#my-classes h2"), vec!["7A", "8A"]);
    assert!(home.text("#my-classes li").contains("24 students"));

    let id_of = |name: &str| -> i64 {
        use rollbook::schema::classes;
        classes::table
            .filter(classes::name.eq(name))
            .select(classes::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let mine = b.get(&format!("/teacher/classes/{}", id_of("7A"))).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.count("#roster tbody tr"), 24);
    for other in ["7B", "9A"] {
        let r = b.get(&format!("/teacher/classes/{}", id_of(other))).await;
        assert_eq!(r.status, 404, "class {other}");
        assert_eq!(r.text("h1"), "Not found");
    }
    assert_eq!(b.get("/teacher/classes/999999").await.status, 404);
    assert_eq!(b.get("/teacher/classes/not-a-number").await.status, 404);
}

#[actix_web::test]
async fn the_parent_sees_their_two_children_and_no_other_child() {
    let app = TestApp::spawn().await;
    let b = app.signed_in(DEMO_PARENT).await;
    let home = b.get("/parent").await;
    let links: Vec<String> = {
        let sel = scraper::Selector::parse("#my-children h2 a").unwrap();
        home.html()
            .select(&sel)
            .map(|a| a.value().attr("href").unwrap().to_string())
            .collect()
    };
    assert_eq!(links.len(), 2);
    assert!(home.text("#my-children").contains("Class 7A"));
    assert!(home.text("#my-children").contains("Class 8B"));
    for link in &links {
        assert_eq!(b.get(link).await.status, 200);
    }

    let parent_id = app.user_id(DEMO_PARENT);
    let mut conn = app.conn();
    let mine: Vec<i64> = parent_students::table
        .filter(parent_students::parent_id.eq(parent_id))
        .select(parent_students::student_id)
        .load(&mut conn)
        .unwrap();
    let someone_else: i64 = students::table
        .filter(students::id.ne_all(&mine))
        .select(students::id)
        .first(&mut conn)
        .unwrap();
    let r = b.get(&format!("/parent/children/{someone_else}")).await;
    assert_eq!(r.status, 404);

    // A link without permission to view is as good as no link.
    diesel::update(
        parent_students::table
            .filter(parent_students::parent_id.eq(parent_id))
            .filter(parent_students::student_id.eq(mine[0])),
    )
    .set(parent_students::may_view.eq(false))
    .execute(&mut conn)
    .unwrap();
    assert_eq!(
        b.get(&format!("/parent/children/{}", mine[0])).await.status,
        404
    );
    assert_eq!(b.get("/parent").await.count("#my-children li"), 1);
}

#[actix_web::test]
async fn a_child_with_two_guardians_appears_for_both() {
    let app = TestApp::spawn().await;
    let first = app.signed_in(DEMO_PARENT).await.get("/parent").await;
    let second = app
        .signed_in("parent2@rollbook.test")
        .await
        .get("/parent")
        .await;
    let shared = second.texts("#my-children h2");
    assert_eq!(shared.len(), 1);
    assert!(first.texts("#my-children h2").contains(&shared[0]));
}

#[actix_web::test]
async fn the_admin_sees_the_district_and_the_principal_only_their_school() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(DEMO_ADMIN).await.get("/admin").await;
    assert_eq!(admin.status, 200);
    assert_eq!(
        admin.texts("#schools tbody th"),
        vec!["Northgate Community School", "Southbank Academy"]
    );
    assert_eq!(admin.text("#total-students"), "143");
    let principal = app.signed_in(DEMO_PRINCIPAL).await.get("/admin").await;
    assert_eq!(
        principal.texts("#schools tbody th"),
        vec!["Northgate Community School"]
    );
    assert_eq!(principal.text("#schools [data-stat=students]"), "103");
    assert_eq!(principal.text("#schools [data-stat=teachers]"), "6");
    assert_eq!(principal.text("#schools [data-stat=classes]"), "4");
    assert_eq!(principal.count("#total-students"), 0);
}

#[actix_web::test]
async fn html_in_a_name_is_shown_as_text_never_run() {
    let app = TestApp::spawn().await;
    let payload = "<script>alert('x')</script><img src=x onerror=alert(1)>";
    let mut conn = app.conn();
    use rollbook::schema::classes;
    let (class_id, school_id): (i64, i64) = classes::table
        .filter(classes::name.eq("7A"))
        .select((classes::id, classes::school_id))
        .first(&mut conn)
        .unwrap();
    let student: i64 = diesel::insert_into(students::table)
        .values((
            students::school_id.eq(school_id),
            students::student_number.eq("XSS-1"),
            students::given_name.eq(payload),
            students::family_name.eq("Tables\"; DROP TABLE students; --"),
        ))
        .returning(students::id)
        .get_result(&mut conn)
        .unwrap();
    diesel::insert_into(enrolments::table)
        .values((
            enrolments::school_id.eq(school_id),
            enrolments::student_id.eq(student),
            enrolments::class_id.eq(class_id),
            enrolments::starts_on.eq(start_time().date_naive()),
        ))
        .execute(&mut conn)
        .unwrap();
    let page = app
        .signed_in(DEMO_TEACHER)
        .await
        .get(&format!("/teacher/classes/{class_id}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.texts("#roster th").iter().any(|t| t.contains(payload)),
        "shown as text"
    );
    assert_eq!(page.count("main script"), 0);
    assert_eq!(page.count("main img"), 0);
    assert!(!page.body.contains("<script>alert"));
}

#[actix_web::test]
async fn unknown_pages_are_a_friendly_404() {
    let app = TestApp::spawn().await;
    let r = app.browser().get("/no/such/page").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.text("h1"), "Not found");
}

#[actix_web::test]
async fn health_answers_and_readiness_checks_the_database() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    assert_eq!(b.get("/health").await.status, 200);
    assert_eq!(b.get("/health/ready").await.body, "ready");
}
