//! A real SMTP listener on loopback for tests: speaks just enough SMTP for lettre and keeps every
//! message it receives.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use base64::Engine;

/// One received email, decoded.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

impl Received {
    /// The first http(s) link in the body.
    pub fn link(&self) -> String {
        self.body
            .split_whitespace()
            .find(|w| w.starts_with("http"))
            .unwrap_or_else(|| panic!("no link in {:?}", self.body))
            .to_string()
    }

    /// The link's path (what a test browser requests).
    pub fn link_path(&self) -> String {
        let link = self.link();
        let after = link.find("://").map(|i| i + 3).unwrap();
        link[after + link[after..].find('/').unwrap()..].to_string()
    }
}

#[derive(Clone)]
pub struct SmtpServer {
    pub port: u16,
    inbox: Arc<Mutex<Vec<Received>>>,
    /// While set, every message is refused with a 451 (to test retries).
    refuse: Arc<Mutex<bool>>,
}

impl SmtpServer {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = SmtpServer {
            port,
            inbox: Arc::default(),
            refuse: Arc::default(),
        };
        let (inbox, refuse) = (server.inbox.clone(), server.refuse.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (inbox, refuse) = (inbox.clone(), refuse.clone());
                std::thread::spawn(move || {
                    let _ = session(stream, &inbox, &refuse);
                });
            }
        });
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }

    pub fn refuse(&self, on: bool) {
        *self.refuse.lock().unwrap() = on;
    }
}

fn session(
    stream: std::net::TcpStream,
    inbox: &Mutex<Vec<Received>>,
    refuse: &Mutex<bool>,
) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    let mut reply = |text: &str| out.write_all(format!("{text}\r\n").as_bytes());
    reply("220 test.smtp ready")?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_string();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            reply("250-test.smtp")?;
            reply("250 8BITMIME")?;
        } else if upper.starts_with("MAIL FROM:") {
            from = command[10..].trim().trim_matches(['<', '>']).to_string();
            to.clear();
            reply("250 OK")?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(command[8..].trim().trim_matches(['<', '>']).to_string());
            reply("250 OK")?;
        } else if upper == "DATA" {
            reply("354 go ahead")?;
            let mut data = String::new();
            loop {
                line.clear();
                lines.read_line(&mut line)?;
                if line == ".\r\n" || line == ".\n" || line.is_empty() {
                    break;
                }
                data.push_str(
                    line.strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line),
                );
            }
            if *refuse.lock().unwrap() {
                reply("451 try again later")?;
            } else {
                inbox.lock().unwrap().push(parse(&from, &to, &data));
                reply("250 queued")?;
            }
        } else if upper == "QUIT" {
            reply("221 bye")?;
            return Ok(());
        } else {
            reply("250 OK")?;
        }
    }
}

fn parse(from: &str, to: &[String], data: &str) -> Received {
    let (head, body) = data.split_once("\r\n\r\n").unwrap_or((data, ""));
    // Unfold continued header lines.
    let head = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let header = |name: &str| {
        head.lines()
            .find(|l| {
                l.to_ascii_lowercase()
                    .starts_with(&format!("{}:", name.to_ascii_lowercase()))
            })
            .map(|l| l[name.len() + 1..].trim().to_string())
            .unwrap_or_default()
    };
    let encoding = header("Content-Transfer-Encoding").to_ascii_lowercase();
    let body = match encoding.as_str() {
        "base64" => String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(body.split_whitespace().collect::<String>())
                .unwrap(),
        )
        .unwrap(),
        "quoted-printable" => decode_quoted_printable(body),
        _ => body.to_string(),
    };
    Received {
        from: from.to_string(),
        to: to.to_vec(),
        subject: decode_encoded_words(&header("Subject")),
        body: body.replace("\r\n", "\n"),
    }
}

fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// Decodes RFC 2047 `=?utf-8?b?…?=` words (what lettre uses for non-ASCII subjects).
fn decode_encoded_words(text: &str) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        if lower.starts_with("=?utf-8?b?") && word.ends_with("?=") {
            let inner = &word[10..word.len() - 2];
            out.push_str(
                &String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(inner)
                        .unwrap(),
                )
                .unwrap(),
            );
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}
