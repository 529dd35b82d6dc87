//! Students with guardians and emergency contacts: forms with and without JavaScript, class
//! moves that keep history, withdrawals, hard deletes, the audit trail and the school boundary.

use chrono::Duration;
use diesel::prelude::*;
use rollbook::schema::{audit_log, emergency_contacts, enrolments, guardians, students};

use crate::helpers::*;

fn student_id(app: &TestApp, number: &str) -> i64 {
    students::table
        .filter(students::student_number.eq(number))
        .select(students::id)
        .first(&mut app.conn())
        .unwrap()
}

/// How many students have the student number `number` (none until a form is saved).
fn students_numbered(app: &TestApp, number: &str) -> i64 {
    students::table
        .filter(students::student_number.eq(number))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn new_student<'a>(class: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("student_number", "NG-9001"),
        ("given_name", "Aoife"),
        ("family_name", "Ní Bhraonáin"),
        ("preferred_name", ""),
        ("date_of_birth", "2014-03-09"),
        ("gender", "female"),
        ("enrolled_on", "2026-09-01"),
        ("class_id", class),
        ("medical_notes", "Asthma"),
        ("allergies", "Peanuts"),
        ("guardian_name", "Máire Ní Bhraonáin"),
        ("guardian_relationship", "Mother"),
        ("guardian_phone", "+353 87 123 4567"),
        ("guardian_email", "maire@example.ie"),
        ("guardian_name", "Seán Ó Bhraonáin"),
        ("guardian_relationship", "Father"),
        ("guardian_phone", "+353 87 765 4321"),
        ("guardian_email", ""),
        ("contact_name", "Nóra Kelly"),
        ("contact_relationship", "Aunt"),
        ("contact_phone", "+353 1 555 0100"),
        ("action", "save"),
    ];
    fields.extend_from_slice(extra);
    fields
}

#[actix_web::test]
async fn a_principal_adds_a_student_with_two_guardians_and_a_contact() {
    let app = TestApp::spawn().await;
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let c7a = app.class_id("7A").to_string();
    let r = principal
        .submit(
            "/admin/students/new",
            "/admin/students",
            &new_student(&c7a, &[]),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = principal.get(r.location().unwrap()).await;
    assert_eq!(page.text("h1"), "Aoife Ní Bhraonáin");
    assert_eq!(
        page.texts("#guardian-list strong"),
        vec!["Máire Ní Bhraonáin", "Seán Ó Bhraonáin"]
    );
    assert_eq!(page.texts("#contact-list strong"), vec!["Nóra Kelly"]);
    assert!(page.text("#student-details").contains("7A"));

    let id = student_id(&app, "NG-9001");
    let mut conn = app.conn();
    let g: i64 = guardians::table
        .filter(guardians::student_id.eq(id))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let c: i64 = emergency_contacts::table
        .filter(emergency_contacts::student_id.eq(id))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!((g, c), (2, 1));
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::entity.eq("student"))
        .filter(audit_log::entity_id.eq(id))
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        actions,
        vec!["create", "view"],
        "opening the record page is audited too"
    );
    // The teacher of 7A sees the new student on the class list.
    let teacher = app.signed_in(DEMO_TEACHER).await;
    let roster = teacher.get(&format!("/teacher/classes/{c7a}")).await;
    assert!(roster
        .texts("#roster th")
        .iter()
        .any(|t| t.contains("Ní Bhraonáin")));
}

#[actix_web::test]
async fn guardian_rows_are_added_and_removed_without_javascript_and_nothing_is_saved_meanwhile() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(DEMO_ADMIN).await;
    let c7a = app.class_id("7A").to_string();
    let mut fields = new_student(&c7a, &[]);
    fields.retain(|(k, _)| *k != "action");
    fields.push(("action", "add_guardian"));
    let r = admin
        .submit("/admin/students/new", "/admin/students", &fields)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.count("#guardians .row-group"), 3);
    assert_eq!(
        r.attr("#guardian_name_1", "value").as_deref(),
        Some("Seán Ó Bhraonáin"),
        "typing kept"
    );
    let saved = students_numbered(&app, "NG-9001");
    assert_eq!(saved, 0);

    fields.retain(|(k, _)| *k != "action");
    fields.push(("action", "remove_guardian:0"));
    let token = admin.get("/admin/students/new").await.csrf_token();
    let mut with_token = vec![("csrf_token", token.as_str())];
    with_token.extend_from_slice(&fields);
    let r = admin
        .post_form_with("/admin/students", &with_token, &[("HX-Request", "true")])
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.count("#student-form"),
        1,
        "htmx swaps the form from the same answer"
    );
    assert_eq!(r.count("#guardians .row-group"), 1);
    assert_eq!(
        r.attr("#guardian_name_0", "value").as_deref(),
        Some("Seán Ó Bhraonáin")
    );
}

