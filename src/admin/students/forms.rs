//! The student form: raw strings from the request, the guardian and emergency-contact rows, and
//! validation into values or messages beside each field.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::domain::EmailAddress;

use crate::models::students::{Contact, Guardian};

/// A guardian row as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuardianRow {
    pub name: String,
    pub relationship: String,
    pub phone: String,
    pub email: String,
}

/// An emergency-contact row as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactRow {
    pub name: String,
    pub relationship: String,
    pub phone: String,
}

/// Everything the form posts, as strings.
#[derive(Debug, Clone, Default)]
pub struct StudentForm {
    pub school_id: String,
    pub student_number: String,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: String,
    pub date_of_birth: String,
    pub gender: String,
    pub enrolled_on: String,
    pub class_id: String,
    pub medical_notes: String,
    pub allergies: String,
    pub version: String,
    pub guardians: Vec<GuardianRow>,
    pub contacts: Vec<ContactRow>,
    /// A button that edits the form instead of saving it: `add_guardian`, `remove_guardian:N`, …
    pub action: String,
}

/// Keys whose repeats make up the rows, in the order they were posted.
impl StudentForm {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = StudentForm::default();
        let (mut gi, mut ci) = (
            BTreeMap::<&str, usize>::new(),
            BTreeMap::<&str, usize>::new(),
        );
        for (key, value) in pairs {
            match key.as_str() {
                "school_id" => f.school_id = value,
                "student_number" => f.student_number = value,
                "given_name" => f.given_name = value,
                "family_name" => f.family_name = value,
                "preferred_name" => f.preferred_name = value,
                "date_of_birth" => f.date_of_birth = value,
                "gender" => f.gender = value,
                "enrolled_on" => f.enrolled_on = value,
                "class_id" => f.class_id = value,
                "medical_notes" => f.medical_notes = value,
                "allergies" => f.allergies = value,
                "version" => f.version = value,
                "action" => f.action = value,
                "guardian_name" | "guardian_relationship" | "guardian_phone" | "guardian_email" => {
                    let field: &'static str = match key.as_str() {
                        "guardian_name" => "name",
                        "guardian_relationship" => "relationship",
                        "guardian_phone" => "phone",
                        _ => "email",
                    };
                    let i = gi.entry(field).or_insert(0);
                    if f.guardians.len() <= *i {
                        f.guardians.push(GuardianRow::default());
                    }
                    let row = &mut f.guardians[*i];
                    match field {
                        "name" => row.name = value,
                        "relationship" => row.relationship = value,
                        "phone" => row.phone = value,
                        _ => row.email = value,
                    }
                    *i += 1;
                }
                "contact_name" | "contact_relationship" | "contact_phone" => {
                    let field: &'static str = match key.as_str() {
                        "contact_name" => "name",
                        "contact_relationship" => "relationship",
                        _ => "phone",
                    };
                    let i = ci.entry(field).or_insert(0);
                    if f.contacts.len() <= *i {
                        f.contacts.push(ContactRow::default());
                    }
                    let row = &mut f.contacts[*i];
                    match field {
                        "name" => row.name = value,
                        "relationship" => row.relationship = value,
                        _ => row.phone = value,
                    }
                    *i += 1;
                }
                _ => {}
            }
        }
        f
    }

    /// Applies an add/remove button. Returns true when the form was edited (and must be shown
    /// again rather than saved).
    pub fn apply_action(&mut self) -> bool {
        let action = self.action.clone();
        match action.split_once(':') {
            _ if action == "add_guardian" => self.guardians.push(GuardianRow::default()),
            _ if action == "add_contact" => self.contacts.push(ContactRow::default()),
            // An admin chose the school: the form comes back with its classes.
            _ if action == "pick_school" => {}
            Some(("remove_guardian", i)) => {
                if let Ok(i) = i.parse::<usize>() {
                    if i < self.guardians.len() {
                        self.guardians.remove(i);
                    }
                }
            }
            Some(("remove_contact", i)) => {
                if let Ok(i) = i.parse::<usize>() {
                    if i < self.contacts.len() {
                        self.contacts.remove(i);
                    }
                }
            }
            _ => return false,
        }
        true
    }
}

