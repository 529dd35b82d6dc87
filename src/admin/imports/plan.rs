//! What an import would do, row by row, decided against the database without writing anything;
//! and applying it, all rows or none, in one transaction.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use super::parse::{Problem, Row};
use crate::admin::queries::SchoolScope;
use crate::admin::students::forms::{self, ContactRow, GuardianRow, StudentForm, StudentValues};
use crate::admin::students::queries as students;
use crate::audit::Actor;
use crate::domain::EmailAddress;
use crate::schema::{emergency_contacts, enrolments, guardians, users};
use crate::web::Role;

pub const STUDENT_REQUIRED: &[&str] = &["student_number", "given_name", "family_name"];
pub const STUDENT_COLUMNS: &[&str] = &[
    "student_number",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "gender",
    "enrolled_on",
    "class",
    "medical_notes",
    "allergies",
    "guardian1_name",
    "guardian1_relationship",
    "guardian1_phone",
    "guardian1_email",
    "guardian2_name",
    "guardian2_relationship",
    "guardian2_phone",
    "guardian2_email",
];
/// Columns the student import accepts: its own, and the two extra ones the export adds (ignored).
pub const STUDENT_ALLOWED: &[&str] = &[
    "student_number",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "gender",
    "enrolled_on",
    "class",
    "medical_notes",
    "allergies",
    "guardian1_name",
    "guardian1_relationship",
    "guardian1_phone",
    "guardian1_email",
    "guardian2_name",
    "guardian2_relationship",
    "guardian2_phone",
    "guardian2_email",
    "status",
    "school",
];
pub const PEOPLE_REQUIRED: &[&str] = &["email", "name", "role"];
pub const PEOPLE_COLUMNS: &[&str] = &["email", "name", "role", "phone"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Action {
    Create,
    Update,
    Unchanged,
    Rejected,
}

impl Action {
    pub fn label(&self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "no change",
            Action::Rejected => "rejected",
        }
    }
}

/// One row's fate.
#[derive(Debug, Clone)]
pub struct Planned {
    pub line: usize,
    pub key: String,
    pub label: String,
    pub action: Action,
    pub problems: Vec<Problem>,
    /// Fields that will change (updates).
    pub changes: Vec<String>,
}

/// A student row to write: what to do, the values, and (id, version) when it exists.
pub type StudentWrite = (Action, StudentValues, Option<(i64, DateTime<Utc>)>);
/// An existing account: (id, name, role, phone, school).
type ExistingUser = (i64, String, String, Option<String>, Option<i64>);

#[derive(Debug, Default)]
pub struct Plan {
    pub rows: Vec<Planned>,
    pub students: Vec<StudentWrite>,
    pub people: Vec<(Action, PersonValues, Option<i64>)>,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.rows.iter().filter(|r| r.action == action).count()
    }

    pub fn problems(&self) -> usize {
        self.rows.iter().map(|r| r.problems.len()).sum()
    }
}

/// Which CSV column a form field's message belongs to.
fn column_of(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("guardian_") {
        if let Some((name, i)) = rest.rsplit_once('_') {
            if let Ok(i) = i.parse::<usize>() {
                return format!("guardian{}_{name}", i + 1);
            }
        }
    }
    match field {
        "class_id" => "class".into(),
        other => other.into(),
    }
}

struct Existing {
    id: i64,
    updated_at: DateTime<Utc>,
    json: serde_json::Value,
    contacts: Vec<ContactRow>,
    values: BTreeMap<&'static str, String>,
}

