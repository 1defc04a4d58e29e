//! The code a finder runs at each arrival, assembled for one site and one
//! page. It leaves rflags alone (it uses only `mov`, `lea`, `jrcxz` and
//! `jmp`) and the stack too (its one scratch register, rcx, is saved in the
//! page): the program's red zone and flags stay exactly as they were, and
//! an arrival that is not wanted costs a handful of instructions.
//!
//! ```text
//! entry:   mov [save_rcx], rcx
//!          (arrival)   mov rcx, [remaining] ; lea rcx, [rcx-1] ; mov [remaining], rcx
//!                      jrcxz hit ; jmp pass
//!          (registers) mov rcx, [arrivals] ; lea rcx, [rcx+1] ; mov [arrivals], rcx
//!                      for each of 15 registers r (all but rcx, which the caller checks):
//!                      mov rcx, [minus_r] ; lea rcx, [r+rcx] ; jrcxz next ; jmp pass ; next:
//!                      (with a stack sum: rax, rdx, rsi saved; rax = the sum of the
//!                      first 8 words from rsp, a `loop` over `lea`s; rcx = rax - wanted;
//!                      jrcxz on ; jmp differs ; on: the same over the rest, from that
//!                      total; rax, rdx, rsi restored; `differs:` restores them too)
//!          (condition) the arrivals count as above; rcx = the integer at [rsp/rbp+d]
//!                      or [addr] (zero-extended); rdx saved; rcx += -value; rdx restored
//!                      (==) jrcxz hit ; jmp pass   (!=) jrcxz pass
//!          (arrival noting) the arrivals count; the condition's test; where it holds,
//!                      noted_before = noted, noted = arrivals; then the countdown as above
//! hit:     mov rcx, [save_rcx] ; int3            ← a candidate: registers exactly as at the site
//! pass:    mov rcx, [save_rcx]
//! resume:  <the site's instructions (one, or a few short ones), re-encoded here> ; jmp site+len
//! data:    save_rcx, save_rax, save_rdx, save_rsi, remaining, arrivals, minus_near, minus_sum,
//!          minus_rax … minus_r15 (two's complement of the wanted values)
//! ```

use iced_x86::code_asm::*;
use iced_x86::{BlockEncoderOptions, IcedError, Instruction};

use crate::trace::{Regs, StackSum};
use crate::tracee::reg_index;

/// What the stub looks for at each arrival.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// The `n`-th arrival from now (n ≥ 1).
    Arrival(u64),
    /// An arrival where the condition holds.
    Condition(Condition),
    /// The `count`-th arrival from now, noting the last two arrivals on the
    /// way where `condition` held.
    ArrivalNoting {
        /// Which arrival (≥ 1).
        count: u64,
        /// What is noted.
        condition: Condition,
    },
    /// An arrival where the 16 general registers are these (rip and rflags
    /// are the caller's to check) and, if given, the stack above rsp sums
    /// to this.
    Registers {
        /// The registers, in the stub's order.
        regs: [u64; 16],
        /// The stack's sum.
        stack: Option<StackSum>,
    },
}

/// A breakpoint condition simple enough to test in the stub: an integer of
/// `size` bytes (1, 2, 4 or 8) at `base + offset` (rsp or rbp; `None`: an
/// absolute address) compared with `value` (its low `size` bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Condition {
    /// The base register, by name: `"rsp"` or `"rbp"`; `None` for a fixed address.
    pub base: Option<FrameRegister>,
    /// Added to the base (or the address itself).
    pub offset: i64,
    /// Bytes compared.
    pub size: u8,
    /// The constant.
    pub value: u64,
    /// `==` (true) or `!=` (false).
    pub equal: bool,
}

/// The registers a [`Condition`]'s memory may be addressed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameRegister {
    /// The stack pointer.
    Rsp,
    /// The frame pointer.
    Rbp,
}

impl Condition {
    /// The address it reads for a thread with registers `regs`.
    pub fn address(&self, regs: &Regs) -> u64 {
        match self.base {
            Some(FrameRegister::Rsp) => regs.rsp().wrapping_add(self.offset as u64),
            Some(FrameRegister::Rbp) => regs.0[reg_index("rbp")].wrapping_add(self.offset as u64),
            None => self.offset as u64,
        }
    }

    /// The constant masked to `size` bytes.
    pub fn masked_value(&self) -> u64 {
        match self.size {
            8 => self.value,
            n => self.value & ((1u64 << (8 * u32::from(n))) - 1),
        }
    }

