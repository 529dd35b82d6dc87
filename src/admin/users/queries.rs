//! User queries for the office, scoped by `SchoolScope` in every WHERE clause.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamptz};
use serde_json::json;

use crate::admin::queries::Matches;
use crate::audit::{self, Actor, NewAuditEntry};
use crate::models::schools::SchoolScope;
use crate::schema::{parent_students, schools, sessions, students, users};

pub const PAGE_SIZE: i64 = 50;

/// One row of the people list.
#[derive(Debug, Queryable)]
pub struct UserRow {
    pub id: i64,
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub active: bool,
    pub invited: bool,
    pub school_name: Option<String>,
}

/// What the list is filtered by.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub search: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
    pub page: i64,
}

/// `text` as a LIKE pattern matching it anywhere, with `%`, `_` and `\` taken literally.
pub fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The users in scope matching `filter`, with only the conditions given: each combination is
/// then its own statement with a plan that fits it.
fn matching<'a>(scope: SchoolScope, filter: &UserFilter) -> users::BoxedQuery<'a, diesel::pg::Pg> {
    let mut query = users::table.into_boxed();
    if let Some(school) = scope.filter() {
        // Staff of the school, or parents of one of its students.
        let parents = parent_students::table
            .inner_join(students::table)
            .filter(students::school_id.eq(school))
            .select(parent_students::parent_id);
        query = query.filter(
            users::school_id
                .eq(school)
                .or(users::id.nullable().eq_any(parents.nullable())),
        );
    }
    if let Some(pattern) = filter.search.as_deref().map(contains_pattern) {
        query = query.filter(
            users::display_name
                .ilike(pattern.clone())
                .or(users::email.ilike(pattern)),
        );
    }
    if let Some(role) = &filter.role {
        query = query.filter(users::role.eq(role.clone()));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    query
}

/// One page of users in scope by name, and how many match (counted a few pages ahead).
pub fn list_users(
    conn: &mut PgConnection,
    scope: SchoolScope,
    filter: &UserFilter,
) -> QueryResult<(Vec<UserRow>, Matches)> {
    let offset = filter.page.max(0) * PAGE_SIZE;
    let rows = matching(scope, filter)
        .left_join(schools::table)
        .select((
            users::id,
            users::display_name,
            users::email,
            users::role,
            users::active,
            users::password_hash.is_null(),
            schools::name.nullable(),
        ))
        .order((users::display_name, users::id))
        .limit(PAGE_SIZE)
        .offset(offset)
        .load(conn)?;
    let limit = Matches::count_limit(offset, PAGE_SIZE);
    let counted = matching(scope, filter)
        .select(users::id)
        .limit(limit + 1)
        .load::<i64>(conn)?
        .len() as i64;
    Ok((rows, Matches::of(counted, limit)))
}

/// Everything the office sees about one user.
#[derive(Debug, Clone, QueryableByName)]
pub struct UserDetails {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub display_name: String,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub school_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub school_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub phone: Option<String>,
    #[diesel(sql_type = Bool)]
    pub active: bool,
    #[diesel(sql_type = Bool)]
    pub invited: bool,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub locked_until: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_login_at: Option<DateTime<Utc>>,
    /// The edit version: forms carry it back, and a save over a newer change is refused.
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

/// One user in scope, or NotFound.
pub fn find_user(
    conn: &mut PgConnection,
    scope: SchoolScope,
    user_id: i64,
) -> QueryResult<UserDetails> {
    crate::db::statement(include_str!("sql/find_user.sql"))
        .bind::<Nullable<BigInt>, _>(scope.filter())
        .bind::<BigInt, _>(user_id)
        .get_result(conn)
}

/// Validated values of the user form.
#[derive(Debug, Clone)]
pub struct UserValues {
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub school_id: Option<i64>,
    pub phone: Option<String>,
}

impl UserValues {
    fn audit_json(&self) -> serde_json::Value {
        json!({ "display_name": self.display_name, "email": self.email, "role": self.role,
                "school_id": self.school_id, "phone": self.phone })
    }
}

/// Why a change was refused.
#[derive(Debug)]
pub enum Refusal {
    EmailTaken,
    LastAdmin,
    /// Someone saved a newer version; here is what they saved.
    Conflict(Box<UserDetails>),
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for Refusal {
    fn from(e: diesel::result::Error) -> Self {
        Refusal::Database(e)
    }
}

fn email_taken(conn: &mut PgConnection, email: &str, except: Option<i64>) -> QueryResult<bool> {
    let mut query = users::table.filter(users::email.eq(email)).into_boxed();
    if let Some(id) = except {
        query = query.filter(users::id.ne(id));
    }
    diesel::select(diesel::dsl::exists(query)).get_result(conn)
}

/// How many active admins other than `except` there are.
fn other_active_admins(conn: &mut PgConnection, except: i64) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq("admin"))
        .filter(users::active.eq(true))
        .filter(users::id.ne(except))
        .count()
        .get_result(conn)
}

/// Creates an account with no password and sends its invitation, with an audit row, in one
/// transaction.
pub fn insert_user(
    conn: &mut PgConnection,
    values: &UserValues,
    actor: &Actor,
    inviter: &str,
    public_url: &str,
) -> Result<i64, Refusal> {
    conn.transaction(|conn| {
        // Serialise concurrent creations of the same email.
        if email_taken(conn, &values.email, None)? {
            return Err(Refusal::EmailTaken);
        }
        let id: i64 = diesel::insert_into(users::table)
            .values((
                users::email.eq(&values.email),
                users::display_name.eq(&values.display_name),
                users::role.eq(&values.role),
                users::school_id.eq(values.school_id),
                users::phone.eq(&values.phone),
                users::created_at.eq(actor.at),
                users::updated_at.eq(actor.at),
            ))
            .on_conflict(users::email)
            .do_nothing()
            .returning(users::id)
            .get_result(conn)
            .optional()?
            .ok_or(Refusal::EmailTaken)?;
        let recipient = crate::models::tokens::Recipient {
            user_id: id,
            email: values.email.clone(),
            display_name: values.display_name.clone(),
            school_id: values.school_id,
        };
        crate::models::tokens::issue(
            conn,
            &recipient,
            crate::models::tokens::Purpose::Invite,
            Some(inviter),
            public_url,
            actor.at,
        )?;
        audit::insert_entry(
            conn,
            &audit_row(actor, "create", id, None, Some(values.audit_json())),
        )?;
        Ok(id)
    })
}

fn audit_row<'a>(
    actor: &'a Actor,
    action: &'a str,
    id: i64,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> NewAuditEntry<'a> {
    NewAuditEntry {
        at: actor.at,
        actor_id: Some(actor.user_id),
        ip: actor.ip.as_deref(),
        school_id: actor.school_id,
        action,
        entity: "user",
        entity_id: Some(id),
        before,
        after,
    }
}

