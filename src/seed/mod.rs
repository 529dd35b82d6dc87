//! The demo district that `rollbook seed-demo` (and the first `make run`) creates: two schools, a
//! current academic year with three terms, six teachers and four classes of 22–30 students in the
//! first school, and parents linked to their children. Idempotent: a second run changes nothing.

mod history;
mod names;
mod seeder;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

pub use history::{gradebook_history, register_history};
use names::{FAMILY, GIVEN};
use seeder::Seeder;

diesel::define_sql_function! {
    /// Waits for a lock held until the transaction ends.
    fn pg_advisory_xact_lock(key: diesel::sql_types::BigInt);
}

use crate::schema::{districts, users};

/// The demo accounts README.md lists, all with `ROLLBOOK_DEMO_PASSWORD`.
pub const DEMO_ADMIN: &str = "admin@rollbook.test";
pub const DEMO_PRINCIPAL: &str = "principal@rollbook.test";
pub const DEMO_TEACHER: &str = "teacher@rollbook.test";
pub const DEMO_PARENT: &str = "parent@rollbook.test";

/// What a seeding run did.
#[derive(Debug, PartialEq, Eq)]
pub enum SeedOutcome {
    Created { students: usize, accounts: usize },
    AlreadySeeded,
}
/// The academic year that contains `today` (August to July), as (start, end, name).
pub fn academic_year_around(today: NaiveDate) -> (NaiveDate, NaiveDate, String) {
    let start_year = if today.month() >= 8 {
        today.year()
    } else {
        today.year() - 1
    };
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("valid date");
    (
        d(start_year, 8, 1),
        d(start_year + 1, 7, 31),
        format!("{}–{:02}", start_year, (start_year + 1) % 100),
    )
}
/// Seeds the demo district unless it is there already. `password_hash` is the argon2id hash of
/// the demo password (hashed once by the caller, outside any transaction).
pub fn seed_demo(
    conn: &mut PgConnection,
    password_hash: &str,
    today: NaiveDate,
    with_history: bool,
) -> QueryResult<SeedOutcome> {
    conn.transaction(|conn| {
        // Serialise concurrent seeders (two `make run`s at once).
        diesel::select(pg_advisory_xact_lock(72616374_i64)).execute(conn)?;
        let exists: i64 = users::table
            .filter(users::email.eq(DEMO_ADMIN))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            return Ok(SeedOutcome::AlreadySeeded);
        }
        let mut s = Seeder {
            conn,
            password_hash,
            accounts: 0,
        };
        let district: i64 = diesel::insert_into(districts::table)
            .values(districts::name.eq("Riverside Demo District"))
            .returning(districts::id)
            .get_result(s.conn)?;
        s.user(DEMO_ADMIN, "Amara Osei", "admin", None)?;

        // The first school: four classes, six teachers.
        let (north, year, from) = s.school(district, "Northgate Community School", today)?;
        s.user(DEMO_PRINCIPAL, "Dr Helen Park", "principal", Some(north))?;
        let t1 = s.user(DEMO_TEACHER, "Tomás García", "teacher", Some(north))?;
        let t2 = s.user(
            "teacher2@rollbook.test",
            "Siobhán O'Neill",
            "teacher",
            Some(north),
        )?;
        let t3 = s.user(
            "teacher3@rollbook.test",
            "Kwame Mensah",
            "teacher",
            Some(north),
        )?;
        let t4 = s.user(
            "teacher4@rollbook.test",
            "Yuki Tanaka",
            "teacher",
            Some(north),
        )?;
        let t5 = s.user(
            "teacher5@rollbook.test",
            "Ingrid Johansson",
            "teacher",
            Some(north),
        )?;
        let t6 = s.user(
            "teacher6@rollbook.test",
            "Rahul Sharma",
            "teacher",
            Some(north),
        )?;
        let sub = s.subjects(
            north,
            &[
                "Mathematics",
                "English",
                "Science",
                "History",
                "Art",
                "Music",
            ],
        )?;
        let (maths, english, science, history, art, music) =
            (sub[0], sub[1], sub[2], sub[3], sub[4], sub[5]);
        let c7a = s.class(north, year, "7A", "7", t1)?;
        let c7b = s.class(north, year, "7B", "7", t2)?;
        let c8a = s.class(north, year, "8A", "8", t3)?;
        let c8b = s.class(north, year, "8B", "8", t4)?;
        for (teacher, class, subject) in [
            (t1, c7a, maths),
            (t1, c8a, maths),
            (t6, c7b, maths),
            (t6, c8b, maths),
            (t2, c7a, english),
            (t2, c7b, english),
            (t2, c8a, english),
            (t2, c8b, english),
            (t3, c7a, science),
            (t3, c7b, science),
            (t3, c8a, science),
            (t3, c8b, science),
            (t4, c7a, history),
            (t4, c7b, history),
            (t4, c8a, history),
            (t4, c8b, history),
            (t5, c7a, art),
            (t5, c7b, art),
            (t5, c8a, art),
            (t5, c8b, art),
            (t6, c7a, music),
            (t6, c8a, music),
        ] {
            s.assign(north, teacher, class, subject)?;
        }
        let s7a = s.students(north, "NG", 1, c7a, 7, 24, from)?;
        let s7b = s.students(north, "NG", 101, c7b, 7, 27, from)?;
        let s8a = s.students(north, "NG", 201, c8a, 8, 30, from)?;
        let s8b = s.students(north, "NG", 301, c8b, 8, 22, from)?;

        // Parents: the demo parent has a child in 7A (the demo teacher's class) and one in 8B;
        // the 7A child has a second guardian.
        let p1 = s.user(DEMO_PARENT, "Grace O'Connor", "parent", None)?;
        let p2 = s.user(
            "parent2@rollbook.test",
            "Kofi O'Connor-Mensah",
            "parent",
            None,
        )?;
        s.link(p1, s7a[2], "Mother")?;
        s.link(p1, s8b[5], "Mother")?;
        s.link(p2, s7a[2], "Father")?;
        let others = [
            (s7a[7], "Mother"),
            (s7b[3], "Father"),
            (s7b[11], "Grandmother"),
            (s8a[0], "Mother"),
            (s8a[14], "Guardian"),
            (s8b[9], "Father"),
        ];
        for (i, (student, relationship)) in others.into_iter().enumerate() {
            let parent = s.user(
                &format!("parent{}@rollbook.test", i + 3),
                &format!(
                    "{} {}",
                    GIVEN[(i * 13 + 5) % GIVEN.len()],
                    FAMILY[(i * 17 + 3) % FAMILY.len()]
                ),
                "parent",
                None,
            )?;
            s.link(parent, student, relationship)?;
        }

        // The second school: two classes.
        let (south, year2, from2) = s.school(district, "Southbank Academy", today)?;
        s.user(
            "principal2@rollbook.test",
            "Marcus Williams",
            "principal",
            Some(south),
        )?;
        let t7 = s.user(
            "teacher7@rollbook.test",
            "Élodie Dubois",
            "teacher",
            Some(south),
        )?;
        let t8 = s.user(
            "teacher8@rollbook.test",
            "Jürgen Schröder",
            "teacher",
            Some(south),
        )?;
        let sub2 = s.subjects(south, &["Mathematics", "English"])?;
        let c9a = s.class(south, year2, "9A", "9", t7)?;
        let c9b = s.class(south, year2, "9B", "9", t8)?;
        for (teacher, class, subject) in [
            (t7, c9a, sub2[0]),
            (t7, c9b, sub2[0]),
            (t8, c9a, sub2[1]),
            (t8, c9b, sub2[1]),
        ] {
            s.assign(south, teacher, class, subject)?;
        }
        let s9a = s.students(south, "SB", 1, c9a, 9, 20, from2)?;
        let s9b = s.students(south, "SB", 101, c9b, 9, 20, from2)?;
        if with_history {
            // One student in each school is on an ongoing absence streak.
            register_history(s.conn, north, today, s7a[5])?;
            register_history(s.conn, south, today, s9a[3])?;
            gradebook_history(s.conn, north, today)?;
            gradebook_history(s.conn, south, today)?;
        }
        let total = s7a.len() + s7b.len() + s8a.len() + s8b.len() + s9a.len() + s9b.len();
        Ok(SeedOutcome::Created {
            students: total,
            accounts: s.accounts,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_academic_year_runs_from_august_to_july() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let (from, to, name) = academic_year_around(d(2026, 11, 22));
        assert_eq!(
            (from, to, name.as_str()),
            (d(2026, 8, 1), d(2027, 7, 31), "2026–27")
        );
        let (from, _, _) = academic_year_around(d(2027, 7, 31));
        assert_eq!(from, d(2026, 8, 1));
    }
}
