//! A school year's terms, and which one a page shows: read by the gradebook, report cards and
//! the pages about one student.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};

/// One term of an academic year.
#[derive(Debug, Clone, Queryable, QueryableByName)]
pub struct Term {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Date)]
    pub starts_on: NaiveDate,
    #[diesel(sql_type = Date)]
    pub ends_on: NaiveDate,
}

/// The terms of an academic year, in order.
pub fn list_terms(conn: &mut PgConnection, academic_year_id: i64) -> QueryResult<Vec<Term>> {
    use crate::schema::terms::dsl as t;
    t::terms
        .filter(t::academic_year_id.eq(academic_year_id))
        .order(t::starts_on)
        .select((t::id, t::name, t::starts_on, t::ends_on))
        .load(conn)
}

/// The term asked for, else the current one on `today` (`domain::terms::current_term`).
pub fn pick_term(terms: &[Term], asked: Option<i64>, today: NaiveDate) -> Option<Term> {
    if let Some(id) = asked {
        return terms.iter().find(|t| t.id == id).cloned();
    }
    let starts: Vec<NaiveDate> = terms.iter().map(|t| t.starts_on).collect();
    crate::domain::terms::current_term(&starts, today).map(|i| terms[i].clone())
}

/// The date whose enrolment a term's pages show: today, within the term.
pub fn roster_date(term: &Term, today: NaiveDate) -> NaiveDate {
    today.clamp(term.starts_on, term.ends_on)
}
