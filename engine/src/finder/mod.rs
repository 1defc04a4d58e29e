//! In-process position finders (docs/architecture.md, "Positions and checkpoints in
//! software mode"): instead of one ptrace stop per arrival at an address, the
//! replayed thread runs a few injected instructions at each arrival that count
//! it or compare its general registers with a target, and trap only at the
//! wanted arrival or at a register-matching candidate (the caller checks the
//! rest: rflags, extended state, memory digest).
//!
//! The site's instruction is replaced by a `jmp` to a stub in a page mapped
//! for the purpose (`place.rs`) with an injected `mmap`, where the
//! instruction is re-encoded (RIP-relative operands and branches fixed up by
//! iced-x86's block encoder). A finder lives inside one run of one thread
//! between two events: the program makes no syscall meanwhile, so it can
//! neither see the page nor map over it, and no checkpoint is taken while it
//! is installed. `remove` puts the bytes back and unmaps the page. Only
//! replay uses finders; recording never does.

mod place;
mod site;
mod stub;

use std::collections::BTreeMap;
use std::ops::Range;

use thiserror::Error;
use tracing::debug;

use crate::checkpoint::{inject_syscall, CheckpointError, StopWaiter};
use crate::procmaps;
use crate::tracee::{self, ProcMem, TraceeError};
pub use site::{safe_to_step, Unpatchable, SITE_BYTES};
pub use stub::{Condition, FrameRegister, Want};

const PAGE: u64 = 4096;
/// The stub's code page and its data page.
const STUB_LEN: u64 = 2 * PAGE;
const SYSCALL_INSN: [u8; 2] = [0x0f, 0x05];

