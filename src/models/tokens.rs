//! One-time links to choose a password: invitations for new accounts and password resets.
//! The raw token travels only in the email; the table keeps its SHA-256. A link works once, for
//! 72 hours, and using it ends every session of the account.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::mail::{self, NewEmail};
use crate::schema::{password_tokens, sessions, users};
use crate::web::session_store::key_hash;

/// How long a link works.
pub const LIFETIME: Duration = Duration::hours(72);
/// Reset emails per account per hour; further requests send nothing (and say the same).
pub const RESETS_PER_HOUR: i64 = 3;

/// Why a link was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Invite,
    Reset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }
}

/// The account a link belongs to.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub school_id: Option<i64>,
}

/// Creates a link for `recipient` and puts its email in the outbox (in the caller's
/// transaction). `inviter` names who created the account, for invitations.
pub fn issue(
    conn: &mut PgConnection,
    recipient: &Recipient,
    purpose: Purpose,
    inviter: Option<&str>,
    public_url: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let raw = crate::web::random_token(32);
    diesel::insert_into(password_tokens::table)
        .values((
            password_tokens::user_id.eq(recipient.user_id),
            password_tokens::token_hash.eq(key_hash(&raw)),
            password_tokens::purpose.eq(purpose.as_str()),
            password_tokens::created_at.eq(now),
            password_tokens::expires_at.eq(now + LIFETIME),
        ))
        .execute(conn)?;
    let link = format!("{public_url}/password-reset/{raw}");
    let (subject, body) = match purpose {
        Purpose::Invite => (
            "Your Rollbook account is ready".to_string(),
            format!(
                "Hello {name},\n\n{who} has created a Rollbook account for you.\n\n\
                 Choose your password here (the link works once, within 72 hours):\n{link}\n\n\
                 You will sign in with this email address: {email}\n",
                name = recipient.display_name,
                who = inviter.unwrap_or("Your school"),
                email = recipient.email,
            ),
        ),
        Purpose::Reset => (
            "Reset your Rollbook password".to_string(),
            format!(
                "Hello {name},\n\nSomeone, hopefully you, asked to reset the password of your \
                 Rollbook account.\n\nChoose a new password here (the link works once, within 72 hours):\n{link}\n\n\
                 If you did not ask for this, ignore this email: your password stays as it is.\n",
                name = recipient.display_name,
            ),
        ),
    };
    mail::enqueue(
        conn,
        &NewEmail {
            kind: if purpose == Purpose::Invite {
                "invitation"
            } else {
                "password_reset"
            },
            to: recipient.email.clone(),
            subject,
            body,
            school_id: recipient.school_id,
            dedupe_key: None,
        },
        now,
    )?;
    Ok(())
}

/// The active account with this email, if any.
pub fn find_recipient(conn: &mut PgConnection, email: &str) -> QueryResult<Option<Recipient>> {
    users::table
        .filter(users::email.eq(email))
        .filter(users::active.eq(true))
        .select((
            users::id,
            users::email,
            users::display_name,
            users::school_id,
        ))
        .first::<(i64, String, String, Option<i64>)>(conn)
        .optional()
        .map(|row| {
            row.map(|(user_id, email, display_name, school_id)| Recipient {
                user_id,
                email,
                display_name,
                school_id,
            })
        })
}

/// Links issued to the user within the last hour.
pub fn recent_reset_count(
    conn: &mut PgConnection,
    user_id: i64,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    password_tokens::table
        .filter(password_tokens::user_id.eq(user_id))
        .filter(password_tokens::purpose.eq("reset"))
        .filter(password_tokens::created_at.gt(now - Duration::hours(1)))
        .count()
        .get_result(conn)
}

/// A link that can still be used.
#[derive(Debug, Clone)]
pub struct ValidLink {
    pub token_id: i64,
    pub purpose: Purpose,
    pub recipient: Recipient,
}

/// The link for `raw`, if it exists, is unused, unexpired and its account active.
pub fn find_valid(
    conn: &mut PgConnection,
    raw: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<ValidLink>> {
    let row: Option<(i64, String, i64, String, String, Option<i64>)> = password_tokens::table
        .inner_join(users::table)
        .filter(password_tokens::token_hash.eq(key_hash(raw)))
        .filter(password_tokens::used_at.is_null())
        .filter(password_tokens::expires_at.gt(now))
        .filter(users::active.eq(true))
        .select((
            password_tokens::id,
            password_tokens::purpose,
            users::id,
            users::email,
            users::display_name,
            users::school_id,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(
        |(token_id, purpose, user_id, email, display_name, school_id)| ValidLink {
            token_id,
            purpose: if purpose == "invite" {
                Purpose::Invite
            } else {
                Purpose::Reset
            },
            recipient: Recipient {
                user_id,
                email,
                display_name,
                school_id,
            },
        },
    ))
}

/// Sets the password through a link, once: in one transaction the link is checked again under a
/// lock and spent (with every other open link of the account), the password and `auth_version`
/// change, the account's sessions and lock end, and an audit row is written. Returns false when
/// the link was used or expired meanwhile.
pub fn redeem(
    conn: &mut PgConnection,
    token_id: i64,
    new_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    conn.transaction(|conn| {
        let user_id: Option<i64> = password_tokens::table
            .find(token_id)
            .filter(password_tokens::used_at.is_null())
            .filter(password_tokens::expires_at.gt(now))
            .select(password_tokens::user_id)
            .for_update()
            .first(conn)
            .optional()?;
        let Some(user_id) = user_id else {
            return Ok(false);
        };
        diesel::update(
            password_tokens::table
                .filter(password_tokens::user_id.eq(user_id))
                .filter(password_tokens::used_at.is_null()),
        )
        .set(password_tokens::used_at.eq(now))
        .execute(conn)?;
        diesel::update(users::table.find(user_id))
            .set((
                users::password_hash.eq(new_hash),
                users::auth_version.eq(users::auth_version + 1),
                users::failed_logins.eq(0),
                users::locked_until.eq(None::<DateTime<Utc>>),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
        crate::audit::insert_entry(
            conn,
            &crate::audit::NewAuditEntry {
                at: now,
                actor_id: Some(user_id),
                ip: None,
                school_id: None,
                action: "password_set_by_link",
                entity: "user",
                entity_id: Some(user_id),
                before: None,
                after: None,
            },
        )?;
        Ok(true)
    })
}
