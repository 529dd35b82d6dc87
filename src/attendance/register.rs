//! Registers: who is on a class's register for a school-local date, the marks, and saving them.
//!
//! One mark per student, class and date (a unique constraint; saves are upserts). Every mark has a
//! version: a save carries the version it saw, and a save that would change a mark changed by
//! someone else since is refused with what they saved. A save equal to the stored mark is a no-op
//! whatever version it carries, so retries and double taps succeed and change nothing. A whole
//! register is written in one transaction, rows in student order: one locking read, one statement
//! that upserts every changed mark and appends its history.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{
    Array, BigInt, Bool, Date, Integer, Nullable, SmallInt, Text, Timestamptz,
};

/// The class, its school's calendar facts and the school-local "today".
#[derive(Debug, Clone, QueryableByName)]
pub struct RegisterDay {
    #[diesel(sql_type = BigInt)]
    pub class_id: i64,
    #[diesel(sql_type = Text)]
    pub class_name: String,
    #[diesel(sql_type = BigInt)]
    pub school_id: i64,
    #[diesel(sql_type = Integer)]
    pub edit_window_days: i32,
    #[diesel(sql_type = Date)]
    pub today: NaiveDate,
    #[diesel(sql_type = Bool)]
    pub weekend: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub holiday: Option<String>,
    /// The school's codes as JSON (fetched with the day: one round trip fewer per register).
    #[diesel(sql_type = Text)]
    pub codes_json: String,
}

impl RegisterDay {
    /// The school's codes, in their order.
    pub fn codes(&self) -> Vec<Code> {
        serde_json::from_str(&self.codes_json).unwrap_or_default()
    }
}

/// Whether a register can be taken or changed on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayState {
    /// Marks may be changed.
    Open,
    /// Marks are shown but only the office may change them.
    ReadOnly(String),
    /// There is no register on this day.
    NoRegister(String),
}

impl RegisterDay {
    /// The rules for a date: no register on weekends, holidays or in the future; teachers may
    /// change the last `edit_window_days` days, the office any day.
    pub fn state(&self, date: NaiveDate, office: bool) -> DayState {
        if date > self.today {
            return DayState::NoRegister(
                "This day is in the future: registers are taken on the day.".into(),
            );
        }
        if let Some(name) = &self.holiday {
            return DayState::NoRegister(format!("There is no school on this day ({name})."));
        }
        if self.weekend {
            return DayState::NoRegister("There is no school on this day (weekend).".into());
        }
        if !office && (self.today - date).num_days() > i64::from(self.edit_window_days) {
            return DayState::ReadOnly(format!(
                "Registers older than {} days can be changed only by the school office.",
                self.edit_window_days
            ));
        }
        DayState::Open
    }
}

/// The condition "the signed-in user may take this class's register", as SQL: `$4` is the
/// teacher's id (NULL for the office) and `$5` the office's school (NULL for the district).
fn register_day_sql() -> String {
    format!(
        "SELECT c.id AS class_id, c.name AS class_name, c.school_id, s.edit_window_days,
                ((SELECT p.now FROM p) AT TIME ZONE s.timezone)::date AS today,
                (EXTRACT(ISODOW FROM (SELECT p.day FROM p))::smallint = ANY (s.weekend_days)) AS weekend,
                (SELECT n.name FROM non_school_days n
                  WHERE n.school_id = s.id AND (SELECT p.day FROM p) BETWEEN n.starts_on AND n.ends_on
                  ORDER BY n.starts_on LIMIT 1) AS holiday,
                COALESCE((SELECT json_agg(json_build_object('id', ac.id, 'code', ac.code, 'label', ac.label,
                                                            'category', ac.category, 'teacher_usable', ac.teacher_usable)
                                          ORDER BY ac.position, ac.id)
                            FROM attendance_codes ac WHERE ac.school_id = s.id), '[]')::text AS codes_json
           FROM classes c JOIN schools s ON s.id = c.school_id
          WHERE c.id = (SELECT p.class_id FROM p)
            AND ((SELECT p.teacher FROM p) IS NULL OR rollbook_teaches((SELECT p.teacher FROM p), c.id, (SELECT p.day FROM p)))
            AND ((SELECT p.school FROM p) IS NULL OR c.school_id = (SELECT p.school FROM p))"
    )
}

