//! Adding, editing, moving, withdrawing and reinstating a student, each with its audit row.

use super::*;

pub fn values_json(v: &StudentValues, status: &str) -> serde_json::Value {
    json!({
        "student_number": v.student_number, "given_name": v.given_name, "family_name": v.family_name,
        "preferred_name": v.preferred_name, "date_of_birth": v.date_of_birth, "gender": v.gender,
        "enrolled_on": v.enrolled_on, "class_id": v.class_id, "medical_notes": v.medical_notes,
        "allergies": v.allergies, "status": status, "guardians": v.guardians,
        "emergency_contacts": v.contacts, "school_id": v.school_id,
    })
}

/// Why a student change was refused.
#[derive(Debug)]
pub enum Refusal {
    NumberTaken,
    Conflict(Box<StudentRecord>),
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for Refusal {
    fn from(e: diesel::result::Error) -> Self {
        Refusal::Database(e)
    }
}

pub(super) fn number_taken(
    conn: &mut PgConnection,
    school_id: i64,
    number: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    let mut q = students::table
        .filter(students::school_id.eq(school_id))
        .filter(students::student_number.eq(number))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(students::id.ne(id));
    }
    diesel::select(diesel::dsl::exists(q)).get_result(conn)
}

pub(super) fn replace_people(
    conn: &mut PgConnection,
    student_id: i64,
    v: &StudentValues,
) -> QueryResult<()> {
    diesel::delete(guardians::table.filter(guardians::student_id.eq(student_id))).execute(conn)?;
    diesel::delete(emergency_contacts::table.filter(emergency_contacts::student_id.eq(student_id)))
        .execute(conn)?;
    let g: Vec<_> = v
        .guardians
        .iter()
        .enumerate()
        .map(|(i, g)| {
            (
                guardians::school_id.eq(v.school_id),
                guardians::student_id.eq(student_id),
                guardians::position.eq(i as i16),
                guardians::name.eq(&g.name),
                guardians::relationship.eq(&g.relationship),
                guardians::phone.eq(&g.phone),
                guardians::email.eq(&g.email),
            )
        })
        .collect();
    diesel::insert_into(guardians::table)
        .values(&g)
        .execute(conn)?;
    let c: Vec<_> = v
        .contacts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                emergency_contacts::school_id.eq(v.school_id),
                emergency_contacts::student_id.eq(student_id),
                emergency_contacts::position.eq(i as i16),
                emergency_contacts::name.eq(&c.name),
                emergency_contacts::relationship.eq(&c.relationship),
                emergency_contacts::phone.eq(&c.phone),
            )
        })
        .collect();
    diesel::insert_into(emergency_contacts::table)
        .values(&c)
        .execute(conn)?;
    Ok(())
}

