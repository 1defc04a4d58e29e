//! x86-64 disassembly of target memory, for the DAP `disassemble` request, for
//! instruction stepping and for finding the call instruction of a caller frame.
//!
//! Text is Intel syntax as gdb prints it with `set disassembly-flavor intel`
//! (`mov    DWORD PTR [rbp-0x4],0x0`, `call   0x1139`), without symbol names.
//!
//! Memory is read through [`Memory`] a page at a time and cached for the length of
//! one call, so decoding many instructions costs a few reads. Bytes that cannot be
//! read or decoded stand for one byte each wherever a position has to be kept
//! (see [`disassemble_addressed`]).

use std::collections::HashMap;

use iced_x86::{
    Decoder, DecoderOptions, FlowControl, Formatter, IntelFormatter, MemorySizeOptions, OpKind,
};
use rewind_debuginfo::Memory;

/// Longest x86 instruction, in bytes.
pub const MAX_INSTRUCTION_LEN: usize = 15;

/// Granularity of the memory cache.
const PAGE: u64 = 4096;

/// Most bytes decoded linearly from a function start (or re-synchronisation point)
/// in one go: beyond that a "function start" is more likely wrong than useful.
const MAX_LINEAR_SPAN: u64 = 1 << 20;

/// Most instructions `disassemble` walks away from its anchor; further entries are
/// `None` (a DAP client asking for more is confused, and walking is linear).
pub const MAX_WALK: u64 = 1 << 16;

/// Start offsets tried when re-synchronising a backward decode.
const RESYNC_TRIES: u64 = 16;

/// One decoded instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Address of its first byte.
    pub address: u64,
    /// Its encoding (`len` bytes).
    pub bytes: Vec<u8>,
    /// Intel syntax as gdb prints it; branch targets are plain hex addresses and a
    /// RIP-relative operand is followed by `# 0xADDR`, its absolute address.
    pub text: String,
    /// Length in bytes.
    pub len: usize,
    /// A `call` (near or far, direct or indirect): it pushes a return address.
    pub is_call: bool,
    /// A return (`ret`, `retf`, `iret`, `sysret`, ...).
    pub is_ret: bool,
    /// Target of a direct (relative) branch, call, `loop` or `jrcxz`.
    pub branch_target: Option<u64>,
}

impl Instruction {
    /// Address just past it (the return address of a call).
    pub fn end(&self) -> u64 {
        self.address.wrapping_add(self.len as u64)
    }
}

/// Decodes the instruction at `addr`. `None` where its first byte cannot be read,
/// or its bytes are not a valid instruction (including one cut short by the end of
/// readable memory).
pub fn decode_at(mem: &dyn Memory, addr: u64) -> Option<Instruction> {
    let mut code = Code::new(mem);
    let ins = code.decode(addr)?;
    Some(code.convert(&ins, &mut formatter()))
}

/// Decodes linearly the instructions that start in `start..end` (the last one may
/// reach past `end`). Stops early at the first one that cannot be read or decoded.
#[cfg(test)]
pub fn decode_range(mem: &dyn Memory, start: u64, end: u64) -> Vec<Instruction> {
    let mut code = Code::new(mem);
    let mut fmt = formatter();
    let mut out = Vec::new();
    let mut addr = start;
    while addr < end {
        let Some(ins) = code.decode(addr) else { break };
        out.push(code.convert(&ins, &mut fmt));
        match addr.checked_add(ins.len() as u64) {
            Some(next) => addr = next,
            None => break,
        }
    }
    out
}

