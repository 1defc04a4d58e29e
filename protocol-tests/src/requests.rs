//! Typed helpers for every request of docs/dap.md. Each sends the request,
//! fails with the adapter's message unless it succeeds, and returns the
//! response `body` (`Null` when there is none). Use [`DapClient::request`] to
//! look at failures.

use std::path::Path;

use serde::Serialize;
use serde_json::{json, Value};

use crate::client::DapClient;
use crate::error::ClientError;

type Result<T> = std::result::Result<T, ClientError>;

/// One entry of `setBreakpoints`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceBreakpoint {
    /// The source line (from 1).
    pub line: u32,
    /// An expression; the breakpoint stops only where it is true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Which hits stop: `N`, `>N`, `>=N`, `<N`, `<=N`, `==N` or `%N`
    /// (`hitCondition`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hit_condition: Option<String>,
    /// Makes it a logpoint: this text, with `{expression}` interpolated, is
    /// printed as an `output` event instead of stopping (`logMessage`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_message: Option<String>,
}

impl SourceBreakpoint {
    /// A plain breakpoint on `line`.
    pub fn at(line: u32) -> Self {
        Self {
            line,
            ..Self::default()
        }
    }

    /// A breakpoint on `line` that stops only where `condition` is true.
    pub fn when(line: u32, condition: &str) -> Self {
        Self {
            line,
            condition: Some(condition.to_string()),
            ..Self::default()
        }
    }
}

/// Movement requests that take `{threadId, granularity?}`.
fn movement(thread: i64, granularity: Option<&str>) -> Value {
    let mut args = json!({ "threadId": thread });
    if let Some(g) = granularity {
        args["granularity"] = json!(g);
    }
    args
}

impl DapClient {
    /// `initialize` as an editor sends it; returns the capabilities.
    pub async fn initialize(&mut self) -> Result<Value> {
        self.initialize_with(&serde_json::Map::new()).await
    }

    /// `initialize` with `extra` arguments replacing or adding to an
    /// editor's (e.g. `supportsProgressReporting: true`).
    pub async fn initialize_with(
        &mut self,
        extra: &serde_json::Map<String, Value>,
    ) -> Result<Value> {
        let mut arguments = json!({
                "clientID": "rewind-protocol-tests",
                "clientName": "rewind protocol tests",
                "adapterID": "rewind",
                "locale": "en",
                "linesStartAt1": true,
                "columnsStartAt1": true,
                "pathFormat": "path",
                "supportsVariableType": true,
                "supportsVariablePaging": false,
                "supportsRunInTerminalRequest": false,
                "supportsMemoryReferences": true,
                "supportsProgressReporting": false,
                "supportsInvalidatedEvent": true,
        });
        for (k, v) in extra {
            arguments[k] = v.clone();
        }
        self.request_ok("initialize", arguments).await
    }

    /// `launch` with arbitrary arguments (see docs/dap.md: program, args, cwd, env,
    /// stopOnEntry, trace).
    pub async fn launch(&mut self, arguments: Value) -> Result<Value> {
        self.request_ok("launch", arguments).await
    }

    /// `launch {program, args, stopOnEntry}`.
    pub async fn launch_program(
        &mut self,
        program: &Path,
        args: &[&str],
        stop_on_entry: bool,
    ) -> Result<Value> {
        self.launch(json!({
            "program": program,
            "args": args,
            "stopOnEntry": stop_on_entry,
        }))
        .await
    }

    /// `attach {trace}`: opens an existing recording.
    pub async fn attach(&mut self, trace: &Path) -> Result<Value> {
        self.request_ok("attach", json!({ "trace": trace })).await
    }

    /// `configurationDone`: ends the configuration; the session then makes its
    /// first stop (a `stopped` event follows).
    pub async fn configuration_done(&mut self) -> Result<Value> {
        self.request_ok("configurationDone", json!({})).await
    }

    /// `setBreakpoints` on `path` at `lines`.
    pub async fn set_breakpoints(&mut self, path: &Path, lines: &[u32]) -> Result<Value> {
        let bps: Vec<SourceBreakpoint> = lines.iter().map(|&l| SourceBreakpoint::at(l)).collect();
        self.set_breakpoints_with(path, &bps).await
    }

    /// `setBreakpoints` with conditions, hit conditions or log messages.
    pub async fn set_breakpoints_with(
        &mut self,
        path: &Path,
        breakpoints: &[SourceBreakpoint],
    ) -> Result<Value> {
        self.request_ok(
            "setBreakpoints",
            json!({
                "source": { "path": path },
                "breakpoints": breakpoints,
            }),
        )
        .await
    }

    /// `setFunctionBreakpoints` on the functions `names` (replacing earlier
    /// ones); returns `{breakpoints}`.
    pub async fn set_function_breakpoints(&mut self, names: &[&str]) -> Result<Value> {
        let bps: Vec<Value> = names.iter().map(|n| json!({ "name": n })).collect();
        self.request_ok("setFunctionBreakpoints", json!({ "breakpoints": bps }))
            .await
    }