#[actix_web::test]
async fn every_mistake_is_named_beside_its_field_and_nothing_is_saved() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(DEMO_ADMIN).await;
    let c7a = app.class_id("7A").to_string();
    let long = "y".repeat(10_000);
    let mut fields = new_student(&c7a, &[]);
    for (k, v) in fields.iter_mut() {
        match *k {
            "given_name" => *v = "",
            "family_name" => *v = &long,
            "date_of_birth" => *v = "2026-02-30",
            "guardian_email" if v.is_empty() => *v = "not-an-email",
            "contact_phone" => *v = "",
            _ => {}
        }
    }
    let r = admin
        .submit("/admin/students/new", "/admin/students", &fields)
        .await;
    assert_eq!(r.status, 422);
    for id in [
        "given_name",
        "family_name",
        "date_of_birth",
        "guardian_email_1",
        "contact_phone_0",
    ] {
        assert_eq!(r.count(&format!("#{id}-error")), 1, "{id}");
    }
    assert!(r.text("#date_of_birth-error").contains("2026-02-30"));
    assert_eq!(
        r.attr("#guardian_name_0", "value").as_deref(),
        Some("Máire Ní Bhraonáin")
    );
    let count = students_numbered(&app, "NG-9001");
    assert_eq!(count, 0);

    // A number already used at the school (admins choose the school too).
    let north: i64 = { app.school_id("Northgate Community School") };
    let north = north.to_string();
    let r = admin
        .submit(
            "/admin/students/new",
            "/admin/students",
            &new_student(&c7a, &[("school_id", &north)]),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = admin
        .submit(
            "/admin/students/new",
            "/admin/students",
            &new_student(&c7a, &[("school_id", &north)]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text("#student_number-error").contains("Another student"));
}

#[actix_web::test]
async fn an_admin_chooses_the_school_before_its_classes_on_a_students_form() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(DEMO_ADMIN).await;
    let north = app.school_id("Northgate Community School");
    let south = app.school_id("Southbank Academy");
    let class_names = |school: i64| -> Vec<String> {
        let mut names: Vec<String> = rollbook::schema::classes::table
            .filter(rollbook::schema::classes::school_id.eq(school))
            .select(rollbook::schema::classes::name)
            .load(&mut app.conn())
            .unwrap();
        names.sort();
        names
    };
    let offered = |page: &TestResponse| {
        let mut names = page.texts("#class_id option:not([value=''])");
        names.sort();
        names
    };
    // No school yet: no classes, and a way to ask for them.
    let blank = admin.get("/admin/students/new").await;
    assert!(offered(&blank).is_empty());
    assert_eq!(blank.count("#class_id-hint"), 1);
    assert_eq!(blank.count("button[value=pick_school]"), 1);
    let malformed = admin.get("/admin/students/new?school=north").await;
    assert_eq!(malformed.status, 200);
    assert!(offered(&malformed).is_empty());
    // From a list narrowed to a school, or after choosing one, that school's classes.
    let list = admin.get(&format!("/admin/students?school={north}")).await;
    let add = list.attr("#add-student", "href").unwrap();
    let from_list = admin.get(&add).await;
    assert_eq!(
        from_list.attr("#school_id option[selected]", "value"),
        Some(north.to_string())
    );
    assert_eq!(offered(&from_list), class_names(north));
    let mut fields = new_student("", &[]);
    fields.retain(|(k, _)| *k != "action");
    let south_id = south.to_string();
    fields.extend([("school_id", south_id.as_str()), ("action", "pick_school")]);
    let r = admin
        .submit("/admin/students/new", "/admin/students", &fields)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(offered(&r), class_names(south));
    assert_eq!(r.attr("#given_name", "value").as_deref(), Some("Aoife"));
    assert_eq!(r.count("#class_id-hint"), 0);
    let nothing = students_numbered(&app, "NG-9001");
    assert_eq!(nothing, 0, "choosing the school saves nothing");
    // Another school's class is refused beside the class field.
    let c7a = app.class_id("7A").to_string();
    let r = admin
        .submit(
            "/admin/students/new",
            "/admin/students",
            &new_student(&c7a, &[("school_id", &south_id)]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.count("#class_id-error"), 1);
    // Editing a student offers their own school's classes.
    let edit = admin
        .get(&format!(
            "/admin/students/{}/edit",
            student_id(&app, "NG-0001")
        ))
        .await;
    assert_eq!(offered(&edit), class_names(north));
}

#[actix_web::test]
async fn moving_a_student_ends_one_enrolment_and_starts_the_next() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(DEMO_ADMIN).await;
    let id = student_id(&app, "NG-0001");
    let (c7a, c7b) = (app.class_id("7A"), app.class_id("7B"));
    let edit = admin.get(&format!("/admin/students/{id}/edit")).await;
    assert_eq!(
        edit.attr("#class_id option[selected]", "value"),
        Some(c7a.to_string())
    );
    let mut fields: Vec<(String, String)> = form_values(&edit);
    set(&mut fields, "class_id", &c7b.to_string());
    set(&mut fields, "allergies", "Penicillin");
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = admin
        .post_form(&format!("/admin/students/{id}"), &pairs)
        .await;
    assert_eq!(r.status, 303, "{}", r.body);

    let today = start_time().date_naive();
    let history: Vec<(i64, chrono::NaiveDate, Option<chrono::NaiveDate>)> = enrolments::table
        .filter(enrolments::student_id.eq(id))
        .order(enrolments::starts_on)
        .select((
            enrolments::class_id,
            enrolments::starts_on,
            enrolments::ends_on,
        ))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        (history[0].0, history[0].2),
        (c7a, Some(today - Duration::days(1)))
    );
    assert_eq!(
        (history[1].0, history[1].1, history[1].2),
        (c7b, today, None)
    );
    let (before, after): (Option<serde_json::Value>, Option<serde_json::Value>) = audit_log::table
        .filter(audit_log::entity_id.eq(id))
        .filter(audit_log::action.eq("update"))
        .select((audit_log::before, audit_log::after))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        after.unwrap(),
        serde_json::json!({ "class_id": c7b, "allergies": "Penicillin" })
    );
    assert_eq!(before.unwrap()["class_id"], c7a);
}