/// The register day for a teacher who teaches (or covers) the class on `date`, or for the office
/// (`teacher = None`) within `school` (None for the district). NotFound otherwise.
pub fn find_register_day(
    conn: &mut PgConnection,
    class_id: i64,
    date: NaiveDate,
    now: DateTime<Utc>,
    teacher: Option<i64>,
    school: Option<i64>,
) -> QueryResult<RegisterDay> {
    crate::db::cached(
        &[
            ("class_id", "bigint"),
            ("now", "timestamptz"),
            ("day", "date"),
            ("teacher", "bigint"),
            ("school", "bigint"),
        ],
        register_day_sql(),
    )
    .bind::<BigInt, _>(class_id)
    .bind::<Timestamptz, _>(now)
    .bind::<Date, _>(date)
    .bind::<Nullable<BigInt>, _>(teacher)
    .bind::<Nullable<BigInt>, _>(school)
    .get_result(conn)
}

/// One attendance code of a school.
#[derive(Debug, Clone, Queryable, serde::Deserialize)]
pub struct Code {
    pub id: i64,
    pub code: String,
    pub label: String,
    pub category: String,
    pub teacher_usable: bool,
}

pub fn list_codes(conn: &mut PgConnection, school_id: i64) -> QueryResult<Vec<Code>> {
    use crate::schema::attendance_codes as ac;
    ac::table
        .filter(ac::school_id.eq(school_id))
        .order((ac::position, ac::id))
        .select((
            ac::id,
            ac::code,
            ac::label,
            ac::category,
            ac::teacher_usable,
        ))
        .load(conn)
}