/// Existing students of the school with these numbers, with guardians, contacts and class, in
/// four queries whatever the number of rows.
fn existing_students(
    conn: &mut PgConnection,
    school: i64,
    numbers: &[String],
    today: NaiveDate,
) -> QueryResult<HashMap<String, Existing>> {
    use crate::schema::students as st;
    let found: Vec<students::Student> = st::table
        .filter(st::school_id.eq(school))
        .filter(st::student_number.eq_any(numbers))
        .select((
            st::id,
            st::school_id,
            st::student_number,
            st::given_name,
            st::family_name,
            st::preferred_name,
            st::date_of_birth,
            st::gender,
            st::status,
            st::enrolled_on,
            st::medical_notes,
            st::allergies,
            st::updated_at,
        ))
        .load(conn)?;
    let ids: Vec<i64> = found.iter().map(|s| s.id).collect();
    let mut g: HashMap<i64, Vec<forms::Guardian>> = HashMap::new();
    for (sid, name, relationship, phone, email) in guardians::table
        .filter(guardians::student_id.eq_any(&ids))
        .order((guardians::student_id, guardians::position, guardians::id))
        .select((
            guardians::student_id,
            guardians::name,
            guardians::relationship,
            guardians::phone,
            guardians::email,
        ))
        .load::<(i64, String, String, String, String)>(conn)?
    {
        g.entry(sid).or_default().push(forms::Guardian {
            name,
            relationship,
            phone,
            email,
        });
    }
    let mut c: HashMap<i64, Vec<forms::Contact>> = HashMap::new();
    for (sid, name, relationship, phone) in emergency_contacts::table
        .filter(emergency_contacts::student_id.eq_any(&ids))
        .order((
            emergency_contacts::student_id,
            emergency_contacts::position,
            emergency_contacts::id,
        ))
        .select((
            emergency_contacts::student_id,
            emergency_contacts::name,
            emergency_contacts::relationship,
            emergency_contacts::phone,
        ))
        .load::<(i64, String, String, String)>(conn)?
    {
        c.entry(sid).or_default().push(forms::Contact {
            name,
            relationship,
            phone,
        });
    }
    let classes: HashMap<i64, (i64, String)> = enrolments::table
        .inner_join(crate::schema::classes::table)
        .filter(enrolments::student_id.eq_any(&ids))
        .filter(enrolments::starts_on.le(today))
        .filter(
            enrolments::ends_on
                .is_null()
                .or(enrolments::ends_on.ge(today)),
        )
        .select((
            enrolments::student_id,
            crate::schema::classes::id,
            crate::schema::classes::name,
        ))
        .load::<(i64, i64, String)>(conn)?
        .into_iter()
        .map(|(s, id, name)| (s, (id, name)))
        .collect();
    let mut out = HashMap::new();
    for s in found {
        let record = students::StudentRecord {
            school_name: String::new(),
            class: classes.get(&s.id).cloned(),
            guardians: g.remove(&s.id).unwrap_or_default(),
            contacts: c.remove(&s.id).unwrap_or_default(),
            student: s,
        };
        let d = |d: Option<NaiveDate>| {
            d.map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        };
        let st = &record.student;
        let values = BTreeMap::from([
            (
                "preferred_name",
                st.preferred_name.clone().unwrap_or_default(),
            ),
            ("date_of_birth", d(st.date_of_birth)),
            ("gender", st.gender.clone().unwrap_or_default()),
            ("enrolled_on", d(st.enrolled_on)),
            (
                "class",
                record
                    .class
                    .as_ref()
                    .map(|c| c.1.clone())
                    .unwrap_or_default(),
            ),
            ("medical_notes", st.medical_notes.clone()),
            ("allergies", st.allergies.clone()),
        ]);
        let mut json = record.audit_json();
        json.as_object_mut().map(|o| o.remove("status"));
        out.insert(
            st.student_number.clone(),
            Existing {
                id: st.id,
                updated_at: st.updated_at,
                contacts: record
                    .contacts
                    .iter()
                    .map(|c| ContactRow {
                        name: c.name.clone(),
                        relationship: c.relationship.clone(),
                        phone: c.phone.clone(),
                    })
                    .collect(),
                values,
                json,
            },
        );
    }
    Ok(out)
}

