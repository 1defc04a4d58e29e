//! Checkpoints of real programs: fixtures stopped mid-run, forked, restored
//! twice and compared (registers, FPU state, masks, memory digest, then the
//! syscalls and registers of a few hundred stops, or the exit status).

use super::*;
use crate::digest::writable_memory_digest;
use crate::spawn::{current_cpu, pin_current_thread, spawn, SpawnSpec};
use std::sync::{Mutex, MutexGuard, Once};

/// These tests trace, fork and time processes: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn fixture(name: &str) -> String {
    static BUILD: Once = Once::new();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures");
    BUILD.call_once(|| {
        let ok = std::process::Command::new("bash")
            .arg(format!("{root}/build.sh"))
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "fixtures/build.sh failed");
    });
    format!("{root}/build/{name}")
}

/// Starts a fixture and stops it at its first syscall after exec (a SYSEMU
/// entry stop).
fn start(name: &str, args: &[&str]) -> i32 {
    let exe = fixture(name);
    let cpu = current_cpu();
    pin_current_thread(cpu);
    let mut argv = vec![exe.clone()];
    argv.extend(args.iter().map(|a| a.to_string()));
    let pid = spawn(&SpawnSpec {
        exe,
        argv,
        env: vec![],
        cwd: None,
        seccomp: false,
        cpu,
        stdio: None,
        signals: Default::default(),
        cgroup_procs: None,
    })
    .expect("spawn");
    tracee::resume(pid, Resume::Cont, 0).unwrap();
    loop {
        match tracee::wait_tid(pid).unwrap().stop {
            Stop::Event(libc::PTRACE_EVENT_EXEC) => break,
            Stop::Exited(_) | Stop::Killed(_) => panic!("{name} did not start"),
            _ => tracee::resume(pid, Resume::Cont, 0).unwrap(),
        }
    }
    to_entry(pid, 0);
    pid
}

/// Resumes under SYSEMU to the next syscall entry (emulating `rdtsc`, which
/// traps in tracees: spawn sets PR_TSC_SIGSEGV).
fn to_entry(tid: i32, sig: i32) -> Regs {
    let mut sig = sig;
    loop {
        tracee::resume(tid, Resume::Sysemu, sig).unwrap();
        let stop = tracee::wait_tid(tid).unwrap().stop;
        if stop == Stop::Signal(libc::SIGSEGV) && emulate_rdtsc(tid) {
            sig = 0;
            continue;
        }
        assert_eq!(stop, Stop::Syscall, "thread {tid} did not reach a syscall");
        return tracee::get_regs(tid).unwrap();
    }
}

/// At a SIGSEGV stop: when caused by `rdtsc`/`rdtscp`, completes it with a
/// fixed value (the same in every copy) and returns true.
fn emulate_rdtsc(tid: i32) -> bool {
    let mut regs = tracee::get_regs(tid).unwrap();
    let Ok(mem) = ProcMem::open(tid) else {
        return false;
    };
    let Ok(code) = mem.read(regs.rip(), 3) else {
        return false;
    };
    let (aux, len) = match code[..] {
        [0x0f, 0x31, _] => (None, 2),
        [0x0f, 0x01, 0xf9] => (Some(0), 3),
        _ => return false,
    };
    regs.apply_rdtsc(0x1234_5678_9abc, aux, len);
    tracee::set_regs(tid, &regs).unwrap();
    true
}

/// At a SYSEMU entry stop: carries out the syscall (writes to stdout and
/// stderr are emulated, to keep the test output clean, and getrandom, to keep
/// runs comparable) and leaves the thread
/// at its exit stop. New threads and processes go to `born`.
fn execute(tid: i32, born: &mut Vec<i32>) {
    let regs = tracee::get_regs(tid).unwrap();
    let nr = regs.orig_rax() as i64;
    let a = regs.syscall_args();
    let emulate_getrandom = nr == libc::SYS_getrandom && a[1] <= 4096;
    if emulate_getrandom {
        // Deterministic "random" bytes, the same in every copy.
        let mem = ProcMem::open(tid).unwrap();
        mem.write(a[0], &vec![0x5a; a[1] as usize]).unwrap();
    }
    if (nr == libc::SYS_write && (a[0] == 1 || a[0] == 2)) || emulate_getrandom {
        // Emulated: to an exit stop of a harmless syscall with the result set.
        let mut r = regs;
        r.0[Regs::RIP] -= 2;
        r.0[Regs::RAX] = libc::SYS_getpid as u64;
        tracee::set_regs(tid, &r).unwrap();
        run_syscall(tid, born);
        let mut after = tracee::get_regs(tid).unwrap();
        after.0[Regs::RAX] = a[2];
        after.0[Regs::ORIG_RAX] = nr as u64;
        after.set_syscall_args(&a);
        tracee::set_regs(tid, &after).unwrap();
        return;
    }
    let mut r = regs;
    r.0[Regs::RIP] -= 2;
    r.0[Regs::RAX] = regs.orig_rax();
    tracee::set_regs(tid, &r).unwrap();
    run_syscall(tid, born);
}

