//! Programs no one here wrote: recorded and replayed exactly.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

mod support;

use support::record_and_replay;

#[test]
fn ls_la_root() {
    let rec = record_and_replay(&["/bin/ls", "-la", "/"], b"", 0);
    assert!(rec.stdout_text().contains("usr"));
}

#[test]
fn date() {
    record_and_replay(&["/bin/date"], b"", 0);
}

#[test]
fn shell_pipeline() {
    let rec = record_and_replay(&["sh", "-c", "echo b a | tr \" \" \"\\n\" | sort"], b"", 0);
    assert_eq!(rec.stdout_text(), "a\nb\n");
}

#[test]
fn python_random_time_pid() {
    record_and_replay(
        &[
            "python3",
            "-c",
            "import random, time, os; print(random.random(), time.time(), os.getpid())",
        ],
        b"",
        0,
    );
}

#[test]
fn gcc_version() {
    let rec = record_and_replay(&["gcc", "--version"], b"", 0);
    assert!(rec.stdout_text().contains("gcc"));
}

/// A Rust program whose launcher execs the real binary (rustup's proxy).
#[test]
fn cargo_version() {
    let rec = record_and_replay(&["cargo", "--version"], b"", 0);
    assert!(rec.stdout_text().starts_with("cargo "));
}

/// The program gets SIGPIPE's default action, as from a shell, although
/// rewind itself (a Rust program) ignores SIGPIPE: `yes` dies of it quietly.
#[test]
fn sigpipe_is_default_for_the_program() {
    let rec = record_and_replay(&["sh", "-c", "yes | head -n 1"], b"", 0);
    assert_eq!(rec.stdout_text(), "y\n");
    assert_eq!(rec.program_stderr(), "", "yes must not see EPIPE");
}

/// Signals ignored and blocked where rewind was started are inherited by the
/// program (as exec passes them on) and replay starts it with the same: the
/// kernel's view of them, as the program reads it, replays exactly.
#[test]
fn inherited_signal_state_is_recorded_and_replayed() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = tmp.path().join("trace");
    // python3 sets the state and execs rewind, which records grep.
    let script = "import os, signal, sys\n\
         signal.signal(signal.SIGINT, signal.SIG_IGN)\n\
         signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})\n\
         os.execv(sys.argv[1], sys.argv[1:])\n";
    let rec = support::run_bounded(
        "python3",
        &[
            "-c",
            script,
            env!("CARGO_BIN_EXE_rewind"),
            "record",
            "-o",
            trace.to_str().unwrap(),
            "--",
            "grep",
            "-E",
            "^Sig(Blk|Ign)",
            "/proc/self/status",
        ],
    );
    assert_eq!(rec.code, Some(0), "{}", rec.stderr_text());
    let text = rec.stdout_text();
    let field = |name: &str| {
        let line = text.lines().find(|l| l.starts_with(name)).unwrap();
        u64::from_str_radix(line.split_whitespace().nth(1).unwrap(), 16).unwrap()
    };
    assert_ne!(field("SigIgn:") & (1 << (libc::SIGINT - 1)), 0, "{text}");
    assert_ne!(field("SigBlk:") & (1 << (libc::SIGUSR1 - 1)), 0, "{text}");
    let rep = support::replay_check(&trace);
    assert_eq!(rep.code, Some(0), "{}", rep.stderr_text());
    assert_eq!(rep.stdout_text(), text);
}

/// `cat FILE` copies with copy_file_range: the bytes never pass through the
/// program's memory, yet replay re-emits exactly what the recorded run printed.
#[test]
fn output_copied_in_the_kernel_is_re_emitted() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("input.txt");
    let text: String = (0..2000).map(|i| format!("line {i}\n")).collect();
    std::fs::write(&file, &text).unwrap();
    let path = file.to_str().unwrap();
    let rec = record_and_replay(&["cat", path], b"", 0);
    assert_eq!(rec.stdout_text(), text);
    let rec = record_and_replay(&["sh", "-c", &format!("tail -c +7 {path}")], b"", 0);
    assert_eq!(rec.stdout_text(), text[6..]);
}

