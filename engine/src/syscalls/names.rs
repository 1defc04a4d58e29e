//! Lookups in the syscall table by number and by name.

use super::table::TABLE;
use super::SyscallDesc;

/// The table row for syscall `nr`, or `None` when the number is not an x86-64
/// syscall (the recorder then stops with an error naming the number).
pub fn lookup(nr: u64) -> Option<&'static SyscallDesc> {
    TABLE
        .binary_search_by_key(&nr, |desc| desc.nr)
        .ok()
        .and_then(|index| TABLE.get(index))
}

/// The table row for the syscall the kernel calls `name` (`"openat"`).
pub fn lookup_by_name(name: &str) -> Option<&'static SyscallDesc> {
    TABLE.iter().find(|desc| desc.name == name)
}

/// The syscall's name (`"read"`), or `"syscall_1234"` when the number is unknown.
pub fn name(nr: u64) -> String {
    match lookup(nr) {
        Some(desc) => desc.name.to_owned(),
        None => format!("syscall_{nr}"),
    }
}
