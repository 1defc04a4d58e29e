//! What a raw syscall result means: an error, or one of the kernel-internal restart
//! codes a tracer sees at syscall exit.

/// Kernel-internal restart codes, visible to a tracer at syscall exit.
pub(super) const ERESTARTSYS: i64 = 512;
pub(super) const ERESTARTNOINTR: i64 = 513;
pub(super) const ERESTARTNOHAND: i64 = 514;
pub(crate) const ERESTART_RESTARTBLOCK: i64 = 516;

/// Whether a syscall result is one of the kernel-internal restart codes
/// (-ERESTARTSYS, ...): no program sees them; on the way out the kernel
/// restarts the call, or turns it into EINTR when it delivers a signal.
pub fn is_restart_code(result: i64) -> bool {
    matches!(
        -result,
        ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND | ERESTART_RESTARTBLOCK
    )
}

/// Whether a raw syscall return value is an error (`-4095..=-1`), including the
/// kernel-internal restart codes (`-512..=-516`) a tracer sees at syscall exit.
pub fn is_error_result(result: i64) -> bool {
    (-4095..=-1).contains(&result)
}
