//! Re-enacting one recorded event on the replayed tracee.

use super::threads::{At, RThread};
use super::{OutputSink, ReplayError, Replayer};
use crate::signals;
use crate::trace::{Event, EventKind, MemWrite, OutputBytes, RecordedOutput, Regs, SyscallReplay};
use crate::tracee::{self, Resume, Stop, SyscallInfoOp};

/// What executing a syscall for real led to.
pub(super) struct Executed {
    /// Registers at the syscall's exit stop; `None` when the thread ended.
    pub exit_regs: Option<Regs>,
    /// The child a fork/vfork/clone created.
    pub new_child: Option<i32>,
}

/// Stop executing a syscall early at the vfork event (the parent then waits
/// in the kernel for its child).
#[derive(PartialEq, Eq)]
pub(super) enum UntilVfork {
    Yes,
    No,
}

impl Replayer {
    pub(super) fn apply_event(
        &mut self,
        event: &Event,
        sink: &mut OutputSink,
    ) -> Result<(), ReplayError> {
        match &event.kind {
            EventKind::SyscallEntered { nr, vfork_child } => {
                let regs = self.run_to_syscall(event, *nr)?;
                match vfork_child {
                    None => self.thread_mut(event).at = At::ParkedAtEntry,
                    Some(child) => {
                        let real = self.thread(event)?.real;
                        let done = self.execute(event, real, &regs, UntilVfork::Yes)?;
                        let new = done.new_child.ok_or_else(|| {
                            self.divergence(event, "vfork created no child", vec![])
                        })?;
                        self.adopt_child(*child, new, real, false)?;
                        self.thread_mut(event).at = At::InVfork;
                    }
                }
                Ok(())
            }
            EventKind::MemoryCheck { nr, memory_digest } => {
                let regs = self.run_to_syscall(event, *nr)?;
                self.thread_mut(event).at = At::ParkedAtEntry;
                let tgid = self.thread(event)?.real_tgid;
                let replayed =
                    crate::digest::writable_memory_digest(tgid, self.stash.mem(tgid)?, regs.rsp())
                        .map_err(|e| {
                            self.divergence(
                                event,
                                format!("cannot read replayed memory: {e}"),
                                vec![],
                            )
                        })?;
                if replayed != *memory_digest {
                    return Err(self.divergence(
                        event,
                        format!(
                            "writable memory differs (digest {replayed:#010x}, recorded \
                             {memory_digest:#010x})"
                        ),
                        vec![],
                    ));
                }
                Ok(())
            }
            EventKind::Syscall {
                nr,
                args,
                result,
                writes,
                replay,
                output,
            } => {
                let t = self.thread(event)?;
                let regs = match t.at {
                    At::ParkedAtEntry => tracee::get_regs(t.real)?,
                    At::InVfork => {
                        let real = t.real;
                        let stop = self.wait_for(real)?;
                        if stop != Stop::Syscall {
                            return Err(self.divergence(
                                event,
                                format!("vfork parent stopped with {stop:?}"),
                                vec![],
                            ));
                        }
                        let mut regs = tracee::get_regs(real)?;
                        regs.0[Regs::RAX] = *result as u64;
                        tracee::set_regs(real, &regs)?;
                        self.thread_mut(event).at = At::Boundary;
                        return Ok(());
                    }
                    At::Boundary => self.run_to_syscall(event, *nr)?,
                };
                self.thread_mut(event).at = At::Boundary;
                if *nr != libc::SYS_execve as u64 && *nr != libc::SYS_execveat as u64 {
                    self.last_syscall_insn = Some(regs.rip() - 2);
                } else {
                    self.last_syscall_insn = None;
                }
                let call = SyscallCall {
                    nr: *nr,
                    args,
                    result: *result,
                    writes,
                    output: output.as_ref(),
                };
                self.apply_syscall(event, regs, &call, replay, sink)
            }
            EventKind::Signal {
                signo,
                siginfo,
                synchronous,
            } => {
                let t = self.thread(event)?;
                let (real, tgid, queued) = (t.real, t.real_tgid, t.queued_signal);
                self.thread_mut(event).queued_signal = None;
                // Delivered after a syscall that returned a restart code, the
                // signal makes the kernel decide about the restart itself.
                self.thread_mut(event).restart_pending = None;
                if !*synchronous && queued != Some(*signo) {
                    tracee::tgkill(tgid, real, *signo)?;
                }
                let regs = self.run_to_signal(event, *signo)?;
                self.check_regs(event, &regs)?;
                tracee::set_siginfo(real, siginfo)?;
                self.thread_mut(event).pending_signal = *signo;
                Ok(())
            }
            EventKind::Interrupt {
                fpregs,
                memory_digest,
                stack_sum,
            } => self.run_to_point(event, fpregs, *memory_digest, *stack_sum),
            EventKind::Rdtsc { tsc, aux } => {
                let mut regs = self.run_to_signal(event, libc::SIGSEGV)?;
                self.check_regs(event, &regs)?;
                regs.apply_rdtsc(*tsc, *aux, if aux.is_some() { 3 } else { 2 });
                tracee::set_regs(self.thread(event)?.real, &regs)?;
                Ok(())
            }
        }
    }