/// Every named input, select and textarea of the page's form, as posted by a browser.
fn form_values(page: &TestResponse) -> Vec<(String, String)> {
    let html = page.html();
    let sel = scraper::Selector::parse(
        "#student-form input[name], #student-form select[name], #student-form textarea[name]",
    )
    .unwrap();
    let opt = scraper::Selector::parse("option[selected]").unwrap();
    html.select(&sel)
        .map(|e| {
            let name = e.value().attr("name").unwrap().to_string();
            let value = match e.value().name() {
                "select" => e
                    .select(&opt)
                    .next()
                    .and_then(|o| o.value().attr("value"))
                    .unwrap_or("")
                    .to_string(),
                "textarea" => e.text().collect(),
                _ => e.value().attr("value").unwrap_or("").to_string(),
            };
            (name, value)
        })
        .chain(std::iter::once(("action".to_string(), "save".to_string())))
        .collect()
}

fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    fields.iter_mut().find(|(k, _)| k == name).unwrap().1 = value.to_string();
}

#[actix_web::test]
async fn a_save_over_a_newer_edit_is_refused_with_what_was_saved() {
    let app = TestApp::spawn().await;
    let a = app.signed_in(DEMO_ADMIN).await;
    let b = app.signed_in(DEMO_PRINCIPAL).await;
    let id = student_id(&app, "NG-0002");
    let path = format!("/admin/students/{id}/edit");
    let (page_a, page_b) = (a.get(&path).await, b.get(&path).await);
    let mut fb = form_values(&page_b);
    set(
        &mut fb,
        "medical_notes",
        "Type 1 diabetes: insulin in the office",
    );
    let pairs: Vec<(&str, &str)> = fb.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        b.post_form(&format!("/admin/students/{id}"), &pairs)
            .await
            .status,
        303
    );
    let mut fa = form_values(&page_a);
    set(&mut fa, "medical_notes", "None");
    let pairs: Vec<(&str, &str)> = fa.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = a.post_form(&format!("/admin/students/{id}"), &pairs).await;
    assert_eq!(r.status, 409);
    assert!(r.text("#conflict").contains("Type 1 diabetes"));
    let notes: String = students::table
        .find(id)
        .select(students::medical_notes)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(notes, "Type 1 diabetes: insulin in the office");
}

