//! Stored cells: how `score_grids` carries them, one student's, and who entered them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Double, Integer, Nullable, Text, Timestamptz};

use crate::domain::grades::Entry;

/// A stored cell.
#[derive(Debug, Clone, QueryableByName)]
pub struct ScoreRow {
    #[diesel(sql_type = BigInt)]
    pub assessment_id: i64,
    #[diesel(sql_type = BigInt)]
    pub student_id: i64,
    #[diesel(sql_type = Text, deserialize_as = String)]
    pub status: Status,
    #[diesel(sql_type = Nullable<Double>)]
    pub score: Option<f64>,
    #[diesel(sql_type = Integer)]
    pub version: i32,
    #[diesel(sql_type = Nullable<Text>)]
    pub updated_by: Option<String>,
    /// Loaded with the entering teacher's name (one student's cells, conflicts), else `None`.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub updated_at: Option<DateTime<Utc>>,
}

/// A stored mark's status: `score`, `excused`, `missing` or `blank` (a CHECK constraint keeps
/// them to these), without a string per cell (and compared as a number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status(Kind);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Score,
    Excused,
    Missing,
    Blank,
}

impl Status {
    const SCORE: Self = Self(Kind::Score);
    const EXCUSED: Self = Self(Kind::Excused);
    const MISSING: Self = Self(Kind::Missing);
    pub(super) const BLANK: Self = Self(Kind::Blank);

    pub fn as_str(&self) -> &'static str {
        match self.0 {
            Kind::Score => "score",
            Kind::Excused => "excused",
            Kind::Missing => "missing",
            Kind::Blank => "blank",
        }
    }

    fn of(status: &str) -> Self {
        [Self::SCORE, Self::EXCUSED, Self::MISSING]
            .into_iter()
            .find(|s| s.as_str() == status)
            .unwrap_or(Self::BLANK)
    }
}

impl From<String> for Status {
    fn from(status: String) -> Self {
        Self::of(&status)
    }
}

impl PartialEq<&str> for Status {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What a cell shows for a stored mark (or none): the score, `EX`, `MI` or nothing.
#[derive(Clone, Copy)]
pub struct Shown<'a>(pub Option<&'a ScoreRow>);

impl Shown<'_> {
    /// Writes what the cell shows to `out` (no character in it needs escaping).
    pub fn write_to<W: std::fmt::Write + ?Sized>(&self, out: &mut W) -> std::fmt::Result {
        let Some(row) = self.0 else { return Ok(()) };
        match (row.status, row.score) {
            (Status::SCORE, Some(v)) => crate::domain::grades::StoredScore(v).write_to(out),
            (Status::EXCUSED, _) => out.write_str("EX"),
            (Status::MISSING, _) => out.write_str("MI"),
            _ => Ok(()),
        }
    }
}

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write_to(f)
    }
}

impl ScoreRow {
    /// What the cell shows: the score, `EX`, `MI` or nothing.
    pub fn cell(&self) -> String {
        Shown(Some(self)).to_string()
    }

    pub fn entry(&self) -> Option<Entry> {
        match self.status {
            Status::SCORE => self.score.map(Entry::Score),
            Status::EXCUSED => Some(Entry::Excused),
            Status::MISSING => Some(Entry::Missing),
            _ => None,
        }
    }
}

/// One student's stored cells of the given assessments, with who entered each.
pub fn student_scores(
    conn: &mut PgConnection,
    assessment_ids: &[i64],
    student: i64,
) -> QueryResult<Vec<ScoreRow>> {
    crate::db::statement(include_str!("../sql/list_student_scores.sql"))
        .bind::<Array<BigInt>, _>(assessment_ids.to_vec())
        .bind::<BigInt, _>(student)
        .load(conn)
}

/// A cell's version and status in one number: `version * 8 + ascii(status) % 5`, which is 0 for
/// score, 1 excused, 4 missing and 3 blank (the four a CHECK constraint allows).
struct Stamp(i64);

impl Stamp {
    fn version(&self) -> i32 {
        i32::try_from(self.0.div_euclid(8)).unwrap_or(i32::MAX)
    }

    fn status(&self) -> Status {
        match self.0.rem_euclid(8) {
            0 => Status::SCORE,
            1 => Status::EXCUSED,
            4 => Status::MISSING,
            _ => Status::BLANK,
        }
    }
}