    /// Whether it holds for the `size` little-endian bytes read at its address.
    pub fn holds(&self, bytes: &[u8]) -> bool {
        let mut word = [0u8; 8];
        let n = usize::from(self.size).min(8).min(bytes.len());
        word[..n].copy_from_slice(&bytes[..n]);
        (u64::from_le_bytes(word) == self.masked_value()) == self.equal
    }
}

impl Want {
    /// An arrival with the general registers of `regs` and the stack `stack`.
    pub fn registers(regs: &Regs, stack: Option<StackSum>) -> Want {
        Want::Registers {
            regs: general(regs),
            stack,
        }
    }
}

/// The 16 general registers in the order the stub compares them.
const ORDER: [&str; 16] = [
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13",
    "r14", "r15",
];

/// The general registers of `regs` in the stub's order.
pub(super) fn general(regs: &Regs) -> [u64; 16] {
    ORDER.map(|name| regs.0[reg_index(name)])
}

/// An assembled stub and the addresses the engine needs in it.
pub(super) struct Stub {
    pub bytes: Vec<u8>,
    /// Where the candidate's `int3` is (rip is one past it at the trap).
    pub trap_at: u64,
    /// Where a thread standing at the site resumes without being looked at again.
    pub resume_at: u64,
    /// The countdown of `Want::Arrival`.
    pub remaining_at: u64,
    /// The count of arrivals of `Want::Registers` and the conditions.
    pub arrivals_at: u64,
    /// The last arrival where `Want::ArrivalNoting`'s condition held (0: none).
    pub noted_at: u64,
    /// The one before it.
    pub noted_before_at: u64,
    /// Where the copy of each displaced instruction after the first is.
    pub copies: Vec<u64>,
    /// Where the jump back to the site's end is.
    pub back_at: u64,
}

/// Where the data begins, from the stub's start: on a page of its own, as
/// stores near code being executed make the CPU flush its pipeline.
pub(super) const DATA_OFFSET: u64 = 4096;

/// Assembles the stub for the instructions `site` (decoded at their
/// addresses, consecutive, the jump's bytes) at address `page` (two pages:
/// code, then data).
/// The error says why not (for the log: the caller falls back).
pub(super) fn assemble(page: u64, site: &[Instruction], want: &Want) -> Result<Stub, String> {
    if site.is_empty() {
        return Err("a finder's site has no instruction".into());
    }
    if let Want::Condition(c) | Want::ArrivalNoting { condition: c, .. } = want {
        if c.base.is_some() && i32::try_from(c.offset).is_err() {
            return Err(format!("condition offset {} beyond 32 bits", c.offset));
        }
    }
    // The code's length does not depend on where the data is: measure it,
    // then pad it so that the data begins on the second page.
    let (_, data_at) = assemble_padded(page, site, want, 0).map_err(|e| e.to_string())?;
    let code_len = data_at - page;
    if code_len > DATA_OFFSET {
        return Err(format!(
            "the stub's code ({code_len} bytes) exceeds its page"
        ));
    }
    let (stub, data_at) = assemble_padded(page, site, want, (DATA_OFFSET - code_len) as usize)
        .map_err(|e| e.to_string())?;
    if data_at != page + DATA_OFFSET {
        return Err(format!(
            "the stub's data is at {data_at:#x}, not on its own page"
        ));
    }
    Ok(stub)
}

/// Adds one to the stub's count of arrivals (rcx is scratch).
fn count_arrival(a: &mut CodeAssembler, arrivals: CodeLabel) -> Result<(), IcedError> {
    a.mov(rcx, qword_ptr(arrivals))?;
    a.lea(rcx, qword_ptr(rcx + 1))?;
    a.mov(qword_ptr(arrivals), rcx)
}

/// Counts `remaining` down and goes on to `pass` unless it reached zero (rcx
/// is scratch); falls through at the wanted arrival.
fn count_down(
    a: &mut CodeAssembler,
    remaining: CodeLabel,
    pass: CodeLabel,
) -> Result<(), IcedError> {
    let mut hit = a.create_label();
    a.mov(rcx, qword_ptr(remaining))?;
    a.lea(rcx, qword_ptr(rcx - 1))?;
    a.mov(qword_ptr(remaining), rcx)?;
    a.jrcxz(hit)?;
    a.jmp(pass)?;
    a.set_label(&mut hit)
}