/// Address of the call instruction that ends exactly at `return_address` (the
/// call site of a caller frame), or `None` where there is none.
///
/// With `function_start` (the start of the function holding the call), the
/// function is decoded linearly from there: when that decode reaches
/// `return_address` exactly, its verdict is final (`None` if the instruction
/// ending there is not a call). Without it, or when that decode steps over
/// `return_address`, each start 2..=15 bytes back that decodes as a call of exactly
/// that length is a candidate; several candidates (`e8 00 00 ff d0` is both a
/// `call rel32` and, at -2, `call rax`) are ranked by how often a re-synchronising
/// linear decode from further back ends on them, then the `e8` form at -5, then the
/// longest (a REX prefix before `ff d3` belongs to it).
pub fn call_before(
    mem: &dyn Memory,
    return_address: u64,
    function_start: Option<u64>,
) -> Option<u64> {
    let mut code = Code::new(mem);
    if let Some(start) = function_start {
        if start < return_address && return_address - start <= MAX_LINEAR_SPAN {
            let steps = code.linear(start, return_address);
            if landed(&steps, return_address) {
                let last = steps.last()?;
                return match &last.ins {
                    Some(ins) if is_call(ins) => Some(last.addr),
                    _ => None,
                };
            }
        }
    }

    let candidates: Vec<u64> = (2..=MAX_INSTRUCTION_LEN as u64)
        .filter_map(|k| {
            let addr = return_address.checked_sub(k)?;
            let ins = code.decode(addr)?;
            (ins.len() as u64 == k && is_call(&ins)).then_some(addr)
        })
        .collect();
    if candidates.len() <= 1 {
        return candidates.first().copied();
    }

    // Votes: the instruction that linear decodes from a little further back end on
    // at `return_address`. x86 decoding re-synchronises within a few instructions,
    // so most starts agree on the real boundary.
    let mut votes: HashMap<u64, usize> = HashMap::new();
    let far = return_address.saturating_sub(64);
    for delta in 0..RESYNC_TRIES {
        let start = far + delta;
        if start >= return_address {
            break;
        }
        let steps = code.linear(start, return_address);
        if landed(&steps, return_address) {
            if let Some(last) = steps.last() {
                *votes.entry(last.addr).or_default() += 1;
            }
        }
    }
    candidates.into_iter().max_by_key(|&addr| {
        let votes = votes.get(&addr).copied().unwrap_or(0);
        let len = return_address - addr;
        (votes, len == 5, len)
    })
}

/// The DAP `disassemble` request: exactly `count` entries, the first
/// `instruction_offset` instructions away from the instruction at `anchor`
/// (negative: before it). `None` marks bytes that cannot be read or decoded.
/// `function_start(addr)` gives the start of the function holding `addr`, where
/// known; backward decoding starts there, so that it lines up with the code.
///
/// Entry addresses follow from the entries: see [`disassemble_addressed`].
#[cfg(test)]
pub fn disassemble(
    mem: &dyn Memory,
    anchor: u64,
    instruction_offset: i64,
    count: usize,
    function_start: impl Fn(u64) -> Option<u64>,
) -> Vec<Option<Instruction>> {
    disassemble_addressed(mem, anchor, instruction_offset, count, function_start)
        .into_iter()
        .map(|(_, ins)| ins)
        .collect()
}

