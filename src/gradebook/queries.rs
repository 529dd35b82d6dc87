//! Gradebook data. Authorisation lives in the WHERE clauses: a teacher finds only the
//! class-and-subject pairs they teach (or the subjects of a class they cover today), the office
//! only its school's.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Double, Integer, Nullable, Text, Timestamptz};

use crate::domain::grades::{Entry, GradeScale, Mark, Policy};

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

/// The SQL condition "teacher `t` teaches subject `s` to class c": a subject assignment, or
/// cover of the class today for a subject the class is taught.
pub fn teaches_subject(t: &str, s: &str, today: &str) -> String {
    format!(
        "(EXISTS (SELECT 1 FROM teacher_assignments ta WHERE ta.class_id = c.id AND ta.teacher_id = {t} AND ta.subject_id = {s})
          OR (EXISTS (SELECT 1 FROM cover_assignments ca WHERE ca.class_id = c.id AND ca.teacher_id = {t}
                        AND ca.starts_on <= {today} AND ca.ends_on >= {today})
              AND EXISTS (SELECT 1 FROM teacher_assignments tb WHERE tb.class_id = c.id AND tb.subject_id = {s})))"
    )
}

/// The gradebook row of `class_id` × `subject_id` for the teacher `teacher` if they teach it
/// (no row otherwise).
fn book_sql() -> String {
    format!(
        "WITH x AS (
           SELECT c.id AS class_id, c.name AS class_name, sub.id AS subject_id, sub.name AS subject_name,
                  c.school_id, c.academic_year_id, s.missing_counts_as_zero,
                  ((SELECT p.now FROM p) AT TIME ZONE s.timezone)::date AS today
             FROM classes c JOIN schools s ON s.id = c.school_id
             JOIN subjects sub ON sub.id = (SELECT p.subject_id FROM p) AND sub.school_id = c.school_id
            WHERE c.id = (SELECT p.class_id FROM p))
         SELECT x.* FROM x JOIN classes c ON c.id = x.class_id
          WHERE {}",
        teaches_subject("(SELECT p.teacher FROM p)", "(SELECT p.subject_id FROM p)", "x.today")
    )
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
/// with its year's terms ([`list_terms`]), categories and grade scale ([`grade_scale`]) in the
/// same statement.
pub fn find_book_with_settings(
    conn: &mut PgConnection,
    class_id: i64,
    subject_id: i64,
    now: DateTime<Utc>,
    teacher: i64,
) -> QueryResult<BookWithSettings> {
    let row: BookSettingsRow = crate::db::cached(
        &[("class_id", "bigint"), ("subject_id", "bigint"), ("now", "timestamptz"), ("teacher", "bigint")],
        format!(
            "WITH b AS ({})
             SELECT b.*, t.*, c.*, g.*
               FROM b
              CROSS JOIN LATERAL (
                    SELECT coalesce(array_agg(t.id ORDER BY t.starts_on, t.id), '{{}}') AS term_ids,
                           coalesce(array_agg(t.name ORDER BY t.starts_on, t.id), '{{}}') AS term_names,
                           coalesce(array_agg(t.starts_on ORDER BY t.starts_on, t.id), '{{}}') AS term_starts,
                           coalesce(array_agg(t.ends_on ORDER BY t.starts_on, t.id), '{{}}') AS term_ends
                      FROM terms t WHERE t.academic_year_id = b.academic_year_id) t
              CROSS JOIN LATERAL (
                    SELECT coalesce(array_agg(ac.id ORDER BY ac.position, ac.name), '{{}}') AS category_ids,
                           coalesce(array_agg(ac.name ORDER BY ac.position, ac.name), '{{}}') AS category_names,
                           coalesce(array_agg(cw.weight::float8 ORDER BY ac.position, ac.name), '{{}}') AS category_weights
                      FROM assessment_categories ac
                      LEFT JOIN category_weights cw ON cw.category_id = ac.id AND cw.class_id = b.class_id
                                                   AND cw.subject_id = b.subject_id
                     WHERE ac.school_id = b.school_id) c
              CROSS JOIN LATERAL {} g",
            book_sql(),
            bands_lateral("b.school_id")
        ),
    )
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
        scale: scale_of(row.band_letters.into_iter().zip(row.band_mins).collect()),
    })
}

/// The class and subject of an assessment (whoever teaches them; [`find_book_with_settings`]
/// checks that).
pub fn assessment_book(
    conn: &mut PgConnection,
    assessment_id: i64,
) -> QueryResult<Option<(i64, i64)>> {
    #[derive(QueryableByName)]
    struct Pair {
        #[diesel(sql_type = BigInt)]
        class_id: i64,
        #[diesel(sql_type = BigInt)]
        subject_id: i64,
    }
    let found: Option<Pair> = crate::db::cached(
        &[("id", "bigint")],
        "SELECT a.class_id, a.subject_id FROM assessments a WHERE a.id = (SELECT p.id FROM p)",
    )
    .bind::<BigInt, _>(assessment_id)
    .get_result(conn)
    .optional()?;
    Ok(found.map(|p| (p.class_id, p.subject_id)))
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
    crate::db::cached(
        &[("class_id", "bigint"), ("teacher", "bigint"), ("today", "date")],
        format!(
            "SELECT sub.id, sub.name FROM subjects sub JOIN classes c ON c.id = (SELECT p.class_id FROM p)
              WHERE sub.school_id = c.school_id AND {}
              ORDER BY sub.name",
            teaches_subject("(SELECT p.teacher FROM p)", "sub.id", "(SELECT p.today FROM p)")
        ),
    )
    .bind::<BigInt, _>(class_id)
    .bind::<BigInt, _>(teacher)
    .bind::<Date, _>(today)
    .load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Term {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Date)]
    pub starts_on: NaiveDate,
    #[diesel(sql_type = Date)]
    pub ends_on: NaiveDate,
}

