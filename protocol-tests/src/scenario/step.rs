//! Scenario steps: one JSON object each, its kind given by its first key
//! (`send`, `awaitResponse`, `expectEvent`, `noEvent`, `raw`, `rawMessage`,
//! `expectStop`, `expectFrame`, `start`, `record`, `expectClosed`, `sleepMs`).

use std::time::Duration;

use serde_json::{Map, Value};

use super::error::{allow_keys, fmt_err, string_field, ScenarioError};

/// Keys of `expectStop` that are checked against the `stopped` event body.
pub const STOP_EVENT_KEYS: &[&str] = &[
    "reason",
    "description",
    "text",
    "threadId",
    "allThreadsStopped",
    "hitBreakpointIds",
    "body",
    "where",
];
/// Keys of `expectStop`/`expectFrame` checked against the top frame and scopes.
pub const FRAME_KEYS: &[&str] = &[
    "line", "function", "source", "frame", "stack", "locals", "globals",
];
/// Keys of `start`.
pub const START_KEYS: &[&str] = &[
    "program",
    "args",
    "stopOnEntry",
    "breakpoints",
    "functionBreakpoints",
    "exceptionFilters",
    "launch",
    "trace",
    "attach",
    "initialize",
];

/// One step and the JSON it came from (shown when it fails).
#[derive(Debug, Clone)]
pub struct Step {
    /// What the step does, parsed.
    pub kind: StepKind,
    /// The step's object as parsed from the file.
    pub json: Value,
}

/// Which response `awaitResponse` waits for.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseTarget {
    /// The oldest unanswered `noWait` request with this command.
    Command(String),
    /// The response with this `request_seq` (e.g. to a `rawMessage`).
    Seq(i64),
}

/// How a response is checked.
#[derive(Debug, Clone, Default)]
pub struct ResponseCheck {
    /// Subset pattern over the whole response; default `{"success": true}`
    /// (`{"success": false}` when `expectError` is given).
    pub expect: Option<Value>,
    /// Regex over the error text (`message`, or `body.error.format`).
    pub expect_error: Option<String>,
    /// variable name → path into the response.
    pub save: Vec<(String, String)>,
}

/// What a step does (the README's table of steps). A `timeout` of `None` is
/// the scenario's limit; strings and patterns are substituted when the step
/// runs, not when it is parsed.
#[derive(Debug, Clone)]
pub enum StepKind {
    /// `send`: sends a request, then (unless `no_wait`) waits for its response
    /// and checks it.
    Send {
        /// The request's command.
        command: String,
        /// `None`: the request has no `arguments` field.
        arguments: Option<Value>,
        /// How the response is checked.
        check: ResponseCheck,
        /// `noWait`: do not wait; a later `awaitResponse` takes the response.
        no_wait: bool,
        /// The limit of the wait for the response (`timeoutMs`).
        timeout: Option<Duration>,
    },
    /// `awaitResponse`: waits for the response to a request sent earlier and
    /// checks it.
    AwaitResponse {
        /// Which request's response.
        target: ResponseTarget,
        /// How the response is checked.
        check: ResponseCheck,
        /// The limit of the wait (`timeoutMs`).
        timeout: Option<Duration>,
    },
    /// `expectEvent`: takes a buffered event of a name and matches its body.
    ExpectEvent {
        /// The event's name (`stopped`, `output`, ...).
        event: String,
        /// Subset pattern over the event's `body`; `None` accepts any.
        body: Option<Value>,
        /// `skipUnmatched`: take the oldest event of that name whose body
        /// matches, leaving those passed over buffered (else the oldest one,
        /// which must match).
        skip_unmatched: bool,
        /// Variable name → path into the event, saved once it matched.
        save: Vec<(String, String)>,
        /// The limit of the wait (`timeoutMs`).
        timeout: Option<Duration>,
    },
    /// `noEvent`: waits, then fails if an event of that name is buffered.
    NoEvent {
        /// The event's name.
        event: String,
        /// How long to wait first (`withinMs`; default 500 ms).
        within: Duration,
    },
    /// Bytes written verbatim (`framed`: with a correct Content-Length header).
    Raw {
        /// The text, `${var}` interpolated before it is written.
        text: String,
        /// Whether the step is a `rawMessage` (framed) rather than a `raw`
        /// (written as is).
        framed: bool,
    },
    /// `expectStop`: waits for a `stopped` event, checks it, then the stopped
    /// thread's top frame and scopes.
    ExpectStop {
        /// The `expectStop` object: patterns over the event body (`reason`,
        /// `where`, ...) and over the top frame (`line`, `locals`, ...).
        spec: Value,
        /// The limit of the wait for the event (`timeoutMs`).
        timeout: Option<Duration>,
    },
    /// `expectFrame`: the frame checks of `expectStop`, without waiting for an
    /// event.
    ExpectFrame {
        /// The `expectFrame` object: patterns over the top frame (`line`,
        /// `function`, `locals`, ...), and optionally the `threadId` to look at.
        spec: Value,
    },
    /// `start`: the launch (or attach) handshake through `configurationDone`,
    /// then a check of the launch response; the first stop is left to the
    /// next step.
    Start {
        /// The `start` object: `program`, `args`, `breakpoints`, `launch`,
        /// `trace`, ... (the README lists them).
        spec: Value,
    },
    /// `rewind record -o TRACE -- PROGRAM ARGS...`.
    Record {
        /// Where the recording goes (`-o`).
        trace: String,
        /// The program to record; `None` is `${fixture}`.
        program: Option<String>,
        /// The program's arguments.
        args: Vec<String>,
    },
    /// The adapter closes its output (after `disconnect`).
    ExpectClosed {
        /// The limit of the wait (`timeoutMs`).
        timeout: Option<Duration>,
    },
    /// `sleepMs`: waits this long.
    Sleep(Duration),
}

