//! CSV imports (preview, then all or nothing) and exports.

use diesel::prelude::*;
use rollbook::schema::{guardians, imports, outbox_emails, students, users};

use crate::helpers::*;

const HEADER: &str = "student_number;given_name;family_name;date_of_birth;class;guardian1_name;guardian1_relationship;guardian1_phone;guardian2_name;guardian2_phone";

fn good_file() -> Vec<u8> {
    let mut f = b"\xEF\xBB\xBF".to_vec();
    f.extend_from_slice(format!("{HEADER}\r\n").as_bytes());
    f.extend_from_slice(
        "IM-001;Zoë;\"O'Neill; Jr\";2014-05-01;7A;Ann O'Neill;Mother;+44 1;Bob O'Neill;+44 2\r\n"
            .as_bytes(),
    );
    f.extend_from_slice(
        "IM-002;Kenji;Watanabe;2014-06-02;7b;Aiko Watanabe;Mother;+44 3;;\r\n".as_bytes(),
    );
    f.extend_from_slice("IM-003;Лев;Толстой;2013-01-03;8A;;;;;\r\n\r\n\r\n".as_bytes());
    f
}

async fn upload(b: &Browser, kind: &str, name: &str, file: &[u8]) -> TestResponse {
    let token = b.get("/admin/imports").await.csrf_token();
    b.post_multipart(
        &format!("/admin/imports?csrf_token={token}"),
        &[("kind", kind)],
        name,
        file,
    )
    .await
}

fn count_students(app: &TestApp) -> i64 {
    students::table.count().get_result(&mut app.conn()).unwrap()
}

#[actix_web::test]
async fn a_students_file_is_previewed_then_imported_once_and_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let p = app.signed_in(DEMO_PRINCIPAL).await;
    let before = count_students(&app);
    let r = upload(&p, "students", "pupils.csv", &good_file()).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let preview_path = r.location().unwrap().to_string();
    let preview = p.get(&preview_path).await;
    assert_eq!(preview.text("[data-count=create]"), "3");
    assert_eq!(preview.text("[data-count=rejected]"), "0");
    assert_eq!(
        preview.texts("#rows tbody td.action"),
        vec!["create", "create", "create"]
    );
    assert_eq!(
        count_students(&app),
        before,
        "nothing is written before confirming"
    );

    let r = p
        .submit(&preview_path, &format!("{preview_path}/commit"), &[])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(count_students(&app), before + 3);
    let zoe: i64 = students::table
        .filter(students::student_number.eq("IM-001"))
        .select(students::id)
        .first(&mut app.conn())
        .unwrap();
    let names: Vec<String> = guardians::table
        .filter(guardians::student_id.eq(zoe))
        .order(guardians::position)
        .select(guardians::name)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(names, vec!["Ann O'Neill", "Bob O'Neill"]);
    let family: String = students::table
        .find(zoe)
        .select(students::family_name)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        family, "O'Neill; Jr",
        "quoted field with the delimiter inside"
    );

    // The same file again: every row unchanged, nothing to import.
    let r = upload(&p, "students", "pupils.csv", &good_file()).await;
    let again = p.get(r.location().unwrap()).await;
    assert_eq!(again.text("[data-count=unchanged]"), "3");
    assert_eq!(again.count("form[action$='/commit']"), 0);
}

#[actix_web::test]
async fn one_bad_row_among_good_ones_imports_nothing_and_names_line_and_column() {
    let app = TestApp::spawn().await;
    let p = app.signed_in(DEMO_PRINCIPAL).await;
    let mut file = good_file();
    file.extend_from_slice(
        "IM-004;Ada;Lovelace;2014-02-30;7A;;;;;\r\nIM-001;Dup;Licate;2014-01-01;9Z;;;;;\r\n"
            .as_bytes(),
    );
    let before = count_students(&app);
    let r = upload(&p, "students", "bad.csv", &file).await;
    let preview_path = r.location().unwrap().to_string();
    let preview = p.get(&preview_path).await;
    assert_eq!(preview.text("[data-count=rejected]"), "2");
    assert_eq!(preview.count("form[action$='/commit']"), 0);
    let bad = preview.text("#rows tr[data-line='7']");
    assert!(
        bad.contains("date_of_birth") && bad.contains("2014-02-30"),
        "{bad}"
    );
    let dup = preview.text("#rows tr[data-line='8']");
    assert!(
        dup.contains("line 2"),
        "duplicate names the first line: {dup}"
    );
    assert!(dup.contains("class") && dup.contains("9Z"), "{dup}");
    // Forcing the commit changes nothing either.
    let r = p
        .submit(&preview_path, &format!("{preview_path}/commit"), &[])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text("#commit-error").contains("nothing was imported"));
    assert_eq!(count_students(&app), before);
}

