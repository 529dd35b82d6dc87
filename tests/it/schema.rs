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

/// `db::arrays_of` brings several queries' rows back in one statement: each part's rows whole
/// (NULLs included, in their columns), a part without rows and a part not asked for both empty.
#[actix_web::test]
async fn several_queries_come_back_in_one_statement_part_by_part() {
    use diesel::sql_types::{Integer, Nullable};
    let app = TestApp::spawn().await;
    static PARAMS: &[(&str, &str)] = &[("n", "integer"), ("label", "text")];
    type Part = rollbook::db::ArrayPart<(Integer, Text, Nullable<Text>)>;
    type Rows = Option<Vec<(i32, String, Option<String>)>>;
    let body = rollbook::db::arrays_of(&[
        Some(
            "SELECT g, (SELECT p.label FROM p) || g, CASE WHEN g % 2 = 0 THEN 'even' END
               FROM generate_series(1, (SELECT p.n FROM p)) g",
        ),
        Some("SELECT 1, 'none', NULL::text WHERE (SELECT p.n FROM p) < 0"),
        None,
    ]);
    let (first, empty, absent): (Rows, Rows, Rows) = rollbook::db::cached(PARAMS, body)
        .bind::<Integer, _>(3)
        .bind::<Text, _>("row ")
        .typed::<(Part, Part, Part)>()
        .get_result(&mut app.conn())
        .unwrap();
    let mut first = first.unwrap();
    first.sort();
    assert_eq!(
        first,
        vec![
            (1, "row 1".to_string(), None),
            (2, "row 2".to_string(), Some("even".to_string())),
            (3, "row 3".to_string(), None),
        ]
    );
    assert_eq!((empty, absent), (None, None));
}