/// Python that vmsplices `spliced from memory\n` from a buffer into stdout.
const VMSPLICE_SCRIPT: &str = "import ctypes\n\
     text = b'spliced from memory\\n'\n\
     buf = ctypes.create_string_buffer(text, len(text))\n\
     class Iovec(ctypes.Structure):\n    \
         _fields_ = [('base', ctypes.c_void_p), ('len', ctypes.c_size_t)]\n\
     iov = Iovec(ctypes.addressof(buf), len(text))\n\
     libc = ctypes.CDLL(None, use_errno=True)\n\
     n = libc.vmsplice(1, ctypes.byref(iov), 1, 0)\n\
     assert n == len(text), ctypes.get_errno()\n";

/// vmsplice of the program's memory into stdout (a pipe here) is output
/// from memory: checked against its digest and re-emitted.
#[test]
fn vmsplice_to_stdout_is_re_emitted() {
    let rec = record_and_replay(&["python3", "-c", VMSPLICE_SCRIPT], b"", 0);
    assert_eq!(rec.stdout_text(), "spliced from memory\n");
}

/// vmsplice puts the program's pages in the pipe, so a reader that reads
/// after the program freed the buffer gets other bytes (natively too). The
/// recorder copies instead: what the reader gets is what replay re-emits,
/// however late it reads. Here the reader reads only after rewind exited.
#[test]
fn vmsplice_output_does_not_depend_on_when_it_is_read() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let tmp = tempfile::tempdir().unwrap();
    let trace = tmp.path().join("trace");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rewind"))
        .args([
            "record",
            "-o",
            trace.to_str().unwrap(),
            "--",
            "python3",
            "-c",
            VMSPLICE_SCRIPT,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    support::wait_until("the recording ends", support::LIMIT, || {
        child.try_wait().unwrap().is_some()
    });
    let mut recorded = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut recorded)
        .unwrap();
    assert_eq!(recorded, "spliced from memory\n");
    let replayed = support::replay_check(&trace);
    assert_eq!(replayed.code, Some(0), "{}", replayed.stderr_text());
    assert_eq!(replayed.stdout_text(), recorded);
}

/// Bytes spliced from a pipe to stdout are consumed from the pipe, so the
/// recording cannot hold them: replay says so, names the event, and
/// `--check` fails rather than claim a match.
#[test]
fn output_spliced_from_a_pipe_is_reported_not_matched() {
    let tmp = tempfile::tempdir().unwrap();
    let script = "import os\n\
         r, w = os.pipe()\n\
         os.write(w, b'through a pipe\\n')\n\
         print('before', flush=True)\n\
         assert os.splice(r, 1, 15) == 15\n\
         print('after', flush=True)\n";
    let (rec, trace) = support::record(tmp.path(), &["python3", "-c", script], b"");
    assert_eq!(rec.code, Some(0), "{}", rec.stderr_text());
    assert_eq!(rec.stdout_text(), "before\nthrough a pipe\nafter\n");
    let rep = support::replay_check(&trace);
    assert_eq!(rep.code, Some(1), "{}", rep.stderr_text());
    assert_eq!(rep.stdout_text(), "before\nafter\n");
    let stderr = rep.stderr_text();
    assert!(
        stderr.contains("replay could not re-emit all the program's output: 15 bytes"),
        "{stderr}"
    );
    assert!(!stderr.contains("replay matched"), "{stderr}");
    let plain = support::rewind(&["replay", trace.to_str().unwrap()], b"", support::LIMIT);
    assert_eq!(plain.code, Some(0), "{}", plain.stderr_text());
    assert!(
        plain.stderr_text().contains("at event "),
        "{}",
        plain.stderr_text()
    );
}

/// Numbers the kernel has no syscall for (`-1`, as rr's tests probe with, a
/// gap in the table, past its end) fail with ENOSYS, as natively, and replay.
#[test]
fn numbers_with_no_syscall_fail_with_enosys() {
    let script = "import ctypes, errno\n\
         libc = ctypes.CDLL(None, use_errno=True)\n\
         libc.syscall.argtypes = [ctypes.c_long]\n\
         for nr in (-1, 400, 100000, 0x40000000 + 100000):\n    \
             r = libc.syscall(nr)\n    \
             print(nr, r, errno.errorcode[ctypes.get_errno()])\n";
    let rec = record_and_replay(&["python3", "-c", script], b"", 0);
    let native = support::run_bounded("python3", &["-c", script]);
    assert_eq!(rec.stdout_text(), native.stdout_text());
    assert_eq!(
        rec.stdout_text().matches(" -1 ENOSYS").count(),
        4,
        "{}",
        rec.stdout_text()
    );
}