impl Step {
    /// Parses one step object; unknown keys and ill-typed fields are
    /// [`ScenarioError::Format`] errors.
    pub fn parse(json: &Value) -> Result<Self, ScenarioError> {
        let fields = json
            .as_object()
            .ok_or_else(|| fmt_err("a step is a JSON object"))?;
        let kind = if fields.contains_key("send") {
            parse_send(fields)?
        } else if fields.contains_key("awaitResponse") {
            parse_await(fields)?
        } else if let Some(event) = fields.get("expectEvent") {
            allow(
                fields,
                &["expectEvent", "body", "skipUnmatched", "save", "timeoutMs"],
            )?;
            StepKind::ExpectEvent {
                event: as_string(event, "expectEvent")?,
                body: fields.get("body").cloned(),
                skip_unmatched: bool_field(fields, "skipUnmatched")?,
                save: save_field(fields)?,
                timeout: timeout_field(fields, "timeoutMs")?,
            }
        } else if let Some(event) = fields.get("noEvent") {
            allow(fields, &["noEvent", "withinMs"])?;
            StepKind::NoEvent {
                event: as_string(event, "noEvent")?,
                within: timeout_field(fields, "withinMs")?.unwrap_or(Duration::from_millis(500)),
            }
        } else if let Some(text) = fields.get("raw") {
            allow(fields, &["raw"])?;
            StepKind::Raw {
                text: as_string(text, "raw")?,
                framed: false,
            }
        } else if let Some(text) = fields.get("rawMessage") {
            allow(fields, &["rawMessage"])?;
            StepKind::Raw {
                text: as_string(text, "rawMessage")?,
                framed: true,
            }
        } else if let Some(spec) = fields.get("expectStop") {
            allow(fields, &["expectStop", "timeoutMs"])?;
            let spec = spec_object(spec, "expectStop", &[STOP_EVENT_KEYS, FRAME_KEYS].concat())?;
            StepKind::ExpectStop {
                spec,
                timeout: timeout_field(fields, "timeoutMs")?,
            }
        } else if let Some(spec) = fields.get("expectFrame") {
            allow(fields, &["expectFrame"])?;
            let keys = [FRAME_KEYS, &["threadId"]].concat();
            StepKind::ExpectFrame {
                spec: spec_object(spec, "expectFrame", &keys)?,
            }
        } else if let Some(spec) = fields.get("start") {
            allow(fields, &["start"])?;
            StepKind::Start {
                spec: spec_object(spec, "start", START_KEYS)?,
            }
        } else if let Some(trace) = fields.get("record") {
            allow(fields, &["record", "program", "args"])?;
            StepKind::Record {
                trace: as_string(trace, "record")?,
                program: string_field(fields, "program")?,
                args: match fields.get("args") {
                    None => Vec::new(),
                    Some(v) => serde_json::from_value(v.clone())
                        .map_err(|_| fmt_err("\"args\" is an array of strings"))?,
                },
            }
        } else if fields.contains_key("expectClosed") {
            allow(fields, &["expectClosed", "timeoutMs"])?;
            StepKind::ExpectClosed {
                timeout: timeout_field(fields, "timeoutMs")?,
            }
        } else if let Some(ms) = fields.get("sleepMs") {
            allow(fields, &["sleepMs"])?;
            let ms = ms
                .as_u64()
                .ok_or_else(|| fmt_err("\"sleepMs\" is a number"))?;
            StepKind::Sleep(Duration::from_millis(ms))
        } else {
            return Err(fmt_err(format!(
                "step without a kind (send, awaitResponse, expectEvent, noEvent, raw, \
                 rawMessage, expectStop, expectFrame, start, record, expectClosed, sleepMs): {json}"
            )));
        };
        Ok(Step {
            kind,
            json: json.clone(),
        })
    }

