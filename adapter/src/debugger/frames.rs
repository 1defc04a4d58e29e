//! Where a thread stands, as stepping sees it: pc, stack pointer, canonical
//! frame address, function, line, and the caller's return address.

use rewind_debuginfo::{Frame, FunctionInfo};

use super::error::DebuggerError;
use super::Debugger;
use crate::debugger::target::{registers_from, SessionMemory};

/// One thread's innermost physical frame.
#[derive(Debug, Clone)]
pub struct Here {
    pub pc: u64,
    pub rsp: u64,
    /// Canonical frame address: the same at every pc of one call of a function.
    pub cfa: Option<u64>,
    pub function: Option<FunctionInfo>,
    /// Source line of the pc (None: no line information).
    pub line: Option<u32>,
    /// Where the current function returns to, in its caller.
    pub return_address: Option<u64>,
    /// Entry of the caller's function (to find the call instruction).
    pub caller_entry: Option<u64>,
}

impl Here {
    /// Whether `pc` lies in the current function.
    pub fn in_function(&self, pc: u64) -> bool {
        self.function
            .as_ref()
            .is_some_and(|f| f.ranges.iter().any(|&(b, e)| (b..e).contains(&pc)))
    }
}

impl Debugger {
    /// The source-level stack of thread `tid` (at most `max` frames).
    pub(super) fn stack_of(&mut self, tid: i32, max: usize) -> Result<Vec<Frame>, DebuggerError> {
        self.sync_program_for(tid);
        let regs = registers_from(&self.session.regs(tid)?);
        let mem = SessionMemory::new(&mut self.session, tid);
        Ok(self.program.stack(&regs, &mem, max))
    }

    /// Where thread `tid` stands now.
    pub(super) fn here(&mut self, tid: i32) -> Result<Here, DebuggerError> {
        let regs = self.session.regs(tid)?;
        let (pc, rsp) = (regs.rip(), regs.rsp());
        let frames = self.stack_of(tid, 8)?;
        let caller = frames.iter().find(|f| f.physical == 1);
        let function = self.program.function_at(pc);
        Ok(Here {
            pc,
            rsp,
            cfa: frames.first().and_then(|f| f.cfa),
            line: self.line_at(pc),
            function,
            return_address: caller.map(|f| f.pc),
            caller_entry: caller
                .and_then(|f| self.program.function_at(f.lookup_pc()).map(|g| g.entry)),
        })
    }

    /// The source line of `pc`.
    pub(super) fn line_at(&self, pc: u64) -> Option<u32> {
        self.program
            .line_range_at(pc)
            .map(|r| r.location.line)
            .filter(|&l| l != 0)
    }

    /// Evaluates `expr` in the innermost frame of `tid`; the value as text.
    pub(super) fn evaluate_in_top_frame(&mut self, tid: i32, expr: &str) -> Result<String, String> {
        // Two frames: the CFA (often the frame base) comes with unwinding.
        let frames = self.stack_of(tid, 2).map_err(|e| e.to_string())?;
        let mem = SessionMemory::new(&mut self.session, tid);
        self.program
            .evaluate(frames.first(), expr, &mem)
            .map(|v| v.value)
            .map_err(|e| e.to_string())
    }
}
