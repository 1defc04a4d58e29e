//! Conversions between the kernel's register struct and the trace's `Regs`.

use crate::trace::Regs;

/// Names of the registers in `Regs` order (that of `user_regs_struct`).
pub const REG_NAMES: [&str; 27] = [
    "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi",
    "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs",
    "gs",
];

/// Index of a register in `Regs` by name.
pub const fn reg_index(name: &str) -> usize {
    let mut i = 0;
    while i < REG_NAMES.len() {
        if const_str_eq(REG_NAMES[i], name) {
            return i;
        }
        i += 1;
    }
    panic!("unknown register name");
}

const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl Regs {
    /// Index of r10, the fourth syscall argument.
    pub const R10: usize = reg_index("r10");
    /// Index of r11, where the `syscall` instruction saves rflags.
    pub const R11: usize = reg_index("r11");
    /// Index of r8, the fifth syscall argument.
    pub const R8: usize = reg_index("r8");
    /// Index of r9, the sixth syscall argument.
    pub const R9: usize = reg_index("r9");
    /// Index of rax, a syscall's number at entry and its result at exit.
    pub const RAX: usize = reg_index("rax");
    /// Index of rcx, where the `syscall` instruction saves the return address.
    pub const RCX: usize = reg_index("rcx");
    /// Index of rdx, the third syscall argument.
    pub const RDX: usize = reg_index("rdx");
    /// Index of rsi, the second syscall argument.
    pub const RSI: usize = reg_index("rsi");
    /// Index of rdi, the first syscall argument.
    pub const RDI: usize = reg_index("rdi");
    /// Index of orig_rax, the number of the syscall the kernel is making or restarting.
    pub const ORIG_RAX: usize = reg_index("orig_rax");
    /// Index of rip, the instruction pointer.
    pub const RIP: usize = reg_index("rip");
    /// Index of eflags.
    pub const EFLAGS: usize = reg_index("eflags");
    /// Index of rsp, the stack pointer.
    pub const RSP: usize = reg_index("rsp");

    /// The instruction pointer.
    pub fn rip(&self) -> u64 {
        self.0[Self::RIP]
    }
    /// The stack pointer.
    pub fn rsp(&self) -> u64 {
        self.0[Self::RSP]
    }
    /// rax: a syscall's number at entry, its result at exit.
    pub fn rax(&self) -> u64 {
        self.0[Self::RAX]
    }
    /// The syscall number the kernel keeps for the syscall being made or restarted.
    pub fn orig_rax(&self) -> u64 {
        self.0[Self::ORIG_RAX]
    }
    /// The six syscall argument registers in order.
    pub fn syscall_args(&self) -> [u64; 6] {
        [
            self.0[Self::RDI],
            self.0[Self::RSI],
            self.0[Self::RDX],
            self.0[Self::R10],
            self.0[Self::R8],
            self.0[Self::R9],
        ]
    }
    /// The effect of an `rdtsc` (`aux: None`, 2 bytes) or `rdtscp` (3 bytes)
    /// that returned `tsc`: edx:eax (and ecx), and rip past the instruction.
    pub fn apply_rdtsc(&mut self, tsc: u64, aux: Option<u32>, len: u64) {
        self.0[Self::RAX] = tsc & 0xffff_ffff;
        self.0[Self::RDX] = tsc >> 32;
        if let Some(aux) = aux {
            self.0[Self::RCX] = aux as u64;
        }
        self.0[Self::RIP] += len;
    }

    /// Sets the six syscall argument registers in order (rdi, rsi, rdx, r10, r8, r9).
    pub fn set_syscall_args(&mut self, args: &[u64; 6]) {
        self.0[Self::RDI] = args[0];
        self.0[Self::RSI] = args[1];
        self.0[Self::RDX] = args[2];
        self.0[Self::R10] = args[3];
        self.0[Self::R8] = args[4];
        self.0[Self::R9] = args[5];
    }
}

/// One register that differs between recording and replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegDiff {
    /// The register's name (`"rax"`).
    pub name: &'static str,
    /// Its recorded value.
    pub recorded: u64,
    /// Its value in the replay.
    pub replayed: u64,
}

/// eflags bits that legitimately differ between runs: TF (8) and RF (16).
const EFLAGS_IGNORED: u64 = (1 << 8) | (1 << 16);

/// Registers that differ between a recorded and a replayed state.
pub fn regs_diff(recorded: &Regs, replayed: &Regs) -> Vec<RegDiff> {
    let mut diffs = Vec::new();
    for (i, name) in REG_NAMES.iter().enumerate() {
        let (mut a, mut b) = (recorded.0[i], replayed.0[i]);
        // r11 holds the flags the syscall instruction saved: TF shows there
        // when the thread was single-stepped into the syscall.
        if i == Regs::EFLAGS || i == Regs::R11 {
            a &= !EFLAGS_IGNORED;
            b &= !EFLAGS_IGNORED;
        }
        if a != b {
            diffs.push(RegDiff {
                name,
                recorded: recorded.0[i],
                replayed: replayed.0[i],
            });
        }
    }
    diffs
}

pub(super) fn from_user_regs(r: &libc::user_regs_struct) -> Regs {
    Regs([
        r.r15, r.r14, r.r13, r.r12, r.rbp, r.rbx, r.r11, r.r10, r.r9, r.r8, r.rax, r.rcx, r.rdx,
        r.rsi, r.rdi, r.orig_rax, r.rip, r.cs, r.eflags, r.rsp, r.ss, r.fs_base, r.gs_base, r.ds,
        r.es, r.fs, r.gs,
    ])
}

pub(super) fn to_user_regs(r: &Regs) -> libc::user_regs_struct {
    let v = &r.0;
    libc::user_regs_struct {
        r15: v[0],
        r14: v[1],
        r13: v[2],
        r12: v[3],
        rbp: v[4],
        rbx: v[5],
        r11: v[6],
        r10: v[7],
        r9: v[8],
        r8: v[9],
        rax: v[10],
        rcx: v[11],
        rdx: v[12],
        rsi: v[13],
        rdi: v[14],
        orig_rax: v[15],
        rip: v[16],
        cs: v[17],
        eflags: v[18],
        rsp: v[19],
        ss: v[20],
        fs_base: v[21],
        gs_base: v[22],
        ds: v[23],
        es: v[24],
        fs: v[25],
        gs: v[26],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_indices_follow_user_regs_struct() {
        let mut r = Regs::default();
        for (i, v) in r.0.iter_mut().enumerate() {
            *v = i as u64;
        }
        let raw = to_user_regs(&r);
        assert_eq!(raw.rip, Regs::RIP as u64);
        assert_eq!(raw.orig_rax, Regs::ORIG_RAX as u64);
        assert_eq!(raw.rsp, Regs::RSP as u64);
        assert_eq!(from_user_regs(&raw), r);
    }

    #[test]
    fn diff_ignores_trap_and_resume_flags() {
        let a = Regs::default();
        let mut b = a;
        b.0[Regs::EFLAGS] = 1 << 16;
        assert!(regs_diff(&a, &b).is_empty());
        b.0[Regs::RAX] = 1;
        let d = regs_diff(&a, &b);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].name, "rax");
    }
}
