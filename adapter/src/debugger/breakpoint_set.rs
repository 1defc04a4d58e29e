//! The user's breakpoints as the debugger keeps them: what each was set on,
//! its options and hits, where it got placed; the data breakpoints; the
//! signals that stop by default.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rewind_engine::session::WatchSpec;

use super::stop::StopReason;

/// The signals that stop forward runs unless the client says otherwise (the
/// exception filters offered by default).
pub const CRASH_SIGNALS: [i32; 5] = [
    libc::SIGSEGV,
    libc::SIGABRT,
    libc::SIGFPE,
    libc::SIGILL,
    libc::SIGBUS,
];

/// What a user breakpoint was set on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Line { path: PathBuf, line: u32 },
    Function(String),
    Instruction(u64),
}

impl Kind {
    /// The stop reason for a hit.
    pub fn reason(&self) -> StopReason {
        match self {
            Kind::Line { .. } => StopReason::Breakpoint,
            Kind::Function(_) => StopReason::FunctionBreakpoint,
            Kind::Instruction(_) => StopReason::InstructionBreakpoint,
        }
    }
}

/// Options shared by every kind of breakpoint.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub condition: Option<String>,
    pub hit_condition: Option<String>,
    pub log_message: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UserBreakpoint {
    pub id: i64,
    pub kind: Kind,
    pub options: Options,
    pub addresses: Vec<u64>,
    /// Why it could not be placed, when `addresses` is empty.
    pub message: Option<String>,
    /// The line it actually landed on (source breakpoints move to code).
    pub line: Option<u32>,
    /// Hits (with a true condition) passed by movements since it was set.
    pub hits: u64,
    /// The file each address lies in: processes of one recording may run
    /// other programs at the same addresses (no ASLR in replay).
    pub modules: BTreeMap<u64, PathBuf>,
}

/// A parsed hit condition: stop when the hit count satisfies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitCondition {
    Eq(u64),
    Gt(u64),
    Ge(u64),
    Lt(u64),
    Le(u64),
    Every(u64),
}

impl HitCondition {
    pub fn parse(text: &str) -> Result<HitCondition, String> {
        let t = text.trim();
        let (make, rest): (fn(u64) -> HitCondition, &str) = if let Some(r) = t.strip_prefix(">=") {
            (HitCondition::Ge, r)
        } else if let Some(r) = t.strip_prefix("<=") {
            (HitCondition::Le, r)
        } else if let Some(r) = t.strip_prefix("==") {
            (HitCondition::Eq, r)
        } else if let Some(r) = t.strip_prefix('>') {
            (HitCondition::Gt, r)
        } else if let Some(r) = t.strip_prefix('<') {
            (HitCondition::Lt, r)
        } else if let Some(r) = t.strip_prefix('%') {
            (HitCondition::Every, r)
        } else {
            (HitCondition::Eq, t)
        };
        let n: u64 = rest.trim().parse().map_err(|_| {
            format!("hit condition '{text}' is not one of N, >N, >=N, <N, <=N, ==N, %N")
        })?;
        if matches!(make(0), HitCondition::Every(_)) && n == 0 {
            return Err("hit condition '%0' divides by zero".into());
        }
        Ok(make(n))
    }

    pub fn holds(self, hits: u64) -> bool {
        match self {
            HitCondition::Eq(n) => hits == n,
            HitCondition::Gt(n) => hits > n,
            HitCondition::Ge(n) => hits >= n,
            HitCondition::Lt(n) => hits < n,
            HitCondition::Le(n) => hits <= n,
            HitCondition::Every(n) => hits.is_multiple_of(n),
        }
    }
}

/// Breakpoints that stop at a hit: their ids, the stop reason, and a note
/// (a condition that could not be evaluated).
pub type BreakpointStop = (Vec<i64>, StopReason, Option<String>);

#[derive(Debug, Default)]
pub struct Table {
    pub user: BTreeMap<i64, UserBreakpoint>,
    pub data: Vec<DataBreakpoint>,
    next_id: i64,
}

impl Table {
    pub(super) fn next_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// Every address a user breakpoint is planted at.
    pub fn addresses(&self) -> BTreeSet<u64> {
        self.user
            .values()
            .flat_map(|b| b.addresses.iter().copied())
            .collect()
    }

    /// Breakpoints planted at `addr`, in id order.
    pub fn at(&self, addr: u64) -> Vec<i64> {
        self.user
            .values()
            .filter(|b| b.addresses.contains(&addr))
            .map(|b| b.id)
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.user.is_empty() && self.data.is_empty()
    }
}

/// A data breakpoint: a hardware watchpoint.
#[derive(Debug, Clone)]
pub struct DataBreakpoint {
    pub id: i64,
    pub watch: WatchSpec,
}
