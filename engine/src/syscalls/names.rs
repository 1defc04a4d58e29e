//! Lookups in the syscall table by number and by name.

use super::desc::{Disposition, SyscallDesc};
use super::table::TABLE;

/// The table row for syscall `nr`, or `None` when the number is not an x86-64
/// syscall (see [`describe`]).
pub fn lookup(nr: u64) -> Option<&'static SyscallDesc> {
    TABLE
        .binary_search_by_key(&nr, |desc| desc.nr)
        .ok()
        .and_then(|index| TABLE.get(index))
}

/// What record and replay do with `nr`: its table row, or for a number the
/// table lacks, a row that fails with ENOSYS without running it. The table
/// holds every number the x86-64 kernel defines; any other (its gaps, past
/// its end, `-1` as programs probe with, the x32 range) is answered ENOSYS by
/// the kernel itself, and the recording answers the same. A number a newer
/// kernel may define gets ENOSYS too, as from an older kernel.
pub fn describe(nr: u64) -> SyscallDesc {
    lookup(nr).copied().unwrap_or(SyscallDesc {
        nr,
        name: "(no such syscall)",
        disposition: Disposition::ForceEnosys,
        may_block: false,
    })
}

/// The table row for the syscall the kernel calls `name` (`"openat"`).
pub fn lookup_by_name(name: &str) -> Option<&'static SyscallDesc> {
    TABLE.iter().find(|desc| desc.name == name)
}

/// The syscall's name (`"read"`), or `"syscall_1234"` when the number is unknown.
pub fn name(nr: u64) -> String {
    match lookup(nr) {
        Some(desc) => desc.name.to_owned(),
        None => format!("syscall_{}", nr as i64),
    }
}
