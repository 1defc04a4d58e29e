//! What a recording contains: the header describing the recorded run and the
//! stream of events that replay re-enacts in order.

use serde::{Deserialize, Serialize};

/// Version of the on-disk trace format. Bump on any incompatible change.
pub const FORMAT_VERSION: u32 = 3;

/// General-purpose registers in the order of the kernel's `user_regs_struct`
/// (r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi,
/// orig_rax, rip, cs, eflags, rsp, ss, fs_base, gs_base, ds, es, fs, gs).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Regs(pub [u64; 27]);

/// The wrapping sums of the 64-bit words at `[rsp, rsp + NEAR_LEN)` and at
/// `[rsp, rsp + len)` (`len` a multiple of 8, at most [`StackSum::MAX_LEN`],
/// inside the stack mapping; the first sum covers at most `len` bytes).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackSum {
    /// How many bytes were summed.
    pub len: u32,
    /// The sum of the first `NEAR_LEN` bytes (the current frame, mostly).
    pub near: u64,
    /// The sum of all `len`.
    pub sum: u64,
}

impl StackSum {
    /// The most bytes summed.
    pub const MAX_LEN: u32 = 4096;
    /// The bytes of the first, quick sum.
    pub const NEAR_LEN: u32 = 64;

    /// The sums of `bytes` as little-endian words (a trailing partial word is left out).
    pub fn of(bytes: &[u8]) -> StackSum {
        let words: Vec<u64> = bytes
            .chunks_exact(8)
            .map(|w| u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]))
            .collect();
        let near_words = (Self::NEAR_LEN / 8) as usize;
        StackSum {
            len: (words.len() * 8) as u32,
            near: words
                .iter()
                .take(near_words)
                .fold(0u64, |a, w| a.wrapping_add(*w)),
            sum: words.iter().fold(0u64, |a, w| a.wrapping_add(*w)),
        }
    }

    /// How many words the first sum covers.
    pub fn near_words(&self) -> u32 {
        (self.len / 8).min(Self::NEAR_LEN / 8)
    }
}

/// Bytes the kernel (or the recorder) wrote into tracee memory.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MemWrite {
    /// Where the bytes go.
    pub addr: u64,
    /// The bytes.
    #[serde(with = "serde_bytes_compat")]
    pub bytes: Vec<u8>,
}

/// Where a write(2)-like syscall's data went, when it went to the recorder's
/// own stdout or stderr; replay re-emits those bytes.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputStream {
    /// File descriptor 1 of the recorder.
    Stdout,
    /// File descriptor 2 of the recorder.
    Stderr,
}

impl std::fmt::Display for OutputStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OutputStream::Stdout => "stdout",
            OutputStream::Stderr => "stderr",
        })
    }
}

/// Output a syscall sent to the recorder's stdout or stderr, which replay
/// re-emits.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RecordedOutput {
    /// Which of the two it went to.
    pub stream: OutputStream,
    /// How replay finds the bytes again.
    pub bytes: OutputBytes,
}

/// Where replay finds the bytes of a [`RecordedOutput`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum OutputBytes {
    /// Taken from the program's memory (write, writev, pwrite...): replay
    /// re-reads them there and checks them against this CRC-32, so that
    /// different output can never pass as a match.
    InMemory {
        /// CRC-32 of the bytes written.
        crc32: u32,
    },
    /// Copied by the kernel from a regular file (sendfile, copy_file_range,
    /// splice): the bytes themselves, read back from that file.
    Copied(#[serde(with = "serde_bytes_compat")] Vec<u8>),
    /// Copied from a pipe or socket: gone before the recorder could see
    /// them. Replay warns that it cannot re-emit them.
    Lost,
}