fn run_syscall(tid: i32, born: &mut Vec<i32>) {
    tracee::resume(tid, Resume::Syscall, 0).unwrap();
    let mut entered = false;
    loop {
        match tracee::wait_tid(tid).unwrap().stop {
            Stop::Syscall => match tracee::get_syscall_info_op(tid).unwrap() {
                SyscallInfoOp::Entry => entered = true,
                SyscallInfoOp::Exit if entered => return,
                _ => {}
            },
            Stop::Event(libc::PTRACE_EVENT_CLONE | libc::PTRACE_EVENT_FORK) => {
                let child = tracee::get_event_msg(tid).unwrap() as i32;
                assert_eq!(
                    tracee::wait_tid(child).unwrap().stop,
                    Stop::Signal(libc::SIGSTOP)
                );
                born.push(child);
            }
            stop => panic!("thread {tid}: unexpected {stop:?} in a syscall"),
        }
        tracee::resume(tid, Resume::Syscall, 0).unwrap();
    }
}

/// Carries out the syscall at the entry stop and goes to the next entry.
fn step(tid: i32, born: &mut Vec<i32>) -> Regs {
    execute(tid, born);
    to_entry(tid, 0)
}

fn is_exit(regs: &Regs) -> bool {
    let nr = regs.orig_rax() as i64;
    nr == libc::SYS_exit_group || nr == libc::SYS_exit
}

/// From any of the stops a checkpoint supports: resumes with `sig` under
/// SYSEMU and records the registers of the next `n` syscall entries (each
/// syscall carried out), stopping early at the program's exit.
fn trace_stops(tid: i32, sig: i32, n: usize) -> Vec<Regs> {
    let mut out = vec![to_entry(tid, sig)];
    let mut born = vec![];
    while out.len() < n && !is_exit(&out[out.len() - 1]) {
        out.push(step(tid, &mut born));
    }
    assert!(born.is_empty(), "single-threaded fixture made children");
    out
}

fn digest(pid: i32, rsp: u64) -> u32 {
    writable_memory_digest(pid, &ProcMem::open(pid).unwrap(), rsp).unwrap()
}

/// Everything the program can see of one thread.
#[derive(Debug, PartialEq)]
struct Seen {
    regs: Regs,
    fxsave: Vec<u8>,
    mask: u64,
    kind: Option<StopKind>,
}

fn seen(tid: i32) -> Seen {
    Seen {
        regs: tracee::get_regs(tid).unwrap(),
        fxsave: tracee::get_fpregs(tid).unwrap(),
        mask: sys::get_sigmask(tid).unwrap(),
        kind: classify(tid).ok(),
    }
}

fn assert_same(what: &str, a: &Seen, b: &Seen) {
    let diffs = tracee::regs_diff(&a.regs, &b.regs);
    assert!(diffs.is_empty(), "{what}: registers differ: {diffs:?}");
    assert!(a.fxsave == b.fxsave, "{what}: FXSAVE differs");
    assert_eq!(a.mask, b.mask, "{what}: signal mask differs");
    assert_eq!(a.kind, b.kind, "{what}: kind of stop differs");
}

