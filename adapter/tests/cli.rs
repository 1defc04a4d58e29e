//! The CLI's contract: where recordings go, `latest`, exit statuses, dump,
//! and how a divergence is reported.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

mod support;

use rewind_test_support::fixture_arg;
use std::path::Path;
use std::process::{Command, Stdio};
use support::{record, replay_check, Outcome, LIMIT};

/// Runs rewind with a given environment (no stdin).
fn rewind_env(args: &[&str], env: &[(&str, &Path)], remove: &[&str]) -> Outcome {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rewind"));
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    for k in remove {
        cmd.env_remove(k);
    }
    let out = cmd.output().expect("run rewind");
    Outcome {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

#[test]
fn default_location_numbering_and_latest() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("recordings");
    let hello = fixture_arg("hello");
    for n in 0..2 {
        let out = rewind_env(&["record", &hello, "x"], &[("REWIND_DIR", &root)], &[]);
        assert_eq!(out.code, Some(0), "{}", out.stderr_text());
        let dir = root.join(format!("hello-{n}"));
        assert!(
            dir.join("header").is_file(),
            "no trace at {}",
            dir.display()
        );
        assert!(
            out.stderr_text().contains(&dir.display().to_string()),
            "record must say where the trace went: {}",
            out.stderr_text()
        );
        let latest = std::fs::read_link(root.join("latest")).unwrap();
        assert_eq!(latest, Path::new(&format!("hello-{n}")));
    }
    // replay and dump default to the latest recording.
    let out = rewind_env(&["replay", "--check"], &[("REWIND_DIR", &root)], &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr_text());
    assert!(out.stdout_text().contains("argv[1]=x"));
    let out = rewind_env(&["dump"], &[("REWIND_DIR", &root)], &[]);
    assert!(out.stdout_text().contains("hello-1") || out.stdout_text().contains("latest"));
}

#[test]
fn xdg_data_home_then_home() {
    let tmp = tempfile::tempdir().unwrap();
    let hello = fixture_arg("hello");
    let out = rewind_env(
        &["record", &hello],
        &[("XDG_DATA_HOME", tmp.path())],
        &["REWIND_DIR"],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr_text());
    assert!(tmp.path().join("rewind/hello-0/header").is_file());
    let home = tmp.path().join("home");
    let out = rewind_env(
        &["record", &hello],
        &[("HOME", &home)],
        &["REWIND_DIR", "XDG_DATA_HOME"],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr_text());
    assert!(home.join(".local/share/rewind/hello-0/header").is_file());
}

#[test]
fn exit_status_is_the_programs() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, _) = record(tmp.path(), &["sh", "-c", "exit 7"], b"");
    assert_eq!(out.code, Some(7));
    let (out, _) = record(tmp.path(), &["sh", "-c", "kill -TERM $$"], b"");
    assert_eq!(out.code, Some(128 + 15));
}

#[test]
fn dump_lists_events_as_text_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    let (rec, trace) = record(tmp.path(), &[&fixture_arg("hello")], b"");
    assert_eq!(rec.code, Some(0));
    let text = support::rewind(&["dump", trace.to_str().unwrap()], b"", LIMIT);
    assert_eq!(text.code, Some(0), "{}", text.stderr_text());
    let t = text.stdout_text();
    assert!(t.contains("execve("), "{t}");
    assert!(t.contains("[exec "), "{t}");
    assert!(t.contains("[Stdout]"), "{t}");
    assert!(t.contains("exit status 0"), "{t}");
    let json = support::rewind(&["dump", "--json", trace.to_str().unwrap()], b"", LIMIT);
    let lines: Vec<serde_json::Value> = json
        .stdout_text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    assert!(lines[0]["header"]["argv"][0]
        .as_str()
        .unwrap()
        .ends_with("hello"));
    assert!(lines
        .iter()
        .any(|l| l["event"]["kind"]["Syscall"]["output"]["stream"] == "Stdout"));
    assert_eq!(lines.last().unwrap()["end"]["exit_code"], 0);
}

