//! Saving marks: all of a save, or none when someone else changed one of them first.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Integer, Nullable, SmallInt, Text, Timestamptz};

use super::day::RegisterDay;
use super::mail::{absence_emails, AbsenceEmails};
use super::roster::{list_register_marks, RegisterToSave, RosterMark};

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
    /// Saved; `written` marks changed (0 when everything was already so), each changed
    /// student's new version in `versions`, and `emailed` emails to parents queued in the outbox.
    Saved {
        written: usize,
        emailed: usize,
        versions: Vec<(i64, i32)>,
    },
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
    register: &RegisterToSave,
    date: NaiveDate,
    marks: &[MarkInput],
    saver: &Saver,
) -> QueryResult<SaveOutcome> {
    let mut marks = marks.to_vec();
    marks.sort_by_key(|m| m.student_id);
    let emails = absence_emails(register, date, &marks, &saver.public_url)?;
    let day = &register.day;
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
    emails: &AbsenceEmails,
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
            versions: result
                .saved_students
                .into_iter()
                .zip(result.saved_versions)
                .collect(),
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
    #[diesel(sql_type = Array<BigInt>)]
    saved_students: Vec<i64>,
    #[diesel(sql_type = Array<Integer>)]
    saved_versions: Vec<i32>,
    #[diesel(sql_type = BigInt)]
    emailed: i64,
}
