//! The house's layers (ARCHITECTURE.md): an area imports only the shared core, never another
//! area, and the core imports no area; `app.rs`, `main.rs` and `seed/` wire areas together. A
//! forbidden import fails the test, naming its file and line.

use std::path::{Path, PathBuf};

const AREAS: [&str; 6] = [
    "accounts",
    "admin",
    "attendance",
    "gradebook",
    "dashboard",
    "parents",
];

/// Files (and a folder) that wire areas together and may import any of them.
const WIRING: [&str; 3] = ["src/app.rs", "src/main.rs", "src/seed/"];

/// The shared core's folders; every other folder of `src/` is an area and must be in [`AREAS`].
const CORE: [&str; 5] = ["web", "domain", "models", "db", "seed"];

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The area a file belongs to, or None for the shared core.
fn area_of(file: &str) -> Option<&'static str> {
    let rest = file.strip_prefix("src/")?;
    AREAS
        .iter()
        .find(|a| rest.starts_with(&format!("{a}/")))
        .copied()
}

/// The areas a line refers to through `crate::` (a path, or a `use crate::{…}` group).
fn areas_named(line: &str) -> Vec<&'static str> {
    let code = line.split("//").next().unwrap_or("");
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let after = &code[at + "crate::".len()..];
        let names: Vec<&str> = match after.strip_prefix('{') {
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or("")
                .split(',')
                .map(|n| n.trim().split("::").next().unwrap_or(""))
                .collect(),
            None => vec![after
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")],
        };
        found.extend(AREAS.iter().filter(|a| names.contains(a)).copied());
    }
    found
}

/// Whether `line` names `area::` as a path of its own (not `crate::area` or `x::area`).
fn names_bare(line: &str, area: &str) -> bool {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices(&format!("{area}::")).any(|(at, _)| {
        !code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    })
}

#[test]
fn areas_import_only_the_shared_core_and_the_core_imports_no_area() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut forbidden: Vec<String> = Vec::new();
    for path in rust_files(&root.join("src")) {
        let file = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if WIRING.iter().any(|w| file.starts_with(w)) {
            continue;
        }
        let own = area_of(&file);
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let mut named = areas_named(line);
            if file == "src/lib.rs" {
                // The crate root names modules without `crate::`.
                named.extend(AREAS.iter().filter(|a| names_bare(line, a)));
            }
            for area in named {
                if Some(area) == own {
                    continue;
                }
                forbidden.push(format!(
                    "{file}:{}: imports the area `{area}`: {}",
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        forbidden.is_empty(),
        "an area may import only the shared core (web, domain, models, db, audit, mail), and the \
         core no area; move what both need to models/ or domain/ (ARCHITECTURE.md):\n{}",
        forbidden.join("\n")
    );
}

#[test]
fn every_folder_of_src_is_the_core_or_an_area_the_rule_knows() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            assert!(
                CORE.contains(&name.as_str()) || AREAS.contains(&name.as_str()),
                "src/{name}/ is neither the core nor a listed area: add it to AREAS in tests/it/house.rs"
            );
        }
    }
}

#[test]
fn the_import_reader_finds_paths_and_groups_and_skips_comments() {
    assert_eq!(
        areas_named("use crate::admin::structure::FormState;"),
        ["admin"]
    );
    assert_eq!(
        areas_named("use crate::{accounts, admin, web::Layout};"),
        ["accounts", "admin"]
    );
    assert_eq!(
        areas_named("let x = crate::db::run(); // crate::admin"),
        Vec::<&str>::new()
    );
    assert_eq!(area_of("src/admin/users/queries.rs"), Some("admin"));
    assert_eq!(area_of("src/web/form.rs"), None);
    assert!(names_bare(
        "    pub boards: Arc<attendance::office::Boards>,",
        "attendance"
    ));
    assert!(!names_bare("use crate::attendance::office;", "attendance"));
}

/// Every kind of text field a template uses has the fields' style (size, 44 px target, border):
/// a phone field was once left at the browser's 21 px.
#[test]
fn every_text_input_type_a_template_uses_is_styled() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let css = std::fs::read_to_string(root.join("static/css/rollbook.css")).unwrap();
    let styled = css
        .lines()
        .find(|l| l.starts_with("input[type=\"text\"]"))
        .expect("the fields' rule");
    let not_text = ["hidden", "checkbox", "radio", "file", "submit"];
    let mut used = std::collections::BTreeSet::new();
    let mut dirs = vec![root.join("templates")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for input in text.split("<input").skip(1) {
                let tag = input.split('>').next().unwrap_or("");
                if let Some(kind) = tag
                    .split("type=\"")
                    .nth(1)
                    .and_then(|t| t.split('"').next())
                {
                    // A macro's `{{ kind }}` is one of the literal kinds its callers pass.
                    if !not_text.contains(&kind) && !kind.contains("{{") {
                        used.insert(kind.to_string());
                    }
                }
            }
        }
    }
    assert!(used.contains("tel") && used.contains("email"), "{used:?}");
    for kind in &used {
        assert!(
            styled.contains(&format!("input[type=\"{kind}\"]")),
            "input type {kind} is used by a template but not styled as a field"
        );
    }
}
