//! Where this crate's things are: the scenario files and the adapter binary
//! under test. The fixtures (and the repository root) come from
//! `rewind_test_support`.

use std::path::{Path, PathBuf};

/// This crate's directory.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `scenarios/` of this crate.
pub fn scenarios_dir() -> PathBuf {
    crate_dir().join("scenarios")
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
