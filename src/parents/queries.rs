//! Children as their parent sees them.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text};

use crate::gradebook::queries as gq;

/// One of the parent's children.
#[derive(Debug, QueryableByName)]
pub struct Child {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub given_name: String,
    #[diesel(sql_type = Text)]
    pub family_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub preferred_name: Option<String>,
    #[diesel(sql_type = Text)]
    pub school_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub class_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub homeroom_teacher: Option<String>,
    #[diesel(sql_type = Text)]
    pub relationship: String,
}

impl Child {
    /// The name the child goes by.
    pub fn first_name(&self) -> &str {
        self.preferred_name.as_deref().unwrap_or(&self.given_name)
    }
}

/// SQL: a `LATERAL` subquery giving the student `student` their class on `day` (both SQL
/// expressions) as `name` and its homeroom teacher as `homeroom`.
fn class_on_lateral(student: &str, day: &str) -> String {
    format!(
        "(SELECT c.name, h.display_name AS homeroom
            FROM enrolments e JOIN classes c ON c.id = e.class_id
            LEFT JOIN users h ON h.id = c.homeroom_teacher_id
           WHERE e.student_id = {student} AND e.starts_on <= {day}
             AND (e.ends_on IS NULL OR e.ends_on >= {day})
           ORDER BY e.starts_on DESC LIMIT 1)"
    )
}

/// The parent's viewable children (all, or only `only`), with today's class.
fn children(
    conn: &mut PgConnection,
    parent_id: i64,
    on: NaiveDate,
    only: Option<i64>,
) -> QueryResult<Vec<Child>> {
    crate::db::cached(
        &[("parent_id", "bigint"), ("day", "date"), ("only", "bigint")],
        format!(
            "SELECT st.id, st.given_name, st.family_name, st.preferred_name, s.name AS school_name,
                    cls.name AS class_name, cls.homeroom AS homeroom_teacher, ps.relationship
               FROM parent_students ps
               JOIN students st ON st.id = ps.student_id
               JOIN schools s ON s.id = st.school_id
               LEFT JOIN LATERAL {} cls ON TRUE
              WHERE ps.parent_id = (SELECT p.parent_id FROM p) AND ps.may_view
                AND ((SELECT p.only FROM p)::bigint IS NULL OR st.id = (SELECT p.only FROM p))
              ORDER BY st.date_of_birth NULLS LAST, st.given_name, st.id",
            class_on_lateral("st.id", "(SELECT p.day FROM p)")
        ),
    )
    .bind::<BigInt, _>(parent_id)
    .bind::<Date, _>(on)
    .bind::<Nullable<BigInt>, _>(only)
    .load(conn)
}

pub fn list_children(
    conn: &mut PgConnection,
    parent_id: i64,
    on: NaiveDate,
) -> QueryResult<Vec<Child>> {
    children(conn, parent_id, on, None)
}

/// One child of this parent, or NotFound (another family's child, or `may_view` off).
pub fn find_child(
    conn: &mut PgConnection,
    parent_id: i64,
    student_id: i64,
    on: NaiveDate,
) -> QueryResult<Child> {
    children(conn, parent_id, on, Some(student_id))?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}

/// One child of this parent with what every page about the child needs: the school's rules and
/// current term, the start of the academic year and the grade scale, in one statement. NotFound
/// for another family's child (or `may_view` off).
pub struct ChildOverview {
    pub child: Child,
    /// With the school-local today.
    pub rules: crate::gradebook::queries::SchoolRules,
    pub year_start: Option<NaiveDate>,
    pub scale: crate::domain::grades::GradeScale,
}

#[derive(QueryableByName)]
struct OverviewRow {
    #[diesel(embed)]
    child: Child,
    #[diesel(embed)]
    rules: crate::gradebook::queries::SchoolRules,
    #[diesel(sql_type = Nullable<Date>)]
    year_start: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Array<Text>)]
    band_letters: Vec<String>,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Double>)]
    band_mins: Vec<f64>,
}

