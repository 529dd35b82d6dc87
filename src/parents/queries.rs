//! Children as their parent sees them.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text};

/// One of the parent's children.
#[derive(Debug, QueryableByName)]
pub struct Child {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub given_name: String,
    #[diesel(sql_type = Text)]
    pub family_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub preferred_name: Option<String>,
    #[diesel(sql_type = Text)]
    pub school_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub class_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub homeroom_teacher: Option<String>,
    #[diesel(sql_type = Text)]
    pub relationship: String,
}

impl Child {
    /// The name the child goes by.
    pub fn first_name(&self) -> &str {
        self.preferred_name.as_deref().unwrap_or(&self.given_name)
    }
}

/// The parent's viewable children (all, or only `only`), with today's class.
fn children(
    conn: &mut PgConnection,
    parent_id: i64,
    on: NaiveDate,
    only: Option<i64>,
) -> QueryResult<Vec<Child>> {
    diesel::sql_query(
        "SELECT st.id, st.given_name, st.family_name, st.preferred_name, s.name AS school_name,
                cls.name AS class_name, cls.homeroom AS homeroom_teacher, ps.relationship
           FROM parent_students ps
           JOIN students st ON st.id = ps.student_id
           JOIN schools s ON s.id = st.school_id
           LEFT JOIN LATERAL (
                SELECT c.name, h.display_name AS homeroom
                  FROM enrolments e JOIN classes c ON c.id = e.class_id
                  LEFT JOIN users h ON h.id = c.homeroom_teacher_id
                 WHERE e.student_id = st.id AND e.starts_on <= $2
                   AND (e.ends_on IS NULL OR e.ends_on >= $2)
                 ORDER BY e.starts_on DESC LIMIT 1) cls ON TRUE
          WHERE ps.parent_id = $1 AND ps.may_view
            AND ($3::bigint IS NULL OR st.id = $3)
          ORDER BY st.date_of_birth NULLS LAST, st.given_name, st.id",
    )
    .bind::<BigInt, _>(parent_id)
    .bind::<Date, _>(on)
    .bind::<Nullable<BigInt>, _>(only)
    .load(conn)
}

pub fn list_children(
    conn: &mut PgConnection,
    parent_id: i64,
    on: NaiveDate,
) -> QueryResult<Vec<Child>> {
    children(conn, parent_id, on, None)
}

/// One child of this parent, or NotFound (another family's child, or `may_view` off).
pub fn find_child(
    conn: &mut PgConnection,
    parent_id: i64,
    student_id: i64,
    on: NaiveDate,
) -> QueryResult<Child> {
    children(conn, parent_id, on, Some(student_id))?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}
