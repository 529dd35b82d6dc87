//! Registers: who is on a class's register for a school-local date, the marks, saving them, and
//! the register pages (teachers' and the office's).
//!
//! One mark per student, class and date (a unique constraint; saves are upserts). Every mark has a
//! version: a save carries the version it saw, and a save that would change a mark changed by
//! someone else since is refused with what they saved. A save equal to the stored mark is a no-op
//! whatever version it carries, so retries and double taps succeed and change nothing. A whole
//! register is written in one transaction, rows in student order: one locking read, one statement
//! that upserts every changed mark and appends its history.

mod day;
mod forms;
pub mod handlers;
mod mail;
mod roster;
mod save;
mod status;
mod views;

pub use day::{find_register_day, list_codes, Code, DayState, RegisterDay};
pub use roster::{
    day_and_roster, find_register_to_save, list_register_marks, RegisterToSave, RosterMark,
};
pub use save::{save_marks, Conflict, MarkInput, SaveOutcome, Saver};
pub use status::{register_status, RegisterStatus};