pub fn child_overview(
    conn: &mut PgConnection,
    parent_id: i64,
    student_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<ChildOverview> {
    let row: OverviewRow = crate::db::cached(
        &[("parent_id", "bigint"), ("student_id", "bigint"), ("now", "timestamptz")],
        format!(
            "WITH s AS (
             SELECT st.id, st.given_name, st.family_name, st.preferred_name, sc.name AS school_name,
                    ps.relationship, sc.id AS school_id, sc.missing_counts_as_zero,
                    sc.parents_see_class_average, sc.parents_see_behaviour,
                    ((SELECT p.now FROM p) AT TIME ZONE sc.timezone)::date AS today
               FROM parent_students ps
               JOIN students st ON st.id = ps.student_id
               JOIN schools sc ON sc.id = st.school_id
              WHERE ps.parent_id = (SELECT p.parent_id FROM p) AND ps.may_view
                AND st.id = (SELECT p.student_id FROM p))
         SELECT s.id, s.given_name, s.family_name, s.preferred_name, s.school_name,
                cls.name AS class_name, cls.homeroom AS homeroom_teacher, s.relationship,
                s.school_id, s.missing_counts_as_zero, s.parents_see_class_average,
                s.parents_see_behaviour, s.today,
                t.id AS term_id, t.name AS term_name, t.starts_on AS term_starts_on, t.ends_on AS term_ends_on,
                (SELECT y.starts_on FROM academic_years y
                  WHERE y.school_id = s.school_id AND y.starts_on <= s.today AND y.ends_on >= s.today
                  ORDER BY y.starts_on DESC LIMIT 1) AS year_start,
                g.band_letters, g.band_mins
           FROM s
           LEFT JOIN LATERAL {} cls ON TRUE
           LEFT JOIN LATERAL {} t ON TRUE
          CROSS JOIN LATERAL {} g",
            class_on_lateral("s.id", "s.today"),
            gq::current_term_lateral("s.school_id", "s.today"),
            gq::bands_lateral("s.school_id"),
        ),
    )
    .bind::<BigInt, _>(parent_id)
    .bind::<BigInt, _>(student_id)
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .get_result(conn)?;
    Ok(ChildOverview {
        child: row.child,
        rules: row.rules,
        year_start: row.year_start,
        scale: crate::gradebook::queries::scale_of(
            row.band_letters.into_iter().zip(row.band_mins).collect(),
        ),
    })
}

/// The child's school-local today and the start of the current academic year.
#[derive(Debug, Clone, QueryableByName)]
pub struct ChildCalendar {
    #[diesel(sql_type = Date)]
    pub today: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    pub year_start: Option<NaiveDate>,
}