    /// `setInstructionBreakpoints` at memory references (e.g. `"0x401136"`).
    pub async fn set_instruction_breakpoints(&mut self, references: &[&str]) -> Result<Value> {
        let bps: Vec<Value> = references
            .iter()
            .map(|r| json!({ "instructionReference": r }))
            .collect();
        self.request_ok("setInstructionBreakpoints", json!({ "breakpoints": bps }))
            .await
    }

    /// `setExceptionBreakpoints` with signal filters (`SIGSEGV`, ...).
    pub async fn set_exception_breakpoints(&mut self, filters: &[&str]) -> Result<Value> {
        self.request_ok("setExceptionBreakpoints", json!({ "filters": filters }))
            .await
    }

    /// `dataBreakpointInfo` for variable `name` in container `variables_reference`.
    pub async fn data_breakpoint_info(
        &mut self,
        variables_reference: Option<i64>,
        name: &str,
    ) -> Result<Value> {
        let mut args = json!({ "name": name });
        if let Some(r) = variables_reference {
            args["variablesReference"] = json!(r);
        }
        self.request_ok("dataBreakpointInfo", args).await
    }

    /// `dataBreakpointInfo` for `bytes` bytes at `address` (`asAddress`).
    pub async fn data_breakpoint_info_address(
        &mut self,
        address: &str,
        bytes: u32,
    ) -> Result<Value> {
        self.request_ok(
            "dataBreakpointInfo",
            json!({ "name": address, "asAddress": true, "bytes": bytes }),
        )
        .await
    }

    /// `setDataBreakpoints` with `(dataId, accessType)` pairs.
    pub async fn set_data_breakpoints(&mut self, breakpoints: &[(&str, &str)]) -> Result<Value> {
        let bps: Vec<Value> = breakpoints
            .iter()
            .map(|(id, access)| json!({ "dataId": id, "accessType": access }))
            .collect();
        self.request_ok("setDataBreakpoints", json!({ "breakpoints": bps }))
            .await
    }

    /// `continue`: forward to the next breakpoint, watchpoint, crash or the end
    /// (a `stopped` event follows).
    pub async fn continue_(&mut self, thread: i64) -> Result<Value> {
        self.request_ok("continue", json!({ "threadId": thread }))
            .await
    }

    /// `next`: forward to the next line in this frame, over calls.
    pub async fn next(&mut self, thread: i64) -> Result<Value> {
        self.request_ok("next", movement(thread, None)).await
    }

    /// `stepIn`: forward into a call with line information, else like `next`.
    pub async fn step_in(&mut self, thread: i64) -> Result<Value> {
        self.request_ok("stepIn", movement(thread, None)).await
    }

    /// `stepOut`: forward to the return into the caller.
    pub async fn step_out(&mut self, thread: i64) -> Result<Value> {
        self.request_ok("stepOut", movement(thread, None)).await
    }

    /// `stepBack`: back to the start of the previous line in this frame, over
    /// calls.
    pub async fn step_back(&mut self, thread: i64) -> Result<Value> {
        self.request_ok("stepBack", movement(thread, None)).await
    }

    /// Any stepping request (`next`, `stepIn`, `stepBack`, `reverseStepIn`, ...)
    /// with a granularity (`"instruction"`, `"line"`, `"statement"`).
    pub async fn step_with(
        &mut self,
        command: &str,
        thread: i64,
        granularity: &str,
    ) -> Result<Value> {
        self.request_ok(command, movement(thread, Some(granularity)))
            .await
    }

    /// `reverseContinue`: backward to the previous breakpoint or watchpoint hit,
    /// or the start.
    pub async fn reverse_continue(&mut self, thread: i64) -> Result<Value> {
        self.request_ok("reverseContinue", json!({ "threadId": thread }))
            .await
    }

    /// Custom: back one line, into the last line of a function called by it.
    pub async fn reverse_step_in(&mut self, thread: i64) -> Result<Value> {
        self.request_ok("reverseStepIn", movement(thread, None))
            .await
    }

    /// Custom: back to the call of the current function, in the caller.
    pub async fn reverse_step_out(&mut self, thread: i64) -> Result<Value> {
        self.request_ok("reverseStepOut", json!({ "threadId": thread }))
            .await
    }

    /// `pause`: stops a movement in progress (reason `pause`).
    pub async fn pause(&mut self, thread: i64) -> Result<Value> {
        self.request_ok("pause", json!({ "threadId": thread }))
            .await
    }

    /// `gotoTargets` for `line` of the source at `path`; returns `{targets}`,
    /// whose ids [`DapClient::goto`] takes.
    pub async fn goto_targets(&mut self, path: &Path, line: u32) -> Result<Value> {
        self.request_ok(
            "gotoTargets",
            json!({ "source": { "path": path }, "line": line }),
        )
        .await
    }

    /// `goto` a target of `gotoTargets`: to the next execution of its line, or
    /// back to the previous one.
    pub async fn goto(&mut self, thread: i64, target_id: i64) -> Result<Value> {
        self.request_ok("goto", json!({ "threadId": thread, "targetId": target_id }))
            .await
    }

    /// `restart`: back to the start of the recording (stop reason `entry`).
    pub async fn restart(&mut self) -> Result<Value> {
        self.request_ok("restart", json!({})).await
    }

