//! The students list and the classes to choose from.

use super::*;

#[derive(Debug)]
pub struct StudentRow {
    pub id: i64,
    pub student_number: String,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub status: String,
    pub class_name: Option<String>,
    pub school_name: String,
}

#[derive(Debug, Clone, Default)]
pub struct StudentFilter {
    pub search: Option<String>,
    pub class_id: Option<i64>,
    pub status: Option<String>,
    pub page: i64,
}

/// The students in scope matching `f`, with only the conditions given: each combination is then
/// its own statement with a plan that fits it.
pub(super) fn matching<'a>(
    scope: SchoolScope,
    today: NaiveDate,
    f: &StudentFilter,
) -> students::BoxedQuery<'a, diesel::pg::Pg> {
    use crate::models::rules::rollbook_enrolled_on;
    let mut query = students::table.into_boxed();
    if let Some(school) = scope.filter() {
        query = query.filter(students::school_id.eq(school));
    }
    if let Some(pattern) = f
        .search
        .as_deref()
        .map(crate::admin::users::queries::contains_pattern)
    {
        query = query.filter(
            students::given_name
                .ilike(pattern.clone())
                .or(students::family_name.ilike(pattern.clone()))
                .nullable()
                .or(students::preferred_name.ilike(pattern.clone()))
                .or(students::student_number.ilike(pattern).nullable()),
        );
    }
    if let Some(class_id) = f.class_id {
        query = query.filter(
            students::id.eq_any(
                enrolments::table
                    .filter(enrolments::class_id.eq(class_id))
                    .filter(rollbook_enrolled_on(
                        enrolments::starts_on,
                        enrolments::ends_on,
                        today,
                    ))
                    .select(enrolments::student_id),
            ),
        );
    }
    if let Some(status) = &f.status {
        query = query.filter(students::status.eq(status.clone()));
    }
    query
}

/// One page of the students in scope matching `f`, by name, with their current class, and how
/// many match. Only the page's students look up a class.
pub fn list_students(
    conn: &mut PgConnection,
    scope: SchoolScope,
    today: NaiveDate,
    f: &StudentFilter,
) -> QueryResult<(Vec<StudentRow>, Matches)> {
    use crate::models::rules::rollbook_enrolled_on;
    use crate::schema::schools;
    let offset = f.page.max(0) * PAGE_SIZE;
    type Page = (i64, String, String, String, Option<String>, String, String);
    let page: Vec<Page> = matching(scope, today, f)
        .inner_join(schools::table)
        .select((
            students::id,
            students::student_number,
            students::given_name,
            students::family_name,
            students::preferred_name,
            students::status,
            schools::name,
        ))
        .order((students::family_name, students::given_name, students::id))
        .limit(PAGE_SIZE)
        .offset(offset)
        .load(conn)?;
    let ids: Vec<i64> = page.iter().map(|p| p.0).collect();
    // Latest started first: a student's first row is their current class.
    let current: Vec<(i64, String)> = enrolments::table
        .inner_join(classes::table)
        .filter(enrolments::student_id.eq_any(&ids))
        .filter(rollbook_enrolled_on(
            enrolments::starts_on,
            enrolments::ends_on,
            today,
        ))
        .order((enrolments::student_id, enrolments::starts_on.desc()))
        .select((enrolments::student_id, classes::name))
        .load(conn)?;
    let rows = page
        .into_iter()
        .map(
            |(id, student_number, given_name, family_name, preferred_name, status, school_name)| {
                StudentRow {
                    class_name: current
                        .iter()
                        .find(|(s, _)| *s == id)
                        .map(|(_, name)| name.clone()),
                    id,
                    student_number,
                    given_name,
                    family_name,
                    preferred_name,
                    status,
                    school_name,
                }
            },
        )
        .collect();
    let limit = Matches::count_limit(offset, PAGE_SIZE);
    let counted = matching(scope, today, f)
        .select(students::id)
        .limit(limit + 1)
        .load::<i64>(conn)?
        .len() as i64;
    Ok((rows, Matches::of(counted, limit)))
}

/// Classes of the current academic year in scope: (id, school_id, "name (school)").
pub fn list_current_classes(
    conn: &mut PgConnection,
    scope: SchoolScope,
    today: NaiveDate,
) -> QueryResult<Vec<(i64, i64, String)>> {
    let mut q = classes::table
        .inner_join(academic_years::table)
        .filter(academic_years::starts_on.le(today))
        .filter(academic_years::ends_on.ge(today))
        .select((classes::id, classes::school_id, classes::name))
        .order((classes::school_id, classes::grade_level, classes::name))
        .into_boxed();
    if let Some(id) = scope.filter() {
        q = q.filter(classes::school_id.eq(id));
    }
    q.load(conn)
}