/// Kills processes of the test and reaps every thread given.
fn kill_all(tids: &[i32]) {
    for &t in tids {
        let _ = sys::kill_process(t);
    }
    for &t in tids {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            match sys::poll_tid(t) {
                Ok(sys::Polled::Gone(_) | sys::Polled::NoChild) | Err(_) => break,
                Ok(sys::Polled::Stopped(_)) => {
                    let _ = tracee::resume(t, Resume::Cont, 0);
                }
                Ok(sys::Polled::Nothing) => std::thread::sleep(Duration::from_micros(100)),
            }
        }
    }
}

/// How the single thread is stopped when the checkpoint is taken.
#[derive(Clone, Copy, Debug)]
enum Prepare {
    /// At a SYSEMU entry stop (the replayer's usual place).
    Entry,
    /// At the exit stop of a syscall carried out for real.
    Exit,
    /// In a signal-delivery-stop for SIGWINCH (ignored by default).
    Signal,
}

/// Checkpoints `name` after `before` syscalls, runs the original `after`
/// stops on, restores twice and compares everything.
fn roundtrip(name: &str, args: &[&str], before: usize, after: usize, how: Prepare) {
    let pid = start(name, args);
    let mut born = vec![];
    for _ in 0..before {
        let r = step(pid, &mut born);
        assert!(!is_exit(&r), "{name} ended before the checkpoint");
    }
    // rip is after a `syscall` instruction at a SYSEMU entry stop.
    let insn = tracee::get_regs(pid).unwrap().rip() - 2;
    let resume_sig = match how {
        Prepare::Entry => 0,
        Prepare::Exit => {
            execute(pid, &mut born);
            0
        }
        Prepare::Signal => {
            tracee::tgkill(pid, pid, libc::SIGWINCH).unwrap();
            tracee::resume(pid, Resume::Sysemu, 0).unwrap();
            let stop = tracee::wait_tid(pid).unwrap().stop;
            assert_eq!(stop, Stop::Signal(libc::SIGWINCH));
            libc::SIGWINCH
        }
    };
    let before_seen = seen(pid);
    let siginfo = tracee::get_siginfo(pid).unwrap();
    let rsp = before_seen.regs.rsp();
    let d0 = digest(pid, rsp);
    let ckpt = Checkpoint::create(&[pid], insn, &mut DirectWaiter).expect("create");
    // A sibling of the original (CLONE_PARENT): the program sees no child.
    assert_eq!(ppid(ckpt.pid()), ppid(pid));
    assert_ne!(ckpt.pid(), pid);
    // The original is exactly as it was.
    assert_same("original after create", &before_seen, &seen(pid));
    assert_eq!(digest(pid, rsp), d0, "original's memory changed");
    assert_eq!(tracee::get_siginfo(pid).unwrap(), siginfo);
    assert_eq!(ckpt.threads()[0].kind, before_seen.kind.clone().unwrap());

    let original = trace_stops(pid, resume_sig, after);
    if name == "bigmem" {
        assert_ne!(
            digest(pid, rsp),
            d0,
            "the original should have written memory"
        );
    }
    for round in 0..2 {
        let tids = ckpt.restore(&mut DirectWaiter).expect("restore");
        assert_eq!(tids.len(), 1);
        let copy = tids[0];
        assert_eq!(ppid(copy), ppid(pid), "getppid() would differ");
        assert_same(&format!("restore {round}"), &before_seen, &seen(copy));
        assert_eq!(digest(copy, rsp), d0, "restore {round}: memory differs");
        if let Prepare::Signal = how {
            assert_eq!(tracee::get_siginfo(copy).unwrap(), siginfo);
        }
        let replayed = trace_stops(copy, resume_sig, after);
        assert_eq!(
            replayed.len(),
            original.len(),
            "restore {round}: stop count"
        );
        for (i, (a, b)) in original.iter().zip(&replayed).enumerate() {
            let d = tracee::regs_diff(a, b);
            assert!(
                d.is_empty(),
                "restore {round}, stop {i} (syscall {} after {}): {d:?}",
                b.orig_rax(),
                if i > 0 { replayed[i - 1].orig_rax() } else { 0 }
            );
        }
        kill_all(&[copy]);
    }
    // The frozen copy holds at least its page tables; after the original
    // wrote memory, also the old pages.
    assert!(ckpt.memory_bytes() > 0);
    let frozen = ckpt.pid();
    drop(ckpt);
    assert!(
        !std::path::Path::new(&format!("/proc/{frozen}")).exists(),
        "the frozen copy was not reaped"
    );
    kill_all(&[pid]);
}