    /// Variable names this step saves (for the linter).
    pub fn saved_names(&self) -> Vec<String> {
        let save = match &self.kind {
            StepKind::Send { check, .. } | StepKind::AwaitResponse { check, .. } => &check.save,
            StepKind::ExpectEvent { save, .. } => save,
            StepKind::ExpectStop { .. } | StepKind::ExpectFrame { .. } => {
                return vec!["threadId".into(), "frameId".into()];
            }
            StepKind::Start { .. } => return vec!["threadId".into()],
            _ => return Vec::new(),
        };
        save.iter().map(|(name, _)| name.clone()).collect()
    }
}

fn parse_send(fields: &Map<String, Value>) -> Result<StepKind, ScenarioError> {
    allow(
        fields,
        &[
            "send",
            "arguments",
            "expect",
            "expectError",
            "save",
            "noWait",
            "timeoutMs",
        ],
    )?;
    let no_wait = bool_field(fields, "noWait")?;
    let check = response_check(fields)?;
    if no_wait && (check.expect.is_some() || check.expect_error.is_some() || !check.save.is_empty())
    {
        return Err(fmt_err(
            "a noWait send checks nothing: put expect/expectError/save on its awaitResponse",
        ));
    }
    Ok(StepKind::Send {
        command: as_string(&fields["send"], "send")?,
        arguments: fields.get("arguments").cloned(),
        check,
        no_wait,
        timeout: timeout_field(fields, "timeoutMs")?,
    })
}

fn parse_await(fields: &Map<String, Value>) -> Result<StepKind, ScenarioError> {
    allow(
        fields,
        &[
            "awaitResponse",
            "expect",
            "expectError",
            "save",
            "timeoutMs",
        ],
    )?;
    let target = match &fields["awaitResponse"] {
        Value::String(c) => ResponseTarget::Command(c.clone()),
        Value::Number(n) => ResponseTarget::Seq(
            n.as_i64()
                .ok_or_else(|| fmt_err("awaitResponse seq is an integer"))?,
        ),
        _ => {
            return Err(fmt_err(
                "\"awaitResponse\" is a command (string) or a request_seq (number)",
            ))
        }
    };
    Ok(StepKind::AwaitResponse {
        target,
        check: response_check(fields)?,
        timeout: timeout_field(fields, "timeoutMs")?,
    })
}

fn response_check(fields: &Map<String, Value>) -> Result<ResponseCheck, ScenarioError> {
    Ok(ResponseCheck {
        expect: fields.get("expect").cloned(),
        expect_error: string_field(fields, "expectError")?,
        save: save_field(fields)?,
    })
}

fn allow(fields: &Map<String, Value>, keys: &[&str]) -> Result<(), ScenarioError> {
    let mut keys = keys.to_vec();
    keys.push("comment");
    allow_keys(fields, &keys, "step")
}

fn spec_object(spec: &Value, what: &str, keys: &[&str]) -> Result<Value, ScenarioError> {
    let fields = spec
        .as_object()
        .ok_or_else(|| fmt_err(format!("{what:?} takes an object")))?;
    allow_keys(fields, keys, what)?;
    Ok(spec.clone())
}

fn as_string(v: &Value, key: &str) -> Result<String, ScenarioError> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| fmt_err(format!("{key:?} must be a string")))
}

fn bool_field(fields: &Map<String, Value>, key: &str) -> Result<bool, ScenarioError> {
    match fields.get(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(fmt_err(format!("{key:?} must be true or false"))),
    }
}

fn timeout_field(
    fields: &Map<String, Value>,
    key: &str,
) -> Result<Option<Duration>, ScenarioError> {
    match fields.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(|ms| Some(Duration::from_millis(ms)))
            .ok_or_else(|| fmt_err(format!("{key:?} is a number of milliseconds"))),
    }
}

fn save_field(fields: &Map<String, Value>) -> Result<Vec<(String, String)>, ScenarioError> {
    let Some(save) = fields.get("save") else {
        return Ok(Vec::new());
    };
    let save = save
        .as_object()
        .ok_or_else(|| fmt_err("\"save\" maps variable names to paths"))?;
    save.iter()
        .map(|(name, path)| {
            let path = as_string(path, "save path")?;
            crate::jsonpath::parse(&path).map_err(fmt_err)?;
            Ok((name.clone(), path))
        })
        .collect()
}
