//! Where things are: the repository, the fixtures (built once per process by
//! `fixtures/build.sh`, which serialises concurrent builders with flock) and
//! the adapter binary under test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace root (the parent of this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("protocol-tests lives inside the workspace")
        .to_path_buf()
}

/// This crate's directory.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `scenarios/` of this crate.
pub fn scenarios_dir() -> PathBuf {
    crate_dir().join("scenarios")
}

/// `fixtures/src`: the fixture sources (where `LINE:` markers are).
pub fn fixtures_src() -> PathBuf {
    repo_root().join("fixtures/src")
}

/// Builds the fixtures once per process and returns `fixtures/build`; the
/// error carries the build log.
pub fn fixtures_build() -> Result<&'static Path, String> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let root = repo_root();
            let out = Command::new("bash")
                .arg(root.join("fixtures/build.sh"))
                .output()
                .map_err(|e| format!("cannot run fixtures/build.sh: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "building fixtures failed:\n{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            Ok(root.join("fixtures/build"))
        })
        .as_deref()
        .map_err(Clone::clone)
}

/// The adapter binary under test: `$REWIND_BIN`, else `rewind` next to the
/// test executable's `deps/` directory (`target/debug/rewind`).
pub fn adapter_binary() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os("REWIND_BIN") {
        let bin = PathBuf::from(bin);
        return if bin.is_file() {
            Ok(bin)
        } else {
            Err(format!("REWIND_BIN={} does not exist", bin.display()))
        };
    }
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.pop();
    }
    let bin = dir.join("rewind");
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "the adapter binary {} is missing: build it first with `cargo build -p rewind` \
             (`cargo test --workspace` builds it too), or point REWIND_BIN at one",
            bin.display()
        ))
    }
}
