//! Hostile input everywhere: every form on the pages of each role is posted with values no
//! person types (broken UTF-8, NUL, 10 kB, far dates, huge numbers). Each answer is a 4xx from
//! Rollbook's own page (or, for a value that happens to be acceptable somewhere, never a 500),
//! shows no internals, and a refused post changes no row.

use diesel::prelude::*;

use crate::helpers::*;

/// A fingerprint of every table but those a request touches anyway (sessions, sign-in log):
/// each table's row count and newest row version, so any insert, update or delete shows.
fn fingerprint(app: &TestApp) -> Vec<String> {
    let mut conn = app.conn();
    let tables: Vec<String> = diesel::dsl::sql::<diesel::sql_types::Text>(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_type = 'BASE TABLE' AND table_name NOT IN \
         ('sessions', 'login_events', '__diesel_schema_migrations') ORDER BY 1",
    )
    .load(&mut conn)
    .unwrap();
    tables
        .iter()
        .map(|t| {
            let row: String = diesel::dsl::sql::<diesel::sql_types::Text>(&format!(
                "SELECT '{t}:' || count(*) || ':' || COALESCE(max(xmin::text::bigint), 0) FROM {t}"
            ))
            .get_result(&mut conn)
            .unwrap();
            row
        })
        .collect()
}

/// Words that only internals would put on a page.
const INTERNALS: [&str; 9] = [
    "diesel",
    "SQLSTATE",
    "syntax error",
    "invalid byte sequence",
    "src/",
    ".rs:",
    "panicked",
    "DatabaseError",
    "relation \"",
];

/// Every POST form on `page`: its action and its fields with their current values.
fn forms_on(page: &TestResponse) -> Vec<(String, Vec<(String, String)>)> {
    let html = page.html();
    let form_sel = scraper::Selector::parse("form[method=post], form[method=POST]").unwrap();
    let field_sel = scraper::Selector::parse("input[name], select[name], textarea[name]").unwrap();
    html.select(&form_sel)
        .filter_map(|form| {
            let action = form.value().attr("action")?.to_string();
            let fields = form
                .select(&field_sel)
                .map(|f| {
                    let name = f.value().attr("name").unwrap().to_string();
                    let value = f.value().attr("value").unwrap_or("").to_string();
                    (name, value)
                })
                .collect();
            Some((action, fields))
        })
        .collect()
}

/// Posts `fields` with every field a person fills in (not the token, versions or actions) set
/// to `hostile`, as raw bytes.
async fn post_hostile(
    b: &Browser,
    action: &str,
    fields: &[(String, String)],
    hostile: &[u8],
) -> TestResponse {
    let mut body = Vec::new();
    for (name, value) in fields {
        if !body.is_empty() {
            body.push(b'&');
        }
        body.extend_from_slice(rollbook::web::urlencode(name).as_bytes());
        body.push(b'=');
        let kept = name == "csrf_token" || name == "action" || name.starts_with("version");
        if kept {
            body.extend_from_slice(rollbook::web::urlencode(value).as_bytes());
        } else {
            body.extend_from_slice(hostile);
        }
    }
    b.post_raw(action, body).await
}

/// The pages whose forms are walked, by role.
fn pages(app: &TestApp) -> Vec<(&'static str, Vec<String>)> {
    let c7a = app.class_id("7A");
    let day = start_time().date_naive();
    vec![
        (
            DEMO_ADMIN,
            [
                "/admin/students/new",
                "/admin/users/new",
                "/admin/schools",
                "/admin/classes",
                "/admin/subjects",
                "/admin/terms",
                "/admin/calendar",
                "/admin/assignments",
                "/admin/attendance/codes",
                "/admin/settings",
                "/account",
            ]
            .iter()
            .map(|s| s.to_string())
            .chain([format!("/admin/classes/{c7a}/attendance/{day}")])
            .collect(),
        ),
        (
            DEMO_TEACHER,
            vec![
                format!("/teacher/classes/{c7a}/attendance/{day}"),
                crate::gradebook::book_url(app, "7A", "Mathematics"),
                "/account".to_string(),
            ],
        ),
        (
            DEMO_PARENT,
            vec!["/parent".to_string(), "/account".to_string()],
        ),
    ]
}