/// Plans a students file for one school.
pub fn plan_students(
    conn: &mut PgConnection,
    school: (i64, String),
    rows: &[Row],
    today: NaiveDate,
) -> QueryResult<Plan> {
    let classes = students::list_current_classes(conn, SchoolScope::School(school.0), today)?;
    let numbers: Vec<String> = rows
        .iter()
        .map(|r| r.get("student_number").to_string())
        .collect();
    let existing = existing_students(conn, school.0, &numbers, today)?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut plan = Plan::default();
    for row in rows {
        let number = row.get("student_number").to_string();
        let found = existing.get(&number);
        // A column the file leaves out keeps the stored value.
        let pick = |col: &'static str| -> String {
            match row.values.get(col) {
                Some(v) => v.trim().to_string(),
                None => found
                    .and_then(|e| e.values.get(col).cloned())
                    .unwrap_or_default(),
            }
        };
        let mut problems = Vec::new();
        let class_name = pick("class");
        let class_id = if class_name.is_empty() {
            String::new()
        } else {
            match classes
                .iter()
                .find(|(_, _, n)| n.eq_ignore_ascii_case(&class_name))
            {
                Some((id, _, _)) => id.to_string(),
                None => {
                    problems.push(Problem {
                        line: row.line,
                        column: "class".into(),
                        message: format!("There is no class “{class_name}” this year."),
                    });
                    String::new()
                }
            }
        };
        let guardian = |i: usize| GuardianRow {
            name: row.get(&format!("guardian{i}_name")).to_string(),
            relationship: row.get(&format!("guardian{i}_relationship")).to_string(),
            phone: row.get(&format!("guardian{i}_phone")).to_string(),
            email: row.get(&format!("guardian{i}_email")).to_string(),
        };
        let has_guardian_columns = row.values.keys().any(|k| k.starts_with("guardian"));
        let form = StudentForm {
            school_id: school.0.to_string(),
            student_number: number.clone(),
            given_name: row.get("given_name").to_string(),
            family_name: row.get("family_name").to_string(),
            preferred_name: pick("preferred_name"),
            date_of_birth: pick("date_of_birth"),
            gender: pick("gender"),
            enrolled_on: pick("enrolled_on"),
            class_id,
            medical_notes: pick("medical_notes"),
            allergies: pick("allergies"),
            version: String::new(),
            guardians: if has_guardian_columns {
                vec![guardian(1), guardian(2)]
            } else {
                Vec::new()
            },
            contacts: found.map(|e| e.contacts.clone()).unwrap_or_default(),
            action: String::new(),
        };
        let mut values =
            match forms::validate(&form, std::slice::from_ref(&school), &classes, today) {
                Ok(v) => Some(v),
                Err(errors) => {
                    for (field, message) in errors {
                        problems.push(Problem {
                            line: row.line,
                            column: column_of(&field),
                            message,
                        });
                    }
                    None
                }
            };
        if let Some(first) = seen.get(&number) {
            problems.push(Problem {
                line: row.line,
                column: "student_number".into(),
                message: format!("The same student number is on line {first}."),
            });
        } else if !number.is_empty() {
            seen.insert(number.clone(), row.line);
        }
        if let (Some(v), Some(e), false) = (values.as_mut(), found, has_guardian_columns) {
            // Without guardian columns the file leaves guardians as they are.
            if let Some(list) = e
                .json
                .get("guardians")
                .and_then(|g| serde_json::from_value::<Vec<forms::Guardian>>(g.clone()).ok())
            {
                v.guardians = list;
            }
        }
        let label = format!("{} {}", row.get("given_name"), row.get("family_name"));
        let (action, changes) = match (&values, found, problems.is_empty()) {
            (_, _, false) | (None, _, _) => (Action::Rejected, Vec::new()),
            (Some(_), None, true) => (Action::Create, Vec::new()),
            (Some(v), Some(e), true) => {
                let mut new = students::values_json(v, "");
                new.as_object_mut().map(|o| o.remove("status"));
                let (_, after) = crate::audit::changed_fields(&e.json, &new);
                let changed: Vec<String> = after
                    .as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default();
                if changed.is_empty() {
                    (Action::Unchanged, changed)
                } else {
                    (Action::Update, changed)
                }
            }
        };
        plan.rows.push(Planned {
            line: row.line,
            key: number,
            label,
            action,
            problems,
            changes,
        });
        if let Some(v) = values {
            plan.students
                .push((action, v, found.map(|e| (e.id, e.updated_at))));
        }
    }
    Ok(plan)
}

/// A validated person row.
#[derive(Debug, Clone)]
pub struct PersonValues {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub phone: Option<String>,
    pub school_id: Option<i64>,
}