/// How replay re-enacts a recorded syscall.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum SyscallReplay {
    /// Not executed: replay writes the recorded result and memory.
    Emulate,
    /// Executed for real (address space, signal state, thread exit, ...); the
    /// result must equal the recorded one.
    Execute,
    /// Executed with `result` patched to the recorded value afterwards
    /// (e.g. `set_tid_address` returns the tid, which differs in replay).
    ExecutePatchResult,
    /// A file-backed mmap: replay maps, at the recorded address and with the
    /// recorded protection and flags, the trace's copy of the file (private
    /// mappings of an untracked file) or replay's scratch copy of the
    /// tracked file `tracked`, brought to the copy's contents.
    MapFile {
        /// Name of the copy inside the trace's `files/` directory: the file's
        /// contents right after the mmap.
        file: String,
        /// Offset of the mapping in the file.
        offset: u64,
        /// The file's number among the recording's tracked files: those ever
        /// mapped `MAP_SHARED`. Set for every mapping of a tracked file, shared
        /// or private; all mappings with one number map one file in replay,
        /// and [`SyscallReplay::EmulateFileChange`] events keep it up to date.
        tracked: Option<u32>,
    },
    /// An mmap of `/dev/zero`: the kernel makes it anonymous memory (shared
    /// or private as asked), so replay maps anonymous memory the same way at
    /// the recorded address; there is no file to copy.
    MapZero,
    /// fork/vfork/clone/clone3: executed; the child's recorded tid replaces
    /// the real one in the result and in the tid words the kernel wrote.
    Clone {
        /// The clone flags (`CLONE_*`; fork and vfork as the flags they imply).
        flags: u64,
        /// CLONE_PARENT_SETTID target in the parent.
        parent_tid_addr: Option<u64>,
        /// CLONE_CHILD_SETTID target in the child.
        child_tid_addr: Option<u64>,
    },
    /// A successful execve: replay executes the trace's copy of the new
    /// executable, then restores the recorded initial stack and registers.
    Exec(Box<ExecImage>),
    /// Emulated like [`SyscallReplay::Emulate`], and the syscall changed a
    /// tracked file (write, pwrite, ftruncate, open with O_TRUNC, ...): replay
    /// applies the change to its scratch copy, so that the file's mappings see
    /// it as they did when recorded.
    EmulateFileChange(Box<FileChange>),
}

/// How a syscall changed a tracked file (see [`SyscallReplay::MapFile`]).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    /// The file's number among the tracked files.
    pub tracked: u32,
    /// Bytes the file holds after the call, at their offsets, read back
    /// from the file (the whole file where the call does not say which
    /// bytes it changed). Applied first.
    pub writes: Vec<FileBytes>,
    /// The file's length after the call. Applied last.
    pub len: u64,
}

/// Bytes of a file at an offset.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct FileBytes {
    /// Where in the file they are.
    pub offset: u64,
    /// The bytes.
    #[serde(with = "serde_bytes_compat")]
    pub bytes: Vec<u8>,
}

/// The state of a process right after a successful execve.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ExecImage {
    /// Original path of the executable.
    pub path: String,
    /// Name of the executable's copy inside `files/`.
    pub exe_file: String,
    /// Mappings the kernel made from files at exec (the executable and its
    /// interpreter), with the copies replay fills them from.
    pub mapped_files: Vec<ExecMapping>,
    /// The initial stack, from the initial rsp to the top of the stack
    /// (argv, envp, auxv with the vDSO entry hidden, AT_RANDOM bytes, strings).
    pub stack: MemWrite,
    /// Registers right after exec (at the interpreter's entry point).
    pub regs: Regs,
}

/// One file-backed mapping present right after exec.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ExecMapping {
    /// First address of the mapping.
    pub start: u64,
    /// One past its last address.
    pub end: u64,
    /// Offset of the mapping in the file.
    pub offset: u64,
    /// Name of the file's copy inside `files/`.
    pub file: String,
}

/// One entry of the event stream.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Recorded thread id of the thread the event belongs to.
    pub tid: i32,
    /// Registers at the event: at syscall entry for syscalls, at the
    /// delivery point for signals, at the trapping instruction for rdtsc.
    pub regs: Regs,
    /// What happened.
    pub kind: EventKind,
}

