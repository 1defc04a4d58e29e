#!/usr/bin/env python3
"""rr compatibility: record and replay rr's own test programs, report what fails and why.

rr's test programs (../shared/rr-tests beside the checkout, MIT, not part of this
repository) each exercise one kernel feature, check their own results and print
EXIT-SUCCESS. A program passes under rewind when `rewind record` exits 0 with
EXIT-SUCCESS in its stdout, and `rewind replay --check` exits 0 with
byte-identical stdout. Every program of native-pass.txt is tried, in parallel,
each step bounded by a timeout that kills the whole process group.

    python3 tests/rr/run.py                          # all of native-pass.txt, target 95 %
    python3 tests/rr/run.py --only barrier block     # some programs, kept traces
    python3 tests/rr/run.py --baseline tests/rr/baseline.txt --others-timeout 20  # as CI

Exit status: 0 when the pass rate reaches --target, no failure is silent, and
(with --baseline) every program the baseline lists still passes; 1 otherwise;
0 with a printed reason when the rr tests are absent.
"""

import argparse
import concurrent.futures
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SUITE = REPO.parent / "shared" / "rr-tests"


def run_bounded(argv, cwd, stdout, stderr, timeout):
    """Runs argv in its own process group; returns its exit code, None on timeout."""
    proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout,
                            stderr=stderr, start_new_session=True,
                            env=dict(os.environ, RUST_LOG="warn"))
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    finally:
        # The program's own children (and a recorder that hung) go with the group.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def last_message(stderr_bytes):
    """rewind's last error line, shortened for the table."""
    lines = [l for l in stderr_bytes.decode(errors="replace").splitlines()
             if l.startswith("rewind: ") or "error" in l.lower()]
    text = lines[-1] if lines else ""
    return text[:160]


def classify(message):
    """A short reason class for a rewind error message."""
    rules = [
        ("unsupported", ("not supported", "unsupported", "cannot be recorded", "refuse")),
        ("not-regular-file", ("not a regular file",)),
        ("esrch", ("No such process",)),
        ("diverged", ("diverged", "differ")),
    ]
    for name, needles in rules:
        if any(n in message for n in needles):
            return name
    return "error"


def one_test(rewind, binary, work, timeout):
    """Records and replays one program; returns (class, detail), class 'pass' on success."""
    trace = work / "trace"
    cwd = work / "cwd"
    cwd.mkdir()
    files = {k: open(work / k, "wb+") for k in ("rec.out", "rec.err", "rep.out", "rep.err")}
    try:
        code = run_bounded([rewind, "record", "-o", str(trace), "--", str(binary)], cwd,
                           files["rec.out"], files["rec.err"], timeout)
        data = {}

        def read(k):
            files[k].seek(0)
            return files[k].read()

        if code is None:
            return "record-hang", f"recording ran past {timeout} s"
        data["rec.out"], data["rec.err"] = read("rec.out"), read("rec.err")
        if code != 0:
            msg = last_message(data["rec.err"])
            return "record-" + classify(msg), f"record exit {code}: {msg}"
        if b"EXIT-SUCCESS" not in data["rec.out"]:
            return "record-no-success", "recorded run did not print EXIT-SUCCESS"
        # Replay in a fresh cwd, as the recording was: files the program made are gone.
        shutil.rmtree(cwd)
        cwd.mkdir()
        code = run_bounded([rewind, "replay", "--check", str(trace)], cwd,
                           files["rep.out"], files["rep.err"], timeout)
        if code is None:
            return "replay-hang", f"replay ran past {timeout} s"
        data["rep.out"], data["rep.err"] = read("rep.out"), read("rep.err")
        if code != 0:
            msg = last_message(data["rep.err"])
            return "replay-" + classify(msg), f"replay exit {code}: {msg}"
        if data["rep.out"] != data["rec.out"]:
            return ("SILENT", f"replay --check exited 0 but stdout differs "
                    f"({len(data['rec.out'])} bytes recorded, {len(data['rep.out'])} replayed)")
        return "pass", ""
    finally:
        for f in files.values():
            f.close()


def timed_test(rewind, binary, work, timeout):
    """one_test, and the seconds it took."""
    started = time.monotonic()
    result = one_test(rewind, binary, work, timeout)
    return result, time.monotonic() - started


