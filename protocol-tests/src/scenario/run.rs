//! Running a scenario against an adapter binary.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use tokio::process::Command;

use rewind_test_support::Markers;

use super::error::ScenarioError;
use super::file::{Scenario, Transport};
use super::frame::{check_frame, check_stop, start};
use super::live::{LiveScenario, StepResult};
use super::step::{ResponseCheck, ResponseTarget, StepKind};
use crate::client::DapClient;
use crate::error::error_message;
use crate::matcher;
use crate::subst::Vars;
use crate::{framing, jsonpath};

/// Runs scenarios against one adapter binary.
#[derive(Debug, Clone)]
pub struct Runner {
    /// The `rewind` binary: `rewind dap` for the session, `rewind record` for
    /// `record` steps.
    pub bin: PathBuf,
    /// fixtures/build: where `fixture` binaries are.
    pub fixtures_build: PathBuf,
    /// fixtures/src: where marker sources are.
    pub fixtures_src: PathBuf,
}

impl Runner {
    /// A runner of `bin` with the fixtures at `fixtures_build` (binaries) and
    /// `fixtures_src` (sources with markers).
    pub fn new(bin: PathBuf, fixtures_build: PathBuf, fixtures_src: PathBuf) -> Self {
        Self {
            bin,
            fixtures_build,
            fixtures_src,
        }
    }

    /// The variables a scenario starts with: `fixture`, `fixtures`,
    /// `fixturesBuild`, `source`, `tmp`, and the markers of its source.
    pub fn initial_vars(&self, scenario: &Scenario, tmp: &Path) -> Result<Vars, ScenarioError> {
        let mut vars = Vars::new();
        if let Some(source) = scenario.source_file() {
            let path = self.fixtures_src.join(&source);
            let markers = Markers::load(&path).map_err(|e| ScenarioError::Setup(e.to_string()))?;
            vars = vars.with_markers(markers);
            vars.set("source", path.display().to_string());
        }
        if let Some(fixture) = &scenario.fixture {
            let path = self.fixtures_build.join(fixture);
            if !path.is_file() {
                return Err(ScenarioError::Setup(format!(
                    "fixture {} is missing (run fixtures/build.sh)",
                    path.display()
                )));
            }
            vars.set("fixture", path.display().to_string());
        }
        vars.set("fixtures", self.fixtures_src.display().to_string());
        vars.set("fixturesBuild", self.fixtures_build.display().to_string());
        vars.set("tmp", tmp.display().to_string());
        Ok(vars)
    }

    /// Runs `scenario`; the error says which step failed and why.
    pub async fn run(&self, scenario: &Scenario) -> Result<(), ScenarioError> {
        let tmp = tempfile::tempdir().map_err(|e| ScenarioError::Setup(e.to_string()))?;
        let vars = self.initial_vars(scenario, tmp.path())?;
        let recordings = tmp.path().join("recordings");
        std::fs::create_dir_all(&recordings).map_err(|e| ScenarioError::Setup(e.to_string()))?;
        let mut cmd = Command::new(&self.bin);
        cmd.arg("dap")
            .current_dir(tmp.path())
            .env("REWIND_DIR", &recordings)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            );
        let client = match scenario.transport {
            Transport::Stdio => {
                cmd.args(&scenario.adapter_args);
                DapClient::spawn_command(cmd)
            }
            Transport::Tcp => DapClient::spawn_tcp_command(cmd, &scenario.adapter_args).await,
        }
        .map_err(|e| ScenarioError::Setup(e.to_string()))?;
        let mut session = LiveScenario {
            client,
            vars,
            timeout: scenario.timeout,
            bin: self.bin.clone(),
            pending: Vec::new(),
        };
        session.client.set_timeout(scenario.timeout);
        for (index, step) in scenario.steps.iter().enumerate() {
            if let Err(detail) = session.step(&step.kind).await {
                return Err(ScenarioError::Step {
                    index,
                    step: step.json.to_string(),
                    detail: with_context(detail, &session.client),
                });
            }
        }
        let stderr = session.client.stderr();
        if stderr.contains("panicked at") {
            return Err(ScenarioError::After(format!(
                "the adapter panicked:\n{stderr}"
            )));
        }
        Ok(())
    }
}

/// Adds the client's context unless `detail` already has it.
fn with_context(detail: String, client: &DapClient) -> String {
    if detail.contains("last messages (--> sent") {
        detail
    } else {
        format!("{detail}\n{}", client.context())
    }
}

/// Running the steps (the state itself is in `session.rs`, which `frame.rs`
/// uses too).
impl LiveScenario {
    fn subst(&self, value: &Value) -> Result<Value, String> {
        self.vars.substitute(value).map_err(|e| e.to_string())
    }

