//! Student queries for the office. Every query filters on the user's `SchoolScope`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::admin::queries::{Matches, SchoolScope};
use crate::admin::students::forms::StudentValues;
use crate::audit::{self, Actor, NewAuditEntry};
pub use crate::models::students::{find_student, load_record, record_view, Student, StudentRecord};
use crate::schema::{
    academic_years, classes, emergency_contacts, enrolments, guardians, parent_students, students,
};

pub const PAGE_SIZE: i64 = 50;

#[derive(Debug)]
pub struct StudentRow {
    pub id: i64,
    pub student_number: String,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub status: String,
    pub class_name: Option<String>,
    pub school_name: String,
}

#[derive(Debug, Clone, Default)]
pub struct StudentFilter {
    pub search: Option<String>,
    pub class_id: Option<i64>,
    pub status: Option<String>,
    pub page: i64,
}

/// The students in scope matching `f`, with only the conditions given: each combination is then
/// its own statement with a plan that fits it.
fn matching<'a>(
    scope: SchoolScope,
    today: NaiveDate,
    f: &StudentFilter,
) -> students::BoxedQuery<'a, diesel::pg::Pg> {
    use crate::models::rules::rollbook_enrolled_on;
    let mut query = students::table.into_boxed();
    if let Some(school) = scope.filter() {
        query = query.filter(students::school_id.eq(school));
    }
    if let Some(pattern) = f
        .search
        .as_deref()
        .map(crate::admin::users::queries::contains_pattern)
    {
        query = query.filter(
            students::given_name
                .ilike(pattern.clone())
                .or(students::family_name.ilike(pattern.clone()))
                .nullable()
                .or(students::preferred_name.ilike(pattern.clone()))
                .or(students::student_number.ilike(pattern).nullable()),
        );
    }
    if let Some(class_id) = f.class_id {
        query = query.filter(
            students::id.eq_any(
                enrolments::table
                    .filter(enrolments::class_id.eq(class_id))
                    .filter(rollbook_enrolled_on(
                        enrolments::starts_on,
                        enrolments::ends_on,
                        today,
                    ))
                    .select(enrolments::student_id),
            ),
        );
    }
    if let Some(status) = &f.status {
        query = query.filter(students::status.eq(status.clone()));
    }
    query
}

/// One page of the students in scope matching `f`, by name, with their current class, and how
/// many match. Only the page's students look up a class.
pub fn list_students(
    conn: &mut PgConnection,
    scope: SchoolScope,
    today: NaiveDate,
    f: &StudentFilter,
) -> QueryResult<(Vec<StudentRow>, Matches)> {
    use crate::models::rules::rollbook_enrolled_on;
    use crate::schema::schools;
    let offset = f.page.max(0) * PAGE_SIZE;
    type Page = (i64, String, String, String, Option<String>, String, String);
    let page: Vec<Page> = matching(scope, today, f)
        .inner_join(schools::table)
        .select((
            students::id,
            students::student_number,
            students::given_name,
            students::family_name,
            students::preferred_name,
            students::status,
            schools::name,
        ))
        .order((students::family_name, students::given_name, students::id))
        .limit(PAGE_SIZE)
        .offset(offset)
        .load(conn)?;
    let ids: Vec<i64> = page.iter().map(|p| p.0).collect();
    // Latest started first: a student's first row is their current class.
    let current: Vec<(i64, String)> = enrolments::table
        .inner_join(classes::table)
        .filter(enrolments::student_id.eq_any(&ids))
        .filter(rollbook_enrolled_on(
            enrolments::starts_on,
            enrolments::ends_on,
            today,
        ))
        .order((enrolments::student_id, enrolments::starts_on.desc()))
        .select((enrolments::student_id, classes::name))
        .load(conn)?;
    let rows = page
        .into_iter()
        .map(
            |(id, student_number, given_name, family_name, preferred_name, status, school_name)| {
                StudentRow {
                    class_name: current
                        .iter()
                        .find(|(s, _)| *s == id)
                        .map(|(_, name)| name.clone()),
                    id,
                    student_number,
                    given_name,
                    family_name,
                    preferred_name,
                    status,
                    school_name,
                }
            },
        )
        .collect();
    let limit = Matches::count_limit(offset, PAGE_SIZE);
    let counted = matching(scope, today, f)
        .select(students::id)
        .limit(limit + 1)
        .load::<i64>(conn)?
        .len() as i64;
    Ok((rows, Matches::of(counted, limit)))
}

/// Classes of the current academic year in scope: (id, school_id, "name (school)").
pub fn list_current_classes(
    conn: &mut PgConnection,
    scope: SchoolScope,
    today: NaiveDate,
) -> QueryResult<Vec<(i64, i64, String)>> {
    let mut q = classes::table
        .inner_join(academic_years::table)
        .filter(academic_years::starts_on.le(today))
        .filter(academic_years::ends_on.ge(today))
        .select((classes::id, classes::school_id, classes::name))
        .order((classes::school_id, classes::grade_level, classes::name))
        .into_boxed();
    if let Some(id) = scope.filter() {
        q = q.filter(classes::school_id.eq(id));
    }
    q.load(conn)
}

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

fn number_taken(
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

fn replace_people(conn: &mut PgConnection, student_id: i64, v: &StudentValues) -> QueryResult<()> {
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

fn entry<'a>(
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
