//! The layer check (issue 20): reads `src/` and fails when a module names a module of a higher
//! layer, when two modules reach each other through any chain of imports (an import circle), or
//! when a module is missing from the layer list. The layers are the fenced list under
//! `## Layers` in ARCHITECTURE.md, so the document and the check cannot disagree.
//!
//! The rule is the one of `module_circles.py`: top-level module A depends on B when a file under
//! A names `crate::B` (or lists `B` in `use crate::{…}`), outside its `#[cfg(test)] mod tests`
//! (unit tests may reach anywhere).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Edges the check tolerates for now, each with the reason and what removes it. The test fails
/// when one of them is gone, so the exception cannot outlive its cause.
const TOLERATED: &[(&str, &str, &str)] = &[];

type Graph = BTreeMap<String, BTreeSet<String>>;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rs_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The identifier starting at `s` (letters, digits, `_`).
fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Every module name a file's text reaches through `crate::`.
fn named_modules(text: &str) -> BTreeSet<String> {
    let text = match text.find("#[cfg(test)]\nmod tests {") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find(';').unwrap_or(group.len())];
            // Names at the start of the group or right after a top-level `,` or `{`.
            let mut depth = 0;
            let mut at_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => {
                        depth += 1;
                        at_start = depth == 1;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => at_start = true,
                    c if c.is_whitespace() => {}
                    _ if at_start => {
                        if depth == 0 {
                            names.insert(ident(&group[j..]).to_string());
                        }
                        at_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            names.insert(ident(rest).to_string());
        }
    }
    names
}

fn graph() -> Graph {
    let src = src();
    let mut tops: BTreeSet<String> = BTreeSet::new();
    for entry in fs::read_dir(&src).expect("read src") {
        let path = entry.expect("dir entry").path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if path.is_dir() || path.extension().is_some_and(|e| e == "rs") {
            tops.insert(name);
        }
    }
    tops.remove("main");
    tops.remove("lib");
    let mut edges: Graph = tops.iter().map(|t| (t.clone(), BTreeSet::new())).collect();
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let top = first.strip_suffix(".rs").unwrap_or(&first).to_string();
        if !tops.contains(&top) {
            continue;
        }
        let text = fs::read_to_string(&file).expect("read file");
        for name in named_modules(&text) {
            if name != top && tops.contains(&name) {
                edges.get_mut(&top).unwrap().insert(name);
            }
        }
    }
    edges
}

/// ARCHITECTURE.md's layers, bottom first: module → layer number.
fn layers() -> BTreeMap<String, usize> {
    let doc = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
        .expect("read ARCHITECTURE.md");
    let section = &doc[doc
        .find("## Layers")
        .expect("ARCHITECTURE.md has ## Layers")..];
    let block = &section[section.find("```text\n").expect("a ```text block") + 8..];
    let block = &block[..block.find("```").expect("the block ends")];
    let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut out = BTreeMap::new();
    for (i, line) in lines.iter().rev().enumerate() {
        let modules = line.split('#').next().unwrap_or("");
        for m in modules.split_whitespace() {
            out.insert(m.to_string(), i);
        }
    }
    out
}

fn tolerated(a: &str, b: &str) -> bool {
    TOLERATED.iter().any(|(x, y, _)| *x == a && *y == b)
}

/// Modules reachable from `from` (not counting `from` itself unless a circle returns to it).
fn reachable(edges: &Graph, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&str> = vec![from];
    while let Some(m) = todo.pop() {
        for n in &edges[m] {
            if tolerated(m, n) {
                continue;
            }
            if seen.insert(n.clone()) {
                todo.push(n);
            }
        }
    }
    seen
}

#[test]
fn the_scanner_sees_paths_and_use_groups() {
    let names = named_modules(
        "use crate::{a, b::{c, d}, e::f};\nfn x() { crate::g::h(); $crate::i::j; other_crate::k; }\n\
         #[cfg(test)]\nmod tests { use crate::z; }",
    );
    let want: BTreeSet<String> = ["a", "b", "e", "g"].iter().map(|s| s.to_string()).collect();
    assert_eq!(names, want);
}

#[test]
fn every_module_is_in_a_layer_and_names_only_lower_layers() {
    let edges = graph();
    let layers = layers();
    let mut problems = Vec::new();
    for m in edges.keys() {
        if !layers.contains_key(m) {
            problems.push(format!("module `{m}` is in no layer of ARCHITECTURE.md"));
        }
    }
    for m in layers.keys() {
        if !edges.contains_key(m) {
            problems.push(format!(
                "ARCHITECTURE.md lists `{m}`, which is not a module of src/"
            ));
        }
    }
    for (a, targets) in &edges {
        for b in targets {
            let (Some(la), Some(lb)) = (layers.get(a), layers.get(b)) else {
                continue;
            };
            if lb > la && !tolerated(a, b) {
                problems.push(format!(
                    "`{a}` (layer {la}) names `{b}` (layer {lb}, higher)"
                ));
            }
        }
    }
    for (a, b, why) in TOLERATED {
        if !edges.get(*a).is_some_and(|t| t.contains(*b)) {
            problems.push(format!(
                "the tolerated edge {a} -> {b} ({why}) is gone: remove it from TOLERATED"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_import_circle_between_modules() {
    let edges = graph();
    let circles: Vec<String> = edges
        .keys()
        .filter(|m| reachable(&edges, m).contains(*m))
        .cloned()
        .collect();
    assert!(
        circles.is_empty(),
        "modules on an import circle: {}",
        circles.join(" ")
    );
}

/// Issue 20's size rule: no `src/` file over 600 lines, so a concept that grows is split by
/// role before it is hard to read. Unit-test files (`*_tests.rs`, kept beside their module) are
/// exempt, as are declarative tables named here with the reason.
const LONG_TABLES: &[(&str, &str)] = &[];

#[test]
fn no_source_file_is_over_600_lines() {
    let mut files = Vec::new();
    rs_files(&src(), &mut files);
    let mut long: Vec<String> = files
        .iter()
        .filter(|p| !p.to_string_lossy().ends_with("_tests.rs"))
        .filter_map(|p| {
            let rel = p.strip_prefix(src()).unwrap().to_string_lossy().to_string();
            let n = fs::read_to_string(p).unwrap().lines().count();
            (n > 600 && !LONG_TABLES.iter().any(|(f, _)| *f == rel))
                .then(|| format!("src/{rel}: {n} lines"))
        })
        .collect();
    long.sort();
    assert!(
        long.is_empty(),
        "split these by role (one module per concept):\n{}",
        long.join("\n")
    );
}
