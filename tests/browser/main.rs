//! Browser tests: the real app in this process, Debian's headless Chromium driven through
//! chromedriver, and an axe-core accessibility check that fails on serious or critical problems.

#[allow(dead_code, unused_imports)]
#[path = "../it/helpers.rs"]
mod helpers;

mod dashboard;
mod gradebook;
mod harness;
mod register;
mod sign_in;
mod students;