fn ppid(pid: i32) -> i32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("PPid:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn restores_a_single_thread_at_a_sysemu_entry() {
    let _g = serial();
    roundtrip("bigmem", &["4", "2000"], 40, 300, Prepare::Entry);
}

#[test]
fn restores_a_single_thread_at_a_syscall_exit() {
    let _g = serial();
    // Past glibc's getrandom() for malloc's tcache key (syscall ~30): these
    // are live, unrecorded runs, so random bytes would differ between them.
    roundtrip("malloc", &[], 32, 300, Prepare::Exit);
}

#[test]
fn restores_a_single_thread_at_a_signal_delivery_stop() {
    let _g = serial();
    roundtrip("bigmem", &["2", "2000"], 40, 200, Prepare::Signal);
}

/// Resumes every thread of a process freely (entry-stopped ones carry out
/// their syscall) and waits for it to end; returns the leader's wait status.
fn run_to_exit(leader: i32, threads: &[(i32, Option<StopKind>)]) -> i32 {
    let mut live: Vec<i32> = vec![];
    for (tid, kind) in threads {
        let sig = match kind {
            Some(StopKind::SysemuEntry) => {
                let regs = tracee::get_regs(*tid).unwrap();
                let mut r = regs;
                r.0[Regs::RIP] -= 2;
                r.0[Regs::RAX] = regs.orig_rax();
                tracee::set_regs(*tid, &r).unwrap();
                0
            }
            Some(StopKind::Signal { siginfo }) => {
                let s = siginfo_signo(siginfo);
                if s == libc::SIGSTOP {
                    0
                } else {
                    s
                }
            }
            _ => 0,
        };
        tracee::resume(*tid, Resume::Cont, sig).unwrap();
        live.push(*tid);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut leader_status = None;
    while !live.is_empty() {
        assert!(Instant::now() < deadline, "process {leader} did not finish");
        let mut idle = true;
        for i in (0..live.len()).rev() {
            let tid = live[i];
            match sys::poll_tid(tid).unwrap() {
                sys::Polled::Nothing => {}
                sys::Polled::Gone(status) => {
                    idle = false;
                    live.swap_remove(i);
                    if tid == leader {
                        leader_status = Some(status);
                    }
                }
                sys::Polled::NoChild => {
                    live.swap_remove(i);
                }
                sys::Polled::Stopped(status) => {
                    idle = false;
                    let event = status >> 16;
                    let sig = libc::WSTOPSIG(status);
                    let pass =
                        if event == libc::PTRACE_EVENT_CLONE || event == libc::PTRACE_EVENT_FORK {
                            live.push(tracee::get_event_msg(tid).unwrap() as i32);
                            0
                        } else if event != 0
                            || sig == libc::SIGSTOP
                            || sig == (libc::SIGTRAP | 0x80)
                            || (sig == libc::SIGSEGV && emulate_rdtsc(tid))
                        {
                            0
                        } else {
                            sig
                        };
                    tracee::resume(tid, Resume::Cont, pass).unwrap();
                }
            }
        }
        if idle {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
    leader_status.expect("the leader's exit was not seen")
}

#[test]
fn restores_threads_with_their_tls_masks_and_stops() {
    let _g = serial();
    let pid = start("threads", &[]);
    let mut workers = vec![];
    let mut steps = 0;
    while workers.len() < 3 {
        let r = step(pid, &mut workers);
        steps += 1;
        assert!(!is_exit(&r) && steps < 500, "no threads were created");
    }
    let insn = tracee::get_regs(pid).unwrap().rip() - 2;
    // One thread in each kind of stop. The main thread: a signal-delivery-stop
    // after its syscall (carried out first, so that resuming it is right).
    execute(pid, &mut workers);
    tracee::tgkill(pid, pid, libc::SIGWINCH).unwrap();
    tracee::resume(pid, Resume::Sysemu, 0).unwrap();
    assert_eq!(
        tracee::wait_tid(pid).unwrap().stop,
        Stop::Signal(libc::SIGWINCH)
    );
    // The first worker: the exit stop of its second syscall (its first
    // syscalls, rseq, set_robust_list, rt_sigprocmask, take no locks).
    let w1 = workers[0];
    to_entry(w1, 0);
    step(w1, &mut vec![]);
    execute(w1, &mut vec![]);
    // The second stays in its first SIGSTOP; the third goes to its first
    // syscall entry.
    to_entry(workers[2], 0);
    let threads: Vec<i32> = [pid].into_iter().chain(workers.iter().copied()).collect();
    let before: Vec<Seen> = threads.iter().map(|&t| seen(t)).collect();
    let kinds: Vec<_> = before.iter().map(|s| s.kind.clone().unwrap()).collect();
    assert_eq!(kinds[0].signal(), Some(libc::SIGWINCH));
    assert_eq!(kinds[1], StopKind::SyscallExit);
    assert_eq!(kinds[2].signal(), Some(libc::SIGSTOP));
    assert_eq!(kinds[3], StopKind::SysemuEntry);
    let fs_bases: Vec<u64> = before.iter().map(|s| s.regs.0[reg("fs_base")]).collect();
    let mut distinct = fs_bases.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), fs_bases.len(), "threads share a TLS");
    let rsp = before[0].regs.rsp();
    let d0 = digest(pid, rsp);

    // Bad input is an error that leaves the process alone.
    assert!(matches!(
        Checkpoint::create(&threads[..2], insn, &mut DirectWaiter),
        Err(CheckpointError::ThreadSet { .. })
    ));
    assert!(matches!(
        Checkpoint::create(&threads, insn + 1, &mut DirectWaiter),
        Err(CheckpointError::NoSyscallInsn { .. })
    ));
    let ckpt = Checkpoint::create(&threads, insn, &mut DirectWaiter).expect("create");
    for (i, &t) in threads.iter().enumerate() {
        assert_same(&format!("original thread {i}"), &before[i], &seen(t));
    }
    assert_eq!(digest(pid, rsp), d0, "original's memory changed");
    assert!(
        ckpt.threads()[1..].iter().all(|t| t.clear_child_tid != 0),
        "clear_child_tid of pthreads not found"
    );

    let status = run_to_exit(
        pid,
        &threads
            .iter()
            .zip(&before)
            .map(|(&t, s)| (t, s.kind.clone()))
            .collect::<Vec<_>>(),
    );
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);

    for round in 0..2 {
        let tids = ckpt.restore(&mut DirectWaiter).expect("restore");
        assert_eq!(tids.len(), threads.len());
        let mut task: Vec<i32> = std::fs::read_dir(format!("/proc/{}/task", tids[0]))
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        task.sort_unstable();
        let mut sorted = tids.clone();
        sorted.sort_unstable();
        assert_eq!(task, sorted, "restore {round}: threads of the new process");
        for (i, &t) in tids.iter().enumerate() {
            assert_same(&format!("restore {round} thread {i}"), &before[i], &seen(t));
        }
        assert_eq!(digest(tids[0], rsp), d0, "restore {round}: memory differs");
        let status = run_to_exit(
            tids[0],
            &tids
                .iter()
                .zip(&before)
                .map(|(&t, s)| (t, s.kind.clone()))
                .collect::<Vec<_>>(),
        );
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "restore {round}: status {status:#x}"
        );
    }
}