#[actix_web::test]
async fn a_withdrawn_student_keeps_their_record_but_leaves_the_class_list() {
    let app = TestApp::spawn().await;
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let id = student_id(&app, "NG-0003");
    let c7a = app.class_id("7A");
    let r = principal
        .submit(
            &format!("/admin/students/{id}"),
            &format!("/admin/students/{id}/withdraw"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    let teacher = app.signed_in(DEMO_TEACHER).await;
    assert_eq!(
        teacher
            .get(&format!("/teacher/classes/{c7a}"))
            .await
            .count("#roster tbody tr"),
        23
    );
    let page = principal.get(&format!("/admin/students/{id}")).await;
    assert!(page.text("h1").contains("Withdrawn"));
    assert_eq!(
        principal
            .get("/admin/students?status=withdrawn")
            .await
            .count("#students tbody tr"),
        1
    );
    principal
        .submit(
            &format!("/admin/students/{id}"),
            &format!("/admin/students/{id}/reinstate"),
            &[],
        )
        .await;
    assert_eq!(
        teacher
            .get(&format!("/teacher/classes/{c7a}"))
            .await
            .count("#roster tbody tr"),
        24
    );
}

#[actix_web::test]
async fn only_an_admin_deletes_for_good_after_seeing_what_goes() {
    let app = TestApp::spawn().await;
    let id = student_id(&app, "NG-0003");
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    assert_eq!(
        principal
            .get(&format!("/admin/students/{id}/delete"))
            .await
            .status,
        403
    );
    let r = principal
        .submit(
            &format!("/admin/students/{id}"),
            &format!("/admin/students/{id}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status, 403);

    let admin = app.signed_in(DEMO_ADMIN).await;
    let confirm = admin.get(&format!("/admin/students/{id}/delete")).await;
    let impact = confirm.texts("#deletion-impact li");
    assert!(
        impact.contains(&"1 class enrolment".to_string()),
        "{impact:?}"
    );
    assert!(impact.contains(&"1 guardian".to_string()), "{impact:?}");
    let r = admin
        .submit(
            &format!("/admin/students/{id}/delete"),
            &format!("/admin/students/{id}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    let left: i64 = students::table
        .filter(students::id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(left, 0);
    let before: Option<serde_json::Value> = audit_log::table
        .filter(audit_log::entity_id.eq(id))
        .filter(audit_log::action.eq("delete"))
        .select(audit_log::before)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(before.unwrap()["student_number"], "NG-0003");
}

#[actix_web::test]
async fn a_principal_never_sees_another_schools_students() {
    let app = TestApp::spawn().await;
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let theirs = student_id(&app, "SB-0001");
    for path in [
        format!("/admin/students/{theirs}"),
        format!("/admin/students/{theirs}/edit"),
    ] {
        assert_eq!(principal.get(&path).await.status, 404, "{path}");
    }
    let r = principal
        .submit(
            "/admin/students",
            &format!("/admin/students/{theirs}/withdraw"),
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
    let list = principal.get("/admin/students?q=SB-").await;
    assert_eq!(list.count("#students tbody tr"), 0);
    let form = principal.get("/admin/students/new").await;
    let offered = form.texts("#class_id option:not([value=''])");
    assert_eq!(offered, vec!["7A", "7B", "8A", "8B"]);
    let c9a = app.class_id("9A").to_string();
    let r = principal
        .submit(
            "/admin/students/new",
            "/admin/students",
            &new_student(&c9a, &[]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.count("#class_id-error"), 1);
}

#[actix_web::test]
async fn a_teacher_opens_their_students_contacts_and_medical_notes_and_no_one_elses() {
    let app = TestApp::spawn().await;
    let teacher = app.signed_in(DEMO_TEACHER).await;
    let mine = student_id(&app, "NG-0003");
    let page = teacher.get(&format!("/teacher/students/{mine}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.count("#guardian-list li"), 1);
    assert!(page
        .attr("#guardian-list a[href^='tel:']", "href")
        .is_some());
    assert!(page.text("#allergies").contains("Peanuts"));
    let views: i64 = audit_log::table
        .filter(audit_log::entity_id.eq(mine))
        .filter(audit_log::action.eq("view"))
        .filter(audit_log::actor_id.eq(app.user_id(DEMO_TEACHER)))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(views, 1);
    for other in ["NG-0101", "SB-0001"] {
        let id = student_id(&app, other);
        assert_eq!(
            teacher.get(&format!("/teacher/students/{id}")).await.status,
            404,
            "{other}"
        );
    }
}

#[actix_web::test]
async fn the_office_links_a_parent_account_and_the_parent_sees_exactly_what_is_allowed() {
    let app = TestApp::spawn().await;
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let child = student_id(&app, "NG-0110");
    let page = format!("/admin/students/{child}");
    let r = principal
        .submit(
            &page,
            &format!("{page}/parents"),
            &[
                ("parent_email", "Parent2@rollbook.test"),
                ("relationship", "Stepfather"),
                ("may_view", "1"),
                ("receives_notifications", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let shown = principal.get(&page).await;
    assert!(shown.text("#parent-links").contains("Stepfather"));
    let parent = app.signed_in("parent2@rollbook.test").await;
    assert_eq!(
        parent.get("/parent").await.count("#my-children li"),
        2,
        "one parent, several children"
    );
    assert_eq!(
        parent
            .get(&format!("/parent/children/{child}"))
            .await
            .status,
        200
    );

    // Re-linking updates the settings: records hidden from the parent.
    principal
        .submit(
            &page,
            &format!("{page}/parents"),
            &[
                ("parent_email", "parent2@rollbook.test"),
                ("relationship", "Stepfather"),
            ],
        )
        .await;
    assert_eq!(
        parent
            .get(&format!("/parent/children/{child}"))
            .await
            .status,
        404
    );
    let parent_id = app.user_id("parent2@rollbook.test");
    let r = principal
        .submit(&page, &format!("{page}/parents/{parent_id}/remove"), &[])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(principal.get(&page).await.count("#parent-links"), 0);
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::entity_id.eq(child))
        .filter(audit_log::action.ne("view"))
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(
        actions,
        vec!["link_parent", "update_parent_link", "unlink_parent"]
    );

    // Only parent accounts can be linked.
    let r = principal
        .submit(
            &page,
            &format!("{page}/parents"),
            &[("parent_email", DEMO_TEACHER), ("relationship", "Mother")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text("#link-error").contains("No active parent account"));
    // Nor can another school's student be linked by its principal.
    let theirs = student_id(&app, "SB-0001");
    let south = format!("/admin/students/{theirs}/parents");
    let r = principal
        .submit(
            &page,
            &south,
            &[("parent_email", DEMO_PARENT), ("relationship", "Mother")],
        )
        .await;
    assert_eq!(r.status, 404);
}

#[actix_web::test]
async fn admins_see_the_outbox_and_can_send_a_failed_email_again() {
    let app = TestApp::spawn().await;
    app.browser()
        .submit(
            "/password-reset",
            "/password-reset",
            &[("email", DEMO_PARENT)],
        )
        .await;
    use rollbook::schema::outbox_emails;
    diesel::update(outbox_emails::table)
        .set((
            outbox_emails::status.eq("failed"),
            outbox_emails::attempts.eq(8),
            outbox_emails::last_error.eq("SMTP: 550 mailbox unavailable"),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let admin = app.signed_in(DEMO_ADMIN).await;
    let page = admin.get("/admin/outbox").await;
    assert_eq!(page.count("#outbox tbody tr"), 1);
    assert!(page
        .text("#outbox td.state")
        .contains("550 mailbox unavailable"));
    let id: i64 = outbox_emails::table
        .select(outbox_emails::id)
        .first(&mut app.conn())
        .unwrap();
    let r = admin
        .submit("/admin/outbox", &format!("/admin/outbox/{id}/retry"), &[])
        .await;
    assert_eq!(r.status, 303);
    let status: String = outbox_emails::table
        .select(outbox_emails::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "pending");
    assert_eq!(app.deliver_mail().await.sent, 1);
    // The parent has no school: a principal does not see that email.
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    assert_eq!(
        principal
            .get("/admin/outbox")
            .await
            .count("#outbox tbody tr"),
        0
    );
}

#[actix_web::test]
async fn a_long_list_is_paged_by_name_and_counted_a_few_pages_ahead() {
    let app = TestApp::spawn().await;
    // 1,100 more Northgate students in 7A, so that the school has more than 20 pages.
    diesel::sql_query(
        "WITH st AS (INSERT INTO students (school_id, student_number, given_name, family_name, status,
                                            medical_notes, allergies, created_at, updated_at)
                     SELECT c.school_id, 'NG-L' || g, 'Many', 'Pupil ' || lpad(g::text, 4, '0'), 'active',
                            '', '', now(), now()
                       FROM classes c, generate_series(1, 1100) g WHERE c.id = $1
                     RETURNING id, school_id)
         INSERT INTO enrolments (school_id, student_id, class_id, starts_on)
         SELECT st.school_id, st.id, $1, DATE '2026-09-01' FROM st",
    )
    .bind::<diesel::sql_types::BigInt, _>(app.class_id("7A"))
    .execute(&mut app.conn())
    .unwrap();
    let north: i64 = students::table
        .filter(students::student_number.eq("NG-0001"))
        .select(students::school_id)
        .first(&mut app.conn())
        .unwrap();
    let total: i64 = students::table
        .filter(students::school_id.eq(north))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert!(total > 1100);
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let first = principal.get("/admin/students").await;
    assert_eq!(first.text("#count"), "More than 1000 students · page 1");
    assert_eq!(first.count("#students tbody tr"), 50);
    assert_eq!(first.count("a[rel=next]"), 1);
    // Far enough on, the count is exact and the last page is known.
    let pages = (total + 49) / 50;
    let page20 = principal.get("/admin/students?page=20").await;
    assert_eq!(
        page20.text("#count"),
        format!("{total} students · page 20 of {pages}")
    );
    let last = principal
        .get(&format!("/admin/students?page={pages}"))
        .await;
    assert_eq!(
        last.count("#students tbody tr") as i64,
        total - (pages - 1) * 50
    );
    assert_eq!(last.count("a[rel=next]"), 0);
    // In name order across pages: the first page's last name comes before the second's first.
    let second = principal.get("/admin/students?page=2").await;
    let (a, b) = (
        first.texts("#students tbody th").last().unwrap().clone(),
        second.texts("#students tbody th")[0].clone(),
    );
    assert!(a <= b, "{a} then {b}");
    // The class filter counts the class's current students; an admin sees whose class it is.
    let c7a = app.class_id("7A");
    let in_7a: i64 = rollbook::schema::enrolments::table
        .filter(rollbook::schema::enrolments::class_id.eq(c7a))
        .filter(rollbook::schema::enrolments::ends_on.is_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    let filtered = principal
        .get(&format!("/admin/students?class_id={c7a}&page=5"))
        .await;
    assert_eq!(
        filtered.text("#count"),
        format!("{in_7a} students · page 5 of {}", (in_7a + 49) / 50)
    );

    // An admin picks a school before filtering by class: the district's list offers no class
    // select, a school's offers that school's current classes and lists what its principal's does.
    let admin = app.signed_in(DEMO_ADMIN).await;
    let district = admin.get("/admin/students").await;
    let schools: i64 = rollbook::schema::schools::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(
        district.count("#school option:not([value=''])") as i64,
        schools
    );
    assert_eq!(district.count("#class_id"), 0);
    assert_eq!(district.count("#class-hint"), 1);
    let school = admin.get(&format!("/admin/students?school={north}")).await;
    assert_eq!(
        school.attr("#school option[selected]", "value"),
        Some(north.to_string())
    );
    let north_classes: i64 = rollbook::schema::classes::table
        .filter(rollbook::schema::classes::school_id.eq(north))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    let offered = school.texts("#class_id option:not([value=''])");
    assert_eq!(offered.len() as i64, north_classes, "{offered:?}");
    assert!(offered.contains(&"7A".to_string()), "{offered:?}");
    assert_eq!(school.text("#count"), first.text("#count"));
    assert_eq!(
        school.texts("#students tbody th"),
        first.texts("#students tbody th")
    );
    let next = school.attr("a[rel=next]", "href").unwrap();
    assert!(next.contains(&format!("school={north}")), "{next}");
    let filtered_by_admin = admin
        .get(&format!(
            "/admin/students?school={north}&class_id={c7a}&page=5"
        ))
        .await;
    assert_eq!(filtered_by_admin.text("#count"), filtered.text("#count"));
    admin
        .assert_unknown_school_not_found(&["/admin/students"])
        .await;
    // A principal's `school` changes nothing.
    let other = rollbook::schema::schools::table
        .filter(rollbook::schema::schools::id.ne(north))
        .select(rollbook::schema::schools::id)
        .first::<i64>(&mut app.conn())
        .unwrap();
    let asked = principal
        .get(&format!("/admin/students?school={other}"))
        .await;
    assert_eq!(asked.text("#count"), first.text("#count"));
    assert_eq!(asked.count("#school"), 0);
}
