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

/// One assessment's stored cells as `score_grids` holds them: three arrays in student order, the
/// student, the stamp (see `Stamp`) and the score.
pub(super) struct GridColumn<'a> {
    pub(super) assessment_id: i64,
    pub(super) student_ids: &'a [i64],
    pub(super) stamps: &'a [i64],
    pub(super) scores: &'a [Option<f64>],
}

impl GridColumn<'_> {
    pub(super) fn rows(&self) -> QueryResult<impl Iterator<Item = ScoreRow> + '_> {
        let n = self.student_ids.len();
        if self.stamps.len() != n || self.scores.len() != n {
            return Err(diesel::result::Error::DeserializationError(
                format!(
                    "score_grids of assessment {}: arrays of {n}, {} and {} cells",
                    self.assessment_id,
                    self.stamps.len(),
                    self.scores.len()
                )
                .into(),
            ));
        }
        let assessment_id = self.assessment_id;
        Ok((0..n).map(move |i| {
            let stamp = Stamp(self.stamps[i]);
            ScoreRow {
                assessment_id,
                student_id: self.student_ids[i],
                status: stamp.status(),
                score: self.scores[i],
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
    fn a_grids_cells_are_read_whole_and_uneven_arrays_are_refused() {
        // Excused at version 3, 7.25 at version 12, missing at version 2.
        let (students, stamps, scores) = (
            [7, 9, 11],
            [3 * 8 + 1, 12 * 8, 2 * 8 + 4],
            [None, Some(7.25), None],
        );
        let column = GridColumn {
            assessment_id: 40,
            student_ids: &students,
            stamps: &stamps,
            scores: &scores,
        };
        let seen: Vec<_> = column
            .rows()
            .unwrap()
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
        let uneven = GridColumn {
            assessment_id: 40,
            student_ids: &students,
            stamps: &stamps[..2],
            scores: &scores,
        };
        assert!(uneven.rows().is_err());
    }
}
