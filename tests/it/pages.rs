//! The pages of the demo district, as each demo role reaches them by following links from their
//! home, are the same HTML as the copies kept in `tests/pages/` (CSRF tokens aside): a refactor
//! that changes a page fails here. When a change to a page is meant, `ROLLBOOK_UPDATE_PAGES=1`
//! rewrites the copies, and the diff shows what changed.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;

use crate::helpers::*;

/// Pages each role's crawl reads, at most (the demo district's pages of a role, with room).
const PAGES_PER_ROLE: usize = 100;

/// Pages read of one shape (the same path but for its numbers and query: a class's days, a
/// child's months, a class's report cards).
const SAME_SHAPE: usize = 2;

/// `path` with its query dropped and each run of digits as `N`.
fn shape(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let mut out = String::new();
    for c in path.chars() {
        if !c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('N') {
            out.push('N');
        }
    }
    out
}

/// Links not followed: they change state, download a file, or are the same page per row.
fn skipped(path: &str) -> bool {
    path == "/"
        || path.starts_with("/static/")
        || path.contains("sign-out")
        || path.contains("export")
        || path.contains(".csv")
        || path.starts_with("/admin/audit?")
        || path.starts_with("/admin/users/")
        || path.starts_with("/admin/students/")
        || path.starts_with("/dashboard/students/")
        || path.starts_with("/teacher/students/")
}

/// The page with what differs per session (its CSRF token and id) removed.
fn normalised(body: &str) -> String {
    let markers = [
        "name=\"csrf_token\" value=\"",
        "\"X-CSRF-Token\": \"",
        "csrf_token=",
        "data-session-id=\"",
    ];
    markers
        .iter()
        .fold(body.to_string(), |page, marker| blank_after(&page, marker))
}

/// `text` with the value after each `marker` (up to a quote) replaced by `CSRF`.
fn blank_after(text: &str, marker: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let start = at + marker.len();
        out.push_str(&rest[..start]);
        out.push_str("CSRF");
        rest = &rest[start..];
        rest = &rest[rest.find('"').unwrap_or(rest.len())..];
    }
    out.push_str(rest);
    out
}

fn copy_path(role: &str, path: &str) -> PathBuf {
    let name: String = path
        .trim_start_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = if name.is_empty() {
        "home".to_string()
    } else {
        name
    };
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/pages")
        .join(role)
        .join(format!("{name}.html"))
}

/// Every sideways-scrolling table wrapper can be reached and scrolled by keyboard, and says what
/// it holds (axe-core's scrollable-region-focusable).
fn scrollers_take_the_keyboard(path: &str, page: &scraper::Html) {
    for wrap in page.select(&scraper::Selector::parse(".table-wrap").unwrap()) {
        let attr = |name| wrap.value().attr(name).unwrap_or("");
        assert_eq!(
            attr("tabindex"),
            "0",
            "{path}: a .table-wrap without tabindex=\"0\""
        );
        assert_eq!(
            attr("role"),
            "region",
            "{path}: a .table-wrap that is not a region"
        );
        assert!(
            !attr("aria-label").trim().is_empty(),
            "{path}: a .table-wrap without a label"
        );
    }
}

/// Headings go down one level at a time (an h2 before any h3), starting from the page's h1.
fn headings_never_skip_a_level(path: &str, page: &scraper::Html) {
    let mut level = 0;
    for h in page.select(&scraper::Selector::parse("h1, h2, h3, h4, h5, h6").unwrap()) {
        let next: u32 = h.value().name()[1..].parse().unwrap();
        assert!(
            next <= level + 1,
            "{path}: an h{next} after an h{level} ({})",
            h.text().collect::<String>().trim()
        );
        level = next;
    }
}

/// Follows `a[href]` links breadth-first from `start`; returns every page read with its body.
async fn crawl(b: &Browser, start: &[&str]) -> Vec<(String, String)> {
    let mut queue: VecDeque<String> = start.iter().map(|s| s.to_string()).collect();
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    let mut pages = Vec::new();
    while let Some(path) = queue.pop_front() {
        if pages.len() == PAGES_PER_ROLE {
            break;
        }
        let r = b.get(&path).await;
        assert_eq!(r.status, 200, "{path} answered {}", r.status);
        scrollers_take_the_keyboard(&path, &r.html());
        headings_never_skip_a_level(&path, &r.html());
        for href in r
            .html()
            .select(&scraper::Selector::parse("a[href]").unwrap())
        {
            let href = href
                .value()
                .attr("href")
                .unwrap()
                .split('#')
                .next()
                .unwrap();
            if !href.starts_with('/') || skipped(href) || !seen.insert(href.to_string()) {
                continue;
            }
            let times = shapes.entry(shape(href)).or_default();
            *times += 1;
            if *times <= SAME_SHAPE {
                queue.push_back(href.to_string());
            }
        }
        pages.push((path, normalised(&r.body)));
    }
    pages
}

#[actix_web::test]
async fn every_demo_page_is_the_html_kept_for_it() {
    let app = TestApp::spawn().await;
    let c7a = app.class_id("7A");
    let child = crate::gradebook_views::child_in(&app, "7A");
    let register = format!("/teacher/classes/{c7a}/attendance/2026-11-18");
    let student = format!("/teacher/students/{child}");
    let office_student = format!("/admin/students/{child}");
    let profile = format!("/dashboard/students/{child}");
    let roles: [(&str, &str, Vec<&str>); 4] = [
        (
            "teacher",
            DEMO_TEACHER,
            vec!["/teacher", &register, &student],
        ),
        ("parent", DEMO_PARENT, vec!["/parent"]),
        ("principal", DEMO_PRINCIPAL, vec!["/dashboard", &profile]),
        (
            "admin",
            DEMO_ADMIN,
            vec!["/admin", "/dashboard", &office_student],
        ),
    ];
    let update = std::env::var_os("ROLLBOOK_UPDATE_PAGES").is_some();
    let mut differ = Vec::new();
    let mut read = 0;
    for (role, email, start) in roles {
        let b = app.signed_in(email).await;
        for (path, body) in crawl(&b, &start).await {
            read += 1;
            let file = copy_path(role, &path);
            if update {
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, &body).unwrap();
                continue;
            }
            match std::fs::read_to_string(&file) {
                Ok(kept) if kept == body => {}
                _ => {
                    let actual = file.with_extension("actual.html");
                    std::fs::write(&actual, &body).unwrap();
                    differ.push(format!(
                        "{role} {path}: diff {} {}",
                        file.display(),
                        actual.display()
                    ));
                }
            }
        }
    }
    assert!(read > 40, "the crawl read only {read} pages");
    assert!(
        differ.is_empty(),
        "pages differ from their kept copies:\n{}",
        differ.join("\n")
    );
}
