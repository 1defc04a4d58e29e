//! JSON scenario files (format: this crate's README.md).
//!
//! A scenario names a fixture and lists steps; [`Runner`] starts the adapter,
//! runs the steps in order and stops at the first that fails, with a message
//! that shows the step, what differed, the last messages and adapter stderr.
//!
//! No two of these files import each other, even through a third: `step`
//! uses `error`; `file` uses `step`; `lint` uses `file`; `frame` uses
//! `live`; `run` uses all but `lint`. This file only declares them and
//! re-exports what is public.

mod error;
mod file;
mod frame;
mod lint;
mod live;
mod run;
mod step;

pub use error::ScenarioError;
pub use file::{scenario_files, Scenario, Transport, DEFAULT_STEP_TIMEOUT};
pub use lint::lint;
pub use run::Runner;
pub use step::{Step, StepKind};
