//! The mark-entry grid (`/teacher/classes/{c}/subjects/{s}/gradebook`), one assessment's column
//! with its statistics, single-cell saves (htmx) and the explanation of an average.
//!
//! Cells are named `c_{assessment}_{student}`; beside each, `v_{assessment}_{student}` holds the
//! version and the value the page showed (`3:85`; `0:` when nothing is stored). A whole-form POST
//! saves only the cells the teacher changed, all or nothing. Each cell also saves on its own
//! through htmx.

mod cells;
mod column;
mod explain;
mod load;
mod page;
mod save;

pub use cells::{CellValue, CellView};
pub use column::{save_assessment, show_assessment};
pub use explain::{explain, ExplainPage};
pub use load::{base_url, display_name, load, Loaded, Scope};
pub use page::{show_book, TermQuery};
pub use save::{save_book, save_cell};
