//! Gradebook data. Authorisation lives in the WHERE clauses: a teacher finds only the
//! class-and-subject pairs they teach (or the subjects of a class they cover today), the office
//! only its school's.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Double, Integer, Nullable, Text, Timestamptz};

use crate::domain::grades::{Entry, GradeScale, Policy};

pub use crate::models::terms::{list_terms, pick_term, roster_date, Term};
pub use crate::models::work::{
    find_grade_scale as grade_scale, find_school_rules as rules_for_student, marks_and_weights,
    subject_results, BehaviourRecord, MarksAndWeights, PairWeight, ParticipationRecord, Records,
    SchoolRules, StudentMark, SubjectResult,
};

/// One class-and-subject gradebook and its school's rules.
#[derive(Debug, Clone, QueryableByName)]
pub struct Book {
    #[diesel(sql_type = BigInt)]
    pub class_id: i64,
    #[diesel(sql_type = Text)]
    pub class_name: String,
    #[diesel(sql_type = BigInt)]
    pub subject_id: i64,
    #[diesel(sql_type = Text)]
    pub subject_name: String,
    #[diesel(sql_type = BigInt)]
    pub school_id: i64,
    #[diesel(sql_type = BigInt)]
    pub academic_year_id: i64,
    #[diesel(sql_type = Bool)]
    pub missing_counts_as_zero: bool,
    #[diesel(sql_type = Date)]
    pub today: NaiveDate,
}

impl Book {
    pub fn policy(&self) -> Policy {
        Policy {
            missing_counts_as_zero: self.missing_counts_as_zero,
        }
    }
}

/// A gradebook with its year's terms, the school's categories with this class-and-subject's
/// weights, and the school's grade scale: what every grid needs, in one round trip.
pub struct BookWithSettings {
    pub book: Book,
    pub terms: Vec<Term>,
    pub categories: Vec<Category>,
    pub scale: GradeScale,
}

#[derive(QueryableByName)]
struct BookSettingsRow {
    #[diesel(embed)]
    book: Book,
    #[diesel(sql_type = Array<BigInt>)]
    term_ids: Vec<i64>,
    #[diesel(sql_type = Array<Text>)]
    term_names: Vec<String>,
    #[diesel(sql_type = Array<Date>)]
    term_starts: Vec<NaiveDate>,
    #[diesel(sql_type = Array<Date>)]
    term_ends: Vec<NaiveDate>,
    #[diesel(sql_type = Array<BigInt>)]
    category_ids: Vec<i64>,
    #[diesel(sql_type = Array<Text>)]
    category_names: Vec<String>,
    #[diesel(sql_type = Array<Nullable<Double>>)]
    category_weights: Vec<Option<f64>>,
    #[diesel(sql_type = Array<Text>)]
    band_letters: Vec<String>,
    #[diesel(sql_type = Array<Double>)]
    band_mins: Vec<f64>,
}

/// The gradebook of `class_id` × `subject_id` for a teacher who teaches it (NotFound otherwise),
/// with its year's terms, categories and grade scale in the same statement.
pub fn find_book_with_settings(
    conn: &mut PgConnection,
    class_id: i64,
    subject_id: i64,
    now: DateTime<Utc>,
    teacher: i64,
) -> QueryResult<BookWithSettings> {
    let row: BookSettingsRow =
        crate::db::statement(include_str!("sql/find_book_with_settings.sql"))
            .bind::<BigInt, _>(class_id)
            .bind::<BigInt, _>(subject_id)
            .bind::<Timestamptz, _>(now)
            .bind::<BigInt, _>(teacher)
            .get_result(conn)?;
    let terms = (row.term_ids.into_iter().zip(row.term_names))
        .zip(row.term_starts.into_iter().zip(row.term_ends))
        .map(|((id, name), (starts_on, ends_on))| Term {
            id,
            name,
            starts_on,
            ends_on,
        })
        .collect();
    let categories = (row.category_ids.into_iter().zip(row.category_names))
        .zip(row.category_weights)
        .map(|((id, name), weight)| Category { id, name, weight })
        .collect();
    Ok(BookWithSettings {
        book: row.book,
        terms,
        categories,
        scale: crate::models::work::scale_of(
            row.band_letters.into_iter().zip(row.band_mins).collect(),
        ),
    })
}

