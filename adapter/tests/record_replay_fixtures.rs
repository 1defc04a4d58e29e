//! Every fixture: record, then `replay --check` reproduces its output and
//! exit status exactly — three times each, to catch flakiness.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

mod support;

use rewind_test_support::fixture_arg;
use support::record_and_replay;

fn check(name: &str, args: &[&str], stdin: &[u8], code: i32, expect_in_stdout: &str) {
    let exe = fixture_arg(name);
    let mut program = vec![exe.as_str()];
    program.extend_from_slice(args);
    let rec = record_and_replay(&program, stdin, code);
    assert!(
        rec.stdout_text().contains(expect_in_stdout),
        "{name}: expected {expect_in_stdout:?} in its output:\n{}",
        rec.stdout_text()
    );
}

macro_rules! fixture_tests {
    ($($test:ident: $name:expr, $args:expr, $stdin:expr, $code:expr, $expect:expr;)*) => {
        $(
            #[test]
            fn $test() {
                check($name, $args, $stdin, $code, $expect);
            }
        )*
    };
}

fixture_tests! {
    hello: "hello", &["one", "two"], b"", 0, "i=4";
    hello_o2: "hello-O2", &[], b"", 0, "i=4";
    files: "files", &[], b"", 0, "";
    time: "time", &[], b"", 0, "";
    random: "random", &[], b"", 0, "";
    rdtsc: "rdtsc", &[], b"", 0, "";
    ids: "ids", &[], b"", 0, "";
    mmap: "mmap", &[], b"", 0, "dev_zero_shared_from_child=4242 private_zero=0";
    // Later writes to a file reach its shared mappings; mremap, SIGBUS past
    // the end, MADV_DONTNEED and /dev/zero as natively.
    shared_files: "shared_files", &[], b"", 0,
        "after write: written r[5000]=77 sum=a1a7f7fc\ntwo mappings: r[1]=3 r[8000]=192";
    shared_files_o2: "shared_files-O2", &[], b"", 0,
        "dev/zero: shared_from_child=31337 private0=0 private_written=5";
    malloc: "malloc", &[], b"", 0, "";
    malloc_o2: "malloc-O2", &[], b"", 0, "";
    segfault: "segfault", &[], b"", 139, "";
    abort: "abort", &[], b"", 134, "";
    sigusr1: "sigusr1", &[], b"", 0, "";
    alarm: "alarm", &[], b"", 0, "ticks=3";
    fork_pipe: "fork_pipe", &[], b"", 0, "exit_status=3";
    exec: "exec", &[], b"", 0, "";
    threads: "threads", &[], b"", 0, "";
    threads_o2: "threads-O2", &[], b"", 0, "";
    stdin: "stdin", &[], b"line one\nline two\nthree\n", 0, "";
    loop_fixture: "loop", &[], b"", 0, "";
    syscalls_small: "syscalls", &["2000"], b"", 0, "2000";
    compute_small: "compute", &["100000"], b"", 0, "";
    rust_threads: "rthreads", &[], b"", 0, "";
    exec_with_a_live_thread: "mt_exec", &["exec"], b"", 0, "argv[1]=after-exec";
    exit_with_a_blocked_thread: "mt_exec", &["exit"], b"", 0, "thread started";
    program_sets_its_own_tsc_mode: "tsc_mode", &[], b"", 0,
        "initial tsc=1 seccomp=0\nafter PR_TSC_SIGSEGV: tsc=2 segvs=1\nafter PR_TSC_ENABLE: tsc=1 segvs=1 rdtsc_advances=1\n";
    threads_killed_by_a_sibling_crash: "crash_thread", &[], b"", 0, "child killed by signal 11";
    second_thread_ends_the_process: "mt_exec", &["thread-exit"], b"", 5, "thread ends the process";
    spawn_vfork: "spawn", &[], b"", 0, "posix_spawn child exit_status=0";
    musl_hello: "hello-musl", &["m"], b"", 0, "argv[1]=m";
    musl_threads: "threads-musl", &[], b"", 0, "";
    musl_time: "time-musl", &[], b"", 0, "";
    musl_files: "files-musl", &[], b"", 0, "";
    musl_random: "random-musl", &[], b"", 0, "";
    musl_spin: "spin-musl", &[], b"", 0, "flag=42";
    spin: "spin", &[], b"", 0, "flag=42";
    spin_o2: "spin-O2", &[], b"", 0, "fired=1";
    // Writes in flight at once from many processes / threads to one pipe:
    // the replay re-emits them in the order they reached the pipe.
    fork_tree_50_children: "forktree", &["50"], b"", 0, "parent: 50 children, 0 failed";
    threads_writing_one_pipe: "pipe_writers", &[], b"", 0, "writer 3 line 199";
    // A thread's blocking read completes in the kernel while another thread
    // runs and is interrupted: the read's exit is recorded before any
    // interruption whose memory digest holds its bytes.
    read_in_flight_while_interrupted: "inflight_read", &[], b"", 0, "reader done";
    read_in_flight_while_interrupted_o2: "inflight_read-O2", &[], b"", 0, "reader done";
}
