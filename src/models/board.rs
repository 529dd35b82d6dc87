//! A school's board of registers for a day (every class expected to take one, with its marks
//! counted by category) and the memo that serves it to everyone watching: the office's
//! attendance page and the dashboards' live figures read the same boards.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};

use crate::memo::Memo;

/// How long a counted board is served before it is counted again: counting every class of a
/// school on every visit would saturate the machine (BENCHMARKS.md, "Kept mechanisms"). Marks
/// saved or a roster changed through this server clear the boards at once.
pub const BOARD_FRESH_SECS: i64 = 10;

/// The boards counted lately, by school and day.
pub struct Boards {
    memo: Memo<(i64, NaiveDate), Vec<BoardRow>>,
    /// The `registers_changed` count the memo's boards were counted after.
    seen: AtomicU64,
}

impl Boards {
    /// The memo, emptied first if registers changed since it was last used.
    fn memo(&self, changes: u64) -> &Memo<(i64, NaiveDate), Vec<BoardRow>> {
        if self.seen.swap(changes, Ordering::AcqRel) != changes {
            self.memo.clear();
        }
        &self.memo
    }
}

/// An empty memo of boards (one per server, in the application's data).
pub fn boards() -> Boards {
    Boards {
        memo: Memo::new(chrono::Duration::seconds(BOARD_FRESH_SECS)),
        seen: AtomicU64::new(0),
    }
}

/// One class's register on the board.
#[derive(Debug, QueryableByName)]
pub struct BoardRow {
    #[diesel(sql_type = BigInt)]
    pub class_id: i64,
    #[diesel(sql_type = Text)]
    pub class_name: String,
    #[diesel(sql_type = BigInt)]
    pub enrolled: i64,
    #[diesel(sql_type = BigInt)]
    pub present: i64,
    #[diesel(sql_type = BigInt)]
    pub late: i64,
    #[diesel(sql_type = BigInt)]
    pub absent: i64,
    #[diesel(sql_type = BigInt)]
    pub excused: i64,
}

impl BoardRow {
    pub fn marked(&self) -> i64 {
        self.present + self.late + self.absent + self.excused
    }

    pub fn state(&self) -> &'static str {
        match self.marked() {
            0 => "not-taken",
            m if m < self.enrolled => "partly",
            _ => "taken",
        }
    }
}

/// A board added up: how many registers are expected, begun and complete, and the marks by
/// category (a school's line on the district's board, a dashboard's live figures).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BoardTotals {
    pub expected: i64,
    /// Registers with at least one mark.
    pub started: i64,
    /// Registers with a mark for every enrolled student.
    pub complete: i64,
    pub present: i64,
    pub late: i64,
    pub absent: i64,
    pub excused: i64,
}

impl BoardTotals {
    pub fn of(board: &[BoardRow]) -> Self {
        board.iter().fold(Self::default(), |t, b| Self {
            expected: t.expected + 1,
            started: t.started + i64::from(b.state() != "not-taken"),
            complete: t.complete + i64::from(b.state() == "taken"),
            present: t.present + b.present,
            late: t.late + b.late,
            absent: t.absent + b.absent,
            excused: t.excused + b.excused,
        })
    }

    pub fn not_taken(&self) -> i64 {
        self.expected - self.started
    }

    pub fn partly(&self) -> i64 {
        self.started - self.complete
    }
}

/// The board of `school` on `date`, counted lately or now, `changes` the `registers_changed`
/// count read before. Call only for a school the user may see.
pub fn find_board(
    conn: &mut PgConnection,
    (boards, changes): (&Boards, u64),
    school: i64,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> QueryResult<Arc<Vec<BoardRow>>> {
    boards
        .memo(changes)
        .get_or_count(&(school, date), now, || list_board(conn, school, date))
}

/// Every class of `school` with a register on `date` (school days only), with its counts.
fn list_board(conn: &mut PgConnection, school: i64, date: NaiveDate) -> QueryResult<Vec<BoardRow>> {
    crate::db::statement(include_str!("sql/list_board_in_school.sql"))
        .bind::<BigInt, _>(school)
        .bind::<Date, _>(date)
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(enrolled: i64, present: i64, absent: i64) -> BoardRow {
        BoardRow {
            class_id: 1,
            class_name: "7A".into(),
            enrolled,
            present,
            late: 1,
            absent,
            excused: 0,
        }
    }

    #[test]
    fn a_board_adds_up_to_registers_begun_complete_and_marks() {
        assert_eq!(BoardTotals::of(&[]), BoardTotals::default());
        let untaken = BoardRow {
            late: 0,
            ..row(30, 0, 0)
        };
        // Complete; partly (20 of 30); not taken; more marks than enrolled (a student marked,
        // then withdrawn) is complete.
        let t = BoardTotals::of(&[row(30, 27, 2), row(30, 18, 1), untaken, row(25, 25, 0)]);
        assert_eq!((t.expected, t.started, t.complete), (4, 3, 2));
        assert_eq!((t.not_taken(), t.partly()), (1, 1));
        assert_eq!((t.present, t.late, t.absent, t.excused), (70, 3, 3, 0));
    }
}