/// The class and subject of an assessment (whoever teaches them; [`find_book_with_settings`]
/// checks that).
pub fn assessment_book(
    conn: &mut PgConnection,
    assessment_id: i64,
) -> QueryResult<Option<(i64, i64)>> {
    use crate::schema::assessments::dsl as a;
    a::assessments
        .find(assessment_id)
        .select((a::class_id, a::subject_id))
        .first(conn)
        .optional()
}

/// The gradebooks (subjects) a teacher has in a class, for the class page.
#[derive(Debug, Clone, QueryableByName)]
pub struct SubjectLink {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
}

pub fn taught_subjects(
    conn: &mut PgConnection,
    class_id: i64,
    teacher: i64,
    today: NaiveDate,
) -> QueryResult<Vec<SubjectLink>> {
    crate::db::statement(include_str!("sql/list_taught_subjects.sql"))
        .bind::<BigInt, _>(class_id)
        .bind::<BigInt, _>(teacher)
        .bind::<Date, _>(today)
        .load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Assessment {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = BigInt)]
    pub category_id: i64,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = BigInt)]
    pub term_id: i64,
    #[diesel(sql_type = Date)]
    pub date: NaiveDate,
    #[diesel(sql_type = Double)]
    pub max_score: f64,
    #[diesel(sql_type = Bool)]
    pub published: bool,
    #[diesel(sql_type = Bool)]
    pub archived: bool,
    #[diesel(sql_type = Integer)]
    pub version: i32,
    /// Cells with something entered (not blank).
    #[diesel(sql_type = BigInt)]
    pub entered: i64,
}

impl Assessment {
    pub fn max_label(&self) -> String {
        crate::domain::grades::format_score(self.max_score)
    }
}

/// Which of a book's assessments: a term's (archived ones left out), or one by id (archived or
/// not), in a given term or any. Two statements each, so each keeps its own plan.
#[derive(Debug, Clone, Copy)]
pub enum Which {
    Term(i64),
    One { id: i64, term: Option<i64> },
}

/// A book's assessments, by date. `count_entered`: count each one's entered cells (otherwise
/// `entered` is 0; [`assessments_with_cells`] counts them from the cells it loads).
pub fn list_assessments(
    conn: &mut PgConnection,
    book: &Book,
    which: Which,
    count_entered: bool,
) -> QueryResult<Vec<Assessment>> {
    let query = match which {
        Which::Term(term) => crate::db::statement(include_str!("sql/list_term_assessments.sql"))
            .bind::<BigInt, _>(book.class_id)
            .bind::<BigInt, _>(book.subject_id)
            .bind::<BigInt, _>(term),
        Which::One { id, term } => {
            crate::db::statement(include_str!("sql/find_book_assessment.sql"))
                .bind::<BigInt, _>(book.class_id)
                .bind::<BigInt, _>(book.subject_id)
                .bind::<BigInt, _>(id)
                .bind::<Nullable<BigInt>, _>(term)
        }
    };
    query.bind::<Bool, _>(count_entered).load(conn)
}

#[derive(QueryableByName)]
struct AssessmentWithGrid {
    #[diesel(embed)]
    assessment: Assessment,
    #[diesel(sql_type = diesel::sql_types::Binary)]
    cells: Vec<u8>,
}

