//! A scenario file: its fields, parsed and checked for typos.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::error::{allow_keys, fmt_err, string_field, ScenarioError};
use super::step::Step;

/// Default limit of each step's wait.
pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// How the client reaches the adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `rewind dap` on stdin/stdout.
    Stdio,
    /// `rewind dap --listen 127.0.0.1:PORT`.
    Tcp,
}

/// A parsed scenario file.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The scenario's `name`, shown in failures.
    pub name: String,
    /// Optional prose about what the scenario checks (not used by the run).
    pub description: Option<String>,
    /// A binary under fixtures/build.
    pub fixture: Option<String>,
    /// The file under fixtures/src with the markers; default `<fixture>.c`
    /// (without an `-O2`/`-musl` suffix).
    pub source: Option<String>,
    /// How the client reaches the adapter; default [`Transport::Stdio`].
    pub transport: Transport,
    /// The limit of each wait whose step gives no `timeoutMs` of its own (the
    /// file's `timeoutMs`; default [`DEFAULT_STEP_TIMEOUT`]).
    pub timeout: Duration,
    /// Extra arguments after `rewind dap`.
    pub adapter_args: Vec<String>,
    /// The steps, run in order.
    pub steps: Vec<Step>,
}

impl Scenario {
    /// Reads and parses a scenario file.
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let read_err = |detail: String| ScenarioError::Read {
            path: path.display().to_string(),
            detail,
        };
        let text = std::fs::read_to_string(path).map_err(|e| read_err(e.to_string()))?;
        let json: Value = serde_json::from_str(&text).map_err(|e| read_err(e.to_string()))?;
        Self::from_json(&json).map_err(|e| read_err(e.to_string()))
    }

    /// Parses a scenario from its JSON.
    pub fn from_json(json: &Value) -> Result<Self, ScenarioError> {
        let fields = json
            .as_object()
            .ok_or_else(|| fmt_err("a scenario is a JSON object"))?;
        allow_keys(
            fields,
            &[
                "name",
                "description",
                "comment",
                "fixture",
                "source",
                "transport",
                "timeoutMs",
                "adapterArgs",
                "steps",
            ],
            "scenario",
        )?;
        let name =
            string_field(fields, "name")?.ok_or_else(|| fmt_err("scenario needs a \"name\""))?;
        let transport = match string_field(fields, "transport")?.as_deref() {
            None | Some("stdio") => Transport::Stdio,
            Some("tcp") => Transport::Tcp,
            Some(other) => return Err(fmt_err(format!("unknown transport {other:?}"))),
        };
        let timeout = match fields.get("timeoutMs") {
            None => DEFAULT_STEP_TIMEOUT,
            Some(v) => Duration::from_millis(
                v.as_u64()
                    .ok_or_else(|| fmt_err("\"timeoutMs\" is a number of milliseconds"))?,
            ),
        };
        let adapter_args = match fields.get("adapterArgs") {
            None => Vec::new(),
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|_| fmt_err("\"adapterArgs\" is an array of strings"))?,
        };
        let steps = fields
            .get("steps")
            .and_then(Value::as_array)
            .ok_or_else(|| fmt_err("scenario needs \"steps\": [...]"))?
            .iter()
            .enumerate()
            .map(|(i, s)| Step::parse(s).map_err(|e| fmt_err(format!("step {i}: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            name,
            description: string_field(fields, "description")?,
            fixture: string_field(fields, "fixture")?,
            source: string_field(fields, "source")?,
            transport,
            timeout,
            adapter_args,
            steps,
        })
    }

    /// The fixture source file name (under fixtures/src) markers come from.
    pub fn source_file(&self) -> Option<String> {
        if let Some(source) = &self.source {
            return Some(source.clone());
        }
        let fixture = self.fixture.as_deref()?;
        let base = fixture
            .strip_suffix("-O2")
            .or_else(|| fixture.strip_suffix("-musl"))
            .unwrap_or(fixture);
        Some(format!("{base}.c"))
    }
}

/// Every `*.json` under `dir`, sorted.
pub fn scenario_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}
