//! What a new school starts with, whoever creates it (the office's school form, the demo seed):
//! attendance codes, assessment categories, letter bands and behaviour categories, which the
//! registers, the gradebook and the reports then read.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

/// Inserts every default of a new school, in the caller's transaction.
pub fn insert_school_defaults(conn: &mut PgConnection, school_id: i64) -> QueryResult<()> {
    insert_default_codes(conn, school_id)?;
    insert_gradebook_defaults(conn, school_id)
}

/// A new school's four attendance codes.
fn insert_default_codes(conn: &mut PgConnection, school_id: i64) -> QueryResult<()> {
    use crate::schema::attendance_codes as ac;
    let rows: Vec<_> = [
        ("P", "Present", "present"),
        ("A", "Absent", "absent"),
        ("L", "Late", "late"),
        ("E", "Excused", "excused"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (code, label, category))| {
        (
            ac::school_id.eq(school_id),
            ac::code.eq(*code),
            ac::label.eq(*label),
            ac::category.eq(*category),
            ac::position.eq(i as i16 + 1),
        )
    })
    .collect();
    diesel::insert_into(ac::table)
        .values(&rows)
        .execute(conn)
        .map(|_| ())
}

/// A new school's assessment categories, letter bands and behaviour categories.
fn insert_gradebook_defaults(conn: &mut PgConnection, school_id: i64) -> QueryResult<()> {
    use crate::schema::{assessment_categories as ac, behaviour_categories as bc};
    let assessment_kinds = ["Quiz", "Test", "Exam", "Assignment"];
    diesel::insert_into(ac::table)
        .values(
            (1i16..)
                .zip(assessment_kinds)
                .map(|(position, name)| {
                    (
                        ac::school_id.eq(school_id),
                        ac::name.eq(name),
                        ac::position.eq(position),
                    )
                })
                .collect::<Vec<_>>(),
        )
        .execute(conn)?;
    crate::db::statement(include_str!("sql/insert_default_grade_bands.sql"))
        .bind::<BigInt, _>(school_id)
        .execute(conn)?;
    let behaviour_kinds = [
        ("Helpful to others", "positive"),
        ("Excellent effort", "positive"),
        ("Disruption", "negative"),
        ("Homework not done", "negative"),
        ("Unkind behaviour", "negative"),
    ];
    diesel::insert_into(bc::table)
        .values(
            (1i16..)
                .zip(behaviour_kinds)
                .map(|(position, (name, kind))| {
                    (
                        bc::school_id.eq(school_id),
                        bc::name.eq(name),
                        bc::kind.eq(kind),
                        bc::position.eq(position),
                    )
                })
                .collect::<Vec<_>>(),
        )
        .execute(conn)?;
    Ok(())
}
