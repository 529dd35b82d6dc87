//! Office queries, scoped to what the user may see.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamptz};

use crate::models::schools::SchoolScope;

/// How many rows match a list's filter: counted exactly up to a limit, beyond which only
/// "more". Counting every match (a district's 50,000 students) on each visit would cost more
/// than the page itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matches {
    pub counted: i64,
    /// There are more than `counted`.
    pub more: bool,
}

/// Counting stops this many pages past the one shown.
pub const COUNT_PAGES_AHEAD: i64 = 20;

impl Matches {
    /// How far to count for the page starting at `offset`; count up to one more than this.
    pub fn count_limit(offset: i64, page_size: i64) -> i64 {
        offset + COUNT_PAGES_AHEAD * page_size
    }

    /// `counted` rows found when counting up to `limit` + 1.
    pub fn of(counted: i64, limit: i64) -> Self {
        Self {
            counted: counted.min(limit),
            more: counted > limit,
        }
    }

    /// How many pages are known to exist.
    pub fn pages(&self, page_size: i64) -> i64 {
        ((self.counted + page_size - 1) / page_size).max(1)
    }
}

/// Head counts for one school.
#[derive(Debug, QueryableByName)]
pub struct SchoolCounts {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub academic_year: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub students: i64,
    #[diesel(sql_type = BigInt)]
    pub teachers: i64,
    #[diesel(sql_type = BigInt)]
    pub principals: i64,
    #[diesel(sql_type = BigInt)]
    pub classes: i64,
}

/// Students (active), staff (active) and classes of the academic year that contains `on`, per
/// school in scope, counted in SQL.
pub fn list_school_counts(
    conn: &mut PgConnection,
    scope: SchoolScope,
    on: NaiveDate,
) -> QueryResult<Vec<SchoolCounts>> {
    crate::db::statement(include_str!("sql/list_school_counts.sql"))
        .bind::<Nullable<BigInt>, _>(scope.filter())
        .bind::<Date, _>(on)
        .load(conn)
}

/// An account that is locked after failed sign-ins.
#[derive(Debug, QueryableByName)]
pub struct LockedAccount {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub display_name: String,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Timestamptz)]
    pub locked_until: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    pub failed_logins: i64,
}

/// Accounts in scope whose lock has not ended at `now`.
pub fn list_locked_accounts(
    conn: &mut PgConnection,
    scope: SchoolScope,
    now: DateTime<Utc>,
) -> QueryResult<Vec<LockedAccount>> {
    crate::db::statement(include_str!("sql/list_locked_accounts.sql"))
        .bind::<Nullable<BigInt>, _>(scope.filter())
        .bind::<Timestamptz, _>(now)
        .load(conn)
}

/// Unlocks an account in scope: clears the lock and restarts its failure count (an `unlocked`
/// sign-in event) with an audit row, in one transaction. NotFound outside the scope.
pub fn unlock_account(
    conn: &mut PgConnection,
    scope: SchoolScope,
    user_id: i64,
    actor: &crate::audit::Actor,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        #[derive(QueryableByName)]
        struct Target {
            #[diesel(sql_type = Text)]
            email: String,
            #[diesel(sql_type = Nullable<Timestamptz>)]
            locked_until: Option<DateTime<Utc>>,
        }
        let target: Target = crate::db::statement(include_str!("sql/find_lock_target.sql"))
            .bind::<Nullable<BigInt>, _>(scope.filter())
            .bind::<BigInt, _>(user_id)
            .get_result(conn)?;
        use crate::schema::{login_events, users};
        diesel::update(users::table.find(user_id))
            .set((
                users::locked_until.eq(None::<DateTime<Utc>>),
                users::failed_logins.eq(0),
            ))
            .execute(conn)?;
        diesel::insert_into(login_events::table)
            .values((
                login_events::at.eq(actor.at),
                login_events::user_id.eq(user_id),
                login_events::email.eq(&target.email),
                login_events::ip.eq(actor.ip.as_deref()),
                login_events::outcome.eq("unlocked"),
            ))
            .execute(conn)?;
        crate::audit::insert_entry(
            conn,
            &crate::audit::NewAuditEntry {
                at: actor.at,
                actor_id: Some(actor.user_id),
                ip: actor.ip.as_deref(),
                school_id: actor.school_id,
                action: "unlock",
                entity: "user",
                entity_id: Some(user_id),
                before: Some(serde_json::json!({ "locked_until": target.locked_until })),
                after: Some(serde_json::json!({ "locked_until": null })),
            },
        )
    })
}

#[cfg(test)]
mod matches_tests {
    use super::{Matches, SchoolScope};

    #[test]
    fn only_an_admin_narrows_a_page_to_a_school_and_goes_back_to_it() {
        let (admin, principal) = (SchoolScope::District, SchoolScope::School(3));
        assert_eq!(admin.narrowed(None), Some(admin));
        assert_eq!(admin.narrowed(Some("")), Some(admin));
        assert_eq!(admin.narrowed(Some("7")), Some(SchoolScope::School(7)));
        assert_eq!(admin.narrowed(Some("north")), None, "not a school id: 404");
        assert_eq!(principal.narrowed(Some("7")), Some(principal));
        assert_eq!(principal.narrowed(Some("north")), Some(principal));
        assert_eq!(
            admin.list_url("/admin/classes", 7),
            "/admin/classes?school=7"
        );
        assert_eq!(principal.list_url("/admin/classes", 3), "/admin/classes");
    }

    #[test]
    fn matches_are_counted_twenty_pages_ahead_and_then_only_more() {
        let limit = Matches::count_limit(0, 50);
        assert_eq!(limit, 1000);
        // Counting stops at limit + 1: one over says "more".
        assert_eq!(
            Matches::of(1001, limit),
            Matches {
                counted: 1000,
                more: true
            }
        );
        assert_eq!(
            Matches::of(1000, limit),
            Matches {
                counted: 1000,
                more: false
            }
        );
        assert_eq!(Matches::of(0, limit).pages(50), 1);
        assert_eq!(Matches::of(51, limit).pages(50), 2);
        assert_eq!(Matches::count_limit(100, 50), 1100);
    }
}