/// A trace whose recorded registers disagree with what the program does:
/// replay stops at that event, names it and the registers, exits 1.
/// Copies `trace` to `dest`, letting `change` edit events; returns the index
/// of the first event `change` edited (it returns true for those).
fn tamper(
    trace: &Path,
    dest: &Path,
    mut change: impl FnMut(&mut rewind_engine::trace::Event) -> bool,
) -> Option<u64> {
    rewrite(trace, dest, |event| {
        if change(event) {
            Edit::Changed
        } else {
            Edit::Kept
        }
    })
}

/// What `rewrite` does with one event.
enum Edit {
    Kept,
    Changed,
    Dropped,
}

/// Copies `trace` to `dest` through `edit`; returns the index (in the copy)
/// of the first event edited.
fn rewrite(
    trace: &Path,
    dest: &Path,
    mut edit: impl FnMut(&mut rewind_engine::trace::Event) -> Edit,
) -> Option<u64> {
    use rewind_engine::trace::{TraceReader, TraceWriter};
    let reader = TraceReader::open(trace).unwrap();
    let mut writer = TraceWriter::create(dest, reader.header()).unwrap();
    let mut stream = reader.events().unwrap();
    let mut index = 0;
    let mut changed = None;
    while let Some(mut event) = stream.next_event().unwrap() {
        match edit(&mut event) {
            Edit::Dropped => continue,
            Edit::Changed if changed.is_none() => changed = Some(index),
            _ => {}
        }
        writer.append(&event).unwrap();
        index += 1;
    }
    for entry in std::fs::read_dir(trace.join("files")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dest.join("files").join(p.file_name().unwrap())).unwrap();
    }
    // The copies come with their recorded lengths and CRCs.
    std::fs::copy(trace.join("files.crc"), dest.join("files.crc")).unwrap();
    let mut end = stream.end().unwrap().clone();
    end.event_count = index;
    writer.finish(&end).unwrap();
    changed
}

#[test]
fn divergence_names_event_syscall_and_registers() {
    use rewind_engine::trace::{EventKind, Regs};
    let tmp = tempfile::tempdir().unwrap();
    let (rec, trace) = record(tmp.path(), &[&fixture_arg("hello")], b"");
    assert_eq!(rec.code, Some(0));
    let tampered = tmp.path().join("tampered");
    let changed = tamper(&trace, &tampered, |event| {
        let is_write =
            matches!(event.kind, EventKind::Syscall { nr, .. } if nr == libc::SYS_write as u64);
        if is_write {
            event.regs.0[Regs::RDX] += 1;
        }
        is_write
    });
    let out = replay_check(&tampered);
    assert_eq!(out.code, Some(1), "{}", out.stderr_text());
    let err = out.stderr_text();
    let index = changed.expect("hello writes");
    assert!(err.contains(&format!("diverged at event {index}")), "{err}");
    assert!(err.contains("syscall write"), "{err}");
    assert!(err.contains("rdx"), "{err}");
}

/// Output is checked, not only re-emitted: a replay whose bytes differ from
/// the recorded ones (here: the recorded digest of the first line) fails at
/// that write, before emitting them.
#[test]
fn replayed_output_that_differs_is_a_divergence() {
    use rewind_engine::trace::{EventKind, OutputBytes, RecordedOutput};
    let tmp = tempfile::tempdir().unwrap();
    let (rec, trace) = record(tmp.path(), &[&fixture_arg("hello")], b"");
    assert_eq!(rec.code, Some(0));
    let tampered = tmp.path().join("tampered");
    let changed = tamper(&trace, &tampered, |event| match &mut event.kind {
        EventKind::Syscall {
            output:
                Some(RecordedOutput {
                    bytes: OutputBytes::InMemory { crc32 },
                    ..
                }),
            ..
        } => {
            *crc32 ^= 1;
            true
        }
        _ => false,
    });
    let index = changed.expect("hello writes to stdout");
    let out = replay_check(&tampered);
    assert_eq!(out.code, Some(1), "{}", out.stderr_text());
    let err = out.stderr_text();
    assert!(err.contains(&format!("diverged at event {index}")), "{err}");
    assert!(err.contains("wrote different bytes to"), "{err}");
    assert!(out.stdout.is_empty(), "nothing unchecked was emitted");
}

