//! Source-level stack frames: physical frames from the unwinder, split into one frame per
//! inlined call, with function names, source locations, CFA and frame base.

use crate::functions::ScopeKind;
use crate::location::{evaluate_address, ExprContext};
use crate::program::Program;
use crate::source::{ScopeRef, SourceLocation};
use crate::target::{Memory, Registers};
use crate::unwind::{unwind, PhysicalFrame};

/// One source-level frame (an inlined call is a frame of its own, like gdb's `bt`).
#[derive(Debug, Clone)]
pub struct Frame {
    /// Index of the physical frame it belongs to.
    pub physical: usize,
    /// Inlined depth inside the physical frame (0: the innermost inlined call or the
    /// function itself when nothing is inlined).
    pub inline_index: usize,
    /// The frame's pc (a return address for callers).
    pub pc: u64,
    /// Function name (qualified, demangled), or the symbol's name without DWARF.
    pub function: Option<String>,
    /// Source position: the pc's line, or the call site for frames that inlined a call.
    pub location: Option<SourceLocation>,
    /// Canonical frame address of the physical frame.
    pub cfa: Option<u64>,
    /// The function's DW_AT_frame_base, evaluated.
    pub frame_base: Option<u64>,
    /// Registers of the physical frame.
    pub regs: Registers,
    /// Scopes of this frame, innermost first, up to its function (for variables).
    pub scopes: Vec<ScopeRef>,
    /// Whether the pc is exact (innermost or interrupted) rather than a return address.
    pub exact_pc: bool,
    /// The physical frame is the signal trampoline.
    pub signal_trampoline: bool,
}

impl Frame {
    /// The pc used to look up scopes and locations (`pc - 1` for return addresses).
    pub fn lookup_pc(&self) -> u64 {
        if self.exact_pc {
            self.pc
        } else {
            self.pc.saturating_sub(1)
        }
    }
}

impl Program {
    /// The physical frames of a thread stopped with `regs` (at most `max_frames`).
    pub fn unwind(
        &self,
        regs: &Registers,
        mem: &dyn Memory,
        max_frames: usize,
    ) -> Vec<PhysicalFrame> {
        unwind(self, regs, mem, max_frames)
    }

    /// The source-level frames of a thread stopped with `regs`, innermost first.
    pub fn stack(&self, regs: &Registers, mem: &dyn Memory, max_frames: usize) -> Vec<Frame> {
        let mut out = Vec::new();
        for (pi, pf) in self.unwind(regs, mem, max_frames).into_iter().enumerate() {
            let frames = self.split_inlined(pi, &pf, mem);
            out.extend(frames);
            if out.len() >= max_frames {
                out.truncate(max_frames);
                break;
            }
        }
        out
    }

    fn split_inlined(&self, pi: usize, pf: &PhysicalFrame, mem: &dyn Memory) -> Vec<Frame> {
        let lookup = pf.lookup_pc();
        let chain = self.scopes_at(lookup);
        let frame_base = self.frame_base(&chain, pf, mem);
        let base = Frame {
            physical: pi,
            inline_index: 0,
            pc: pf.pc(),
            function: None,
            location: self.location_at(lookup),
            cfa: pf.cfa,
            frame_base,
            regs: pf.regs.clone(),
            scopes: Vec::new(),
            exact_pc: pf.exact_pc,
            signal_trampoline: pf.signal_trampoline,
        };
        if chain.is_empty() {
            return vec![Frame {
                function: self.function_name_at(lookup),
                ..base
            }];
        }
        let mut frames = Vec::new();
        let mut current = base;
        for r in chain {
            let Some(s) = self.scope(r) else { break };
            current.scopes.push(r);
            if s.kind == ScopeKind::Block {
                continue;
            }
            current.function = s.name.clone();
            let next_location = (s.kind == ScopeKind::Inlined).then(|| {
                let file = self.unit_file(r, s.call_file);
                file.map(|file| SourceLocation {
                    file,
                    line: s.call_line,
                    column: s.call_column,
                })
            });
            let next = Frame {
                inline_index: current.inline_index + 1,
                location: next_location.flatten(),
                scopes: Vec::new(),
                function: None,
                ..current.clone()
            };
            frames.push(std::mem::replace(&mut current, next));
            if s.kind == ScopeKind::Function {
                break;
            }
        }
        frames
    }

    fn unit_file(&self, r: ScopeRef, raw: u64) -> Option<std::path::PathBuf> {
        let m = &self.modules().get(r.module)?.module;
        crate::lines::unit_file(m.dwarf()?, r.unit, raw)
    }

    /// Evaluates DW_AT_frame_base of the out-of-line function in `chain`.
    fn frame_base(&self, chain: &[ScopeRef], pf: &PhysicalFrame, mem: &dyn Memory) -> Option<u64> {
        let r = *chain.last()?;
        let l = self.modules().get(r.module)?;
        let dd = l.module.dwarf()?;
        let uref = dd.unit_ref(r.unit);
        let node = self.scope(r)?;
        let entry = uref.entry(node.offset).ok()?;
        let attr = entry.attr_value(gimli::DW_AT_frame_base).ok()??;
        let ctx = ExprContext {
            regs: &pf.regs,
            mem,
            frame_base: None,
            cfa: pf.cfa,
            bias: l.bias,
            unit: Some(uref),
            tls_base: None,
        };
        let expr = match attr {
            gimli::AttributeValue::Exprloc(e) => e,
            other => crate::location::location_list_expr(
                uref,
                other,
                pf.lookup_pc().wrapping_sub(l.bias),
            )?,
        };
        evaluate_address(expr, uref.encoding(), &ctx).ok()
    }
}
