//! A replay session as the debug-information layer's target: its registers and
//! memory behind `rewind_debuginfo::{Registers, Memory}`.

use std::cell::RefCell;

use rewind_debuginfo::{Memory, MemoryError, Registers};
use rewind_engine::session::Session;
use rewind_engine::trace::Regs;
use rewind_engine::tracee::REG_NAMES;

/// The engine's registers (`user_regs_struct` order) as the debug layer's
/// (DWARF-numbered): general-purpose registers, rip, eflags, fs_base, gs_base.
pub fn registers_from(regs: &Regs) -> Registers {
    Registers::from_named(REG_NAMES.iter().copied().zip(regs.0))
}

/// Reads the memory of the process of one (recorded) thread of a replay.
///
/// `Memory::read` takes `&self` while reading session memory needs `&mut Session`,
/// so the session is held in a `RefCell`; a read that finds it busy fails like an
/// unreadable address rather than panicking.
pub struct SessionMemory<'a> {
    session: RefCell<&'a mut Session>,
    tid: i32,
}

impl<'a> SessionMemory<'a> {
    /// Memory of the process of recorded thread `tid`.
    pub fn new(session: &'a mut Session, tid: i32) -> Self {
        SessionMemory {
            session: RefCell::new(session),
            tid,
        }
    }
}

impl Memory for SessionMemory<'_> {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        if buf.is_empty() {
            return Ok(());
        }
        let err = || MemoryError {
            addr,
            len: buf.len(),
        };
        let mut session = self.session.try_borrow_mut().map_err(|_| err())?;
        let bytes = session
            .read_memory(self.tid, addr, buf.len())
            .map_err(|_| err())?;
        if bytes.len() != buf.len() {
            return Err(err());
        }
        buf.copy_from_slice(&bytes);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_keep_their_names() {
        let mut regs = Regs::default();
        for (i, v) in regs.0.iter_mut().enumerate() {
            *v = 0x100 + i as u64;
        }
        let r = registers_from(&regs);
        assert_eq!(r.pc(), Some(regs.rip()));
        assert_eq!(r.sp(), Some(regs.rsp()));
        for (i, name) in REG_NAMES.iter().enumerate() {
            let want = Registers::by_name(name).map(|_| 0x100 + i as u64);
            let got = Registers::by_name(name).and_then(|reg| r.get(reg));
            assert_eq!(got, want, "{name}");
        }
    }
}
