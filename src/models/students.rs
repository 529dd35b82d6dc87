//! A student's record (details, guardians, emergency contacts, current class), as the office,
//! the teacher's student page and the dashboard's profile read it, and the audit row of a view.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::audit::{self, Actor, NewAuditEntry};
use crate::models::schools::SchoolScope;
use crate::schema::{classes, emergency_contacts, enrolments, guardians, students};

/// Validated guardian.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Guardian {
    pub name: String,
    pub relationship: String,
    pub phone: String,
    pub email: String,
}

/// Validated emergency contact.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Contact {
    pub name: String,
    pub relationship: String,
    pub phone: String,
}

/// One student's whole record.
#[derive(Debug, Clone, Queryable)]
pub struct Student {
    pub id: i64,
    pub school_id: i64,
    pub student_number: String,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<String>,
    pub status: String,
    pub enrolled_on: Option<NaiveDate>,
    pub medical_notes: String,
    pub allergies: String,
    pub updated_at: DateTime<Utc>,
}

/// A student with guardians, contacts and current class.
#[derive(Debug, Clone)]
pub struct StudentRecord {
    pub student: Student,
    pub school_name: String,
    pub class: Option<(i64, String)>,
    pub guardians: Vec<Guardian>,
    pub contacts: Vec<Contact>,
}

impl StudentRecord {
    pub fn audit_json(&self) -> serde_json::Value {
        let s = &self.student;
        json!({
            "student_number": s.student_number, "given_name": s.given_name, "family_name": s.family_name,
            "preferred_name": s.preferred_name, "date_of_birth": s.date_of_birth, "gender": s.gender,
            "enrolled_on": s.enrolled_on, "class_id": self.class.as_ref().map(|c| c.0),
            "medical_notes": s.medical_notes, "allergies": s.allergies, "status": s.status,
            "guardians": self.guardians, "emergency_contacts": self.contacts, "school_id": s.school_id,
        })
    }
}

/// A student in scope with everything on their record, or NotFound.
pub fn find_student(
    conn: &mut PgConnection,
    scope: SchoolScope,
    id: i64,
    today: NaiveDate,
) -> QueryResult<StudentRecord> {
    use crate::schema::schools;
    let mut q = students::table
        .inner_join(schools::table)
        .filter(students::id.eq(id))
        .into_boxed();
    if let Some(school) = scope.filter() {
        q = q.filter(students::school_id.eq(school));
    }
    let (student, school_name): (Student, String) = q
        .select((
            (
                students::id,
                students::school_id,
                students::student_number,
                students::given_name,
                students::family_name,
                students::preferred_name,
                students::date_of_birth,
                students::gender,
                students::status,
                students::enrolled_on,
                students::medical_notes,
                students::allergies,
                students::updated_at,
            ),
            schools::name,
        ))
        .first(conn)?;
    load_record(conn, student, school_name, today)
}

/// Guardians, contacts and current class for a student already authorised.
pub fn load_record(
    conn: &mut PgConnection,
    student: Student,
    school_name: String,
    today: NaiveDate,
) -> QueryResult<StudentRecord> {
    let class = enrolments::table
        .inner_join(classes::table)
        .filter(enrolments::student_id.eq(student.id))
        .filter(enrolments::starts_on.le(today))
        .filter(
            enrolments::ends_on
                .is_null()
                .or(enrolments::ends_on.ge(today)),
        )
        .order(enrolments::starts_on.desc())
        .select((classes::id, classes::name))
        .first(conn)
        .optional()?;
    let guardians = guardians::table
        .filter(guardians::student_id.eq(student.id))
        .order((guardians::position, guardians::id))
        .select((
            guardians::name,
            guardians::relationship,
            guardians::phone,
            guardians::email,
        ))
        .load::<(String, String, String, String)>(conn)?
        .into_iter()
        .map(|(name, relationship, phone, email)| Guardian {
            name,
            relationship,
            phone,
            email,
        })
        .collect();
    let contacts = emergency_contacts::table
        .filter(emergency_contacts::student_id.eq(student.id))
        .order((emergency_contacts::position, emergency_contacts::id))
        .select((
            emergency_contacts::name,
            emergency_contacts::relationship,
            emergency_contacts::phone,
        ))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(name, relationship, phone)| Contact {
            name,
            relationship,
            phone,
        })
        .collect();
    Ok(StudentRecord {
        student,
        school_name,
        class,
        guardians,
        contacts,
    })
}

/// Records that staff opened a student's record page.
pub fn record_view(
    conn: &mut PgConnection,
    id: i64,
    school_id: i64,
    actor: &Actor,
) -> QueryResult<()> {
    audit::insert_entry(
        conn,
        &NewAuditEntry {
            at: actor.at,
            actor_id: Some(actor.user_id),
            ip: actor.ip.as_deref(),
            school_id: Some(school_id),
            action: "view",
            entity: "student",
            entity_id: Some(id),
            before: None,
            after: None,
        },
    )
}
