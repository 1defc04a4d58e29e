//! Why a scenario could not be loaded or did not pass, and the readers of JSON
//! fields that report a malformed file with it.

use serde_json::{Map, Value};

/// Why a scenario could not be loaded or did not pass.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario {path}: {detail}")]
    Read { path: String, detail: String },
    #[error("malformed scenario: {0}")]
    Format(String),
    #[error("scenario setup failed: {0}")]
    Setup(String),
    #[error("step {index} failed: {step}\n{detail}")]
    Step {
        index: usize,
        step: String,
        detail: String,
    },
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