/// Plans a staff-and-parents file. Teachers and principals belong to `school`.
pub fn plan_people(
    conn: &mut PgConnection,
    school: i64,
    grantable: &[Role],
    scope: SchoolScope,
    rows: &[Row],
) -> QueryResult<Plan> {
    let emails: Vec<String> = rows
        .iter()
        .filter_map(|r| EmailAddress::parse(r.get("email")).ok())
        .map(|e| e.as_str().to_string())
        .collect();
    let existing: HashMap<String, ExistingUser> = users::table
        .filter(users::email.eq_any(&emails))
        .select((
            users::id,
            users::email,
            users::display_name,
            users::role,
            users::phone,
            users::school_id,
        ))
        .load::<(i64, String, String, String, Option<String>, Option<i64>)>(conn)?
        .into_iter()
        .map(|(id, email, name, role, phone, school)| (email, (id, name, role, phone, school)))
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut plan = Plan::default();
    for row in rows {
        let mut problems = Vec::new();
        let mut fail = |column: &str, message: String| {
            problems.push(Problem {
                line: row.line,
                column: column.into(),
                message,
            })
        };
        let email = match EmailAddress::parse(row.get("email")) {
            Ok(e) => e.as_str().to_string(),
            Err(m) => {
                fail("email", m.into());
                String::new()
            }
        };
        let name = row.get("name").to_string();
        if name.is_empty() {
            fail("name", "Enter the person's name.".into());
        } else if name.chars().count() > 200 {
            fail("name", "A name has at most 200 characters.".into());
        } else if name.chars().any(char::is_control) {
            fail("name", "A name cannot contain control characters.".into());
        }
        let role = match row.get("role").to_lowercase().parse::<Role>() {
            Ok(r) if grantable.contains(&r) => Some(r),
            Ok(r) => {
                fail(
                    "role",
                    format!("You cannot create {} accounts.", r.label().to_lowercase()),
                );
                None
            }
            Err(()) => {
                fail(
                    "role",
                    format!(
                        "“{}” is not a role. Use teacher, parent, principal or admin.",
                        row.get("role")
                    ),
                );
                None
            }
        };
        let phone = row.get("phone");
        let phone = if phone.is_empty() {
            None
        } else if phone.chars().count() > 40
            || !phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        {
            fail("phone", "Use digits, spaces and + - ( ) only.".into());
            None
        } else {
            Some(phone.to_string())
        };
        if let Some(first) = seen.get(&email) {
            fail("email", format!("The same email is on line {first}."));
        } else if !email.is_empty() {
            seen.insert(email.clone(), row.line);
        }
        let school_id = role
            .filter(|r| matches!(r, Role::Teacher | Role::Principal))
            .map(|_| school);
        let found = existing.get(&email);
        if let (Some((_, _, old_role, _, old_school)), Some(r)) = (found, role) {
            if old_role != r.as_str() {
                fail("role", format!("This account is a {old_role}; change roles on the person's page, not by import."));
            } else if matches!(scope.filter(), Some(own) if old_school.is_some_and(|s| s != own)) {
                fail(
                    "email",
                    "This email belongs to an account of another school.".into(),
                );
            }
        }
        let action = match (problems.is_empty(), found) {
            (false, _) => Action::Rejected,
            (true, None) => Action::Create,
            (true, Some((_, old_name, _, old_phone, _))) => {
                if *old_name == name && *old_phone == phone {
                    Action::Unchanged
                } else {
                    Action::Update
                }
            }
        };
        let changes = match (action, found) {
            (Action::Update, Some((_, old_name, _, old_phone, _))) => {
                let mut c = Vec::new();
                if *old_name != name {
                    c.push("name".to_string());
                }
                if *old_phone != phone {
                    c.push("phone".to_string());
                }
                c
            }
            _ => Vec::new(),
        };
        plan.rows.push(Planned {
            line: row.line,
            key: email.clone(),
            label: name.clone(),
            action,
            problems,
            changes,
        });
        if let (Some(role), true) = (role, action != Action::Rejected) {
            plan.people.push((
                action,
                PersonValues {
                    email,
                    name,
                    role,
                    phone,
                    school_id,
                },
                found.map(|f| f.0),
            ));
        }
    }
    Ok(plan)
}

/// Applies a plan with no rejected rows. Runs inside the caller's transaction.
pub fn apply(
    conn: &mut PgConnection,
    plan: &Plan,
    scope: SchoolScope,
    actor: &Actor,
    today: NaiveDate,
    inviter: &str,
    public_url: &str,
) -> Result<(), String> {
    for (action, values, found) in &plan.students {
        match (action, found) {
            (Action::Create, _) => {
                students::insert_student(conn, values, actor, today)
                    .map_err(|e| format!("{} could not be added: {e:?}", values.student_number))?;
            }
            (Action::Update, Some((id, version))) => {
                students::update_student(conn, scope, *id, *version, values, actor, today)
                    .map_err(|e| format!("{} changed meanwhile: {e:?}", values.student_number))?;
            }
            _ => {}
        }
    }
    for (action, p, found) in &plan.people {
        match (action, found) {
            (Action::Create, _) => {
                let v = crate::admin::users::queries::UserValues {
                    display_name: p.name.clone(),
                    email: p.email.clone(),
                    role: p.role.as_str().into(),
                    school_id: p.school_id,
                    phone: p.phone.clone(),
                };
                crate::admin::users::queries::insert_user(conn, &v, actor, inviter, public_url)
                    .map_err(|e| format!("{} could not be added: {e:?}", p.email))?;
            }
            (Action::Update, Some(id)) => {
                diesel::update(users::table.find(*id))
                    .set((
                        users::display_name.eq(&p.name),
                        users::phone.eq(&p.phone),
                        users::updated_at.eq(actor.at),
                    ))
                    .execute(conn)
                    .map_err(|e| e.to_string())?;
                crate::audit::insert_entry(conn, &crate::audit::NewAuditEntry {
                    at: actor.at, actor_id: Some(actor.user_id), ip: actor.ip.as_deref(), school_id: p.school_id.or(actor.school_id),
                    action: "update", entity: "user", entity_id: Some(*id), before: None,
                    after: Some(serde_json::json!({ "display_name": p.name, "phone": p.phone, "source": "import" })),
                }).map_err(|e| e.to_string())?;
            }
            _ => {}
        }
    }
    Ok(())
}
