//! Deleting a student for good, and what that takes with it.

use super::*;

/// What a hard delete would remove, for the confirmation page.
#[derive(Debug, Default)]
pub struct DeletionImpact {
    pub enrolments: i64,
    pub guardians: i64,
    pub contacts: i64,
    pub parent_links: i64,
}

pub fn deletion_impact(conn: &mut PgConnection, id: i64) -> QueryResult<DeletionImpact> {
    Ok(DeletionImpact {
        enrolments: enrolments::table
            .filter(enrolments::student_id.eq(id))
            .count()
            .get_result(conn)?,
        guardians: guardians::table
            .filter(guardians::student_id.eq(id))
            .count()
            .get_result(conn)?,
        contacts: emergency_contacts::table
            .filter(emergency_contacts::student_id.eq(id))
            .count()
            .get_result(conn)?,
        parent_links: parent_students::table
            .filter(parent_students::student_id.eq(id))
            .count()
            .get_result(conn)?,
    })
}

/// Deletes a student and everything that hangs off them, keeping a full copy in the audit row.
pub fn delete_student(
    conn: &mut PgConnection,
    id: i64,
    actor: &Actor,
    today: NaiveDate,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        let record = find_student(conn, SchoolScope::District, id, today)?;
        diesel::delete(students::table.find(id)).execute(conn)?;
        audit::insert_entry(
            conn,
            &entry(
                actor,
                "delete",
                id,
                record.student.school_id,
                Some(record.audit_json()),
                None,
            ),
        )
    })
}