    pub(super) fn thread_mut(&mut self, event: &Event) -> &mut RThread {
        self.threads
            .get_mut(&event.tid)
            .expect("thread looked up before")
    }

    /// Resumes the event's thread until it stops, passing over the SIGCHLDs
    /// the kernel really sends when replayed children exit (the recorded ones
    /// are events of their own).
    fn run_thread(&mut self, event: &Event) -> Result<Stop, ReplayError> {
        if let Some(stop) = self.thread_mut(event).arrived.take() {
            return Ok(stop);
        }
        let t = self.thread(event)?;
        let real = t.real;
        let mut signal = self.begin_run(event.tid)?;
        loop {
            tracee::resume(real, Resume::Sysemu, signal)?;
            let stop = self.wait_for(real)?;
            if let Stop::Signal(libc::SIGCHLD) = stop {
                if !matches!(
                    event.kind,
                    EventKind::Signal {
                        signo: libc::SIGCHLD,
                        ..
                    }
                ) {
                    signal = 0;
                    continue;
                }
            }
            return Ok(stop);
        }
    }

    /// A divergence for a thread that stopped in the wrong way.
    pub(super) fn unexpected_stop(&self, event: &Event, stop: Stop) -> ReplayError {
        let regs = self
            .thread(event)
            .ok()
            .and_then(|t| tracee::get_regs(t.real).ok());
        let what = match stop {
            Stop::Signal(s) => format!("received {}", signals::name(s)),
            Stop::Syscall => "made a syscall".to_string(),
            Stop::Exited(c) => format!("exited with status {c}"),
            Stop::Killed(s) => format!("was killed by {}", signals::name(s)),
            Stop::Event(e) => format!("stopped at ptrace event {e}"),
        };
        let at = regs
            .map(|r| format!(" at rip {:#x}", r.rip()))
            .unwrap_or_default();
        let diffs = regs
            .map(|r| tracee::regs_diff(&event.regs, &r))
            .unwrap_or_default();
        self.divergence(event, format!("the thread {what}{at} instead"), diffs)
    }

    fn run_to_syscall(&mut self, event: &Event, nr: u64) -> Result<Regs, ReplayError> {
        let stop = self.run_thread(event)?;
        if stop != Stop::Syscall {
            return Err(self.unexpected_stop(event, stop));
        }
        let regs = tracee::get_regs(self.thread(event)?.real)?;
        if regs.orig_rax() != nr {
            return Err(self.divergence(
                event,
                format!(
                    "the thread made syscall {} instead",
                    crate::syscalls::name(regs.orig_rax())
                ),
                tracee::regs_diff(&event.regs, &regs),
            ));
        }
        self.check_regs(event, &regs)?;
        Ok(regs)
    }

    fn run_to_signal(&mut self, event: &Event, signo: i32) -> Result<Regs, ReplayError> {
        let stop = self.run_thread(event)?;
        if stop != Stop::Signal(signo) {
            return Err(self.unexpected_stop(event, stop));
        }
        Ok(tracee::get_regs(self.thread(event)?.real)?)
    }

