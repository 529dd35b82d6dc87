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