def build(suite, out):
    """Builds the suite into out unless an up-to-date build is there."""
    status = out / "status.tsv"
    newest = max(p.stat().st_mtime for p in (suite / "src").iterdir())
    if status.exists() and status.stat().st_mtime >= newest:
        return
    print(f"rr-tests: building {suite} into {out} (about 2 minutes)", flush=True)
    shutil.rmtree(out, ignore_errors=True)
    result = subprocess.run(["bash", str(suite / "build.sh"), str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0 or not status.exists():
        sys.exit(f"rr-tests: build.sh failed:\n{result.stdout}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", type=Path, default=DEFAULT_SUITE, help="the rr-tests folder")
    ap.add_argument("--rewind", default=None,
                    help="rewind binary (default: target/release/rewind, else target/debug/rewind)")
    ap.add_argument("--build-dir", type=Path, default=REPO / "target" / "rr-tests")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=60, help="seconds per record or replay")
    ap.add_argument("--target", type=float, default=95.0, help="pass rate to reach, in percent")
    ap.add_argument("--baseline", type=Path, help="programs that must keep passing")
    ap.add_argument("--others-timeout", type=float,
                    help="with --baseline: seconds per step for programs not in it "
                         "(known failures, often hangs; default: --timeout)")
    ap.add_argument("--write-baseline", type=Path, help="write the passing programs here")
    ap.add_argument("--only", nargs="+", help="run these programs only (traces are kept)")
    args = ap.parse_args()
    # A shell starting this in the background ignores SIGINT and SIGQUIT, and children
    # would inherit that: the programs must start with the dispositions they get natively.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)

    if not (args.suite / "native-pass.txt").exists():
        print(f"rr-tests: skipped: {args.suite} is absent (rr's test programs live beside "
              f"the checkout, in ../shared/rr-tests)")
        return 0
    rewind = args.rewind
    if rewind is None:
        rewind = next((str(REPO / "target" / b / "rewind") for b in ("release", "debug")
                       if (REPO / "target" / b / "rewind").exists()), None)
    if rewind is None or not Path(rewind).exists():
        sys.exit("rr-tests: no rewind binary; run `cargo build --release` first")
    rewind = str(Path(rewind).resolve())

    names = (args.suite / "native-pass.txt").read_text().split()
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            sys.exit(f"rr-tests: not in native-pass.txt: {' '.join(unknown)}")
        names = args.only
    build(args.suite, args.build_dir)
    missing = [n for n in names if not (args.build_dir / n).exists()]
    expected = set(args.baseline.read_text().split()) if args.baseline else set()
    others_timeout = args.others_timeout or args.timeout
    base = Path(tempfile.mkdtemp(prefix="rewind-rr-"))
    print(f"rr-tests: {len(names)} programs, {args.jobs} at a time, {args.timeout:.0f} s per "
          f"step, {rewind}", flush=True)

    results = {n: ("build-failed", "build.sh did not produce it") for n in missing}
    seconds = {}
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {}
        for n in names:
            if n in missing:
                continue
            work = base / n
            work.mkdir()
            timeout = args.timeout if n in expected or not args.baseline else others_timeout
            futures[pool.submit(timed_test, rewind, args.build_dir / n, work, timeout)] = n
        for future in concurrent.futures.as_completed(futures):
            n = futures[future]
            results[n], seconds[n] = future.result()
            if results[n][0] == "pass" and not args.only:
                shutil.rmtree(base / n, ignore_errors=True)

    failures = sorted((c, n, d) for n, (c, d) in results.items() if c != "pass")
    for c, n, d in failures:
        print(f"  FAIL {n:<28} {c:<22} {d}")
    by_class = {}
    for c, _, _ in failures:
        by_class[c] = by_class.get(c, 0) + 1
    passed = len(names) - len(failures)
    rate = 100.0 * passed / len(names) if names else 100.0
    slowest = sorted((s, n) for n, s in seconds.items() if results[n][0] == "pass")[-5:]
    print("rr-tests: slowest passing: " +
          ", ".join(f"{n} {s:.1f} s" for s, n in reversed(slowest)))
    print("rr-tests: failures by class: " +
          (", ".join(f"{c} {k}" for c, k in sorted(by_class.items())) or "none"))
    print(f"rr-tests: {passed}/{len(names)} passed ({rate:.1f} %, target {args.target:.0f} %) "
          f"in {time.monotonic() - started:.0f} s; traces of failures kept in {base}")

    ok = True
    if rate < args.target:
        print(f"rr-tests: below the target of {args.target:.0f} %")
        ok = False
    silent = [n for c, n, _ in failures if c == "SILENT"]
    if silent:
        print(f"rr-tests: silent wrong replays (the worst defect): {' '.join(silent)}")
        ok = False
    if args.baseline:
        regressed = sorted(n for n in expected if n in results and results[n][0] != "pass")
        if regressed:
            print(f"rr-tests: regressions against {args.baseline}: {' '.join(regressed)}")
            ok = False
    if args.write_baseline:
        args.write_baseline.write_text(
            "".join(f"{n}\n" for n in sorted(n for n, (c, _) in results.items() if c == "pass")))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
