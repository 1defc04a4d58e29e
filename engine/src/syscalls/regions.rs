//! Which tracee memory the kernel wrote during a syscall ([`output_regions`]).
//!
//! Sizes are x86-64 kernel ABI sizes (struct stat is 144 bytes, kernel struct
//! termios 36, ...). Where the kernel reports how much it wrote through memory
//! (socket address lengths, `msg_controllen`, `handle_bytes`, ...) the value is read
//! back from tracee memory after the call.

use super::ctx::{le_u32, le_u64, Ctx};
use super::desc::Disposition;
use super::error::SyscallError;
use super::memory::{Region, TraceeMemory};
use super::names::lookup;
use super::ops;
use super::result::{is_error_result, is_restart_code};
use super::table::nr;

// errno values a tracer can see at syscall exit.
pub(super) const EINTR: i64 = 4;
pub(super) const E2BIG: i64 = 7;
pub(super) const EFAULT: i64 = 14;
pub(super) const EINVAL: i64 = 22;
pub(super) const ENOSYS: i64 = 38;
pub(super) const EOVERFLOW: i64 = 75;
// Kernel struct sizes (x86-64).
const STAT_SIZE: u64 = 144;
const STATFS_SIZE: u64 = 120;
const STATX_SIZE: u64 = 256;
const USTAT_SIZE: u64 = 32;
const TIMESPEC_SIZE: u64 = 16;
const TIMEVAL_SIZE: u64 = 16;
const TIMEZONE_SIZE: u64 = 8;
const ITIMERVAL_SIZE: u64 = 32;
const ITIMERSPEC_SIZE: u64 = 32;
const RUSAGE_SIZE: u64 = 144;
const SIGINFO_SIZE: u64 = 128;
const SYSINFO_SIZE: u64 = 112;
const TMS_SIZE: u64 = 32;
const UTSNAME_SIZE: u64 = 390;
const RLIMIT_SIZE: u64 = 16;
const STACK_T_SIZE: u64 = 24;
/// Kernel `struct sigaction` without the mask (handler, flags, restorer).
const SIGACTION_HEAD_SIZE: u64 = 24;
const TIMEX_SIZE: u64 = 208;
const MQ_ATTR_SIZE: u64 = 64;
const EPOLL_EVENT_SIZE: u64 = 12;
const POLLFD_SIZE: u64 = 8;
const MSGHDR_SIZE: u64 = 56;
const MMSGHDR_SIZE: u64 = 64;
const CAP_HEADER_SIZE: u64 = 8;
const CAP_DATA_SIZE: u64 = 12;
const CACHESTAT_SIZE: u64 = 40;
const USER_DESC_SIZE: u64 = 16;
/// `sizeof(struct sockaddr_storage)`: the kernel never returns a longer address.
const SOCKADDR_MAX: u64 = 128;

const MSG_TRUNC: u64 = 0x20;
const TIMER_ABSTIME: u64 = 1;
const CLONE_PIDFD: u64 = 0x1000;
const CLONE_PARENT_SETTID: u64 = 0x0010_0000;
const CLONE_CHILD_SETTID: u64 = 0x0100_0000;
const AT_HANDLE_MNT_ID_UNIQUE: u64 = 0x001;
const LINUX_CAPABILITY_VERSION_1: u32 = 0x1998_0330;
const PAGE_SIZE: u64 = 4096;

/// The memory the kernel wrote into the tracee during syscall `nr`, given its entry
/// arguments and its raw result (as seen at syscall exit, so it may be a
/// kernel-internal restart code such as `-ERESTARTSYS`).
///
/// * A failed syscall (`result` in `-4095..=-1`) writes nothing, except for the few
///   that report through memory even when they fail (an interrupted `nanosleep`'s
///   remaining time, `poll`'s `revents`, `capget`'s preferred version, ...).
/// * NULL pointers and empty ranges are left out.
/// * An unknown number is an error, unless the kernel answered ENOSYS (it did
///   nothing then). An [`Disposition::Unsupported`] syscall that succeeded is an
///   error; one that failed wrote nothing.
/// * `restart_syscall` is an error: call this with the number and arguments of
///   the syscall it continues.
/// * Regions may overlap and are not sorted.
pub fn output_regions(
    nr: u64,
    args: &[u64; 6],
    result: i64,
    mem: &dyn TraceeMemory,
) -> Result<Vec<Region>, SyscallError> {
    let Some(desc) = lookup(nr) else {
        if result == -ENOSYS {
            return Ok(Vec::new());
        }
        return Err(SyscallError::unsupported_syscall(nr));
    };
    let mut ctx = Ctx::new(desc.name, args, result, mem);
    if is_error_result(result) {
        failed_call(&mut ctx, nr)?;
    } else if desc.disposition == Disposition::Unsupported {
        return Err(SyscallError::unsupported_syscall(nr));
    } else {
        successful_call(&mut ctx, nr)?;
    }
    Ok(ctx.into_regions())
}

