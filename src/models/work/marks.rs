//! Students' marks of a term with the weights of the classes they were set in, and each
//! subject's average made from them.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Double, Integer, Nullable, Text};

use crate::domain::grades::{Entry, GradeScale, Mark, Policy};

/// A mark of a student with its assessment, for parents' pages, profiles and reports.
#[derive(Debug, Clone)]
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

/// A category's weight in a class and subject.
#[derive(Debug, Clone)]
pub struct PairWeight {
    pub class_id: i64,
    pub subject_id: i64,
    pub category: String,
    pub weight: f64,
}

/// A row of `list_marks_and_weights.sql` (and of the marks part of `find_student_work.sql`):
/// part 1 a mark (its category's id in `id`), 2 a weight (class, subject and category in the
/// mark's columns), 3 a subject's name, 4 a category's name (in `id` and `category`).
#[derive(QueryableByName)]
pub(super) struct MarkRow {
    #[diesel(sql_type = Integer)]
    part: i32,
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = BigInt)]
    assessment_id: i64,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = BigInt)]
    class_id: i64,
    #[diesel(sql_type = BigInt)]
    subject_id: i64,
    #[diesel(sql_type = Text)]
    subject_name: String,
    #[diesel(sql_type = Date)]
    date: NaiveDate,
    #[diesel(sql_type = Double)]
    max_score: f64,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Double>)]
    score: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    class_mean: Option<f64>,
    #[diesel(sql_type = Double)]
    weight: f64,
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The SQL types of a [`MarkRow`] as a record, in its columns' order.
pub(super) type MarkSql = (
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

/// A [`MarkRow`] read as a record of an array part.
pub(super) type MarkTuple = (
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

impl From<MarkTuple> for MarkRow {
    fn from(r: MarkTuple) -> Self {
        MarkRow {
            part: r.0,
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
            weight: r.13,
            id: r.14,
        }
    }
}

/// The students' marks of a term (published ones only for parents; `class_means` adds each
/// assessment's class average), by subject, date and assessment, and the category weights of
/// every class they were set in: one statement. Archived assessments never count.
pub fn marks_and_weights(
    conn: &mut PgConnection,
    students: &[i64],
    term_id: i64,
    published_only: bool,
    class_means: bool,
) -> QueryResult<MarksAndWeights> {
    let rows: Vec<MarkRow> =
        crate::db::statement(include_str!("../sql/list_marks_and_weights.sql"))
            .bind::<Array<BigInt>, _>(students.to_vec())
            .bind::<BigInt, _>(term_id)
            .bind::<Bool, _>(published_only)
            .bind::<Bool, _>(class_means)
            .load(conn)?;
    Ok(MarksAndWeights::from_rows(rows))
}

impl MarksAndWeights {
    /// Rows in any order: each mark given its subject's and category's names, and the marks
    /// sorted by subject name, date and assessment.
    pub(super) fn from_rows(rows: Vec<MarkRow>) -> Self {
        let mut out = MarksAndWeights {
            marks: Vec::new(),
            weights: Vec::new(),
        };
        let (mut marks, mut subjects, mut categories) =
            (Vec::new(), HashMap::new(), HashMap::new());
        for row in rows {
            match row.part {
                1 => marks.push((
                    row.id,
                    StudentMark {
                        student_id: row.student_id,
                        assessment_id: row.assessment_id,
                        title: row.title,
                        category: String::new(),
                        class_id: row.class_id,
                        subject_id: row.subject_id,
                        subject_name: String::new(),
                        date: row.date,
                        max_score: row.max_score,
                        status: row.status,
                        score: row.score,
                        class_mean: row.class_mean,
                    },
                )),
                2 => out.weights.push(PairWeight {
                    class_id: row.class_id,
                    subject_id: row.subject_id,
                    category: row.category,
                    weight: row.weight,
                }),
                3 => {
                    subjects.insert(row.subject_id, row.subject_name);
                }
                _ => {
                    categories.insert(row.id, row.category);
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

#[cfg(test)]
mod tests {
    use super::{MarkTuple, MarksAndWeights};
    use chrono::{Datelike, NaiveDate};

    fn part(part: i32, subject: (i64, &str), category: &str, id: i64, date: u32) -> MarkTuple {
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
        let out = MarksAndWeights::from_rows(rows.into_iter().map(Into::into).collect());
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
}
