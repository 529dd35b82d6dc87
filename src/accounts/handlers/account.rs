//! The account page: password, details and which emails to receive.

use super::*;

#[derive(Template)]
#[template(path = "accounts/account.html")]
pub(super) struct AccountPage {
    pub(super) layout: Layout,
    pub(super) details: queries::AccountDetails,
    pub(super) role_label: &'static str,
    pub(super) errors: BTreeMap<&'static str, String>,
    /// For parents: each child and whether absence emails are wanted.
    pub(super) prefs: Vec<(i64, String, bool)>,
    pub(super) is_parent: bool,
}

impl AccountPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

pub(super) async fn account_page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    errors: BTreeMap<&'static str, String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (user_id, is_parent) = (user.id, user.role == Role::Parent);
    let (details, prefs) = db::run(&state.pool, move |conn| {
        let prefs = if is_parent {
            queries::list_notification_prefs(conn, user_id)?
        } else {
            Vec::new()
        };
        Ok((queries::find_account(conn, user_id)?, prefs))
    })
    .await?;
    let page = AccountPage {
        layout: Layout::new(req, state, "My account"),
        details,
        role_label: user.role.label(),
        errors,
        prefs,
        is_parent,
    };
    render_status(&page, status)
}

pub async fn show_account(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    account_page(&req, &state, &user, BTreeMap::new(), StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub(super) current_password: String,
    #[serde(default)]
    pub(super) new_password: String,
    #[serde(default)]
    pub(super) confirm_password: String,
}

#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    passwords: web::Data<Passwords>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = BTreeMap::new();
    let new_password = match NewPassword::parse(&form.new_password, &[&user.email, &user.name]) {
        Ok(p) => Some(p),
        Err(message) => {
            errors.insert("new_password", message.to_string());
            None
        }
    };
    if form.new_password != form.confirm_password {
        errors.insert(
            "confirm_password",
            "The two new passwords are not the same.".into(),
        );
    }
    if form.current_password.is_empty() {
        errors.insert("current_password", "Enter your current password.".into());
    }
    if !errors.is_empty() {
        return account_page(
            &req,
            &state,
            &user,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let user_id = user.id;
    let stored = db::run(&state.pool, move |conn| {
        Ok(queries::find_account(conn, user_id)?.password_hash)
    })
    .await?;
    if !passwords.verify(stored, form.current_password).await? {
        errors.insert(
            "current_password",
            "That is not your current password.".into(),
        );
        return account_page(
            &req,
            &state,
            &user,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let new_password = new_password.expect("validated above");
    let hash = passwords.hash(new_password.expose().to_string()).await?;
    let keep = user.session_id.clone();
    let at = state.clock.now();
    let version = db::run(&state.pool, move |conn| {
        Ok(queries::update_password(conn, user_id, &hash, &keep, at)?)
    })
    .await?;
    session
        .insert(KEY_AUTH_VERSION, version)
        .map_err(|e| AppError::Unexpected(format!("session: {e}")))?;
    flash(
        &session,
        "Your password has been changed. You have been signed out everywhere else.",
    );
    Ok(see_other("/account"))
}

#[derive(Debug, Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    pub(super) phone: String,
}

/// Changes the signed-in user's own contact details.
pub async fn update_details(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<DetailsForm>,
) -> Result<HttpResponse, AppError> {
    let phone = form.phone.trim().to_string();
    if !phone.is_empty()
        && (phone.chars().count() > 40
            || !phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c)))
    {
        let errors = BTreeMap::from([(
            "phone",
            "Enter a phone number using digits, spaces and + - ( ) only.".to_string(),
        )]);
        return account_page(
            &req,
            &state,
            &user,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let (user_id, at) = (user.id, state.clock.now());
    db::run(&state.pool, move |conn| {
        Ok(queries::update_phone(
            conn,
            user_id,
            (!phone.is_empty()).then_some(phone.as_str()),
            at,
        )?)
    })
    .await?;
    flash(&session, "Your contact details are saved.");
    Ok(see_other("/account"))
}

/// A parent chooses which children they receive absence emails about.
pub async fn update_notifications(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    if user.role != Role::Parent {
        return Err(AppError::Forbidden);
    }
    let wanted: Vec<i64> = form
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("notify_").and_then(|id| id.parse().ok()))
        .collect();
    let parent_id = user.id;
    db::run(&state.pool, move |conn| {
        Ok(queries::update_notification_prefs(
            conn, parent_id, &wanted,
        )?)
    })
    .await?;
    flash(&session, "Your email choices are saved.");
    Ok(see_other("/account"))
}