/// The memory a successful write-like syscall took its `result` bytes from:
/// the buffer at `args[1]` for write/pwrite64 (`iovecs: false`), else spread in
/// order over the iovec array at `args[1]` with `args[2]` entries.
pub(super) fn source_regions(
    name: &'static str,
    iovecs: bool,
    args: &[u64; 6],
    result: i64,
    mem: &dyn TraceeMemory,
) -> Result<Vec<Region>, SyscallError> {
    let mut ctx = Ctx::new(name, args, result, mem);
    if iovecs {
        ctx.spread_iov(ctx.arg(1), ctx.arg(2), ctx.count(), false)?;
    } else {
        ctx.push_result(ctx.arg(1))?;
    }
    Ok(ctx.into_regions())
}

/// Helpers of the rules below that only they need.
impl Ctx<'_> {
    /// A socket address the kernel wrote at `addr`, with its length at `len_ptr`
    /// (a `socklen_t`, updated by the kernel to the full address length).
    fn sockaddr(&mut self, addr: u64, len_ptr: u64) -> Result<(), SyscallError> {
        if addr == 0 || len_ptr == 0 {
            return Ok(());
        }
        let len = u64::from(self.read_u32(len_ptr)?);
        self.push(addr, len.min(SOCKADDR_MAX))?;
        self.push(len_ptr, 4)
    }

    /// What `recvmsg` wrote through the msghdr at `msg`, having received `data_len`
    /// bytes.
    fn received_msghdr(&mut self, msg: u64, data_len: u64, flags: u64) -> Result<(), SyscallError> {
        if msg == 0 {
            return Ok(());
        }
        let header = self.read(msg, MSGHDR_SIZE as usize)?;
        let name = le_u64(&header, 0);
        let name_len = u64::from(le_u32(&header, 8));
        let iov = le_u64(&header, 16);
        let iov_len = le_u64(&header, 24);
        let control = le_u64(&header, 32);
        let control_len = le_u64(&header, 40);
        self.spread_iov(iov, iov_len, data_len, flags & MSG_TRUNC != 0)?;
        self.push(name, name_len.min(SOCKADDR_MAX))?;
        self.push(control, control_len)?;
        self.push(msg.wrapping_add(8), 4)?; // msg_namelen
        self.push(msg.wrapping_add(40), 8)?; // msg_controllen
        self.push(msg.wrapping_add(48), 4) // msg_flags
    }

    /// The three fd_sets of select/pselect6 (`nfds` bits, rounded up to 8-byte
    /// words).
    fn fd_sets(&mut self) -> Result<(), SyscallError> {
        let nfds = self.arg(0) as i32;
        if nfds <= 0 {
            return Ok(());
        }
        let bytes = u64::from(nfds.unsigned_abs()).div_ceil(64) * 8;
        for index in 1..=3 {
            self.push(self.arg(index), bytes)?;
        }
        Ok(())
    }
}

/// EINTR or one of the restart codes: the call was interrupted by a signal.
fn interrupted(errno: i64) -> bool {
    errno == EINTR || is_restart_code(-errno)
}

/// Bytes of the siginfo a failed waitid writes.
const WAITID_FAILED_INFO_LEN: u64 = 28;