    fn apply_syscall(
        &mut self,
        event: &Event,
        regs: Regs,
        call: &SyscallCall,
        replay: &SyscallReplay,
        sink: &mut OutputSink,
    ) -> Result<(), ReplayError> {
        let t = self.thread(event)?;
        let (real, tgid) = (t.real, t.real_tgid);
        match replay {
            SyscallReplay::Emulate | SyscallReplay::EmulateFileChange(_) => {
                if let Some(done) = self.interrupted_with_sigmask(event, regs, call)? {
                    return Ok(done);
                }
                if let SyscallReplay::EmulateFileChange(change) = replay {
                    self.scratch.apply(change, self.index)?;
                }
                let mem = self.stash.mem(tgid)?;
                for w in call.writes {
                    mem.write(w.addr, &w.bytes)?;
                }
                if let Some(recorded) = call.output {
                    self.emit_output(event, call, recorded, sink)?;
                }
                let mut after = regs;
                after.0[Regs::RAX] = call.result as u64;
                tracee::set_regs(real, &after)?;
                if crate::syscalls::is_restart_code(call.result) {
                    self.thread_mut(event).restart_pending = Some(call.result);
                }
                Ok(())
            }
            SyscallReplay::Execute | SyscallReplay::ExecutePatchResult => {
                let done = self.execute(event, real, &regs, UntilVfork::No)?;
                let Some(mut exit) = done.exit_regs else {
                    self.thread_gone(event, call.nr);
                    return Ok(());
                };
                if matches!(replay, SyscallReplay::ExecutePatchResult) {
                    exit.0[Regs::RAX] = call.result as u64;
                    tracee::set_regs(real, &exit)?;
                } else if exit.rax() as i64 != call.result
                    && call.nr != libc::SYS_rt_sigreturn as u64
                {
                    return Err(self.divergence(
                        event,
                        format!(
                            "executed syscall returned {} but {} was recorded",
                            exit.rax() as i64,
                            call.result
                        ),
                        vec![],
                    ));
                }
                Ok(())
            }
            SyscallReplay::MapFile {
                file,
                offset,
                tracked,
            } => self.map_file(event, regs, call, file, *offset, *tracked),
            SyscallReplay::MapZero => self.map_anonymous_at(event, regs, call, "/dev/zero"),
            SyscallReplay::Clone {
                parent_tid_addr,
                child_tid_addr,
                flags,
            } => {
                let done = self.execute(event, real, &regs, UntilVfork::No)?;
                let new = done
                    .new_child
                    .ok_or_else(|| self.divergence(event, "clone created no child", vec![]))?;
                let thread = flags & libc::CLONE_THREAD as u64 != 0;
                let child_tgid = self.adopt_child(call.result as i32, new, real, thread)?;
                let mut exit = done
                    .exit_regs
                    .ok_or_else(|| self.divergence(event, "the thread ended in clone", vec![]))?;
                exit.0[Regs::RAX] = call.result as u64;
                tracee::set_regs(real, &exit)?;
                let tid_bytes = (call.result as i32).to_le_bytes();
                if let Some(addr) = parent_tid_addr {
                    self.stash.mem(tgid)?.write(*addr, &tid_bytes)?;
                }
                if let Some(addr) = child_tid_addr {
                    self.stash.mem(child_tgid)?.write(*addr, &tid_bytes)?;
                }
                Ok(())
            }
            SyscallReplay::Exec(image) => self.exec(event, regs, image),
        }
    }

    /// Executes the syscall the thread is stopped at (a SYSEMU entry stop,
    /// where the kernel already skipped it) by backing up over the `syscall`
    /// instruction and running it again under PTRACE_SYSCALL.
    pub(super) fn execute(
        &mut self,
        event: &Event,
        real: i32,
        regs: &Regs,
        until: UntilVfork,
    ) -> Result<Executed, ReplayError> {
        self.execute_queueing(event, real, regs, until, None)
    }

