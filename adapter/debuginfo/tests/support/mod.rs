//! Shared test support: fixtures, gdb ground truth and a tiny ptrace tracer.
#![allow(dead_code)]

pub mod compare;
pub mod elf;
pub mod gdb;
pub mod tracer;

use std::path::PathBuf;
use std::sync::OnceLock;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// Builds the fixtures once per test process; returns fixtures/build.
pub fn fixtures() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let root = repo_root();
            let status = std::process::Command::new("bash")
                .arg(root.join("fixtures/build.sh"))
                .status()
                .expect("run fixtures/build.sh");
            assert!(status.success(), "fixtures/build.sh failed");
            root.join("fixtures/build")
        })
        .clone()
}

/// Path of fixture binary `name`.
pub fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// Path of a fixture source file.
pub fn fixture_source(rel: &str) -> PathBuf {
    repo_root().join("fixtures").join(rel)
}

/// The line of marker `LINE:<name>` in fixture source `rel`.
pub fn marker_line(rel: &str, name: &str) -> u32 {
    let text = std::fs::read_to_string(fixture_source(rel)).expect("fixture source");
    let needle = format!("LINE:{name} ");
    let needle2 = format!("LINE:{name}*");
    text.lines()
        .position(|l| l.contains(&needle) || l.contains(&needle2))
        .map(|i| i as u32 + 1)
        .unwrap_or_else(|| panic!("no marker LINE:{name} in {rel}"))
}
