//! Where things are, and the fixtures: `fixtures/build.sh` runs once per
//! process (it takes an exclusive flock on `fixtures/build/.lock`, so test
//! binaries running at the same time build one after the other, and make then
//! rebuilds only what changed).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::OnceLock;

/// Why the fixtures could not be built.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// `bash fixtures/build.sh` could not be started.
    #[error("cannot run {}: {source}", script.display())]
    Spawn {
        /// The build script.
        script: PathBuf,
        /// Why it could not be started.
        #[source]
        source: std::io::Error,
    },
    /// The build ran and failed; `log` is what it printed.
    #[error(
        "building the fixtures failed ({status}); fixtures/build.sh printed:\n{log}\n\
         (the fixtures need gcc, g++, make, musl-gcc and rustc)"
    )]
    Build {
        /// How the build script exited.
        status: ExitStatus,
        /// What it printed.
        log: String,
    },
}

/// The workspace root (the parent of this crate).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("test-support lives inside the workspace")
}

/// `fixtures/`: the fixture sources and their Makefile.
pub fn fixtures_dir() -> PathBuf {
    repo_root().join("fixtures")
}

/// `fixtures/src`: the C and C++ fixture sources (where most `LINE:` markers are).
pub fn fixtures_src() -> PathBuf {
    fixtures_dir().join("src")
}

/// A fixture source: `rel` is relative to `fixtures/` (`"src/loop.c"`,
/// `"rust/rvalues.rs"`); an absolute path is returned as it is.
pub fn fixture_source(rel: impl AsRef<Path>) -> PathBuf {
    fixtures_dir().join(rel)
}

/// Builds the fixtures once per process and returns `fixtures/build`; the
/// error (the same one for every later call) carries the build log.
pub fn try_fixtures_build() -> Result<&'static Path, &'static FixtureError> {
    static BUILT: OnceLock<Result<PathBuf, FixtureError>> = OnceLock::new();
    BUILT.get_or_init(build).as_deref()
}

fn build() -> Result<PathBuf, FixtureError> {
    let script = fixtures_dir().join("build.sh");
    let out = Command::new("bash")
        .arg(&script)
        .output()
        .map_err(|source| FixtureError::Spawn {
            script: script.clone(),
            source,
        })?;
    if !out.status.success() {
        return Err(FixtureError::Build {
            status: out.status,
            log: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        });
    }
    Ok(fixtures_dir().join("build"))
}

/// [`try_fixtures_build`], failing the test (with the build log) when the
/// build fails.
pub fn fixtures_build() -> &'static Path {
    try_fixtures_build().unwrap_or_else(|e| panic!("{e}"))
}

/// The fixture binary `fixtures/build/<name>`, building the fixtures first.
/// Fails the test when the build made no such binary.
pub fn fixture(name: &str) -> PathBuf {
    let path = fixtures_build().join(name);
    assert!(
        path.exists(),
        "no fixture {}: fixtures/build.sh built no such file (is `{name}` a target of \
         fixtures/Makefile?)",
        path.display()
    );
    path
}

/// [`fixture`] as a command-line argument (the fixtures live at UTF-8 paths).
pub fn fixture_arg(name: &str) -> String {
    fixture(name).to_string_lossy().into_owned()
}