/// [`disassemble`] with the address of each entry, for placeholders of the `None`
/// ones. Entries tile memory without gaps: each `Some` covers its instruction's
/// bytes and each `None` covers exactly one byte, and the entry at index
/// `-instruction_offset` (when in range) starts at `anchor`. Instruction
/// boundaries therefore always line up with `anchor`, whatever comes before it.
///
/// Backwards, instructions are found by decoding linearly from the start of the
/// function holding the bytes before (`function_start`), going on to earlier
/// functions as needed; where no function start is known or its decode does not
/// end exactly on the boundary, from a point 16 bytes per wanted instruction
/// (+ 64) further back, trying 16 consecutive start offsets and keeping a decode
/// that ends exactly on the boundary with the fewest undecodable bytes.
///
/// Entries more than [`MAX_WALK`] instructions away from `anchor` are `None`
/// placeholders, still one byte each.
pub fn disassemble_addressed(
    mem: &dyn Memory,
    anchor: u64,
    instruction_offset: i64,
    count: usize,
    function_start: impl Fn(u64) -> Option<u64>,
) -> Vec<(u64, Option<Instruction>)> {
    let mut code = Code::new(mem);
    let mut fmt = formatter();
    // Relative indices of the wanted entries: first..last (0 is the anchor's).
    let first = i128::from(instruction_offset);
    let last = first + count as i128;
    let walk = i128::from(MAX_WALK);
    // A one-byte placeholder at index `i`, where index `at` is at `from`.
    let placeholder = |i: i128, at: i128, from: u64| Step {
        addr: from.wrapping_add((i - at) as u64),
        ins: None,
        unreadable: false,
    };
    let mut out = Vec::with_capacity(count.min(1 << 16));

    if first < 0 {
        // Indices first..min(last, 0): walk back `need` instructions (none when
        // all wanted ones are out of reach), placeholders below those.
        let need = if last <= -walk { 0 } else { (-first).min(walk) };
        let before = code.before(anchor, need as usize, &function_start);
        let lowest = before.first().map_or(anchor, |s| s.addr);
        out.extend((first..last.min(-need)).map(|i| placeholder(i, -need, lowest)));
        let keep = (last.min(0) + need).max(0) as usize;
        out.extend(before.into_iter().take(keep));
    }
    if last > 0 {
        // Indices max(first, 0)..last: walk forward, placeholders past the reach.
        let walk_to = if first >= walk { 0 } else { last.min(walk) };
        let mut addr = anchor;
        for i in 0..walk_to {
            let step = code.step(addr);
            addr = addr.wrapping_add(step.len());
            if i >= first {
                out.push(step);
            }
        }
        out.extend((first.max(walk_to)..last).map(|i| placeholder(i, walk_to, addr)));
    }
    out.into_iter()
        .map(|step| {
            let ins = step.ins.map(|ins| code.convert(&ins, &mut fmt));
            (step.addr, ins)
        })
        .collect()
}

/// Formatter options as close to gdb's (and objdump's) Intel flavour as iced has.
fn formatter() -> IntelFormatter {
    let mut fmt = IntelFormatter::new();
    let o = fmt.options_mut();
    o.set_hex_prefix("0x");
    o.set_hex_suffix("");
    o.set_uppercase_hex(false);
    o.set_small_hex_numbers_in_decimal(false);
    o.set_add_leading_zero_to_hex_numbers(false);
    o.set_branch_leading_zeros(false);
    o.set_show_branch_size(false);
    o.set_uppercase_keywords(true);
    o.set_always_show_scale(true);
    // `nop DWORD PTR [rax+rax*1+0x0]`: an encoded zero displacement is shown.
    o.set_show_zero_displacements(true);
    o.set_memory_size_options(MemorySizeOptions::Always);
    // gdb prints `[rip+0x2e6a]` and the absolute address in a comment (added below).
    o.set_rip_relative_addresses(true);
    o.set_space_after_operand_separator(false);
    // gdb pads mnemonics to 6 columns plus a space.
    o.set_first_operand_char_index(7);
    fmt
}

fn is_call(ins: &iced_x86::Instruction) -> bool {
    ins.is_call_near()
        || ins.is_call_near_indirect()
        || ins.is_call_far()
        || ins.is_call_far_indirect()
}

fn branch_target(ins: &iced_x86::Instruction) -> Option<u64> {
    (0..ins.op_count())
        .any(|i| {
            matches!(
                ins.op_kind(i),
                OpKind::NearBranch16 | OpKind::NearBranch32 | OpKind::NearBranch64
            )
        })
        .then(|| ins.near_branch_target())
}

/// One position of a linear decode: an instruction, or `None` for one byte that
/// cannot be read or does not start a valid instruction.
struct Step {
    addr: u64,
    ins: Option<iced_x86::Instruction>,
    /// `ins` is `None` because `addr` cannot be read (rather than invalid code).
    unreadable: bool,
}