/// Why a finder could not be installed or removed.
#[derive(Debug, Error)]
pub enum FinderError {
    /// The site cannot carry one; the caller stops at every arrival instead.
    #[error("no in-process finder at {pc:#x}: {why}")]
    Unpatchable {
        /// The site.
        pc: u64,
        /// Why.
        why: Unpatchable,
    },
    /// Reading or writing the replayed process failed.
    #[error(transparent)]
    Tracee(#[from] TraceeError),
    /// The process's memory map could not be read.
    #[error("cannot read the memory map of process {pid}: {source}")]
    Maps {
        /// The process.
        pid: i32,
        /// Why.
        source: std::io::Error,
    },
    /// The injected `mmap` or `munmap` failed.
    #[error("cannot map or unmap a finder's page: {0}")]
    Inject(#[from] CheckpointError),
}

/// How often replay used finders, and why it could not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FinderStats {
    /// Finders installed.
    pub installed: u64,
    /// Traps at candidates (the wanted arrival, or registers that matched).
    pub candidates: u64,
    /// Runs that stopped at every arrival instead, by reason.
    pub fallbacks: BTreeMap<Unpatchable, u64>,
}

impl FinderStats {
    /// Counts a finder that could not be installed.
    pub fn fell_back(&mut self, why: Unpatchable) {
        *self.fallbacks.entry(why).or_default() += 1;
    }
}

/// Whether a finder can be installed at `pc`, whose instructions start
/// `bytes` (up to `SITE_BYTES` of them), in `mapping`, with a jump over
/// that one instruction only: no branch can enter the bytes it covers, so
/// no debug register guards them and the site never falls back.
pub fn patchable_alone(
    pc: u64,
    bytes: &[u8],
    mapping: &procmaps::Mapping,
) -> Result<(), Unpatchable> {
    match site::examine(pc, bytes, mapping, &[])? {
        block if block.len() == 1 => Ok(()),
        _ => Err(Unpatchable::ShortInstruction),
    }
}

/// Debug register 7 (control).
const DR7: usize = 7;

/// A finder installed in a stopped thread's process.
pub struct Finder {
    mem: ProcMem,
    site: u64,
    original: Vec<u8>,
    page: u64,
    trap_at: u64,
    resume_at: u64,
    remaining_at: u64,
    arrivals_at: u64,
    noted_at: u64,
    noted_before_at: u64,
    want: Want,
    /// The thread the debug registers guard, and the addresses of the
    /// displaced instructions after the first (each in one of them): a
    /// branch to one would run the jump's bytes, so it traps there first.
    guarded: i32,
    interior: Vec<u64>,
    /// Where in the stub the copy of each of `interior` is.
    copies: Vec<u64>,
    /// Where the stub jumps back to `site + original.len()`.
    back_at: u64,
    /// The debug registers the guard uses (DR7's enable bits of them).
    guard_bits: u64,
}

impl Finder {
    /// Installs a finder for `want` at `pc` in process `tgid`, whose thread
    /// `tid` is in a signal-delivery or syscall-exit stop (the `mmap` is
    /// injected into it; its registers are left as they were) and is the
    /// one to run. The jump covers none of `avoid` but `pc` (addresses
    /// where the run must stop).
    pub fn install(
        tid: i32,
        tgid: i32,
        pc: u64,
        want: &Want,
        avoid: &[u64],
        waiter: &mut dyn StopWaiter,
    ) -> Result<Finder, FinderError> {
        let unpatchable = |why| FinderError::Unpatchable { pc, why };
        let mem = ProcMem::open(tgid)?;
        let maps =
            procmaps::read_maps(tgid).map_err(|source| FinderError::Maps { pid: tgid, source })?;
        let mapping = maps
            .iter()
            .find(|m| m.start <= pc && pc < m.end)
            .ok_or(unpatchable(Unpatchable::Undecodable))?;
        let bytes = mem.read(pc, (mapping.end - pc).min(SITE_BYTES as u64) as usize)?;
        let block = site::examine(pc, &bytes, mapping, avoid).map_err(unpatchable)?;
        let page = place::free_page_near(pc, &maps).ok_or(unpatchable(Unpatchable::NoRoom))?;
        let stub = stub::assemble(page, &block, want).map_err(|e| {
            debug!(pc, error = %e, "cannot re-encode the site's instructions");
            unpatchable(Unpatchable::Relocation)
        })?;
        let covered: usize = block.iter().map(|i| i.len()).sum();
        let original = bytes[..covered].to_vec();
        let interior: Vec<u64> = block[1..].iter().map(|i| i.ip()).collect();
        let free_slots: Vec<usize> = if interior.is_empty() {
            Vec::new()
        } else {
            let dr7 = tracee::get_debugreg(tid, DR7)?;
            (0..4).filter(|k| dr7 & (0b11 << (2 * k)) == 0).collect()
        };
        if free_slots.len() < interior.len() {
            return Err(unpatchable(Unpatchable::ShortInstruction));
        }
        mem.write(pc, &SYSCALL_INSN)?;
        let mapped = inject_syscall(
            tid,
            pc,
            libc::SYS_mmap,
            [
                page,
                STUB_LEN,
                (libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC) as u64,
                (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED_NOREPLACE) as u64,
                u64::MAX,
                0,
            ],
            waiter,
            "mmap of a finder's page",
        );
        mem.write(pc, &original)?;
        match mapped {
            Ok(at) if at as u64 == page => {}
            Ok(at) => {
                debug!(pc, page, at, "the finder's page was mapped elsewhere");
                mem.write(pc, &SYSCALL_INSN)?;
                let undone = inject_syscall(
                    tid,
                    pc,
                    libc::SYS_munmap,
                    [at as u64, STUB_LEN, 0, 0, 0, 0],
                    waiter,
                    "munmap of a misplaced finder's page",
                );
                mem.write(pc, &original)?;
                undone?;
                return Err(unpatchable(Unpatchable::Mapping));
            }
            Err(e) => {
                debug!(pc, page, error = %e, "cannot map a finder's page");
                return Err(unpatchable(Unpatchable::Mapping));
            }
        }
        mem.write(page, &stub.bytes)?;
        // The guard takes debug registers watchpoints leave free.
        let mut guard_bits = 0;
        if !interior.is_empty() {
            let dr7 = tracee::get_debugreg(tid, DR7)?;
            for (&k, &addr) in free_slots.iter().zip(&interior) {
                tracee::set_debugreg(tid, k, addr)?;
                // Local enable; RW 00 and LEN 00: an instruction fetch.
                guard_bits |= 1 << (2 * k);
            }
            tracee::set_debugreg(tid, DR7, dr7 | guard_bits)?;
        }
        let mut jump = vec![0xcc; original.len()];
        jump[0] = 0xe9;
        let rel = page.wrapping_sub(pc + site::JUMP_LEN as u64) as i64 as i32;
        jump[1..5].copy_from_slice(&rel.to_le_bytes());
        mem.write(pc, &jump)?;
        debug!(pc, page, ?want, first = ?block[0].mnemonic(), bytes = ?original, "finder installed");
        Ok(Finder {
            mem,
            site: pc,
            original,
            page,
            trap_at: stub.trap_at,
            resume_at: stub.resume_at,
            remaining_at: stub.remaining_at,
            arrivals_at: stub.arrivals_at,
            noted_at: stub.noted_at,
            noted_before_at: stub.noted_before_at,
            want: *want,
            guarded: tid,
            interior,
            copies: stub.copies,
            back_at: stub.back_at,
            guard_bits,
        })
    }

    /// What it looks for.
    pub fn want(&self) -> Want {
        self.want
    }

    /// The patched address.
    pub fn site(&self) -> u64 {
        self.site
    }

    /// The stub's pages, which a memory digest must leave out.
    pub fn page(&self) -> Range<u64> {
        self.page..self.page + STUB_LEN
    }

