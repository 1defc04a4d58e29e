//! User breakpoints: source lines, functions and instructions, each resolved
//! to addresses, with a condition, a hit condition and a log message; plus
//! data breakpoints (watchpoints) and the exception (signal) filters.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::breakpoint_set::{BreakpointStop, HitCondition, Kind, Options, UserBreakpoint};
use super::error::DebuggerError;
use super::events::{DebuggerEvent, OutputStream};
use super::stop::StopReason;
use super::views::BreakpointView;
use super::Debugger;

impl Debugger {
    /// Re-plants the session's breakpoints: the user's plus `temporary` ones.
    pub(super) fn install_breakpoints(&mut self, temporary: &[u64]) {
        let mut wanted = self.breakpoints.addresses();
        wanted.extend(temporary.iter().copied());
        for &addr in self.installed.difference(&wanted) {
            self.session.remove_breakpoint(addr);
        }
        for &addr in wanted.difference(&self.installed) {
            self.session.add_breakpoint(addr);
        }
        for &addr in &wanted {
            let condition = if temporary.contains(&addr) {
                None
            } else {
                self.in_process_condition(addr)
            };
            self.session.set_breakpoint_condition(addr, condition);
        }
        self.installed = wanted;
    }

    /// The condition the engine may test for the breakpoint at `addr`: the
    /// one user breakpoint there has a simple condition and neither a hit
    /// condition nor a log message (those count or print every true hit).
    fn in_process_condition(&self, addr: u64) -> Option<rewind_engine::finder::Condition> {
        let [id] = self.breakpoints.at(addr)[..] else {
            return None;
        };
        let b = self.breakpoints.user.get(&id)?;
        if b.options.hit_condition.is_some() || b.options.log_message.is_some() {
            return None;
        }
        let text = b.options.condition.as_deref()?;
        super::fast_conditions::compile(&self.program, addr, text)
    }

    fn breakpoint_view(&self, id: i64) -> BreakpointView {
        let Some(b) = self.breakpoints.user.get(&id) else {
            return BreakpointView {
                id,
                verified: false,
                message: None,
                line: None,
                source: None,
                address: None,
            };
        };
        BreakpointView {
            id: b.id,
            verified: !b.addresses.is_empty(),
            message: b.message.clone(),
            line: b.line,
            source: match &b.kind {
                Kind::Line { path, .. } => Some(path.clone()),
                _ => None,
            },
            address: b.addresses.first().copied(),
        }
    }

    /// Resolves a breakpoint's addresses against the loaded modules.
    fn resolve(&self, kind: &Kind) -> (Vec<u64>, Option<u32>, Option<String>) {
        match kind {
            Kind::Line { path, line } => match self.program.line_breakpoint(path, *line) {
                Ok(bp) => (bp.addresses, Some(bp.line), None),
                Err(e) => (vec![], None, Some(e.to_string())),
            },
            Kind::Function(name) => match self.program.function_breakpoint(name) {
                Ok(addrs) if !addrs.is_empty() => (addrs, None, None),
                Ok(_) => (vec![], None, Some(format!("no function named '{name}'"))),
                Err(e) => (vec![], None, Some(e.to_string())),
            },
            Kind::Instruction(addr) => (vec![*addr], None, None),
        }
    }

    fn modules_of(&self, addresses: &[u64]) -> BTreeMap<u64, PathBuf> {
        addresses
            .iter()
            .filter_map(|&a| Some((a, self.program.module_at(a)?.0.path().to_path_buf())))
            .collect()
    }

    /// Whether the code at `addr` in the stopped thread's process is the
    /// file the breakpoint was placed in.
    fn same_code(&mut self, b: &UserBreakpoint, addr: u64) -> bool {
        let Some(want) = b.modules.get(&addr) else {
            return true;
        };
        self.sync_program();
        self.program
            .module_at(addr)
            .is_some_and(|(m, _)| m.path() == want)
    }