fn reg(name: &str) -> usize {
    tracee::REG_NAMES.iter().position(|n| *n == name).unwrap()
}

fn rss_bytes(pid: i32) -> u64 {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).unwrap();
    statm
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        * 4096
}

fn meminfo(field: &str) -> u64 {
    let info = std::fs::read_to_string("/proc/meminfo").unwrap();
    kb_field(&info, field)
}

/// Prints creation and restore latencies at ~10 MB and ~100 MB RSS and the
/// memory held by 32 checkpoints (`cargo test -p rewind-engine checkpoint::tests::bench -- --nocapture`).
#[test]
fn bench_checkpoint_latency_and_memory() {
    let _g = serial();
    for mb in [10u64, 100] {
        let pid = start("bigmem", &[&mb.to_string(), "100000"]);
        let mut born = vec![];
        // Run to the first getppid: the buffer is allocated and touched.
        let mut r = tracee::get_regs(pid).unwrap();
        while r.orig_rax() as i64 != libc::SYS_getppid {
            r = step(pid, &mut born);
        }
        let insn = r.rip() - 2;
        let rss = rss_bytes(pid);
        let runs = 10u32;
        let mut create = Duration::ZERO;
        let mut restore = Duration::ZERO;
        for _ in 0..runs {
            let t = Instant::now();
            let ckpt = Checkpoint::create(&[pid], insn, &mut DirectWaiter).unwrap();
            create += t.elapsed();
            let t = Instant::now();
            let tids = ckpt.restore(&mut DirectWaiter).unwrap();
            restore += t.elapsed();
            kill_all(&tids);
        }
        eprintln!(
            "checkpoint at {:.1} MB RSS: create {:.2} ms, restore {:.2} ms (mean of {runs})",
            rss as f64 / 1e6,
            create.as_secs_f64() * 1e3 / runs as f64,
            restore.as_secs_f64() * 1e3 / runs as f64,
        );
        if mb == 100 {
            let (anon0, tables0) = (meminfo("AnonPages:"), meminfo("PageTables:"));
            let mut ckpts = vec![];
            for _ in 0..32 {
                ckpts.push(Checkpoint::create(&[pid], insn, &mut DirectWaiter).unwrap());
                // 16 rounds of 16 pages: 1 MiB written between checkpoints.
                for _ in 0..16 {
                    step(pid, &mut born);
                }
            }
            let held: u64 = ckpts.iter().map(|c| c.memory_bytes()).sum();
            let pss: u64 = ckpts
                .iter()
                .map(|c| c.memory_usage().map_or(0, |u| u.pss_bytes))
                .sum();
            let t = Instant::now();
            let exact: u64 = ckpts.iter().map(|c| c.memory_held(pid).unwrap()).sum();
            let exact_time = t.elapsed();
            let (anon1, tables1) = (meminfo("AnonPages:"), meminfo("PageTables:"));
            eprintln!(
                "32 checkpoints of a {:.1} MB process, 1 MiB written after each: \
                 sum of memory_bytes {:.1} MB, sum of memory_held {:.1} MB (computed in \
                 {:.1} ms), sum of Pss {:.1} MB; system-wide AnonPages +{:.1} MB, \
                 PageTables +{:.1} MB",
                rss as f64 / 1e6,
                held as f64 / 1e6,
                exact as f64 / 1e6,
                exact_time.as_secs_f64() * 1e3,
                pss as f64 / 1e6,
                anon1.saturating_sub(anon0) as f64 / 1e6,
                tables1.saturating_sub(tables0) as f64 / 1e6,
            );
            assert!(held > 0);
            // 32 MiB written after the checkpoints were taken, plus page tables.
            assert!((24 << 20..80 << 20).contains(&exact), "held {exact}");
            let t = Instant::now();
            drop(ckpts);
            eprintln!(
                "dropping 32 checkpoints: {:.2} ms",
                t.elapsed().as_secs_f64() * 1e3
            );
        }
        kill_all(&[pid]);
    }
}

