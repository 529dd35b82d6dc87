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
