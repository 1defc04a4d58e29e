//! Why a scenario could not be loaded or did not pass, and the readers of JSON
//! fields that report a malformed file with it.

use serde_json::{Map, Value};

/// Why a scenario could not be loaded or did not pass.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// A scenario file could not be read, is not JSON, or is malformed.
    #[error("cannot read scenario {path}: {detail}")]
    Read {
        /// The file.
        path: String,
        /// The I/O, JSON or format error.
        detail: String,
    },
    /// The scenario's JSON is not a valid scenario (a missing or mistyped
    /// field, an unknown key or step kind); the text says what.
    #[error("malformed scenario: {0}")]
    Format(String),
    /// The run could not begin: no markers or fixture binary, no temporary
    /// directory, or the adapter would not start.
    #[error("scenario setup failed: {0}")]
    Setup(String),
    /// A step did not pass; the scenario stopped there.
    #[error("step {index} failed: {step}\n{detail}")]
    Step {
        /// Its position in `steps`, from 0.
        index: usize,
        /// The step's JSON, on one line.
        step: String,
        /// What differed or went wrong, then the last messages and the
        /// adapter's stderr.
        detail: String,
    },
    /// Every step passed, but the adapter's stderr then showed a panic.
    #[error("after the last step: {0}")]
    After(String),
}

pub(super) fn fmt_err(detail: impl Into<String>) -> ScenarioError {
    ScenarioError::Format(detail.into())
}

/// Fails on keys of `fields` outside `allowed` (catches typos).
pub(super) fn allow_keys(
    fields: &Map<String, Value>,
    allowed: &[&str],
    what: &str,
) -> Result<(), ScenarioError> {
    match fields.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(fmt_err(format!(
            "unknown key {k:?} in {what} (allowed: {})",
            allowed.join(", ")
        ))),
        None => Ok(()),
    }
}

pub(super) fn string_field(
    fields: &Map<String, Value>,
    key: &str,
) -> Result<Option<String>, ScenarioError> {
    match fields.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(fmt_err(format!("{key:?} must be a string"))),
    }
}
