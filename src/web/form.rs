//! Reading forms and query strings: the one place that decides what text Rollbook accepts.
//!
//! Every form body and query string is checked before it is deserialised: each name and value
//! must decode (percent-escapes and `+` included) to valid UTF-8, so nothing is ever stored with
//! replacement characters. A query string (a filter, with no field to show a message beside)
//! must also be free of NUL and other control characters (tab, CR and LF are text). What fails
//! is refused whole with 422 naming the field. In a form, control characters are left to the
//! form's own validation, which refuses them beside the field; a NUL that a form lets through
//! is still refused (422) by `AppError`'s reading of PostgreSQL's refusal, never stored. A value
//! that does not fit its field's type (`?page=99999999999999999999`) is 400, a body over the
//! limit 413; all on Rollbook's own error page.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A form body, read as [`actix_web::web::Form`] is, with the text rules above.
#[derive(Debug)]
pub struct Form<T>(pub T);

/// A query string, read as [`actix_web::web::Query`] is, with the text rules above.
#[derive(Debug)]
pub struct Query<T>(pub T);

macro_rules! wrapper {
    ($name:ident) => {
        impl<T> $name<T> {
            pub fn into_inner(self) -> T {
                self.0
            }
        }

        impl<T> std::ops::Deref for $name<T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.0
            }
        }
    };
}
wrapper!(Form);
wrapper!(Query);

/// Why a form or query string was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The field (its name as far as it could be read) is not text.
    NotText(String),
    /// A value does not fit the field's type.
    Unreadable,
}

impl From<Refused> for AppError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::NotText(field) => AppError::InvalidText(field),
            Refused::Unreadable => AppError::BadRequest,
        }
    }
}

/// What a field must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// Valid UTF-8 (a form's own validation judges the characters).
    Utf8,
    /// Valid UTF-8 with no control character but tab, CR and LF.
    Plain,
}

/// Checks every name and value of `raw` (`a=1&b=2`), then deserialises it.
pub fn read<T: DeserializeOwned>(raw: &[u8], rule: Text) -> Result<T, Refused> {
    check_text(raw, rule)?;
    serde_urlencoded::from_bytes(raw).map_err(|_| Refused::Unreadable)
}

/// Every name and value decodes to text under `rule`.
pub fn check_text(raw: &[u8], rule: Text) -> Result<(), Refused> {
    for pair in raw.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let mut halves = pair.splitn(2, |b| *b == b'=');
        let name = decode(halves.next().unwrap_or_default());
        let value = decode(halves.next().unwrap_or_default());
        let shown = || {
            let lossy = String::from_utf8_lossy(&name);
            lossy
                .chars()
                .filter(|c| !c.is_control() && *c != char::REPLACEMENT_CHARACTER)
                .take(40)
                .collect::<String>()
        };
        if !is_text(&name, rule) || !is_text(&value, rule) {
            return Err(Refused::NotText(shown()));
        }
    }
    Ok(())
}

fn is_text(bytes: &[u8], rule: Text) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|s| {
        rule == Text::Utf8
            || !s
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
    })
}

/// `application/x-www-form-urlencoded` decoding of one name or value, to raw bytes.
fn decode(part: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(part.len());
    let mut i = 0;
    while i < part.len() {
        match part[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < part.len() => match (hex(part[i + 1]), hex(part[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = actix_web::web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|e| {
                let too_large = e
                    .as_error::<actix_web::error::PayloadError>()
                    .is_some_and(|p| matches!(p, actix_web::error::PayloadError::Overflow));
                if too_large {
                    AppError::TooLarge
                } else {
                    AppError::BadRequest
                }
            })?;
            Ok(Form(read(&body, Text::Utf8).map_err(AppError::from)?))
        })
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            read(req.query_string().as_bytes(), Text::Plain)
                .map(Query)
                .map_err(|e| AppError::from(e).into()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_with_accents_tabs_and_newlines_is_accepted() {
        let form: Vec<(String, String)> = read(
            b"given_name=Ren%C3%A9e+Zo%C3%AB&note=line%0D%0Aand%09tab",
            Text::Plain,
        )
        .unwrap();
        assert_eq!(form[0].1, "Renée Zoë");
        assert_eq!(form[1].1, "line\r\nand\ttab");
    }

    #[test]
    fn broken_utf8_nul_and_overlong_encodings_are_refused_naming_the_field() {
        for (raw, broken) in [
            (&b"a=1&given_name=Ann%FF%FEe"[..], true),
            (b"a=1&given_name=Ann\xFF\xFEe", true),
            (b"a=1&given_name=%C0%80", true),
            (b"a=1&given_name=x%00y", false),
            (b"a=1&given_name=bell%07", false),
        ] {
            let refused = Err(Refused::NotText("given_name".into()));
            assert_eq!(check_text(raw, Text::Plain), refused, "{raw:?}");
            if broken {
                assert_eq!(check_text(raw, Text::Utf8), refused, "{raw:?}");
            } else {
                assert_eq!(check_text(raw, Text::Utf8), Ok(()), "{raw:?}");
            }
        }
        assert_eq!(
            check_text(b"q%00=1", Text::Plain),
            Err(Refused::NotText("q".into()))
        );
    }

    #[test]
    fn a_value_that_does_not_fit_its_type_is_unreadable() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Paged {
            page: Option<u32>,
        }
        assert!(read::<Paged>(b"page=3", Text::Plain).is_ok());
        assert_eq!(
            read::<Paged>(b"page=99999999999999999999", Text::Plain).unwrap_err(),
            Refused::Unreadable
        );
    }

    #[test]
    fn a_stray_percent_is_kept_as_text() {
        let form: Vec<(String, String)> = read(b"q=100%&r=%4", Text::Plain).unwrap();
        assert_eq!(form[0].1, "100%");
        assert_eq!(form[1].1, "%4");
    }
}
