//! Finding an interruption point again: the first arrival at the recorded
//! pc where registers, extended state and writable memory are the recorded
//! ones (docs/architecture.md, "Positions and checkpoints in software mode").

use tracing::{debug, warn};

use super::{ReplayError, Replayer};
use crate::finder::{Finder, FinderError, Unpatchable, Want};
use crate::trace::{Event, Regs, StackSum};
use crate::tracee::{self, Resume, Stop};

/// Arrivals looked at with an int3 before a finder is installed: most
/// points are found within a few, and a finder costs two injected syscalls.
const ARRIVALS_BEFORE_FINDER: u64 = 8;

/// How a run with a finder at an interruption point ended.
enum FinderRun {
    /// At the point.
    Found,
    /// A branch entered the displaced instructions; the finder is out.
    EnteredInside,
}

impl Replayer {
    /// Runs the thread to the first execution of the recorded pc where
    /// registers, extended state and writable memory match the recording.
    /// The first arrivals stop at an int3; after `ARRIVALS_BEFORE_FINDER`
    /// of them a finder (`crate::finder`) compares the general registers in
    /// the process and stops only at candidates.
    pub(super) fn run_to_point(
        &mut self,
        event: &Event,
        fpregs: &[u8],
        digest: u32,
        stack: Option<StackSum>,
    ) -> Result<(), ReplayError> {
        if self.thread_mut(event).arrived.take().is_some() {
            // Already run to the point (and checked) by the caller.
            return Ok(());
        }
        let t = self.thread(event)?;
        let (real, tgid) = (t.real, t.real_tgid);
        let pc = event.regs.rip();
        let mut signal = self.begin_run(event.tid)?;
        let original = self.stash.mem(tgid)?.read(pc, 1)?;
        let mut arrivals = 0u64;
        // Our int3s and steps must not unblock SIGTRAP for the program.
        let reblock = crate::checkpoint::sigtrap_blocked(real)?;
        loop {
            self.stash.mem(tgid)?.write(pc, &[0xcc])?;
            tracee::resume(real, Resume::Sysemu, signal)?;
            signal = 0;
            let stop = self.wait_for(real)?;
            self.stash.mem(tgid)?.write(pc, &original)?;
            if reblock {
                crate::checkpoint::block_sigtrap_again(real)?;
            }
            match stop {
                Stop::Signal(libc::SIGCHLD) => continue,
                Stop::Signal(libc::SIGTRAP) => {}
                other => return Err(self.unexpected_stop(event, other)),
            }
            let mut regs = tracee::get_regs(real)?;
            if regs.rip() != pc + 1 {
                return Err(self.unexpected_stop(event, Stop::Signal(libc::SIGTRAP)));
            }
            regs.0[Regs::RIP] = pc;
            tracee::set_regs(real, &regs)?;
            if self.at_point(event, &regs, fpregs, digest, None)? {
                return Ok(());
            }
            arrivals += 1;
            if arrivals == ARRIVALS_BEFORE_FINDER {
                let want = Want::registers(&event.regs, stack);
                if let Some(finder) = self.install_finder(real, tgid, pc, &want, &[])? {
                    match self.run_to_point_with(finder, event, fpregs, digest)? {
                        FinderRun::Found => return Ok(()),
                        // The thread stands inside the site's bytes, come
                        // there by a branch: on from there, a stop per arrival.
                        FinderRun::EnteredInside => continue,
                    }
                }
            }
            // Not this execution: step over the instruction, then try again.
            tracee::resume(real, Resume::Step, 0)?;
            match self.wait_for(real)? {
                Stop::Signal(libc::SIGTRAP) => {}
                other => return Err(self.unexpected_stop(event, other)),
            }
            if reblock {
                crate::checkpoint::block_sigtrap_again(real)?;
            }
        }
    }

