//! Reads several areas need, each returning a typed result: an area imports these, never another
//! area's queries.

pub mod attendance;
pub mod classes;
pub mod rules;
pub mod schools;
pub mod students;
pub mod tokens;
