//! The audit trail: who changed or viewed what, written in the same transaction as the change.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::Value;

use crate::schema::audit_log;

/// Who is making a change, when and from where (copied into audit rows).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub school_id: Option<i64>,
    pub ip: Option<String>,
    pub at: DateTime<Utc>,
}

/// One audit row. `before`/`after` hold the changed fields (never password hashes).
#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditEntry<'a> {
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub ip: Option<&'a str>,
    pub school_id: Option<i64>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

pub fn insert_entry(conn: &mut PgConnection, entry: &NewAuditEntry) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(entry)
        .execute(conn)
        .map(|_| ())
}

/// Only the fields that differ, as (before, after) JSON objects.
pub fn changed_fields(
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> (serde_json::Value, serde_json::Value) {
    let (mut b, mut a) = (serde_json::Map::new(), serde_json::Map::new());
    if let (Some(bo), Some(ao)) = (before.as_object(), after.as_object()) {
        for (k, v) in ao {
            if bo.get(k) != Some(v) {
                b.insert(
                    k.clone(),
                    bo.get(k).cloned().unwrap_or(serde_json::Value::Null),
                );
                a.insert(k.clone(), v.clone());
            }
        }
    }
    (serde_json::Value::Object(b), serde_json::Value::Object(a))
}

/// Writes an audit row for a structure record.
#[allow(clippy::too_many_arguments)]
pub fn audit_change(
    conn: &mut PgConnection,
    actor: &Actor,
    action: &str,
    entity: &str,
    id: i64,
    school_id: i64,
    before: Option<Value>,
    after: Option<Value>,
) -> QueryResult<()> {
    insert_entry(
        conn,
        &NewAuditEntry {
            at: actor.at,
            actor_id: Some(actor.user_id),
            ip: actor.ip.as_deref(),
            school_id: Some(school_id),
            action,
            entity,
            entity_id: Some(id),
            before,
            after,
        },
    )
}

/// The actor of a change made in this request.
pub fn actor(
    req: &actix_web::HttpRequest,
    state: &crate::AppState,
    user: &crate::web::CurrentUser,
) -> Actor {
    Actor {
        user_id: user.id,
        school_id: user.school_id,
        ip: crate::web::client_ip(req, &state.settings.trusted_proxies).map(|ip| ip.to_string()),
        at: state.clock.now(),
    }
}

#[cfg(test)]
mod tests {
    use super::changed_fields;
    use serde_json::json;

    #[test]
    fn only_changed_fields_are_kept() {
        let (before, after) = changed_fields(
            &json!({ "a": 1, "b": "x", "c": null }),
            &json!({ "a": 1, "b": "y", "c": 2 }),
        );
        assert_eq!(before, json!({ "b": "x", "c": null }));
        assert_eq!(after, json!({ "b": "y", "c": 2 }));
    }
}