// Parsing and accounting helpers of checkpoint/mod.rs.
#[test]
fn kb_fields_parse() {
    let text = "Rss:                1234 kB\nPrivate_Dirty:        8 kB\n";
    assert_eq!(kb_field(text, "Private_Dirty:"), 8 * 1024);
    assert_eq!(kb_field(text, "Private_Clean:"), 0);
}

#[test]
fn siginfo_fields() {
    let mut info = [0u8; 128];
    info[0..4].copy_from_slice(&5i32.to_le_bytes());
    info[8..12].copy_from_slice(&(libc::SIGTRAP | (4 << 8)).to_le_bytes());
    assert_eq!(siginfo_signo(&info), 5);
    assert_eq!(siginfo_code(&info) >> 8, 4);
    let kind = StopKind::Signal {
        siginfo: Box::new(info),
    };
    assert_eq!(kind.signal(), Some(5));
}

#[test]
fn bad_input_is_an_error() {
    assert!(matches!(
        Checkpoint::create(&[], 0, &mut DirectWaiter),
        Err(CheckpointError::NoThreads)
    ));
    // Our own process is no tracee: the thread set check or the ptrace calls refuse it.
    let me = std::process::id() as i32;
    assert!(Checkpoint::create(&[me], 0, &mut DirectWaiter).is_err());
}
