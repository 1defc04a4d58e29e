//! `stepBack` within one pass of a loop: when the position is the n-th
//! arrival at an address (n ≥ 2), the previous line of the frame usually
//! started after the (n-1)-th. Going there (an in-process finder makes it
//! cheap) and single-stepping forward to where the step began shows the
//! frame's statement starts in order, at a few ptrace stops per
//! instruction of one pass, instead of a reverse scan that stops at every
//! statement start since the last checkpoint (seconds deep in a long loop).
//! Whenever the answer is not plainly inside that window (the previous
//! line's run of statements reaches its start, a user breakpoint or a
//! function entry lies on the way, a call runs long, data breakpoints are
//! set), it goes back to where it began and says so, and the reverse scan
//! decides.

use rewind_engine::session::{Position, Segment};

use super::error::DebuggerError;
use super::Debugger;

/// Most instructions single-stepped through the window before leaving it
/// to the reverse scan.
const MAX_WINDOW_STEPS: usize = 4000;

/// A statement start of the frame met in the window.
struct Seen {
    position: Position,
    pc: u64,
    line: Option<u32>,
}

impl Debugger {
    /// From the start of line `line` of the frame with canonical frame
    /// address `cfa` (function entry `entry`), the start of the previous
    /// line of that frame, found in the window since the previous arrival
    /// at this position's address; `None` (the session back where it was)
    /// when the window cannot tell.
    pub(super) fn back_within_window(
        &mut self,
        tid: i32,
        entry: u64,
        line: u32,
        cfa: u64,
        statement_starts: &[u64],
    ) -> Result<Option<Position>, DebuggerError> {
        if self.session.has_watchpoints() {
            return Ok(None);
        }
        let here = self.session.position().clone();
        let (base, pc, count, tail) = match here.path.as_slice() {
            [.., Segment::Arrive { pc, count }] => (here.prefix(), *pc, *count, 0),
            [.., Segment::Arrive { pc, count }, Segment::Steps(k)] => {
                (here.prefix().prefix(), *pc, *count, *k)
            }
            _ => {
                tracing::debug!(%here, "stepBack: no window (not an arrival count, or steps after one)");
                return Ok(None);
            }
        };
        if count < 2 {
            return Ok(None);
        }
        let user = self.breakpoints.addresses();
        self.session.run_to_position(&base.then(Segment::Arrive {
            pc,
            count: count - 1,
        }))?;
        let mut seen: Vec<Seen> = Vec::new();
        // Step indexes (into `seen`'s timeline) where a user breakpoint was met.
        let mut user_hits: Vec<usize> = Vec::new();
        let mut arrived = false;
        let mut after_arrival = 0u64;
        let mut complete = false;
        for steps in 0..MAX_WINDOW_STEPS {
            let now_pc = self.session.regs(tid)?.rip();
            if steps > 0 && now_pc == pc && !arrived {
                arrived = true;
            }
            if arrived && after_arrival == tail {
                complete = true;
                break;
            }
            if statement_starts.contains(&now_pc) && self.cfa_of(tid)? == Some(cfa) {
                seen.push(Seen {
                    position: self.session.position().clone(),
                    pc: now_pc,
                    line: self.line_at(now_pc),
                });
            }
            if steps > 0 && user.contains(&now_pc) && self.breakpoint_would_stop(now_pc, tid) {
                user_hits.push(seen.len());
            }
            let stop = self.session.step_passing()?;
            if stop.tid != tid {
                break;
            }
            if arrived {
                after_arrival += 1;
            }
        }
        let found = if complete {
            Self::previous_line_start(&seen, line, entry)
                .filter(|&k| user_hits.iter().all(|&u| u <= k))
                .map(|k| seen[k].position.clone())
        } else {
            None
        };
        tracing::debug!(
            %here,
            complete,
            statements = seen.len(),
            lines = ?seen.iter().map(|s| s.line).collect::<Vec<_>>(),
            ?user_hits,
            found = ?found.as_ref().map(ToString::to_string),
            "stepBack within the window since the previous arrival"
        );
        if found.is_none() {
            self.session.run_to_position(&here)?;
        }
        Ok(found)
    }

    /// In `seen` (the window's statement starts, in order), the index of
    /// the start of the line before `line` (the one the window ends on):
    /// the earliest of the latest run of statements of another line;
    /// `None` when that run reaches the window's start (it may go on
    /// before it) or the function's entry is among them (the caller's
    /// line comes into it).
    fn previous_line_start(seen: &[Seen], line: u32, entry: u64) -> Option<usize> {
        let mut collecting: Option<u32> = None;
        let mut best: Option<usize> = None;
        for k in (0..seen.len()).rev() {
            let s = &seen[k];
            if s.pc == entry {
                return None;
            }
            match collecting {
                None if s.line == Some(line) => {}
                None => {
                    collecting = Some(s.line?);
                    best = Some(k);
                }
                Some(c) if s.line == Some(c) => best = Some(k),
                Some(_) => return best,
            }
        }
        // The run reached the window's start: it may go on before it.
        None
    }
}
