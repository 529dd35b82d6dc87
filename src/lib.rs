//! Rollbook: a school information system. Registers, marks and a parents' portal, served as HTML
//! from one binary over PostgreSQL.

pub mod accounts;
pub mod admin;
pub mod app;
pub mod attendance;
pub mod audit;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod domain;
pub mod error;
pub mod gradebook;
pub mod mail;
pub mod memo;
pub mod models;
pub mod parents;
pub mod schema;
pub mod seed;
pub mod telemetry;
pub mod web;

use std::sync::Arc;

/// What every handler can reach through `web::Data<AppState>`: plumbing only. An area's own
/// state is a `web::Data` of its own (registered in `app.rs`).
#[derive(Clone)]
pub struct AppState {
    pub pool: db::PgPool,
    pub settings: Arc<config::Settings>,
    pub clock: clock::Clock,
    pub mailer: Arc<mail::Mailer>,
    /// Bumped when marks are saved or a roster changes (a student added, moved, withdrawn or
    /// deleted; an import): what was counted from the registers is counted again.
    pub registers_changed: Arc<memo::Epoch>,
    /// Recently loaded sessions, for safe requests (`web::session_store`).
    pub sessions: Arc<web::session_store::SessionCache>,
}
