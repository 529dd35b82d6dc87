//! The at-risk and high-performer lists (and the CSV), a student's flags on their profile, and
//! the students of a teacher's classes, each row flagged under its school's thresholds.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{
    Array, BigInt, Date, Double, Integer, Nullable, SmallInt, Text, Timestamptz,
};

use crate::schema::{school_insight, schools, student_insight};

diesel::define_sql_function! {
    /// PostgreSQL's `float8(numeric)`: a school's threshold as the summaries' figures are kept.
    fn float8(x: diesel::sql_types::Numeric) -> Double;
}

/// A summary row's figures and its school's thresholds, as read (see [`Flagged`]).
#[derive(Debug, Queryable, QueryableByName)]
struct FlagRow {
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    student_number: String,
    #[diesel(sql_type = Text)]
    school_name: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    class_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    class_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    grade_level: Option<String>,
    #[diesel(sql_type = Nullable<Double>)]
    attendance_rate: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    overall_average: Option<f64>,
    #[diesel(sql_type = Integer)]
    negative_30d: i32,
    #[diesel(sql_type = Integer)]
    absence_streak: i32,
    #[diesel(sql_type = Double)]
    attendance_threshold: f64,
    #[diesel(sql_type = Double)]
    average_threshold: f64,
    #[diesel(sql_type = SmallInt)]
    negative_threshold: i16,
    #[diesel(sql_type = SmallInt)]
    streak_threshold: i16,
}

/// A student on the at-risk (or high performers) list, with every reason.
#[derive(Debug, Clone)]
pub struct Flagged {
    pub student_id: i64,
    pub name: String,
    pub student_number: String,
    pub school_name: String,
    pub class_id: Option<i64>,
    pub class_name: Option<String>,
    pub grade_level: Option<String>,
    pub attendance_rate: Option<f64>,
    pub overall_average: Option<f64>,
    pub negative_30d: i32,
    pub absence_streak: i32,
    pub low_attendance: bool,
    pub low_average: bool,
    pub behaviour: bool,
    pub streak: bool,
    pub attendance_threshold: f64,
    pub average_threshold: f64,
}

impl From<FlagRow> for Flagged {
    /// The at-risk reasons under the school's thresholds (unrounded values compared; no figure
    /// is no reason), as `update_insight_flags.sql` sets `at_risk`.
    fn from(r: FlagRow) -> Self {
        Flagged {
            low_attendance: r
                .attendance_rate
                .is_some_and(|v| v < r.attendance_threshold),
            low_average: r.overall_average.is_some_and(|v| v < r.average_threshold),
            behaviour: r.negative_30d >= i32::from(r.negative_threshold),
            streak: r.absence_streak >= i32::from(r.streak_threshold),
            student_id: r.student_id,
            name: r.name,
            student_number: r.student_number,
            school_name: r.school_name,
            class_id: r.class_id,
            class_name: r.class_name,
            grade_level: r.grade_level,
            attendance_rate: r.attendance_rate,
            overall_average: r.overall_average,
            negative_30d: r.negative_30d,
            absence_streak: r.absence_streak,
            attendance_threshold: r.attendance_threshold,
            average_threshold: r.average_threshold,
        }
    }
}

impl Flagged {
    /// Every reason, in words.
    pub fn reasons(&self) -> Vec<String> {
        let pct = |v: Option<f64>| crate::domain::grades::format_percent(v);
        let mut out = Vec::new();
        if self.low_attendance {
            out.push(format!(
                "attendance {} this term (below {})",
                pct(self.attendance_rate),
                pct(Some(self.attendance_threshold))
            ));
        }
        if self.low_average {
            out.push(format!(
                "average {} this term (below {})",
                pct(self.overall_average),
                pct(Some(self.average_threshold))
            ));
        }
        if self.behaviour {
            out.push(format!(
                "{} negative behaviour records in 30 days",
                self.negative_30d
            ));
        }
        if self.streak {
            out.push(format!(
                "absent the last {} school days",
                self.absence_streak
            ));
        }
        out
    }
}

/// Filters and order of the at-risk list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub class_id: Option<i64>,
    pub grade_level: Option<String>,
    /// name, attendance, average, behaviour, streak
    pub sort: String,
    /// 1-based page of `PAGE_SIZE` rows; 0 for every row (the CSV export).
    pub page: i64,
}

/// Rows per page of the at-risk and high-performer lists.
pub const PAGE_SIZE: i64 = 100;

/// Which list: the students at risk, or the high performers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    AtRisk,
    HighPerformers,
}

/// One page of a list (every row when `filter.page` is 0) and how many rows the whole list has.
pub struct FlaggedPage {
    pub total: i64,
    pub rows: Vec<Flagged>,
}