    /// Like `execute`, sending `(tgid, signal)` to the thread once it is at
    /// the re-executed syscall's entry (so that the syscall sees it pending).
    fn execute_queueing(
        &mut self,
        event: &Event,
        real: i32,
        regs: &Regs,
        until: UntilVfork,
        queue_at_entry: Option<(i32, i32)>,
    ) -> Result<Executed, ReplayError> {
        let mut again = *regs;
        again.0[Regs::RIP] -= 2;
        again.0[Regs::RAX] = regs.orig_rax();
        tracee::set_regs(real, &again)?;
        tracee::resume(real, Resume::Syscall, 0)?;
        let mut entered = false;
        let mut new_child = None;
        loop {
            match self.wait_for(real)? {
                Stop::Syscall => match tracee::get_syscall_info_op(real)? {
                    SyscallInfoOp::Exit if entered => {
                        return Ok(Executed {
                            exit_regs: Some(tracee::get_regs(real)?),
                            new_child,
                        })
                    }
                    SyscallInfoOp::Entry => {
                        entered = true;
                        if let Some((tgid, signo)) = queue_at_entry {
                            tracee::tgkill(tgid, real, signo)?;
                        }
                        tracee::resume(real, Resume::Syscall, 0)?;
                    }
                    // The exit of the skipped call, reported since we now trace syscalls.
                    _ => tracee::resume(real, Resume::Syscall, 0)?,
                },
                Stop::Event(
                    e @ (libc::PTRACE_EVENT_FORK
                    | libc::PTRACE_EVENT_VFORK
                    | libc::PTRACE_EVENT_CLONE),
                ) => {
                    let new = tracee::get_event_msg(real)? as i32;
                    self.stash.born(new);
                    new_child = Some(new);
                    tracee::resume(real, Resume::Syscall, 0)?;
                    if e == libc::PTRACE_EVENT_VFORK && until == UntilVfork::Yes {
                        return Ok(Executed {
                            exit_regs: None,
                            new_child,
                        });
                    }
                }
                Stop::Event(libc::PTRACE_EVENT_EXIT) => tracee::resume(real, Resume::Cont, 0)?,
                Stop::Event(_) => tracee::resume(real, Resume::Syscall, 0)?,
                Stop::Exited(_) | Stop::Killed(_) => {
                    return Ok(Executed {
                        exit_regs: None,
                        new_child,
                    })
                }
                Stop::Signal(libc::SIGCHLD) => tracee::resume(real, Resume::Syscall, 0)?,
                Stop::Signal(sig) => {
                    return Err(self.divergence(
                        event,
                        format!(
                            "signal {} arrived while executing the syscall",
                            signals::name(sig)
                        ),
                        vec![],
                    ))
                }
            }
        }
    }

    /// Registers a child created by a replayed clone under its recorded tid
    /// and waits for its first stop. Returns its tgid.
    fn adopt_child(
        &mut self,
        recorded: i32,
        real: i32,
        parent_real: i32,
        thread: bool,
    ) -> Result<i32, ReplayError> {
        let tgid = if thread {
            self.threads
                .values()
                .find(|t| t.real == parent_real)
                .map(|t| t.real_tgid)
                .unwrap_or(parent_real)
        } else {
            real
        };
        let first = self.wait_for(real)?;
        if first != Stop::Signal(libc::SIGSTOP) {
            return Err(ReplayError::BadTrace {
                index: self.index,
                detail: format!("new thread {real} first stopped with {first:?}"),
            });
        }
        self.threads.insert(recorded, RThread::new(real, tgid));
        Ok(tgid)
    }

    fn thread_gone(&mut self, event: &Event, nr: u64) {
        let t = self.thread_mut(event);
        t.gone = true;
        let tgid = t.real_tgid;
        if nr == libc::SYS_exit_group as u64 {
            for t in self.threads.values_mut() {
                if t.real_tgid == tgid {
                    t.gone = true;
                }
            }
            self.stash.forget_mem(tgid);
        }
    }
}