    async fn step(&mut self, kind: &StepKind) -> StepResult {
        match kind {
            StepKind::Send {
                command,
                arguments,
                check,
                no_wait,
                timeout,
            } => {
                let arguments = arguments.as_ref().map(|a| self.subst(a)).transpose()?;
                let seq = self
                    .client
                    .send_request(command, arguments)
                    .await
                    .map_err(|e| e.to_string())?;
                if *no_wait {
                    self.pending.push((seq, command.clone()));
                    return Ok(());
                }
                let response = self
                    .client
                    .wait_response(seq, Some(command), timeout.unwrap_or(self.timeout))
                    .await
                    .map_err(|e| e.to_string())?;
                self.check_response(&response, check)
            }
            StepKind::AwaitResponse {
                target,
                check,
                timeout,
            } => {
                let (seq, command) = match target {
                    ResponseTarget::Seq(seq) => (*seq, None),
                    ResponseTarget::Command(c) => {
                        let at = self
                            .pending
                            .iter()
                            .position(|(_, pc)| pc == c)
                            .ok_or_else(|| format!("no noWait `{c}` request is pending"))?;
                        let (seq, command) = self.pending.remove(at);
                        (seq, Some(command))
                    }
                };
                let response = self
                    .client
                    .wait_response(seq, command.as_deref(), timeout.unwrap_or(self.timeout))
                    .await
                    .map_err(|e| e.to_string())?;
                self.check_response(&response, check)
            }
            StepKind::ExpectEvent {
                event,
                body,
                skip_unmatched,
                save,
                timeout,
            } => {
                let body = body.as_ref().map(|b| self.subst(b)).transpose()?;
                let timeout = timeout.unwrap_or(self.timeout);
                let message = if *skip_unmatched {
                    let pattern = body.clone().unwrap_or(json!({}));
                    self.client
                        .wait_for_event_where(event, timeout, |e| {
                            matcher::check_at(&pattern, e.get("body"), "body").is_ok()
                        })
                        .await
                } else {
                    self.client.wait_for_event(event, timeout).await
                }
                .map_err(|e| e.to_string())?;
                if let Some(pattern) = &body {
                    matcher::check_at(pattern, message.get("body"), "body")
                        .map_err(|m| format!("`{event}` event differs {m}\nevent: {message}"))?;
                }
                self.save(&message, save)
            }
            StepKind::NoEvent { event, within } => {
                tokio::time::sleep(*within).await;
                match self
                    .client
                    .buffered_events()
                    .into_iter()
                    .find(|e| e["event"] == event.as_str())
                {
                    Some(e) => Err(format!("unexpected `{event}` event: {e}")),
                    None => Ok(()),
                }
            }
            StepKind::Raw { text, framed } => {
                let text = self.vars.interpolate(text).map_err(|e| e.to_string())?;
                let bytes = if *framed {
                    framing::frame(text.as_bytes())
                } else {
                    text.into_bytes()
                };
                self.client
                    .send_raw(&bytes)
                    .await
                    .map_err(|e| e.to_string())
            }
            StepKind::ExpectStop { spec, timeout } => {
                let spec = self.subst(spec)?;
                check_stop(self, &spec, timeout.unwrap_or(self.timeout)).await
            }
            StepKind::ExpectFrame { spec } => {
                let spec = self.subst(spec)?;
                check_frame(self, &spec, None).await
            }
            StepKind::Start { spec } => {
                let spec = self.subst(spec)?;
                start(self, &spec).await
            }
            StepKind::Record {
                trace,
                program,
                args,
            } => self.record(trace, program.as_deref(), args).await,
            StepKind::ExpectClosed { timeout } => self
                .client
                .wait_closed(timeout.unwrap_or(self.timeout))
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            StepKind::Sleep(d) => {
                tokio::time::sleep(*d).await;
                Ok(())
            }
        }
    }

    /// Runs `rewind record -o TRACE -- PROGRAM ARGS` (PROGRAM: `${fixture}`).
    async fn record(&mut self, trace: &str, program: Option<&str>, args: &[String]) -> StepResult {
        let text = |s: &str| self.vars.interpolate(s).map_err(|e| e.to_string());
        let trace = text(trace)?;
        let program = match program {
            Some(p) => text(p)?,
            None => text("${fixture}")?,
        };
        let args = args
            .iter()
            .map(|a| text(a))
            .collect::<Result<Vec<_>, _>>()?;
        let mut cmd = Command::new(&self.bin);
        cmd.arg("record")
            .arg("-o")
            .arg(&trace)
            .arg("--")
            .arg(&program)
            .args(&args)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let out = tokio::time::timeout(self.timeout, cmd.output())
            .await
            .map_err(|_| format!("`rewind record` did not finish within {:?}", self.timeout))?
            .map_err(|e| format!("cannot run `rewind record`: {e}"))?;
        if !Path::new(&trace).is_dir() {
            return Err(format!(
                "`rewind record` made no trace at {trace} ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }

    fn check_response(&mut self, response: &Value, check: &ResponseCheck) -> StepResult {
        let pattern = match &check.expect {
            Some(p) => self.subst(p)?,
            None if check.expect_error.is_some() => json!({ "success": false }),
            None => json!({ "success": true }),
        };
        matcher::check(&pattern, response).map_err(|m| {
            let hint = if response["success"] == false {
                format!("\nadapter error: {}", error_message(response))
            } else {
                String::new()
            };
            format!("response differs {m}{hint}\nresponse: {response}")
        })?;
        if let Some(re) = &check.expect_error {
            let re = self.vars.interpolate(re).map_err(|e| e.to_string())?;
            let text = json!(error_message(response));
            matcher::check(&json!({ "$regex": re }), &text)
                .map_err(|m| format!("error text differs {m}\nresponse: {response}"))?;
        }
        self.save(response, &check.save)
    }

    fn save(&mut self, message: &Value, save: &[(String, String)]) -> StepResult {
        for (name, path) in save {
            let value = jsonpath::lookup(message, path)
                .map_err(|e| format!("cannot save {name}: {e}\nin: {message}"))?;
            self.vars.set(name.clone(), value.clone());
        }
        Ok(())
    }
}
