//! The demo district that `rollbook seed-demo` (and the first `make run`) creates: two schools, a
//! current academic year with three terms, six teachers and four classes of 22–30 students in the
//! first school, and parents linked to their children. Idempotent: a second run changes nothing.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use crate::schema::{
    academic_years, classes, districts, emergency_contacts, enrolments, guardians, parent_students,
    schools, students, subjects, teacher_assignments, terms, users,
};

/// The demo accounts README.md lists, all with `ROLLBOOK_DEMO_PASSWORD`.
pub const DEMO_ADMIN: &str = "admin@rollbook.test";
pub const DEMO_PRINCIPAL: &str = "principal@rollbook.test";
pub const DEMO_TEACHER: &str = "teacher@rollbook.test";
pub const DEMO_PARENT: &str = "parent@rollbook.test";

const GIVEN: &[&str] = &[
    "Amelia",
    "Oliver",
    "Zoë",
    "José",
    "Aoife",
    "Siobhán",
    "Mateo",
    "Chloé",
    "Björn",
    "Ngozi",
    "Chidi",
    "Aarav",
    "Priya",
    "Yuki",
    "Hiroshi",
    "Fatima",
    "Omar",
    "Ayşe",
    "Mehmet",
    "Søren",
    "Ingrid",
    "Łukasz",
    "Zofia",
    "Анна",
    "Иван",
    "李娜",
    "王伟",
    "محمد",
    "فاطمة",
    "Kai",
    "Leilani",
    "Tāne",
    "Aroha",
    "Noah",
    "Isla",
    "Freya",
    "Jack",
    "Emily",
    "Grace",
    "Liam",
    "Sofía",
    "Camila",
    "Diego",
    "Thandiwe",
    "Sipho",
    "Kofi",
    "Ama",
    "Rosa",
    "Élodie",
    "François",
    "Małgorzata",
    "Jürgen",
    "Ana-María",
    "D'Andre",
    "Mary-Kate",
    "Renée",
    "Nuño",
    "Lan",
    "Minh",
    "Eitan",
];

const FAMILY: &[&str] = &[
    "O'Brien",
    "D'Angelo",
    "Müller",
    "García",
    "Nguyễn",
    "Kowalski",
    "Smith",
    "Okafor",
    "Mensah",
    "Patel",
    "Sharma",
    "Tanaka",
    "Kim",
    "Park",
    "Johansson",
    "Ó Súilleabháin",
    "MacDonald",
    "van der Berg",
    "Dubois",
    "Schröder",
    "Ivanova",
    "Петров",
    "Chen",
    "李",
    "王",
    "Al-Sayed",
    "حداد",
    "Rossi",
    "Bianchi",
    "Santos",
    "Pereira",
    "Novák",
    "Horváth",
    "Yılmaz",
    "Kaya",
    "Ngata",
    "Te Rangi",
    "Williams",
    "Brown",
    "Jones",
    "Taylor",
    "Dlamini",
    "Zulu",
    "Cohen",
    "Levi",
    "Fernández",
    "López",
    "Silva",
    "Eriksson",
    "O'Connor-Mensah",
    "St. John",
    "Achterberg",
];

const GENDERS: &[&str] = &["female", "male", "female", "male", "non-binary"];

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

struct Seeder<'a> {
    conn: &'a mut PgConnection,
    password_hash: &'a str,
    accounts: usize,
}