/// Saves an edit made on version `version`; refuses a save over a newer change, a taken email,
/// and demoting the last active admin. Changing email or role ends the user's sessions.
pub fn update_user(
    conn: &mut PgConnection,
    scope: SchoolScope,
    user_id: i64,
    version: DateTime<Utc>,
    values: &UserValues,
    actor: &Actor,
) -> Result<(), Refusal> {
    conn.transaction(|conn| {
        crate::db::statement(include_str!("sql/lock_user_changes.sql")).execute(conn)?;
        let current = find_user(conn, scope, user_id)?;
        if current.updated_at != version {
            return Err(Refusal::Conflict(Box::new(current)));
        }
        if email_taken(conn, &values.email, Some(user_id))? {
            return Err(Refusal::EmailTaken);
        }
        if current.role == "admin"
            && values.role != "admin"
            && current.active
            && other_active_admins(conn, user_id)? == 0
        {
            return Err(Refusal::LastAdmin);
        }
        diesel::update(users::table.find(user_id))
            .set((
                users::display_name.eq(&values.display_name),
                users::email.eq(&values.email),
                users::role.eq(&values.role),
                users::school_id.eq(values.school_id),
                users::phone.eq(&values.phone),
                users::updated_at.eq(actor.at),
            ))
            .execute(conn)?;
        if current.email != values.email || current.role != values.role {
            diesel::update(users::table.find(user_id))
                .set(users::auth_version.eq(users::auth_version + 1))
                .execute(conn)?;
            diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
        }
        let before = UserValues {
            display_name: current.display_name,
            email: current.email,
            role: current.role,
            school_id: current.school_id,
            phone: current.phone,
        }
        .audit_json();
        let (before, after) = audit::changed_fields(&before, &values.audit_json());
        audit::insert_entry(
            conn,
            &audit_row(actor, "update", user_id, Some(before), Some(after)),
        )?;
        Ok(())
    })
}

/// Deactivates (ending every session at once) or reactivates a user in scope.
pub fn set_active(
    conn: &mut PgConnection,
    scope: SchoolScope,
    user_id: i64,
    active: bool,
    actor: &Actor,
) -> Result<(), Refusal> {
    conn.transaction(|conn| {
        crate::db::statement(include_str!("sql/lock_user_changes.sql")).execute(conn)?;
        let current = find_user(conn, scope, user_id)?;
        if !active
            && current.role == "admin"
            && current.active
            && other_active_admins(conn, user_id)? == 0
        {
            return Err(Refusal::LastAdmin);
        }
        diesel::update(users::table.find(user_id))
            .set((users::active.eq(active), users::updated_at.eq(actor.at)))
            .execute(conn)?;
        if !active {
            diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
        }
        audit::insert_entry(
            conn,
            &audit_row(
                actor,
                if active { "reactivate" } else { "deactivate" },
                user_id,
                Some(json!({ "active": current.active })),
                Some(json!({ "active": active })),
            ),
        )?;
        Ok(())
    })
}

/// Emails the user a link to choose a password (an invitation again if they never chose one).
pub fn send_link(
    conn: &mut PgConnection,
    scope: SchoolScope,
    user_id: i64,
    actor: &Actor,
    inviter: &str,
    public_url: &str,
) -> Result<(), Refusal> {
    conn.transaction(|conn| {
        let user = find_user(conn, scope, user_id)?;
        if !user.active {
            return Err(Refusal::Database(diesel::result::Error::NotFound));
        }
        let recipient = crate::models::tokens::Recipient {
            user_id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            school_id: user.school_id,
        };
        let purpose = if user.invited {
            crate::models::tokens::Purpose::Invite
        } else {
            crate::models::tokens::Purpose::Reset
        };
        crate::models::tokens::issue(
            conn,
            &recipient,
            purpose,
            Some(inviter),
            public_url,
            actor.at,
        )?;
        audit::insert_entry(
            conn,
            &audit_row(actor, "send_password_link", user_id, None, None),
        )?;
        Ok(())
    })
}