pub fn list_terms(conn: &mut PgConnection, academic_year_id: i64) -> QueryResult<Vec<Term>> {
    crate::db::cached(
        &[("year", "bigint")],
        "SELECT t.id, t.name, t.starts_on, t.ends_on FROM terms t
          WHERE t.academic_year_id = (SELECT p.year FROM p) ORDER BY t.starts_on",
    )
    .bind::<BigInt, _>(academic_year_id)
    .load(conn)
}

/// The term asked for, else the current one on `today` (`domain::terms::current_term`).
pub fn pick_term(terms: &[Term], asked: Option<i64>, today: NaiveDate) -> Option<Term> {
    if let Some(id) = asked {
        return terms.iter().find(|t| t.id == id).cloned();
    }
    let starts: Vec<NaiveDate> = terms.iter().map(|t| t.starts_on).collect();
    crate::domain::terms::current_term(&starts, today).map(|i| terms[i].clone())
}

/// The date whose enrolment a term's gradebook shows: today, within the term.
pub fn roster_date(term: &Term, today: NaiveDate) -> NaiveDate {
    today.clamp(term.starts_on, term.ends_on)
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

/// A class-and-subject's assessments in a term (`archived`: include archived ones), by date;
/// `only` picks one. `count_entered`: count each one's entered cells (otherwise `entered` is 0;
/// [`assessments_with_cells`] counts them from the cells it loads).
pub fn list_assessments(
    conn: &mut PgConnection,
    book: &Book,
    term_id: Option<i64>,
    archived: bool,
    only: Option<i64>,
    count_entered: bool,
) -> QueryResult<Vec<Assessment>> {
    book_assessments(
        &[("class_id", "bigint"), ("subject_id", "bigint"), ("term", "bigint"), ("archived", "boolean"), ("only", "bigint"), ("count_entered", "boolean")],
        "CASE WHEN (SELECT p.count_entered FROM p) THEN
             (SELECT count(*) FROM scores s WHERE s.assessment_id = a.id AND s.status <> 'blank') ELSE 0 END AS entered",
        "",
        (book, term_id, archived, only),
    )
    .bind::<Bool, _>(count_entered)
    .load(conn)
}

/// A book's assessments, by date: of one term (`term`, if given), archived ones too or not, or
/// only one (`only`). `params` declares class_id, subject_id, term, archived and only (bound
/// here) and any of `columns`' own after them; `join` may add tables.
fn book_assessments(
    params: &'static [(&'static str, &'static str)],
    columns: &str,
    join: &str,
    (book, term_id, archived, only): (&Book, Option<i64>, bool, Option<i64>),
) -> crate::db::Cached {
    crate::db::cached(
        params,
        format!(
            "SELECT a.id, a.title, a.category_id, ac.name AS category, a.term_id, a.date,
                    a.max_score::float8 AS max_score, a.published, a.archived, a.version, {columns}
               FROM assessments a JOIN assessment_categories ac ON ac.id = a.category_id {join}
              WHERE a.class_id = (SELECT p.class_id FROM p) AND a.subject_id = (SELECT p.subject_id FROM p)
                AND ((SELECT p.term FROM p) IS NULL OR a.term_id = (SELECT p.term FROM p))
                AND ((SELECT p.archived FROM p) OR NOT a.archived)
                AND ((SELECT p.only FROM p) IS NULL OR a.id = (SELECT p.only FROM p))
              ORDER BY a.date, a.id"
        ),
    )
    .bind::<BigInt, _>(book.class_id)
    .bind::<BigInt, _>(book.subject_id)
    .bind::<Nullable<BigInt>, _>(term_id)
    .bind::<Bool, _>(archived)
    .bind::<Nullable<BigInt>, _>(only)
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
    term_id: Option<i64>,
    archived: bool,
    only: Option<i64>,
) -> QueryResult<(Vec<Assessment>, Vec<ScoreRow>)> {
    let rows: Vec<AssessmentWithGrid> = book_assessments(
        &[
            ("class_id", "bigint"),
            ("subject_id", "bigint"),
            ("term", "bigint"),
            ("archived", "boolean"),
            ("only", "bigint"),
        ],
        "0::int8 AS entered, COALESCE(g.cells, ''::bytea) AS cells",
        "LEFT JOIN score_grids g ON g.assessment_id = a.id",
        (book, term_id, archived, only),
    )
    .load(conn)?;
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
    crate::db::cached(
        &[("ids", "bigint[]"), ("student", "bigint")],
        "SELECT s.assessment_id, s.student_id, s.status, s.score::float8 AS score, s.version,
                u.display_name AS updated_by, s.updated_at
           FROM scores s LEFT JOIN users u ON u.id = s.updated_by
          WHERE s.assessment_id = ANY((SELECT p.ids FROM p)::bigint[]) AND s.student_id = (SELECT p.student FROM p)",
    )
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
    let rows: Vec<Who> = crate::db::cached(
        &[("assessments", "bigint[]"), ("students", "bigint[]")],
        "SELECT s.assessment_id, s.student_id, u.display_name AS name, s.updated_at
           FROM unnest((SELECT p.assessments FROM p), (SELECT p.students FROM p)) AS c(assessment_id, student_id)
           JOIN scores s USING (assessment_id, student_id) LEFT JOIN users u ON u.id = s.updated_by",
    )
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

/// SQL: the letter bands of the school `p.school`, rows of (letter, min_percent) in no
/// particular order (a scale keeps no order: [`GradeScale::ordered`] sorts where it matters),
/// for [`scale_of`].
pub const BANDS_SQL: &str = "SELECT letter, min_percent::float8 AS min_percent FROM grade_bands
          WHERE school_id = (SELECT p.school FROM p)";

/// The parameters [`BANDS_SQL`] reads.
pub const BANDS_PARAMS: &[(&str, &str)] = &[("school", "bigint")];

/// The column types of [`BANDS_SQL`]'s rows.
pub type BandSql = (Text, Double);

/// The school's letter bands (the default scale when it has none).
pub fn grade_scale(conn: &mut PgConnection, school_id: i64) -> QueryResult<GradeScale> {
    let bands = crate::db::cached(BANDS_PARAMS, BANDS_SQL)
        .bind::<BigInt, _>(school_id)
        .typed::<BandSql>()
        .load(conn)?;
    Ok(scale_of(bands))
}

/// SQL: a `LATERAL` subquery giving the school `school` (an SQL expression) its grade bands as
/// `band_letters` and `band_mins`, highest first, for [`scale_of`].
pub fn bands_lateral(school: &str) -> String {
    format!(
        "(SELECT coalesce(array_agg(gb.letter ORDER BY gb.min_percent DESC), '{{}}') AS band_letters,
                 coalesce(array_agg(gb.min_percent::float8 ORDER BY gb.min_percent DESC), '{{}}') AS band_mins
            FROM grade_bands gb WHERE gb.school_id = {school})"
    )
}

/// SQL: a `LATERAL` subquery giving the school `school` its current term on `today` (both SQL
/// expressions): the latest one started.
pub fn current_term_lateral(school: &str, today: &str) -> String {
    format!(
        "(SELECT t.* FROM terms t WHERE t.school_id = {school} AND t.starts_on <= {today}
           ORDER BY t.starts_on DESC LIMIT 1)"
    )
}