/// Puts the student in `class_id` from `today`: the current enrolment ends yesterday (or, if it
/// began today, is replaced) and a new one starts, so earlier days keep their class.
pub fn move_to_class(
    conn: &mut PgConnection,
    school_id: i64,
    student_id: i64,
    class_id: Option<i64>,
    today: NaiveDate,
) -> QueryResult<()> {
    let current: Option<(i64, i64, NaiveDate)> = enrolments::table
        .filter(enrolments::student_id.eq(student_id))
        .filter(enrolments::starts_on.le(today))
        .filter(
            enrolments::ends_on
                .is_null()
                .or(enrolments::ends_on.ge(today)),
        )
        .order(enrolments::starts_on.desc())
        .select((enrolments::id, enrolments::class_id, enrolments::starts_on))
        .first(conn)
        .optional()?;
    if current.map(|c| c.1) == class_id {
        return Ok(());
    }
    if let Some((id, _, starts_on)) = current {
        if starts_on >= today {
            diesel::delete(enrolments::table.find(id)).execute(conn)?;
        } else {
            diesel::update(enrolments::table.find(id))
                .set(enrolments::ends_on.eq(today - Duration::days(1)))
                .execute(conn)?;
        }
    }
    if let Some(class_id) = class_id {
        diesel::insert_into(enrolments::table)
            .values((
                enrolments::school_id.eq(school_id),
                enrolments::student_id.eq(student_id),
                enrolments::class_id.eq(class_id),
                enrolments::starts_on.eq(today),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub(super) fn entry<'a>(
    actor: &'a Actor,
    action: &'a str,
    id: i64,
    school_id: i64,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> NewAuditEntry<'a> {
    NewAuditEntry {
        at: actor.at,
        actor_id: Some(actor.user_id),
        ip: actor.ip.as_deref(),
        school_id: Some(school_id),
        action,
        entity: "student",
        entity_id: Some(id),
        before,
        after,
    }
}

/// Creates a student with guardians, contacts, class and an audit row, in one transaction.
pub fn insert_student(
    conn: &mut PgConnection,
    v: &StudentValues,
    actor: &Actor,
    today: NaiveDate,
) -> Result<i64, Refusal> {
    conn.transaction(|conn| {
        if number_taken(conn, v.school_id, &v.student_number, None)? {
            return Err(Refusal::NumberTaken);
        }
        let id: i64 = diesel::insert_into(students::table)
            .values((
                students::school_id.eq(v.school_id),
                students::student_number.eq(&v.student_number),
                students::given_name.eq(&v.given_name),
                students::family_name.eq(&v.family_name),
                students::preferred_name.eq(&v.preferred_name),
                students::date_of_birth.eq(v.date_of_birth),
                students::gender.eq(&v.gender),
                students::enrolled_on.eq(v.enrolled_on.or(Some(today))),
                students::medical_notes.eq(&v.medical_notes),
                students::allergies.eq(&v.allergies),
                students::created_at.eq(actor.at),
                students::updated_at.eq(actor.at),
            ))
            .on_conflict((students::school_id, students::student_number))
            .do_nothing()
            .returning(students::id)
            .get_result(conn)
            .optional()?
            .ok_or(Refusal::NumberTaken)?;
        replace_people(conn, id, v)?;
        let starts = v.enrolled_on.filter(|d| *d <= today).unwrap_or(today);
        move_to_class(conn, v.school_id, id, v.class_id, starts)?;
        audit::insert_entry(
            conn,
            &entry(
                actor,
                "create",
                id,
                v.school_id,
                None,
                Some(values_json(v, "active")),
            ),
        )?;
        Ok(id)
    })
}

/// Saves an edit made on `version`; a newer save by someone else is refused with their record.
pub fn update_student(
    conn: &mut PgConnection,
    scope: SchoolScope,
    id: i64,
    version: DateTime<Utc>,
    v: &StudentValues,
    actor: &Actor,
    today: NaiveDate,
) -> Result<(), Refusal> {
    conn.transaction(|conn| {
        students::table
            .find(id)
            .select(students::id)
            .for_update()
            .execute(conn)?;
        let current = find_student(conn, scope, id, today)?;
        if current.student.updated_at != version {
            return Err(Refusal::Conflict(Box::new(current)));
        }
        if number_taken(conn, current.student.school_id, &v.student_number, Some(id))? {
            return Err(Refusal::NumberTaken);
        }
        diesel::update(students::table.find(id))
            .set((
                students::student_number.eq(&v.student_number),
                students::given_name.eq(&v.given_name),
                students::family_name.eq(&v.family_name),
                students::preferred_name.eq(&v.preferred_name),
                students::date_of_birth.eq(v.date_of_birth),
                students::gender.eq(&v.gender),
                students::enrolled_on.eq(v.enrolled_on),
                students::medical_notes.eq(&v.medical_notes),
                students::allergies.eq(&v.allergies),
                students::updated_at.eq(actor.at),
            ))
            .execute(conn)?;
        let mut values = v.clone();
        values.school_id = current.student.school_id;
        replace_people(conn, id, &values)?;
        move_to_class(conn, current.student.school_id, id, v.class_id, today)?;
        let (before, after) = crate::audit::changed_fields(
            &current.audit_json(),
            &values_json(&values, &current.student.status),
        );
        audit::insert_entry(
            conn,
            &entry(
                actor,
                "update",
                id,
                current.student.school_id,
                Some(before),
                Some(after),
            ),
        )?;
        Ok(())
    })
}

/// Withdraws (keeping every record, leaving registers) or reinstates a student.
pub fn set_status(
    conn: &mut PgConnection,
    scope: SchoolScope,
    id: i64,
    status: &str,
    actor: &Actor,
    today: NaiveDate,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        let current = find_student(conn, scope, id, today)?;
        diesel::update(students::table.find(id))
            .set((
                students::status.eq(status),
                students::updated_at.eq(actor.at),
            ))
            .execute(conn)?;
        let action = if status == "withdrawn" {
            "withdraw"
        } else {
            "reinstate"
        };
        audit::insert_entry(
            conn,
            &entry(
                actor,
                action,
                id,
                current.student.school_id,
                Some(json!({ "status": current.student.status })),
                Some(json!({ "status": status })),
            ),
        )
    })
}