impl Step {
    fn len(&self) -> u64 {
        self.ins.as_ref().map_or(1, |i| i.len() as u64)
    }
}

/// Whether a linear decode ends exactly at `end` (rather than stepping over it).
fn landed(steps: &[Step], end: u64) -> bool {
    steps
        .last()
        .is_some_and(|s| s.addr.wrapping_add(s.len()) == end)
}

/// Target memory for one operation: whole pages, read once.
struct Code<'a> {
    mem: &'a dyn Memory,
    /// Page address → its bytes, or `None` where the page as a whole failed.
    pages: HashMap<u64, Option<Box<[u8]>>>,
    /// Scratch buffer for one instruction's bytes.
    buf: Vec<u8>,
}

impl<'a> Code<'a> {
    fn new(mem: &'a dyn Memory) -> Self {
        Code {
            mem,
            pages: HashMap::new(),
            buf: Vec::with_capacity(MAX_INSTRUCTION_LEN),
        }
    }

    fn page(&mut self, page: u64) -> Option<&[u8]> {
        let mem = self.mem;
        self.pages
            .entry(page)
            .or_insert_with(|| {
                let mut data = vec![0u8; PAGE as usize].into_boxed_slice();
                mem.read(page, &mut data).ok().map(|()| data)
            })
            .as_deref()
    }

    /// Fills `self.buf` with the readable bytes at `addr`, at most
    /// `MAX_INSTRUCTION_LEN` (fewer at the end of readable memory, none when `addr`
    /// cannot be read).
    fn fetch(&mut self, addr: u64) {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let mut at = addr;
        while buf.len() < MAX_INSTRUCTION_LEN {
            let page = at & !(PAGE - 1);
            let want = MAX_INSTRUCTION_LEN - buf.len();
            if let Some(data) = self.page(page) {
                let off = (at - page) as usize;
                let take = want.min(data.len() - off);
                buf.extend_from_slice(&data[off..off + take]);
                match at.checked_add(take as u64) {
                    Some(next) => at = next,
                    None => break,
                }
            } else {
                // Why: `Memory` need not fail page-wise (a mapping can end mid-page
                // in a test, a core file or a partial snapshot), so a failed page
                // read is followed by reads of just the bytes wanted.
                longest_readable(self.mem, at, want, &mut buf);
                break;
            }
        }
        self.buf = buf;
    }

    fn decode(&mut self, addr: u64) -> Option<iced_x86::Instruction> {
        self.fetch(addr);
        if self.buf.is_empty() {
            return None;
        }
        let ins = Decoder::with_ip(64, &self.buf, addr, DecoderOptions::NONE).decode();
        // A truncated instruction (readable memory ends inside it) is invalid too.
        (!ins.is_invalid()).then_some(ins)
    }

    fn step(&mut self, addr: u64) -> Step {
        let ins = self.decode(addr);
        Step {
            addr,
            unreadable: ins.is_none() && self.buf.is_empty(),
            ins,
        }
    }

