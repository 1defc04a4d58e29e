//! Data breakpoints: hardware watchpoints on a variable or an address
//! (`dataBreakpointInfo`, `setDataBreakpoints`).

use rewind_engine::session::{WatchKind, WatchSpec};

use super::breakpoint_set::DataBreakpoint;
use super::error::DebuggerError;
use super::hexfmt::parse_address;
use super::views::{BreakpointView, WatchableView};
use super::Debugger;

/// A data breakpoint id (`dataId`) names the watched bytes: `ADDR:LEN`.
pub fn data_id(addr: u64, len: u64) -> String {
    format!("{addr:#x}:{len}")
}

fn parse_data_id(id: &str) -> Result<(u64, u8), String> {
    let (addr, len) = id
        .split_once(':')
        .ok_or_else(|| format!("'{id}' is not a data breakpoint id from dataBreakpointInfo"))?;
    let addr = parse_address(addr)?;
    let len: u8 = len
        .parse()
        .map_err(|_| format!("'{id}' is not a data breakpoint id from dataBreakpointInfo"))?;
    Ok((addr, len))
}

impl Debugger {
    /// `dataBreakpointInfo`: what can be watched for a variable or an address.
    pub fn data_breakpoint_info(
        &mut self,
        variables_reference: Option<i64>,
        name: &str,
        frame_id: Option<i64>,
        as_address: bool,
        bytes: Option<u64>,
    ) -> Result<WatchableView, DebuggerError> {
        let (addr, len, what) = if as_address {
            let addr = parse_address(name).map_err(DebuggerError::Refused)?;
            (Some(addr), bytes.unwrap_or(8), name.to_owned())
        } else {
            let var = match variables_reference.filter(|&r| r > 0) {
                Some(r) => self.child_variable(r, name)?,
                None => self.evaluate_variable(name, frame_id)?.1,
            };
            (var.address, var.byte_size.unwrap_or(0), var.name.clone())
        };
        let Some(addr) = addr else {
            return Ok(WatchableView {
                data_id: None,
                description: format!("{what} is not in memory (a register or a computed value): it cannot be watched"),
            });
        };
        if ![1, 2, 4, 8].contains(&len) || !addr.is_multiple_of(len) {
            return Ok(WatchableView {
                data_id: None,
                description: format!("{what} is {len} bytes at {addr:#x}: a hardware watchpoint covers 1, 2, 4 or 8 aligned bytes"),
            });
        }
        Ok(WatchableView {
            data_id: Some(data_id(addr, len)),
            description: format!("{what} ({len} bytes at {addr:#x})"),
        })
    }

    /// `setDataBreakpoints`: replaces every watchpoint. Each is a data id
    /// and the access it traps on (or why that access cannot be watched).
    pub fn set_data_breakpoints(
        &mut self,
        wanted: Vec<(String, Result<WatchKind, String>)>,
    ) -> Vec<BreakpointView> {
        for old in std::mem::take(&mut self.breakpoints.data) {
            self.session.remove_watchpoint(&old.watch);
        }
        let mut out = Vec::new();
        for (data_id, access) in wanted {
            let id = self.breakpoints.next_id();
            let result = parse_data_id(&data_id).and_then(|(addr, len)| {
                let kind = access?;
                let watch = WatchSpec { addr, len, kind };
                self.session
                    .add_watchpoint(watch)
                    .map_err(|e| e.to_string())?;
                Ok(watch)
            });
            let verified = result.is_ok();
            let message = match result {
                Ok(watch) => {
                    self.breakpoints.data.push(DataBreakpoint { id, watch });
                    None
                }
                Err(message) => Some(message),
            };
            out.push(BreakpointView {
                id,
                verified,
                message,
                line: None,
                source: None,
                address: None,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_ids_round_trip() {
        assert_eq!(parse_data_id(&data_id(0x1000, 4)), Ok((0x1000, 4)));
        assert!(parse_data_id("total").is_err());
        assert_eq!(parse_address("0x10"), Ok(16));
        assert_eq!(parse_address("16"), Ok(16));
    }
}
