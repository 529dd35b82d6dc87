//! Integration tests: the real app on port 0, each test with its own PostgreSQL database cloned
//! from a migrated, demo-seeded template, driven over HTTP with cookies; assertions on parsed
//! HTML and on database rows.

mod accounts;
mod admin_audit;
mod admin_imports;
mod admin_structure;
mod admin_students;
mod admin_users;
mod attendance;
mod attendance_views;
mod cli;
mod dashboard;
mod front_door;
mod gradebook;
mod gradebook_views;
mod helpers;
mod hostile;
mod house;
mod office_thresholds;
mod pages;
mod password_reset;
mod portals;
mod restart;
mod rules;
mod schema;
mod sessions;
mod smtp;