    /// Decodes from `start` until reaching or passing `end`.
    fn linear(&mut self, start: u64, end: u64) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut addr = start;
        while addr < end {
            let step = self.step(addr);
            match addr.checked_add(step.len()) {
                Some(next) => addr = next,
                None => {
                    steps.push(step);
                    break;
                }
            }
            steps.push(step);
        }
        steps
    }

    /// Exactly `need` steps ending at `end`, in address order.
    fn before(
        &mut self,
        end: u64,
        need: usize,
        function_start: &impl Fn(u64) -> Option<u64>,
    ) -> Vec<Step> {
        let mut chunks: Vec<Vec<Step>> = Vec::new();
        let mut remaining = need;
        let mut end = end;
        while remaining > 0 {
            let mut chunk = self.chunk_before(end, remaining, function_start);
            if chunk.len() > remaining {
                chunk.drain(..chunk.len() - remaining);
            }
            remaining -= chunk.len();
            end = chunk[0].addr;
            chunks.push(chunk);
        }
        chunks.into_iter().rev().flatten().collect()
    }

    /// Some steps (at least one) ending exactly at `end`; `want` is how many the
    /// caller would like, which sizes the re-synchronisation distance.
    fn chunk_before(
        &mut self,
        end: u64,
        want: usize,
        function_start: &impl Fn(u64) -> Option<u64>,
    ) -> Vec<Step> {
        // The function holding the byte before `end` (not `end`'s own: at a
        // function's first instruction, the one before belongs to the previous).
        if let Some(start) = function_start(end.wrapping_sub(1)) {
            if start < end && end - start <= MAX_LINEAR_SPAN {
                let steps = self.linear(start, end);
                if landed(&steps, end) {
                    return steps;
                }
            }
        }

        let span = (want as u64)
            .saturating_mul(16)
            .saturating_add(64)
            .min(MAX_LINEAR_SPAN);
        let far = end.saturating_sub(span);
        let mut best: Option<(usize, Vec<Step>)> = None;
        for delta in 0..RESYNC_TRIES {
            let start = far + delta;
            if start >= end {
                break;
            }
            let steps = self.linear(start, end);
            if !landed(&steps, end) {
                continue;
            }
            // Why only invalid code counts: unreadable bytes are the same for every
            // start, and counting them would make all starts be tried for nothing.
            let bad = steps
                .iter()
                .filter(|s| s.ins.is_none() && !s.unreadable)
                .count();
            if best.as_ref().is_none_or(|(b, _)| bad < *b) {
                best = Some((bad, steps));
                if bad == 0 {
                    break;
                }
            }
        }
        match best {
            Some((_, steps)) => steps,
            // Nothing ends exactly at `end`: one undecodable byte keeps the tiling.
            None => vec![Step {
                addr: end.wrapping_sub(1),
                ins: None,
                unreadable: false,
            }],
        }
    }

    fn convert(&mut self, ins: &iced_x86::Instruction, fmt: &mut IntelFormatter) -> Instruction {
        let address = ins.ip();
        let len = ins.len();
        self.fetch(address);
        let bytes = self.buf[..len.min(self.buf.len())].to_vec();
        let mut text = String::new();
        fmt.format(ins, &mut text);
        if ins.is_ip_rel_memory_operand() {
            text.push_str(&format!("        # {:#x}", ins.ip_rel_memory_address()));
        }
        Instruction {
            address,
            bytes,
            text,
            len,
            is_call: is_call(ins),
            is_ret: ins.flow_control() == FlowControl::Return,
            branch_target: branch_target(ins),
        }
    }
}

/// Appends to `buf` the longest readable prefix (at most `max` bytes) of the memory
/// at `addr`. Readability of a prefix is monotone in its length, so a binary search
/// finds it in a few reads.
fn longest_readable(mem: &dyn Memory, addr: u64, max: usize, buf: &mut Vec<u8>) {
    let mut tmp = [0u8; MAX_INSTRUCTION_LEN];
    let max = max.min(MAX_INSTRUCTION_LEN);
    // Most failures are a wholly unreadable address: one probe settles those.
    if max == 0 || mem.read(addr, &mut tmp[..1]).is_err() {
        return;
    }
    if mem.read(addr, &mut tmp[..max]).is_ok() {
        buf.extend_from_slice(&tmp[..max]);
        return;
    }
    let (mut good, mut bad) = (1, max);
    while bad - good > 1 {
        let mid = (good + bad) / 2;
        if mem.read(addr, &mut tmp[..mid]).is_ok() {
            good = mid;
        } else {
            bad = mid;
        }
    }
    // Why read again: the last read may have been a longer one that failed, and a
    // failed read leaves the buffer unspecified.
    if mem.read(addr, &mut tmp[..good]).is_ok() {
        buf.extend_from_slice(&tmp[..good]);
    }
}

#[cfg(test)]
mod tests;