/// One assessment's stored cells as `score_grids.cells` holds them (migration 31): 24 bytes a
/// cell, in student order, each three big-endian `int8`s: the student, the stamp (see `Stamp`)
/// and the score in hundredths, `i64::MIN` where there is none.
pub(super) struct GridColumn<'a> {
    pub(super) assessment_id: i64,
    pub(super) cells: &'a [u8],
}

impl GridColumn<'_> {
    const CELL: usize = 24;
    const NO_SCORE: i64 = i64::MIN;

    pub(super) fn rows(&self) -> QueryResult<impl Iterator<Item = ScoreRow> + '_> {
        if self.cells.len() % Self::CELL != 0 {
            return Err(diesel::result::Error::DeserializationError(
                format!(
                    "score_grids.cells of assessment {}: {} bytes, not whole cells",
                    self.assessment_id,
                    self.cells.len()
                )
                .into(),
            ));
        }
        let assessment_id = self.assessment_id;
        let int8 = |b: &[u8]| i64::from_be_bytes(b.try_into().expect("8 bytes"));
        Ok(self.cells.chunks_exact(Self::CELL).map(move |cell| {
            let (student_id, stamp, score) = (
                int8(&cell[..8]),
                Stamp(int8(&cell[8..16])),
                int8(&cell[16..]),
            );
            ScoreRow {
                assessment_id,
                student_id,
                status: stamp.status(),
                score: (score != Self::NO_SCORE).then(|| crate::db::Hundredths(score).to_f64()),
                version: stamp.version(),
                updated_by: None,
                updated_at: None,
            }
        }))
    }
}

#[derive(QueryableByName)]
struct Who {
    #[diesel(sql_type = BigInt)]
    assessment_id: i64,
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    updated_at: DateTime<Utc>,
}

/// Fills in who entered the given cells (for conflict messages).
pub fn who_entered(
    conn: &mut PgConnection,
    scores: &mut [ScoreRow],
    cells: &[(i64, i64)],
) -> QueryResult<()> {
    let rows: Vec<Who> = crate::db::statement(include_str!("../sql/list_cell_authors.sql"))
        .bind::<Array<BigInt>, _>(cells.iter().map(|c| c.0).collect::<Vec<_>>())
        .bind::<Array<BigInt>, _>(cells.iter().map(|c| c.1).collect::<Vec<_>>())
        .load(conn)?;
    for row in rows {
        if let Some(s) = scores
            .iter_mut()
            .find(|s| s.assessment_id == row.assessment_id && s.student_id == row.student_id)
        {
            s.updated_by = row.name;
            s.updated_at = Some(row.updated_at);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{GridColumn, Stamp};

    #[test]
    fn version_and_status_come_back_from_their_stamp() {
        for status in ["score", "excused", "missing", "blank"] {
            for version in [0, 1, 7, 8, 12345, i32::MAX] {
                // As PostgreSQL computes it: version * 8 + ascii(status) % 5.
                let stamp = Stamp(i64::from(version) * 8 + i64::from(status.as_bytes()[0]) % 5);
                assert_eq!(stamp.status(), status);
                assert_eq!(stamp.version(), version);
            }
        }
    }

    #[test]
    fn a_grids_cells_are_read_whole_and_a_cut_one_is_refused() {
        let cell = |student: i64, stamp: i64, score: i64| -> Vec<u8> {
            [student, stamp, score]
                .iter()
                .flat_map(|n| n.to_be_bytes())
                .collect()
        };
        let mut bytes = cell(7, 3 * 8 + 1, i64::MIN); // excused, version 3
        bytes.extend(cell(9, 12 * 8, 725)); // 7.25, version 12
        bytes.extend(cell(11, 2 * 8 + 4, i64::MIN)); // missing, version 2
        let column = GridColumn {
            assessment_id: 40,
            cells: &bytes,
        };
        let rows: Vec<_> = column.rows().unwrap().collect();
        let seen: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.assessment_id,
                    r.student_id,
                    r.status.as_str(),
                    r.score,
                    r.version,
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                (40, 7, "excused", None, 3),
                (40, 9, "score", Some(7.25), 12),
                (40, 11, "missing", None, 2),
            ]
        );
        assert_eq!(
            GridColumn {
                assessment_id: 40,
                cells: &[]
            }
            .rows()
            .unwrap()
            .count(),
            0
        );
        for end in [1, 23, 25, bytes.len() - 1] {
            let cut = GridColumn {
                assessment_id: 40,
                cells: &bytes[..end],
            };
            assert!(cut.rows().is_err(), "cut at {end}");
        }
    }
}