/// Validated student values.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StudentValues {
    pub school_id: i64,
    pub student_number: String,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub gender: Option<String>,
    pub enrolled_on: Option<NaiveDate>,
    pub class_id: Option<i64>,
    pub medical_notes: String,
    pub allergies: String,
    pub guardians: Vec<Guardian>,
    pub contacts: Vec<Contact>,
}

/// Messages keyed by field name (`guardian_phone_1` for row 1's phone).
pub type FieldErrors = BTreeMap<String, String>;

fn text(
    errors: &mut FieldErrors,
    field: &str,
    raw: &str,
    label: &str,
    max: usize,
    required: bool,
) -> String {
    let value = raw.trim().to_string();
    if value.is_empty() && required {
        errors.insert(field.into(), format!("Enter the {label}."));
    } else if value.chars().count() > max {
        errors.insert(
            field.into(),
            format!("The {label} has at most {max} characters."),
        );
    } else if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.insert(
            field.into(),
            format!("The {label} cannot contain control characters."),
        );
    }
    value
}

/// Parses a date typed as YYYY-MM-DD (what `<input type=date>` sends).
pub fn parse_date(raw: &str) -> Result<Option<NaiveDate>, String> {
    crate::domain::dates::parse_optional_day(raw).map_err(|e| e.to_string())
}