impl Seeder<'_> {
    fn user(
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

    fn school(
        &mut self,
        district: i64,
        name: &str,
        today: NaiveDate,
    ) -> QueryResult<(i64, i64, NaiveDate)> {
        let school: i64 = diesel::insert_into(schools::table)
            .values((schools::district_id.eq(district), schools::name.eq(name)))
            .returning(schools::id)
            .get_result(self.conn)?;
        crate::attendance::register::insert_default_codes(self.conn, school)?;
        crate::gradebook::queries::insert_school_defaults(self.conn, school)?;
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

    fn subjects(&mut self, school: i64, names: &[&str]) -> QueryResult<Vec<i64>> {
        let rows: Vec<_> = names
            .iter()
            .map(|n| (subjects::school_id.eq(school), subjects::name.eq(*n)))
            .collect();
        diesel::insert_into(subjects::table)
            .values(&rows)
            .returning(subjects::id)
            .get_results(self.conn)
    }

    fn class(
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

    fn assign(&mut self, school: i64, teacher: i64, class: i64, subject: i64) -> QueryResult<()> {
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
    fn students(
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

    fn link(&mut self, parent: i64, student: i64, relationship: &str) -> QueryResult<()> {
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
        diesel::sql_query("SELECT pg_advisory_xact_lock(72616374)").execute(conn)?;
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

/// Weekdays from `from` to `to` inclusive.
fn weekdays(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| d.weekday().number_from_monday() <= 5)
        .collect()
}

/// Five weeks of registers before `today` (today's registers are left for the teachers), with a
/// half-term holiday: most students present most days, a few often late, some chronically
/// absent, a little random absence and excused absence, and `streak_student` absent for the last
/// four school days. Set-based: one INSERT per school.
pub fn register_history(
    conn: &mut PgConnection,
    school: i64,
    today: NaiveDate,
    streak_student: i64,
) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Date};
    let term_start =
        NaiveDate::from_ymd_opt(academic_year_around(today).0.year(), 9, 1).expect("valid");
    let from = (today - chrono::Duration::days(42)).max(term_start);
    let yesterday = today - chrono::Duration::days(1);
    if from > yesterday {
        return Ok(());
    }
    // Half term: the last full week of October.
    let oct31 = NaiveDate::from_ymd_opt(term_start.year(), 10, 31).expect("valid");
    let mut half_term_start =
        oct31 - chrono::Duration::days(i64::from(oct31.weekday().num_days_from_monday()));
    if half_term_start + chrono::Duration::days(4) > oct31 {
        half_term_start -= chrono::Duration::days(7);
    }
    let half_term_end = half_term_start + chrono::Duration::days(4);
    diesel::insert_into(crate::schema::non_school_days::table)
        .values((
            crate::schema::non_school_days::school_id.eq(school),
            crate::schema::non_school_days::starts_on.eq(half_term_start),
            crate::schema::non_school_days::ends_on.eq(half_term_end),
            crate::schema::non_school_days::name.eq("Half term"),
        ))
        .execute(conn)?;
    let days: Vec<NaiveDate> = weekdays(from, yesterday)
        .into_iter()
        .filter(|d| *d < half_term_start || *d > half_term_end)
        .collect();
    let streak_days: Vec<NaiveDate> = days.iter().rev().take(4).copied().collect();
    diesel::sql_query(
        "WITH codes AS (SELECT category, id FROM attendance_codes WHERE school_id = $1),
              base AS (
                  SELECT e.school_id, e.class_id, e.student_id, day,
                         abs(hashtext(e.student_id::text || ':' || day::text)) % 100 AS roll,
                         (substring(st.student_number from '[0-9]+$'))::int AS n
                    FROM enrolments e
                    JOIN students st ON st.id = e.student_id
                    CROSS JOIN unnest($2::date[]) AS day
                   WHERE e.school_id = $1 AND day >= e.starts_on),
              decided AS (
                  SELECT b.*, CASE
                      WHEN b.student_id = $3 AND b.day = ANY($4::date[]) THEN 'absent'
                      WHEN b.n % 13 = 7 AND b.roll < 22 THEN 'absent'
                      WHEN b.n % 11 = 1 AND b.roll < 35 THEN 'late'
                      WHEN b.roll < 3 THEN 'absent'
                      WHEN b.roll < 5 THEN 'excused'
                      ELSE 'present' END AS category
                    FROM base b)
         INSERT INTO attendance (school_id, class_id, student_id, date, code_id, late_minutes, version, source, updated_by, updated_at)
         SELECT d.school_id, d.class_id, d.student_id, d.day, codes.id,
                CASE WHEN d.category = 'late' THEN 5 + d.roll % 20 END,
                1, 'teacher', c.homeroom_teacher_id, d.day + time '09:10'
           FROM decided d JOIN codes ON codes.category = d.category JOIN classes c ON c.id = d.class_id",
    )
    .bind::<BigInt, _>(school)
    .bind::<Array<Date>, _>(&days)
    .bind::<BigInt, _>(streak_student)
    .bind::<Array<Date>, _>(&streak_days)
    .execute(conn)
    .map(|_| ())
}

/// A term of assessments, marks and behaviour records for every class and subject of a school:
/// eight assessments per gradebook spread over the current term up to yesterday (the last two not
/// yet published, the last not yet marked), marks from each student's steady ability with some
/// excused and missing work, a few students clearly struggling, category weights for
/// mathematics, and behaviour records (one student with repeated negative ones). Set-based.
pub fn gradebook_history(
    conn: &mut PgConnection,
    school: i64,
    today: NaiveDate,
) -> QueryResult<()> {
    use diesel::sql_types::{BigInt, Date};
    diesel::sql_query(
        "WITH term AS (
              SELECT t.id, t.starts_on, least(t.ends_on, $2::date - 1) AS last_day FROM terms t
               WHERE t.school_id = $1 AND t.starts_on < $2::date ORDER BY t.starts_on DESC LIMIT 1),
              slots AS (
              SELECT g AS k, (ARRAY['Quiz','Assignment','Quiz','Test','Assignment','Quiz','Test','Exam'])[g] AS category,
                     (ARRAY[10, 20, 10, 50, 20, 10, 50, 100])[g] AS max_score FROM generate_series(1, 8) g),
              made AS (
              INSERT INTO assessments (school_id, class_id, subject_id, term_id, category_id, title, date, max_score, published, created_by, created_at, updated_at)
              SELECT ta.school_id, ta.class_id, ta.subject_id, term.id, ac.id,
                     sub.name || ' ' || lower(sl.category) || ' ' || sl.k,
                     term.starts_on + ((term.last_day - term.starts_on) * sl.k / 9),
                     sl.max_score, sl.k <= 6, ta.teacher_id, now(), now()
                FROM teacher_assignments ta
                JOIN subjects sub ON sub.id = ta.subject_id
                CROSS JOIN term CROSS JOIN slots sl
                JOIN assessment_categories ac ON ac.school_id = ta.school_id AND ac.name = sl.category
               WHERE ta.school_id = $1 AND term.last_day > term.starts_on
              RETURNING id, class_id, max_score, title, created_by, date)
         INSERT INTO scores (school_id, assessment_id, student_id, status, score, version, updated_by, updated_at)
         SELECT $1, m.id, e.student_id,
                CASE WHEN r.roll < 3 THEN 'excused' WHEN r.roll < 6 THEN 'missing' ELSE 'score' END,
                CASE WHEN r.roll >= 6 THEN round(m.max_score * least(1.0, greatest(0.0,
                     (CASE WHEN r.n % 17 = 3 THEN 30 + r.n % 20 ELSE 60 + r.n % 35 END + (r.roll % 21) - 10) / 100.0)), 0) END,
                1, m.created_by, m.date + time '16:00'
           FROM made m
           JOIN enrolments e ON e.class_id = m.class_id
           JOIN students st ON st.id = e.student_id
           CROSS JOIN LATERAL (SELECT abs(hashtext(e.student_id::text || ':' || m.id::text)) % 100 AS roll,
                                      (substring(st.student_number from '[0-9]+$'))::int AS n) r
          WHERE m.title NOT LIKE '% 8'",
    )
    .bind::<BigInt, _>(school)
    .bind::<Date, _>(today)
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO category_weights (school_id, class_id, subject_id, category_id, weight)
         SELECT DISTINCT ta.school_id, ta.class_id, ta.subject_id, ac.id, w.weight
           FROM teacher_assignments ta JOIN subjects sub ON sub.id = ta.subject_id AND sub.name = 'Mathematics'
           JOIN assessment_categories ac ON ac.school_id = ta.school_id
           JOIN (VALUES ('Test', 40), ('Exam', 20), ('Assignment', 25), ('Quiz', 15)) AS w(name, weight) ON w.name = ac.name
          WHERE ta.school_id = $1",
    )
    .bind::<BigInt, _>(school)
    .execute(conn)?;
    diesel::sql_query(
        "WITH cats AS (SELECT id, kind, row_number() OVER (PARTITION BY kind ORDER BY position) AS k FROM behaviour_categories WHERE school_id = $1)
         INSERT INTO behaviour_records (school_id, student_id, class_id, category_id, kind, date, note, recorded_by, created_at)
         SELECT e.school_id, e.student_id, e.class_id, c.id, c.kind, $2::date - d.ago, d.note, cl.homeroom_teacher_id, now()
           FROM enrolments e
           JOIN students st ON st.id = e.student_id
           JOIN classes cl ON cl.id = e.class_id
           CROSS JOIN LATERAL (SELECT (substring(st.student_number from '[0-9]+$'))::int AS n) x
           JOIN LATERAL (VALUES
                 -- Every fourth student is praised now and then.
                 (x.n % 4 = 0, 'positive', 1, 3 + x.n % 9, 'Helped a classmate with fractions'),
                 (x.n % 6 = 1, 'positive', 2, 12 + x.n % 7, 'Outstanding project work'),
                 (x.n % 9 = 2, 'negative', 1, 20 + x.n % 5, 'Talking during the test'),
                 -- One student in each class has had a hard month.
                 (x.n % 20 = 5, 'negative', 1, 2, 'Disrupted the lesson repeatedly'),
                 (x.n % 20 = 5, 'negative', 2, 9, 'Homework missing for the third time'),
                 (x.n % 20 = 5, 'negative', 3, 16, 'Unkind comments to another student')
               ) AS d(pick, kind, k, ago, note) ON d.pick
           JOIN cats c ON c.kind = d.kind AND c.k = d.k
          WHERE e.school_id = $1 AND e.ends_on IS NULL",
    )
    .bind::<BigInt, _>(school)
    .bind::<Date, _>(today)
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO participation (school_id, student_id, class_id, event, date, status, remarks, recorded_by, created_at)
         SELECT e.school_id, e.student_id, e.class_id, 'Autumn science fair', $2::date - 14,
                CASE WHEN st.id % 7 = 0 THEN 'winner' ELSE 'participated' END, '', cl.homeroom_teacher_id, now()
           FROM enrolments e JOIN students st ON st.id = e.student_id JOIN classes cl ON cl.id = e.class_id
          WHERE e.school_id = $1 AND e.ends_on IS NULL AND st.id % 3 = 0",
    )
    .bind::<BigInt, _>(school)
    .bind::<Date, _>(today)
    .execute(conn)
    .map(|_| ())
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
