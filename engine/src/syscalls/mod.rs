//! The x86-64 syscall table that drives recording and replay.
//!
//! For every syscall number this module says
//!
//! * what replay does with it ([`Disposition`]): emulate it from the trace, execute
//!   it again, or hand it to a special case of the recorder;
//! * whether it may block waiting for another thread or process
//!   ([`SyscallDesc::may_block`]);
//! * which bytes of tracee memory the kernel wrote during a completed call
//!   ([`output_regions`]), so the recorder can save them and replay can write them
//!   back instead of running the syscall.
//!
//! Nothing here trusts the tracee: arguments and memory contents come from an
//! arbitrary program, so every size is checked ([`MAX_REGION_LEN`],
//! [`MAX_IOV_COUNT`]) and every unknown case is a typed [`SyscallError`], never a
//! panic and never a silent skip.

mod ctx;
mod desc;
mod error;
mod memory;
mod names;
mod ops;
mod regions;
mod result;
mod table;
mod written;

#[cfg(test)]
mod tests;

pub use desc::{Disposition, SyscallDesc};
pub use error::SyscallError;
pub use memory::{MemoryError, Region, TraceeMemory, MAX_IOV_COUNT, MAX_REGION_LEN};
pub use names::{describe, lookup, lookup_by_name, name};
pub use regions::output_regions;
pub(crate) use result::ERESTART_RESTARTBLOCK;
pub use result::{is_error_result, is_restart_code};
pub use table::nr;
pub use written::{writes_from_memory, written_bytes};