/// Leaves rcx zero exactly when the integer `c` reads equals its value
/// (rdx saved and restored in `save_rdx`; `minus_value` holds -value).
fn condition_test(
    a: &mut CodeAssembler,
    c: &Condition,
    minus_value: CodeLabel,
    save_rdx: CodeLabel,
) -> Result<(), IcedError> {
    // `assemble` checked that a base's offset fits 32 bits.
    let disp = i32::try_from(c.offset).unwrap_or(0);
    let at = match c.base {
        Some(FrameRegister::Rsp) => qword_ptr(rsp + disp),
        Some(FrameRegister::Rbp) => qword_ptr(rbp + disp),
        None => {
            a.mov(rcx, c.offset as u64)?;
            qword_ptr(rcx)
        }
    };
    match c.size {
        1 => a.movzx(ecx, byte_ptr(at))?,
        2 => a.movzx(ecx, word_ptr(at))?,
        4 => a.mov(ecx, dword_ptr(at))?,
        _ => a.mov(rcx, at)?,
    }
    a.mov(qword_ptr(save_rdx), rdx)?;
    a.mov(rdx, qword_ptr(minus_value))?;
    a.lea(rcx, qword_ptr(rcx + rdx))?;
    a.mov(rdx, qword_ptr(save_rdx))?;
    Ok(())
}

