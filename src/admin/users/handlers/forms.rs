//! The user form as typed, and checking it.

use super::*;

#[derive(Debug, Deserialize, Default, Clone)]
pub struct UserForm {
    #[serde(default)]
    pub(super) display_name: String,
    #[serde(default)]
    pub(super) email: String,
    #[serde(default)]
    pub(super) role: String,
    #[serde(default)]
    pub(super) school_id: String,
    #[serde(default)]
    pub(super) phone: String,
    #[serde(default)]
    pub(super) version: String,
}

pub(super) type FieldErrors = BTreeMap<&'static str, String>;

/// Checks the form; a role the user may not grant is Forbidden rather than a field error.
pub(super) fn validate(
    form: &UserForm,
    user: &CurrentUser,
    schools: &[(i64, String)],
) -> Result<Result<UserValues, FieldErrors>, AppError> {
    let mut errors = FieldErrors::new();
    let display_name = form.display_name.trim().to_string();
    if display_name.is_empty() {
        errors.insert("display_name", "Enter the person's name.".into());
    } else if display_name.chars().count() > 200 {
        errors.insert("display_name", "A name has at most 200 characters.".into());
    } else if display_name.chars().any(char::is_control) {
        errors.insert(
            "display_name",
            "A name cannot contain control characters.".into(),
        );
    }
    let email = match EmailAddress::parse(&form.email) {
        Ok(e) => e.as_str().to_string(),
        Err(message) => {
            errors.insert("email", message.into());
            String::new()
        }
    };
    let role = match form.role.parse::<Role>() {
        Ok(role) if grantable_roles(user).contains(&role) => Some(role),
        Ok(_) => return Err(AppError::Forbidden),
        Err(()) => {
            errors.insert("role", "Choose a role.".into());
            None
        }
    };
    let needs_school = matches!(role, Some(Role::Teacher | Role::Principal));
    let school_id = if needs_school {
        match form
            .school_id
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| schools.iter().any(|(s, _)| s == id))
        {
            Some(id) => Some(id),
            None => {
                errors.insert(
                    "school_id",
                    "Choose the school this person works at.".into(),
                );
                None
            }
        }
    } else {
        None
    };
    let phone = form.phone.trim();
    let phone = if phone.is_empty() {
        None
    } else if phone.chars().count() > 40
        || !phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        errors.insert(
            "phone",
            "Enter a phone number using digits, spaces and + - ( ) only.".into(),
        );
        None
    } else {
        Some(phone.to_string())
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(UserValues {
        display_name,
        email,
        role: role.expect("checked").as_str().to_string(),
        school_id,
        phone,
    }))
}
