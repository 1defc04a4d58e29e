//! Static checks of a scenario, without an adapter: its fixture source and
//! markers exist, every `${var}` is built in or saved by an earlier step, and
//! every `awaitResponse` has a `noWait` request to answer.

use std::path::Path;

use serde_json::Value;

use rewind_test_support::Markers;

use super::file::Scenario;
use super::step::{ResponseTarget, StepKind};
use crate::subst::Vars;

/// Built-in variables (see the README).
pub const BUILTINS: &[&str] = &["fixture", "fixtures", "fixturesBuild", "source", "tmp"];

/// The problems found in `scenario` (empty when it is well-formed).
/// `fixtures_src` is fixtures/src.
pub fn lint(scenario: &Scenario, fixtures_src: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut vars = Vars::new();
    if let Some(source) = scenario.source_file() {
        match Markers::load(&fixtures_src.join(&source)) {
            Ok(markers) => vars = vars.with_markers(markers),
            Err(e) => problems.push(format!("fixture source: {e}")),
        }
    }
    if let Some(fixture) = &scenario.fixture {
        let base = scenario.source_file().unwrap_or_default();
        if !fixtures_src.join(&base).is_file() {
            problems.push(format!(
                "fixture {fixture}: no source {base} in fixtures/src"
            ));
        }
    }
    for name in BUILTINS {
        vars.set(*name, format!("<{name}>"));
    }
    let mut pending: Vec<String> = Vec::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        if let Err(e) = vars.substitute(&step.json) {
            problems.push(format!("step {i}: {e}"));
        }
        match &step.kind {
            StepKind::Send {
                command,
                no_wait: true,
                ..
            } => pending.push(command.clone()),
            StepKind::AwaitResponse {
                target: ResponseTarget::Command(c),
                ..
            } => match pending.iter().position(|p| p == c) {
                Some(at) => {
                    pending.remove(at);
                }
                None => problems.push(format!("step {i}: no noWait `{c}` request to await")),
            },
            _ => {}
        }
        for name in step.saved_names() {
            vars.set(name, Value::from(0));
        }
    }
    for c in pending {
        problems.push(format!("noWait `{c}` request never awaited"));
    }
    problems
}