/// [`list_assessments`] (`entered` counted from the cells) and every stored cell of them, in one
/// statement: each assessment comes with its row of `score_grids` (kept in step with `scores` by
/// triggers), instead of hundreds of cells gathered one by one. The cells travel as one byte
/// string per assessment (`score_grids.cells`, see [`GridColumn`]), which PostgreSQL sends and
/// the server reads without a step per element. Cells come without who entered them (a join per
/// cell would cost more than the rest of the page); [`who_entered`] finds them for the few cells
/// that need them.
pub fn assessments_with_cells(
    conn: &mut PgConnection,
    book: &Book,
    which: Which,
) -> QueryResult<(Vec<Assessment>, Vec<ScoreRow>)> {
    let query = match which {
        Which::Term(term) => {
            crate::db::statement(include_str!("sql/list_term_assessments_with_cells.sql"))
                .bind::<BigInt, _>(book.class_id)
                .bind::<BigInt, _>(book.subject_id)
                .bind::<BigInt, _>(term)
        }
        Which::One { id, term } => {
            crate::db::statement(include_str!("sql/find_book_assessment_with_cells.sql"))
                .bind::<BigInt, _>(book.class_id)
                .bind::<BigInt, _>(book.subject_id)
                .bind::<BigInt, _>(id)
                .bind::<Nullable<BigInt>, _>(term)
        }
    };
    let rows: Vec<AssessmentWithGrid> = query.load(conn)?;
    let mut cells = Vec::new();
    let assessments = rows
        .into_iter()
        .map(|mut row| -> QueryResult<Assessment> {
            let column = GridColumn {
                assessment_id: row.assessment.id,
                cells: &row.cells,
            };
            let before = cells.len();
            cells.extend(column.rows()?);
            row.assessment.entered = cells[before..]
                .iter()
                .filter(|c| c.status != Status::BLANK)
                .count() as i64;
            Ok(row.assessment)
        })
        .collect::<QueryResult<_>>()?;
    Ok((assessments, cells))
}

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
    const BLANK: Self = Self(Kind::Blank);

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
    crate::db::statement(include_str!("sql/list_student_scores.sql"))
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
struct GridColumn<'a> {
    assessment_id: i64,
    cells: &'a [u8],
}

impl GridColumn<'_> {
    const CELL: usize = 24;
    const NO_SCORE: i64 = i64::MIN;

    fn rows(&self) -> QueryResult<impl Iterator<Item = ScoreRow> + '_> {
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
    let rows: Vec<Who> = crate::db::statement(include_str!("sql/list_cell_authors.sql"))
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

#[derive(Debug, Clone, QueryableByName)]
pub struct Category {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    /// The class-and-subject's weight, if set.
    #[diesel(sql_type = Nullable<Double>)]
    pub weight: Option<f64>,
}

pub fn weights_of(categories: &[Category]) -> BTreeMap<String, f64> {
    categories
        .iter()
        .filter_map(|c| c.weight.map(|w| (c.name.clone(), w)))
        .collect()
}

/// A cell as submitted: `status` is score, excused, missing or blank.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreInput {
    pub assessment_id: i64,
    pub student_id: i64,
    pub status: &'static str,
    pub score: Option<f64>,
    /// The version the page showed (0: nothing stored yet).
    pub version: i32,
}

impl ScoreInput {
    pub fn new(assessment_id: i64, student_id: i64, entry: Option<Entry>, version: i32) -> Self {
        let (status, score) = match entry {
            None => ("blank", None),
            Some(Entry::Score(s)) => ("score", Some(s)),
            Some(Entry::Excused) => ("excused", None),
            Some(Entry::Missing) => ("missing", None),
        };
        Self {
            assessment_id,
            student_id,
            status,
            score,
            version,
        }
    }
}

#[derive(Debug)]
pub enum SaveOutcome {
    Saved {
        written: usize,
    },
    /// Nothing saved: these cells (assessment, student) changed since the page loaded.
    Conflicts(Vec<(i64, i64)>),
}

#[derive(QueryableByName)]
struct SaveResult {
    #[diesel(sql_type = Array<BigInt>)]
    conflict_assessments: Vec<i64>,
    #[diesel(sql_type = Array<BigInt>)]
    conflict_students: Vec<i64>,
    #[diesel(sql_type = BigInt)]
    written: i64,
}