pub fn child_calendar(
    conn: &mut PgConnection,
    student_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<ChildCalendar> {
    crate::db::cached(&[("student_id", "bigint"), ("now", "timestamptz")], "SELECT t.today,
                (SELECT y.starts_on FROM academic_years y
                  WHERE y.school_id = t.school_id AND y.starts_on <= t.today AND y.ends_on >= t.today
                  ORDER BY y.starts_on DESC LIMIT 1) AS year_start
           FROM (SELECT s.id AS school_id, ((SELECT p.now FROM p)::timestamptz AT TIME ZONE s.timezone)::date AS today
                   FROM students st JOIN schools s ON s.id = st.school_id WHERE st.id = (SELECT p.student_id FROM p)) t",
    )
    .bind::<BigInt, _>(student_id)
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .get_result(conn)
}

/// One day's mark for the calendar.
#[derive(Debug, Clone, QueryableByName)]
pub struct DayMark {
    #[diesel(sql_type = Date)]
    pub date: NaiveDate,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub label: String,
    #[diesel(sql_type = Text)]
    pub category: String,
}

/// SQL: a student's marks (`p.student_id`) from `p.from_day` to `p.to_day` counted by category,
/// rows of [`TallySql`] for [`tally_of`].
pub const TALLY_SQL: &str = "SELECT ac.category, count(*) AS n
           FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id
          WHERE a.student_id = (SELECT p.student_id FROM p)
            AND a.date BETWEEN (SELECT p.from_day FROM p) AND (SELECT p.to_day FROM p)
          GROUP BY ac.category";

/// The parameters [`TALLY_SQL`] reads.
pub const TALLY_PARAMS: &[(&str, &str)] = &[
    ("student_id", "bigint"),
    ("from_day", "date"),
    ("to_day", "date"),
];

/// The column types of [`TALLY_SQL`]'s rows: category, count.
pub type TallySql = (Text, BigInt);

/// The rows of [`TALLY_SQL`] as a tally.
pub fn tally_of(rows: Vec<(String, i64)>) -> crate::domain::attendance::Tally {
    let mut tally = crate::domain::attendance::Tally::default();
    for (category, n) in rows {
        tally.set(&category, n);
    }
    tally
}

/// Marks by category between two dates, counted in SQL.
pub fn tally_between(
    conn: &mut PgConnection,
    student_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<crate::domain::attendance::Tally> {
    let rows = crate::db::cached(TALLY_PARAMS, TALLY_SQL)
        .bind::<BigInt, _>(student_id)
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .typed::<TallySql>()
        .load(conn)?;
    Ok(tally_of(rows))
}

/// An absence or late arrival, with the parent's reason if one was sent.
#[derive(Debug, Clone)]
pub struct Absence {
    pub attendance_id: i64,
    pub date: NaiveDate,
    pub label: String,
    pub category: String,
    pub late_minutes: Option<i16>,
    pub note: String,
    pub reason: Option<String>,
    pub reason_status: Option<String>,
    pub response: Option<String>,
}

/// A month's calendar, the month's and the year's tallies, and the year's absences (newest
/// first, with the latest reason sent) of one child.
#[derive(Default)]
pub struct ChildAttendance {
    /// One per day in the month: the first class's register that day.
    pub marks: Vec<DayMark>,
    pub month: crate::domain::attendance::Tally,
    pub year: crate::domain::attendance::Tally,
    pub absences: Vec<Absence>,
}

/// The column types of [`ATTENDANCE_SQL`]'s rows: part (1: a category's counts, 2: a day of the
/// month, 3: an absence), the [`Absence`]'s nine fields, code, in_month, in_year.
type AttendanceSql = (
    diesel::sql_types::Integer,
    BigInt,
    Date,
    Text,
    Text,
    Nullable<diesel::sql_types::SmallInt>,
    Text,
    Nullable<Text>,
    Nullable<Text>,
    Nullable<Text>,
    Text,
    BigInt,
    BigInt,
);

/// A row of [`ATTENDANCE_SQL`].
type AttendanceRow = (
    i32,
    i64,
    NaiveDate,
    String,
    String,
    Option<i16>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    i64,
    i64,
);

/// The parameters [`ATTENDANCE_SQL`] reads.
const ATTENDANCE_PARAMS: &[(&str, &str)] = &[
    ("student_id", "bigint"),
    ("m_from", "date"),
    ("m_to", "date"),
    ("y_from", "date"),
    ("y_to", "date"),
];

/// A child's month (`m_from` to `m_to`) and year (`y_from` to `y_to`) of attendance, for
/// [`ChildAttendance::from_rows`]; reads `student_id` and the dates from `p`. Three reads of the
/// child's index entries (index-only, a few hundred of them) cost less than materialising them
/// once and joining the codes to every one: the counts are made per code first, and only the
/// absences go to the table itself.
const ATTENDANCE_SQL: &str = "SELECT 1 AS part, 0::bigint AS attendance_id, (SELECT p.m_from FROM p) AS date, '' AS label,
                ac.category, NULL::smallint AS late_minutes, '' AS note, NULL::text AS reason,
                NULL::text AS reason_status, NULL::text AS response, '' AS code,
                sum(t.in_month)::bigint AS in_month, sum(t.in_year)::bigint AS in_year
           FROM (SELECT a.code_id,
                        count(*) FILTER (WHERE a.date BETWEEN (SELECT p.m_from FROM p) AND (SELECT p.m_to FROM p)) AS in_month,
                        count(*) FILTER (WHERE a.date BETWEEN (SELECT p.y_from FROM p) AND (SELECT p.y_to FROM p)) AS in_year
                   FROM attendance a
                  WHERE a.student_id = (SELECT p.student_id FROM p)
                    AND a.date BETWEEN LEAST((SELECT p.m_from FROM p), (SELECT p.y_from FROM p))
                                   AND GREATEST((SELECT p.m_to FROM p), (SELECT p.y_to FROM p))
                  GROUP BY a.code_id) t
           JOIN attendance_codes ac ON ac.id = t.code_id
          GROUP BY ac.category
         UNION ALL
         (SELECT DISTINCT ON (a.date) 2, 0, a.date, ac.label, ac.category, NULL, '', NULL, NULL, NULL, ac.code, 0, 0
            FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id
           WHERE a.student_id = (SELECT p.student_id FROM p)
             AND a.date BETWEEN (SELECT p.m_from FROM p) AND (SELECT p.m_to FROM p)
           ORDER BY a.date, a.class_id)
         UNION ALL
         SELECT 3, a.id, a.date, ac.label, ac.category, x.late_minutes, x.note, r.reason, r.status, r.response, ac.code, 0, 0
           FROM attendance a
           JOIN attendance_codes ac ON ac.id = a.code_id AND ac.category IN ('absent', 'late', 'excused')
           JOIN attendance x ON x.id = a.id
           LEFT JOIN LATERAL (SELECT reason, status, response FROM absence_reasons ar
                               WHERE ar.attendance_id = a.id ORDER BY ar.id DESC LIMIT 1) r ON TRUE
          WHERE a.student_id = (SELECT p.student_id FROM p)
            AND a.date BETWEEN (SELECT p.y_from FROM p) AND GREATEST((SELECT p.m_to FROM p), (SELECT p.y_to FROM p))";

impl ChildAttendance {
    fn from_rows(rows: Vec<AttendanceRow>) -> Self {
        let mut out = ChildAttendance {
            marks: Vec::new(),
            month: Default::default(),
            year: Default::default(),
            absences: Vec::new(),
        };
        for r in rows {
            let (part, category, in_month, in_year) = (r.0, r.4, r.11, r.12);
            match part {
                1 => {
                    out.month.set(&category, in_month);
                    out.year.set(&category, in_year);
                }
                2 => out.marks.push(DayMark {
                    date: r.2,
                    code: r.10,
                    label: r.3,
                    category,
                }),
                _ => out.absences.push(Absence {
                    attendance_id: r.1,
                    date: r.2,
                    label: r.3,
                    category,
                    late_minutes: r.5,
                    note: r.6,
                    reason: r.7,
                    reason_status: r.8,
                    response: r.9,
                }),
            }
        }
        out.marks.sort_by_key(|m| m.date);
        out.absences.sort_by_key(|b| std::cmp::Reverse(b.date));
        out
    }
}

/// What a child's page shows after its overview, where wanted: the month's and the year's
/// attendance, the term's marks (published ones only) and behaviour since a day.
pub struct Wanted {
    /// The month's first and last day, and the year's.
    pub attendance: Option<((NaiveDate, NaiveDate), (NaiveDate, NaiveDate))>,
    /// The term, and whether each assessment's class average comes too.
    pub marks: Option<(i64, bool)>,
    pub behaviour_since: Option<NaiveDate>,
}

/// What [`child_records`] found; `None` (or no attendance) where it was not wanted.
pub struct ChildRecords {
    pub attendance: ChildAttendance,
    pub marks: Option<gq::MarksAndWeights>,
    pub records: Option<gq::Records>,
}

/// The parts of a child's page that come after its authorisation check, in one statement
/// (`db::arrays_of`): the page made a round trip for each before, which cost the server and
/// PostgreSQL as much again as the queries themselves. Call only for a child the user may see.
pub fn child_records(
    conn: &mut PgConnection,
    student_id: i64,
    wanted: &Wanted,
) -> QueryResult<ChildRecords> {
    let (marks_sql, records_sql) = gq::student_work_sql(student_id);
    let body = crate::db::arrays_of(&[
        wanted.attendance.map(|_| ATTENDANCE_SQL),
        wanted.marks.map(|_| marks_sql.as_str()),
        wanted.behaviour_since.map(|_| records_sql.as_str()),
    ]);
    let day = NaiveDate::default();
    let ((m_from, m_to), (y_from, y_to)) = wanted.attendance.unwrap_or(((day, day), (day, day)));
    let (term, class_means) = wanted.marks.unwrap_or((0, false));
    static PARAMS: std::sync::OnceLock<Vec<(&str, &str)>> = std::sync::OnceLock::new();
    let params = crate::db::joined_params(
        &PARAMS,
        &[
            ATTENDANCE_PARAMS,
            gq::MARKS_AND_WEIGHTS_PARAMS,
            gq::STUDENTS_RECORDS_PARAMS,
        ],
    );
    use crate::db::ArrayPart as Part;
    type Parts = (
        Option<Vec<AttendanceRow>>,
        Option<Vec<gq::MarkOrWeightRow>>,
        Option<Vec<gq::RecordRow>>,
    );
    let query = crate::db::cached(params, body)
        .bind::<BigInt, _>(student_id)
        .bind::<Date, _>(m_from)
        .bind::<Date, _>(m_to)
        .bind::<Date, _>(y_from)
        .bind::<Date, _>(y_to);
    let since = wanted.behaviour_since.unwrap_or(day);
    let (attendance, marks, records): Parts =
        gq::bind_student_work(query, student_id, term, true, class_means, since)
            .typed::<(
                Part<AttendanceSql>,
                Part<gq::MarkOrWeightSql>,
                Part<gq::RecordSql>,
            )>()
            .get_result(conn)?;
    Ok(ChildRecords {
        attendance: ChildAttendance::from_rows(attendance.unwrap_or_default()),
        marks: wanted
            .marks
            .map(|_| gq::MarksAndWeights::from_rows(marks.unwrap_or_default())),
        records: wanted
            .behaviour_since
            .map(|_| gq::Records::from_rows(records.unwrap_or_default())),
    })
}

/// The absence or late arrival `attendance_id` of `student_id`, a child `parent_id` may see:
/// NotFound when it is not one (another family's, another child's, or a present mark).
pub fn find_reason_target(
    conn: &mut PgConnection,
    parent_id: i64,
    student_id: i64,
    attendance_id: i64,
) -> QueryResult<()> {
    use crate::schema::{attendance as a, attendance_codes as ac, parent_students as ps};
    a::table
        .inner_join(ac::table.on(ac::id.eq(a::code_id)))
        .inner_join(ps::table.on(ps::student_id.eq(a::student_id)))
        .filter(a::id.eq(attendance_id))
        .filter(a::student_id.eq(student_id))
        .filter(ac::category.eq_any(["absent", "late"]))
        .filter(ps::parent_id.eq(parent_id))
        .filter(ps::may_view)
        .select(a::id)
        .first::<i64>(conn)
        .map(|_| ())
}

/// Records a parent's reason for an absence of their own child, found by
/// [`find_reason_target`] first; false when a reason is already waiting for the office.
pub fn insert_reason(
    conn: &mut PgConnection,
    parent_id: i64,
    attendance_id: i64,
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<bool> {
    let inserted = diesel::sql_query(
        "INSERT INTO absence_reasons (school_id, attendance_id, student_id, parent_id, reason, created_at)
         SELECT a.school_id, a.id, a.student_id, $1, $3, $4
           FROM attendance a
          WHERE a.id = $2
         ON CONFLICT DO NOTHING",
    )
    .bind::<BigInt, _>(parent_id)
    .bind::<BigInt, _>(attendance_id)
    .bind::<Text, _>(reason)
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .execute(conn)?;
    Ok(inserted == 1)
}

#[cfg(test)]
mod tests {
    use super::ChildAttendance;
    use chrono::NaiveDate;

    #[test]
    fn attendance_parts_become_tallies_a_calendar_and_absences_newest_first() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 10, d).unwrap();
        let row = |part: i32, id: i64, d: u32, category: &str, counts: (i64, i64)| {
            (
                part,
                id,
                day(d),
                format!("{category} label"),
                category.to_string(),
                (category == "late").then_some(10i16),
                String::new(),
                (id == 31).then(|| "Ill".to_string()),
                (id == 31).then(|| "pending".to_string()),
                None,
                category[..1].to_uppercase(),
                counts.0,
                counts.1,
            )
        };
        // In the order a UNION may return them.
        let out = ChildAttendance::from_rows(vec![
            row(3, 30, 2, "absent", (0, 0)),
            row(2, 0, 6, "late", (0, 0)),
            row(1, 0, 1, "present", (15, 120)),
            row(3, 31, 6, "late", (0, 0)),
            row(2, 0, 2, "absent", (0, 0)),
            row(1, 0, 1, "absent", (1, 4)),
            row(1, 0, 1, "late", (1, 2)),
        ]);
        assert_eq!(
            (out.month.present, out.month.absent, out.month.late),
            (15, 1, 1)
        );
        assert_eq!(
            (out.year.present, out.year.absent, out.year.late),
            (120, 4, 2)
        );
        let calendar: Vec<(u32, &str)> = out
            .marks
            .iter()
            .map(|m| (chrono::Datelike::day(&m.date), m.code.as_str()))
            .collect();
        assert_eq!(calendar, vec![(2, "A"), (6, "L")]);
        let absences: Vec<(i64, Option<i16>, Option<&str>)> = out
            .absences
            .iter()
            .map(|a| (a.attendance_id, a.late_minutes, a.reason.as_deref()))
            .collect();
        assert_eq!(
            absences,
            vec![(31, Some(10), Some("Ill")), (30, None, None)]
        );
    }
}
