#!/usr/bin/env python3
"""Stress suite: record and replay real programs under load, N times each.

While both cores are kept busy by a load generator and the recorder (then the
replayer) is paused and resumed at random, every program is recorded with its
stdout and stderr captured, then replayed with `rewind replay --check`. A round
passes only when the replay matched, re-emitted exactly the recorded stdout
and stderr bytes in the same order, and the exit status is the same. Any
failure is printed with the replay's message and its trace is kept.

    python3 tests/stress/run.py                       # the full form: 20 rounds each
    python3 tests/stress/run.py --rounds 2 --budget 170   # the bounded form (.ci/run)

Exit status: 0 when every round passed, 1 otherwise.
"""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "build"
# A record or a replay that takes longer than this is a hang: a failure.
STEP_LIMIT_S = 180

SMALL_C = """#include <stdio.h>
static int square(int x) { return x * x; }
int main(void) { int s = 0; for (int i = 0; i < 10; i++) s += square(i); printf("%d\\n", s); return 0; }
"""

MAKEFILE = """all: a.o b.o c.o d.o
%.o: %.c
\tgcc -O2 -c $< -o $@
"""

POOL = """from multiprocessing import Pool
with Pool(2) as pool:
    print(pool.map(abs, range(-40, 0)))
"""


def setup_gcc(work):
    (work / "small.c").write_text(SMALL_C)


def setup_make(work):
    (work / "Makefile").write_text(MAKEFILE)
    for name in "abcd":
        (work / f"{name}.c").write_text(SMALL_C.replace("main", f"main_{name}"))


def setup_git(work):
    for i in range(20):
        (work / f"file{i}.txt").write_text(f"line {i}\n" * (i + 1))


def setup_git_2000(work):
    for d in range(20):
        sub = work / f"dir{d}"
        sub.mkdir()
        for i in range(100):
            (sub / f"file{i}.txt").write_text(f"dir {d} file {i}\n")


GIT_2000_SCRIPT = (
    "git init -q . && git add . && git commit -q -m first && "
    "for d in 3 7 11; do echo changed >> dir$d/file42.txt; done && touch new.txt && "
    "git status && git status --short | wc -l"
)

GIT_SCRIPT = (
    "git init -q . && git add . && git commit -q -m first && "
    "echo more >> file3.txt && git status --short && git commit -qam second && "
    "git log --oneline | wc -l"
)

SUBSHELLS = (
    "for i in 1 2 3 4 5 6 7 8; do ( echo sub $i $(echo inner $i | tr a-z A-Z) ) & done; wait; "
    "x=$(seq 1 50 | paste -sd+ | bc 2>/dev/null || echo nobc); echo sum $x"
)

# name -> (argv, setup(work dir) or None, needed executable or None)
PROGRAMS = {
    "pipeline": (["sh", "-c", "seq 1 300000 | cat | wc -l"], None, "seq"),
    "spin-threads": ([str(FIXTURES / "spin")], None, None),
    "fork-tree-50": ([str(FIXTURES / "forktree"), "50"], None, None),
    "pipe-writers": ([str(FIXTURES / "pipe_writers")], None, None),
    # A blocking read completes in the kernel while another thread is interrupted.
    "read-in-flight": ([str(FIXTURES / "inflight_read")], None, None),
    # JIT code interrupted while a libuv thread waits in the kernel.
    "node-loop": (["node", "-e", "let s = 0; for (let i = 0; i < 3e7; i++) s += i % 7; "
                   "setTimeout(() => console.log(s), 10)"], None, "node"),
    "python-pool": ([sys.executable, "-c", POOL], None, None),
    "gcc": (["gcc", "-O2", "-o", "small", "small.c"], setup_gcc, "gcc"),
    "make-j2": (["make", "-s", "-j2"], setup_make, "make"),
    "git": (["sh", "-c", GIT_SCRIPT], setup_git, "git"),
    "xz-threads": (["sh", "-c", "seq 1 200000 | xz -T2 -1 | xz -d | wc -l"], None, "xz"),
    "tar-gzip": (["sh", "-c", "tar czf - -C /usr/include linux | tar xzf - && ls linux | wc -l"],
                 None, "tar"),
    "forks-200": (["sh", "-c", "for i in $(seq 200); do /bin/true; done; echo forked"], None, None),
    "bash-subshells": (["bash", "-c", SUBSHELLS], None, "bash"),
    # The full-size cases: minutes per round, so only with --heavy (or --only).
    "git-status-2000": (["sh", "-c", GIT_2000_SCRIPT], setup_git_2000, "git"),
    "tar-usr-include": (["sh", "-c", "tar czf - -C /usr include | tar xzf - && "
                         "find include -type f | wc -l"], None, "tar"),
}
HEAVY = {"git-status-2000", "tar-usr-include"}