impl Replayer {
    /// A syscall that waits with a temporary signal mask (rt_sigsuspend,
    /// ppoll, pselect6, epoll_pwait) and was interrupted by the signal of the
    /// next event: the handler must run under that temporary mask, so replay
    /// really suspends with it, the signal already queued, and then writes
    /// the recorded result.
    fn interrupted_with_sigmask(
        &mut self,
        event: &Event,
        regs: Regs,
        call: &SyscallCall,
    ) -> Result<Option<()>, ReplayError> {
        let interrupted =
            call.result == -(libc::EINTR as i64) || crate::syscalls::is_restart_code(call.result);
        if !interrupted {
            return Ok(None);
        }
        let t = self.thread(event)?;
        let (real, tgid) = (t.real, t.real_tgid);
        let args = call.args;
        let mask = match call.nr as i64 {
            libc::SYS_rt_sigsuspend => args[0],
            libc::SYS_ppoll => args[3],
            libc::SYS_epoll_pwait | libc::SYS_epoll_pwait2 => args[4],
            libc::SYS_pselect6 if args[5] != 0 => self.stash.mem(tgid)?.read_u64(args[5])?,
            _ => return Ok(None),
        };
        if mask == 0 {
            return Ok(None);
        }
        let signo = match self.next_event_of_thread(event.tid)? {
            Some(Event {
                kind:
                    EventKind::Signal {
                        signo,
                        synchronous: false,
                        ..
                    },
                ..
            }) => signo,
            _ => return Ok(None),
        };
        let mem = self.stash.mem(tgid)?;
        for w in call.writes {
            mem.write(w.addr, &w.bytes)?;
        }
        let mut suspend = regs;
        suspend.0[Regs::ORIG_RAX] = libc::SYS_rt_sigsuspend as u64;
        suspend.set_syscall_args(&[mask, 8, 0, 0, 0, 0]);
        let done =
            self.execute_queueing(event, real, &suspend, UntilVfork::No, Some((tgid, signo)))?;
        let mut exit = done
            .exit_regs
            .ok_or_else(|| self.divergence(event, "the thread ended while suspended", vec![]))?;
        exit.0[Regs::RAX] = call.result as u64;
        exit.0[Regs::ORIG_RAX] = call.nr;
        exit.set_syscall_args(call.args);
        tracee::set_regs(real, &exit)?;
        self.thread_mut(event).queued_signal = Some(signo);
        Ok(Some(()))
    }

    /// Re-emits a syscall's output: bytes from memory only after they match
    /// the recorded digest; copied bytes from the trace; lost ones with a warning.
    fn emit_output(
        &mut self,
        event: &Event,
        call: &SyscallCall,
        recorded: &RecordedOutput,
        sink: &mut OutputSink,
    ) -> Result<(), ReplayError> {
        let expected = match &recorded.bytes {
            OutputBytes::InMemory { crc32 } => *crc32,
            OutputBytes::Copied(bytes) => {
                sink(recorded.stream, bytes);
                return Ok(());
            }
            OutputBytes::Lost => {
                tracing::warn!(
                    "event {}: the program copied {} bytes from a pipe or socket to {} \
                     (splice/tee/sendfile); they were not recorded, so replay cannot re-emit them",
                    self.index,
                    call.result,
                    recorded.stream
                );
                self.unrecorded_output.push(super::UnrecordedOutput {
                    event: self.index,
                    stream: recorded.stream,
                    bytes: call.result.max(0) as u64,
                });
                return Ok(());
            }
        };
        let mem = self.stash.mem(self.thread(event)?.real_tgid)?;
        let bytes = crate::syscalls::written_bytes(call.nr, call.args, call.result, mem)
            .map_err(|e| self.divergence(event, e.to_string(), vec![]))?;
        let crc32 = crc32fast::hash(&bytes);
        if crc32 != expected {
            return Err(self.divergence(
                event,
                format!(
                    "the program wrote different bytes to {} than it did while recording \
                     ({} bytes, CRC-32 {crc32:#010x}, recorded {expected:#010x})",
                    recorded.stream,
                    bytes.len(),
                ),
                vec![],
            ));
        }
        sink(recorded.stream, &bytes);
        Ok(())
    }
}

/// The recorded arguments and outcome of one syscall.
pub(super) struct SyscallCall<'a> {
    pub nr: u64,
    pub args: &'a [u64; 6],
    pub result: i64,
    pub writes: &'a [MemWrite],
    pub output: Option<&'a RecordedOutput>,
}
