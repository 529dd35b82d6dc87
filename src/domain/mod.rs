//! Pure, validated types and rules. No HTTP, no database.

pub mod attendance;
pub mod dates;
pub mod email;
pub mod grades;
pub mod password;
pub mod terms;
pub mod throttle;

pub use email::EmailAddress;
pub use password::NewPassword;
