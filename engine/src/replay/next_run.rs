//! How the thread of the next event reaches it ([`NextRun`]) and what ends its run
//! ([`RunEnd`]): what the time-travel session plans its moves with.

/// How the thread of the next event reaches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextRun {
    /// The thread runs user code from where it stopped until the event.
    UserCode {
        /// Recorded thread id.
        tid: i32,
        /// Thread id in this replay.
        real: i32,
        /// Process id in this replay.
        real_tgid: i32,
        /// What ends the run.
        end: RunEnd,
    },
    /// The event applies without the thread running (a signal delivered at
    /// a boundary, a syscall whose entry was reached earlier).
    Boundary,
    /// No events remain.
    End,
}

/// What ends a thread's run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// A syscall: the run ends with the `syscall` instruction at `insn`.
    Syscall {
        /// Address of the `syscall` instruction.
        insn: u64,
    },
    /// A fault at `pc` (a synchronous signal) or a trapped rdtsc at `pc`.
    Fault {
        /// Address of the faulting (or rdtsc) instruction.
        pc: u64,
        /// The signal the fault raises (SIGSEGV for a trapped rdtsc).
        signo: i32,
    },
    /// The recorder's interruption at `pc` (matched by state).
    Interrupt {
        /// The address the thread was interrupted at.
        pc: u64,
    },
}