/// `rewind demo`: records the bundled program and debugs it backwards; the
/// values at each stop agree with what the program itself prints.
#[test]
fn demo_shows_a_reverse_debugging_session() {
    let out = support::rewind(&["demo"], b"", LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.stderr_text());
    let text = out.stdout_text();
    // The program's own output: total after iteration i.
    assert!(text.contains("i=1 r=3 total=2"), "{text}");
    assert!(text.contains("i=8 r=17 total=72"), "{text}");
    assert!(text.contains("watching the global `total`"), "{text}");
    let stops: Vec<&str> = text.lines().filter(|l| l.contains(" → ")).collect();
    let expect = [
        ("continue", "x=0 total=0"),
        ("continue", "x=1 total=0"),
        ("continue", "x=2 total=2"),
        ("next line", "loop.c:16"),
        ("next line", "loop.c:17"),
        ("step back", "loop.c:16"),
        ("step back", "total=2"),
        ("reverse-continue", "x=1 total=0"),
        ("go to end", "exited with status 0"),
        ("reverse-continue", "x=9 total=72"),
        ("step (the write)", "total=90"),
    ];
    assert_eq!(stops.len(), expect.len(), "{text}");
    for (line, (what, value)) in stops.iter().zip(expect) {
        assert!(
            line.contains(what) && line.contains(value),
            "expected {what} … {value} in {line:?}"
        );
    }
}

/// Memory that differs without ever reaching a register or an output (here:
/// the padding at the end of a getdents64 buffer the program never reads) is
/// still a divergence: the recording's digest of writable memory at
/// exit_group disagrees with the replay's. Without that check (its events
/// dropped) the same replay says it matched.
#[test]
fn memory_that_differs_unseen_is_a_divergence_at_exit() {
    use rewind_engine::trace::EventKind;
    let tmp = tempfile::tempdir().unwrap();
    let (rec, trace) = record(tmp.path(), &[&fixture_arg("files")], b"");
    assert_eq!(rec.code, Some(0), "{}", rec.stderr_text());
    let flip_dirent_padding = |event: &mut rewind_engine::trace::Event| match &mut event.kind {
        EventKind::Syscall { nr, writes, .. } if *nr == libc::SYS_getdents64 as u64 => {
            match writes.first_mut().and_then(|w| w.bytes.last_mut()) {
                Some(last) => {
                    *last ^= 0x5a;
                    true
                }
                None => false,
            }
        }
        _ => false,
    };
    let tampered = tmp.path().join("tampered");
    tamper(&trace, &tampered, flip_dirent_padding).expect("files reads a directory");
    let out = replay_check(&tampered);
    assert_eq!(out.code, Some(1), "{}", out.stderr_text());
    let err = out.stderr_text();
    assert!(
        err.contains("memory check at the entry of syscall exit_group"),
        "{err}"
    );
    assert!(err.contains("writable memory differs"), "{err}");

    let unchecked = tmp.path().join("unchecked");
    let mut flipped = false;
    rewrite(&trace, &unchecked, |event| {
        if matches!(event.kind, EventKind::MemoryCheck { .. }) {
            Edit::Dropped
        } else if !flipped && flip_dirent_padding(event) {
            flipped = true;
            Edit::Changed
        } else {
            Edit::Kept
        }
    });
    let out = replay_check(&unchecked);
    assert_eq!(
        out.code,
        Some(0),
        "the flip alone goes unseen: {}",
        out.stderr_text()
    );
}