#[actix_web::test]
async fn every_form_refuses_hostile_values_with_its_own_page_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let ten_kb = "x".repeat(10 * 1024);
    // Not text: refused by every form. The others are refused by every field that has a type or
    // a length (a checkbox takes any value as "ticked"), and never answered with a 500.
    let refused_everywhere: [&[u8]; 3] = [b"Ann%FF%FEe", b"Ann\xFF\xFEe", b"%C0%80"];
    let odd: [&[u8]; 6] = [
        ten_kb.as_bytes(),
        b"x%00y",
        b"262143-12-31",
        b"-4713-01-01",
        b"-99999999999999999999",
        b"99999999999999999999",
    ];
    let mut walked = 0;
    for (who, paths) in pages(&app) {
        let b = app.signed_in(who).await;
        for path in paths {
            let page = b.get(&path).await;
            assert_eq!(page.status, 200, "{who} {path}");
            for (action, fields) in forms_on(&page) {
                if action.contains("delete")
                    || action.contains("logout")
                    || action.contains("sessions")
                {
                    continue;
                }
                walked += 1;
                for hostile in refused_everywhere.iter().chain(&odd) {
                    let before = fingerprint(&app);
                    let r = post_hostile(&b, &action, &fields, hostile).await;
                    let shown =
                        String::from_utf8_lossy(&hostile[..hostile.len().min(20)]).into_owned();
                    assert!(
                        r.status < 500,
                        "{who} {action} with {shown:?}: {} {}",
                        r.status,
                        r.body
                    );
                    for word in INTERNALS {
                        assert!(!r.body.contains(word), "{action} shows {word:?}");
                    }
                    let refused = refused_everywhere.contains(hostile);
                    if refused {
                        assert!(
                            (400..500).contains(&r.status),
                            "{who} {action} took {shown:?}: {}",
                            r.status
                        );
                    }
                    if (400..500).contains(&r.status) {
                        assert!(r.count("main") == 1, "{action}: Rollbook's own page");
                        assert_eq!(
                            before,
                            fingerprint(&app),
                            "{action} with {shown:?} changed a row"
                        );
                    }
                }
            }
        }
    }
    assert!(walked >= 10, "only {walked} forms were walked");
}

#[actix_web::test]
async fn nul_bytes_and_broken_text_in_filters_and_fields_are_refused_not_stored() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(DEMO_ADMIN).await;
    for path in [
        "/admin/users?q=%00",
        "/admin/students?q=%00",
        "/dashboard/at-risk?grade=%00",
        "/admin/students?q=Ann%FF%FEe",
    ] {
        let r = admin.get(path).await;
        assert_eq!(r.status, 422, "{path}: {}", r.body);
        assert_eq!(r.count("main"), 1, "{path}");
    }
    for path in [
        "/admin/attendance/export.csv?from=-4713-01-01&to=262143-12-31",
        "/admin/attendance/export.csv?from=1800-01-01",
    ] {
        let r = admin.get(path).await;
        assert_eq!(r.status, 422, "{path}: {}", r.body);
        assert!(r.text("main").contains("1900 to 2100"), "{}", r.body);
    }
    let r = admin.get("/admin/audit?page=99999999999999999999").await;
    assert!((400..500).contains(&r.status), "{}", r.status);
    assert_eq!(r.count("main"), 1, "Rollbook's own page: {}", r.body);
    // A body over the limit, refused before any handler runs (the CSRF check reads it): 413 on
    // Rollbook's own page, not the bare text the check answers with.
    let huge = "x".repeat(400 * 1024);
    let r = admin
        .post_form("/admin/subjects", &[("name", huge.as_str())])
        .await;
    assert_eq!(r.status, 413);
    assert_eq!(r.count("main"), 1, "Rollbook's own page: {}", r.body);
    assert!(r.text("main").contains("too large"), "{}", r.body);
}

