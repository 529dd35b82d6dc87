//! Reads several areas need, each returning a typed result: an area imports these, never another
//! area's queries.

pub mod attendance;
pub mod board;
pub mod classes;
pub mod insight;
pub mod rules;
pub mod schools;
pub mod students;
pub mod terms;
pub mod tokens;
pub mod work;
