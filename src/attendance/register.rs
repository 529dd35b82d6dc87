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
    crate::db::statement(include_str!("sql/find_register_day.sql"))
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

/// The register day (authorised as [`find_register_day`]) and its roster (everyone, or `only`):
/// two statements, the roster read only once the day is found.
pub fn day_and_roster(
    conn: &mut PgConnection,
    class_id: i64,
    date: NaiveDate,
    now: DateTime<Utc>,
    teacher: Option<i64>,
    school: Option<i64>,
    only: Option<i64>,
) -> QueryResult<(RegisterDay, Vec<RosterMark>)> {
    let day = find_register_day(conn, class_id, date, now, teacher, school)?;
    let roster = match only {
        Some(student_id) => list_register_mark_of(conn, class_id, date, student_id)?,
        None => list_register_marks(conn, class_id, date, false)?,
    };
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

/// Everyone enrolled (and active) in the class on `date`, with their marks, by name; `details`
/// names each mark's code and who set it (a conflict says so, the register page shows neither).
pub fn list_register_marks(
    conn: &mut PgConnection,
    class_id: i64,
    date: NaiveDate,
    details: bool,
) -> QueryResult<Vec<RosterMark>> {
    crate::db::statement(include_str!("sql/list_register_marks.sql"))
        .bind::<BigInt, _>(class_id)
        .bind::<Date, _>(date)
        .bind::<Bool, _>(details)
        .load(conn)
}

/// One student's row of the register on `date` (empty when they are not on it), with the details.
pub fn list_register_mark_of(
    conn: &mut PgConnection,
    class_id: i64,
    date: NaiveDate,
    student_id: i64,
) -> QueryResult<Vec<RosterMark>> {
    crate::db::statement(include_str!("sql/find_register_mark.sql"))
        .bind::<BigInt, _>(class_id)
        .bind::<Date, _>(date)
        .bind::<BigInt, _>(student_id)
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
    let mut marks = marks.to_vec();
    marks.sort_by_key(|m| m.student_id);
    let emails =
        crate::attendance::mail::absence_emails(conn, day, date, &marks, &saver.public_url)?;
    for _ in 0..3 {
        match save_marks_once(conn, day, date, &marks, &emails, saver) {
            Err(diesel::result::Error::RollbackTransaction) => continue,
            other => return other,
        }
    }
    save_marks_once(conn, day, date, &marks, &emails, saver)
}

fn save_marks_once(
    conn: &mut PgConnection,
    day: &RegisterDay,
    date: NaiveDate,
    marks: &[MarkInput],
    emails: &crate::attendance::mail::AbsenceEmails,
    saver: &Saver,
) -> QueryResult<SaveOutcome> {
    let students: Vec<i64> = marks.iter().map(|m| m.student_id).collect();
    let codes: Vec<i64> = marks.iter().map(|m| m.code_id).collect();
    let versions: Vec<i32> = marks.iter().map(|m| m.version).collect();
    let lates: Vec<Option<i16>> = marks.iter().map(|m| m.late_minutes).collect();
    let notes: Vec<String> = marks.iter().map(|m| m.note.clone()).collect();
    let result: QueryResult<SaveResult> =
        crate::db::statement(include_str!("sql/upsert_register_marks.sql"))
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
            .bind::<Date, _>(day.today)
            .bind::<Array<BigInt>, _>(emails.students.clone())
            .bind::<Array<BigInt>, _>(emails.parents.clone())
            .bind::<Array<Text>, _>(emails.absence_subjects.clone())
            .bind::<Array<Text>, _>(emails.absence_bodies.clone())
            .bind::<Array<Text>, _>(emails.correction_subjects.clone())
            .bind::<Array<Text>, _>(emails.correction_bodies.clone())
            .get_result(conn);
    let result = crate::db::retry_on_conflict(result)?;
    if result.conflicting.is_empty() {
        return Ok(SaveOutcome::Saved {
            written: result.written as usize,
            emailed: result.emailed as usize,
        });
    }
    let mut conflicts = Vec::new();
    for current in list_register_marks(conn, day.class_id, date, true)? {
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
    crate::db::statement(include_str!("sql/list_register_status.sql"))
        .bind::<Array<BigInt>, _>(class_ids.to_vec())
        .bind::<Timestamptz, _>(now)
        .load(conn)
}
