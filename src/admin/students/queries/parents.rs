//! The parent accounts linked to a student.

use super::*;

/// A parent account linked to a student.
#[derive(Debug, Clone, Queryable)]
pub struct ParentLink {
    pub parent_id: i64,
    pub name: String,
    pub email: String,
    pub relationship: String,
    pub may_view: bool,
    pub receives_notifications: bool,
}

pub fn list_parent_links(conn: &mut PgConnection, student_id: i64) -> QueryResult<Vec<ParentLink>> {
    use crate::schema::users;
    parent_students::table
        .inner_join(users::table)
        .filter(parent_students::student_id.eq(student_id))
        .order(users::display_name)
        .select((
            users::id,
            users::display_name,
            users::email,
            parent_students::relationship,
            parent_students::may_view,
            parent_students::receives_notifications,
        ))
        .load(conn)
}

/// Why a link could not be made.
#[derive(Debug)]
pub enum LinkRefusal {
    NoSuchParent,
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for LinkRefusal {
    fn from(e: diesel::result::Error) -> Self {
        LinkRefusal::Database(e)
    }
}

/// Links (or re-links, updating the settings) the parent account with `email` to a student in
/// scope, with an audit row.
#[allow(clippy::too_many_arguments)]
pub fn upsert_parent_link(
    conn: &mut PgConnection,
    scope: SchoolScope,
    student_id: i64,
    parent_email: &str,
    relationship: &str,
    may_view: bool,
    receives_notifications: bool,
    actor: &Actor,
    today: NaiveDate,
) -> Result<(), LinkRefusal> {
    use crate::schema::users;
    conn.transaction(|conn| {
        let record = find_student(conn, scope, student_id, today)?;
        let parent: Option<i64> = users::table
            .filter(users::email.eq(parent_email))
            .filter(users::role.eq("parent"))
            .filter(users::active.eq(true))
            .select(users::id)
            .first(conn)
            .optional()?;
        let parent = parent.ok_or(LinkRefusal::NoSuchParent)?;
        let before: Option<(String, bool, bool)> = parent_students::table
            .find((parent, student_id))
            .select((parent_students::relationship, parent_students::may_view, parent_students::receives_notifications))
            .first(conn)
            .optional()?;
        diesel::insert_into(parent_students::table)
            .values((
                parent_students::parent_id.eq(parent),
                parent_students::student_id.eq(student_id),
                parent_students::relationship.eq(relationship),
                parent_students::may_view.eq(may_view),
                parent_students::receives_notifications.eq(receives_notifications),
            ))
            .on_conflict((parent_students::parent_id, parent_students::student_id))
            .do_update()
            .set((
                parent_students::relationship.eq(relationship),
                parent_students::may_view.eq(may_view),
                parent_students::receives_notifications.eq(receives_notifications),
            ))
            .execute(conn)?;
        let link = |r: &str, v: bool, n: bool| json!({ "parent_id": parent, "relationship": r, "may_view": v, "receives_notifications": n });
        audit::insert_entry(conn, &entry(
            actor,
            if before.is_some() { "update_parent_link" } else { "link_parent" },
            student_id,
            record.student.school_id,
            before.map(|(r, v, n)| link(&r, v, n)),
            Some(link(relationship, may_view, receives_notifications)),
        ))?;
        Ok(())
    })
}

/// Removes a parent's link to a student in scope.
pub fn delete_parent_link(
    conn: &mut PgConnection,
    scope: SchoolScope,
    student_id: i64,
    parent_id: i64,
    actor: &Actor,
    today: NaiveDate,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        let record = find_student(conn, scope, student_id, today)?;
        let removed =
            diesel::delete(parent_students::table.find((parent_id, student_id))).execute(conn)?;
        if removed == 0 {
            return Err(diesel::result::Error::NotFound);
        }
        audit::insert_entry(
            conn,
            &entry(
                actor,
                "unlink_parent",
                student_id,
                record.student.school_id,
                Some(json!({ "parent_id": parent_id })),
                None,
            ),
        )
    })
}
