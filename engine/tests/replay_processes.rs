//! The processes a replay starts are its own to the end: when it kills them
//! (restoring a checkpoint, or being dropped) it also collects their deaths,
//! so that no later `waitpid(-1)` in this process finds one and keeps it
//! under a pid the kernel hands out again (a new checkpoint's first stop
//! then read as that old death: "stopped with Killed(9) while starting the
//! frozen copy").

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

use rewind_engine::replay::Replayer;
use rewind_test_support::record::record_fixture;

/// Whether nothing is left to wait for of `tid`: no stop, no zombie, no
/// task still dying (waitpid answers ECHILD).
fn nothing_left_of(tid: i32) -> bool {
    let mut status = 0;
    // SAFETY: waitpid writes one int to `status`.
    let got = unsafe { libc::waitpid(tid, &mut status, libc::WNOHANG | libc::__WALL) };
    got == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ECHILD)
}

fn reals(rep: &Replayer) -> Vec<i32> {
    rep.live_threads().iter().map(|t| t.1).collect()
}

#[test]
fn killed_replay_processes_are_reaped_before_the_replay_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = record_fixture(tmp.path(), "mt_small", &[]);
    let mut rep = Replayer::start(&trace).unwrap();
    let mut sink = |_: rewind_engine::trace::OutputStream, _: &[u8]| {};
    // Into the part where both threads run: a process of two threads.
    while rep.live_threads().len() < 3 {
        assert!(rep.step_event(&mut sink).unwrap(), "the threads never ran");
    }
    // A point where every thread stands at an event boundary (none parked
    // in a syscall whose event comes later), so that it can be frozen.
    let snap = loop {
        assert!(rep.step_event(&mut sink).unwrap(), "no point to freeze");
        if rep.live_threads().len() < 3 {
            continue;
        }
        if let Some(snap) = rep.snapshot().unwrap() {
            break snap;
        }
    };

    // Restoring kills the live process.
    let before = reals(&rep);
    rep.restore(&snap).unwrap();
    for tid in &before {
        assert!(
            nothing_left_of(*tid),
            "thread {tid} killed by the restore is left to be waited for"
        );
    }
    // The restored replay goes on as recorded.
    for _ in 0..20 {
        rep.step_event(&mut sink).unwrap();
    }

    // Dropping the replay kills its process.
    let last = reals(&rep);
    assert_eq!(last.len(), before.len(), "{last:?} vs {before:?}");
    drop(rep);
    for tid in &last {
        assert!(
            nothing_left_of(*tid),
            "thread {tid} of a dropped replay is left to be waited for"
        );
    }
    drop(snap);
}