/// The four default codes, for a new school.
pub fn insert_default_codes(conn: &mut PgConnection, school_id: i64) -> QueryResult<()> {
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

/// A row of [`day_and_roster`]: the day (first row, no student) or a student on its roster,
/// its fields in the order the query selects them (loaded by position).
#[derive(Queryable)]
struct DayOrStudent {
    class_id: Option<i64>,
    class_name: Option<String>,
    school_id: Option<i64>,
    edit_window_days: Option<i32>,
    today: Option<NaiveDate>,
    weekend: Option<bool>,
    holiday: Option<String>,
    codes_json: Option<String>,
    student_id: Option<i64>,
    given_name: Option<String>,
    family_name: Option<String>,
    preferred_name: Option<String>,
    code_id: Option<i64>,
    version: Option<i32>,
    late_minutes: Option<i16>,
    note: Option<String>,
    source: Option<String>,
    updated_at: Option<DateTime<Utc>>,
    code: Option<String>,
    updated_by: Option<String>,
}

/// The SQL types of a [`DayOrStudent`] row, in order.
type DayOrStudentRow = (
    Nullable<BigInt>,
    Nullable<Text>,
    Nullable<BigInt>,
    Nullable<Integer>,
    Nullable<Date>,
    Nullable<Bool>,
    Nullable<Text>,
    Nullable<Text>,
    Nullable<BigInt>,
    Nullable<Text>,
    Nullable<Text>,
    Nullable<Text>,
    Nullable<BigInt>,
    Nullable<Integer>,
    Nullable<SmallInt>,
    Nullable<Text>,
    Nullable<Text>,
    Nullable<Timestamptz>,
    Nullable<Text>,
    Nullable<Text>,
);

/// The register day (authorised as [`find_register_day`]) and its roster (everyone, or `only`)
/// in one round trip: the register page is the most requested page of all. The day comes as the
/// first row (its names NULL, so it sorts first) and each student as a row of their own after it,
/// in the roster's order. Plain rows cost PostgreSQL about a third less than the same roster built
/// as JSON, and need no parsing.
pub fn day_and_roster(
    conn: &mut PgConnection,
    class_id: i64,
    date: NaiveDate,
    now: DateTime<Utc>,
    teacher: Option<i64>,
    school: Option<i64>,
    only: Option<i64>,
) -> QueryResult<(RegisterDay, Vec<RosterMark>)> {
    let rows: Vec<DayOrStudent> = crate::db::cached(
        &[
            ("class_id", "bigint"),
            ("now", "timestamptz"),
            ("day", "date"),
            ("teacher", "bigint"),
            ("school", "bigint"),
            ("only", "bigint"),
            ("details", "boolean"),
        ],
        format!(
            "WITH d AS MATERIALIZED ({})
             SELECT d.*, NULL::bigint AS student_id, NULL::text AS given_name, NULL::text AS family_name,
                    NULL::text AS preferred_name, NULL::bigint AS code_id, NULL::int AS version,
                    NULL::smallint AS late_minutes, NULL::text AS note, NULL::text AS source,
                    NULL::timestamptz AS updated_at, NULL::text AS code, NULL::text AS updated_by
               FROM d
             UNION ALL
             SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, r.student_id, r.given_name, r.family_name,
                    r.preferred_name, r.code_id, r.version, r.late_minutes, r.note, r.source, r.updated_at,
                    r.code, r.updated_by
               FROM ({}) r
              WHERE EXISTS (SELECT 1 FROM d)
             ORDER BY family_name NULLS FIRST, given_name, student_id",
            register_day_sql(),
            roster_sql(only.is_some())
        ),
    )
    .bind::<BigInt, _>(class_id)
    .bind::<Timestamptz, _>(now)
    .bind::<Date, _>(date)
    .bind::<Nullable<BigInt>, _>(teacher)
    .bind::<Nullable<BigInt>, _>(school)
    .bind::<Nullable<BigInt>, _>(only)
    .bind::<Bool, _>(only.is_some())
    .typed::<DayOrStudentRow>()
    .load(conn)?;
    let mut rows = rows.into_iter();
    let Some(first) = rows.next() else {
        return Err(diesel::result::Error::NotFound);
    };
    let missing = || diesel::result::Error::DeserializationError("register day: a NULL".into());
    let day = RegisterDay {
        class_id: first.class_id.ok_or_else(missing)?,
        class_name: first.class_name.ok_or_else(missing)?,
        school_id: first.school_id.ok_or_else(missing)?,
        edit_window_days: first.edit_window_days.ok_or_else(missing)?,
        today: first.today.ok_or_else(missing)?,
        weekend: first.weekend.ok_or_else(missing)?,
        holiday: first.holiday,
        codes_json: first.codes_json.ok_or_else(missing)?,
    };
    let roster = rows
        .map(|r| {
            Ok(RosterMark {
                student_id: r.student_id.ok_or_else(missing)?,
                given_name: r.given_name.ok_or_else(missing)?,
                family_name: r.family_name.ok_or_else(missing)?,
                preferred_name: r.preferred_name,
                code_id: r.code_id,
                code: r.code,
                version: r.version.ok_or_else(missing)?,
                late_minutes: r.late_minutes,
                note: r.note.ok_or_else(missing)?,
                source: r.source,
                updated_by: r.updated_by,
                updated_at: r.updated_at,
            })
        })
        .collect::<QueryResult<Vec<_>>>()?;
    Ok((day, roster))
}

/// A student on the register with their mark, if any.
#[derive(Debug, Clone, QueryableByName)]
pub struct RosterMark {
    #[diesel(sql_type = BigInt)]
    pub student_id: i64,
    #[diesel(sql_type = Text)]
    pub given_name: String,
    #[diesel(sql_type = Text)]
    pub family_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub preferred_name: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub code_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub code: Option<String>,
    #[diesel(sql_type = Integer)]
    pub version: i32,
    #[diesel(sql_type = Nullable<SmallInt>)]
    pub late_minutes: Option<i16>,
    #[diesel(sql_type = Text)]
    pub note: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub source: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub updated_by: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub updated_at: Option<DateTime<Utc>>,
}

impl RosterMark {
    pub fn display_name(&self) -> String {
        format!(
            "{}, {}",
            self.family_name,
            self.preferred_name.as_deref().unwrap_or(&self.given_name)
        )
    }
}

/// Everyone enrolled (and active) in the class on `(SELECT p.day FROM p)`, with their marks, by
/// name; reads `p.class_id`, `p.day`, `p.only` and `p.details` (whether to name each mark's code
/// and who set it: a conflict says so, the register page itself shows neither). A roster of
/// everyone and one of a single student (`only`) are different statements, so that each plan
/// knows how many students it joins: the day's register is then read in one index scan and
/// hashed, where a plan guessing one student looked each mark up on its own (or scanned the
/// register again for every student).
fn roster_sql(only: bool) -> String {
    format!(
        "SELECT st.id AS student_id, st.given_name, st.family_name, st.preferred_name,
                a.code_id, COALESCE(a.version, 0) AS version, a.late_minutes,
                COALESCE(a.note, '') AS note, a.source, a.updated_at,
                CASE WHEN (SELECT p.details FROM p) THEN
                    (SELECT ac.code FROM attendance_codes ac WHERE ac.id = a.code_id) END AS code,
                CASE WHEN (SELECT p.details FROM p) THEN
                    (SELECT u.display_name FROM users u WHERE u.id = a.updated_by) END AS updated_by
           FROM enrolments e
           JOIN students st ON st.id = e.student_id
           LEFT JOIN (SELECT * FROM attendance a WHERE a.class_id = (SELECT p.class_id FROM p)
                         AND a.date = (SELECT p.day FROM p) OFFSET 0) a ON a.student_id = st.id
          WHERE e.class_id = (SELECT p.class_id FROM p) AND st.status = 'active'
            AND e.starts_on <= (SELECT p.day FROM p) AND (e.ends_on IS NULL OR e.ends_on >= (SELECT p.day FROM p))
            AND {}
          ORDER BY st.family_name, st.given_name, st.id",
        crate::db::optional_eq("only", "st.id", only)
    )
}

/// Everyone enrolled (and active) in the class on `date`, with their marks, by name.
pub fn roster_on(
    conn: &mut PgConnection,
    class_id: i64,
    date: NaiveDate,
    only: Option<i64>,
) -> QueryResult<Vec<RosterMark>> {
    crate::db::cached(
        &[
            ("class_id", "bigint"),
            ("day", "date"),
            ("only", "bigint"),
            ("details", "boolean"),
        ],
        roster_sql(only.is_some()),
    )
    .bind::<BigInt, _>(class_id)
    .bind::<Date, _>(date)
    .bind::<Nullable<BigInt>, _>(only)
    .bind::<Bool, _>(true)
    .load(conn)
}

/// A mark as submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkInput {
    pub student_id: i64,
    pub code_id: i64,
    /// The version the page showed (0: no mark yet).
    pub version: i32,
    pub late_minutes: Option<i16>,
    pub note: String,
}

