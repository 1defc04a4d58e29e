//! What the debug-information layer needs from a stopped process: its registers, its
//! memory and its mappings. The engine provides these; tests provide them from ptrace.

use crate::error::MemoryError;
use std::path::PathBuf;

/// Reads memory of the (stopped) target process.
pub trait Memory {
    /// Fills `buf` with the bytes at `addr`, or fails without a partial result.
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError>;
}

/// Reads a little-endian u64 from target memory.
pub fn read_u64(mem: &dyn Memory, addr: u64) -> Result<u64, MemoryError> {
    let mut b = [0u8; 8];
    mem.read(addr, &mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// Number of DWARF register slots kept (covers GPRs, rip, eflags, fs/gs base).
const NREGS: usize = 64;

/// x86-64 registers of one frame, indexed by DWARF register number (`gimli::X86_64`).
/// A register is `None` where its value is unknown (not saved by a callee frame).
#[derive(Clone, PartialEq, Eq)]
pub struct Registers {
    regs: [Option<u64>; NREGS],
}

impl Default for Registers {
    fn default() -> Self {
        Registers {
            regs: [None; NREGS],
        }
    }
}

impl std::fmt::Debug for Registers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut m = f.debug_map();
        for (name, reg) in REGISTER_NAMES {
            if let Some(v) = self.get(*reg) {
                m.entry(name, &format_args!("{v:#x}"));
            }
        }
        m.finish()
    }
}

/// Names of the general-purpose registers (as in `$rip`) and their DWARF numbers.
pub const REGISTER_NAMES: &[(&str, gimli::Register)] = &[
    ("rax", gimli::X86_64::RAX),
    ("rbx", gimli::X86_64::RBX),
    ("rcx", gimli::X86_64::RCX),
    ("rdx", gimli::X86_64::RDX),
    ("rsi", gimli::X86_64::RSI),
    ("rdi", gimli::X86_64::RDI),
    ("rbp", gimli::X86_64::RBP),
    ("rsp", gimli::X86_64::RSP),
    ("r8", gimli::X86_64::R8),
    ("r9", gimli::X86_64::R9),
    ("r10", gimli::X86_64::R10),
    ("r11", gimli::X86_64::R11),
    ("r12", gimli::X86_64::R12),
    ("r13", gimli::X86_64::R13),
    ("r14", gimli::X86_64::R14),
    ("r15", gimli::X86_64::R15),
    ("rip", gimli::X86_64::RA),
    ("eflags", gimli::X86_64::RFLAGS),
    ("fs_base", gimli::X86_64::FS_BASE),
    ("gs_base", gimli::X86_64::GS_BASE),
];

impl Registers {
    /// No register known.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of DWARF register `reg`, if known.
    pub fn get(&self, reg: gimli::Register) -> Option<u64> {
        self.regs.get(reg.0 as usize).copied().flatten()
    }

    /// Sets DWARF register `reg` (ignored beyond the kept range).
    pub fn set(&mut self, reg: gimli::Register, value: u64) {
        if let Some(slot) = self.regs.get_mut(reg.0 as usize) {
            *slot = Some(value);
        }
    }

    /// Marks DWARF register `reg` unknown.
    pub fn clear(&mut self, reg: gimli::Register) {
        if let Some(slot) = self.regs.get_mut(reg.0 as usize) {
            *slot = None;
        }
    }

    /// Builds registers from `(name, value)` pairs named as in [`REGISTER_NAMES`]
    /// (`rax`..`r15`, `rip`, `rsp`, `rbp`, `eflags`, `fs_base`, `gs_base`); unknown
    /// names are ignored.
    pub fn from_named<'a>(pairs: impl IntoIterator<Item = (&'a str, u64)>) -> Self {
        let mut r = Registers::new();
        for (name, value) in pairs {
            if let Some(reg) = Registers::by_name(name) {
                r.set(reg, value);
            }
        }
        r
    }

    /// Looks a register up by name (`rip`, `rsp`, `eax`-style names are not supported).
    pub fn by_name(name: &str) -> Option<gimli::Register> {
        let name = name.strip_prefix('$').unwrap_or(name);
        let name = match name {
            "pc" => "rip",
            "sp" => "rsp",
            "fp" => "rbp",
            other => other,
        };
        REGISTER_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, r)| *r)
    }

    /// The program counter (rip).
    pub fn pc(&self) -> Option<u64> {
        self.get(gimli::X86_64::RA)
    }

    /// The stack pointer (rsp).
    pub fn sp(&self) -> Option<u64> {
        self.get(gimli::X86_64::RSP)
    }
}

/// One mapping of the process, as in /proc/PID/maps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
    /// Offset in the file of `start`.
    pub offset: u64,
    /// Backing file, `None` for anonymous and special (`[stack]`, `[vdso]`) mappings.
    pub path: Option<PathBuf>,
}

/// Parses the text of /proc/PID/maps (lines that do not parse are skipped).
pub fn parse_proc_maps(text: &str) -> Vec<Mapping> {
    text.lines().filter_map(parse_maps_line).collect()
}

fn parse_maps_line(line: &str) -> Option<Mapping> {
    let mut it = line.splitn(6, ' ');
    let range = it.next()?;
    let _perms = it.next()?;
    let offset = u64::from_str_radix(it.next()?, 16).ok()?;
    let _dev = it.next()?;
    let _inode = it.next()?;
    let path = it.next().map(str::trim).unwrap_or("");
    let (s, e) = range.split_once('-')?;
    let path = if path.starts_with('/') {
        Some(PathBuf::from(path.trim_end_matches(" (deleted)")))
    } else {
        None
    };
    Some(Mapping {
        start: u64::from_str_radix(s, 16).ok()?,
        end: u64::from_str_radix(e, 16).ok()?,
        offset,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_maps_lines() {
        let text = "555555554000-555555555000 r--p 00000000 08:01 123 /usr/bin/x y\n\
                    7ffff7fc1000-7ffff7fc5000 r--p 00000000 00:00 0 [vvar]\nbad\n";
        let m = parse_proc_maps(text);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].start, 0x5555_5555_4000);
        assert_eq!(
            m[0].path.as_deref(),
            Some(std::path::Path::new("/usr/bin/x y"))
        );
        assert_eq!(m[1].path, None);
    }
}
