//! Email addresses as Rollbook stores them: trimmed, lower-cased, plausibly shaped.

/// A syntactically plausible email address, normalised to lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter an email address.");
        }
        if email.len() > 254 {
            return Err("An email address has at most 254 characters.");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err("Enter an email address like name@example.org.");
        };
        let plausible = !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>\"(),;:[]\\".contains(c))
            && !local.contains('@');
        if !plausible {
            return Err("Enter an email address like name@example.org.");
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(
            EmailAddress::parse("  Teacher@Rollbook.TEST ")
                .unwrap()
                .as_str(),
            "teacher@rollbook.test"
        );
    }

    #[test]
    fn implausible_addresses_are_refused() {
        for bad in [
            "",
            "nobody",
            "a@b",
            "@x.org",
            "a b@x.org",
            "<script>@x.org",
            "a@.org",
            "a@x.org.",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(EmailAddress::parse(&format!("{}@x.org", "a".repeat(300))).is_err());
    }
}
