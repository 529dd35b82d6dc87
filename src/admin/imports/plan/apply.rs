//! Applying a plan: all rows or none, in one transaction.

use super::*;

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
