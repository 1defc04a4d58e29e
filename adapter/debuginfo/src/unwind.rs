//! Stack unwinding with CFI (.eh_frame/.debug_frame), through signal trampolines, with a
//! frame-pointer fallback where a function has no CFI.

use crate::cfi::CfiRow;
use crate::location::{evaluate_address, ExprContext};
use crate::program::Program;
use crate::target::{read_u64, Memory, Registers};
use gimli::X86_64;

/// One physical frame of a stack.
#[derive(Debug, Clone)]
pub struct PhysicalFrame {
    /// Registers of the frame (`rip` is its pc; unknown registers are `None`).
    pub regs: Registers,
    /// Canonical frame address (value of rsp before the call that made this frame).
    pub cfa: Option<u64>,
    /// This frame's pc is exact (innermost frame, or interrupted by a signal) rather than
    /// a return address: look up code at `pc`, not `pc - 1`.
    pub exact_pc: bool,
    /// This frame is a sigreturn trampoline (`__restore_rt`).
    pub signal_trampoline: bool,
}

impl PhysicalFrame {
    /// The frame's pc.
    pub fn pc(&self) -> u64 {
        self.regs.pc().unwrap_or(0)
    }

    /// The address to look up code, lines and scopes with (`pc - 1` for return addresses).
    pub fn lookup_pc(&self) -> u64 {
        if self.exact_pc {
            self.pc()
        } else {
            self.pc().saturating_sub(1)
        }
    }
}

/// Callee-saved registers of the SysV x86-64 ABI: unchanged across calls without a rule.
const CALLEE_SAVED: [gimli::Register; 6] = [
    X86_64::RBX,
    X86_64::RBP,
    X86_64::R12,
    X86_64::R13,
    X86_64::R14,
    X86_64::R15,
];

/// `mov $15, %rax; syscall`: the x86-64 rt_sigreturn trampoline.
const RESTORE_RT: [u8; 9] = [0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05];

/// Offset of `uc_mcontext` in `ucontext_t`, and the order of registers in it.
const UCONTEXT_MCONTEXT: u64 = 40;
const SIGCONTEXT_REGS: [gimli::Register; 17] = [
    X86_64::R8,
    X86_64::R9,
    X86_64::R10,
    X86_64::R11,
    X86_64::R12,
    X86_64::R13,
    X86_64::R14,
    X86_64::R15,
    X86_64::RDI,
    X86_64::RSI,
    X86_64::RBP,
    X86_64::RBX,
    X86_64::RDX,
    X86_64::RAX,
    X86_64::RCX,
    X86_64::RSP,
    X86_64::RA,
];

/// Unwinds from `regs` (a stopped thread) for at most `max_frames` frames.
pub fn unwind(
    program: &Program,
    regs: &Registers,
    mem: &dyn Memory,
    max_frames: usize,
) -> Vec<PhysicalFrame> {
    let mut frames = vec![PhysicalFrame {
        regs: regs.clone(),
        cfa: None,
        exact_pc: true,
        signal_trampoline: false,
    }];
    while frames.len() < max_frames {
        let Some(last) = frames.last_mut() else { break };
        let Some(next) = step(program, last, mem) else {
            break;
        };
        let last = &frames[frames.len() - 1];
        let (pc, sp) = (next.pc(), next.regs.sp().unwrap_or(0));
        if pc == 0 || (!last.signal_trampoline && sp <= last.regs.sp().unwrap_or(0)) {
            break;
        }
        frames.push(next);
    }
    frames
}

/// Computes the caller of `frame`, filling in `frame.cfa`.
fn step(program: &Program, frame: &mut PhysicalFrame, mem: &dyn Memory) -> Option<PhysicalFrame> {
    let pc = frame.pc();
    if let Some((row, bias)) = cfi_row(program, frame) {
        frame.signal_trampoline = row.signal_trampoline;
        return step_cfi(frame, &row, bias, mem);
    }
    let mut code = [0u8; 9];
    if mem.read(pc, &mut code).is_ok() && code == RESTORE_RT {
        frame.signal_trampoline = true;
        return step_sigreturn(frame, mem);
    }
    step_frame_pointer(frame, mem)
}

fn cfi_row(program: &Program, frame: &PhysicalFrame) -> Option<(CfiRow, u64)> {
    let pc = frame.pc();
    let (module, bias) = program.module_at(pc)?;
    let cfi = module.cfi();
    // A signal trampoline's own pc is exact: its FDE says so.
    if let Some(row) = cfi.row(pc.wrapping_sub(bias)) {
        if row.signal_trampoline || frame.exact_pc {
            return Some((row, bias));
        }
    }
    let row = cfi.row(frame.lookup_pc().wrapping_sub(bias))?;
    Some((row, bias))
}