    /// `run_to_point` with a finder installed at the point's pc, where the
    /// thread stands on an arrival already looked at.
    fn run_to_point_with(
        &mut self,
        finder: Finder,
        event: &Event,
        fpregs: &[u8],
        digest: u32,
    ) -> Result<FinderRun, ReplayError> {
        let real = self.thread(event)?.real;
        let mut regs = tracee::get_regs(real)?;
        regs.0[Regs::RIP] = finder.resume_at();
        tracee::set_regs(real, &regs)?;
        let reblock = crate::checkpoint::sigtrap_blocked(real)?;
        loop {
            tracee::resume(real, Resume::Sysemu, 0)?;
            let stop = self.wait_for(real)?;
            if reblock {
                crate::checkpoint::block_sigtrap_again(real)?;
            }
            let mut regs = tracee::get_regs(real)?;
            match stop {
                Stop::Signal(libc::SIGCHLD) => continue,
                Stop::Signal(libc::SIGTRAP) if finder.is_candidate(regs.rip()) => {}
                Stop::Signal(libc::SIGTRAP) if finder.entered_inside(regs.rip()) => {
                    self.finder_entered(finder, real)?;
                    return Ok(FinderRun::EnteredInside);
                }
                other => {
                    let site = finder.site();
                    if let Err(e) = finder.abandon() {
                        warn!(site, error = %e, "cannot take a finder out after a replay error");
                    }
                    return Err(self.unexpected_stop(event, other));
                }
            }
            self.finder_stats.candidates += 1;
            regs.0[Regs::RIP] = finder.site();
            tracee::set_regs(real, &regs)?;
            let found = self.at_point(event, &regs, fpregs, digest, Some(finder.page()))?;
            debug!(
                pc = finder.site(),
                found,
                differ = ?tracee::regs_diff(&event.regs, &regs),
                "a finder's candidate"
            );
            if found {
                finder.remove(real, &mut self.stash)?;
                return Ok(FinderRun::Found);
            }
            regs.0[Regs::RIP] = finder.resume_at();
            tracee::set_regs(real, &regs)?;
        }
    }

    /// Whether the thread of `event`, with registers `regs`, stands at the
    /// recorded interruption point (registers, extended state, memory).
    fn at_point(
        &mut self,
        event: &Event,
        regs: &Regs,
        fpregs: &[u8],
        digest: u32,
        except: Option<std::ops::Range<u64>>,
    ) -> Result<bool, ReplayError> {
        let t = self.thread(event)?;
        let (real, tgid) = (t.real, t.real_tgid);
        let regs_match = tracee::regs_diff(&event.regs, regs).is_empty();
        let fp_match = regs_match && tracee::get_fpregs(real)? == fpregs;
        let here = if fp_match {
            Some(
                crate::digest::writable_memory_digest_except(
                    tgid,
                    self.stash.mem(tgid)?,
                    regs.rsp(),
                    except,
                )
                .map_err(|e| {
                    self.divergence(event, format!("cannot read replayed memory: {e}"), vec![])
                })?,
            )
        } else {
            None
        };
        tracing::trace!(
            regs_match,
            fp_match,
            ?here,
            digest,
            "at the interruption's pc"
        );
        Ok(here == Some(digest))
    }

    /// Installs a finder for `want` at `pc` in process `tgid` through its
    /// stopped thread `real`; `None` (counted in the stats) when the site
    /// cannot carry one.
    pub fn install_finder(
        &mut self,
        real: i32,
        tgid: i32,
        pc: u64,
        want: &Want,
        avoid: &[u64],
    ) -> Result<Option<Finder>, ReplayError> {
        if self.entered_sites.contains(&pc) {
            self.finder_stats.fell_back(Unpatchable::BranchInside);
            return Ok(None);
        }
        match Finder::install(real, tgid, pc, want, avoid, &mut self.stash) {
            Ok(finder) => {
                self.finder_stats.installed += 1;
                Ok(Some(finder))
            }
            Err(FinderError::Unpatchable { why, .. }) => {
                debug!(pc, %why, "no finder: a stop per arrival");
                self.finder_stats.fell_back(why);
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Takes out a finder through the process's thread `real`, stopped in
    /// a signal-delivery or syscall-exit stop; a trap it caused is counted
    /// as a candidate.
    pub fn remove_finder(&mut self, finder: Finder, real: i32) -> Result<(), ReplayError> {
        Ok(finder.remove(real, &mut self.stash)?)
    }

    /// Takes out a finder whose displaced instructions a branch entered
    /// (`Finder::entered_inside`; its thread `real` stands there), and
    /// patches its site no more.
    pub fn finder_entered(&mut self, finder: Finder, real: i32) -> Result<(), ReplayError> {
        let site = finder.site();
        debug!(site, "a branch entered a finder's displaced instructions");
        self.finder_stats.fell_back(Unpatchable::BranchInside);
        self.entered_sites.insert(site);
        Ok(finder.remove(real, &mut self.stash)?)
    }

    /// Counts a finder's trap at a candidate.
    pub fn count_finder_candidate(&mut self) {
        self.finder_stats.candidates += 1;
    }

    /// How interruption points and positions were found so far.
    pub fn finder_stats(&self) -> &crate::finder::FinderStats {
        &self.finder_stats
    }
}