    /// Replaces the breakpoints of one family (those `same` selects) with `wanted`.
    fn replace_breakpoints(
        &mut self,
        same: impl Fn(&Kind) -> bool,
        wanted: Vec<(Kind, Options)>,
    ) -> Result<Vec<BreakpointView>, DebuggerError> {
        for (_, options) in &wanted {
            if let Some(h) = &options.hit_condition {
                HitCondition::parse(h).map_err(DebuggerError::Refused)?;
            }
        }
        self.breakpoints.user.retain(|_, b| !same(&b.kind));
        let mut ids = Vec::new();
        for (kind, options) in wanted {
            let id = self.breakpoints.next_id();
            let (addresses, line, message) = self.resolve(&kind);
            self.breakpoints.user.insert(
                id,
                UserBreakpoint {
                    modules: self.modules_of(&addresses),
                    id,
                    kind,
                    options,
                    addresses,
                    message,
                    line,
                    hits: 0,
                },
            );
            ids.push(id);
        }
        self.install_breakpoints(&[]);
        self.update_load_stops();
        Ok(ids.iter().map(|&id| self.breakpoint_view(id)).collect())
    }

    pub fn set_source_breakpoints(
        &mut self,
        path: PathBuf,
        lines: Vec<(u32, Options)>,
    ) -> Result<Vec<BreakpointView>, DebuggerError> {
        let wanted = lines
            .into_iter()
            .map(|(line, o)| {
                (
                    Kind::Line {
                        path: path.clone(),
                        line,
                    },
                    o,
                )
            })
            .collect();
        let p = path.clone();
        self.replace_breakpoints(
            move |k| matches!(k, Kind::Line { path, .. } if *path == p),
            wanted,
        )
    }

    pub fn set_function_breakpoints(
        &mut self,
        names: Vec<(String, Options)>,
    ) -> Result<Vec<BreakpointView>, DebuggerError> {
        let wanted = names
            .into_iter()
            .map(|(n, o)| (Kind::Function(n), o))
            .collect();
        self.replace_breakpoints(|k| matches!(k, Kind::Function(_)), wanted)
    }

    pub fn set_instruction_breakpoints(
        &mut self,
        addresses: Vec<(u64, Options)>,
    ) -> Result<Vec<BreakpointView>, DebuggerError> {
        let wanted = addresses
            .into_iter()
            .map(|(a, o)| (Kind::Instruction(a), o))
            .collect();
        self.replace_breakpoints(|k| matches!(k, Kind::Instruction(_)), wanted)
    }

    /// `breakpointLocations`: the lines in `lines` where a breakpoint stays put.
    pub fn breakpoint_locations(
        &mut self,
        path: &std::path::Path,
        lines: std::ops::RangeInclusive<u32>,
    ) -> Vec<u32> {
        self.sync_program();
        self.program.breakpoint_lines(path, lines)
    }

    /// The signals forward runs stop at (exception filters, by signal name).
    pub fn set_exception_filters(&mut self, filters: &[String]) -> Result<(), DebuggerError> {
        let mut set = BTreeSet::new();
        for f in filters {
            let signo = rewind_engine::signals::number(f)
                .ok_or_else(|| DebuggerError::Refused(format!("unknown exception filter '{f}'")))?;
            set.insert(signo);
        }
        self.exception_filters = set;
        Ok(())
    }

    /// Re-resolves breakpoints that could not be placed (their library was
    /// not loaded yet); tells the client about those that now are.
    pub(super) fn retry_unresolved_breakpoints(&mut self) {
        let pending: Vec<i64> = self
            .breakpoints
            .user
            .values()
            .filter(|b| b.addresses.is_empty())
            .map(|b| b.id)
            .collect();
        for id in pending {
            let kind = self.breakpoints.user[&id].kind.clone();
            let (addresses, line, message) = self.resolve(&kind);
            if addresses.is_empty() {
                continue;
            }
            let modules = self.modules_of(&addresses);
            if let Some(b) = self.breakpoints.user.get_mut(&id) {
                b.modules = modules;
                b.addresses = addresses;
                b.line = line;
                b.message = message;
            }
            self.emit(DebuggerEvent::BreakpointChanged(self.breakpoint_view(id)));
        }
        self.update_load_stops();
    }

    /// While a breakpoint waits for its library, forward runs stop (briefly,
    /// unseen) wherever a file gets mapped, to place it as soon as it can be.
    fn update_load_stops(&mut self) {
        let waiting = self
            .breakpoints
            .user
            .values()
            .any(|b| b.addresses.is_empty());
        self.session.set_stop_at_loads(waiting);
    }