/// A school's bands as its scale; the default scale when it has none.
pub fn scale_of(bands: Vec<(String, f64)>) -> GradeScale {
    if bands.is_empty() {
        GradeScale::default()
    } else {
        GradeScale { bands }
    }
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
/// One statement: locks the stored cells in a fixed order, upserts the changed ones with a
/// version guard and appends their history. The caller has checked that every assessment belongs
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
    let result: QueryResult<SaveResult> = crate::db::cached(
        &[
            ("assessments", "bigint[]"), ("students", "bigint[]"), ("statuses", "text[]"), ("scores", "float8[]"),
            ("versions", "int[]"), ("school", "bigint"), ("class_id", "bigint"), ("subject_id", "bigint"),
            ("actor", "bigint"), ("at", "timestamptz"),
        ],
        "WITH input AS (
                 SELECT i.assessment_id, i.student_id, i.status, i.score::numeric(7,2) AS score, i.seen_version
                   FROM unnest((SELECT p.assessments FROM p), (SELECT p.students FROM p), (SELECT p.statuses FROM p),
                               (SELECT p.scores FROM p), (SELECT p.versions FROM p))
                        AS i(assessment_id, student_id, status, score, seen_version)
                   JOIN assessments a ON a.id = i.assessment_id AND a.class_id = (SELECT p.class_id FROM p)
                                     AND a.subject_id = (SELECT p.subject_id FROM p)),
             cur AS (
                 SELECT s.assessment_id, s.student_id, s.status, s.score, s.version
                   FROM scores s
                  WHERE s.assessment_id = ANY((SELECT p.assessments FROM p)::bigint[])
                    AND s.student_id = ANY((SELECT p.students FROM p)::bigint[])
                  ORDER BY s.assessment_id, s.student_id FOR UPDATE),
             classified AS (
                 SELECT i.*, c.status AS from_status, c.score AS from_score, c.version AS cur_version,
                        (CASE WHEN c.student_id IS NULL THEN i.status = 'blank'
                              ELSE c.status = i.status AND c.score IS NOT DISTINCT FROM i.score END) AS same
                   FROM input i LEFT JOIN cur c USING (assessment_id, student_id)),
             bad AS (SELECT assessment_id, student_id FROM classified WHERE NOT same AND COALESCE(cur_version, 0) <> seen_version),
             towrite AS (SELECT * FROM classified WHERE NOT same AND NOT EXISTS (SELECT 1 FROM bad)),
             up AS (
                 INSERT INTO scores (school_id, assessment_id, student_id, status, score, version, updated_by, updated_at)
                 SELECT (SELECT p.school FROM p), t.assessment_id, t.student_id, t.status, t.score, COALESCE(t.cur_version, 0) + 1,
                        (SELECT p.actor FROM p), (SELECT p.at FROM p)
                   FROM towrite t ORDER BY t.assessment_id, t.student_id
                 ON CONFLICT (assessment_id, student_id) DO UPDATE
                    SET status = EXCLUDED.status, score = EXCLUDED.score, version = scores.version + 1,
                        updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
                  WHERE scores.version = EXCLUDED.version - 1
                 RETURNING id, assessment_id, student_id, status, score, version),
             history AS (
                 INSERT INTO score_changes (score_id, school_id, changed_by, changed_at, from_status, from_score, to_status, to_score, version)
                 SELECT up.id, (SELECT p.school FROM p), (SELECT p.actor FROM p), (SELECT p.at FROM p),
                        t.from_status, t.from_score, up.status, up.score, up.version
                   FROM up JOIN towrite t USING (assessment_id, student_id))
             SELECT COALESCE((SELECT array_agg(assessment_id ORDER BY assessment_id, student_id) FROM bad), '{}') AS conflict_assessments,
                    COALESCE((SELECT array_agg(student_id ORDER BY assessment_id, student_id) FROM bad), '{}') AS conflict_students,
                    (SELECT count(*) FROM up) AS written,
                    CASE WHEN (SELECT count(*) FROM up) < (SELECT count(*) FROM towrite)
                         THEN rollbook_raise('rollbook: conflicting mark') ELSE 0 END AS guard",
    )
    .bind::<Array<BigInt>, _>(cells.iter().map(|c| c.assessment_id).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(cells.iter().map(|c| c.student_id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(cells.iter().map(|c| c.status.to_string()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Double>>, _>(cells.iter().map(|c| c.score).collect::<Vec<_>>())
    .bind::<Array<Integer>, _>(cells.iter().map(|c| c.version).collect::<Vec<_>>())
    .bind::<BigInt, _>(book.school_id)
    .bind::<BigInt, _>(book.class_id)
    .bind::<BigInt, _>(book.subject_id)
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
    crate::db::cached(
        &[("school", "bigint")],
        "INSERT INTO assessment_categories (school_id, name, position)
         SELECT (SELECT p.school FROM p), c.name, c.position
           FROM (VALUES ('Quiz', 1), ('Test', 2), ('Exam', 3), ('Assignment', 4)) AS c(name, position)",
    )
    .bind::<BigInt, _>(school_id)
    .execute(conn)?;
    crate::db::cached(
        &[("school", "bigint")],
        "INSERT INTO grade_bands (school_id, letter, min_percent)
         SELECT (SELECT p.school FROM p), b.letter, b.min_percent
           FROM (VALUES ('A', 90), ('B', 80), ('C', 70), ('D', 60), ('F', 0)) AS b(letter, min_percent)",
    )
    .bind::<BigInt, _>(school_id)
    .execute(conn)?;
    crate::db::cached(
        &[("school", "bigint")],
        "INSERT INTO behaviour_categories (school_id, name, kind, position)
         SELECT (SELECT p.school FROM p), c.name, c.kind, c.position
           FROM (VALUES ('Helpful to others', 'positive', 1), ('Excellent effort', 'positive', 2),
                        ('Disruption', 'negative', 3), ('Homework not done', 'negative', 4),
                        ('Unkind behaviour', 'negative', 5)) AS c(name, kind, position)",
    )
    .bind::<BigInt, _>(school_id)
    .execute(conn)?;
    Ok(())
}

/// A mark of a student with its assessment, for parents' pages and reports (loaded by position
/// in [`marks_and_weights`]).
#[derive(Debug, Clone, Queryable)]
pub struct StudentMark {
    pub student_id: i64,
    pub assessment_id: i64,
    pub title: String,
    pub category: String,
    pub class_id: i64,
    pub subject_id: i64,
    pub subject_name: String,
    pub date: NaiveDate,
    pub max_score: f64,
    pub status: String,
    pub score: Option<f64>,
    /// Mean percentage of the assessment's scored marks (the class average).
    pub class_mean: Option<f64>,
}

impl StudentMark {
    pub fn entry(&self) -> Option<Entry> {
        match self.status.as_str() {
            "score" => self.score.map(Entry::Score),
            "excused" => Some(Entry::Excused),
            "missing" => Some(Entry::Missing),
            _ => None,
        }
    }

    pub fn percent(&self) -> Option<f64> {
        self.score
            .filter(|_| self.status == "score")
            .and_then(|s| crate::domain::grades::percent(s, self.max_score))
    }

    pub fn mark(&self) -> Option<Mark> {
        Some(Mark {
            assessment_id: self.assessment_id,
            title: self.title.as_str().into(),
            category: self.category.as_str().into(),
            max_score: self.max_score,
            entry: self.entry()?,
        })
    }

    pub fn shown(&self) -> String {
        match self.status.as_str() {
            "score" => format!(
                "{} / {}",
                self.score
                    .map(crate::domain::grades::format_score)
                    .unwrap_or_default(),
                crate::domain::grades::format_score(self.max_score)
            ),
            "excused" => "Excused".into(),
            "missing" => "Missing".into(),
            _ => "Not entered".into(),
        }
    }
}

/// Marks of a term and the category weights of the classes they were set in.
pub struct MarksAndWeights {
    pub marks: Vec<StudentMark>,
    pub weights: Vec<PairWeight>,
}

/// A row of [`marks_and_weights`].
struct MarkOrWeight {
    /// 1: a mark (its category's id in `id`, the names filled in from parts 3 and 4); 2: a
    /// weight (its class, subject and category in the mark's columns); 3: a subject's name (in
    /// `subject_id` and `subject_name`); 4: a category's name (in `id` and `category`).
    part: i32,
    mark: StudentMark,
    weight: f64,
    id: i64,
}

/// The column types of [`marks_and_weights_sql`]'s rows, in the order it selects them (rows load
/// by position into [`MarkOrWeightRow`], or as records through `db::arrays_of`).
pub type MarkOrWeightSql = (
    Integer,
    BigInt,
    BigInt,
    Text,
    Text,
    BigInt,
    BigInt,
    Text,
    Date,
    Double,
    Text,
    Nullable<Double>,
    Nullable<Double>,
    Double,
    BigInt,
);

/// A row of [`marks_and_weights_sql`]: part, the mark's twelve fields, weight, id.
pub type MarkOrWeightRow = (
    i32,
    i64,
    i64,
    String,
    String,
    i64,
    i64,
    String,
    NaiveDate,
    f64,
    String,
    Option<f64>,
    Option<f64>,
    f64,
    i64,
);

impl From<MarkOrWeightRow> for MarkOrWeight {
    fn from(r: MarkOrWeightRow) -> Self {
        MarkOrWeight {
            part: r.0,
            mark: StudentMark {
                student_id: r.1,
                assessment_id: r.2,
                title: r.3,
                category: r.4,
                class_id: r.5,
                subject_id: r.6,
                subject_name: r.7,
                date: r.8,
                max_score: r.9,
                status: r.10,
                score: r.11,
                class_mean: r.12,
            },
            weight: r.13,
            id: r.14,
        }
    }
}

/// The parameters [`marks_and_weights_sql`] reads from `p`.
pub const MARKS_AND_WEIGHTS_PARAMS: &[(&str, &str)] = &[
    ("students", "bigint[]"),
    ("term", "bigint"),
    ("published_only", "boolean"),
    ("class_means", "boolean"),
];

/// The students' marks of a term (published ones only for parents; `class_means` adds each
/// assessment's class average), by subject, date and assessment, and the category weights of
/// every class they were set in: one statement. Archived assessments never count. The names of
/// the marks' subjects and categories come once each, in parts of their own: joined to the
/// marks, a generic plan guessed two marks and scanned every subject and category against them;
/// looked up per mark, each mark scanned both tables again (a third of the statement's cost for
/// a child's term).
pub fn marks_and_weights(
    conn: &mut PgConnection,
    students: &[i64],
    term_id: i64,
    published_only: bool,
    class_means: bool,
) -> QueryResult<MarksAndWeights> {
    let rows: Vec<MarkOrWeightRow> = crate::db::cached(
        MARKS_AND_WEIGHTS_PARAMS,
        marks_and_weights_sql(students.len()),
    )
    .bind::<Array<BigInt>, _>(students.to_vec())
    .bind::<BigInt, _>(term_id)
    .bind::<Bool, _>(published_only)
    .bind::<Bool, _>(class_means)
    .typed::<MarkOrWeightSql>()
    .load(conn)?;
    Ok(MarksAndWeights::from_rows(rows))
}

/// The SQL of [`marks_and_weights`] for `students` students, reading
/// [`MARKS_AND_WEIGHTS_PARAMS`]: rows of [`MarkOrWeightSql`], in no particular order.
pub fn marks_and_weights_sql(students: usize) -> String {
    format!("WITH m AS MATERIALIZED (
             SELECT s.student_id, a.id AS assessment_id, a.title, a.category_id, a.class_id, a.subject_id,
                    a.date, a.max_score::float8 AS max_score, s.status, s.score::float8 AS score,
                    CASE WHEN (SELECT p.class_means FROM p) THEN
                        (SELECT avg(c.score / a.max_score * 100)::float8
                           FROM score_grids g, unnest(g.scores, g.stamps) AS c(score, stamp)
                          WHERE g.assessment_id = a.id AND c.stamp % 8 = 0) END AS class_mean
               FROM scores s
               JOIN assessments a ON a.id = s.assessment_id
              WHERE {} AND s.status <> 'blank'
                AND a.term_id = (SELECT p.term FROM p) AND NOT a.archived
                AND (a.published OR NOT (SELECT p.published_only FROM p)))
         SELECT 1 AS part, m.student_id, m.assessment_id, m.title, '' AS category, m.class_id,
                m.subject_id, '' AS subject_name, m.date, m.max_score, m.status, m.score,
                m.class_mean, 0::float8 AS weight, m.category_id AS id
           FROM m
         UNION ALL
         SELECT 2, 0, 0, '', ac.name, cw.class_id, cw.subject_id, '', DATE '2000-01-01', 0, '', NULL, NULL,
                cw.weight::float8, 0
           FROM category_weights cw JOIN assessment_categories ac ON ac.id = cw.category_id
          WHERE cw.class_id IN (SELECT m.class_id FROM m)
         UNION ALL
         SELECT 3, 0, 0, '', '', 0, sub.id, sub.name, DATE '2000-01-01', 0, '', NULL, NULL, 0, 0
           FROM subjects sub WHERE sub.id IN (SELECT m.subject_id FROM m)
         UNION ALL
         SELECT 4, 0, 0, '', ac.name, 0, 0, '', DATE '2000-01-01', 0, '', NULL, NULL, 0, ac.id
           FROM assessment_categories ac WHERE ac.id IN (SELECT m.category_id FROM m)",
        crate::db::any_of("students", "s.student_id", students),
    )
}

/// One student's marks of `term` and records from `since`, for a statement that embeds both
/// (`db::arrays_of`): the SQL of [`marks_and_weights`] and of [`records_of`]. Declare their
/// parameters, [`MARKS_AND_WEIGHTS_PARAMS`] then [`STUDENTS_RECORDS_PARAMS`], after the
/// statement's own (`db::joined_params`), and bind them with [`bind_student_work`].
pub fn student_work_sql(student_id: i64) -> (String, String) {
    (
        marks_and_weights_sql(1),
        records_sql(&RecordsOf::Students(&[student_id])),
    )
}

/// Binds the parameters of [`student_work_sql`], in their order.
pub fn bind_student_work(
    query: crate::db::Cached,
    student_id: i64,
    term: i64,
    published_only: bool,
    class_means: bool,
    since: NaiveDate,
) -> crate::db::Cached {
    query
        .bind::<Array<BigInt>, _>(vec![student_id])
        .bind::<BigInt, _>(term)
        .bind::<Bool, _>(published_only)
        .bind::<Bool, _>(class_means)
        .bind::<Array<BigInt>, _>(vec![student_id])
        .bind::<Date, _>(since)
}

impl MarksAndWeights {
    /// The rows of [`marks_and_weights_sql`], in any order.
    pub fn from_rows(rows: Vec<MarkOrWeightRow>) -> Self {
        Self::from_parts(rows.into_iter().map(MarkOrWeight::from).collect())
    }

    /// Each mark given its subject's and category's names, and the marks sorted by subject name,
    /// date and assessment.
    fn from_parts(rows: Vec<MarkOrWeight>) -> Self {
        let mut out = MarksAndWeights {
            marks: Vec::new(),
            weights: Vec::new(),
        };
        let (mut marks, mut subjects, mut categories) =
            (Vec::new(), HashMap::new(), HashMap::new());
        for row in rows {
            match row.part {
                1 => marks.push((row.id, row.mark)),
                2 => out.weights.push(PairWeight {
                    class_id: row.mark.class_id,
                    subject_id: row.mark.subject_id,
                    category: row.mark.category,
                    weight: row.weight,
                }),
                3 => {
                    subjects.insert(row.mark.subject_id, row.mark.subject_name);
                }
                _ => {
                    categories.insert(row.id, row.mark.category);
                }
            }
        }
        out.marks = marks
            .into_iter()
            .map(|(category_id, mut mark)| {
                mark.category = categories.get(&category_id).cloned().unwrap_or_default();
                mark.subject_name = subjects.get(&mark.subject_id).cloned().unwrap_or_default();
                mark
            })
            .collect();
        out.marks.sort_by(|a, b| {
            (&a.subject_name, a.date, a.assessment_id).cmp(&(
                &b.subject_name,
                b.date,
                b.assessment_id,
            ))
        });
        out
    }
}

/// A category's weight in a class and subject.
#[derive(Debug, Clone)]
pub struct PairWeight {
    pub class_id: i64,
    pub subject_id: i64,
    pub category: String,
    pub weight: f64,
}

/// A student's average in one subject and how it was made.
#[derive(Debug, Clone)]
pub struct SubjectResult {
    pub subject_id: i64,
    pub subject_name: String,
    pub explanation: crate::domain::grades::Explanation,
    pub letter: String,
    pub marks: Vec<StudentMark>,
}

impl SubjectResult {
    pub fn average_label(&self) -> String {
        crate::domain::grades::format_percent(self.explanation.average)
    }
}

/// Groups one student's marks by subject and computes each average with the weights of the class
/// the work was set in (the class of the subject's latest assessment).
pub fn subject_results(
    marks: &[StudentMark],
    student_id: i64,
    weights: &[PairWeight],
    policy: Policy,
    scale: &GradeScale,
) -> Vec<SubjectResult> {
    let mut by_subject: BTreeMap<(String, i64), Vec<StudentMark>> = BTreeMap::new();
    for m in marks.iter().filter(|m| m.student_id == student_id) {
        by_subject
            .entry((m.subject_name.clone(), m.subject_id))
            .or_default()
            .push(m.clone());
    }
    by_subject
        .into_iter()
        .map(|((name, subject_id), marks)| {
            let class_id = marks.last().map_or(0, |m| m.class_id);
            let w: BTreeMap<String, f64> = weights
                .iter()
                .filter(|w| w.class_id == class_id && w.subject_id == subject_id)
                .map(|w| (w.category.clone(), w.weight))
                .collect();
            let counted: Vec<Mark> = marks.iter().filter_map(StudentMark::mark).collect();
            let explanation = crate::domain::grades::explain_average(counted, &w, policy);
            SubjectResult {
                subject_id,
                subject_name: name,
                letter: scale.letter_of(explanation.average),
                explanation,
                marks,
            }
        })
        .collect()
}

/// A school's gradebook rules and the term containing (or last before) today.
#[derive(Debug, Clone, QueryableByName)]
pub struct SchoolRules {
    #[diesel(sql_type = BigInt)]
    pub school_id: i64,
    #[diesel(sql_type = Bool)]
    pub missing_counts_as_zero: bool,
    #[diesel(sql_type = Bool)]
    pub parents_see_class_average: bool,
    #[diesel(sql_type = Bool)]
    pub parents_see_behaviour: bool,
    #[diesel(sql_type = Date)]
    pub today: NaiveDate,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub term_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub term_name: Option<String>,
    #[diesel(sql_type = Nullable<Date>)]
    pub term_starts_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    pub term_ends_on: Option<NaiveDate>,
}

impl SchoolRules {
    pub fn policy(&self) -> Policy {
        Policy {
            missing_counts_as_zero: self.missing_counts_as_zero,
        }
    }
}

/// The rules of a student's school, with its current term.
pub fn rules_for_student(
    conn: &mut PgConnection,
    student_id: i64,
    now: DateTime<Utc>,
) -> QueryResult<SchoolRules> {
    crate::db::cached(
        &[("student", "bigint"), ("now", "timestamptz")],
        format!("WITH s AS (
             SELECT sc.id AS school_id, sc.missing_counts_as_zero, sc.parents_see_class_average, sc.parents_see_behaviour,
                    ((SELECT p.now FROM p) AT TIME ZONE sc.timezone)::date AS today
               FROM students st JOIN schools sc ON sc.id = st.school_id WHERE st.id = (SELECT p.student FROM p))
         SELECT s.*, t.id AS term_id, t.name AS term_name, t.starts_on AS term_starts_on, t.ends_on AS term_ends_on
           FROM s LEFT JOIN LATERAL {} t ON TRUE",
            current_term_lateral("s.school_id", "s.today")
        ),
    )
    .bind::<BigInt, _>(student_id)
    .bind::<Timestamptz, _>(now)
    .get_result(conn)
}

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

/// Whose records: some students (a parent's child, a report) or one class (its teachers' page).
/// Two statements, not one with `IS NULL OR`, so each keeps its index in a cached plan.
#[derive(Debug, Clone, Copy)]
pub enum RecordsOf<'a> {
    Students(&'a [i64]),
    Class(i64),
}

/// The parameters of [`records_sql`] for `RecordsOf::Students`.
pub const STUDENTS_RECORDS_PARAMS: &[(&str, &str)] = &[("who", "bigint[]"), ("since", "date")];

impl RecordsOf<'_> {
    fn filter(&self, table: &str) -> String {
        match self {
            Self::Students(ids) => {
                crate::db::any_of("who", &format!("{table}.student_id"), ids.len())
            }
            Self::Class(_) => format!("{table}.class_id = (SELECT p.class_id FROM p)"),
        }
    }

    fn params(&self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Students(_) => STUDENTS_RECORDS_PARAMS,
            Self::Class(_) => &[("class_id", "bigint"), ("since", "date")],
        }
    }

    fn query(&self, sql: String) -> crate::db::Cached {
        let q = crate::db::cached(self.params(), sql);
        match self {
            Self::Students(ids) => q.bind::<Array<BigInt>, _>(ids.to_vec()),
            Self::Class(id) => q.bind::<BigInt, _>(*id),
        }
    }
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

/// Behaviour and participation records from `since`, each newest first.
pub struct Records {
    pub behaviour: Vec<BehaviourRecord>,
    pub participation: Vec<ParticipationRecord>,
}

/// The column types of [`records_sql`]'s rows: part (1: behaviour, 2: participation; each
/// reads its own columns, the others are blank), id, student_id, student_name, category, kind,
/// date, note, recorded_by, event, status, remarks.
pub type RecordSql = (
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

/// A row of [`records_sql`].
pub type RecordRow = (
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

/// Both kinds of record in one statement (every page that shows one shows the other).
pub fn records_of(
    conn: &mut PgConnection,
    of: RecordsOf,
    since: NaiveDate,
) -> QueryResult<Records> {
    let rows: Vec<RecordRow> = of
        .query(records_sql(&of))
        .bind::<Date, _>(since)
        .typed::<RecordSql>()
        .load(conn)?;
    Ok(Records::from_rows(rows))
}

/// The SQL of [`records_of`], reading `of`'s parameters (`who` or `class_id`) and `since` from
/// `p`: rows of [`RecordSql`], in no particular order.
pub fn records_sql(of: &RecordsOf) -> String {
    format!(
        "SELECT 1 AS part, b.id, b.student_id,
                st.family_name || ', ' || COALESCE(st.preferred_name, st.given_name) AS student_name,
                bc.name AS category, b.kind, b.date, b.note, u.display_name AS recorded_by,
                '' AS event, '' AS status, '' AS remarks
           FROM behaviour_records b
           JOIN students st ON st.id = b.student_id
           JOIN behaviour_categories bc ON bc.id = b.category_id
           LEFT JOIN users u ON u.id = b.recorded_by
          WHERE {} AND b.date >= (SELECT p.since FROM p)
         UNION ALL
         SELECT 2, pa.id, pa.student_id,
                st.family_name || ', ' || COALESCE(st.preferred_name, st.given_name),
                '', '', pa.date, '', NULL, pa.event, pa.status, pa.remarks
           FROM participation pa JOIN students st ON st.id = pa.student_id
          WHERE {} AND pa.date >= (SELECT p.since FROM p)",
        of.filter("b"),
        of.filter("pa")
    )
}

impl Records {
    /// The rows of [`records_sql`], in any order: each kind newest first (by date, then by the
    /// latest recorded).
    pub fn from_rows(rows: Vec<RecordRow>) -> Self {
        let mut out = Records {
            behaviour: Vec::new(),
            participation: Vec::new(),
        };
        for r in rows {
            if r.0 == 1 {
                out.behaviour.push(BehaviourRecord {
                    id: r.1,
                    student_id: r.2,
                    student_name: r.3,
                    category: r.4,
                    kind: r.5,
                    date: r.6,
                    note: r.7,
                    recorded_by: r.8,
                });
            } else {
                out.participation.push(ParticipationRecord {
                    id: r.1,
                    student_id: r.2,
                    student_name: r.3,
                    event: r.9,
                    date: r.6,
                    status: r.10,
                    remarks: r.11,
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
    use super::{GridColumn, MarkOrWeightRow, MarksAndWeights, Records, Stamp};
    use chrono::{Datelike, NaiveDate};

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

    fn part(
        part: i32,
        subject: (i64, &str),
        category: &str,
        id: i64,
        date: u32,
    ) -> MarkOrWeightRow {
        (
            part,
            5,
            100 + i64::from(date),
            format!("Work {date}"),
            category.into(),
            3,
            subject.0,
            subject.1.into(),
            NaiveDate::from_ymd_opt(2026, 10, date).unwrap(),
            10.0,
            "score".into(),
            Some(7.0),
            None,
            if part == 2 { 50.0 } else { 0.0 },
            id,
        )
    }

    #[test]
    fn marks_get_their_names_from_the_name_parts_and_come_by_subject_date_and_assessment() {
        // In the order a UNION may return them: names after and between the marks.
        let rows = vec![
            part(1, (2, ""), "", 21, 9),
            part(4, (0, ""), "Tests", 21, 1),
            part(1, (1, ""), "", 22, 8),
            part(3, (2, "Art"), "", 0, 1),
            part(2, (2, ""), "Tests", 0, 1),
            part(1, (2, ""), "", 22, 3),
            part(3, (1, "Biology"), "", 0, 1),
            part(1, (1, ""), "", 21, 2),
            part(4, (0, ""), "Homework", 22, 1),
        ];
        let out = MarksAndWeights::from_rows(rows);
        let seen: Vec<(&str, &str, u32)> = out
            .marks
            .iter()
            .map(|m| (m.subject_name.as_str(), m.category.as_str(), m.date.day()))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("Art", "Homework", 3),
                ("Art", "Tests", 9),
                ("Biology", "Tests", 2),
                ("Biology", "Homework", 8),
            ]
        );
        assert_eq!(out.weights.len(), 1);
        assert_eq!(
            (
                out.weights[0].subject_id,
                out.weights[0].category.as_str(),
                out.weights[0].weight
            ),
            (2, "Tests", 50.0)
        );
    }

    #[test]
    fn records_come_apart_by_kind_each_newest_first() {
        let row = |part: i32, id: i64, day: u32, text: &str| {
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
        let out = Records::from_rows(vec![
            row(1, 4, 2, "Late"),
            row(2, 9, 1, "Chess"),
            row(1, 6, 3, "Rude"),
            row(1, 5, 3, "Loud"),
            row(2, 8, 5, "Choir"),
        ]);
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
