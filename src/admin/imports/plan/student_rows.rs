//! Planning a students import: each row matched with the student it creates or updates.

use super::*;

pub(super) struct Existing {
    pub(super) id: i64,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) json: serde_json::Value,
    pub(super) contacts: Vec<ContactRow>,
    pub(super) values: BTreeMap<&'static str, String>,
}

/// Existing students of the school with these numbers, with guardians, contacts and class, in
/// four queries whatever the number of rows.
pub(super) fn existing_students(
    conn: &mut PgConnection,
    school: i64,
    numbers: &[String],
    today: NaiveDate,
) -> QueryResult<HashMap<String, Existing>> {
    use crate::schema::students as st;
    let found: Vec<crate::models::students::Student> = st::table
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
    let mut g: HashMap<i64, Vec<crate::models::students::Guardian>> = HashMap::new();
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
        g.entry(sid)
            .or_default()
            .push(crate::models::students::Guardian {
                name,
                relationship,
                phone,
                email,
            });
    }
    let mut c: HashMap<i64, Vec<crate::models::students::Contact>> = HashMap::new();
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
        c.entry(sid)
            .or_default()
            .push(crate::models::students::Contact {
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
        let record = crate::models::students::StudentRecord {
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
            if let Some(list) = e.json.get("guardians").and_then(|g| {
                serde_json::from_value::<Vec<crate::models::students::Guardian>>(g.clone()).ok()
            }) {
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