fn step_cfi(
    frame: &mut PhysicalFrame,
    row: &CfiRow,
    bias: u64,
    mem: &dyn Memory,
) -> Option<PhysicalFrame> {
    let encoding = gimli::Encoding {
        format: gimli::Format::Dwarf32,
        version: 4,
        address_size: 8,
    };
    let ctx = ExprContext {
        regs: &frame.regs,
        mem,
        frame_base: None,
        cfa: None,
        bias,
        unit: None,
        tls_base: None,
    };
    let cfa = match row.row.cfa() {
        gimli::CfaRule::RegisterAndOffset { register, offset } => {
            frame.regs.get(*register)?.wrapping_add_signed(*offset)
        }
        gimli::CfaRule::Expression(e) => {
            evaluate_address(row.section.expression(e)?, encoding, &ctx).ok()?
        }
    };
    frame.cfa = Some(cfa);
    let ctx = ExprContext {
        cfa: Some(cfa),
        ..ctx
    };
    let mut caller = Registers::new();
    if !row.signal_trampoline {
        for r in CALLEE_SAVED {
            if let Some(v) = frame.regs.get(r) {
                caller.set(r, v);
            }
        }
    }
    caller.set(X86_64::RSP, cfa);
    let mut ra_defined = false;
    for (reg, rule) in row.row.registers() {
        let value = match rule {
            gimli::RegisterRule::Undefined => {
                caller.clear(*reg);
                continue;
            }
            gimli::RegisterRule::SameValue => frame.regs.get(*reg),
            gimli::RegisterRule::Offset(o) => read_u64(mem, cfa.wrapping_add_signed(*o)).ok(),
            gimli::RegisterRule::ValOffset(o) => Some(cfa.wrapping_add_signed(*o)),
            gimli::RegisterRule::Register(r) => frame.regs.get(*r),
            gimli::RegisterRule::Expression(e) => row
                .section
                .expression(e)
                .and_then(|e| evaluate_address(e, encoding, &ctx).ok())
                .and_then(|a| read_u64(mem, a).ok()),
            gimli::RegisterRule::ValExpression(e) => row
                .section
                .expression(e)
                .and_then(|e| evaluate_address(e, encoding, &ctx).ok()),
            gimli::RegisterRule::Constant(c) => Some(*c),
            gimli::RegisterRule::Architectural => None,
            _ => None,
        };
        match value {
            Some(v) => {
                caller.set(*reg, v);
                if *reg == X86_64::RA {
                    ra_defined = true;
                }
            }
            None => caller.clear(*reg),
        }
    }
    if !ra_defined {
        // No rule for the return address: the outermost frame (e.g. `_start`).
        return None;
    }
    Some(PhysicalFrame {
        regs: caller,
        cfa: None,
        exact_pc: row.signal_trampoline,
        signal_trampoline: false,
    })
}

fn step_sigreturn(frame: &mut PhysicalFrame, mem: &dyn Memory) -> Option<PhysicalFrame> {
    let sp = frame.regs.sp()?;
    let base = sp + UCONTEXT_MCONTEXT;
    let mut caller = Registers::new();
    for (i, reg) in SIGCONTEXT_REGS.iter().enumerate() {
        caller.set(*reg, read_u64(mem, base + 8 * i as u64).ok()?);
    }
    frame.cfa = caller.sp();
    Some(PhysicalFrame {
        regs: caller,
        cfa: None,
        exact_pc: true,
        signal_trampoline: false,
    })
}

fn step_frame_pointer(frame: &mut PhysicalFrame, mem: &dyn Memory) -> Option<PhysicalFrame> {
    let rbp = frame.regs.get(X86_64::RBP)?;
    let sp = frame.regs.sp()?;
    if rbp < sp || rbp % 8 != 0 {
        return None;
    }
    let saved_rbp = read_u64(mem, rbp).ok()?;
    let ra = read_u64(mem, rbp + 8).ok()?;
    let mut caller = Registers::new();
    for r in CALLEE_SAVED {
        if let Some(v) = frame.regs.get(r) {
            caller.set(r, v);
        }
    }
    caller.set(X86_64::RBP, saved_rbp);
    caller.set(X86_64::RSP, rbp + 16);
    caller.set(X86_64::RA, ra);
    frame.cfa = Some(rbp + 16);
    Some(PhysicalFrame {
        regs: caller,
        cfa: None,
        exact_pc: false,
        signal_trampoline: false,
    })
}
