//! The parents' absence and correction emails: their words are in `templates/mail/`, rendered
//! here for each student and parent a save could tell; the save's statement queues the ones its
//! marks call for, in the same statement as the marks.

use askama::Template;
use chrono::NaiveDate;
use diesel::QueryResult;

use super::roster::RegisterToSave;
use super::MarkInput;

/// "Dear …": a child was marked absent.
#[derive(Template)]
#[template(path = "mail/absence.txt", whitespace = "preserve")]
struct AbsenceBody<'a> {
    parent_name: &'a str,
    child: &'a str,
    class_name: &'a str,
    school_name: &'a str,
    day: &'a str,
    public_url: &'a str,
    student_id: i64,
}

#[derive(Template)]
#[template(path = "mail/absence.subject.txt", whitespace = "preserve")]
struct AbsenceSubject<'a> {
    child: &'a str,
}

/// The child marked absent by mistake is at school after all.
#[derive(Template)]
#[template(path = "mail/correction.txt", whitespace = "preserve")]
struct CorrectionBody<'a> {
    parent_name: &'a str,
    child: &'a str,
    day: &'a str,
}

#[derive(Template)]
#[template(path = "mail/correction.subject.txt", whitespace = "preserve")]
struct CorrectionSubject<'a> {
    child: &'a str,
}

/// The emails a save may queue, one element per student and parent, in the order the save's
/// statement reads them.
#[derive(Debug, Default)]
pub struct AbsenceEmails {
    pub students: Vec<i64>,
    pub parents: Vec<i64>,
    pub absence_subjects: Vec<String>,
    pub absence_bodies: Vec<String>,
    pub correction_subjects: Vec<String>,
    pub correction_bodies: Vec<String>,
}

/// The emails these marks could call for, rendered: none unless a mark is an absence, or a
/// present or late mark today (which may correct an absence).
pub fn absence_emails(
    register: &RegisterToSave,
    date: NaiveDate,
    marks: &[MarkInput],
    public_url: &str,
) -> QueryResult<AbsenceEmails> {
    let day = &register.day;
    let codes = day.codes();
    let category = |id: i64| {
        codes
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.category.as_str())
    };
    let telling: Vec<i64> = marks
        .iter()
        .filter(|m| match category(m.code_id) {
            Some("absent") => true,
            Some("present" | "late") => date == day.today,
            _ => false,
        })
        .map(|m| m.student_id)
        .collect();
    let mut emails = AbsenceEmails::default();
    if telling.is_empty() {
        return Ok(emails);
    }
    let child = |student_id: i64| {
        register
            .rows
            .iter()
            .find(|r| r.student_id == student_id)
            .map(|r| r.preferred_name.as_deref().unwrap_or(&r.given_name))
            .unwrap_or_default()
    };
    let on = date.format("%A %-d %B %Y").to_string();
    let rendered = |r: askama::Result<String>| {
        r.map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
    };
    for r in register
        .recipients
        .iter()
        .filter(|r| telling.contains(&r.student_id))
    {
        let child = child(r.student_id);
        emails.students.push(r.student_id);
        emails.parents.push(r.parent_id);
        emails
            .absence_subjects
            .push(rendered(AbsenceSubject { child }.render())?);
        emails.absence_bodies.push(rendered(
            AbsenceBody {
                parent_name: &r.parent_name,
                child,
                class_name: &day.class_name,
                school_name: &register.school_name,
                day: &on,
                public_url,
                student_id: r.student_id,
            }
            .render(),
        )?);
        emails
            .correction_subjects
            .push(rendered(CorrectionSubject { child }.render())?);
        emails.correction_bodies.push(rendered(
            CorrectionBody {
                parent_name: &r.parent_name,
                child,
                day: &on,
            }
            .render(),
        )?);
    }
    Ok(emails)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_absence_emails_read_as_they_always_have() {
        let body = AbsenceBody {
            parent_name: "Ann Parent",
            child: "Ada",
            class_name: "7A",
            school_name: "North Grove",
            day: "Monday 7 December 2026",
            public_url: "https://school.test",
            student_id: 42,
        };
        assert_eq!(
            body.render().unwrap(),
            "Dear Ann Parent,\n\nAda was marked absent from 7A at North Grove on Monday 7 December 2026.\n\n\
             If you know why, you can tell the school here:\nhttps://school.test/parent/children/42\n\n\
             You receive this because you asked to be told about absences. You can change that under My account.\n"
        );
        assert_eq!(
            AbsenceSubject { child: "Ada" }.render().unwrap(),
            "Ada was absent from school today"
        );
        let correction = CorrectionBody {
            parent_name: "Ann Parent",
            child: "Ada",
            day: "Monday 7 December 2026",
        };
        assert_eq!(
            correction.render().unwrap(),
            "Dear Ann Parent,\n\nAda was marked absent by mistake on Monday 7 December 2026 and is at \
             school after all. Please ignore our earlier email.\n"
        );
        assert_eq!(
            CorrectionSubject { child: "Ada" }.render().unwrap(),
            "Correction: Ada is at school today"
        );
    }
}
