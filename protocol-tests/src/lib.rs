//! Protocol tests for `rewind dap` (docs/architecture.md, "Tests"; the
//! contract under test is docs/dap.md): a Debug Adapter Protocol client that
//! drives the real adapter over stdio or TCP, and a runner for JSON scenario
//! files (`scenarios/*.json`, format in this crate's README).
//!
//! - [`client`]: [`DapClient`], the async client (framing, `seq`, response
//!   matching, event buffering, bounded waits with diagnosable timeouts).
//! - [`requests`]: typed helpers for every request of docs/dap.md.
//! - [`matcher`]: subset matching of JSON values with `$regex`, `$contains`, ...
//! - [`subst`]: `${var}` / `@marker` substitution (the `LINE:` markers
//!   themselves: `rewind_test_support::Markers`).
//! - [`scenario`]: scenario files: parsing and running.
//! - [`locate`]: where the adapter binary and the scenarios are (the
//!   fixtures: `rewind_test_support`).

pub mod client;
pub mod error;
pub mod framing;
mod history;
mod inspect;
pub mod jsonpath;
pub mod locate;
pub mod matcher;
pub mod requests;
pub mod scenario;
pub mod subst;

pub use client::DapClient;
pub use error::ClientError;
pub use requests::SourceBreakpoint;
