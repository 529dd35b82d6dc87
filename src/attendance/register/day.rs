//! The register's day: the class, its school's calendar and codes, and whether the day's register
//! can be taken or changed.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Text, Timestamptz};

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
