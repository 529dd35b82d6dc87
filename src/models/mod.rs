//! Data several areas share: reads returning typed results, and a new school's starting rows. An
//! area imports these, never another area's queries.

pub mod attendance;
pub mod board;
pub mod classes;
pub mod insight;
pub mod rules;
pub mod school_defaults;
pub mod schools;
pub mod students;
pub mod terms;
pub mod tokens;
pub mod work;
