//! The office manages people: create with invitation, edit with conflict detection, deactivate,
//! search, and the boundaries between admins, principals and everybody else.

use diesel::prelude::*;
use rollbook::schema::{audit_log, outbox_emails, sessions, users};

use crate::helpers::*;
use crate::smtp::SmtpServer;

fn school_id(app: &TestApp, name: &str) -> i64 {
    use rollbook::schema::schools;
    schools::table
        .filter(schools::name.eq(name))
        .select(schools::id)
        .first(&mut app.conn())
        .unwrap()
}

const NORTH: &str = "Northgate Community School";
const SOUTH: &str = "Southbank Academy";

#[actix_web::test]
async fn an_admin_creates_a_teacher_who_is_invited_by_email_and_chooses_a_password() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(move |s| s.smtp_url = Some(url)).await;
    let admin = app.signed_in(DEMO_ADMIN).await;
    let north = school_id(&app, NORTH).to_string();
    let r = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("display_name", "Ngozi Adébáyọ̀"),
                ("email", "N.Adebayo@Northgate.example"),
                ("role", "teacher"),
                ("school_id", &north),
                ("phone", "+44 7700 900123"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = admin.get(r.location().unwrap()).await;
    assert_eq!(page.text("h1"), "Ngozi Adébáyọ̀");
    assert!(page.text("#status").contains("Invited"));
    assert!(page.text(".flash").contains("invitation"));

    let (id, hash): (i64, Option<String>) = users::table
        .filter(users::email.eq("n.adebayo@northgate.example"))
        .select((users::id, users::password_hash))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(hash, None, "no password until the person chooses one");
    let (action, after): (String, Option<serde_json::Value>) = audit_log::table
        .filter(audit_log::entity.eq("user"))
        .filter(audit_log::entity_id.eq(id))
        .select((audit_log::action, audit_log::after))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(action, "create");
    assert_eq!(after.unwrap()["email"], "n.adebayo@northgate.example");

    app.deliver_mail().await;
    let mail = smtp.messages().pop().unwrap();
    assert_eq!(mail.to, vec!["n.adebayo@northgate.example".to_string()]);
    assert!(
        mail.body
            .contains("Amara Osei has created a Rollbook account for you"),
        "{}",
        mail.body
    );
    let newcomer = app.browser();
    let form = newcomer.get(&mail.link_path()).await;
    assert_eq!(form.text("h1"), "Choose your password");
    let chosen = "tidal orchard velvet";
    let r = newcomer
        .submit(
            &mail.link_path(),
            &mail.link_path(),
            &[("new_password", chosen), ("confirm_password", chosen)],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        newcomer
            .sign_in("n.adebayo@northgate.example", chosen)
            .await
            .location(),
        Some("/teacher")
    );
}

