//! Dashboard figures: live counts for today from the schools' boards of registers, everything
//! term-to-date from the insight summaries. Every query is scoped to a school (principal) or the
//! district (admin).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Double, Integer, Nullable, Text, Timestamptz};

use crate::gradebook::queries as gq;

/// One school's headline figures.
#[derive(Debug, Clone, QueryableByName)]
pub struct SchoolCard {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Date)]
    pub today: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub students: i64,
    #[diesel(sql_type = BigInt)]
    pub teachers: i64,
    #[diesel(sql_type = BigInt)]
    pub classes: i64,
    #[diesel(sql_type = Bool)]
    pub school_day: bool,
    #[diesel(sql_type = BigInt)]
    pub attended_today: i64,
    #[diesel(sql_type = BigInt)]
    pub counted_today: i64,
    #[diesel(sql_type = BigInt)]
    pub registers_expected: i64,
    #[diesel(sql_type = BigInt)]
    pub registers_taken: i64,
    /// Sum and count of students' overall averages (term to date), for district totals.
    #[diesel(sql_type = Double)]
    pub average_sum: f64,
    #[diesel(sql_type = BigInt)]
    pub average_count: i64,
    #[diesel(sql_type = BigInt)]
    pub high_performers: i64,
    #[diesel(sql_type = BigInt)]
    pub at_risk: i64,
}

impl SchoolCard {
    pub fn rate_today(&self) -> Option<f64> {
        (self.counted_today > 0)
            .then(|| self.attended_today as f64 / self.counted_today as f64 * 100.0)
    }
    pub fn average(&self) -> Option<f64> {
        (self.average_count > 0).then(|| self.average_sum / self.average_count as f64)
    }
    /// Today's attendance from the school's board of registers (every class, counted by
    /// category): attended is present or late, counted leaves out the excused.
    pub fn count_today(&mut self, board: &[crate::attendance::office::BoardRow]) {
        let t = crate::attendance::office::BoardTotals::of(board);
        self.attended_today = t.present + t.late;
        self.counted_today = t.present + t.late + t.absent;
        self.registers_taken = t.started;
    }

    pub fn registers_missing(&self) -> i64 {
        if self.school_day {
            (self.registers_expected - self.registers_taken).max(0)
        } else {
            0
        }
    }
}

/// The condition "this summary row is at risk" under its school's thresholds (`s` the school,
/// `i` the row); thresholds compare unrounded values.
pub const AT_RISK: &str = "(i.attendance_rate < s.risk_attendance_below::float8
      OR i.overall_average < s.risk_average_below::float8
      OR i.negative_30d >= s.risk_negative_records
      OR i.absence_streak >= s.risk_absence_streak)";

/// A summary row's figures and flags under its school's thresholds (`i` the row, `s` the school),
/// the tail of every query that builds a [`Flagged`].
const FLAG_COLUMNS: &str = "i.attendance_rate, i.overall_average, i.negative_30d, i.absence_streak,
                COALESCE(i.attendance_rate < s.risk_attendance_below::float8, FALSE) AS low_attendance,
                COALESCE(i.overall_average < s.risk_average_below::float8, FALSE) AS low_average,
                i.negative_30d >= s.risk_negative_records AS behaviour,
                i.absence_streak >= s.risk_absence_streak AS streak,
                s.risk_attendance_below::float8 AS attendance_threshold, s.risk_average_below::float8 AS average_threshold";

pub const HIGH_PERFORMER: &str = "(i.overall_average >= s.high_average_from::float8 AND i.attendance_rate >= s.high_attendance_from::float8)";

