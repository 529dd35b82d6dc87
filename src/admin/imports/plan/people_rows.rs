//! Planning a people import: each row matched with the account it creates or updates.

use super::*;

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
