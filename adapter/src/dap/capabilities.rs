//! The adapter's DAP capabilities (docs/dap.md): the `initialize` response body.

use serde_json::{json, Value};

use rewind_engine::signals;

/// The body of the `initialize` response.
///
/// `supportsSetVariable` is advertised so editors offer the action, but a
/// recording cannot be changed: `setVariable` is refused with a message.
/// Reverse step-in/step-out are custom requests (DAP has none), not capabilities.
pub fn capabilities() -> Value {
    let filters: Vec<Value> = crate::debugger::breakpoint_set::CRASH_SIGNALS
        .iter()
        .map(|&signo| {
            let (signal, what) = (signals::name(signo), signals::description(signo));
            json!({
                "filter": signal,
                "label": format!("{signal} ({what})"),
                "description": format!("Stop when the program receives {signal} ({what})"),
                "default": true,
            })
        })
        .collect();
    json!({
        "supportsConfigurationDoneRequest": true,
        "supportsCancelRequest": true,
        "supportsStepBack": true,
        "supportsConditionalBreakpoints": true,
        "supportsHitConditionalBreakpoints": true,
        "supportsLogPoints": true,
        "supportsFunctionBreakpoints": true,
        "supportsDataBreakpoints": true,
        "supportsInstructionBreakpoints": true,
        "supportsSteppingGranularity": true,
        "supportsGotoTargetsRequest": true,
        "supportsBreakpointLocationsRequest": true,
        "supportsCompletionsRequest": true,
        "supportsValueFormattingOptions": true,
        "supportsReadMemoryRequest": true,
        "supportsDisassembleRequest": true,
        "supportsExceptionInfoRequest": true,
        "supportsTerminateRequest": true,
        "supportsRestartRequest": true,
        "supportsRestartFrame": true,
        "supportsEvaluateForHovers": true,
        "supportsSetVariable": true,
        "exceptionBreakpointFilters": filters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advertises_design_capabilities() {
        let caps = capabilities();
        for flag in [
            "supportsStepBack",
            "supportsConfigurationDoneRequest",
            "supportsConditionalBreakpoints",
            "supportsHitConditionalBreakpoints",
            "supportsLogPoints",
            "supportsFunctionBreakpoints",
            "supportsDataBreakpoints",
            "supportsInstructionBreakpoints",
            "supportsSteppingGranularity",
            "supportsGotoTargetsRequest",
            "supportsBreakpointLocationsRequest",
            "supportsCompletionsRequest",
            "supportsValueFormattingOptions",
            "supportsReadMemoryRequest",
            "supportsDisassembleRequest",
            "supportsExceptionInfoRequest",
            "supportsTerminateRequest",
            "supportsRestartRequest",
            "supportsRestartFrame",
            "supportsEvaluateForHovers",
            "supportsSetVariable",
        ] {
            assert_eq!(caps[flag], true, "{flag}");
        }
        let filters: Vec<&str> = caps["exceptionBreakpointFilters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["filter"].as_str().unwrap())
            .collect();
        assert_eq!(
            filters,
            ["SIGSEGV", "SIGABRT", "SIGFPE", "SIGILL", "SIGBUS"]
        );
        for filter in caps["exceptionBreakpointFilters"].as_array().unwrap() {
            assert!(filter["label"].is_string());
        }
    }
}