/// A program killed by a signal: the recording says which, and `rewind
/// record` exits as a shell would (128+N).
#[test]
fn death_by_signal_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, _) = record(tmp.path(), &[&fixture_arg("segfault")], b"");
    assert_eq!(out.code, Some(128 + 11), "{}", out.stderr_text());
    assert!(
        out.stderr_text()
            .contains("the program was killed by SIGSEGV (segmentation fault)"),
        "{}",
        out.stderr_text()
    );
    let (out, _) = record(tmp.path(), &["sh", "-c", "exit 139"], b"");
    assert_eq!(out.code, Some(139));
    assert!(
        out.stderr_text()
            .contains("the program exited with status 139"),
        "an exit status of 139 is not a signal: {}",
        out.stderr_text()
    );
}

/// `rewind dap` logs to a stderr that is not a terminal (an editor's log
/// panel) without colour escapes.
#[test]
fn dap_logs_have_no_colour_escapes_off_a_terminal() {
    // A malformed message is logged (at warn), then the stream ends.
    let out = support::rewind(&["dap"], b"Content-Length: 9\r\n\r\n{\"seq\":1", LIMIT);
    let stderr = out.stderr_text();
    assert!(stderr.contains("WARN"), "no log line to check:\n{stderr}");
    assert!(!stderr.contains('\x1b'), "colour escapes in:\n{stderr:?}");
}

/// On a terminal, a recording that runs longer than a second shows one
/// updating status line (events, elapsed) on stderr, cleared at the end;
/// off a terminal there is none.
#[test]
fn long_recording_shows_a_status_line_on_a_terminal_only() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipping: `script` (util-linux) is not installed to give rewind a terminal");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    // Two seconds or more of recording (300 fork+exec), well past the one
    // second the line waits for.
    let work = "i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done";
    let trace = tmp.path().join("on-tty");
    let command = format!(
        "{} record -o {} -- sh -c '{work}'",
        env!("CARGO_BIN_EXE_rewind"),
        trace.display()
    );
    let out = support::run_bounded("script", &["-qec", &command, "/dev/null"]);
    let text = out.stdout_text();
    assert_eq!(out.code, Some(0), "{text}");
    assert!(text.contains("rewind: recording: "), "{text:?}");
    assert!(text.contains(" events, "), "{text:?}");
    assert!(text.contains("\r\x1b[K"), "the line is cleared: {text:?}");
    let (plain, _) = record(tmp.path(), &["sh", "-c", work], b"");
    assert_eq!(plain.code, Some(0), "{}", plain.stderr_text());
    assert!(
        !plain.stderr_text().contains("rewind: recording: "),
        "{}",
        plain.stderr_text()
    );
}

/// Whether process `pid` is gone or a zombie (dead, waiting to be reaped by
/// whatever init this machine has).
fn dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/status")) {
        Err(_) => true,
        Ok(status) => status
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z')),
    }
}

/// Waits (bounded) until `pid` is dead.
fn wait_dead(pid: u32, what: &str) {
    support::wait_until(
        &format!("{what}: process {pid} dies"),
        std::time::Duration::from_secs(10),
        || dead(pid),
    );
}

/// A task the program started with CLONE_UNTRACED (the recorder never sees
/// it) dies with the recording: when the program ends and leaves it behind,
/// and when the recorder itself is killed with SIGKILL.
#[test]
fn untraced_tasks_do_not_outlive_the_recording() {
    use std::io::{BufRead, BufReader};
    if !std::path::Path::new("/proc/self/cgroup").exists() {
        eprintln!("skipping: no /proc/self/cgroup");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let start = |trace: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rewind"))
            .args([
                "record",
                "-o",
                tmp.path().join(trace).to_str().unwrap(),
                "--",
            ])
            .arg(fixture_arg("untraced"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let pid: u32 = line
            .trim()
            .strip_prefix("untraced child ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no pid in {line:?}"));
        assert!(!dead(pid), "the untraced child runs while recorded");
        (child, pid)
    };
    // The program ends (stdin closed) and leaves its untraced child running.
    let (mut child, pid) = start("left-behind");
    drop(child.stdin.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2));
    wait_dead(pid, "after the recording ended");
    // The recorder is killed while the program runs.
    let (mut child, pid) = start("recorder-killed");
    child.kill().unwrap();
    child.wait().unwrap();
    wait_dead(pid, "after the recorder was killed");
}