/// The few syscalls that write tracee memory even when they fail.
fn failed_call(c: &mut Ctx<'_>, number: u64) -> Result<(), SyscallError> {
    let errno = -c.result;
    let a = *c.args;
    match number {
        // The remaining time, when interrupted.
        nr::nanosleep if interrupted(errno) => c.push(a[1], TIMESPEC_SIZE),
        nr::clock_nanosleep if interrupted(errno) && a[1] & TIMER_ABSTIME == 0 => {
            c.push(a[3], TIMESPEC_SIZE)
        }
        // The remaining timeout is written back even when interrupted; poll's
        // revents are written back whatever do_poll returned.
        nr::select if interrupted(errno) => c.push(a[4], TIMEVAL_SIZE),
        nr::pselect6 if interrupted(errno) => c.push(a[4], TIMESPEC_SIZE),
        nr::poll if interrupted(errno) => c.push_array(a[0], a[1], POLLFD_SIZE),
        nr::ppoll if interrupted(errno) => {
            c.push_array(a[0], a[1], POLLFD_SIZE)?;
            c.push(a[2], TIMESPEC_SIZE)
        }
        // waitid fills si_signo, si_errno, si_code, si_pid, si_uid and
        // si_status (the first 28 bytes) whatever the wait returned, unless
        // infop itself is bad.
        nr::waitid if errno != EFAULT => c.push(a[2], WAITID_FAILED_INFO_LEN),
        // An unknown version: the kernel writes its preferred one.
        nr::capget | nr::capset if errno == EINVAL => c.push(a[0], 4),
        // A too-large struct: the kernel writes the size it supports.
        nr::sched_setattr if errno == E2BIG => c.push(a[1], 4),
        nr::lsm_get_self_attr if errno == E2BIG => c.push(a[2], 4),
        nr::lsm_list_modules if errno == E2BIG => c.push(a[1], 4),
        // Handle buffer too small: the kernel writes the needed size and the
        // mount id.
        nr::name_to_handle_at if errno == EOVERFLOW => {
            c.push(a[2], 8)?;
            let mount_id_len = if a[4] & AT_HANDLE_MNT_ID_UNIQUE != 0 {
                8
            } else {
                4
            };
            c.push(a[3], mount_id_len)
        }
        // PI futex ops may set FUTEX_WAITERS in the futex word before they fail
        // (timeout, signal, deadlock, ...).
        nr::futex if !matches!(errno, EFAULT | EINVAL | ENOSYS) => ops::futex_failed(c),
        _ => Ok(()),
    }
}