/// Headline figures per school: counts and term figures from the summaries. Today's attendance
/// is left at zero here; [`SchoolCard::count_today`] fills it in from the school's board of
/// registers.
pub fn school_cards(
    conn: &mut PgConnection,
    school: Option<i64>,
    now: DateTime<Utc>,
) -> QueryResult<Vec<SchoolCard>> {
    crate::db::cached(
        &[("school", "bigint"), ("now", "timestamptz")],
        "SELECT s.id, s.name, d.today,
                COALESCE(si.students, 0)::bigint AS students, COALESCE(si.teachers, 0)::bigint AS teachers,
                COALESCE(si.classes, 0)::bigint AS classes,
                NOT (EXTRACT(ISODOW FROM d.today)::smallint = ANY (s.weekend_days)
                     OR EXISTS (SELECT 1 FROM non_school_days n WHERE n.school_id = s.id AND d.today BETWEEN n.starts_on AND n.ends_on)) AS school_day,
                0::bigint AS attended_today, 0::bigint AS counted_today,
                COALESCE(si.classes_with_students, 0)::bigint AS registers_expected,
                0::bigint AS registers_taken,
                COALESCE(si.average_sum, 0) AS average_sum, COALESCE(si.average_count, 0)::bigint AS average_count,
                COALESCE(si.high_performers, 0)::bigint AS high_performers, COALESCE(si.at_risk, 0)::bigint AS at_risk
           FROM schools s
           CROSS JOIN LATERAL (SELECT ((SELECT p.now FROM p) AT TIME ZONE s.timezone)::date AS today) d
           LEFT JOIN school_insight si ON si.school_id = s.id
          WHERE (SELECT p.school FROM p) IS NULL OR s.id = (SELECT p.school FROM p)
          ORDER BY s.name",
    )
    .bind::<Nullable<BigInt>, _>(school)
    .bind::<Timestamptz, _>(now)
    .load(conn)
}

/// A subject's students' averages: their mean and how many fall in each grade band.
#[derive(Debug, Clone, QueryableByName)]
pub struct SubjectBand {
    #[diesel(sql_type = Text)]
    pub subject: String,
    #[diesel(sql_type = Text)]
    pub letter: String,
    #[diesel(sql_type = Double)]
    pub band_min: f64,
    #[diesel(sql_type = BigInt)]
    pub students: i64,
    #[diesel(sql_type = Double)]
    pub subject_average: f64,
    #[diesel(sql_type = BigInt)]
    pub subject_students: i64,
}

/// Performance by subject (grouped by subject name across the scope), from the summaries.
pub fn subject_bands(
    conn: &mut PgConnection,
    school: Option<i64>,
) -> QueryResult<Vec<SubjectBand>> {
    crate::db::cached(
        &[("school", "bigint")],
        "WITH rows AS (
             SELECT subject, letter, band_min, students, average_sum FROM school_subject_insight
              WHERE (SELECT p.school FROM p) IS NULL OR school_id = (SELECT p.school FROM p)),
         per_subject AS (SELECT subject, sum(average_sum) / sum(students) AS subject_average, sum(students)::bigint AS subject_students
                           FROM rows GROUP BY subject)
         SELECT r.subject, r.letter, max(r.band_min) AS band_min, sum(r.students)::bigint AS students,
                ps.subject_average, ps.subject_students
           FROM rows r JOIN per_subject ps USING (subject)
          GROUP BY r.subject, r.letter, ps.subject_average, ps.subject_students
          ORDER BY r.subject, band_min DESC",
    )
    .bind::<Nullable<BigInt>, _>(school)
    .load(conn)
}

/// One week of the trend.
#[derive(Debug, Clone, QueryableByName)]
pub struct Week {
    #[diesel(sql_type = Date)]
    pub week: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub attended: i64,
    #[diesel(sql_type = BigInt)]
    pub counted: i64,
    #[diesel(sql_type = Double)]
    pub score_sum: f64,
    #[diesel(sql_type = BigInt)]
    pub score_count: i64,
}

impl Week {
    pub fn rate(&self) -> Option<f64> {
        (self.counted > 0).then(|| self.attended as f64 / self.counted as f64 * 100.0)
    }
    pub fn score(&self) -> Option<f64> {
        (self.score_count > 0).then(|| self.score_sum / self.score_count as f64)
    }
}