    /// Whether a user breakpoint at `addr` would stop thread `tid` standing
    /// there, without counting a hit or printing a log message: its
    /// condition holds (or cannot be evaluated), or it has a hit condition
    /// or log message (which only a real hit may decide).
    pub(super) fn breakpoint_would_stop(&mut self, addr: u64, tid: i32) -> bool {
        for id in self.breakpoints.at(addr) {
            let Some(b) = self.breakpoints.user.get(&id).cloned() else {
                continue;
            };
            if !self.same_code(&b, addr) {
                continue;
            }
            if b.options.hit_condition.is_some() || b.options.log_message.is_some() {
                return true;
            }
            match b
                .options
                .condition
                .as_deref()
                .filter(|c| !c.trim().is_empty())
            {
                None => return true,
                Some(cond) => match self.evaluate_in_top_frame(tid, cond) {
                    Ok(value) if !is_true(&value) => {}
                    _ => return true,
                },
            }
        }
        false
    }

    /// Evaluates the breakpoints at `addr` for a hit in thread `tid`: counts
    /// hits, writes log messages, and says which ones stop (their ids and
    /// the stop reason), or why a condition could not be evaluated.
    pub(super) fn breakpoint_hit(
        &mut self,
        addr: u64,
        tid: i32,
    ) -> Result<Option<BreakpointStop>, DebuggerError> {
        let mut stopping = Vec::new();
        let mut reason = StopReason::Breakpoint;
        let mut note = None;
        for id in self.breakpoints.at(addr) {
            let Some(b) = self.breakpoints.user.get(&id).cloned() else {
                continue;
            };
            if !self.same_code(&b, addr) {
                // Another program, in another process, at the same address.
                continue;
            }
            if let Some(cond) = b
                .options
                .condition
                .as_deref()
                .filter(|c| !c.trim().is_empty())
            {
                match self.evaluate_in_top_frame(tid, cond) {
                    Ok(value) if !is_true(&value) => continue,
                    Ok(_) => {}
                    Err(e) => {
                        // Like gdb: a condition that cannot be evaluated stops.
                        note = Some(format!("the condition '{cond}' cannot be evaluated: {e}"));
                    }
                }
            }
            let hits = {
                let Some(entry) = self.breakpoints.user.get_mut(&id) else {
                    continue;
                };
                entry.hits += 1;
                entry.hits
            };
            if let Some(h) = &b.options.hit_condition {
                let cond = HitCondition::parse(h).map_err(DebuggerError::Refused)?;
                if !cond.holds(hits) {
                    continue;
                }
            }
            if let Some(message) = &b.options.log_message {
                let text = self.interpolate(tid, message);
                self.emit(DebuggerEvent::Output {
                    stream: OutputStream::Console,
                    text: format!("{text}\n"),
                });
                continue;
            }
            reason = b.kind.reason();
            stopping.push(id);
        }
        Ok((!stopping.is_empty() || note.is_some()).then_some((stopping, reason, note)))
    }

    /// A log message with each `{expression}` replaced by its value.
    fn interpolate(&mut self, tid: i32, message: &str) -> String {
        let mut out = String::new();
        let mut rest = message;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                out.push_str(&rest[open..]);
                return out;
            };
            let expr = &after[..close];
            match self.evaluate_in_top_frame(tid, expr) {
                Ok(v) => out.push_str(&v),
                Err(e) => out.push_str(&format!("<{e}>")),
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// Whether an evaluated condition counts as true (C: non-zero).
fn is_true(value: &str) -> bool {
    let mut v = value.trim();
    // Pointers print as `(type *) 0x…`.
    if v.starts_with('(') {
        if let Some(close) = v.find(") ") {
            v = &v[close + 2..];
        }
    }
    let first = v.split_whitespace().next().unwrap_or("");
    !matches!(first, "0" | "false" | "0x0" | "'\\000'" | "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_conditions() {
        assert_eq!(HitCondition::parse("3"), Ok(HitCondition::Eq(3)));
        assert_eq!(HitCondition::parse(">= 2"), Ok(HitCondition::Ge(2)));
        assert_eq!(HitCondition::parse("%4"), Ok(HitCondition::Every(4)));
        assert!(HitCondition::parse("%0").is_err());
        assert!(HitCondition::parse("often").unwrap_err().contains("often"));
        assert!(HitCondition::Every(2).holds(4));
        assert!(!HitCondition::Every(2).holds(3));
        assert!(HitCondition::Lt(3).holds(2));
        assert!(!HitCondition::Gt(3).holds(3));
    }

    #[test]
    fn truthiness_of_values() {
        assert!(is_true("1"));
        assert!(is_true("(int *) 0x5555"));
        assert!(!is_true("0"));
        assert!(!is_true("false"));
        assert!(!is_true("0x0"));
        assert!(!is_true("(int *) 0x0"));
    }
}
