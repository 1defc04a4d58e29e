//! Interruptions on patchable instructions: before an interruption is
//! recorded, the thread is single-stepped (a few instructions at most) to
//! one where replay can install an in-process finder (`crate::finder`)
//! over that one instruction, so that finding it again costs no ptrace
//! stop per earlier arrival there. Where none comes within a few steps
//! (code of short instructions only), replay moves a few short ones into
//! the stub together, guarded by debug registers.

use tracing::debug;

use super::{RecordError, Recorder};
use crate::finder;
use crate::procmaps;
use crate::trace::Regs;
use crate::tracee::{self, Resume, Stop};

/// The most instructions stepped to reach a patchable one (each costs a
/// ptrace stop; an interruption comes at most once a time slice).
const MAX_STEPS: u32 = 16;

/// Where the thread ended up.
pub(super) enum Stepped {
    /// Stopped here, in a signal-delivery-stop; record the interruption here.
    At(Box<Regs>),
    /// The thread left user code meanwhile (it was killed, or an event
    /// stop came): that stop was handled as the main loop would.
    Handled,
}

impl Recorder {
    /// Steps thread `tid` (stopped in user code at `regs`) to a patchable
    /// instruction, or as far as is safe. A signal that arrives on the way
    /// is deferred as an asynchronous one; a fault the stepped instruction
    /// raised is dropped, to recur when the thread runs on from the
    /// interruption.
    pub(super) fn step_to_patchable(
        &mut self,
        tid: i32,
        regs: Regs,
    ) -> Result<Stepped, RecordError> {
        let tgid = self.threads[&tid].tgid;
        let Ok(maps) = procmaps::read_maps(tgid) else {
            return Ok(Stepped::At(Box::new(regs)));
        };
        let mut regs = regs;
        // The steps must not unblock SIGTRAP for the program.
        let reblock = crate::checkpoint::sigtrap_blocked(tid)?;
        for _ in 0..MAX_STEPS {
            let pc = regs.rip();
            let Some(mapping) = maps.iter().find(|m| m.start <= pc && pc < m.end) else {
                break;
            };
            let Ok(bytes) = self.mem(tgid)?.read(
                pc,
                (mapping.end - pc).min(finder::SITE_BYTES as u64) as usize,
            ) else {
                break;
            };
            if finder::patchable_alone(pc, &bytes, mapping).is_ok()
                || !finder::safe_to_step(pc, &bytes)
            {
                break;
            }
            tracee::resume(tid, Resume::Step, 0)?;
            let w = tracee::wait_tid(tid)?;
            if reblock && matches!(w.stop, Stop::Signal(_)) {
                crate::checkpoint::block_sigtrap_again(tid)?;
            }
            match w.stop {
                Stop::Signal(libc::SIGTRAP) => regs = tracee::get_regs(tid)?,
                Stop::Signal(sig) => {
                    regs = tracee::get_regs(tid)?;
                    if let Some(info) = tracee::get_siginfo(tid)? {
                        let si_code = i32::from_le_bytes([info[8], info[9], info[10], info[11]]);
                        let fault = si_code > 0
                            && matches!(
                                sig,
                                libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE
                            );
                        if !fault {
                            debug!(
                                tid,
                                sig, "a signal arrived while stepping to a patchable point"
                            );
                            self.thread_mut(tid)?.deferred_signals.push_back(info);
                        }
                    }
                    break;
                }
                _ => {
                    self.handle(w)?;
                    return Ok(Stepped::Handled);
                }
            }
        }
        Ok(Stepped::At(Box::new(regs)))
    }
}
