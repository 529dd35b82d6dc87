//! Behaviour and participation records, for a class's teachers, a parent and the office.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text};

/// A behaviour record.
#[derive(Debug, Clone)]
pub struct BehaviourRecord {
    pub id: i64,
    pub student_id: i64,
    pub student_name: String,
    pub category: String,
    pub kind: String,
    pub date: NaiveDate,
    pub note: String,
    pub recorded_by: Option<String>,
}

/// A participation record.
#[derive(Debug, Clone)]
pub struct ParticipationRecord {
    pub id: i64,
    pub student_id: i64,
    pub student_name: String,
    pub event: String,
    pub date: NaiveDate,
    pub status: String,
    pub remarks: String,
}

/// Behaviour and participation records from a day, each newest first.
pub struct Records {
    pub behaviour: Vec<BehaviourRecord>,
    pub participation: Vec<ParticipationRecord>,
}

/// A row of `list_class_records.sql` (and of the records part of `find_student_work.sql`):
/// part 1 a behaviour record, 2 a participation record, each in its own columns.
#[derive(QueryableByName)]
pub(super) struct RecordRow {
    #[diesel(sql_type = Integer)]
    part: i32,
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = Text)]
    student_name: String,
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Date)]
    date: NaiveDate,
    #[diesel(sql_type = Text)]
    note: String,
    #[diesel(sql_type = Nullable<Text>)]
    recorded_by: Option<String>,
    #[diesel(sql_type = Text)]
    event: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    remarks: String,
}

/// The SQL types of a [`RecordRow`] as a record, in its columns' order.
pub(super) type RecordSql = (
    Integer,
    BigInt,
    BigInt,
    Text,
    Text,
    Text,
    Date,
    Text,
    Nullable<Text>,
    Text,
    Text,
    Text,
);

/// A [`RecordRow`] read as a record of an array part.
pub(super) type RecordTuple = (
    i32,
    i64,
    i64,
    String,
    String,
    String,
    NaiveDate,
    String,
    Option<String>,
    String,
    String,
    String,
);

impl From<RecordTuple> for RecordRow {
    fn from(r: RecordTuple) -> Self {
        let (part, id, student_id, student_name, category, kind, date, note, recorded_by) =
            (r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8);
        RecordRow {
            part,
            id,
            student_id,
            student_name,
            category,
            kind,
            date,
            note,
            recorded_by,
            event: r.9,
            status: r.10,
            remarks: r.11,
        }
    }
}

/// A class's records of both kinds from `since`, in one statement (its page shows both).
pub fn list_class_records(
    conn: &mut PgConnection,
    class_id: i64,
    since: NaiveDate,
) -> QueryResult<Records> {
    let rows: Vec<RecordRow> = crate::db::statement(include_str!("../sql/list_class_records.sql"))
        .bind::<BigInt, _>(class_id)
        .bind::<Date, _>(since)
        .load(conn)?;
    Ok(Records::from_rows(rows))
}

impl Records {
    /// Rows in any order: each kind newest first (by date, then by the latest recorded).
    pub(super) fn from_rows(rows: Vec<RecordRow>) -> Self {
        let mut out = Records {
            behaviour: Vec::new(),
            participation: Vec::new(),
        };
        for r in rows {
            if r.part == 1 {
                out.behaviour.push(BehaviourRecord {
                    id: r.id,
                    student_id: r.student_id,
                    student_name: r.student_name,
                    category: r.category,
                    kind: r.kind,
                    date: r.date,
                    note: r.note,
                    recorded_by: r.recorded_by,
                });
            } else {
                out.participation.push(ParticipationRecord {
                    id: r.id,
                    student_id: r.student_id,
                    student_name: r.student_name,
                    event: r.event,
                    date: r.date,
                    status: r.status,
                    remarks: r.remarks,
                });
            }
        }
        out.behaviour
            .sort_by_key(|b| (std::cmp::Reverse(b.date), std::cmp::Reverse(b.id)));
        out.participation
            .sort_by_key(|p| (std::cmp::Reverse(p.date), std::cmp::Reverse(p.id)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{RecordTuple, Records};
    use chrono::NaiveDate;

    #[test]
    fn records_come_apart_by_kind_each_newest_first() {
        let row = |part: i32, id: i64, day: u32, text: &str| -> RecordTuple {
            (
                part,
                id,
                7,
                "Doe, Jo".to_string(),
                if part == 1 {
                    text.to_string()
                } else {
                    String::new()
                },
                "negative".to_string(),
                NaiveDate::from_ymd_opt(2026, 10, day).unwrap(),
                String::new(),
                None,
                if part == 2 {
                    text.to_string()
                } else {
                    String::new()
                },
                "winner".to_string(),
                String::new(),
            )
        };
        let rows = vec![
            row(1, 4, 2, "Late"),
            row(2, 9, 1, "Chess"),
            row(1, 6, 3, "Rude"),
            row(1, 5, 3, "Loud"),
            row(2, 8, 5, "Choir"),
        ];
        let out = Records::from_rows(rows.into_iter().map(Into::into).collect());
        let behaviour: Vec<(i64, &str)> = out
            .behaviour
            .iter()
            .map(|b| (b.id, b.category.as_str()))
            .collect();
        assert_eq!(behaviour, vec![(6, "Rude"), (5, "Loud"), (4, "Late")]);
        let participation: Vec<(i64, &str)> = out
            .participation
            .iter()
            .map(|p| (p.id, p.event.as_str()))
            .collect();
        assert_eq!(participation, vec![(8, "Choir"), (9, "Chess")]);
    }
}
