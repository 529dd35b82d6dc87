//! The school rules' SQL functions (migration 35), for diesel's query builder.

use diesel::sql_types::{Date, Nullable};

diesel::define_sql_function! {
    /// Enrolled on `day`: started on or before it and not ended before it.
    fn rollbook_enrolled_on(starts_on: Date, ends_on: Nullable<Date>, day: Date) -> Bool;
}