/// Weeks (Mondays) from `since`, summed over the scope.
pub fn weeks(
    conn: &mut PgConnection,
    school: Option<i64>,
    since: NaiveDate,
) -> QueryResult<Vec<Week>> {
    crate::db::cached(
        &[("school", "bigint"), ("since", "date")],
        "SELECT week, sum(attended)::bigint AS attended, sum(counted)::bigint AS counted,
                sum(score_sum)::float8 AS score_sum, sum(score_count)::bigint AS score_count
           FROM school_week_insight
          WHERE week >= date_trunc('week', (SELECT p.since FROM p))::date
            AND ((SELECT p.school FROM p) IS NULL OR school_id = (SELECT p.school FROM p))
          GROUP BY week ORDER BY week",
    )
    .bind::<Nullable<BigInt>, _>(school)
    .bind::<Date, _>(since)
    .load(conn)
}

/// A student on the at-risk (or high performers) list, with every reason.
#[derive(Debug, Clone, QueryableByName)]
pub struct Flagged {
    /// How many rows the whole list has (every page).
    #[diesel(sql_type = BigInt)]
    pub total: i64,
    #[diesel(sql_type = BigInt)]
    pub student_id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub student_number: String,
    #[diesel(sql_type = Text)]
    pub school_name: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub class_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub class_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub grade_level: Option<String>,
    #[diesel(sql_type = Nullable<Double>)]
    pub attendance_rate: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub overall_average: Option<f64>,
    #[diesel(sql_type = Integer)]
    pub negative_30d: i32,
    #[diesel(sql_type = Integer)]
    pub absence_streak: i32,
    #[diesel(sql_type = Bool)]
    pub low_attendance: bool,
    #[diesel(sql_type = Bool)]
    pub low_average: bool,
    #[diesel(sql_type = Bool)]
    pub behaviour: bool,
    #[diesel(sql_type = Bool)]
    pub streak: bool,
    #[diesel(sql_type = Double)]
    pub attendance_threshold: f64,
    #[diesel(sql_type = Double)]
    pub average_threshold: f64,
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

pub fn flagged(
    conn: &mut PgConnection,
    school: Option<i64>,
    filter: &ListFilter,
    list: List,
    today: NaiveDate,
) -> QueryResult<Vec<Flagged>> {
    let order = match filter.sort.as_str() {
        "attendance" => "i.attendance_rate ASC NULLS LAST, name",
        "average" => "i.overall_average ASC NULLS LAST, name",
        "behaviour" => "i.negative_30d DESC, name",
        "streak" => "i.absence_streak DESC, name",
        _ => "name, i.student_id",
    };
    // The flags are kept with the summaries under the school's current thresholds (see
    // `refresh::apply_thresholds`); each has a partial index in name order.
    let condition = match list {
        List::AtRisk => "i.at_risk",
        List::HighPerformers => "i.high_performer",
    };
    // One table: the summary rows carry names and classes (as of the refresh). A school's list
    // and the district's are different statements, so the school's plan keeps its index.
    // Only the filters in use are written out (see `db::optional_eq`).
    let scope = crate::db::optional_eq("school", "i.school_id", school.is_some());
    let class_filter = crate::db::optional_eq("class_id", "i.class_id", filter.class_id.is_some());
    let grade_filter =
        crate::db::optional_eq("grade", "i.grade_level", filter.grade_level.is_some());
    // Unfiltered, the total is the school's count kept beside the flags (same transactions);
    // filtered, the flagged rows are counted.
    let total = if filter.class_id.is_none() && filter.grade_level.is_none() {
        let (column, si_scope) = (
            match list {
                List::AtRisk => "at_risk",
                List::HighPerformers => "high_performers",
            },
            crate::db::optional_eq("school", "si.school_id", school.is_some()),
        );
        format!("(SELECT COALESCE(sum(si.{column}), 0)::bigint FROM school_insight si WHERE {si_scope})")
    } else {
        format!("(SELECT count(*) FROM student_insight i WHERE {condition} AND {scope} AND {class_filter} AND {grade_filter})")
    };
    let sql = format!(
        "SELECT {total} AS total,
                i.student_id, i.name, i.student_number, s.name AS school_name, i.class_id, i.class_name, i.grade_level,
                {FLAG_COLUMNS}
           FROM student_insight i JOIN schools s ON s.id = i.school_id
          WHERE {condition} AND {scope}
            AND {class_filter} AND {grade_filter}
            AND (SELECT p.today FROM p) IS NOT NULL
          ORDER BY {order}
          LIMIT (SELECT p.limit_rows FROM p) OFFSET (SELECT p.skip FROM p)"
    );
    let (limit, skip) = if filter.page >= 1 {
        (PAGE_SIZE, (filter.page - 1) * PAGE_SIZE)
    } else {
        (100_000, 0)
    };
    crate::db::cached(
        &[
            ("school", "bigint"),
            ("class_id", "bigint"),
            ("grade", "text"),
            ("today", "date"),
            ("limit_rows", "bigint"),
            ("skip", "bigint"),
        ],
        sql,
    )
    .bind::<Nullable<BigInt>, _>(school)
    .bind::<Nullable<BigInt>, _>(filter.class_id)
    .bind::<Nullable<Text>, _>(filter.grade_level.clone())
    .bind::<Date, _>(today)
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(skip)
    .load(conn)
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
pub fn class_options(
    conn: &mut PgConnection,
    school: Option<i64>,
) -> QueryResult<(Vec<ClassOption>, Option<DateTime<Utc>>)> {
    let scope = crate::db::optional_eq("school", "si.school_id", school.is_some());
    let schools: Vec<SchoolOptions> = crate::db::cached(
        &[("school", "bigint")],
        format!(
            "SELECT r.at AS refreshed_at, si.class_options
               FROM (SELECT max(refreshed_at) AS at FROM insight_refreshes) r
               LEFT JOIN (school_insight si JOIN schools s ON s.id = si.school_id) ON {scope}
              ORDER BY s.name, s.id"
        ),
    )
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

/// A student's term on their profile: attendance counted by category, all marks (published or
/// not) with their weights, the school's scale and behaviour, from `from` to `today`.
pub struct StudentTerm {
    pub tally: crate::domain::attendance::Tally,
    pub marks: gq::MarksAndWeights,
    pub scale: crate::domain::grades::GradeScale,
    pub records: gq::Records,
}

/// [`StudentTerm`] in one statement (`models::work::find_student_work`). Call only for a
/// student the user may see.
pub fn student_term(
    conn: &mut PgConnection,
    student_id: i64,
    school_id: i64,
    term: i64,
    from: NaiveDate,
    today: NaiveDate,
) -> QueryResult<StudentTerm> {
    use crate::models::work;
    // All work, published or not, without class averages; attendance and behaviour from the
    // term's start.
    let found = work::find_student_work(
        conn,
        &work::StudentWorkQuery {
            student_id,
            attendance: Some(work::AttendanceWanted {
                month: (from, today),
                year: (from, today),
                calendar: false,
            }),
            marks: Some(work::MarksWanted {
                term_id: term,
                published_only: false,
                class_means: false,
            }),
            scale_of_school: Some(school_id),
            records_since: Some(from),
        },
    )?;
    Ok(StudentTerm {
        tally: found.attendance.year,
        marks: found.marks.unwrap_or(work::MarksAndWeights {
            marks: Vec::new(),
            weights: Vec::new(),
        }),
        scale: found.scale.unwrap_or_default(),
        records: found.records.unwrap_or(work::Records {
            behaviour: Vec::new(),
            participation: Vec::new(),
        }),
    })
}

/// A student's summary row with the school's thresholds, for the profile.
pub fn student_flags(
    conn: &mut PgConnection,
    student_id: i64,
    today: NaiveDate,
) -> QueryResult<Option<Flagged>> {
    let rows: Vec<Flagged> = crate::db::cached(
        &[("student", "bigint"), ("today", "date")],
        format!(
            "SELECT 1::bigint AS total, st.id AS student_id, st.family_name || ', ' || COALESCE(st.preferred_name, st.given_name) AS name,
                st.student_number, s.name AS school_name, NULL::bigint AS class_id, NULL::text AS class_name, NULL::text AS grade_level,
                {FLAG_COLUMNS}
           FROM student_insight i JOIN students st ON st.id = i.student_id JOIN schools s ON s.id = i.school_id
          WHERE i.student_id = (SELECT p.student FROM p) AND (SELECT p.today FROM p) IS NOT NULL"
        ),
    )
    .bind::<BigInt, _>(student_id)
    .bind::<Date, _>(today)
    .load(conn)?;
    Ok(rows.into_iter().next())
}

/// For a teacher's dashboard: assessments of their class-and-subject pairs dated up to today
/// that are not fully marked.
#[derive(Debug, Clone, QueryableByName)]
pub struct Unmarked {
    #[diesel(sql_type = BigInt)]
    pub assessment_id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Date)]
    pub date: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub class_id: i64,
    #[diesel(sql_type = Text)]
    pub class_name: String,
    #[diesel(sql_type = BigInt)]
    pub subject_id: i64,
    #[diesel(sql_type = Text)]
    pub subject_name: String,
    #[diesel(sql_type = BigInt)]
    pub entered: i64,
    #[diesel(sql_type = BigInt)]
    pub enrolled: i64,
}

pub fn unmarked(
    conn: &mut PgConnection,
    teacher: i64,
    today: NaiveDate,
) -> QueryResult<Vec<Unmarked>> {
    crate::db::cached(
        &[("teacher", "bigint"), ("today", "date")],
        // Each of the teacher's classes is counted once, not once per assessment set in it.
        "WITH mine AS MATERIALIZED (
             SELECT c.id, c.name,
                    (SELECT count(*) FROM enrolments e JOIN students st ON st.id = e.student_id AND st.status = 'active'
                      WHERE e.class_id = c.id AND e.starts_on <= (SELECT p.today FROM p)
                        AND (e.ends_on IS NULL OR e.ends_on >= (SELECT p.today FROM p))) AS enrolled
               FROM classes c
              WHERE c.id IN (SELECT ta.class_id FROM teacher_assignments ta WHERE ta.teacher_id = (SELECT p.teacher FROM p)))
         SELECT a.id AS assessment_id, a.title, a.date, m.id AS class_id, m.name AS class_name, sub.id AS subject_id, sub.name AS subject_name,
                (SELECT count(*) FROM scores s WHERE s.assessment_id = a.id AND s.status <> 'blank') AS entered,
                m.enrolled
           FROM teacher_assignments ta
           JOIN assessments a ON a.class_id = ta.class_id AND a.subject_id = ta.subject_id AND NOT a.archived
           JOIN mine m ON m.id = a.class_id JOIN subjects sub ON sub.id = a.subject_id
          WHERE ta.teacher_id = (SELECT p.teacher FROM p) AND a.date <= (SELECT p.today FROM p)
            AND a.date > (SELECT p.today FROM p) - 120
          ORDER BY a.date, a.id",
    )
    .bind::<BigInt, _>(teacher)
    .bind::<Date, _>(today)
    .load::<Unmarked>(conn)
    .map(|rows| rows.into_iter().filter(|u| u.entered < u.enrolled).collect())
}