/// A submitted mark that someone else changed first.
#[derive(Debug, Clone)]
pub struct Conflict {
    pub student_id: i64,
    pub current: RosterMark,
}

#[derive(Debug)]
pub enum SaveOutcome {
    /// Saved; `written` marks changed (0 when everything was already so) and `emailed` emails
    /// to parents queued in the outbox.
    Saved { written: usize, emailed: usize },
    /// Nothing saved: these marks were changed by someone else since the page loaded.
    Conflicts(Vec<Conflict>),
}

/// Who is saving and how.
#[derive(Debug, Clone)]
pub struct Saver {
    pub user_id: i64,
    pub office: bool,
    pub at: DateTime<Utc>,
    /// For links in the emails to parents.
    pub public_url: String,
}

/// Saves marks for students of one class on one date: all of them, or none when any conflicts.
/// When another save created one of these marks between our read and our write, the attempt is
/// undone and made again (it then sees that mark: equal → no-op, different → conflict).
pub fn save_marks(
    conn: &mut PgConnection,
    day: &RegisterDay,
    date: NaiveDate,
    marks: &[MarkInput],
    saver: &Saver,
) -> QueryResult<SaveOutcome> {
    for _ in 0..3 {
        match save_marks_once(conn, day, date, marks, saver) {
            Err(diesel::result::Error::RollbackTransaction) => continue,
            other => return other,
        }
    }
    save_marks_once(conn, day, date, marks, saver)
}