/// The students on `list` in scope, filtered and ordered as asked, from the summaries. The
/// flags are kept with the summaries under the school's current thresholds
/// (`models::insight::apply_thresholds`), each with a partial index in name order; only the filters in
/// use are written, so a school's list and the district's, filtered or not, are each their own
/// prepared statement with its own plan. The total is counted only for a page (`with_total`).
/// A page of rows and the total are two statements (the total only for a full page).
pub fn list_flagged(
    conn: &mut PgConnection,
    school: Option<i64>,
    filter: &ListFilter,
    list: List,
    with_total: bool,
) -> QueryResult<FlaggedPage> {
    use student_insight as i;
    let mut query = i::table
        .inner_join(schools::table)
        .select((
            i::student_id,
            i::name,
            i::student_number,
            schools::name,
            i::class_id,
            i::class_name,
            i::grade_level,
            i::attendance_rate,
            i::overall_average,
            i::negative_30d,
            i::absence_streak,
            float8(schools::risk_attendance_below),
            float8(schools::risk_average_below),
            schools::risk_negative_records,
            schools::risk_absence_streak,
        ))
        .into_boxed();
    query = match list {
        List::AtRisk => query.filter(i::at_risk),
        List::HighPerformers => query.filter(i::high_performer),
    };
    if let Some(school) = school {
        query = query.filter(i::school_id.eq(school));
    }
    if let Some(class) = filter.class_id {
        query = query.filter(i::class_id.eq(class));
    }
    if let Some(grade) = &filter.grade_level {
        query = query.filter(i::grade_level.eq(grade.clone()));
    }
    query = match filter.sort.as_str() {
        "attendance" => query.order((i::attendance_rate.asc().nulls_last(), i::name)),
        "average" => query.order((i::overall_average.asc().nulls_last(), i::name)),
        "behaviour" => query.order((i::negative_30d.desc(), i::name)),
        "streak" => query.order((i::absence_streak.desc(), i::name)),
        _ => query.order((i::name, i::student_id)),
    };
    let (limit, skip) = if filter.page >= 1 {
        (PAGE_SIZE, (filter.page - 1) * PAGE_SIZE)
    } else {
        (100_000, 0)
    };
    let rows: Vec<FlagRow> = query.limit(limit).offset(skip).load(conn)?;
    // A page that is not full ends the list, so only a full page needs the list counted.
    let total = match (with_total, rows.len() as i64) {
        (false, _) | (true, 0) => 0,
        (true, n) if n < limit => skip + n,
        (true, _) => count_flagged(conn, school, filter, list)?,
    };
    Ok(FlaggedPage {
        total,
        rows: rows.into_iter().map(Flagged::from).collect(),
    })
}

/// How many rows `list` has with these filters: unfiltered, the school's count kept beside the
/// flags (same transactions); filtered, the flagged rows counted.
fn count_flagged(
    conn: &mut PgConnection,
    school: Option<i64>,
    filter: &ListFilter,
    list: List,
) -> QueryResult<i64> {
    use student_insight as i;
    if filter.class_id.is_none() && filter.grade_level.is_none() {
        use diesel::dsl::sum;
        let kept = school_insight::table.into_boxed();
        let kept = match school {
            Some(school) => kept.filter(school_insight::school_id.eq(school)),
            None => kept,
        };
        let sum: Option<i64> = match list {
            List::AtRisk => kept.select(sum(school_insight::at_risk)).get_result(conn)?,
            List::HighPerformers => kept
                .select(sum(school_insight::high_performers))
                .get_result(conn)?,
        };
        return Ok(sum.unwrap_or(0));
    }
    let mut query = i::table.into_boxed();
    query = match list {
        List::AtRisk => query.filter(i::at_risk),
        List::HighPerformers => query.filter(i::high_performer),
    };
    if let Some(school) = school {
        query = query.filter(i::school_id.eq(school));
    }
    if let Some(class) = filter.class_id {
        query = query.filter(i::class_id.eq(class));
    }
    if let Some(grade) = &filter.grade_level {
        query = query.filter(i::grade_level.eq(grade.clone()));
    }
    query.count().get_result(conn)
}

/// Classes and grade levels in scope, for the filters.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ClassOption {
    pub id: i64,
    pub name: String,
    pub grade_level: String,
    pub school_name: String,
}

#[derive(QueryableByName)]
struct SchoolOptions {
    #[diesel(sql_type = Nullable<Timestamptz>)]
    refreshed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    class_options: Option<String>,
}

/// The classes of the current year in scope, by school, grade and name, as the summaries list
/// them (made with the lists they filter, so they are as old as the rows: a class added since
/// has no rows in the lists yet either), and when the summaries were made, in one query.
pub fn list_class_options(
    conn: &mut PgConnection,
    school: Option<i64>,
) -> QueryResult<(Vec<ClassOption>, Option<DateTime<Utc>>)> {
    let schools: Vec<SchoolOptions> =
        crate::db::statement(include_str!("../sql/list_class_options.sql"))
            .bind::<Nullable<BigInt>, _>(school)
            .load(conn)?;
    let refreshed = schools.first().and_then(|s| s.refreshed_at);
    let mut out = Vec::new();
    for json in schools.into_iter().filter_map(|s| s.class_options) {
        let options: Vec<ClassOption> = serde_json::from_str(&json)
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
        out.extend(options);
    }
    Ok((out, refreshed))
}

/// A student's summary row with the school's thresholds, for the profile.
pub fn find_student_flags(
    conn: &mut PgConnection,
    student_id: i64,
) -> QueryResult<Option<Flagged>> {
    let row: Option<FlagRow> = crate::db::statement(include_str!("../sql/find_student_flags.sql"))
        .bind::<BigInt, _>(student_id)
        .get_result(conn)
        .optional()?;
    Ok(row.map(Flagged::from))
}

/// Summary rows of the students enrolled today in the given classes (a teacher's), flagged.
pub fn list_students_of_classes(
    conn: &mut PgConnection,
    classes: &[i64],
    today: NaiveDate,
) -> QueryResult<Vec<Flagged>> {
    let rows: Vec<FlagRow> =
        crate::db::statement(include_str!("../sql/list_students_of_classes.sql"))
            .bind::<Array<BigInt>, _>(classes.to_vec())
            .bind::<Date, _>(today)
            .load(conn)?;
    Ok(rows.into_iter().map(Flagged::from).collect())
}
