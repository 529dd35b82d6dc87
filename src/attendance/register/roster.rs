//! Who is on a register, with their marks.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, SmallInt, Text, Timestamptz};

use super::day::{find_register_day, RegisterDay};

/// The register day (authorised as [`find_register_day`]) and its roster: two statements, the
/// roster read only once the day is found.
pub fn day_and_roster(
    conn: &mut PgConnection,
    class_id: i64,
    date: NaiveDate,
    now: DateTime<Utc>,
    teacher: Option<i64>,
    school: Option<i64>,
) -> QueryResult<(RegisterDay, Vec<RosterMark>)> {
    let day = find_register_day(conn, class_id, date, now, teacher, school)?;
    let roster = list_register_marks(conn, class_id, date, false)?;
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

/// A parent a save may email about a student.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub student_id: i64,
    pub parent_id: i64,
    pub parent_name: String,
}

/// What saving a register needs: its day, its roster with marks, the school's name and the
/// parents to email about each student.
pub struct RegisterToSave {
    pub day: RegisterDay,
    pub rows: Vec<RosterMark>,
    pub school_name: String,
    pub recipients: Vec<Recipient>,
}

#[derive(QueryableByName)]
struct SaveRow {
    #[diesel(embed)]
    day: RegisterDay,
    #[diesel(sql_type = Text)]
    school_name: String,
    #[diesel(embed)]
    mark: RosterMark,
    #[diesel(sql_type = diesel::sql_types::Array<BigInt>)]
    parent_ids: Vec<i64>,
    #[diesel(sql_type = diesel::sql_types::Array<Text>)]
    parent_names: Vec<String>,
}

/// The register to save (authorised as [`find_register_day`]) in one statement; a register with
/// no one on it takes a second, to tell "empty" from "not yours" (NotFound).
pub fn find_register_to_save(
    conn: &mut PgConnection,
    class_id: i64,
    date: NaiveDate,
    now: DateTime<Utc>,
    teacher: Option<i64>,
    school: Option<i64>,
) -> QueryResult<RegisterToSave> {
    let found: Vec<SaveRow> = crate::db::statement(include_str!("sql/find_register_to_save.sql"))
        .bind::<BigInt, _>(class_id)
        .bind::<Timestamptz, _>(now)
        .bind::<Date, _>(date)
        .bind::<Nullable<BigInt>, _>(teacher)
        .bind::<Nullable<BigInt>, _>(school)
        .load(conn)?;
    let Some(first) = found.first() else {
        let day = find_register_day(conn, class_id, date, now, teacher, school)?;
        return Ok(RegisterToSave {
            day,
            rows: Vec::new(),
            school_name: String::new(),
            recipients: Vec::new(),
        });
    };
    let (day, school_name) = (first.day.clone(), first.school_name.clone());
    let mut rows = Vec::with_capacity(found.len());
    let mut recipients = Vec::new();
    for row in found {
        for (parent_id, parent_name) in row.parent_ids.into_iter().zip(row.parent_names) {
            recipients.push(Recipient {
                student_id: row.mark.student_id,
                parent_id,
                parent_name,
            });
        }
        rows.push(row.mark);
    }
    Ok(RegisterToSave {
        day,
        rows,
        school_name,
        recipients,
    })
}
