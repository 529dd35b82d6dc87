//! The database's shape where pages depend on it.

use diesel::prelude::*;
use diesel::sql_types::{Array, Text};

use crate::helpers::*;

#[derive(QueryableByName)]
struct IndexColumns {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Array<Text>)]
    columns: Vec<String>,
}

/// Each look-up a page makes once per row (a reason per absence, a mark per student, a grid per
/// assessment) and each cascade from a table of millions begins a whole (not partial) index:
/// without one, PostgreSQL scans the table once per row. The parent page read each absence's
/// latest reason that way until migration 32 (3.3 ms per absence with 45,000 reasons).
#[actix_web::test]
async fn lookups_made_row_by_row_begin_an_index() {
    let app = TestApp::spawn().await;
    let indexes: Vec<IndexColumns> = diesel::sql_query(
        "SELECT i.indrelid::regclass::text AS table_name,
                array_agg(a.attname::text ORDER BY k.ord) AS columns
           FROM pg_index i
          CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
          WHERE i.indpred IS NULL AND i.indrelid::regclass::text NOT LIKE 'pg\\_%'
          GROUP BY i.indexrelid, i.indrelid",
    )
    .load(&mut app.conn())
    .unwrap();
    let lookups: [(&str, &[&str]); 12] = [
        ("absence_reasons", &["attendance_id"]),
        ("terms", &["school_id", "starts_on"]),
        ("attendance", &["student_id", "date"]),
        ("attendance", &["class_id", "date"]),
        ("scores", &["student_id"]),
        ("scores", &["assessment_id"]),
        ("score_grids", &["assessment_id"]),
        ("enrolments", &["class_id"]),
        ("enrolments", &["student_id"]),
        ("parent_students", &["student_id"]),
        ("behaviour_records", &["student_id"]),
        ("assessments", &["class_id", "subject_id"]),
    ];
    for (table, leading) in lookups {
        assert!(
            indexes.iter().any(|i| i.table_name == table
                && i.columns
                    .starts_with(&leading.iter().map(|c| c.to_string()).collect::<Vec<_>>())),
            "no whole index of {table} begins with {leading:?}"
        );
    }
}

/// `db::statement` sends a `.sql` file's text with its values bound to `$1…$n` in order (a
/// parameter used twice included), leaves the header comment out, and reads rows by name; a part
/// carried as an array of records (`db::ArrayPart`) comes back whole, NULLs included, or None.
#[actix_web::test]
async fn a_statement_binds_its_parameters_in_order_and_reads_rows_by_name() {
    use diesel::sql_types::{Integer, Nullable};
    #[derive(QueryableByName, Debug)]
    struct Row {
        #[diesel(sql_type = Integer)]
        doubled: i32,
        #[diesel(sql_type = Text)]
        label: String,
        #[diesel(sql_type = rollbook::db::ArrayPart<(Integer, Text, Nullable<Text>)>)]
        part: Option<Vec<(i32, String, Option<String>)>>,
        #[diesel(sql_type = rollbook::db::ArrayPart<(Integer, Text, Nullable<Text>)>)]
        empty: Option<Vec<(i32, String, Option<String>)>>,
    }
    let text = "-- A test statement.\n-- $1 n   $2 label\n\
        SELECT $1::integer * 2 AS doubled, $2::text || $1::integer AS label,\n\
               (SELECT array_agg(x) FROM (SELECT g, $2::text || g, CASE WHEN g % 2 = 0 THEN 'even' END\n\
                                            FROM generate_series(1, $1::integer) g) x) AS part,\n\
               (SELECT array_agg(x) FROM (SELECT 1, 'none', NULL::text WHERE $1::integer < 0) x) AS empty";
    let app = TestApp::spawn().await;
    let label = String::from("row ");
    let row: Row = rollbook::db::statement(text)
        .bind::<Integer, _>(3)
        .bind::<Text, _>(&label)
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!((row.doubled, row.label.as_str()), (6, "row 3"));
    let mut part = row.part.unwrap();
    part.sort();
    assert_eq!(
        part,
        vec![
            (1, "row 1".to_string(), None),
            (2, "row 2".to_string(), Some("even".to_string())),
            (3, "row 3".to_string(), None),
        ]
    );
    assert_eq!(row.empty, None);
}

/// Every migration can be undone: a scratch database goes down to nothing and up again, and
/// ends with the same tables, columns, constraints and functions as a database migrated once.
#[actix_web::test]
async fn every_migration_goes_down_to_nothing_and_up_again() {
    use diesel_migrations::MigrationHarness;
    let (name, url) = empty_database();
    let shape = |conn: &mut PgConnection| -> Vec<String> {
        diesel::dsl::sql::<Text>(
            "SELECT x FROM (
                 SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type AS x
                   FROM information_schema.columns WHERE table_schema = 'public'
                 UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || pg_get_constraintdef(oid)
                   FROM pg_constraint WHERE connamespace = 'public'::regnamespace
                 UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
                 UNION ALL SELECT 'function ' || proname FROM pg_proc p
                  WHERE pronamespace = 'public'::regnamespace AND NOT EXISTS (
                        SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
                 UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal) s
              ORDER BY x",
        )
        .load(conn)
        .unwrap()
    };
    let mut conn = PgConnection::establish(&url).unwrap();
    rollbook::db::migrate(&mut conn).unwrap();
    let once = shape(&mut conn);
    assert!(once.len() > 100, "{}", once.len());
    let reverted = conn
        .revert_all_migrations(rollbook::db::MIGRATIONS)
        .unwrap();
    assert!(reverted.len() >= 34, "{}", reverted.len());
    let left: Vec<String> = shape(&mut conn)
        .into_iter()
        .filter(|x| !x.contains("__diesel_schema_migrations"))
        .collect();
    assert_eq!(left, Vec::<String>::new(), "down.sql leaves these behind");
    rollbook::db::migrate(&mut conn).unwrap();
    assert_eq!(shape(&mut conn), once);
    drop(conn);
    drop_database(&name);
}

/// Marks and history keep their keys whoever writes them, not only the register's save.
#[actix_web::test]
async fn a_mark_or_history_that_points_nowhere_is_refused_by_the_database() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn();
    let class = app.class_id("7A");
    let attempts = [
        format!(
            "INSERT INTO attendance (school_id, class_id, student_id, date, code_id, version, source, updated_at)
             SELECT c.school_id, c.id, e.student_id, DATE '2026-11-18', 999999, 1, 'teacher', now()
               FROM classes c JOIN enrolments e ON e.class_id = c.id WHERE c.id = {class} LIMIT 1"
        ),
        "INSERT INTO attendance_changes (attendance_id, school_id, changed_at, source, to_code_id, version)
         SELECT 999999, id, now(), 'teacher', 1, 1 FROM schools LIMIT 1"
            .to_string(),
        "INSERT INTO score_changes (score_id, school_id, changed_at, to_status, version)
         SELECT 999999, id, now(), 'scored', 1 FROM schools LIMIT 1"
            .to_string(),
    ];
    for sql in attempts {
        let refused = diesel::sql_query(&sql).execute(&mut conn);
        assert!(
            matches!(
                refused,
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                    _
                ))
            ),
            "{sql}: {refused:?}"
        );
    }
}