/// Summary rows of the students in the given classes (a teacher's), with their flags.
pub fn students_of_classes(
    conn: &mut PgConnection,
    classes: &[i64],
    today: NaiveDate,
) -> QueryResult<Vec<Flagged>> {
    crate::db::cached(
        &[("classes", "bigint[]"), ("today", "date")],
        format!(
            "SELECT 0::bigint AS total, st.id AS student_id, st.family_name || ', ' || COALESCE(st.preferred_name, st.given_name) AS name,
                st.student_number, s.name AS school_name, c.id AS class_id, c.name AS class_name, c.grade_level,
                {FLAG_COLUMNS}
           FROM enrolments e
           JOIN classes c ON c.id = e.class_id
           JOIN students st ON st.id = e.student_id AND st.status = 'active'
           JOIN student_insight i ON i.student_id = st.id
           JOIN schools s ON s.id = i.school_id
          WHERE e.class_id = ANY((SELECT p.classes FROM p)::bigint[]) AND e.starts_on <= (SELECT p.today FROM p)
            AND (e.ends_on IS NULL OR e.ends_on >= (SELECT p.today FROM p))
          ORDER BY c.name, st.family_name, st.given_name"
        ),
    )
    .bind::<Array<BigInt>, _>(classes.to_vec())
    .bind::<Date, _>(today)
    .load(conn)
}