#[actix_web::test]
async fn files_that_are_not_usable_csv_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let p = app.signed_in(DEMO_PRINCIPAL).await;
    let r = upload(
        &p,
        "students",
        "photo.png",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text("#file-error").contains("not a text file"));
    let r = upload(
        &p,
        "students",
        "wrong.csv",
        b"number,first,family_name\nA,B,C\n",
    )
    .await;
    assert_eq!(r.status, 422);
    let problems = r.texts("#file-problems li");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("Line 1") && p.contains("student_number")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("Unknown column") && p.contains("first")),
        "{problems:?}"
    );
    let big = vec![b'a'; 6 * 1024 * 1024];
    let r = upload(&p, "students", "big.csv", &big).await;
    assert!(r.status == 413 || r.status == 422);
    let stored: i64 = imports::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(stored, 0);
    // Without the token in the action, the upload is refused.
    let r = p
        .post_multipart(
            "/admin/imports",
            &[("kind", "students")],
            "x.csv",
            &good_file(),
        )
        .await;
    assert_eq!(r.status, 403);
}

#[actix_web::test]
async fn ten_thousand_rows_preview_without_writing() {
    let app = TestApp::spawn().await;
    let p = app.signed_in(DEMO_PRINCIPAL).await;
    let mut file = String::from(
        "student_number,given_name,family_name,class,guardian1_name,guardian1_phone\n",
    );
    for i in 0..10_000 {
        file.push_str(&format!(
            "BULK-{i:05},Given{i},Family{i},7A,Parent {i},+44 7700 {i:06}\n"
        ));
    }
    let r = upload(&p, "students", "bulk.csv", file.as_bytes()).await;
    assert_eq!(r.status, 303);
    let preview = p.get(r.location().unwrap()).await;
    assert_eq!(preview.text("[data-count=create]"), "10000");
    assert!(
        preview.count("#rows tbody tr") < 10_000,
        "the page lists a sample, not every row"
    );
}

#[actix_web::test]
async fn staff_and_parent_accounts_are_imported_with_invitations() {
    let app = TestApp::spawn().await;
    let p = app.signed_in(DEMO_PRINCIPAL).await;
    let file = "email,name,role,phone\nnew.teacher@school.example,Nia Teach,teacher,+44 1\nNEW.PARENT@home.example,Pat Parent,Parent,\nboss@school.example,Big Boss,admin,\nteacher@rollbook.test,Tomás García,parent,\n";
    let r = upload(&p, "people", "people.csv", file.as_bytes()).await;
    let preview_path = r.location().unwrap().to_string();
    let preview = p.get(&preview_path).await;
    assert_eq!(preview.text("[data-count=create]"), "2");
    assert_eq!(preview.text("[data-count=rejected]"), "2");
    assert!(preview
        .text("#rows tr[data-line='4']")
        .contains("cannot create"));
    assert!(preview
        .text("#rows tr[data-line='5']")
        .contains("change roles"));

    let fixed = "email,name,role,phone\nnew.teacher@school.example,Nia Teach,teacher,+44 1\nNEW.PARENT@home.example,Pat Parent,Parent,\n";
    let r = upload(&p, "people", "people.csv", fixed.as_bytes()).await;
    let preview_path = r.location().unwrap().to_string();
    let r = p
        .submit(&preview_path, &format!("{preview_path}/commit"), &[])
        .await;
    assert_eq!(r.status, 303);
    let (role, school): (String, Option<i64>) = users::table
        .filter(users::email.eq("new.teacher@school.example"))
        .select((users::role, users::school_id))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(role, "teacher");
    assert!(school.is_some());
    let invitations: i64 = outbox_emails::table
        .filter(outbox_emails::kind.eq("invitation"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(invitations, 2);
}

#[actix_web::test]
async fn the_student_export_opens_in_a_spreadsheet_and_imports_back_unchanged() {
    let app = TestApp::spawn().await;
    let p = app.signed_in(DEMO_PRINCIPAL).await;
    let export = p.get("/admin/exports/students.csv").await;
    assert_eq!(export.status, 200);
    assert_eq!(
        export.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert!(export
        .header("content-disposition")
        .unwrap()
        .contains("attachment"));
    assert!(export.body.starts_with('\u{feff}'));
    let lines: Vec<&str> = export.body.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 1 + 103, "the principal's school only");
    assert!(!export.body.contains("SB-0001"));
    // Phone numbers starting with + are protected from formula evaluation…
    assert!(export.body.contains("'+44"));
    // …and the file imports back as it is.
    let r = upload(&p, "students", "students.csv", export.body.as_bytes()).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let preview = p.get(r.location().unwrap()).await;
    assert_eq!(
        preview.text("[data-count=unchanged]"),
        "103",
        "{:?}",
        preview.texts("#rows tr[data-action=update] td")
    );
    for csv in ["/admin/exports/users.csv", "/admin/exports/classes.csv"] {
        let r = p.get(csv).await;
        assert_eq!(r.status, 200);
        assert!(!r.body.contains("Southbank"), "{csv}");
    }
    assert_eq!(
        app.signed_in(DEMO_TEACHER)
            .await
            .get("/admin/exports/students.csv")
            .await
            .status,
        403
    );
}
