//! Reads several areas need, each returning a typed result: an area imports these, never another
//! area's queries.

pub mod classes;
pub mod schools;
pub mod students;
pub mod terms;
pub mod work;