fn save_marks_once(
    conn: &mut PgConnection,
    day: &RegisterDay,
    date: NaiveDate,
    marks: &[MarkInput],
    saver: &Saver,
) -> QueryResult<SaveOutcome> {
    let mut marks = marks.to_vec();
    marks.sort_by_key(|m| m.student_id);
    let students: Vec<i64> = marks.iter().map(|m| m.student_id).collect();
    let codes: Vec<i64> = marks.iter().map(|m| m.code_id).collect();
    let versions: Vec<i32> = marks.iter().map(|m| m.version).collect();
    let lates: Vec<Option<i16>> = marks.iter().map(|m| m.late_minutes).collect();
    let notes: Vec<String> = marks.iter().map(|m| m.note.clone()).collect();
    // One statement, atomic on its own: lock the existing marks in student order, find the
    // marks someone else changed since the page was loaded (then nothing is written), upsert the
    // rest with a version guard, append the history and queue the parents' emails. If another
    // save created one of these marks in between, the guard fails the whole statement.
    let result: QueryResult<SaveResult> = crate::db::cached(
        &[
            ("students", "bigint[]"), ("codes", "bigint[]"), ("versions", "int[]"), ("lates", "smallint[]"),
            ("notes", "text[]"), ("school", "bigint"), ("class_id", "bigint"), ("day", "date"), ("source", "text"),
            ("actor", "bigint"), ("at", "timestamptz"), ("public_url", "text"), ("today", "date"),
        ],
        "WITH input AS (
                 SELECT * FROM unnest((SELECT p.students FROM p), (SELECT p.codes FROM p), (SELECT p.versions FROM p), (SELECT p.lates FROM p), (SELECT p.notes FROM p))
                     AS i(student_id, code_id, seen_version, late_minutes, note)),
             cur AS (
                 SELECT a.student_id, a.code_id, a.version, a.late_minutes, a.note
                   FROM attendance a
                  WHERE a.class_id = (SELECT p.class_id FROM p) AND a.date = (SELECT p.day FROM p) AND a.student_id = ANY((SELECT p.students FROM p)::bigint[])
                  ORDER BY a.student_id FOR UPDATE),
             classified AS (
                 SELECT i.*, c.code_id AS from_code, c.note AS from_note, c.version AS cur_version,
                        (c.student_id IS NOT NULL AND c.code_id = i.code_id
                         AND c.late_minutes IS NOT DISTINCT FROM i.late_minutes AND c.note = i.note) AS same
                   FROM input i LEFT JOIN cur c USING (student_id)),
             bad AS (SELECT student_id FROM classified WHERE NOT same AND COALESCE(cur_version, 0) <> seen_version),
             towrite AS (SELECT * FROM classified WHERE NOT same AND NOT EXISTS (SELECT 1 FROM bad)),
             up AS (
                 INSERT INTO attendance (school_id, class_id, student_id, date, code_id, late_minutes, note, version, source, updated_by, updated_at)
                 SELECT (SELECT p.school FROM p), (SELECT p.class_id FROM p), t.student_id, (SELECT p.day FROM p), t.code_id, t.late_minutes, t.note, COALESCE(t.cur_version, 0) + 1, (SELECT p.source FROM p), (SELECT p.actor FROM p), (SELECT p.at FROM p)
                   FROM towrite t ORDER BY t.student_id
                 ON CONFLICT (student_id, class_id, date) DO UPDATE
                    SET code_id = EXCLUDED.code_id, late_minutes = EXCLUDED.late_minutes, note = EXCLUDED.note,
                        version = attendance.version + 1, source = EXCLUDED.source,
                        updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
                  WHERE attendance.version = EXCLUDED.version - 1
                 RETURNING id, student_id, code_id, note, version),
             history AS (
                 INSERT INTO attendance_changes (attendance_id, school_id, changed_by, changed_at, source, from_code_id, to_code_id, from_note, to_note, version)
                 SELECT up.id, (SELECT p.school FROM p), (SELECT p.actor FROM p), (SELECT p.at FROM p), (SELECT p.source FROM p), t.from_code, up.code_id, t.from_note, up.note, up.version
                   FROM up JOIN towrite t USING (student_id)),
             -- Who is told: parents linked with notifications on, once per child, parent and day.
             changed AS (
                 SELECT up.student_id, nc.category AS new_category, oc.category AS old_category,
                        COALESCE(st.preferred_name, st.given_name) AS child, u.id AS parent_id, u.email, u.display_name AS parent_name,
                        cl.name AS class_name, sc.name AS school_name
                   FROM up JOIN towrite i USING (student_id)
                   JOIN attendance_codes nc ON nc.id = up.code_id
                   LEFT JOIN attendance_codes oc ON oc.id = i.from_code
                   JOIN students st ON st.id = up.student_id
                   JOIN parent_students ps ON ps.student_id = up.student_id AND ps.receives_notifications AND ps.may_view
                   JOIN users u ON u.id = ps.parent_id AND u.active
                   JOIN classes cl ON cl.id = (SELECT p.class_id FROM p)
                   JOIN schools sc ON sc.id = (SELECT p.school FROM p)),
             absences AS (
                 INSERT INTO outbox_emails (created_at, school_id, kind, to_address, subject, body_text, next_attempt_at, dedupe_key)
                 SELECT (SELECT p.at FROM p), (SELECT p.school FROM p), 'absence', c.email, c.child || ' was absent from school today',
                        'Dear ' || c.parent_name || E',\n\n' || c.child || ' was marked absent from ' || c.class_name || ' at '
                        || c.school_name || ' on ' || to_char((SELECT p.day FROM p), 'FMDay FMDD FMMonth YYYY') || E'.\n\n'
                        || E'If you know why, you can tell the school here:\n' || (SELECT p.public_url FROM p) || '/parent/children/' || c.student_id
                        || E'\n\nYou receive this because you asked to be told about absences. You can change that under My account.\n',
                        (SELECT p.at FROM p), 'absence:' || c.student_id || ':' || (SELECT p.day FROM p) || ':' || c.parent_id
                   FROM changed c
                  WHERE c.new_category = 'absent' AND c.old_category IS DISTINCT FROM 'absent'
                 ON CONFLICT (dedupe_key) DO NOTHING
                 RETURNING 1),
             corrections AS (
                 INSERT INTO outbox_emails (created_at, school_id, kind, to_address, subject, body_text, next_attempt_at, dedupe_key)
                 SELECT (SELECT p.at FROM p), (SELECT p.school FROM p), 'absence_correction', c.email, 'Correction: ' || c.child || ' is at school today',
                        'Dear ' || c.parent_name || E',\n\n' || c.child || ' was marked absent by mistake on '
                        || to_char((SELECT p.day FROM p), 'FMDay FMDD FMMonth YYYY') || E' and is at school after all. Please ignore our earlier email.\n',
                        (SELECT p.at FROM p), 'absence-correction:' || c.student_id || ':' || (SELECT p.day FROM p) || ':' || c.parent_id
                   FROM changed c
                  WHERE c.old_category = 'absent' AND c.new_category IN ('present', 'late') AND (SELECT p.day FROM p) = (SELECT p.today FROM p)
                    AND EXISTS (SELECT 1 FROM outbox_emails o
                                 WHERE o.dedupe_key = 'absence:' || c.student_id || ':' || (SELECT p.day FROM p) || ':' || c.parent_id)
                 ON CONFLICT (dedupe_key) DO NOTHING
                 RETURNING 1)
             SELECT COALESCE((SELECT array_agg(student_id) FROM bad), '{}') AS conflicting,
                    (SELECT count(*) FROM up) AS written,
                    (SELECT count(*) FROM absences) + (SELECT count(*) FROM corrections) AS emailed,
                    CASE WHEN (SELECT count(*) FROM up) < (SELECT count(*) FROM towrite)
                         THEN rollbook_raise('rollbook: conflicting mark') ELSE 0 END AS guard,
                    -- Only the school's own codes (migration 28 keeps the codes key's promise so).
                    CASE WHEN EXISTS (SELECT 1 FROM input i WHERE NOT EXISTS (
                             SELECT 1 FROM attendance_codes c WHERE c.id = i.code_id AND c.school_id = (SELECT p.school FROM p)))
                         THEN rollbook_raise('rollbook: not one of the school''s attendance codes') ELSE 0 END AS known",
    )
    .bind::<Array<BigInt>, _>(students)
    .bind::<Array<BigInt>, _>(codes)
    .bind::<Array<Integer>, _>(versions)
    .bind::<Array<Nullable<SmallInt>>, _>(lates)
    .bind::<Array<Text>, _>(notes)
    .bind::<BigInt, _>(day.school_id)
    .bind::<BigInt, _>(day.class_id)
    .bind::<Date, _>(date)
    .bind::<Text, _>(if saver.office { "office" } else { "teacher" })
    .bind::<BigInt, _>(saver.user_id)
    .bind::<Timestamptz, _>(saver.at)
    .bind::<Text, _>(saver.public_url.clone())
    .bind::<Date, _>(day.today)
    .get_result(conn);
    let result = crate::db::retry_on_conflict(result)?;
    if result.conflicting.is_empty() {
        return Ok(SaveOutcome::Saved {
            written: result.written as usize,
            emailed: result.emailed as usize,
        });
    }
    let mut conflicts = Vec::new();
    for current in roster_on(conn, day.class_id, date, None)? {
        if result.conflicting.contains(&current.student_id) {
            conflicts.push(Conflict {
                student_id: current.student_id,
                current,
            });
        }
    }
    Ok(SaveOutcome::Conflicts(conflicts))
}

