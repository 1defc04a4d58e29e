//! Replay of programs whose recordings hold interruptions deep in hot code
//! (issue 10's table): each is recorded once per run and replayed, and the
//! record and replay times are printed beside the native run's, measured in
//! this process, with how replay found the interruptions (in-process
//! finders installed, traps at candidates, sites that could not carry one).
//! Prints figures; asserts only that each replay ends like its recording.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rewind_engine::replay::Replayer;
use rewind_engine::trace::{EventKind, TraceReader};
use rewind_test_support::record::{options, record};

const RUNS: usize = 3;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn which(program: &str) -> Option<String> {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn native(argv: &[&str]) -> Duration {
    median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                let status = Command::new(argv[0])
                    .args(&argv[1..])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .unwrap();
                assert!(status.success(), "{argv:?} failed natively");
                start.elapsed()
            })
            .collect(),
    )
}

fn bench(name: &str, argv: &[&str], scratch: &std::path::Path) {
    let Some(exe) = which(argv[0]) else {
        println!("{name}: skipped ({} is not installed)", argv[0]);
        return;
    };
    let mut full = vec![exe.as_str()];
    full.extend_from_slice(&argv[1..]);
    let native = native(&full);
    let (mut records, mut replays) = (Vec::new(), Vec::new());
    let mut last = String::new();
    for run in 0..RUNS {
        let dir = scratch.join(format!("{}-{run}", argv[0]));
        let args: Vec<&str> = argv[1..].to_vec();
        let mut opts = options(std::path::Path::new(&exe), &args, scratch, &dir);
        opts.env = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
        let null = std::fs::File::create("/dev/null").unwrap();
        use std::os::fd::AsRawFd;
        opts.stdio = Some([null.as_raw_fd(), null.as_raw_fd(), null.as_raw_fd()]);
        let start = Instant::now();
        record(&opts);
        records.push(start.elapsed());
        let interrupts = TraceReader::open(&dir)
            .unwrap()
            .events()
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| matches!(e.kind, EventKind::Interrupt { .. }))
            })
            .count();
        let start = Instant::now();
        let summary = match Replayer::start(&dir).unwrap().run_to_end(&mut |_, _| {}) {
            Ok(summary) => summary,
            Err(e) => {
                // A benchmark reports; the tests judge.
                println!("{name}: run {run}: replay failed: {e}");
                return;
            }
        };
        replays.push(start.elapsed());
        assert_eq!(summary.replayed_exit, summary.recorded_exit, "{name}");
        last = format!(
            "{interrupts} interruptions; finders installed {}, candidates {}, fell back {:?}",
            summary.finders.installed, summary.finders.candidates, summary.finders.fallbacks
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
    let ratio = |d: Duration| d.as_secs_f64() / native.as_secs_f64();
    let (rec, rep) = (median(records), median(replays));
    println!("{name}");
    println!("  native  {:>9.1} ms", native.as_secs_f64() * 1e3);
    println!(
        "  record  {:>9.1} ms  {:>7.2}x native",
        rec.as_secs_f64() * 1e3,
        ratio(rec)
    );
    println!(
        "  replay  {:>9.1} ms  {:>7.2}x native   (last run: {last})",
        rep.as_secs_f64() * 1e3,
        ratio(rep)
    );
}

fn main() {
    let scratch = tempfile::tempdir().unwrap();
    println!(
        "rewind replay of interrupted hot code (software progress mode, median of {RUNS} runs)\n"
    );
    let longloop = rewind_test_support::fixture("longloop-O2");
    bench(
        "longloop-O2 (two hot loops, each ended by SIGPROF)",
        &[longloop.to_str().unwrap()],
        scratch.path(),
    );
    bench(
        "sh -c 'seq 1 200000 | sort -r | uniq | wc -l'",
        &["sh", "-c", "seq 1 200000 | sort -r | uniq | wc -l"],
        scratch.path(),
    );
    bench(
        "openssl speed -seconds 1 -bytes 1024 sha256 (SIGALRM ends the hot loop)",
        &[
            "openssl", "speed", "-seconds", "1", "-bytes", "1024", "sha256",
        ],
        scratch.path(),
    );
    bench(
        "node -e (a loop, then a setTimeout)",
        &[
            "node",
            "-e",
            "let s = 0; for (let i = 0; i < 3e7; i++) s += i % 7; setTimeout(() => console.log(s), 10)",
        ],
        scratch.path(),
    );
    bench(
        "python3, 4 threads summing",
        &[
            "python3",
            "-c",
            "import threading\n\
             def work(): sum(i * i for i in range(300000))\n\
             ts = [threading.Thread(target=work) for _ in range(4)]\n\
             [t.start() for t in ts]; [t.join() for t in ts]",
        ],
        scratch.path(),
    );
}