    /// Whether a SIGTRAP with rip `rip` is the stub's trap at a candidate;
    /// the thread's registers are then those of the arrival but for rip,
    /// which the caller sets back to the site.
    pub fn is_candidate(&self, rip: u64) -> bool {
        rip == self.trap_at + 1
    }

    /// Where a thread that stands at the site resumes so that this arrival
    /// is not looked at again (its instruction executes in the stub).
    pub fn resume_at(&self) -> u64 {
        self.resume_at
    }

    /// How many arrivals the stub has seen since it was installed, the one
    /// it trapped at included.
    pub fn arrivals(&self) -> Result<u64, FinderError> {
        Ok(match self.want {
            Want::Arrival(n) => n - self.mem.read_u64(self.remaining_at)?,
            Want::Registers { .. } | Want::Condition(_) | Want::ArrivalNoting { .. } => {
                self.mem.read_u64(self.arrivals_at)?
            }
        })
    }

    /// For `Want::ArrivalNoting`: the last two arrivals (counted from the
    /// install, 1 the first) where its condition held, latest first; 0: none.
    pub fn noted(&self) -> Result<[u64; 2], FinderError> {
        Ok([
            self.mem.read_u64(self.noted_at)?,
            self.mem.read_u64(self.noted_before_at)?,
        ])
    }

    /// Whether the thread stopped at `rip` with a SIGTRAP because a branch
    /// entered the displaced instructions (a debug register caught it
    /// before the jump's bytes there ran). The thread stands at `rip` in
    /// the program's own state; the finder must come out
    /// ([`Finder::remove`]) and the site not be patched again.
    pub fn entered_inside(&self, rip: u64) -> bool {
        self.interior.contains(&rip)
    }

    /// Where a thread that stood at `rip` when the finder went in goes on:
    /// for an address inside the displaced instructions (it was stopped
    /// between two of them), the copy of that instruction in the stub; else
    /// `rip` itself.
    pub fn relocated(&self, rip: u64) -> u64 {
        match self.interior.iter().position(|&a| a == rip) {
            Some(k) => self.copies[k],
            None => rip,
        }
    }

    /// Where a thread stopped at `rip` inside the stub right after one of
    /// the displaced instructions (a watchpoint's trap comes after the
    /// write) stands in the program's own code: after the copy of one, the
    /// next original; after the last, the site's end. `None` elsewhere.
    pub fn original_of(&self, rip: u64) -> Option<u64> {
        if rip == self.back_at {
            return Some(self.site + self.original.len() as u64);
        }
        let k = self.copies.iter().position(|&c| c == rip)?;
        Some(self.interior[k])
    }

    /// Clears the guard's debug registers (watchpoints' stay).
    fn unguard(&self) -> Result<(), FinderError> {
        if self.guard_bits != 0 {
            let dr7 = tracee::get_debugreg(self.guarded, DR7)?;
            tracee::set_debugreg(self.guarded, DR7, dr7 & !self.guard_bits)?;
        }
        Ok(())
    }

    /// Whether `addr` is one of the bytes the jump replaced (no int3 may go there).
    pub fn covers(&self, addr: u64) -> bool {
        (self.site..self.site + self.original.len() as u64).contains(&addr)
    }

    /// Whether `rip` is inside the stub, where a thread stopped by a pause
    /// request is in no state of the program's own.
    pub fn in_stub(&self, rip: u64) -> bool {
        self.page().contains(&rip)
    }

    /// Restarts the countdown of `Want::Arrival`: trap at the `n`-th arrival from now.
    pub fn set_remaining(&self, n: u64) -> Result<(), FinderError> {
        Ok(self.mem.write(self.remaining_at, &n.to_le_bytes())?)
    }

    /// Puts the site's bytes back and unmaps the page, with a `munmap`
    /// injected into `tid` (in a signal-delivery or syscall-exit stop; its
    /// registers are left as they were).
    pub fn remove(self, tid: i32, waiter: &mut dyn StopWaiter) -> Result<(), FinderError> {
        self.unguard()?;
        let mem = &self.mem;
        mem.write(self.site, &SYSCALL_INSN)?;
        let unmapped = inject_syscall(
            tid,
            self.site,
            libc::SYS_munmap,
            [self.page, STUB_LEN, 0, 0, 0, 0],
            waiter,
            "munmap of a finder's page",
        );
        mem.write(self.site, &self.original)?;
        unmapped?;
        Ok(())
    }

    /// Puts the site's bytes back without unmapping the page (when the
    /// thread is in a stop an injection must not disturb, on the way to an
    /// error).
    pub fn abandon(self) -> Result<(), FinderError> {
        let unguarded = self.unguard();
        self.mem.write(self.site, &self.original)?;
        unguarded
    }
}