/// Saves cells of one gradebook: all of them, or none when any was changed by someone else
/// since the page loaded. A cell equal to the stored one is a no-op whatever version it carries.
/// One statement (`upsert_scores.sql`). The caller has checked that every assessment belongs
/// to `book` and every student is on its roster.
pub fn save_scores(
    conn: &mut PgConnection,
    book: &Book,
    cells: &[ScoreInput],
    actor: i64,
    at: DateTime<Utc>,
) -> QueryResult<SaveOutcome> {
    for _ in 0..3 {
        match save_scores_once(conn, book, cells, actor, at) {
            Err(diesel::result::Error::RollbackTransaction) => continue,
            other => return other,
        }
    }
    save_scores_once(conn, book, cells, actor, at)
}

fn save_scores_once(
    conn: &mut PgConnection,
    book: &Book,
    cells: &[ScoreInput],
    actor: i64,
    at: DateTime<Utc>,
) -> QueryResult<SaveOutcome> {
    let mut cells = cells.to_vec();
    cells.sort_by_key(|c| (c.assessment_id, c.student_id));
    cells.dedup_by_key(|c| (c.assessment_id, c.student_id));
    let result: QueryResult<SaveResult> =
        crate::db::statement(include_str!("sql/upsert_scores.sql"))
            .bind::<Array<BigInt>, _>(cells.iter().map(|c| c.assessment_id).collect::<Vec<_>>())
            .bind::<Array<BigInt>, _>(cells.iter().map(|c| c.student_id).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(
                cells
                    .iter()
                    .map(|c| c.status.to_string())
                    .collect::<Vec<_>>(),
            )
            .bind::<Array<Nullable<Double>>, _>(cells.iter().map(|c| c.score).collect::<Vec<_>>())
            .bind::<Array<Integer>, _>(cells.iter().map(|c| c.version).collect::<Vec<_>>())
            .bind::<BigInt, _>(book.class_id)
            .bind::<BigInt, _>(book.subject_id)
            .bind::<BigInt, _>(book.school_id)
            .bind::<BigInt, _>(actor)
            .bind::<Timestamptz, _>(at)
            .get_result(conn);
    let result = crate::db::retry_on_conflict(result)?;
    if result.conflict_assessments.is_empty() {
        return Ok(SaveOutcome::Saved {
            written: result.written as usize,
        });
    }
    Ok(SaveOutcome::Conflicts(
        result
            .conflict_assessments
            .into_iter()
            .zip(result.conflict_students)
            .collect(),
    ))
}

/// The school's defaults for a new school: assessment categories, letter bands and behaviour
/// categories (attendance codes live with attendance).
pub fn insert_school_defaults(conn: &mut PgConnection, school_id: i64) -> QueryResult<()> {
    use crate::schema::{assessment_categories as ac, behaviour_categories as bc};
    let assessment_kinds = ["Quiz", "Test", "Exam", "Assignment"];
    diesel::insert_into(ac::table)
        .values(
            (1i16..)
                .zip(assessment_kinds)
                .map(|(position, name)| {
                    (
                        ac::school_id.eq(school_id),
                        ac::name.eq(name),
                        ac::position.eq(position),
                    )
                })
                .collect::<Vec<_>>(),
        )
        .execute(conn)?;
    crate::db::statement(include_str!("sql/insert_default_grade_bands.sql"))
        .bind::<BigInt, _>(school_id)
        .execute(conn)?;
    let behaviour_kinds = [
        ("Helpful to others", "positive"),
        ("Excellent effort", "positive"),
        ("Disruption", "negative"),
        ("Homework not done", "negative"),
        ("Unkind behaviour", "negative"),
    ];
    diesel::insert_into(bc::table)
        .values(
            (1i16..)
                .zip(behaviour_kinds)
                .map(|(position, (name, kind))| {
                    (
                        bc::school_id.eq(school_id),
                        bc::name.eq(name),
                        bc::kind.eq(kind),
                        bc::position.eq(position),
                    )
                })
                .collect::<Vec<_>>(),
        )
        .execute(conn)?;
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
