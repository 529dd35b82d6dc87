//! Settings read from the environment, with the defaults README.md documents.

use std::net::IpAddr;
use std::path::PathBuf;

use base64::Engine;

/// Where Rollbook runs; decides cookie security and whether demo data may be seeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Dev,
    Test,
    Production,
}

impl Environment {
    fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "dev" | "development" | "" => Ok(Self::Dev),
            "test" => Ok(Self::Test),
            "production" | "prod" => Ok(Self::Production),
            other => Err(format!(
                "ROLLBOOK_ENV must be dev, test or production, not {other:?}"
            )),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Everything the binary needs to know to start.
#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    pub public_url: String,
    pub env: Environment,
    /// At least 64 bytes; signs and encrypts the session cookie.
    pub session_key: Vec<u8>,
    pub data_dir: PathBuf,
    pub pool_size: u32,
    pub trusted_proxies: Vec<IpAddr>,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub demo_password: String,
    pub log_format: LogFormat,
    /// How often the insight summaries (dashboards, at-risk lists) are rebuilt, in seconds.
    pub insight_secs: u64,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the session key or the database password.
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("public_url", &self.public_url)
            .field("env", &self.env)
            .field("data_dir", &self.data_dir)
            .field("pool_size", &self.pool_size)
            .finish_non_exhaustive()
    }
}

/// The documented default demo password; it meets the password policy.
pub const DEFAULT_DEMO_PASSWORD: &str = "rollbook-demo-2026";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    /// Reads the environment. `needs_database` is false only for commands that never connect.
    pub fn from_env() -> Result<Self, String> {
        let env = Environment::parse(&var("ROLLBOOK_ENV").unwrap_or_default())?;
        let data_dir = PathBuf::from(var("ROLLBOOK_DATA_DIR").unwrap_or_else(|| ".data".into()));
        let database_url = var("DATABASE_URL").ok_or_else(|| {
            "DATABASE_URL is not set (make run sets it for the private cluster)".to_string()
        })?;
        let public_url = var("ROLLBOOK_PUBLIC_URL")
            .unwrap_or_else(|| "http://127.0.0.1:8080".into())
            .trim_end_matches('/')
            .to_string();
        let session_key = match var("ROLLBOOK_SESSION_KEY") {
            Some(raw) => decode_key(&raw)?,
            None if env == Environment::Production => {
                return Err(
                    "ROLLBOOK_SESSION_KEY must be set in production (64+ random bytes, base64)"
                        .into(),
                )
            }
            None => dev_session_key(&data_dir)?,
        };
        let pool_size = match var("ROLLBOOK_POOL_SIZE") {
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=500).contains(n))
                .ok_or("ROLLBOOK_POOL_SIZE must be a number from 1 to 500")?,
            None => crate::app::default_pool_size(),
        };
        let trusted_proxies = match var("ROLLBOOK_TRUSTED_PROXIES") {
            Some(raw) => raw
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<IpAddr>().map_err(|_| {
                        format!("ROLLBOOK_TRUSTED_PROXIES: {s:?} is not an IP address")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let insight_secs = match var("ROLLBOOK_INSIGHT_SECS") {
            Some(raw) => raw
                .parse::<u64>()
                .ok()
                .filter(|n| (10..=86_400).contains(n))
                .ok_or("ROLLBOOK_INSIGHT_SECS must be a number of seconds from 10 to 86400")?,
            None => 300,
        };
        let log_format = match var("ROLLBOOK_LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(format!(
                    "ROLLBOOK_LOG_FORMAT must be pretty or json, not {other:?}"
                ))
            }
        };
        Ok(Self {
            database_url,
            bind: var("ROLLBOOK_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            public_url,
            env,
            session_key,
            data_dir,
            pool_size,
            trusted_proxies,
            smtp_url: var("SMTP_URL"),
            mail_from: var("ROLLBOOK_MAIL_FROM")
                .unwrap_or_else(|| "Rollbook <no-reply@rollbook.test>".into()),
            demo_password: var("ROLLBOOK_DEMO_PASSWORD")
                .unwrap_or_else(|| DEFAULT_DEMO_PASSWORD.into()),
            log_format,
            insight_secs,
        })
    }

    /// Settings for tests and tools: defaults with the given database and a random key.
    pub fn for_tests(database_url: String) -> Self {
        use rand::RngCore;
        let mut key = vec![0u8; 64];
        rand::thread_rng().fill_bytes(&mut key);
        Self {
            database_url,
            bind: "127.0.0.1:0".into(),
            public_url: "http://127.0.0.1:8080".into(),
            env: Environment::Test,
            session_key: key,
            data_dir: std::env::temp_dir().join("rollbook-test"),
            pool_size: 4,
            trusted_proxies: Vec::new(),
            smtp_url: None,
            mail_from: "Rollbook <no-reply@rollbook.test>".into(),
            demo_password: DEFAULT_DEMO_PASSWORD.into(),
            log_format: LogFormat::Pretty,
            insight_secs: 300,
        }
    }

    /// The `scheme://host[:port]` that a browser sends as `Origin` for our own pages.
    pub fn public_origin(&self) -> String {
        let url = &self.public_url;
        let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
        match url[after_scheme..].find('/') {
            Some(i) => url[..after_scheme + i].to_string(),
            None => url.clone(),
        }
    }
}

fn decode_key(raw: &str) -> Result<Vec<u8>, String> {
    let engine = base64::engine::general_purpose::STANDARD;
    let key = engine
        .decode(raw.trim())
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(raw.trim()))
        .map_err(|_| "ROLLBOOK_SESSION_KEY is not valid base64".to_string())?;
    if key.len() < 64 {
        return Err(format!(
            "ROLLBOOK_SESSION_KEY must hold at least 64 bytes; it holds {}",
            key.len()
        ));
    }
    Ok(key)
}

/// In dev a key is generated once and kept in the data directory, so sessions survive restarts.
fn dev_session_key(data_dir: &std::path::Path) -> Result<Vec<u8>, String> {
    use rand::RngCore;
    let path = data_dir.join("session.key");
    if let Ok(raw) = std::fs::read_to_string(&path) {
        return decode_key(&raw);
    }
    let mut key = vec![0u8; 64];
    rand::thread_rng().fill_bytes(&mut key);
    let encoded = base64::engine::general_purpose::STANDARD.encode(&key);
    std::fs::create_dir_all(data_dir)
        .and_then(|_| write_private(&path, &encoded))
        .map_err(|e| format!("cannot keep the session key in {}: {e}", path.display()))?;
    Ok(key)
}

fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_origin_drops_the_path() {
        let mut s = Settings::for_tests("postgres://x".into());
        s.public_url = "https://school.example.org/rollbook".into();
        assert_eq!(s.public_origin(), "https://school.example.org");
        s.public_url = "http://127.0.0.1:8080".into();
        assert_eq!(s.public_origin(), "http://127.0.0.1:8080");
    }

    #[test]
    fn short_session_keys_are_refused() {
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert!(decode_key(&short).is_err());
        let long = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
        assert_eq!(decode_key(&long).unwrap().len(), 64);
    }
}