fn phone_ok(phone: &str) -> bool {
    phone.chars().any(|c| c.is_ascii_digit())
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// Checks the form against the schools and classes the user may choose.
pub fn validate(
    form: &StudentForm,
    schools: &[(i64, String)],
    classes: &[(i64, i64, String)],
    today: NaiveDate,
) -> Result<StudentValues, FieldErrors> {
    let mut e = FieldErrors::new();
    let school_id = match form
        .school_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| schools.iter().any(|(s, _)| s == id))
    {
        Some(id) => id,
        None if schools.len() == 1 => schools[0].0,
        None => {
            e.insert("school_id".into(), "Choose the school.".into());
            0
        }
    };
    let student_number = text(
        &mut e,
        "student_number",
        &form.student_number,
        "student number",
        40,
        true,
    );
    let given_name = text(
        &mut e,
        "given_name",
        &form.given_name,
        "given name",
        100,
        true,
    );
    let family_name = text(
        &mut e,
        "family_name",
        &form.family_name,
        "family name",
        100,
        true,
    );
    let preferred_name = text(
        &mut e,
        "preferred_name",
        &form.preferred_name,
        "preferred name",
        100,
        false,
    );
    let gender = text(&mut e, "gender", &form.gender, "gender", 40, false);
    let medical_notes = text(
        &mut e,
        "medical_notes",
        &form.medical_notes,
        "medical notes",
        4000,
        false,
    );
    let allergies = text(
        &mut e,
        "allergies",
        &form.allergies,
        "allergies",
        2000,
        false,
    );
    let date_of_birth = match parse_date(&form.date_of_birth) {
        Ok(Some(d)) if d > today => {
            e.insert(
                "date_of_birth".into(),
                "The date of birth cannot be in the future.".into(),
            );
            None
        }
        Ok(Some(d)) if d < NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid") => {
            e.insert("date_of_birth".into(), "Check the year of birth.".into());
            None
        }
        Ok(d) => d,
        Err(m) => {
            e.insert("date_of_birth".into(), m);
            None
        }
    };
    let enrolled_on = parse_date(&form.enrolled_on)
        .and_then(|d| {
            d.map(|d| crate::domain::dates::school_record(d, today).map_err(|e| e.to_string()))
                .transpose()
        })
        .unwrap_or_else(|m| {
            e.insert("enrolled_on".into(), m);
            None
        });
    let class_id = match form.class_id.trim() {
        "" => None,
        raw => match raw
            .parse::<i64>()
            .ok()
            .and_then(|id| classes.iter().find(|(c, _, _)| *c == id))
        {
            Some((id, class_school, _)) if *class_school == school_id => Some(*id),
            Some(_) => {
                e.insert(
                    "class_id".into(),
                    "That class belongs to another school.".into(),
                );
                None
            }
            None => {
                e.insert(
                    "class_id".into(),
                    "Choose one of the classes listed.".into(),
                );
                None
            }
        },
    };
    let mut guardians = Vec::new();
    for (i, g) in form.guardians.iter().enumerate() {
        if *g == GuardianRow::default()
            || [&g.name, &g.relationship, &g.phone, &g.email]
                .iter()
                .all(|s| s.trim().is_empty())
        {
            continue;
        }
        let name = text(
            &mut e,
            &format!("guardian_name_{i}"),
            &g.name,
            "guardian's name",
            200,
            true,
        );
        let relationship = text(
            &mut e,
            &format!("guardian_relationship_{i}"),
            &g.relationship,
            "relationship",
            40,
            false,
        );
        let phone = g.phone.trim().to_string();
        if !phone.is_empty() && (phone.chars().count() > 40 || !phone_ok(&phone)) {
            e.insert(
                format!("guardian_phone_{i}"),
                "Enter a phone number using digits, spaces and + - ( ) only.".into(),
            );
        }
        let email = match g.email.trim() {
            "" => String::new(),
            raw => match EmailAddress::parse(raw) {
                Ok(addr) => addr.as_str().to_string(),
                Err(m) => {
                    e.insert(format!("guardian_email_{i}"), m.into());
                    String::new()
                }
            },
        };
        guardians.push(Guardian {
            name,
            relationship,
            phone,
            email,
        });
    }
    let mut contacts = Vec::new();
    for (i, c) in form.contacts.iter().enumerate() {
        if [&c.name, &c.relationship, &c.phone]
            .iter()
            .all(|s| s.trim().is_empty())
        {
            continue;
        }
        let name = text(
            &mut e,
            &format!("contact_name_{i}"),
            &c.name,
            "contact's name",
            200,
            true,
        );
        let relationship = text(
            &mut e,
            &format!("contact_relationship_{i}"),
            &c.relationship,
            "relationship",
            40,
            false,
        );
        let phone = c.phone.trim().to_string();
        if phone.is_empty() {
            e.insert(
                format!("contact_phone_{i}"),
                "An emergency contact needs a phone number.".into(),
            );
        } else if phone.chars().count() > 40 || !phone_ok(&phone) {
            e.insert(
                format!("contact_phone_{i}"),
                "Enter a phone number using digits, spaces and + - ( ) only.".into(),
            );
        }
        contacts.push(Contact {
            name,
            relationship,
            phone,
        });
    }
    if !e.is_empty() {
        return Err(e);
    }
    Ok(StudentValues {
        school_id,
        student_number,
        given_name,
        family_name,
        preferred_name: (!preferred_name.is_empty()).then_some(preferred_name),
        date_of_birth,
        gender: (!gender.is_empty()).then_some(gender),
        enrolled_on,
        class_id,
        medical_notes,
        allergies,
        guardians,
        contacts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn repeated_fields_become_rows_in_order() {
        let f = StudentForm::from_pairs(pairs(&[
            ("guardian_name", "Ann"),
            ("guardian_relationship", "Mother"),
            ("guardian_phone", "1"),
            ("guardian_email", ""),
            ("guardian_name", "Bo"),
            ("guardian_relationship", "Father"),
            ("guardian_phone", "2"),
            ("guardian_email", "bo@x.org"),
            ("contact_name", "Cy"),
            ("contact_relationship", "Aunt"),
            ("contact_phone", "3"),
        ]));
        assert_eq!(f.guardians.len(), 2);
        assert_eq!(f.guardians[1].email, "bo@x.org");
        assert_eq!(f.contacts[0].name, "Cy");
    }

    #[test]
    fn add_and_remove_buttons_edit_the_rows() {
        let mut f = StudentForm::from_pairs(pairs(&[
            ("guardian_name", "Ann"),
            ("guardian_name", "Bo"),
            ("action", "remove_guardian:0"),
        ]));
        assert!(f.apply_action());
        assert_eq!(
            f.guardians
                .iter()
                .map(|g| g.name.as_str())
                .collect::<Vec<_>>(),
            vec!["Bo"]
        );
        f.action = "add_contact".into();
        assert!(f.apply_action());
        assert_eq!(f.contacts.len(), 1);
        f.action = "save".into();
        assert!(!f.apply_action());
    }

    #[test]
    fn impossible_dates_are_refused_with_the_date_named() {
        assert!(parse_date("2026-02-30").unwrap_err().contains("2026-02-30"));
        assert_eq!(
            parse_date("2014-09-30").unwrap(),
            NaiveDate::from_ymd_opt(2014, 9, 30)
        );
        assert_eq!(parse_date(" ").unwrap(), None);
    }
}