/// What an [`Event`] records.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The thread entered a syscall that may block and other threads ran
    /// while it was in the kernel; its `Syscall` event follows later.
    SyscallEntered {
        /// The syscall number.
        nr: u64,
        /// For vfork-style clones, recorded once the child exists: its tid.
        /// Replay executes the clone here, so the child can run before the
        /// parent's syscall completes.
        vfork_child: Option<i32>,
    },
    /// A completed syscall.
    Syscall {
        /// The syscall number.
        nr: u64,
        /// Its six argument registers at entry.
        args: [u64; 6],
        /// Its raw result (rax at exit; `-errno` for a failure).
        result: i64,
        /// Memory the kernel wrote (emulated syscalls only).
        writes: Vec<MemWrite>,
        /// How replay re-enacts it.
        replay: SyscallReplay,
        /// Set when the syscall wrote to the recorder's stdout/stderr.
        output: Option<RecordedOutput>,
    },
    /// A signal delivered to the thread at this point (the thread's handler
    /// runs, or the default action is taken).
    Signal {
        /// The signal number.
        signo: i32,
        /// The raw 128-byte siginfo.
        #[serde(with = "serde_bytes_compat")]
        siginfo: Vec<u8>,
        /// True for faults raised by the instruction at `regs.rip`.
        synchronous: bool,
    },
    /// A trapped rdtsc/rdtscp: the recorded counter value (and TSC_AUX).
    Rdtsc {
        /// The time-stamp counter the instruction read.
        tsc: u64,
        /// `TSC_AUX` for rdtscp; `None` for rdtsc.
        aux: Option<u32>,
    },
    /// The recorder stopped the thread in the middle of user code (it ran too
    /// long without an event while a signal was pending or another thread
    /// was ready). Replay stops at the first execution of `regs.rip` where
    /// registers, extended state and memory all match (see
    /// docs/architecture.md, "Positions and checkpoints in software mode").
    Interrupt {
        /// The 512-byte FXSAVE area (x87, SSE registers, MXCSR).
        #[serde(with = "serde_bytes_compat")]
        fpregs: Vec<u8>,
        /// CRC-32 of the process's writable memory.
        memory_digest: u32,
        /// The live stack just above the stack pointer, summed: replay's
        /// in-process finder compares it before it stops at a candidate
        /// (loops that keep their state in memory have identical registers
        /// at every iteration). `None` when it could not be read.
        stack_sum: Option<StackSum>,
    },
    /// At the entry of syscall `nr` (an exit_group), the digest of the
    /// process's writable memory (`digest::writable_memory_digest`): replay
    /// compares its own, so memory that differs without ever reaching a
    /// register or an output is still a divergence.
    MemoryCheck {
        /// The syscall about to run (exit_group).
        nr: u64,
        /// CRC-32 of the process's writable memory at that entry.
        memory_digest: u32,
    },
}

/// Written as the last frame of a complete recording.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RecordingEnd {
    /// Exit status as a shell reports it (128+N for death by signal N).
    pub exit_code: i32,
    /// Number of events in the recording.
    pub event_count: u64,
}

/// Progress counting used while recording (see docs/architecture.md, "Positions and
/// checkpoints in software mode").
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressMode {
    /// No hardware counter: positions are event boundaries plus paths.
    Software,
    /// Counting retired conditional branches with the PMU (not written yet).
    Pmu,
}

/// One CPUID leaf as returned by the CPU the recording was made on.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuidLeaf {
    /// The leaf asked for (eax).
    pub leaf: u32,
    /// The subleaf asked for (ecx).
    pub subleaf: u32,
    /// The eax the CPU returned.
    pub eax: u32,
    /// The ebx the CPU returned.
    pub ebx: u32,
    /// The ecx the CPU returned.
    pub ecx: u32,
    /// The edx the CPU returned.
    pub edx: u32,
}

/// The CPU a recording was made on: what replay compares with its own CPU.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CpuInfo {
    /// The vendor string (`GenuineIntel`, `AuthenticAMD`).
    pub vendor: String,
    /// The family, with the extended family added.
    pub family: u32,
    /// The model, with the extended model added.
    pub model: u32,
    /// The stepping.
    pub stepping: u32,
    /// The CPUID leaves that matter for replay, with per-core fields masked.
    pub leaves: Vec<CpuidLeaf>,
}

/// Describes the recorded run. Stored in the trace's `header` file.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The [`FORMAT_VERSION`] the trace was written with.
    pub format_version: u32,
    /// The CPU the recording was made on.
    pub cpu: CpuInfo,
    /// How progress was counted.
    pub progress_mode: ProgressMode,
    /// The program's arguments, `argv[0]` first.
    pub argv: Vec<String>,
    /// Environment as `KEY=VALUE` strings, in order.
    pub env: Vec<String>,
    /// The directory the program started in.
    pub cwd: String,
    /// Path of the executable as resolved when recording started.
    pub executable: String,
    /// Seconds since the epoch when the recording started.
    pub recorded_at: u64,
    /// Signal mask and ignored signals the program was started with (exec
    /// keeps both); replay starts it with the same.
    pub initial_signals: InitialSignals,
}

/// Signal state a program inherits across exec, as bit sets (bit N-1 is
/// signal N): the blocked signals and the ignored ones (handlers do not
/// survive exec).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct InitialSignals {
    /// The blocked signals.
    pub blocked: u64,
    /// The signals whose action is SIG_IGN.
    pub ignored: u64,
}

/// `Vec<u8>` as a byte string: compact in postcard and JSON-friendly.
mod serde_bytes_compat {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        // Accepts both a byte string (postcard) and a sequence (JSON).
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Vec<u8>, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = a.next_element()? {
                    out.push(b);
                }
                Ok(out)
            }
        }
        d.deserialize_bytes(V)
    }
}
