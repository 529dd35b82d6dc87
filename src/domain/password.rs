//! The password policy (DESIGN.md §7): 12 to 128 characters, not a common password, no
//! composition rules.

use std::collections::HashSet;
use std::sync::OnceLock;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

/// 30,000 common passwords (the zxcvbn frequency list; see data/README.md).
const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// How many passwords the bundled list holds.
pub fn common_password_count() -> usize {
    common().len()
}

/// A password that meets the policy. Its text is never printed by `Debug`.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

impl NewPassword {
    /// Checks the policy; `context` holds words the password must not simply be (email, name).
    pub fn parse(raw: &str, context: &[&str]) -> Result<Self, &'static str> {
        let chars = raw.chars().count();
        if chars < MIN_CHARS {
            return Err(
                "Use at least 12 characters. A few unrelated words make a strong password.",
            );
        }
        if chars > MAX_CHARS {
            return Err("Use at most 128 characters.");
        }
        let lower = raw.to_lowercase();
        // A common password with digits or symbols stuck on the end is still a common password.
        let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
        let repeated = lower.chars().collect::<HashSet<_>>().len() <= 2;
        if common().contains(lower.as_str())
            || (stem.chars().count() >= 4 && common().contains(stem))
            || repeated
        {
            return Err("This password is too common. Choose something harder to guess.");
        }
        let squashed: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
        for word in context {
            // For an email address, the part before the @ is what people reuse.
            let word = word.split('@').next().unwrap_or(word);
            let word: String = word
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect();
            if word.len() >= 4 && squashed.contains(&word) && squashed.len() < word.len() + 6 {
                return Err("Your password is too close to your name or email address.");
            }
        }
        Ok(Self(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_list_has_at_least_ten_thousand_entries() {
        assert!(common_password_count() >= 10_000);
    }

    #[test]
    fn length_limits_count_characters_not_bytes() {
        assert!(NewPassword::parse("short one", &[]).is_err());
        assert!(NewPassword::parse("élan vital ü", &[]).is_ok());
        assert!(NewPassword::parse(&"ab cd ef gh ".repeat(11), &[]).is_err());
        assert!(NewPassword::parse("correct horse battery staple", &[]).is_ok());
    }

    #[test]
    fn common_passwords_are_refused_even_with_digits_appended() {
        assert!(NewPassword::parse("qwertyuiop123", &[]).is_err());
        assert!(NewPassword::parse("password1234", &[]).is_err());
        assert!(NewPassword::parse("aaaaaaaaaaaaaa", &[]).is_err());
    }

    #[test]
    fn a_password_that_is_just_the_email_is_refused() {
        assert!(NewPassword::parse("mrs.okafor2026", &["mrs.okafor@school.org"]).is_err());
    }

    #[test]
    fn the_demo_password_meets_the_policy() {
        assert!(NewPassword::parse(crate::config::DEFAULT_DEMO_PASSWORD, &[]).is_ok());
    }
}
