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
pub mod parents;
pub mod schema;
pub mod seed;
pub mod telemetry;
pub mod web;

use std::sync::Arc;

/// What every handler can reach through `web::Data<AppState>`.
#[derive(Clone)]
pub struct AppState {
    pub pool: db::PgPool,
    pub settings: Arc<config::Settings>,
    pub clock: clock::Clock,
    pub passwords: accounts::passwords::Passwords,
    pub mailer: Arc<mail::Mailer>,
    /// Sign-ins refused while every hashing slot was busy, waiting to be recorded.
    pub busy_log: Arc<accounts::busy::BusyLog>,
    /// Each school's board of registers for a day (the office page, the dashboards' today),
    /// counted at most once every few seconds.
    pub boards: Arc<attendance::office::Boards>,
    /// Recently loaded sessions, for safe requests (`web::session_store`).
    pub sessions: Arc<web::session_store::SessionCache>,
}
