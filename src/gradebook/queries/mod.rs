//! Gradebook data. Authorisation lives in the WHERE clauses: a teacher finds only the
//! class-and-subject pairs they teach (or the subjects of a class they cover today), the office
//! only its school's.

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