#[actix_web::test]
async fn an_enrolment_starting_in_the_year_3000_is_refused_beside_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(DEMO_ADMIN).await;
    let page = admin.get("/admin/students/new").await;
    let school = page
        .attr(
            "select[name=school_id] option[value]:not([value=''])",
            "value",
        )
        .unwrap();
    let r = admin
        .submit(
            "/admin/students/new",
            "/admin/students",
            &[
                ("school_id", &school),
                ("student_number", "Z-3000"),
                ("given_name", "Future"),
                ("family_name", "Pupil"),
                ("enrolled_on", "3000-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.text("#enrolled_on-error").contains("1900 to 2100"),
        "{}",
        r.body
    );
    let count: i64 = rollbook::schema::students::table
        .filter(rollbook::schema::students::student_number.eq("Z-3000"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(count, 0);
}

/// A student of 7A's school who is not in 7A: (id, given name).
fn outsider_of_7a(app: &TestApp) -> (i64, String) {
    use rollbook::schema::{classes, enrolments, students};
    let c7a = app.class_id("7A");
    let mut conn = app.conn();
    let school: i64 = classes::table
        .find(c7a)
        .select(classes::school_id)
        .first(&mut conn)
        .unwrap();
    let in_7a = enrolments::table
        .filter(enrolments::class_id.eq(c7a))
        .select(enrolments::student_id);
    students::table
        .filter(students::school_id.eq(school))
        .filter(students::id.ne_all(in_7a))
        .select((students::id, students::given_name))
        .first(&mut conn)
        .unwrap()
}

#[actix_web::test]
async fn a_register_save_naming_a_student_not_in_the_class_is_refused_whole_naming_them() {
    let app = TestApp::spawn().await;
    let (outsider, name) = outsider_of_7a(&app);
    let c7a = app.class_id("7A");
    let day = start_time().date_naive();
    for (who, portal) in [(DEMO_TEACHER, "teacher"), (DEMO_ADMIN, "admin")] {
        let b = app.signed_in(who).await;
        let url = format!("/{portal}/classes/{c7a}/attendance/{day}");
        let page = b.get(&url).await;
        let present = page.attr("#register input[data-key='P']", "value").unwrap();
        let first = page
            .attr("#register tbody tr", "id")
            .unwrap()
            .trim_start_matches("row-")
            .to_string();
        let token = page.csrf_token();
        let (mark_first, mark_outsider) = (format!("mark_{first}"), format!("mark_{outsider}"));
        let fields = [
            ("csrf_token", token.as_str()),
            (mark_first.as_str(), present.as_str()),
            (mark_outsider.as_str(), present.as_str()),
            ("action", "save"),
        ];
        for htmx in [false, true] {
            let headers: &[(&str, &str)] = if htmx { &[("HX-Request", "true")] } else { &[] };
            let r = b.post_form_with(&url, &fields, headers).await;
            assert_eq!(r.status, 422, "{portal} htmx={htmx}: {}", r.body);
            assert!(r.body.contains(&name), "{portal} htmx={htmx}: names {name}");
            let saved: i64 = rollbook::schema::attendance::table
                .filter(rollbook::schema::attendance::class_id.eq(c7a))
                .count()
                .get_result(&mut app.conn())
                .unwrap();
            assert_eq!(saved, 0, "nothing saved, not even the first row's mark");
        }
    }
}

#[actix_web::test]
async fn every_parent_write_route_answers_404_for_what_is_not_the_parents() {
    use rollbook::schema::{attendance, attendance_codes, parent_students};
    let app = TestApp::spawn().await;
    let parent = app.signed_in(DEMO_PARENT).await;
    let mut conn = app.conn();
    let mine: i64 = parent_students::table
        .filter(parent_students::parent_id.eq(app.user_id(DEMO_PARENT)))
        .select(parent_students::student_id)
        .first(&mut conn)
        .unwrap();
    let (outsider, _) = outsider_of_7a(&app);
    let theirs = if outsider == mine {
        outsider + 1
    } else {
        outsider
    };
    // An absence of another family's child, and a present mark of the parent's own child.
    let day = start_time().date_naive();
    let code = |category: &str, student: i64| -> i64 {
        let school: i64 = rollbook::schema::students::table
            .find(student)
            .select(rollbook::schema::students::school_id)
            .first(&mut app.conn())
            .unwrap();
        attendance_codes::table
            .filter(attendance_codes::school_id.eq(school))
            .filter(attendance_codes::category.eq(category))
            .select(attendance_codes::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let mark = |student: i64, code_id: i64| -> i64 {
        let (school, class): (i64, i64) = rollbook::schema::enrolments::table
            .inner_join(rollbook::schema::classes::table)
            .filter(rollbook::schema::enrolments::student_id.eq(student))
            .select((
                rollbook::schema::classes::school_id,
                rollbook::schema::classes::id,
            ))
            .first(&mut app.conn())
            .unwrap();
        diesel::insert_into(attendance::table)
            .values((
                attendance::school_id.eq(school),
                attendance::class_id.eq(class),
                attendance::student_id.eq(student),
                attendance::date.eq(day),
                attendance::code_id.eq(code_id),
                attendance::version.eq(1),
                attendance::source.eq("teacher"),
                attendance::updated_at.eq(start_time()),
            ))
            .returning(attendance::id)
            .get_result(&mut app.conn())
            .unwrap()
    };
    let their_absence = mark(theirs, code("absent", theirs));
    let my_presence = mark(mine, code("present", mine));
    let token = parent.get("/parent").await.csrf_token();
    // The parent's write routes: (path, fields).
    let routes = [
        format!("/parent/children/{theirs}/absences/{their_absence}/reason"),
        format!("/parent/children/{mine}/absences/{their_absence}/reason"),
        format!("/parent/children/{mine}/absences/{my_presence}/reason"),
    ];
    for path in &routes {
        for reason in ["Dentist", ""] {
            let r = parent
                .post_form(path, &[("csrf_token", &token), ("reason", reason)])
                .await;
            assert_eq!(r.status, 404, "{path} with {reason:?}: {}", r.body);
        }
    }
    let reasons: i64 = rollbook::schema::absence_reasons::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(reasons, 0);
}
