//! Gradebook data. Authorisation lives in the WHERE clauses: a teacher finds only the
//! class-and-subject pairs they teach (or the subjects of a class they cover today), the office
//! only its school's.

pub use crate::models::terms::{list_terms, pick_term, roster_date, Term};
pub use crate::models::work::{
    find_grade_scale as grade_scale, find_school_rules as rules_for_student, marks_and_weights,
    subject_results, BehaviourRecord, MarksAndWeights, PairWeight, ParticipationRecord, Records,
    SchoolRules, StudentMark, SubjectResult,
};

mod assessments;
mod book;
mod cells;
mod column;
mod save;

pub use assessments::{assessments_with_cells, list_assessments, Assessment, Which};
pub use book::{
    assessment_book, find_book_with_settings, weights_of, Book, BookWithSettings, Category,
};
pub use cells::{student_scores, who_entered, ScoreRow, Shown, Status};
pub use column::{find_column_for_save, ColumnForSave};
pub use save::{save_scores, SaveOutcome, ScoreInput};
