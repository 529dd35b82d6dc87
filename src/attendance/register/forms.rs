//! Reading a submitted register: the marks, and the students it names who are not on the roster.

use std::collections::HashMap;

use super::{Code, MarkInput, RosterMark};
use crate::db;
use crate::error::AppError;
use crate::AppState;

/// Reads `mark_{id}`, `version_{id}`, `late_{id}` and `note_{id}` for the students on the roster.
pub(super) fn parse_marks(
    fields: &[(String, String)],
    rows: &[RosterMark],
    codes: &[Code],
    only: Option<i64>,
    all_present: bool,
) -> (Vec<MarkInput>, Vec<String>) {
    let map: HashMap<&str, &str> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut marks = Vec::new();
    let mut errors = Vec::new();
    let present = codes.iter().find(|c| c.category == "present").map(|c| c.id);
    for row in rows
        .iter()
        .filter(|r| only.is_none_or(|o| o == r.student_id))
    {
        let id = row.student_id;
        let get = |k: &str| {
            map.get(format!("{k}_{id}").as_str())
                .map(|v| v.trim())
                .unwrap_or("")
        };
        let version = get("version").parse::<i32>().unwrap_or(0);
        let code = match get("mark") {
            "" if all_present && row.code_id.is_none() => match present {
                Some(p) => p,
                None => continue,
            },
            "" => continue,
            raw => match raw
                .parse::<i64>()
                .ok()
                .filter(|c| codes.iter().any(|k| k.id == *c))
            {
                Some(c) => c,
                None => {
                    errors.push(format!(
                        "{}: choose one of the codes shown.",
                        row.display_name()
                    ));
                    continue;
                }
            },
        };
        let late_minutes = match get("late") {
            "" => None,
            raw => match raw.parse::<i16>().ok().filter(|m| (0..=600).contains(m)) {
                Some(m) => Some(m),
                None => {
                    errors.push(format!(
                        "{}: minutes late must be a whole number from 0 to 600.",
                        row.display_name()
                    ));
                    continue;
                }
            },
        };
        let note = get("note").to_string();
        if note.chars().count() > 500 {
            errors.push(format!(
                "{}: a note has at most 500 characters.",
                row.display_name()
            ));
            continue;
        }
        let is_late = codes.iter().any(|c| c.id == code && c.category == "late");
        marks.push(MarkInput {
            student_id: id,
            code_id: code,
            version,
            late_minutes: late_minutes.filter(|_| is_late),
            note,
        });
    }
    (marks, errors)
}

/// The students a register form names (`mark_{id}`, `late_{id}`, …) who are not on its roster.
pub(super) fn off_roster(fields: &[(String, String)], rows: &[RosterMark]) -> Vec<i64> {
    let mut ids: Vec<i64> = fields
        .iter()
        .filter_map(|(k, _)| {
            let (field, id) = k.split_once('_')?;
            ["mark", "late", "note", "version"]
                .contains(&field)
                .then(|| id.parse::<i64>().ok())?
        })
        .filter(|id| !rows.iter().any(|r| r.student_id == *id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// One sentence per student a save named who is not enrolled in the class that day: by name
/// when the student is the school's, else by number (another school's names are not shown).
pub(super) async fn off_roster_errors(
    state: &AppState,
    school_id: i64,
    ids: Vec<i64>,
) -> Result<Vec<String>, AppError> {
    use crate::schema::students;
    use diesel::prelude::*;
    let asked = ids.clone();
    let named: Vec<(i64, String, String)> = db::run(&state.pool, move |conn| {
        Ok(students::table
            .filter(students::id.eq_any(&asked))
            .filter(students::school_id.eq(school_id))
            .select((students::id, students::given_name, students::family_name))
            .load(conn)?)
    })
    .await?;
    Ok(ids
        .iter()
        .map(|id| {
            let who = named
                .iter()
                .find(|(n, _, _)| n == id)
                .map_or(format!("Student {id}"), |(_, g, f)| format!("{g} {f}"));
            format!("{who} is not enrolled in this class on this day, so nothing was saved.")
        })
        .collect())
}
