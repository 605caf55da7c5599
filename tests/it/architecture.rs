//! The shape of the house, checked on the source: the core names no other module of the crate
//! and no vendor crate, and no two top-level modules depend on each other, directly or round
//! a cycle. `ARCHITECTURE.md` draws the arrows; this test keeps them pointing one way.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;

/// Crates that speak to one platform, database, model API, search engine or HTTP stack: the
/// core reaches them only through its ports.
const VENDOR_CRATES: &[&str] = &[
    "serenity",
    "redis",
    "async_openai",
    "tantivy",
    "reqwest",
    "reqwest_openai",
    "axum",
    "tower",
    "hickory_resolver",
    "minijinja",
    "plotters",
    "metrics",
    "metrics_exporter_prometheus",
    "clap",
    "indicatif",
    "toml",
    "serde_yaml_ng",
    "rustls",
    "x509_parser",
];

fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("read a source directory") {
        let path = entry.expect("read a directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
    files
}

/// The top-level module a file belongs to (`src/core/engine.rs` → `core`); `None` for the
/// crate roots.
fn top_level_module(file: &Path) -> Option<String> {
    let relative = file.strip_prefix(source_root()).expect("a file under src");
    let first = relative.components().next()?.as_os_str().to_str()?.trim_end_matches(".rs").to_owned();
    (first != "lib" && first != "main").then_some(first)
}

/// Source text without line comments, so prose that names a module is not a dependency.
fn code_of(file: &Path) -> String {
    let text = fs::read_to_string(file).expect("read a source file");
    text.lines().map(|line| line.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// Top-level module → the other top-level modules its files name through `crate::`.
fn module_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let crate_path = Regex::new(r"\bcrate::([a-z_]+)").expect("valid regex");
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(&source_root()) {
        let Some(module) = top_level_module(&file) else { continue };
        let code = code_of(&file);
        let targets = edges.entry(module.clone()).or_default();
        for named in crate_path.captures_iter(&code) {
            if named[1] != module {
                targets.insert(named[1].to_owned());
            }
        }
    }
    edges
}

/// A cycle through `start`, as the modules along it, if there is one.
fn cycle_through(start: &str, edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_owned(), vec![start.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((module, path)) = stack.pop() {
        for next in edges.get(&module).into_iter().flatten() {
            if next == start {
                return Some([path.clone(), vec![start.to_owned()]].concat());
            }
            if seen.insert(next.clone()) {
                stack.push((next.clone(), [path.clone(), vec![next.clone()]].concat()));
            }
        }
    }
    None
}

#[test]
fn the_core_names_no_other_module_of_the_crate_and_no_vendor_crate() {
    let vendor = Regex::new(&format!(r"\b({})::", VENDOR_CRATES.join("|"))).expect("valid regex");
    let crate_path = Regex::new(r"\bcrate::([a-z_]+)").expect("valid regex");
    let mut core_files = rust_files(&source_root().join("core"));
    core_files.push(source_root().join("core.rs"));

    let mut offences = Vec::new();
    for file in &core_files {
        let code = code_of(file);
        for named in crate_path.captures_iter(&code) {
            if &named[1] != "core" {
                offences.push(format!("{} names crate::{}", file.display(), &named[1]));
            }
        }
        for named in vendor.captures_iter(&code) {
            offences.push(format!("{} names the vendor crate {}", file.display(), &named[1]));
        }
    }

    assert!(offences.is_empty(), "the core must stay platform-free:\n{}", offences.join("\n"));
}

#[test]
fn no_two_top_level_modules_depend_on_each_other_even_round_a_cycle() {
    let edges = module_dependencies();

    let cycles: Vec<String> =
        edges.keys().filter_map(|module| cycle_through(module, &edges)).map(|cycle| cycle.join(" → ")).collect();

    assert!(edges.len() >= 8, "the scan found too few modules to mean anything: {edges:?}");
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

/// Module of the core → the other modules of the core its files name (`super::x` from a file
/// directly under `src/core/`, `crate::core::x` from anywhere in it).
fn core_module_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let core = source_root().join("core");
    let absolute = Regex::new(r"\bcrate::core::([a-z_]+)").expect("valid regex");
    let relative = Regex::new(r"\bsuper::([a-z_]+)").expect("valid regex");
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(&core) {
        let relative_path = file.strip_prefix(&core).expect("a file under src/core");
        let directly_under_core = relative_path.components().count() == 1;
        let Some(module) = relative_path.components().next().and_then(|first| first.as_os_str().to_str()) else {
            continue;
        };
        let module = module.trim_end_matches(".rs").to_owned();
        let code = code_of(&file);
        let mut named: Vec<String> = absolute.captures_iter(&code).map(|found| found[1].to_owned()).collect();
        if directly_under_core {
            named.extend(relative.captures_iter(&code).map(|found| found[1].to_owned()));
        }
        let targets = edges.entry(module.clone()).or_default();
        targets.extend(named.into_iter().filter(|target| *target != module));
    }
    edges
}

#[test]
fn no_two_modules_of_the_core_depend_on_each_other_even_round_a_cycle() {
    let edges = core_module_dependencies();

    let cycles: Vec<String> =
        edges.keys().filter_map(|module| cycle_through(module, &edges)).map(|cycle| cycle.join(" → ")).collect();

    assert!(edges.contains_key("engine") && edges.contains_key("ports"), "{edges:?}");
    assert!(cycles.is_empty(), "cycles inside the core:\n{}", cycles.join("\n"));
}

#[test]
fn the_scan_would_notice_a_cycle() {
    let edges: BTreeMap<String, BTreeSet<String>> = [
        ("store".to_owned(), BTreeSet::from(["core".to_owned(), "knowledge".to_owned()])),
        ("knowledge".to_owned(), BTreeSet::from(["store".to_owned()])),
        ("core".to_owned(), BTreeSet::new()),
    ]
    .into();

    assert_eq!(cycle_through("store", &edges), Some(vec!["store".into(), "knowledge".into(), "store".into()]));
    assert_eq!(cycle_through("core", &edges), None);
}