GIT_ENV = {
    "GIT_AUTHOR_NAME": "stress",
    "GIT_AUTHOR_EMAIL": "stress@example.invalid",
    "GIT_COMMITTER_NAME": "stress",
    "GIT_COMMITTER_EMAIL": "stress@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
}


class Load:
    """Busy loops, one per core, for as long as the suite runs."""

    def __init__(self, cores):
        self.procs = [
            subprocess.Popen(
                [sys.executable, "-c", "while True: pass"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
            for _ in range(cores)
        ]

    def stop(self):
        for p in self.procs:
            p.kill()
            p.wait()


class Pauser(threading.Thread):
    """Stops and continues one process at random intervals until it ends."""

    def __init__(self, pid, rng):
        super().__init__(daemon=True)
        self.pid, self.rng = pid, rng
        self.done = threading.Event()
        self.pauses = 0

    def run(self):
        try:
            while not self.done.wait(self.rng.uniform(0.005, 0.040)):
                os.kill(self.pid, signal.SIGSTOP)
                self.pauses += 1
                self.done.wait(self.rng.uniform(0.005, 0.040))
                os.kill(self.pid, signal.SIGCONT)
        except ProcessLookupError:
            pass

    def finish(self):
        self.done.set()
        self.join()
        try:
            os.kill(self.pid, signal.SIGCONT)
        except ProcessLookupError:
            pass


def run_paused(argv, cwd, env, stdout, stderr, rng):
    """Runs argv while a Pauser stops and continues it; returns (code, pauses)."""
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr
    )
    pauser = Pauser(proc.pid, rng)
    pauser.start()
    try:
        code = proc.wait(timeout=STEP_LIMIT_S)
    except subprocess.TimeoutExpired:
        pauser.finish()
        proc.kill()
        proc.wait()
        return None, pauser.pauses
    pauser.finish()
    return code, pauser.pauses


def program_lines(stderr_bytes):
    """stderr without rewind's own messages."""
    return b"".join(
        l for l in stderr_bytes.splitlines(keepends=True) if not l.startswith(b"rewind: ")
    )


def one_round(rewind, name, argv, setup, base, rng):
    """Records and replays once; returns (None on success else a reason, pauses)."""
    work = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=base))
    if setup:
        setup(work)
    env = dict(os.environ, **GIT_ENV, RUST_LOG="warn")
    trace = work / "trace"
    out = {k: open(work / k, "wb+") for k in ("rec.out", "rec.err", "rep.out", "rep.err")}
    try:
        rec_code, rec_pauses = run_paused(
            [rewind, "record", "-o", str(trace), "--", *argv],
            work, env, out["rec.out"], out["rec.err"], rng,
        )
        if rec_code is None:
            return f"recording hung (> {STEP_LIMIT_S} s)", rec_pauses
        rep_code, rep_pauses = run_paused(
            [rewind, "replay", "--check", str(trace)],
            work, env, out["rep.out"], out["rep.err"], rng,
        )
        data = {}
        for k, f in out.items():
            f.seek(0)
            data[k] = f.read()
        pauses = rec_pauses + rep_pauses
        if rep_code is None:
            return f"replay hung (> {STEP_LIMIT_S} s)", pauses
        rep_msgs = [l for l in data["rep.err"].decode(errors="replace").splitlines()
                    if l.startswith("rewind: ")]
        if rep_code != 0:
            return f"replay exit {rep_code}: " + " | ".join(rep_msgs[-2:]), pauses
        if not any("replay matched the recording" in l for l in rep_msgs):
            return "replay exited 0 without reporting a match: " + " | ".join(rep_msgs), pauses
        if data["rep.out"] != data["rec.out"]:
            return (f"replay said it matched but stdout differs "
                    f"({len(data['rec.out'])} bytes recorded, {len(data['rep.out'])} replayed)",
                    pauses)
        if program_lines(data["rep.err"]) != program_lines(data["rec.err"]):
            return "replay said it matched but the program's stderr differs", pauses
        shutil.rmtree(work)
        return None, pauses
    finally:
        for f in out.values():
            f.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20, help="rounds per program (default 20)")
    ap.add_argument("--budget", type=float, default=0,
                    help="seconds after which no new round starts (0: no limit); "
                         "every program still gets at least one round")
    ap.add_argument("--rewind", default=None,
                    help="rewind binary (default: target/release/rewind, else target/debug/rewind)")
    ap.add_argument("--only", default=None, help="comma-separated program names")
    ap.add_argument("--heavy", action="store_true",
                    help=f"also run the full-size cases ({', '.join(sorted(HEAVY))})")
    ap.add_argument("--keep", default=None, help="where failing rounds' traces are kept")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()

    rewind = args.rewind
    if rewind is None:
        for build in ("release", "debug"):
            candidate = REPO / "target" / build / "rewind"
            if candidate.exists():
                rewind = str(candidate)
                break
    if rewind is None or not Path(rewind).exists():
        sys.exit("stress: no rewind binary; run `cargo build --release` first")
    # Rounds run in their own directories: the path must not be relative.
    rewind = str(Path(rewind).resolve())
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    rng = random.Random(seed)
    if args.only:
        names = args.only.split(",")
        unknown = [n for n in names if n not in PROGRAMS]
        if unknown:
            sys.exit(f"stress: unknown program(s) {', '.join(unknown)}; known: {', '.join(PROGRAMS)}")
    else:
        names = [n for n in PROGRAMS if args.heavy or n not in HEAVY]
    base = Path(args.keep or tempfile.mkdtemp(prefix="rewind-stress-"))
    base.mkdir(parents=True, exist_ok=True)
    cores = os.cpu_count() or 2
    print(f"stress: {rewind}, {args.rounds} rounds per program, seed {seed}, "
          f"{cores} busy loops, recorder and replayer paused at random", flush=True)

    load = Load(cores)
    start = time.monotonic()
    results = {}  # name -> [exact, rounds]
    skipped = {}  # name -> reason
    failures = []
    try:
        for round_no in range(args.rounds):
            for name in names:
                argv, setup, needs = PROGRAMS[name]
                if needs and shutil.which(needs) is None:
                    skipped[name] = f"skipped: {needs} is not installed"
                    continue
                if round_no > 0 and args.budget and time.monotonic() - start > args.budget:
                    continue
                t0 = time.monotonic()
                reason, pauses = one_round(rewind, name, argv, setup, base, rng)
                took = time.monotonic() - t0
                ok = reason is None
                tally = results.setdefault(name, [0, 0])
                tally[0] += ok
                tally[1] += 1
                status = "ok" if ok else f"FAIL: {reason}"
                print(f"  {name:14} round {round_no + 1:2}  {took:6.1f} s  {pauses:4} pauses  {status}",
                      flush=True)
                if not ok:
                    failures.append((name, round_no + 1, reason))
    finally:
        load.stop()

    print(f"stress: {time.monotonic() - start:.0f} s, seed {seed}")
    for name in names:
        if name in skipped:
            print(f"  {name:14} {skipped[name]}")
        elif name in results:
            exact, rounds = results[name]
            print(f"  {name:14} {exact}/{rounds} exact")
    if failures:
        print(f"stress: {len(failures)} failing rounds; their traces are under {base}")
        for name, round_no, reason in failures:
            print(f"  {name} round {round_no}: {reason}")
        sys.exit(1)
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    print("stress: every replay was exact")


if __name__ == "__main__":
    main()
