//! A gradebook (one class and subject a teacher teaches), its school's settings, and the
//! subjects a teacher has in a class.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Double, Nullable, Text, Timestamptz};

use crate::domain::grades::{GradeScale, Policy};
use crate::models::terms::Term;

/// One class-and-subject gradebook and its school's rules.
#[derive(Debug, Clone, QueryableByName)]
pub struct Book {
    #[diesel(sql_type = BigInt)]
    pub class_id: i64,
    #[diesel(sql_type = Text)]
    pub class_name: String,
    #[diesel(sql_type = BigInt)]
    pub subject_id: i64,
    #[diesel(sql_type = Text)]
    pub subject_name: String,
    #[diesel(sql_type = BigInt)]
    pub school_id: i64,
    #[diesel(sql_type = BigInt)]
    pub academic_year_id: i64,
    #[diesel(sql_type = Bool)]
    pub missing_counts_as_zero: bool,
    #[diesel(sql_type = Date)]
    pub today: NaiveDate,
}

impl Book {
    pub fn policy(&self) -> Policy {
        Policy {
            missing_counts_as_zero: self.missing_counts_as_zero,
        }
    }
}

/// A gradebook with its year's terms, the school's categories with this class-and-subject's
/// weights, and the school's grade scale: what every grid needs, in one round trip.
pub struct BookWithSettings {
    pub book: Book,
    pub terms: Vec<Term>,
    pub categories: Vec<Category>,
    pub scale: GradeScale,
}

#[derive(QueryableByName)]
struct BookSettingsRow {
    #[diesel(embed)]
    book: Book,
    #[diesel(sql_type = Array<BigInt>)]
    term_ids: Vec<i64>,
    #[diesel(sql_type = Array<Text>)]
    term_names: Vec<String>,
    #[diesel(sql_type = Array<Date>)]
    term_starts: Vec<NaiveDate>,
    #[diesel(sql_type = Array<Date>)]
    term_ends: Vec<NaiveDate>,
    #[diesel(sql_type = Array<BigInt>)]
    category_ids: Vec<i64>,
    #[diesel(sql_type = Array<Text>)]
    category_names: Vec<String>,
    #[diesel(sql_type = Array<Nullable<Double>>)]
    category_weights: Vec<Option<f64>>,
    #[diesel(sql_type = Array<Text>)]
    band_letters: Vec<String>,
    #[diesel(sql_type = Array<Double>)]
    band_mins: Vec<f64>,
}

/// The gradebook of `class_id` × `subject_id` for a teacher who teaches it (NotFound otherwise),
/// with its year's terms, categories and grade scale in the same statement.
pub fn find_book_with_settings(
    conn: &mut PgConnection,
    class_id: i64,
    subject_id: i64,
    now: DateTime<Utc>,
    teacher: i64,
) -> QueryResult<BookWithSettings> {
    let row: BookSettingsRow =
        crate::db::statement(include_str!("../sql/find_book_with_settings.sql"))
            .bind::<BigInt, _>(class_id)
            .bind::<BigInt, _>(subject_id)
            .bind::<Timestamptz, _>(now)
            .bind::<BigInt, _>(teacher)
            .get_result(conn)?;
    let terms = (row.term_ids.into_iter().zip(row.term_names))
        .zip(row.term_starts.into_iter().zip(row.term_ends))
        .map(|((id, name), (starts_on, ends_on))| Term {
            id,
            name,
            starts_on,
            ends_on,
        })
        .collect();
    let categories = (row.category_ids.into_iter().zip(row.category_names))
        .zip(row.category_weights)
        .map(|((id, name), weight)| Category { id, name, weight })
        .collect();
    Ok(BookWithSettings {
        book: row.book,
        terms,
        categories,
        scale: crate::models::work::scale_of(
            row.band_letters.into_iter().zip(row.band_mins).collect(),
        ),
    })
}

/// The class and subject of an assessment (whoever teaches them; [`find_book_with_settings`]
/// checks that).
pub fn assessment_book(
    conn: &mut PgConnection,
    assessment_id: i64,
) -> QueryResult<Option<(i64, i64)>> {
    use crate::schema::assessments::dsl as a;
    a::assessments
        .find(assessment_id)
        .select((a::class_id, a::subject_id))
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Category {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    /// The class-and-subject's weight, if set.
    #[diesel(sql_type = Nullable<Double>)]
    pub weight: Option<f64>,
}

pub fn weights_of(categories: &[Category]) -> BTreeMap<String, f64> {
    categories
        .iter()
        .filter_map(|c| c.weight.map(|w| (c.name.clone(), w)))
        .collect()
}
