//! Helpers shared by the tests and benches of every crate of the workspace, so
//! that each exists once:
//!
//! - [`fixtures`]: the repository's paths, and the fixtures built once per
//!   process by `fixtures/build.sh` ([`fixture`], [`fixtures_build`]).
//! - [`markers`]: `LINE:<name>` markers in fixture sources ([`marker_line`]).
//! - [`gdb`]: gdb in batch mode, and parsers of what it prints (the ground
//!   truth of the debug-info and stepping tests).
//! - [`rng`]: a small deterministic generator for reproducible test inputs.
//! - `record` (feature `engine`): a fixture recorded with rewind-engine into
//!   a directory.
//!
//! Nothing here depends on rewind-engine unless the `engine` feature is on,
//! and only `record` needs it. rewind-engine dev-depends on this crate with
//! that feature, so `record` is for its integration tests and benches: its
//! unit tests would see a second copy of the engine's types.

pub mod fixtures;
pub mod gdb;
pub mod markers;
#[cfg(feature = "engine")]
pub mod record;
pub mod rng;

pub use fixtures::{
    fixture, fixture_arg, fixture_source, fixtures_build, fixtures_dir, fixtures_src, repo_root,
    try_fixtures_build, FixtureError,
};
pub use markers::{marker_line, MarkerError, Markers};
pub use rng::Rng;