#[derive(QueryableByName)]
struct SaveResult {
    #[diesel(sql_type = Array<BigInt>)]
    conflicting: Vec<i64>,
    #[diesel(sql_type = BigInt)]
    written: i64,
    #[diesel(sql_type = BigInt)]
    emailed: i64,
}

/// For the teacher's home: per class, how many are enrolled, marked and marked absent today.
#[derive(Debug, Clone, QueryableByName)]
pub struct RegisterStatus {
    #[diesel(sql_type = BigInt)]
    pub class_id: i64,
    #[diesel(sql_type = Date)]
    pub today: NaiveDate,
    #[diesel(sql_type = Bool)]
    pub school_day: bool,
    #[diesel(sql_type = BigInt)]
    pub enrolled: i64,
    #[diesel(sql_type = BigInt)]
    pub marked: i64,
    #[diesel(sql_type = BigInt)]
    pub absent: i64,
}

/// Today's register status (school-local today) for the given classes, in one query.
pub fn register_status(
    conn: &mut PgConnection,
    class_ids: &[i64],
    now: DateTime<Utc>,
) -> QueryResult<Vec<RegisterStatus>> {
    crate::db::cached(&[("class_ids", "bigint[]"), ("now", "timestamptz")], "WITH d AS (
             SELECT c.id AS class_id, ((SELECT p.now FROM p)::timestamptz AT TIME ZONE s.timezone)::date AS today, s.id AS school_id, s.weekend_days
               FROM classes c JOIN schools s ON s.id = c.school_id WHERE c.id = ANY((SELECT p.class_ids FROM p)::bigint[]))
         SELECT d.class_id, d.today,
                NOT (EXTRACT(ISODOW FROM d.today)::smallint = ANY (d.weekend_days)
                     OR EXISTS (SELECT 1 FROM non_school_days n WHERE n.school_id = d.school_id AND d.today BETWEEN n.starts_on AND n.ends_on)) AS school_day,
                (SELECT count(*) FROM enrolments e JOIN students st ON st.id = e.student_id
                  WHERE e.class_id = d.class_id AND st.status = 'active' AND e.starts_on <= d.today
                    AND (e.ends_on IS NULL OR e.ends_on >= d.today)) AS enrolled,
                (SELECT count(*) FROM attendance a WHERE a.class_id = d.class_id AND a.date = d.today) AS marked,
                (SELECT count(*) FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id
                  WHERE a.class_id = d.class_id AND a.date = d.today AND ac.category = 'absent') AS absent
           FROM d",
    )
    .bind::<Array<BigInt>, _>(class_ids.to_vec())
    .bind::<Timestamptz, _>(now)
    .load(conn)
}
