//! A school's gradebook rules as the pages about one student need them, and its grade scale.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Double, Nullable, Text, Timestamptz};

use crate::domain::grades::{GradeScale, Policy};

/// A school's gradebook rules, its local today and its current term then
/// (`rollbook_current_term`).
#[derive(Debug, Clone, QueryableByName)]
pub struct SchoolRules {
    #[diesel(sql_type = BigInt)]
    pub school_id: i64,
    #[diesel(sql_type = Bool)]
    pub missing_counts_as_zero: bool,
    #[diesel(sql_type = Bool)]
    pub parents_see_class_average: bool,
    #[diesel(sql_type = Bool)]
    pub parents_see_behaviour: bool,
    #[diesel(sql_type = Date)]
    pub today: NaiveDate,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub term_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub term_name: Option<String>,
    #[diesel(sql_type = Nullable<Date>)]
    pub term_starts_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    pub term_ends_on: Option<NaiveDate>,
}

impl SchoolRules {
    pub fn policy(&self) -> Policy {
        Policy {
            missing_counts_as_zero: self.missing_counts_as_zero,
        }
    }
}

/// The rules of a student's school, with its current term.
pub fn find_school_rules(
    conn: &mut PgConnection,
    student_id: i64,
    now: DateTime<Utc>,
) -> QueryResult<SchoolRules> {
    crate::db::statement(include_str!("../sql/find_school_rules.sql"))
        .bind::<BigInt, _>(student_id)
        .bind::<Timestamptz, _>(now)
        .get_result(conn)
}

/// A letter band of a school's scale.
#[derive(QueryableByName)]
struct Band {
    #[diesel(sql_type = Text)]
    letter: String,
    #[diesel(sql_type = Double)]
    min_percent: f64,
}

/// The school's letter bands (the default scale when it has none).
pub fn find_grade_scale(conn: &mut PgConnection, school_id: i64) -> QueryResult<GradeScale> {
    let bands: Vec<Band> = crate::db::statement(include_str!("../sql/list_grade_bands.sql"))
        .bind::<BigInt, _>(school_id)
        .load(conn)?;
    Ok(scale_of(
        bands
            .into_iter()
            .map(|b| (b.letter, b.min_percent))
            .collect(),
    ))
}

/// A school's bands as its scale; the default scale when it has none.
pub fn scale_of(bands: Vec<(String, f64)>) -> GradeScale {
    if bands.is_empty() {
        GradeScale::default()
    } else {
        GradeScale { bands }
    }
}