fn successful_call(c: &mut Ctx<'_>, number: u64) -> Result<(), SyscallError> {
    let a = *c.args;
    match number {
        // Byte-count results.
        nr::read | nr::pread64 => c.push_result(a[1]),
        nr::getdents | nr::getdents64 => c.push_result(a[1]),
        nr::readlink => c.push_result(a[1]),
        nr::readlinkat => c.push_result(a[2]),
        nr::getcwd => c.push_result(a[0]),
        nr::getrandom => c.push_result(a[0]),
        nr::sched_getaffinity => c.push_result(a[2]),
        nr::lookup_dcookie => c.push_result(a[1]),
        nr::getxattr | nr::lgetxattr | nr::fgetxattr => {
            // size 0 asks for the size and writes nothing.
            if a[3] != 0 {
                c.push_result(a[2])?;
            }
            Ok(())
        }
        nr::listxattr | nr::llistxattr | nr::flistxattr => {
            if a[2] != 0 {
                c.push_result(a[1])?;
            }
            Ok(())
        }
        nr::getxattrat => {
            // struct xattr_args { u64 value; u32 size; u32 flags; } at a[4].
            if a[4] == 0 {
                return Ok(());
            }
            let value = c.read_u64(a[4])?;
            let size = c.read_u32(a[4].wrapping_add(8))?;
            if size != 0 {
                c.push_result(value)?;
            }
            Ok(())
        }
        nr::listxattrat => {
            if a[4] != 0 {
                c.push_result(a[3])?;
            }
            Ok(())
        }

        // Scatter reads.
        nr::readv | nr::preadv | nr::preadv2 | nr::vmsplice | nr::process_vm_readv => {
            c.spread_iov(a[1], a[2], c.count(), false)
        }

        // Fixed-size structs.
        nr::stat | nr::fstat | nr::lstat => c.push(a[1], STAT_SIZE),
        nr::newfstatat => c.push(a[2], STAT_SIZE),
        nr::statx => c.push(a[4], STATX_SIZE),
        nr::statfs | nr::fstatfs => c.push(a[1], STATFS_SIZE),
        nr::ustat => c.push(a[1], USTAT_SIZE),
        nr::uname => c.push(a[0], UTSNAME_SIZE),
        nr::sysinfo => c.push(a[0], SYSINFO_SIZE),
        nr::times => c.push(a[0], TMS_SIZE),
        nr::getrusage => c.push(a[1], RUSAGE_SIZE),
        nr::getrlimit => c.push(a[1], RLIMIT_SIZE),
        nr::prlimit64 => c.push(a[3], RLIMIT_SIZE),
        nr::gettimeofday => {
            c.push(a[0], TIMEVAL_SIZE)?;
            c.push(a[1], TIMEZONE_SIZE)
        }
        nr::time => c.push(a[0], 8),
        nr::clock_gettime | nr::clock_getres => c.push(a[1], TIMESPEC_SIZE),
        nr::sched_rr_get_interval => c.push(a[1], TIMESPEC_SIZE),
        nr::sched_getparam => c.push(a[1], 4),
        nr::getitimer => c.push(a[1], ITIMERVAL_SIZE),
        nr::setitimer => c.push(a[2], ITIMERVAL_SIZE),
        nr::timer_create => c.push(a[2], 4),
        nr::timer_settime | nr::timerfd_settime => c.push(a[3], ITIMERSPEC_SIZE),
        nr::timer_gettime | nr::timerfd_gettime => c.push(a[1], ITIMERSPEC_SIZE),
        nr::adjtimex => c.push(a[0], TIMEX_SIZE),
        nr::clock_adjtime => c.push(a[1], TIMEX_SIZE),
        nr::pipe | nr::pipe2 => c.push(a[0], 8),
        nr::socketpair => c.push(a[3], 8),
        nr::getresuid | nr::getresgid => {
            c.push(a[0], 4)?;
            c.push(a[1], 4)?;
            c.push(a[2], 4)
        }
        nr::getgroups => {
            // size 0 asks for the count and writes nothing.
            if a[0] != 0 {
                c.push_array(a[1], c.count(), 4)?;
            }
            Ok(())
        }
        nr::getcpu => {
            c.push(a[0], 4)?;
            c.push(a[1], 4)
        }
        nr::get_robust_list => {
            c.push(a[1], 8)?;
            c.push(a[2], 8)
        }
        nr::rt_sigpending => c.push(a[0], a[1]),
        nr::rt_sigtimedwait => c.push(a[1], SIGINFO_SIZE),
        nr::mq_getsetattr => c.push(a[2], MQ_ATTR_SIZE),
        nr::cachestat => c.push(a[2], CACHESTAT_SIZE),
        nr::mincore => c.push(a[2], a[1].div_ceil(PAGE_SIZE)),
        nr::move_pages => c.push_array(a[4], a[1], 4),
        nr::get_mempolicy => {
            c.push(a[0], 4)?;
            if a[2] > 0 {
                c.push(a[1], (a[2] - 1).div_ceil(64) * 8)?;
            }
            Ok(())
        }
        nr::capget => {
            c.push(a[0], CAP_HEADER_SIZE)?;
            if a[1] != 0 && a[0] != 0 {
                let version = c.read_u32(a[0])?;
                let structs = if version == LINUX_CAPABILITY_VERSION_1 {
                    1
                } else {
                    2
                };
                c.push(a[1], structs * CAP_DATA_SIZE)?;
            }
            Ok(())
        }
        nr::sched_getattr => {
            // The kernel writes min(usize, its size) and stores that in attr->size.
            if a[1] != 0 {
                let size = u64::from(c.read_u32(a[1])?);
                c.push(a[1], size.min(a[2]))?;
            }
            Ok(())
        }
        nr::statmount => {
            // statmount->size holds the bytes used, strings included.
            if a[1] != 0 {
                let size = u64::from(c.read_u32(a[1])?);
                c.push(a[1], size.min(a[2]))?;
            }
            Ok(())
        }
        nr::listmount | nr::listns => c.push_array(a[1], c.count(), 8),
        nr::lsm_get_self_attr => {
            if a[2] != 0 {
                let size = u64::from(c.read_u32(a[2])?);
                c.push(a[1], size)?;
                c.push(a[2], 4)?;
            }
            Ok(())
        }
        nr::lsm_list_modules => {
            c.push_array(a[0], c.count(), 8)?;
            c.push(a[1], 4)
        }
        nr::file_getattr => c.push(a[2], a[3]),
        nr::name_to_handle_at => {
            if a[2] != 0 {
                let handle_bytes = u64::from(c.read_u32(a[2])?);
                c.push(a[2], 8 + handle_bytes)?;
            }
            let mount_id_len = if a[4] & AT_HANDLE_MNT_ID_UNIQUE != 0 {
                8
            } else {
                4
            };
            c.push(a[3], mount_id_len)
        }

        // Waiting for children.
        nr::wait4 => {
            if c.result > 0 {
                c.push(a[1], 4)?;
                c.push(a[3], RUSAGE_SIZE)?;
            }
            Ok(())
        }
        nr::waitid => {
            c.push(a[2], SIGINFO_SIZE)?;
            c.push(a[4], RUSAGE_SIZE)
        }

        // Sleeping and polling.
        nr::nanosleep | nr::clock_nanosleep | nr::pause | nr::rt_sigsuspend => Ok(()),
        nr::select => {
            c.fd_sets()?;
            c.push(a[4], TIMEVAL_SIZE)
        }
        nr::pselect6 => {
            c.fd_sets()?;
            c.push(a[4], TIMESPEC_SIZE)
        }
        nr::poll => c.push_array(a[0], a[1], POLLFD_SIZE),
        nr::ppoll => {
            c.push_array(a[0], a[1], POLLFD_SIZE)?;
            c.push(a[2], TIMESPEC_SIZE)
        }
        nr::epoll_wait | nr::epoll_pwait | nr::epoll_pwait2 => {
            c.push_array(a[1], c.count(), EPOLL_EVENT_SIZE)
        }

        // Sockets.
        nr::accept | nr::accept4 | nr::getsockname | nr::getpeername => c.sockaddr(a[1], a[2]),
        nr::recvfrom => {
            c.push(a[1], c.count().min(a[2]))?;
            c.sockaddr(a[4], a[5])
        }
        nr::recvmsg => c.received_msghdr(a[1], c.count(), a[2]),
        nr::recvmmsg => {
            let received = c.check_count("message count", c.count())? as u64;
            for index in 0..received {
                let entry = a[1].wrapping_add(index * MMSGHDR_SIZE);
                let data_len = u64::from(c.read_u32(entry.wrapping_add(MSGHDR_SIZE))?);
                c.received_msghdr(entry, data_len, a[3])?;
                c.push(entry.wrapping_add(MSGHDR_SIZE), 4)?;
            }
            if received > 0 {
                c.push(a[4], TIMESPEC_SIZE)?;
            }
            Ok(())
        }
        nr::sendmmsg => {
            let sent = c.check_count("message count", c.count())? as u64;
            for index in 0..sent {
                c.push(a[1].wrapping_add(index * MMSGHDR_SIZE + MSGHDR_SIZE), 4)?;
            }
            Ok(())
        }
        nr::getsockopt => {
            if a[3] != 0 && a[4] != 0 {
                let len = u64::from(c.read_u32(a[4])?);
                c.push(a[3], len)?;
                c.push(a[4], 4)?;
            }
            Ok(())
        }

        // File offsets updated through pointers.
        nr::sendfile => c.push(a[2], 8),
        nr::splice | nr::copy_file_range => {
            c.push(a[1], 8)?;
            c.push(a[3], 8)
        }

        // Signals.
        nr::rt_sigaction => match SIGACTION_HEAD_SIZE.checked_add(a[3]) {
            Some(len) => c.push(a[2], len),
            None => c.push(a[2], u64::MAX),
        },
        nr::rt_sigprocmask => c.push(a[2], a[3]),
        nr::sigaltstack => c.push(a[1], STACK_T_SIZE),

        // Threads and processes.
        nr::clone => {
            let flags = a[0];
            if c.result == 0 {
                if flags & CLONE_CHILD_SETTID != 0 {
                    c.push(a[3], 4)?;
                }
            } else if flags & (CLONE_PARENT_SETTID | CLONE_PIDFD) != 0 {
                c.push(a[2], 4)?;
            }
            Ok(())
        }
        nr::clone3 => {
            // struct clone_args { u64 flags, pidfd, child_tid, parent_tid, ... }
            if a[0] == 0 {
                return Ok(());
            }
            let head = c.read(a[0], 32)?;
            let flags = le_u64(&head, 0);
            if c.result == 0 {
                if flags & CLONE_CHILD_SETTID != 0 {
                    c.push(le_u64(&head, 16), 4)?;
                }
            } else {
                if flags & CLONE_PIDFD != 0 {
                    c.push(le_u64(&head, 8), 4)?;
                }
                if flags & CLONE_PARENT_SETTID != 0 {
                    c.push(le_u64(&head, 24), 4)?;
                }
            }
            Ok(())
        }
        nr::get_thread_area => c.push(a[0], USER_DESC_SIZE),
        nr::set_thread_area => c.push(a[0], 4),
        nr::modify_ldt => match a[0] {
            0 | 2 => c.push_result(a[1]),
            1 | 0x11 => Ok(()),
            func => Err(SyscallError::UnsupportedOperation {
                syscall: c.name,
                what: "function",
                value: func,
            }),
        },

        // IPC.
        nr::msgrcv => match c.count().checked_add(8) {
            Some(len) => c.push(a[1], len),
            None => c.push(a[1], u64::MAX),
        },
        nr::mq_timedreceive => {
            c.push_result(a[1])?;
            c.push(a[3], 4)
        }

        // Multiplexed syscalls with sub-operations.
        nr::ioctl => ops::ioctl(c),
        nr::fcntl => ops::fcntl(c),
        nr::prctl => ops::prctl(c),
        nr::arch_prctl => ops::arch_prctl(c),
        nr::futex => ops::futex(c),
        nr::semctl => ops::semctl(c),
        nr::msgctl => ops::msgctl(c),
        nr::shmctl => ops::shmctl(c),
        nr::keyctl => ops::keyctl(c),
        nr::quotactl => ops::quotactl(c, a[0]),
        nr::quotactl_fd => ops::quotactl(c, a[1]),
        nr::syslog => ops::syslog(c),
        nr::sysfs => ops::sysfs(c),
        nr::seccomp => ops::seccomp(c),

        nr::restart_syscall => Err(SyscallError::RestartSyscall),

        // Syscalls that write no tracee memory.
        nr::write
        | nr::open
        | nr::close
        | nr::lseek
        | nr::mmap
        | nr::mprotect
        | nr::munmap
        | nr::brk
        | nr::rt_sigreturn
        | nr::pwrite64
        | nr::writev
        | nr::access
        | nr::sched_yield
        | nr::mremap
        | nr::msync
        | nr::madvise
        | nr::shmget
        | nr::dup
        | nr::dup2
        | nr::alarm
        | nr::getpid
        | nr::socket
        | nr::connect
        | nr::sendto
        | nr::sendmsg
        | nr::shutdown
        | nr::bind
        | nr::listen
        | nr::setsockopt
        | nr::fork
        | nr::vfork
        | nr::execve
        | nr::exit
        | nr::kill
        | nr::semget
        | nr::semop
        | nr::msgget
        | nr::msgsnd
        | nr::flock
        | nr::fsync
        | nr::fdatasync
        | nr::truncate
        | nr::ftruncate
        | nr::chdir
        | nr::fchdir
        | nr::rename
        | nr::mkdir
        | nr::rmdir
        | nr::creat
        | nr::link
        | nr::unlink
        | nr::symlink
        | nr::chmod
        | nr::fchmod
        | nr::chown
        | nr::fchown
        | nr::lchown
        | nr::umask
        | nr::getuid
        | nr::getgid
        | nr::setuid
        | nr::setgid
        | nr::geteuid
        | nr::getegid
        | nr::setpgid
        | nr::getppid
        | nr::getpgrp
        | nr::setsid
        | nr::setreuid
        | nr::setregid
        | nr::setgroups
        | nr::setresuid
        | nr::setresgid
        | nr::getpgid
        | nr::setfsuid
        | nr::setfsgid
        | nr::getsid
        | nr::capset
        | nr::rt_sigqueueinfo
        | nr::utime
        | nr::mknod
        | nr::personality
        | nr::getpriority
        | nr::setpriority
        | nr::sched_setparam
        | nr::sched_setscheduler
        | nr::sched_getscheduler
        | nr::sched_get_priority_max
        | nr::sched_get_priority_min
        | nr::mlock
        | nr::munlock
        | nr::mlockall
        | nr::munlockall
        | nr::vhangup
        | nr::pivot_root
        | nr::_sysctl
        | nr::setrlimit
        | nr::chroot
        | nr::sync
        | nr::acct
        | nr::settimeofday
        | nr::mount
        | nr::umount2
        | nr::swapon
        | nr::swapoff
        | nr::reboot
        | nr::sethostname
        | nr::setdomainname
        | nr::create_module
        | nr::init_module
        | nr::delete_module
        | nr::get_kernel_syms
        | nr::query_module
        | nr::nfsservctl
        | nr::getpmsg
        | nr::putpmsg
        | nr::afs_syscall
        | nr::tuxcall
        | nr::security
        | nr::gettid
        | nr::readahead
        | nr::setxattr
        | nr::lsetxattr
        | nr::fsetxattr
        | nr::removexattr
        | nr::lremovexattr
        | nr::fremovexattr
        | nr::tkill
        | nr::sched_setaffinity
        | nr::epoll_create
        | nr::epoll_ctl_old
        | nr::epoll_wait_old
        | nr::remap_file_pages
        | nr::set_tid_address
        | nr::semtimedop
        | nr::fadvise64
        | nr::timer_getoverrun
        | nr::timer_delete
        | nr::clock_settime
        | nr::exit_group
        | nr::epoll_ctl
        | nr::tgkill
        | nr::utimes
        | nr::vserver
        | nr::mbind
        | nr::set_mempolicy
        | nr::mq_open
        | nr::mq_unlink
        | nr::mq_timedsend
        | nr::mq_notify
        | nr::kexec_load
        | nr::add_key
        | nr::request_key
        | nr::ioprio_set
        | nr::ioprio_get
        | nr::inotify_init
        | nr::inotify_add_watch
        | nr::inotify_rm_watch
        | nr::migrate_pages
        | nr::openat
        | nr::mkdirat
        | nr::mknodat
        | nr::fchownat
        | nr::futimesat
        | nr::unlinkat
        | nr::renameat
        | nr::linkat
        | nr::symlinkat
        | nr::fchmodat
        | nr::faccessat
        | nr::unshare
        | nr::set_robust_list
        | nr::tee
        | nr::sync_file_range
        | nr::utimensat
        | nr::signalfd
        | nr::timerfd_create
        | nr::eventfd
        | nr::fallocate
        | nr::signalfd4
        | nr::eventfd2
        | nr::epoll_create1
        | nr::dup3
        | nr::inotify_init1
        | nr::pwritev
        | nr::rt_tgsigqueueinfo
        | nr::fanotify_init
        | nr::fanotify_mark
        | nr::open_by_handle_at
        | nr::syncfs
        | nr::setns
        | nr::kcmp
        | nr::finit_module
        | nr::sched_setattr
        | nr::renameat2
        | nr::memfd_create
        | nr::kexec_file_load
        | nr::execveat
        | nr::membarrier
        | nr::mlock2
        | nr::pwritev2
        | nr::pkey_mprotect
        | nr::pkey_alloc
        | nr::pkey_free
        | nr::rseq
        | nr::pidfd_send_signal
        | nr::open_tree
        | nr::move_mount
        | nr::fsopen
        | nr::fsconfig
        | nr::fsmount
        | nr::fspick
        | nr::pidfd_open
        | nr::close_range
        | nr::openat2
        | nr::pidfd_getfd
        | nr::faccessat2
        | nr::process_madvise
        | nr::mount_setattr
        | nr::landlock_create_ruleset
        | nr::landlock_add_rule
        | nr::landlock_restrict_self
        | nr::process_mrelease
        | nr::futex_waitv
        | nr::set_mempolicy_home_node
        | nr::fchmodat2
        | nr::futex_wake
        | nr::futex_wait
        | nr::futex_requeue
        | nr::lsm_set_self_attr
        | nr::mseal
        | nr::setxattrat
        | nr::removexattrat
        | nr::open_tree_attr
        | nr::file_setattr => Ok(()),

        // Every table entry is handled above; reaching this is a bug in the table.
        _ => Err(SyscallError::unsupported_syscall(number)),
    }
}
