//! A tiny test-only tracer: spawn a fixture without ASLR under ptrace, run it to an
//! address with an int3, read its registers, memory (/proc/PID/mem) and mappings.

use nix::sys::personality::{self, Persona};
use nix::sys::ptrace;
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{dup2, execv, fork, ForkResult, Pid};
use rewind_debuginfo::{parse_proc_maps, Mapping, Memory, MemoryError, Registers};
use std::ffi::CString;
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// A traced fixture process.
pub struct Tracee {
    pid: Pid,
    mem: std::fs::File,
    exited: bool,
    stdout_path: PathBuf,
}

impl Tracee {
    /// Starts `binary` stopped at its exec, with ASLR disabled; its stdout goes to a file.
    pub fn spawn(binary: &Path, args: &[&str]) -> Tracee {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let stdout_path =
            std::env::temp_dir().join(format!("rewind-debuginfo-{}-{n}.out", std::process::id()));
        let out = std::fs::File::create(&stdout_path).expect("stdout file");
        let prog = CString::new(binary.to_str().unwrap()).unwrap();
        let mut argv = vec![prog.clone()];
        argv.extend(args.iter().map(|a| CString::new(*a).unwrap()));
        // SAFETY: the child only calls async-signal-safe functions (ptrace, personality,
        // dup2, execv) on data prepared before the fork, then execs or exits.
        match unsafe { fork() }.expect("fork") {
            ForkResult::Child => {
                let _ = ptrace::traceme();
                let _ = personality::set(Persona::ADDR_NO_RANDOMIZE);
                let _ = dup2(out.as_raw_fd(), 1);
                let _ = execv(&prog, &argv);
                // SAFETY: _exit is async-signal-safe and ends the child without unwinding.
                unsafe { libc::_exit(127) };
            }
            ForkResult::Parent { child } => {
                match waitpid(child, None).expect("waitpid") {
                    WaitStatus::Stopped(_, Signal::SIGTRAP) => {}
                    other => panic!("unexpected first stop {other:?}"),
                }
                let mem = std::fs::File::open(format!("/proc/{child}/mem")).expect("open mem");
                Tracee {
                    pid: child,
                    mem,
                    exited: false,
                    stdout_path,
                }
            }
        }
    }

    /// Runs until the `hit`-th (1-based) execution of `addr`; false if the process exited.
    pub fn run_to(&mut self, addr: u64, hit: usize) -> bool {
        for _ in 0..hit {
            if !self.run_once(addr) {
                return false;
            }
            if hit > 1 {
                self.step_over(addr);
            }
        }
        true
    }

    fn insert(&self, addr: u64) -> i64 {
        let word = ptrace::read(self.pid, addr as _).expect("peek");
        let patched = (word & !0xff) | 0xcc;
        ptrace::write(self.pid, addr as _, patched as _).expect("poke");
        word
    }

    fn remove(&self, addr: u64, word: i64) {
        ptrace::write(self.pid, addr as _, word as _).expect("poke");
    }

    fn run_once(&mut self, addr: u64) -> bool {
        let word = self.insert(addr);
        let mut sig = None;
        loop {
            ptrace::cont(self.pid, sig).expect("cont");
            match waitpid(self.pid, None).expect("waitpid") {
                WaitStatus::Stopped(_, Signal::SIGTRAP) => {
                    let mut regs = ptrace::getregs(self.pid).expect("regs");
                    if regs.rip == addr + 1 {
                        regs.rip = addr;
                        ptrace::setregs(self.pid, regs).expect("setregs");
                        self.remove(addr, word);
                        return true;
                    }
                    sig = None;
                }
                WaitStatus::Stopped(_, s) => sig = Some(s),
                WaitStatus::Exited(..) | WaitStatus::Signaled(..) => {
                    self.exited = true;
                    return false;
                }
                _ => sig = None,
            }
        }
    }

    fn step_over(&self, _addr: u64) {
        ptrace::step(self.pid, None).expect("step");
        waitpid(self.pid, None).expect("waitpid");
    }

    /// Lets the process run to its end and returns what it printed.
    pub fn finish(mut self) -> String {
        while !self.exited {
            ptrace::cont(self.pid, None).expect("cont");
            if let WaitStatus::Exited(..) | WaitStatus::Signaled(..) =
                waitpid(self.pid, None).expect("waitpid")
            {
                self.exited = true;
            }
        }
        std::fs::read_to_string(&self.stdout_path).unwrap_or_default()
    }

    /// Registers of the stopped process.
    pub fn regs(&self) -> Registers {
        let r = ptrace::getregs(self.pid).expect("regs");
        let mut out = Registers::new();
        use gimli_regs::*;
        for (reg, v) in [
            (RAX, r.rax),
            (RDX, r.rdx),
            (RCX, r.rcx),
            (RBX, r.rbx),
            (RSI, r.rsi),
            (RDI, r.rdi),
            (RBP, r.rbp),
            (RSP, r.rsp),
            (R8, r.r8),
            (R9, r.r9),
            (R10, r.r10),
            (R11, r.r11),
            (R12, r.r12),
            (R13, r.r13),
            (R14, r.r14),
            (R15, r.r15),
            (RIP, r.rip),
            (EFLAGS, r.eflags),
            (FS_BASE, r.fs_base),
            (GS_BASE, r.gs_base),
        ] {
            out.set(Registers::by_name(reg).unwrap(), v);
        }
        out
    }

    /// The process's mappings.
    pub fn maps(&self) -> Vec<Mapping> {
        parse_proc_maps(&std::fs::read_to_string(format!("/proc/{}/maps", self.pid)).expect("maps"))
    }
}

/// Register names as [`Registers::by_name`] accepts them.
mod gimli_regs {
    pub const RAX: &str = "rax";
    pub const RDX: &str = "rdx";
    pub const RCX: &str = "rcx";
    pub const RBX: &str = "rbx";
    pub const RSI: &str = "rsi";
    pub const RDI: &str = "rdi";
    pub const RBP: &str = "rbp";
    pub const RSP: &str = "rsp";
    pub const R8: &str = "r8";
    pub const R9: &str = "r9";
    pub const R10: &str = "r10";
    pub const R11: &str = "r11";
    pub const R12: &str = "r12";
    pub const R13: &str = "r13";
    pub const R14: &str = "r14";
    pub const R15: &str = "r15";
    pub const RIP: &str = "rip";
    pub const EFLAGS: &str = "eflags";
    pub const FS_BASE: &str = "fs_base";
    pub const GS_BASE: &str = "gs_base";
}

impl Memory for Tracee {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        match self.mem.read_exact_at(buf, addr) {
            Ok(()) => Ok(()),
            Err(_) => Err(MemoryError {
                addr,
                len: buf.len(),
            }),
        }
    }
}

impl Drop for Tracee {
    fn drop(&mut self) {
        if !self.exited {
            let _ = kill(self.pid, Signal::SIGKILL);
            let _ = waitpid(self.pid, None);
        }
        let _ = std::fs::remove_file(&self.stdout_path);
    }
}