#[actix_web::test]
async fn the_user_form_answers_each_mistake_beside_its_field_and_keeps_the_typing() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(DEMO_ADMIN).await;
    let long = "x".repeat(10_000);
    let r = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("display_name", &long),
                ("email", "not an email"),
                ("role", "teacher"),
                ("school_id", ""),
                ("phone", "call me <b>maybe</b>"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for field in ["display_name", "email", "school_id", "phone"] {
        assert_eq!(r.count(&format!("#{field}-error")), 1, "{field}");
        assert_eq!(
            r.attr(&format!("#{field}"), "aria-invalid").as_deref(),
            Some("true")
        );
    }
    assert_eq!(r.attr("#email", "value").as_deref(), Some("not an email"));
    assert_eq!(
        r.attr("#phone", "value").as_deref(),
        Some("call me <b>maybe</b>")
    );

    let r = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("display_name", "Someone"),
                ("email", DEMO_TEACHER),
                ("role", "parent"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text("#email-error").contains("already uses"));
    let count: i64 = users::table
        .filter(users::display_name.eq("Someone"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(count, 0);
}

#[actix_web::test]
async fn hostile_names_are_stored_as_typed_and_shown_as_text() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(DEMO_ADMIN).await;
    for (i, name) in [
        "<script>alert(1)</script>",
        "Robert'); DROP TABLE users;--",
        "👩‍🏫 Zoë",
        "مريم الحسيني",
    ]
    .iter()
    .enumerate()
    {
        let email = format!("hostile{i}@rollbook.test");
        let r = admin
            .submit(
                "/admin/users/new",
                "/admin/users",
                &[
                    ("display_name", name),
                    ("email", &email),
                    ("role", "parent"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{name}");
        let page = admin.get(r.location().unwrap()).await;
        assert_eq!(page.text("h1"), *name);
        assert_eq!(page.count("main script"), 0);
    }
    let list = admin.get("/admin/users?q=hostile").await;
    assert_eq!(list.count("#users tbody tr"), 4);
}

#[actix_web::test]
async fn a_principal_manages_only_their_own_school() {
    let app = TestApp::spawn().await;
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let list = principal.get("/admin/users?role=teacher").await;
    let emails = list.texts("#users tbody td:nth-of-type(1)");
    assert_eq!(emails.len(), 6);
    assert!(!emails
        .iter()
        .any(|e| e.starts_with("teacher7") || e.starts_with("teacher8")));
    // The other school's people do not exist for this principal.
    let other_teacher = app.user_id("teacher7@rollbook.test");
    assert_eq!(
        principal
            .get(&format!("/admin/users/{other_teacher}"))
            .await
            .status,
        404
    );
    assert_eq!(
        principal
            .get(&format!("/admin/users/{other_teacher}/edit"))
            .await
            .status,
        404
    );
    let r = principal
        .submit(
            "/admin/users",
            &format!("/admin/users/{other_teacher}/deactivate"),
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
    // The form offers only their school.
    let form = principal.get("/admin/users/new").await;
    assert_eq!(form.texts("#school_id option:not([value=''])"), vec![NORTH]);
    let south = school_id(&app, SOUTH).to_string();
    let r = principal
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("display_name", "Sneaky"),
                ("email", "sneaky@rollbook.test"),
                ("role", "teacher"),
                ("school_id", &south),
            ],
        )
        .await;
    assert_eq!(
        r.status, 422,
        "another school's id is not offered, so not accepted"
    );
    // Admin-only roles are refused outright.
    let r = principal
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("display_name", "Boss"),
                ("email", "boss@rollbook.test"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    let admin_id = app.user_id(DEMO_ADMIN);
    assert_eq!(
        principal
            .get(&format!("/admin/users/{admin_id}"))
            .await
            .status,
        404
    );
    // Their own school's teacher they can create.
    let north = school_id(&app, NORTH).to_string();
    let r = principal
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("display_name", "New Teacher"),
                ("email", "new.teacher@rollbook.test"),
                ("role", "teacher"),
                ("school_id", &north),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
}

#[actix_web::test]
async fn teachers_and_parents_never_reach_the_people_pages() {
    let app = TestApp::spawn().await;
    for email in [DEMO_TEACHER, DEMO_PARENT] {
        let b = app.signed_in(email).await;
        assert_eq!(b.get("/admin/users").await.status, 403);
        assert_eq!(b.get("/admin/users/new").await.status, 403);
    }
}

#[actix_web::test]
async fn the_last_active_admin_can_be_neither_deactivated_nor_demoted() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(DEMO_ADMIN).await;
    let admin_id = app.user_id(DEMO_ADMIN);
    let r = admin
        .submit(
            "/admin/users",
            &format!("/admin/users/{admin_id}/deactivate"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(admin
        .get(r.location().unwrap())
        .await
        .text(".flash")
        .contains("last active administrator"));
    let edit = admin.get(&format!("/admin/users/{admin_id}/edit")).await;
    let version = edit.attr("input[name=version]", "value").unwrap();
    let r = admin
        .post_form(
            &format!("/admin/users/{admin_id}"),
            &[
                ("csrf_token", &edit.csrf_token()),
                ("version", &version),
                ("display_name", "Amara Osei"),
                ("email", DEMO_ADMIN),
                ("role", "parent"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text("#role-error").contains("last active administrator"));
    let (role, active): (String, bool) = users::table
        .find(admin_id)
        .select((users::role, users::active))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!((role.as_str(), active), ("admin", true));

    // With a second admin, the first may step down.
    let r = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("display_name", "Second Admin"),
                ("email", "admin2@rollbook.test"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = admin
        .submit(
            "/admin/users",
            &format!("/admin/users/{admin_id}/deactivate"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    let active: bool = users::table
        .find(admin_id)
        .select(users::active)
        .first(&mut app.conn())
        .unwrap();
    assert!(!active);
}

#[actix_web::test]
async fn deactivating_someone_signs_them_out_at_once_and_reactivating_lets_them_back() {
    let app = TestApp::spawn().await;
    let teacher = app.signed_in(DEMO_TEACHER).await;
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let id = app.user_id(DEMO_TEACHER);
    let r = principal
        .submit(
            "/admin/users",
            &format!("/admin/users/{id}/deactivate"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(teacher.get("/teacher").await.status, 303);
    let left: i64 = sessions::table
        .filter(sessions::user_id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(
        app.browser().sign_in(DEMO_TEACHER, PASSWORD).await.status,
        422
    );
    assert_eq!(
        principal
            .get(&format!("/admin/users/{id}"))
            .await
            .text("#status"),
        "Inactive"
    );
    principal
        .submit(
            "/admin/users",
            &format!("/admin/users/{id}/reactivate"),
            &[],
        )
        .await;
    assert_eq!(
        app.browser().sign_in(DEMO_TEACHER, PASSWORD).await.status,
        303
    );
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::entity_id.eq(id))
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(actions, vec!["deactivate", "reactivate"]);
}

#[actix_web::test]
async fn an_edit_over_someone_elses_newer_save_is_refused_with_what_they_saved() {
    let app = TestApp::spawn().await;
    let first = app.signed_in(DEMO_ADMIN).await;
    let second = app.signed_in(DEMO_PRINCIPAL).await;
    let id = app.user_id("teacher2@rollbook.test");
    let edit_path = format!("/admin/users/{id}/edit");
    let mine = first.get(&edit_path).await;
    let theirs = second.get(&edit_path).await;
    let north = school_id(&app, NORTH).to_string();
    let fields = |page: &TestResponse, name: &str| {
        vec![
            ("csrf_token".to_string(), page.csrf_token()),
            (
                "version".to_string(),
                page.attr("input[name=version]", "value").unwrap(),
            ),
            ("display_name".to_string(), name.to_string()),
            ("email".to_string(), "teacher2@rollbook.test".to_string()),
            ("role".to_string(), "teacher".to_string()),
            ("school_id".to_string(), north.clone()),
        ]
    };
    let as_refs = |v: &Vec<(String, String)>| {
        v.iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>()
    };
    let theirs_fields = as_refs(&fields(&theirs, "Siobhán O'Neill-Byrne"));
    let pairs: Vec<(&str, &str)> = theirs_fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        second
            .post_form(&format!("/admin/users/{id}"), &pairs)
            .await
            .status,
        303
    );

    let my_fields = as_refs(&fields(&mine, "S. O'Neill"));
    let pairs: Vec<(&str, &str)> = my_fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = first.post_form(&format!("/admin/users/{id}"), &pairs).await;
    assert_eq!(r.status, 409);
    assert!(
        r.text("#conflict").contains("Siobhán O'Neill-Byrne"),
        "shows what the other person saved"
    );
    assert_eq!(
        r.attr("#display_name", "value").as_deref(),
        Some("S. O'Neill"),
        "keeps my typing"
    );
    let saved: String = users::table
        .find(id)
        .select(users::display_name)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(saved, "Siobhán O'Neill-Byrne");

    // Saving again from the conflict page overwrites knowingly.
    let again: Vec<(String, String)> = vec![
        ("csrf_token".into(), r.csrf_token()),
        (
            "version".into(),
            r.attr("input[name=version]", "value").unwrap(),
        ),
        ("display_name".into(), "S. O'Neill".into()),
        ("email".into(), "teacher2@rollbook.test".into()),
        ("role".into(), "teacher".into()),
        ("school_id".into(), north.clone()),
    ];
    let pairs: Vec<(&str, &str)> = again
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        first
            .post_form(&format!("/admin/users/{id}"), &pairs)
            .await
            .status,
        303
    );
    let (before, after): (Option<serde_json::Value>, Option<serde_json::Value>) = audit_log::table
        .filter(audit_log::entity_id.eq(id))
        .order(audit_log::id.desc())
        .select((audit_log::before, audit_log::after))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        before.unwrap(),
        serde_json::json!({ "display_name": "Siobhán O'Neill-Byrne" })
    );
    assert_eq!(
        after.unwrap(),
        serde_json::json!({ "display_name": "S. O'Neill" })
    );
}

#[actix_web::test]
async fn the_people_list_searches_filters_and_pages_with_and_without_htmx() {
    let app = TestApp::spawn().await;
    let rows: Vec<_> = (0..120)
        .map(|i| {
            (
                users::email.eq(format!("bulk{i:03}@rollbook.test")),
                users::display_name.eq(format!("Bulk Parent {i:03}")),
                users::role.eq("parent"),
            )
        })
        .collect();
    diesel::insert_into(users::table)
        .values(&rows)
        .execute(&mut app.conn())
        .unwrap();
    let admin = app.signed_in(DEMO_ADMIN).await;

    let page1 = admin.get("/admin/users?q=bulk").await;
    assert_eq!(page1.count("#users tbody tr"), 50);
    assert!(page1
        .text("#user-results [role=status]")
        .starts_with("120 people"));
    let page3 = admin.get("/admin/users?q=bulk&page=3").await;
    assert_eq!(page3.count("#users tbody tr"), 20);
    assert_eq!(
        page3.texts("#users tbody th").first().map(String::as_str),
        Some("Bulk Parent 100")
    );

    let by_email = admin.get("/admin/users?q=TEACHER7%40").await;
    assert_eq!(by_email.texts("#users tbody th"), vec!["Élodie Dubois"]);
    let literal = admin.get("/admin/users?q=%25").await;
    assert_eq!(
        literal.count("#users tbody tr"),
        0,
        "% is searched for literally"
    );
    let principals = admin.get("/admin/users?role=principal").await;
    assert_eq!(principals.count("#users tbody tr"), 2);
    let inactive = admin.get("/admin/users?status=inactive").await;
    assert_eq!(inactive.count("#users tbody tr"), 0);

    let fragment = admin
        .get_with(
            "/admin/users?q=bulk%20parent%20007",
            &[("HX-Request", "true")],
        )
        .await;
    assert_eq!(fragment.header("vary"), Some("HX-Request"));
    assert_eq!(
        fragment.count("html > body > div#user-results"),
        1,
        "only the results block"
    );
    assert_eq!(fragment.count("h1"), 0);
    assert_eq!(fragment.count("#users tbody tr"), 1);
    let restore = admin
        .get_with(
            "/admin/users?q=bulk",
            &[
                ("HX-Request", "true"),
                ("HX-History-Restore-Request", "true"),
            ],
        )
        .await;
    assert_eq!(
        restore.count("h1"),
        1,
        "history restore gets the whole page"
    );
}

#[actix_web::test]
async fn the_office_can_send_a_password_link() {
    let app = TestApp::spawn().await;
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let id = app.user_id(DEMO_TEACHER);
    let r = principal
        .submit(
            "/admin/users",
            &format!("/admin/users/{id}/send-reset"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    let (to, kind): (String, String) = outbox_emails::table
        .select((outbox_emails::to_address, outbox_emails::kind))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        (to.as_str(), kind.as_str()),
        (DEMO_TEACHER, "password_reset")
    );
}

/// A principal's own record cannot be edited in People (its role is not hers to grant), so People
/// sends her to My account, where her name and phone are hers to change: never to a 403.
#[actix_web::test]
async fn a_principal_edits_her_own_record_under_my_account() {
    let app = TestApp::spawn().await;
    let me = app.user_id(DEMO_PRINCIPAL);
    let b = app.signed_in(DEMO_PRINCIPAL).await;
    let page = b.get(&format!("/admin/users/{me}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.attr(".actions a.button", "href").as_deref(),
        Some("/account")
    );
    assert_eq!(page.count(&format!("a[href='/admin/users/{me}/edit']")), 0);
    assert_eq!(page.count("form[action$='/deactivate']"), 0);
    let edit = b.get(&format!("/admin/users/{me}/edit")).await;
    assert_eq!(edit.status, 303);
    assert_eq!(edit.location(), Some("/account"));
    let account = b.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(account.count("input[name=phone]") + account.count("input[name=display_name]") > 0);
    // A teacher of her school is hers to edit in People.
    let teacher = app.user_id(DEMO_TEACHER);
    let page = b.get(&format!("/admin/users/{teacher}")).await;
    assert_eq!(
        page.attr(".actions a.button", "href"),
        Some(format!("/admin/users/{teacher}/edit"))
    );
    assert_eq!(
        b.get(&format!("/admin/users/{teacher}/edit")).await.status,
        200
    );
}