    /// `threads`: the threads alive at this point of the recording (ids as
    /// recorded); returns `{threads}`.
    pub async fn threads(&mut self) -> Result<Value> {
        self.request_ok("threads", Value::Null).await
    }

    /// `stackTrace` of `thread`; returns `{stackFrames, totalFrames}`.
    pub async fn stack_trace(&mut self, thread: i64) -> Result<Value> {
        self.request_ok("stackTrace", json!({ "threadId": thread }))
            .await
    }

    /// `scopes` of the stack frame `frame_id`; returns `{scopes}`.
    pub async fn scopes(&mut self, frame_id: i64) -> Result<Value> {
        self.request_ok("scopes", json!({ "frameId": frame_id }))
            .await
    }

    /// `variables` of the container `variables_reference` (a scope or a
    /// structured value); returns `{variables}`.
    pub async fn variables(&mut self, variables_reference: i64) -> Result<Value> {
        self.request_ok(
            "variables",
            json!({ "variablesReference": variables_reference }),
        )
        .await
    }

    /// `evaluate` in `context` (`repl`, `watch`, `hover`), in a frame if given.
    pub async fn evaluate(
        &mut self,
        expression: &str,
        frame_id: Option<i64>,
        context: &str,
    ) -> Result<Value> {
        let mut args = json!({ "expression": expression, "context": context });
        if let Some(f) = frame_id {
            args["frameId"] = json!(f);
        }
        self.request_ok("evaluate", args).await
    }

    /// `setVariable`; the adapter refuses it, so this returns the whole response.
    pub async fn set_variable(
        &mut self,
        variables_reference: i64,
        name: &str,
        value: &str,
    ) -> Result<Value> {
        self.request(
            "setVariable",
            json!({ "variablesReference": variables_reference, "name": name, "value": value }),
        )
        .await
    }

    /// `readMemory` of `count` bytes at `memory_reference` + `offset`; returns
    /// `{address, data (base64), unreadableBytes?}`.
    pub async fn read_memory(
        &mut self,
        memory_reference: &str,
        offset: i64,
        count: u64,
    ) -> Result<Value> {
        self.request_ok(
            "readMemory",
            json!({ "memoryReference": memory_reference, "offset": offset, "count": count }),
        )
        .await
    }

    /// `disassemble` `instruction_count` instructions from `memory_reference`,
    /// with symbols; returns `{instructions}`.
    pub async fn disassemble(
        &mut self,
        memory_reference: &str,
        instruction_count: u32,
    ) -> Result<Value> {
        self.request_ok(
            "disassemble",
            json!({
                "memoryReference": memory_reference,
                "instructionCount": instruction_count,
                "resolveSymbols": true,
            }),
        )
        .await
    }

    /// `exceptionInfo` for `thread` after a stop on a crash signal; returns
    /// `{exceptionId, description, breakMode, details}`.
    pub async fn exception_info(&mut self, thread: i64) -> Result<Value> {
        self.request_ok("exceptionInfo", json!({ "threadId": thread }))
            .await
    }

    /// `modules`: the files mapped in the current process (the program, its
    /// shared libraries); returns `{modules, totalModules}`.
    pub async fn modules(&mut self) -> Result<Value> {
        self.request_ok("modules", json!({})).await
    }

    /// `loadedSources`: the source files of the program's debug information;
    /// returns `{sources}`.
    pub async fn loaded_sources(&mut self) -> Result<Value> {
        self.request_ok("loadedSources", json!({})).await
    }

    /// `source` by path (`sourceReference` 0).
    pub async fn source(&mut self, path: &Path) -> Result<Value> {
        self.request_ok(
            "source",
            json!({ "source": { "path": path }, "sourceReference": 0 }),
        )
        .await
    }

    /// Custom: `{eventCount, currentEvent, complete, bookmarks}`.
    pub async fn timeline(&mut self) -> Result<Value> {
        self.request_ok("timeline", Value::Null).await
    }

    /// Custom: travel to event `event`.
    pub async fn goto_event(&mut self, event: u64) -> Result<Value> {
        self.request_ok("gotoEvent", json!({ "event": event }))
            .await
    }

    /// Custom: travel to bookmark `id`.
    pub async fn goto_bookmark(&mut self, id: i64) -> Result<Value> {
        self.request_ok("gotoEvent", json!({ "bookmark": id }))
            .await
    }

    /// Custom: remember the current position; returns `{id, name, event}`.
    pub async fn bookmark(&mut self, name: Option<&str>) -> Result<Value> {
        let args = match name {
            Some(n) => json!({ "name": n }),
            None => json!({}),
        };
        self.request_ok("bookmark", args).await
    }

    /// `terminate`: ends the session (a recording in progress is killed).
    pub async fn terminate(&mut self) -> Result<Value> {
        self.request_ok("terminate", json!({})).await
    }

    /// `disconnect` with `terminateDebuggee: true`: ends the session.
    pub async fn disconnect(&mut self) -> Result<Value> {
        self.request_ok("disconnect", json!({ "terminateDebuggee": true }))
            .await
    }
}
