//! School structure: years and terms that never overlap, calendars, subjects, classes,
//! assignments and cover, each within the principal's own school.

use chrono::Duration;
use diesel::prelude::*;
use rollbook::schema::{academic_years, audit_log, schools, subjects, terms};

use crate::helpers::*;

fn north_year(app: &TestApp) -> i64 {
    academic_years::table
        .inner_join(schools::table)
        .filter(schools::name.eq("Northgate Community School"))
        .select(academic_years::id)
        .first(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn years_and_terms_never_overlap_and_terms_stay_inside_their_year() {
    let app = TestApp::spawn().await;
    let p = app.signed_in(DEMO_PRINCIPAL).await;
    let r = p
        .submit(
            "/admin/terms",
            "/admin/terms/years",
            &[
                ("name", "Overlapping"),
                ("starts_on", "2027-06-01"),
                ("ends_on", "2028-05-31"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r
        .text("#new-year-starts_on-error")
        .contains("overlap the year 2026–27"));
    let r = p
        .submit(
            "/admin/terms",
            "/admin/terms/years",
            &[
                ("name", "2027–28"),
                ("starts_on", "2027-08-01"),
                ("ends_on", "2027-02-30"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text("#new-year-ends_on-error").contains("2027-02-30"));
    assert_eq!(
        r.attr("#new-year-name", "value").as_deref(),
        Some("2027–28"),
        "typing kept"
    );
    let r = p
        .submit(
            "/admin/terms",
            "/admin/terms/years",
            &[
                ("name", "2027–28"),
                ("starts_on", "2027-08-01"),
                ("ends_on", "2028-07-31"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);

    let year = north_year(&app).to_string();
    let r = p
        .submit(
            "/admin/terms",
            "/admin/terms/terms",
            &[
                ("academic_year_id", &year),
                ("name", "Outside"),
                ("starts_on", "2027-07-01"),
                ("ends_on", "2027-08-15"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r
        .text("#new-term-starts_on-error")
        .contains("inside its year"));
    let r = p
        .submit(
            "/admin/terms",
            "/admin/terms/terms",
            &[
                ("academic_year_id", &year),
                ("name", "Clash"),
                ("starts_on", "2026-12-01"),
                ("ends_on", "2027-01-10"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r
        .text("#new-term-starts_on-error")
        .contains("overlap the Autumn term"));
    let count: i64 = terms::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(count, 6, "nothing was added");

    // Moving the Spring term's end is an edit of that row.
    let spring: i64 = terms::table
        .filter(terms::name.eq("Spring term"))
        .filter(terms::academic_year_id.eq(north_year(&app)))
        .select(terms::id)
        .first(&mut app.conn())
        .unwrap();
    let r = p
        .submit(
            "/admin/terms",
            &format!("/admin/terms/terms/{spring}"),
            &[
                ("name", "Spring term"),
                ("starts_on", "2027-01-05"),
                ("ends_on", "2027-04-02"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = p
        .submit(
            "/admin/terms",
            &format!("/admin/terms/terms/{spring}"),
            &[
                ("name", "Spring term"),
                ("starts_on", "2027-01-05"),
                ("ends_on", "2027-04-20"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "would overlap the Summer term");
    assert!(r
        .text(&format!("#term-{spring}-starts_on-error"))
        .contains("Summer term"));
}

#[actix_web::test]
async fn a_principal_cannot_touch_another_schools_structure() {
    let app = TestApp::spawn().await;
    let p = app.signed_in(DEMO_PRINCIPAL).await;
    let south_year: i64 = academic_years::table
        .inner_join(schools::table)
        .filter(schools::name.eq("Southbank Academy"))
        .select(academic_years::id)
        .first(&mut app.conn())
        .unwrap();
    let r = p
        .submit(
            "/admin/terms",
            &format!("/admin/terms/years/{south_year}"),
            &[
                ("name", "Hijack"),
                ("starts_on", "2026-08-01"),
                ("ends_on", "2027-07-31"),
            ],
        )
        .await;
    assert_eq!(r.status, 404);
    let south_term: i64 = terms::table
        .filter(terms::academic_year_id.eq(south_year))
        .select(terms::id)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        p.submit(
            "/admin/terms",
            &format!("/admin/terms/terms/{south_term}/delete"),
            &[]
        )
        .await
        .status,
        404
    );
    let c9a = app.class_id("9A");
    let year = north_year(&app).to_string();
    let r = p
        .submit(
            "/admin/classes",
            &format!("/admin/classes/{c9a}"),
            &[
                ("academic_year_id", &year),
                ("name", "9A"),
                ("grade_level", "9"),
            ],
        )
        .await;
    assert_eq!(r.status, 404);
    let south: i64 = app.school_id("Southbank Academy");
    let r = p
        .submit(
            "/admin/schools",
            &format!("/admin/schools/{south}"),
            &[("name", "Mine now"), ("timezone", "Europe/London")],
        )
        .await;
    assert_eq!(r.status, 404);
    let r = p
        .submit(
            "/admin/schools",
            "/admin/schools",
            &[("name", "New School"), ("timezone", "Europe/London")],
        )
        .await;
    assert_eq!(r.status, 403, "only admins create schools");
    let pages = [
        "/admin/terms",
        "/admin/classes",
        "/admin/subjects",
        "/admin/assignments",
        "/admin/calendar",
        "/admin/schools",
    ];
    for page in pages {
        // The page's text, not its markup: a random CSRF token may spell "9A".
        let text = p.get(page).await.text("body");
        assert!(
            !text.contains("Southbank") && !text.contains("9A"),
            "{page} shows nothing of the other school: {text}"
        );
    }
}

#[actix_web::test]
async fn admins_create_schools_and_principals_set_their_own_time_zone_and_weekend() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(DEMO_ADMIN).await;
    let r = admin
        .submit(
            "/admin/schools",
            "/admin/schools",
            &[
                ("name", "Eastfield High"),
                ("timezone", "Mars/Olympus_Mons"),
                ("weekend_6", "1"),
                ("weekend_7", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.count("#new-timezone-error"), 1);
    let r = admin
        .submit(
            "/admin/schools",
            "/admin/schools",
            &[
                ("name", "Eastfield High"),
                ("timezone", "Asia/Dubai"),
                ("weekend_5", "1"),
                ("weekend_6", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let weekend: Vec<Option<i16>> = schools::table
        .filter(schools::name.eq("Eastfield High"))
        .select(schools::weekend_days)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(weekend, vec![Some(5), Some(6)]);

    let p = app.signed_in(DEMO_PRINCIPAL).await;
    let north: i64 = app.school_id("Northgate Community School");
    let r = p
        .submit(
            "/admin/schools",
            &format!("/admin/schools/{north}"),
            &[
                ("name", "Northgate Community School"),
                ("timezone", "Europe/Dublin"),
                ("weekend_6", "1"),
                ("weekend_7", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let tz: String = schools::table
        .find(north)
        .select(schools::timezone)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(tz, "Europe/Dublin");
}

#[actix_web::test]
async fn holidays_subjects_and_classes_are_added_with_audit_rows() {
    let app = TestApp::spawn().await;
    let p = app.signed_in(DEMO_PRINCIPAL).await;
    let r = p
        .submit(
            "/admin/calendar",
            "/admin/calendar",
            &[
                ("name", "Half term"),
                ("starts_on", "2026-10-26"),
                ("ends_on", "2026-10-30"),
                ("kind", "holiday"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        p.get("/admin/calendar").await.texts("#calendar tbody th"),
        vec!["Half term"]
    );
    let r = p
        .submit(
            "/admin/calendar",
            "/admin/calendar",
            &[
                ("name", "Backwards"),
                ("starts_on", "2026-10-30"),
                ("ends_on", "2026-10-26"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);

    let r = p
        .submit(
            "/admin/subjects",
            "/admin/subjects",
            &[("name", "Mathematics")],
        )
        .await;
    assert_eq!(r.status, 422, "the school has Mathematics already");
    assert!(r.text("#new-name-error").contains("already"));
    let r = p
        .submit(
            "/admin/subjects",
            "/admin/subjects",
            &[("name", "Computing")],
        )
        .await;
    assert_eq!(r.status, 303);

    let year = north_year(&app).to_string();
    let t5 = app.user_id("teacher5@rollbook.test").to_string();
    let t7 = app.user_id("teacher7@rollbook.test").to_string();
    let r = p
        .submit(
            "/admin/classes",
            "/admin/classes",
            &[
                ("academic_year_id", &year),
                ("name", "9C"),
                ("grade_level", "9"),
                ("homeroom_teacher_id", &t7),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "another school's teacher is not offered");
    let r = p
        .submit(
            "/admin/classes",
            "/admin/classes",
            &[
                ("academic_year_id", &year),
                ("name", "9C"),
                ("grade_level", "9"),
                ("homeroom_teacher_id", &t5),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let teacher = app.signed_in("teacher5@rollbook.test").await;
    assert!(teacher
        .get("/teacher")
        .await
        .texts("#my-classes h2")
        .contains(&"9C".to_string()));
    let entities: Vec<String> = audit_log::table
        .order(audit_log::id)
        .select(audit_log::entity)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(entities, vec!["non_school_day", "subject", "class"]);
}

#[actix_web::test]
async fn assignments_and_cover_decide_which_classes_a_teacher_sees() {
    let app = TestApp::spawn().await;
    let p = app.signed_in(DEMO_PRINCIPAL).await;
    let c8b = app.class_id("8B").to_string();
    let science: i64 = subjects::table
        .filter(subjects::name.eq("Science"))
        .order(subjects::id)
        .select(subjects::id)
        .first(&mut app.conn())
        .unwrap();
    let science = science.to_string();
    let demo_teacher = app.user_id(DEMO_TEACHER).to_string();
    let r = p
        .submit(
            "/admin/assignments",
            "/admin/assignments",
            &[
                ("class_id", &c8b),
                ("subject_id", &science),
                ("teacher_id", &demo_teacher),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let teacher = app.signed_in(DEMO_TEACHER).await;
    assert_eq!(
        teacher.get("/teacher").await.texts("#my-classes h2"),
        vec!["7A", "8A", "8B"]
    );
    let r = p
        .submit(
            "/admin/assignments",
            "/admin/assignments",
            &[
                ("class_id", &c8b),
                ("subject_id", &science),
                ("teacher_id", &demo_teacher),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "no duplicate assignment");

    // Cover: teacher5 covers 7B for three days.
    let c7b = app.class_id("7B");
    let t5 = app.user_id("teacher5@rollbook.test").to_string();
    let t7 = app.user_id("teacher7@rollbook.test").to_string();
    let today = start_time().date_naive();
    let (from, to) = (today.to_string(), (today + Duration::days(2)).to_string());
    let r = p
        .submit(
            "/admin/assignments",
            "/admin/assignments/cover",
            &[
                ("class_id", &c7b.to_string()),
                ("teacher_id", &t7),
                ("starts_on", &from),
                ("ends_on", &to),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "a teacher of another school cannot cover");
    let r = p
        .submit(
            "/admin/assignments",
            "/admin/assignments/cover",
            &[
                ("class_id", &c7b.to_string()),
                ("teacher_id", &t5),
                ("starts_on", &from),
                ("ends_on", &to),
                ("note", "Mr Sharma on a course"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    // The demo teacher covers 7B, which they do not otherwise teach.
    let r = p
        .submit(
            "/admin/assignments",
            "/admin/assignments/cover",
            &[
                ("class_id", &c7b.to_string()),
                ("teacher_id", &demo_teacher),
                ("starts_on", &from),
                ("ends_on", &to),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let home = teacher.get("/teacher").await;
    assert!(
        home.text("#my-classes").contains("Covering until"),
        "{}",
        home.text("#my-classes")
    );
    assert_eq!(
        teacher.get(&format!("/teacher/classes/{c7b}")).await.status,
        200
    );

    // Three days later the cover is over.
    app.clock.advance(Duration::days(3));
    let teacher = app.signed_in(DEMO_TEACHER).await;
    assert_eq!(
        teacher.get(&format!("/teacher/classes/{c7b}")).await.status,
        404
    );

    let removed: i64 = rollbook::schema::teacher_assignments::table
        .filter(rollbook::schema::teacher_assignments::teacher_id.eq(app.user_id(DEMO_TEACHER)))
        .filter(rollbook::schema::teacher_assignments::class_id.eq(app.class_id("8B")))
        .select(rollbook::schema::teacher_assignments::id)
        .first(&mut app.conn())
        .unwrap();
    let p = app.signed_in(DEMO_PRINCIPAL).await;
    assert_eq!(
        p.submit(
            "/admin/assignments",
            &format!("/admin/assignments/{removed}/delete"),
            &[]
        )
        .await
        .status,
        303
    );
    let teacher = app.signed_in(DEMO_TEACHER).await;
    assert_eq!(
        teacher.get("/teacher").await.texts("#my-classes h2"),
        vec!["7A", "8A"]
    );
}

#[actix_web::test]
async fn every_office_route_answers_404_for_another_schools_record() {
    use rollbook::schema::{cover_assignments, non_school_days, students, teacher_assignments};
    let app = TestApp::spawn().await;
    let mut conn = app.conn();
    let south: i64 = schools::table
        .filter(schools::name.eq("Southbank Academy"))
        .select(schools::id)
        .first(&mut conn)
        .unwrap();
    let c9a = app.class_id("9A");
    let t7 = app.user_id("teacher7@rollbook.test");
    let today = start_time().date_naive();
    let day: i64 = diesel::insert_into(non_school_days::table)
        .values((
            non_school_days::school_id.eq(south),
            non_school_days::starts_on.eq(today),
            non_school_days::ends_on.eq(today),
            non_school_days::name.eq("South closure"),
        ))
        .returning(non_school_days::id)
        .get_result(&mut conn)
        .unwrap();
    let cover: i64 = diesel::insert_into(cover_assignments::table)
        .values((
            cover_assignments::school_id.eq(south),
            cover_assignments::teacher_id.eq(t7),
            cover_assignments::class_id.eq(c9a),
            cover_assignments::starts_on.eq(today),
            cover_assignments::ends_on.eq(today),
        ))
        .returning(cover_assignments::id)
        .get_result(&mut conn)
        .unwrap();
    let assignment: i64 = teacher_assignments::table
        .filter(teacher_assignments::school_id.eq(south))
        .select(teacher_assignments::id)
        .first(&mut conn)
        .unwrap();
    let subject: i64 = subjects::table
        .filter(subjects::school_id.eq(south))
        .select(subjects::id)
        .first(&mut conn)
        .unwrap();
    let student: i64 = students::table
        .filter(students::school_id.eq(south))
        .select(students::id)
        .first(&mut conn)
        .unwrap();
    let term: i64 = terms::table
        .filter(terms::school_id.eq(south))
        .select(terms::id)
        .first(&mut conn)
        .unwrap();
    let year: i64 = academic_years::table
        .filter(academic_years::school_id.eq(south))
        .select(academic_years::id)
        .first(&mut conn)
        .unwrap();
    let p = app.signed_in(DEMO_PRINCIPAL).await;
    let gets = [
        format!("/admin/classes/{c9a}"),
        format!("/admin/users/{t7}"),
        format!("/admin/users/{t7}/edit"),
        format!("/admin/students/{student}"),
        format!("/admin/students/{student}/edit"),
    ];
    for path in &gets {
        assert_eq!(p.get(path).await.status, 404, "GET {path}");
    }
    let posts = [
        format!("/admin/users/{t7}"),
        format!("/admin/users/{t7}/deactivate"),
        format!("/admin/users/{t7}/reactivate"),
        format!("/admin/users/{t7}/send-reset"),
        format!("/admin/users/{t7}/unlock"),
        format!("/admin/students/{student}"),
        format!("/admin/students/{student}/withdraw"),
        format!("/admin/students/{student}/reinstate"),
        format!("/admin/students/{student}/parents"),
        format!("/admin/schools/{south}"),
        format!("/admin/terms/years/{year}"),
        format!("/admin/terms/terms/{term}"),
        format!("/admin/terms/terms/{term}/delete"),
        format!("/admin/calendar/{day}/delete"),
        format!("/admin/subjects/{subject}"),
        format!("/admin/classes/{c9a}"),
        format!("/admin/assignments/{assignment}/delete"),
        format!("/admin/assignments/cover/{cover}/delete"),
    ];
    let north_year = north_year(&app).to_string();
    let filled: Vec<(&str, &str)> = vec![
        ("name", "Taken over"),
        ("display_name", "Taken over"),
        ("email", "t7@rollbook.test"),
        ("role", "teacher"),
        ("starts_on", "2026-08-01"),
        ("ends_on", "2027-07-31"),
        ("timezone", "Europe/London"),
        ("academic_year_id", &north_year),
        ("grade_level", "9"),
        ("student_number", "SB-0001"),
        ("given_name", "X"),
        ("family_name", "Y"),
        ("version", "2026-01-01T00:00:00Z"),
        ("parent_email", DEMO_PARENT),
        ("relationship", "Mother"),
        ("action", "save"),
    ];
    for path in &posts {
        let r = p.submit("/admin", path, &filled).await;
        assert!(
            r.status == 404 || r.status == 422,
            "POST {path} answered {}",
            r.status
        );
        assert_ne!(r.status, 303, "POST {path} must change nothing");
    }
    // Nothing of the other school changed.
    let still: String = rollbook::schema::users::table
        .find(t7)
        .select(rollbook::schema::users::display_name)
        .first(&mut conn)
        .unwrap();
    assert_eq!(still, "Élodie Dubois");
    let audit: i64 = audit_log::table.count().get_result(&mut conn).unwrap();
    assert_eq!(audit, 0);
}

#[actix_web::test]
async fn the_district_lists_classes_school_by_school_and_each_class_has_its_own_form() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(DEMO_ADMIN).await;
    let district = admin.get("/admin/classes").await;
    assert_eq!(district.status, 200);
    let counts: Vec<(i64, i64)> = schools::table
        .left_join(rollbook::schema::classes::table)
        .group_by(schools::id)
        .select((
            schools::id,
            diesel::dsl::count(rollbook::schema::classes::id.nullable()),
        ))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(district.count("#schools tbody tr"), counts.len());
    for (school, n) in &counts {
        assert_eq!(
            district.text(&format!("#schools tr[data-school-id='{school}'] td")),
            n.to_string()
        );
    }
    assert_eq!(
        district.count("form[action^='/admin/classes']"),
        0,
        "no form per class"
    );

    // One school: its classes listed, each changed on a page of its own.
    let north = app.school_id("Northgate Community School");
    let list = format!("/admin/classes?school={north}");
    let page = admin.get(&list).await;
    assert_eq!(page.text("#school-name"), "Northgate Community School");
    let mut names = page.texts("#classes tbody th");
    names.sort();
    let mut expected: Vec<String> = rollbook::schema::classes::table
        .filter(rollbook::schema::classes::school_id.eq(north))
        .select(rollbook::schema::classes::name)
        .load(&mut app.conn())
        .unwrap();
    expected.sort();
    assert_eq!(names, expected);
    assert_eq!(page.count("select#new-homeroom_teacher_id"), 1);
    let c7a = app.class_id("7A");
    let edit = format!("/admin/classes/{c7a}");
    assert_eq!(
        page.attr(&format!("#classes tr[data-class-id='{c7a}'] a"), "href"),
        Some(edit.clone())
    );
    let form = admin.get(&edit).await;
    assert_eq!(
        form.attr(
            "#class-{c7a}-name"
                .replace("{c7a}", &c7a.to_string())
                .as_str(),
            "value"
        )
        .as_deref(),
        Some("7A")
    );
    // Only the class's own school's teachers are offered.
    let offered: Vec<String> = form.texts(&format!("#class-{c7a}-homeroom_teacher_id option"));
    assert!(!offered.iter().any(|t| t == "Élodie Dubois"), "{offered:?}");

    let year = north_year(&app).to_string();
    let r = admin
        .submit(
            &edit,
            &edit,
            &[
                ("academic_year_id", &year),
                ("name", ""),
                ("grade_level", "7"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r
        .text(&format!("#class-{c7a}-name-error"))
        .contains("Enter the class name"));
    assert_eq!(r.count("#edit-class"), 1, "the class's own form again");
    let r = admin
        .submit(
            &edit,
            &edit,
            &[
                ("academic_year_id", &year),
                ("name", "7 Alpha"),
                ("grade_level", "7"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some(list.as_str()));
    let renamed: String = rollbook::schema::classes::table
        .find(c7a)
        .select(rollbook::schema::classes::name)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(renamed, "7 Alpha");
    assert!(admin
        .get(&list)
        .await
        .texts("#classes tbody th")
        .contains(&"7 Alpha".to_string()));

    // A class added from the school's page that is refused comes back on that page.
    let r = admin
        .submit(
            &list,
            "/admin/classes",
            &[
                ("academic_year_id", ""),
                ("name", "9Z"),
                ("grade_level", "9"),
                ("school", &north.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.text("#school-name"), "Northgate Community School");
    assert!(r.count("#new-academic_year_id-error") == 1);
    admin
        .assert_unknown_school_not_found(&["/admin/classes"])
        .await;
    // A principal sees their own school's list whatever they ask for.
    let south: i64 = app.school_id("Southbank Academy");
    let own = app
        .signed_in(DEMO_PRINCIPAL)
        .await
        .get(&format!("/admin/classes?school={south}"))
        .await;
    let mut own_names = own.texts("#classes tbody th");
    own_names.sort();
    assert_eq!(own_names.len(), expected.len());
    assert_eq!(own.count("#school-name"), 0);
}

#[actix_web::test]
async fn the_district_arranges_assignments_and_cover_school_by_school() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(DEMO_ADMIN).await;
    let district = admin.get("/admin/assignments").await;
    assert_eq!(district.status, 200);
    let schools_n: i64 = schools::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(district.count("#schools tbody tr"), schools_n as usize);
    assert_eq!(
        district.count("#assignments, #new-assignment, #new-cover"),
        0
    );
    let north: i64 = app.school_id("Northgate Community School");
    let count_in = |school: i64| -> i64 {
        rollbook::schema::teacher_assignments::table
            .filter(rollbook::schema::teacher_assignments::school_id.eq(school))
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    let before = count_in(north);
    assert_eq!(
        district.text(&format!(
            "#schools tr[data-school-id='{north}'] td.assignments"
        )),
        before.to_string()
    );

    // The school's page: its assignments and forms offering its own classes only.
    let list = format!("/admin/assignments?school={north}");
    let page = admin.get(&list).await;
    assert_eq!(page.text("#school-name"), "Northgate Community School");
    assert_eq!(page.count("#assignments tbody tr"), before as usize);
    let offered: std::collections::BTreeSet<String> = page
        .texts("#assignment-class_id option")
        .into_iter()
        .skip(1)
        .collect();
    assert!(
        offered.contains("7A") && !offered.contains("9A"),
        "{offered:?}"
    );

    let c8b = app.class_id("8B").to_string();
    let science: i64 = subjects::table
        .filter(subjects::name.eq("Science"))
        .filter(subjects::school_id.eq(north))
        .select(subjects::id)
        .first(&mut app.conn())
        .unwrap();
    let teacher = app.user_id(DEMO_TEACHER).to_string();
    let fields = [
        ("class_id", c8b.as_str()),
        ("subject_id", &science.to_string()),
        ("teacher_id", teacher.as_str()),
        ("school", &north.to_string()),
    ];
    let r = admin.submit(&list, "/admin/assignments", &fields).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some(list.as_str()));
    assert_eq!(count_in(north), before + 1);
    // The same again is refused on the school's page, with the reason beside the field.
    let r = admin.submit(&list, "/admin/assignments", &fields).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.text("#school-name"), "Northgate Community School");
    assert!(r.text("#assignment-teacher_id-error").contains("already"));
    // A cover without a class is refused on the page the form was on.
    let r = admin
        .submit(
            &list,
            "/admin/assignments/cover",
            &[
                ("class_id", ""),
                ("teacher_id", &teacher),
                ("school", &north.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.text("#school-name"), "Northgate Community School");
    assert_eq!(r.count("#cover-class_id-error"), 1);
    // Removing goes back to the school too.
    let id = admin
        .get(&list)
        .await
        .attr("#assignments tbody tr", "data-assignment-id")
        .unwrap();
    let r = admin
        .submit(&list, &format!("/admin/assignments/{id}/delete"), &[])
        .await;
    assert_eq!(r.location(), Some(list.as_str()));
    assert_eq!(count_in(north), before);
    assert_eq!(
        admin.get("/admin/assignments?school=999999").await.status,
        404
    );
    // A principal asking for another school still sees their own.
    let south: i64 = app.school_id("Southbank Academy");
    let own = app
        .signed_in(DEMO_PRINCIPAL)
        .await
        .get(&format!("/admin/assignments?school={south}"))
        .await;
    assert_eq!(own.count("#assignments tbody tr") as i64, before);
    assert_eq!(own.count("#school-name"), 0);
}
