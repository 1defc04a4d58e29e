//! The table of contents of the DAP requests rewind serves (and the
//! connection's `Handler` that routes each request through it): one line per
//! command, naming the handler (in [`super::handlers`], grouped by concern
//! as the debugger's files are) that carries it out.

use serde_json::Value;

use super::connection::Connection;
use super::envelope::{DapError, Request};
use super::handlers::{breakpoints, console, inspect, lifecycle, memory, modules, movement, watch};
use super::server::{Handler, Outbox};

impl Handler for Connection {
    async fn handle(&mut self, request: Request, out: &Outbox) -> Result<Value, DapError> {
        if let Some(mut rx) = self.events_rx.take() {
            // Events reach the client in the order the debugger made them.
            let out = out.clone();
            tokio::spawn(async move {
                while let Some(event) = rx.recv().await {
                    let (name, body) = super::events::to_dap(&event);
                    if out.event(name, body).await.is_err() {
                        return;
                    }
                }
            });
        }
        dispatch(self, request).await
    }

    fn after_response(&mut self) {
        self.run_deferred();
    }
}

/// Carries out `request` and gives the body of its response.
pub(super) async fn dispatch(h: &mut Connection, request: Request) -> Result<Value, DapError> {
    let r = &request;
    match request.command.as_str() {
        "initialize" => lifecycle::initialize(h, r),
        "cancel" => lifecycle::cancel(h, r),
        "launch" | "attach" => lifecycle::launch(h, r).await,
        "configurationDone" => lifecycle::configuration_done(h).await,
        "pause" => lifecycle::pause(h).await,
        "terminate" => lifecycle::terminate(h),
        "disconnect" => lifecycle::disconnect(h).await,
        "setBreakpoints" => breakpoints::set_source(h, r).await,
        "breakpointLocations" => breakpoints::locations(h, r).await,
        "setFunctionBreakpoints" => breakpoints::set_function(h, r).await,
        "setInstructionBreakpoints" => breakpoints::set_instruction(h, r).await,
        "setExceptionBreakpoints" => breakpoints::set_exception(h, r).await,
        "dataBreakpointInfo" => watch::data_breakpoint_info(h, r).await,
        "setDataBreakpoints" => watch::set_data_breakpoints(h, r).await,
        "continue" => movement::continue_(h),
        "reverseContinue" => movement::reverse_continue(h),
        "next" => movement::next(h, r),
        "stepIn" => movement::step_in(h, r),
        "stepOut" => movement::step_out(h, r),
        "stepBack" => movement::step_back(h, r),
        "reverseStepIn" => movement::reverse_step_in(h, r),
        "reverseStepOut" => movement::reverse_step_out(h, r),
        "restart" => movement::restart(h),
        "restartFrame" => movement::restart_frame(h, r),
        "goto" => movement::goto(h, r).await,
        "gotoTargets" => movement::goto_targets(h, r).await,
        "gotoEvent" => movement::goto_event(h, r).await,
        "bookmark" => console::bookmark(h, r).await,
        "timeline" => console::timeline(h).await,
        "threads" => inspect::threads(h).await,
        "stackTrace" => inspect::stack_trace(h, r).await,
        "scopes" => inspect::scopes(h, r).await,
        "variables" => inspect::variables(h, r).await,
        "evaluate" => inspect::evaluate(h, r).await,
        "completions" => inspect::completions(h, r).await,
        "exceptionInfo" => inspect::exception_info(h, r).await,
        "modules" => modules::modules(h, r).await,
        "loadedSources" => modules::loaded_sources(h).await,
        "source" => modules::source(r),
        "setVariable" | "setExpression" | "writeMemory" => inspect::refuse_change(),
        "readMemory" => memory::read_memory(h, r).await,
        "disassemble" => memory::disassemble(h, r).await,
        _ => Err(request.unknown()),
    }
}
