//! Inserts one demo row at a time (accounts, schools, classes, students and families) and counts
//! the accounts made.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::academic_year_around;
use super::names::{FAMILY, GENDERS, GIVEN};
use crate::schema::{
    academic_years, classes, emergency_contacts, enrolments, guardians, parent_students, schools,
    students, subjects, teacher_assignments, terms, users,
};

pub(super) struct Seeder<'a> {
    pub(super) conn: &'a mut PgConnection,
    pub(super) password_hash: &'a str,
    pub(super) accounts: usize,
}

impl Seeder<'_> {
    pub(super) fn user(
        &mut self,
        email: &str,
        name: &str,
        role: &str,
        school: Option<i64>,
    ) -> QueryResult<i64> {
        self.accounts += 1;
        diesel::insert_into(users::table)
            .values((
                users::email.eq(email),
                users::display_name.eq(name),
                users::role.eq(role),
                users::school_id.eq(school),
                users::password_hash.eq(self.password_hash),
                users::phone.eq(format!("+44 7700 900{:03}", self.accounts)),
            ))
            .returning(users::id)
            .get_result(self.conn)
    }

    pub(super) fn school(
        &mut self,
        district: i64,
        name: &str,
        today: NaiveDate,
    ) -> QueryResult<(i64, i64, NaiveDate)> {
        let school: i64 = diesel::insert_into(schools::table)
            .values((schools::district_id.eq(district), schools::name.eq(name)))
            .returning(schools::id)
            .get_result(self.conn)?;
        crate::models::school_defaults::insert_school_defaults(self.conn, school)?;
        let (starts, ends, year_name) = academic_year_around(today);
        let year: i64 = diesel::insert_into(academic_years::table)
            .values((
                academic_years::school_id.eq(school),
                academic_years::name.eq(&year_name),
                academic_years::starts_on.eq(starts),
                academic_years::ends_on.eq(ends),
            ))
            .returning(academic_years::id)
            .get_result(self.conn)?;
        let y = starts.year();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("valid date");
        let term_rows = [
            ("Autumn term", d(y, 9, 1), d(y, 12, 18)),
            ("Spring term", d(y + 1, 1, 5), d(y + 1, 3, 27)),
            ("Summer term", d(y + 1, 4, 13), d(y + 1, 7, 21)),
        ];
        for (term, from, to) in term_rows {
            diesel::insert_into(terms::table)
                .values((
                    terms::school_id.eq(school),
                    terms::academic_year_id.eq(year),
                    terms::name.eq(term),
                    terms::starts_on.eq(from),
                    terms::ends_on.eq(to),
                ))
                .execute(self.conn)?;
        }
        Ok((school, year, starts))
    }

    pub(super) fn subjects(&mut self, school: i64, names: &[&str]) -> QueryResult<Vec<i64>> {
        let rows: Vec<_> = names
            .iter()
            .map(|n| (subjects::school_id.eq(school), subjects::name.eq(*n)))
            .collect();
        diesel::insert_into(subjects::table)
            .values(&rows)
            .returning(subjects::id)
            .get_results(self.conn)
    }

    pub(super) fn class(
        &mut self,
        school: i64,
        year: i64,
        name: &str,
        grade: &str,
        homeroom: i64,
    ) -> QueryResult<i64> {
        diesel::insert_into(classes::table)
            .values((
                classes::school_id.eq(school),
                classes::academic_year_id.eq(year),
                classes::name.eq(name),
                classes::grade_level.eq(grade),
                classes::homeroom_teacher_id.eq(homeroom),
            ))
            .returning(classes::id)
            .get_result(self.conn)
    }

    pub(super) fn assign(
        &mut self,
        school: i64,
        teacher: i64,
        class: i64,
        subject: i64,
    ) -> QueryResult<()> {
        diesel::insert_into(teacher_assignments::table)
            .values((
                teacher_assignments::school_id.eq(school),
                teacher_assignments::teacher_id.eq(teacher),
                teacher_assignments::class_id.eq(class),
                teacher_assignments::subject_id.eq(subject),
            ))
            .execute(self.conn)
            .map(|_| ())
    }

    /// Creates `count` students in `class`, enrolled from `from`; returns their ids in order.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn students(
        &mut self,
        school: i64,
        prefix: &str,
        first_number: usize,
        class: i64,
        grade: i32,
        count: usize,
        from: NaiveDate,
    ) -> QueryResult<Vec<i64>> {
        let birth_year = from.year() - grade - 5;
        let mut ids = Vec::with_capacity(count);
        for i in 0..count {
            let n = first_number + i;
            let given = GIVEN[(n * 7) % GIVEN.len()];
            let family = FAMILY[(n * 11 + n / FAMILY.len()) % FAMILY.len()];
            let preferred = (n % 9 == 4)
                .then(|| format!("{}{}", &given.chars().take(3).collect::<String>(), "ie"));
            let dob = NaiveDate::from_ymd_opt(birth_year, (n % 12) as u32 + 1, (n % 27) as u32 + 1)
                .expect("valid date");
            let id: i64 = diesel::insert_into(students::table)
                .values((
                    students::school_id.eq(school),
                    students::student_number.eq(format!("{prefix}-{n:04}")),
                    students::given_name.eq(given),
                    students::family_name.eq(family),
                    students::preferred_name.eq(preferred),
                    students::date_of_birth.eq(dob),
                    students::gender.eq(GENDERS[n % GENDERS.len()]),
                    students::enrolled_on.eq(from),
                    students::allergies.eq(if n % 10 == 3 {
                        "Peanuts (carries an adrenaline pen)"
                    } else {
                        ""
                    }),
                    students::medical_notes.eq(if n % 13 == 5 {
                        "Asthma: inhaler in the school office"
                    } else {
                        ""
                    }),
                ))
                .returning(students::id)
                .get_result(self.conn)?;
            diesel::insert_into(enrolments::table)
                .values((
                    enrolments::school_id.eq(school),
                    enrolments::student_id.eq(id),
                    enrolments::class_id.eq(class),
                    enrolments::starts_on.eq(from),
                ))
                .execute(self.conn)?;
            let (carer, relationship) = if n % 2 == 0 {
                (GIVEN[(n * 5 + 1) % GIVEN.len()], "Mother")
            } else {
                (GIVEN[(n * 3 + 2) % GIVEN.len()], "Father")
            };
            diesel::insert_into(guardians::table)
                .values((
                    guardians::school_id.eq(school),
                    guardians::student_id.eq(id),
                    guardians::name.eq(format!("{carer} {family}")),
                    guardians::relationship.eq(relationship),
                    guardians::phone.eq(format!("+44 7700 9{n:05}")),
                ))
                .execute(self.conn)?;
            diesel::insert_into(emergency_contacts::table)
                .values((
                    emergency_contacts::school_id.eq(school),
                    emergency_contacts::student_id.eq(id),
                    emergency_contacts::name.eq(format!(
                        "{} {}",
                        GIVEN[(n * 13 + 7) % GIVEN.len()],
                        FAMILY[(n * 7 + 5) % FAMILY.len()]
                    )),
                    emergency_contacts::relationship.eq(if n % 3 == 0 {
                        "Grandparent"
                    } else {
                        "Family friend"
                    }),
                    emergency_contacts::phone.eq(format!("+44 20 7946 {:04}", n % 10_000)),
                ))
                .execute(self.conn)?;
            ids.push(id);
        }
        Ok(ids)
    }

    pub(super) fn link(
        &mut self,
        parent: i64,
        student: i64,
        relationship: &str,
    ) -> QueryResult<()> {
        diesel::insert_into(parent_students::table)
            .values((
                parent_students::parent_id.eq(parent),
                parent_students::student_id.eq(student),
                parent_students::relationship.eq(relationship),
            ))
            .execute(self.conn)
            .map(|_| ())
    }
}