fn assemble_padded(
    page: u64,
    site: &[Instruction],
    want: &Want,
    pad: usize,
) -> Result<(Stub, u64), IcedError> {
    let mut a = CodeAssembler::new(64)?;
    let mut pass = a.create_label();
    let mut trap = a.create_label();
    let mut resume = a.create_label();
    let mut save_rcx = a.create_label();
    let mut save_rax = a.create_label();
    let mut save_rdx = a.create_label();
    let mut save_rsi = a.create_label();
    let mut minus_sum = a.create_label();
    let mut minus_near = a.create_label();
    let mut minus_value = a.create_label();
    let mut noted = a.create_label();
    let mut noted_before = a.create_label();
    // Where a stack sum that differs restores rax, rdx, rsi before `pass`.
    let mut differs = a.create_label();
    let mut remaining = a.create_label();
    let mut arrivals = a.create_label();
    let mut minus: Vec<CodeLabel> = (0..16).map(|_| a.create_label()).collect();

    a.mov(qword_ptr(save_rcx), rcx)?;
    match want {
        Want::Arrival(_) => {
            count_down(&mut a, remaining, pass)?;
        }
        Want::ArrivalNoting { condition: c, .. } => {
            count_arrival(&mut a, arrivals)?;
            condition_test(&mut a, c, minus_value, save_rdx)?;
            let mut note = a.create_label();
            let mut count = a.create_label();
            if c.equal {
                a.jrcxz(note)?;
                a.jmp(count)?;
            } else {
                a.jrcxz(count)?;
            }
            a.set_label(&mut note)?;
            a.mov(rcx, qword_ptr(noted))?;
            a.mov(qword_ptr(noted_before), rcx)?;
            a.mov(rcx, qword_ptr(arrivals))?;
            a.mov(qword_ptr(noted), rcx)?;
            a.set_label(&mut count)?;
            count_down(&mut a, remaining, pass)?;
        }
        Want::Condition(c) => {
            count_arrival(&mut a, arrivals)?;
            condition_test(&mut a, c, minus_value, save_rdx)?;
            let mut hit = a.create_label();
            if c.equal {
                a.jrcxz(hit)?;
                a.jmp(pass)?;
            } else {
                a.jrcxz(pass)?;
            }
            a.set_label(&mut hit)?;
        }
        Want::Registers { stack, .. } => {
            count_arrival(&mut a, arrivals)?;
            let order = [
                rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp, r8, r9, r10, r11, r12, r13, r14, r15,
            ];
            for (reg, label) in order.into_iter().zip(&minus) {
                if reg == rcx {
                    continue;
                }
                let mut next = a.create_label();
                a.mov(rcx, qword_ptr(*label))?;
                a.lea(rcx, qword_ptr(reg + rcx))?;
                a.jrcxz(next)?;
                a.jmp(pass)?;
                a.set_label(&mut next)?;
            }
            if let Some(stack) = stack.filter(|s| s.len >= 8) {
                // The first words (the current frame, mostly) first: most
                // arrivals differ there, and the whole sum costs ~len/8 cycles.
                a.mov(qword_ptr(save_rax), rax)?;
                a.mov(qword_ptr(save_rdx), rdx)?;
                a.mov(qword_ptr(save_rsi), rsi)?;
                a.mov(rsi, rsp)?;
                a.mov(eax, 0)?;
                let near = stack.near_words();
                let parts = [(near, minus_near), (stack.len / 8 - near, minus_sum)];
                for (words, minus) in parts {
                    if words == 0 {
                        continue;
                    }
                    let mut top = a.create_label();
                    let mut summed = a.create_label();
                    a.mov(ecx, words)?;
                    a.set_label(&mut top)?;
                    a.mov(rdx, qword_ptr(rsi))?;
                    a.lea(rax, qword_ptr(rax + rdx))?;
                    a.lea(rsi, qword_ptr(rsi + 8))?;
                    a.loop_(top)?;
                    a.mov(rcx, qword_ptr(minus))?;
                    a.lea(rcx, qword_ptr(rax + rcx))?;
                    a.jrcxz(summed)?;
                    a.jmp(differs)?;
                    a.set_label(&mut summed)?;
                }
                a.mov(rax, qword_ptr(save_rax))?;
                a.mov(rdx, qword_ptr(save_rdx))?;
                a.mov(rsi, qword_ptr(save_rsi))?;
            }
        }
    }
    a.mov(rcx, qword_ptr(save_rcx))?;
    a.set_label(&mut trap)?;
    a.int3()?;
    a.set_label(&mut differs)?;
    a.mov(rax, qword_ptr(save_rax))?;
    a.mov(rdx, qword_ptr(save_rdx))?;
    a.mov(rsi, qword_ptr(save_rsi))?;
    a.set_label(&mut pass)?;
    a.mov(rcx, qword_ptr(save_rcx))?;
    a.set_label(&mut resume)?;
    let mut copies: Vec<CodeLabel> = Vec::new();
    for (k, insn) in site.iter().enumerate() {
        if k > 0 {
            let mut label = a.create_label();
            a.set_label(&mut label)?;
            copies.push(label);
        }
        a.add_instruction(*insn)?;
    }
    // `assemble` made sure there is one.
    let mut back = a.create_label();
    a.set_label(&mut back)?;
    a.jmp(site.last().map_or(0, Instruction::next_ip))?;
    if pad > 0 {
        a.db(&vec![0xcc; pad])?;
    }
    a.set_label(&mut save_rcx)?;
    a.dq(&[0])?;
    a.set_label(&mut save_rax)?;
    a.dq(&[0])?;
    a.set_label(&mut save_rdx)?;
    a.dq(&[0])?;
    a.set_label(&mut save_rsi)?;
    a.dq(&[0])?;
    a.set_label(&mut minus_value)?;
    a.dq(&[match want {
        Want::Condition(c) | Want::ArrivalNoting { condition: c, .. } => {
            c.masked_value().wrapping_neg()
        }
        _ => 0,
    }])?;
    a.set_label(&mut noted)?;
    a.dq(&[0])?;
    a.set_label(&mut noted_before)?;
    a.dq(&[0])?;
    let stack = match want {
        Want::Registers { stack, .. } => *stack,
        _ => None,
    };
    a.set_label(&mut minus_near)?;
    a.dq(&[stack.map_or(0, |s| s.near.wrapping_neg())])?;
    a.set_label(&mut minus_sum)?;
    // The second loop goes on from the first's total.
    a.dq(&[stack.map_or(0, |s| s.sum.wrapping_neg())])?;
    a.set_label(&mut remaining)?;
    a.dq(&[match want {
        Want::Arrival(n) | Want::ArrivalNoting { count: n, .. } => *n,
        _ => 0,
    }])?;
    a.set_label(&mut arrivals)?;
    a.dq(&[0])?;
    let values = match want {
        Want::Registers { regs, .. } => *regs,
        _ => [0; 16],
    };
    for (label, value) in minus.iter_mut().zip(values) {
        a.set_label(label)?;
        a.dq(&[value.wrapping_neg()])?;
    }
    let out = a.assemble_options(page, BlockEncoderOptions::RETURN_NEW_INSTRUCTION_OFFSETS)?;
    let data_at = out.label_ip(&save_rcx)?;
    let stub = Stub {
        trap_at: out.label_ip(&trap)?,
        resume_at: out.label_ip(&resume)?,
        remaining_at: out.label_ip(&remaining)?,
        arrivals_at: out.label_ip(&arrivals)?,
        noted_at: out.label_ip(&noted)?,
        noted_before_at: out.label_ip(&noted_before)?,
        back_at: out.label_ip(&back)?,
        copies: copies
            .iter()
            .map(|l| out.label_ip(l))
            .collect::<Result<_, _>>()?,
        bytes: out.inner.code_buffer,
    };
    Ok((stub, data_at))
}
