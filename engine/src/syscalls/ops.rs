//! Output memory of multiplexed syscalls, by sub-operation: ioctl requests, fcntl
//! commands, prctl options, futex ops, SysV IPC commands, ...
//!
//! A sub-operation not listed here is a [`SyscallError::UnsupportedOperation`]
//! naming it: guessing would silently lose data in replay.

use super::ctx::{le_u32, le_u64, Ctx};
use super::error::SyscallError;

fn unsupported(c: &Ctx<'_>, what: &'static str, value: u64) -> Result<(), SyscallError> {
    Err(SyscallError::UnsupportedOperation {
        syscall: c.name,
        what,
        value,
    })
}

/// What an ioctl request writes through its argument pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IoctlOutput {
    Nothing,
    Bytes(u64),
    /// SIOCGIFCONF: struct ifconf, and the buffer it points to.
    IfConf,
}

const TERMIOS_SIZE: u64 = 36;
const TERMIOS2_SIZE: u64 = 44;
const TERMIO_SIZE: u64 = 18;
const WINSIZE_SIZE: u64 = 8;
const IFREQ_SIZE: u64 = 40;

/// Known ioctl requests and what they write (`None`: unknown request).
fn ioctl_output(request: u32) -> Option<IoctlOutput> {
    use IoctlOutput::{Bytes, IfConf, Nothing};
    let output = match request {
        // Terminals (asm-generic/ioctls.h).
        0x5401 => Bytes(TERMIOS_SIZE),        // TCGETS
        0x5402..=0x5404 => Nothing,           // TCSETS, TCSETSW, TCSETSF
        0x5405 => Bytes(TERMIO_SIZE),         // TCGETA
        0x5406..=0x5408 => Nothing,           // TCSETA, TCSETAW, TCSETAF
        0x5409..=0x540B => Nothing,           // TCSBRK, TCXONC, TCFLSH
        0x540C..=0x540E => Nothing,           // TIOCEXCL, TIOCNXCL, TIOCSCTTY
        0x540F => Bytes(4),                   // TIOCGPGRP
        0x5410 => Nothing,                    // TIOCSPGRP
        0x5411 => Bytes(4),                   // TIOCOUTQ / SIOCOUTQ
        0x5412 => Nothing,                    // TIOCSTI
        0x5413 => Bytes(WINSIZE_SIZE),        // TIOCGWINSZ
        0x5414 => Nothing,                    // TIOCSWINSZ
        0x5415 => Bytes(4),                   // TIOCMGET
        0x5416..=0x5418 => Nothing,           // TIOCMBIS, TIOCMBIC, TIOCMSET
        0x5419 => Bytes(4),                   // TIOCGSOFTCAR
        0x541A => Nothing,                    // TIOCSSOFTCAR
        0x541B => Bytes(4),                   // FIONREAD / TIOCINQ / SIOCINQ
        0x541D => Nothing,                    // TIOCCONS
        0x541E => Bytes(72),                  // TIOCGSERIAL (struct serial_struct)
        0x5420..=0x5423 => Nothing,           // TIOCPKT, FIONBIO, TIOCNOTTY, TIOCSETD
        0x5424 => Bytes(4),                   // TIOCGETD
        0x5425 => Nothing,                    // TCSBRKP
        0x5427 | 0x5428 => Nothing,           // TIOCSBRK, TIOCCBRK
        0x5429 => Bytes(4),                   // TIOCGSID
        0x802C_542A => Bytes(TERMIOS2_SIZE),  // TCGETS2
        0x402C_542B..=0x402C_542D => Nothing, // TCSETS2, TCSETSW2, TCSETSF2
        0x542E => Bytes(32),                  // TIOCGRS485 (struct serial_rs485)
        0x8004_5430 => Bytes(4),              // TIOCGPTN
        0x4004_5431 => Nothing,               // TIOCSPTLCK
        0x8004_5432 => Bytes(4),              // TIOCGDEV
        0x4004_5436 => Nothing,               // TIOCSIG
        0x5437 => Nothing,                    // TIOCVHANGUP
        0x8004_5438 => Bytes(4),              // TIOCGPKT
        0x8004_5439 => Bytes(4),              // TIOCGPTLCK
        0x8004_5440 => Bytes(4),              // TIOCGEXCL
        0x5441 => Nothing,                    // TIOCGPTPEER (returns an fd)
        0x5450..=0x5452 => Nothing,           // FIONCLEX, FIOCLEX, FIOASYNC
        0x5456 => Bytes(TERMIOS_SIZE),        // TIOCGLCKTRMIOS
        0x5457 => Nothing,                    // TIOCSLCKTRMIOS
        0x545D => Bytes(80),                  // TIOCGICOUNT
        0x5460 => Bytes(8),                   // FIOQSIZE
        // Virtual consoles.
        0x4B33 => Bytes(1),         // KDGKBTYPE
        0x4B3A => Nothing,          // KDSETMODE
        0x4B3B => Bytes(4),         // KDGETMODE
        0x4B44 => Bytes(4),         // KDGKBMODE
        0x4B45 => Nothing,          // KDSKBMODE
        0x5600 => Bytes(4),         // VT_OPENQRY
        0x5601 => Bytes(8),         // VT_GETMODE
        0x5602 => Nothing,          // VT_SETMODE
        0x5603 => Bytes(6),         // VT_GETSTATE
        0x5606 | 0x5607 => Nothing, // VT_ACTIVATE, VT_WAITACTIVE
        // Sockets (linux/sockios.h).
        0x8901 | 0x8902 => Nothing,   // FIOSETOWN, SIOCSPGRP
        0x8903..=0x8905 => Bytes(4),  // FIOGETOWN, SIOCGPGRP, SIOCATMARK
        0x8906 | 0x8907 => Bytes(16), // SIOCGSTAMP, SIOCGSTAMPNS
        0x8910 => Bytes(IFREQ_SIZE),  // SIOCGIFNAME
        0x8912 => IfConf,             // SIOCGIFCONF
        0x8913 => Bytes(IFREQ_SIZE),  // SIOCGIFFLAGS
        0x8915 => Bytes(IFREQ_SIZE),  // SIOCGIFADDR
        0x8917 => Bytes(IFREQ_SIZE),  // SIOCGIFDSTADDR
        0x8919 => Bytes(IFREQ_SIZE),  // SIOCGIFBRDADDR
        0x891B => Bytes(IFREQ_SIZE),  // SIOCGIFNETMASK
        0x891D => Bytes(IFREQ_SIZE),  // SIOCGIFMETRIC
        0x8921 => Bytes(IFREQ_SIZE),  // SIOCGIFMTU
        0x8927 => Bytes(IFREQ_SIZE),  // SIOCGIFHWADDR
        0x8933 => Bytes(IFREQ_SIZE),  // SIOCGIFINDEX
        0x8942 => Bytes(IFREQ_SIZE),  // SIOCGIFTXQLEN
        0x894B => Bytes(4),           // SIOCOUTQNSD
        // Files and block devices.
        0x0001 => Bytes(4),          // FIBMAP
        0x0002 => Bytes(4),          // FIGETBSZ
        0x125E => Bytes(4),          // BLKROGET
        0x1260 => Bytes(8),          // BLKGETSIZE
        0x1268 => Bytes(4),          // BLKSSZGET
        0x8008_1270 => Bytes(4),     // BLKBSZGET (writes an int)
        0x8008_1272 => Bytes(8),     // BLKGETSIZE64
        0x1278..=0x127C => Bytes(4), // BLKIOMIN, BLKIOOPT, BLKALIGNOFF, BLKPBSZGET, BLKDISCARDZEROES
        0x127E => Bytes(2),          // BLKROTATIONAL
        0x8008_6601 => Bytes(4),     // FS_IOC_GETFLAGS (writes an int)
        0x4008_6602 => Nothing,      // FS_IOC_SETFLAGS
        0x8008_7601 => Bytes(4),     // FS_IOC_GETVERSION (writes an int)
        0x4008_7602 => Nothing,      // FS_IOC_SETVERSION
        0x801C_581F => Bytes(28),    // FS_IOC_FSGETXATTR
        0x401C_5820 => Nothing,      // FS_IOC_FSSETXATTR
        0x8100_9431 => Bytes(256),   // FS_IOC_GETFSLABEL
        0x8011_1500 => Bytes(17),    // FS_IOC_GETFSUUID
        0x8081_1501 => Bytes(129),   // FS_IOC_GETFSSYSFSPATH
        0x4004_9409 => Nothing,      // FICLONE
        0x4020_940D => Nothing,      // FICLONERANGE
        0x8004_5200 => Bytes(4),     // RNDGETENTCNT
        0xB701..=0xB703 => Nothing,  // NS_GET_USERNS, NS_GET_PARENT, NS_GET_NSTYPE
        0xB704 => Bytes(4),          // NS_GET_OWNER_UID
        _ => return None,
    };
    Some(output)
}

pub(super) fn ioctl(c: &mut Ctx<'_>) -> Result<(), SyscallError> {
    // The kernel takes the request as an unsigned int.
    let request = c.arg(1) as u32;
    let arg = c.arg(2);
    match ioctl_output(request) {
        Some(IoctlOutput::Nothing) => Ok(()),
        Some(IoctlOutput::Bytes(len)) => c.push(arg, len),
        Some(IoctlOutput::IfConf) => {
            // struct ifconf { int ifc_len; char *ifc_buf; }: ifc_len is updated to
            // the bytes written to ifc_buf (or needed, when ifc_buf is NULL).
            if arg == 0 {
                return Ok(());
            }
            let head = c.read(arg, 16)?;
            let len = u64::from(le_u32(&head, 0));
            let buf = le_u64(&head, 8);
            c.push(arg, 4)?;
            c.push(buf, len)
        }
        None => unsupported(c, "ioctl request", u64::from(request)),
    }
}

pub(super) fn fcntl(c: &mut Ctx<'_>) -> Result<(), SyscallError> {
    let command = c.arg(1) as u32;
    let arg = c.arg(2);
    match command {
        // F_GETLK, F_OFD_GETLK: struct flock.
        5 | 36 => c.push(arg, 32),
        // F_GETOWN_EX: struct f_owner_ex; F_GETOWNER_UIDS: two uids.
        16 | 17 => c.push(arg, 8),
        // F_GET_RW_HINT, F_GET_FILE_RW_HINT: u64.
        1035 | 1037 => c.push(arg, 8),
        // F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_SETLK, F_SETLKW,
        // F_SETOWN, F_GETOWN, F_SETSIG, F_GETSIG, F_SETOWN_EX.
        0..=4 | 6..=11 | 15 => Ok(()),
        // F_OFD_SETLK, F_OFD_SETLKW.
        37 | 38 => Ok(()),
        // F_SETLEASE, F_GETLEASE, F_NOTIFY, F_DUPFD_QUERY, F_CREATED_QUERY,
        // F_CANCELLK, F_DUPFD_CLOEXEC, F_SETPIPE_SZ, F_GETPIPE_SZ, F_ADD_SEALS,
        // F_GET_SEALS.
        1024..=1034 => Ok(()),
        // F_SET_RW_HINT, F_SET_FILE_RW_HINT.
        1036 | 1038 => Ok(()),
        _ => unsupported(c, "fcntl command", u64::from(command)),
    }
}

pub(super) fn prctl(c: &mut Ctx<'_>) -> Result<(), SyscallError> {
    let option = c.arg(0) as u32;
    let arg2 = c.arg(1);
    match option {
        // Getters that write an int through arg2: PR_GET_PDEATHSIG,
        // PR_GET_UNALIGN, PR_GET_FPEMU, PR_GET_FPEXC, PR_GET_ENDIAN, PR_GET_TSC,
        // PR_GET_CHILD_SUBREAPER.
        2 | 5 | 9 | 11 | 19 | 25 | 37 => c.push(arg2, 4),
        // PR_GET_NAME: the 16-byte comm.
        16 => c.push(arg2, 16),
        // PR_GET_TID_ADDRESS, PR_GET_SHADOW_STACK_STATUS: a u64.
        40 | 74 => c.push(arg2, 8),
        // PR_SCHED_CORE: PR_SCHED_CORE_GET writes the cookie through arg5.
        62 => {
            if arg2 == 0 {
                c.push(c.arg(4), 8)?;
            }
            Ok(())
        }
        // PR_GET_AUXV: min(len, auxv size) bytes; the result is the auxv size.
        0x4155_5856 => {
            let len = c.count().min(c.arg(2));
            c.push(arg2, len)
        }
        // Options that write nothing (results come back in rax): PR_SET_PDEATHSIG,
        // PR_{GET,SET}_DUMPABLE, PR_SET_UNALIGN, PR_{GET,SET}_KEEPCAPS,
        // PR_SET_FPEMU, PR_SET_FPEXC, PR_{GET,SET}_TIMING, PR_SET_NAME,
        // PR_SET_ENDIAN, PR_{GET,SET}_SECCOMP, PR_CAPBSET_{READ,DROP}, PR_SET_TSC,
        // PR_{GET,SET}_SECUREBITS, PR_{SET,GET}_TIMERSLACK,
        // PR_TASK_PERF_EVENTS_{DISABLE,ENABLE}, PR_MCE_KILL{,_GET}.
        1 | 3 | 4 | 6 | 7 | 8 | 10 | 12..=15 | 20..=24 | 26..=34 => Ok(()),
        // PR_SET_CHILD_SUBREAPER, PR_{SET,GET}_NO_NEW_PRIVS,
        // PR_{SET,GET}_THP_DISABLE, PR_MPX_*, PR_{SET,GET}_FP_MODE, PR_CAP_AMBIENT,
        // PR_SVE_*, PR_{GET,SET}_SPECULATION_CTRL, PR_PAC_RESET_KEYS,
        // PR_{SET,GET}_TAGGED_ADDR_CTRL, PR_{SET,GET}_IO_FLUSHER.
        36 | 38 | 39 | 41..=58 => Ok(()),
        // PR_PAC_{SET,GET}_ENABLED_KEYS, PR_SME_*, PR_{SET,GET}_MDWE,
        // PR_{SET,GET}_MEMORY_MERGE, PR_RISCV_*, PR_PPC_*,
        // PR_{SET,LOCK}_SHADOW_STACK_STATUS, PR_TIMER_CREATE_RESTORE_IDS,
        // PR_FUTEX_HASH.
        60 | 61 | 63..=73 | 75..=78 => Ok(()),
        // PR_SET_PTRACER, PR_SET_VMA.
        0x5961_6D61 | 0x5356_4D41 => Ok(()),
        // PR_SET_MM (35) rewrites the memory layout and PR_SET_SYSCALL_USER_DISPATCH
        // (59) redirects syscalls: neither can be emulated.
        _ => unsupported(c, "prctl option", u64::from(option)),
    }
}

pub(super) fn arch_prctl(c: &mut Ctx<'_>) -> Result<(), SyscallError> {
    let code = c.arg(0);
    let addr = c.arg(1);
    match code {
        // ARCH_GET_GS, ARCH_GET_FS.
        0x1003 | 0x1004 => c.push(addr, 8),
        // ARCH_GET_XCOMP_SUPP, ARCH_GET_XCOMP_PERM, ARCH_GET_XCOMP_GUEST_PERM.
        0x1021 | 0x1022 | 0x1024 => c.push(addr, 8),
        // ARCH_GET_UNTAG_MASK, ARCH_GET_MAX_TAG_BITS, ARCH_SHSTK_STATUS.
        0x4001 | 0x4003 | 0x5005 => c.push(addr, 8),
        // ARCH_SET_GS, ARCH_SET_FS, ARCH_GET_CPUID, ARCH_SET_CPUID,
        // ARCH_REQ_XCOMP_PERM, ARCH_REQ_XCOMP_GUEST_PERM, ARCH_MAP_VDSO_*,
        // ARCH_ENABLE_TAGGED_ADDR, ARCH_FORCE_TAGGED_SVA,
        // ARCH_SHSTK_{ENABLE,DISABLE,LOCK,UNLOCK}.
        0x1001 | 0x1002 | 0x1011 | 0x1012 | 0x1023 | 0x1025 => Ok(()),
        0x2001..=0x2003 | 0x4002 | 0x4004 | 0x5001..=0x5004 => Ok(()),
        _ => unsupported(c, "arch_prctl code", code),
    }
}

const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;

fn futex_command(op: u64) -> u64 {
    op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
}

pub(super) fn futex(c: &mut Ctx<'_>) -> Result<(), SyscallError> {
    let op = c.arg(1);
    let uaddr = c.arg(0);
    let uaddr2 = c.arg(4);
    match futex_command(op) {
        // FUTEX_WAIT, FUTEX_WAKE, FUTEX_FD, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE,
        // FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET: the futex words are only read.
        0..=4 | 9 | 10 => Ok(()),
        // FUTEX_WAKE_OP: the operation is applied to *uaddr2.
        5 => c.push(uaddr2, 4),
        // FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI, FUTEX_LOCK_PI2: the
        // owner TID / waiters bits of *uaddr.
        6 | 7 | 8 | 13 => c.push(uaddr, 4),
        // FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI: the PI futex is *uaddr2.
        11 | 12 => c.push(uaddr2, 4),
        command => unsupported(c, "futex op", command),
    }
}

/// A failed PI futex op may still have changed the futex word.
pub(super) fn futex_failed(c: &mut Ctx<'_>) -> Result<(), SyscallError> {
    match futex_command(c.arg(1)) {
        6 | 7 | 8 | 13 => c.push(c.arg(0), 4),
        11 | 12 => c.push(c.arg(4), 4),
        _ => Ok(()),
    }
}

const IPC_64: u64 = 0x100;
const IPC_RMID: u64 = 0;
const IPC_SET: u64 = 1;
const IPC_STAT: u64 = 2;
const IPC_INFO: u64 = 3;

pub(super) fn semctl(c: &mut Ctx<'_>) -> Result<(), SyscallError> {
    let command = c.arg(2) & !IPC_64;
    let arg = c.arg(3);
    match command {
        // IPC_STAT, SEM_STAT, SEM_STAT_ANY: struct semid64_ds.
        IPC_STAT | 18 | 20 => c.push(arg, 104),
        // IPC_INFO, SEM_INFO: struct seminfo.
        IPC_INFO | 19 => c.push(arg, 40),
        // IPC_RMID, IPC_SET, GETPID, GETVAL, GETNCNT, GETZCNT, SETVAL, SETALL.
        IPC_RMID | IPC_SET | 11 | 12 | 14..=17 => Ok(()),
        // GETALL (13) writes nsems shorts, a count only the kernel knows here.
        _ => unsupported(c, "semctl command", command),
    }
}

pub(super) fn msgctl(c: &mut Ctx<'_>) -> Result<(), SyscallError> {
    let command = c.arg(1) & !IPC_64;
    let buf = c.arg(2);
    match command {
        // IPC_STAT, MSG_STAT, MSG_STAT_ANY: struct msqid64_ds.
        IPC_STAT | 11 | 13 => c.push(buf, 120),
        // IPC_INFO, MSG_INFO: struct msginfo.
        IPC_INFO | 12 => c.push(buf, 32),
        IPC_RMID | IPC_SET => Ok(()),
        _ => unsupported(c, "msgctl command", command),
    }
}

pub(super) fn shmctl(c: &mut Ctx<'_>) -> Result<(), SyscallError> {
    let command = c.arg(1) & !IPC_64;
    let buf = c.arg(2);
    match command {
        // IPC_STAT, SHM_STAT, SHM_STAT_ANY: struct shmid64_ds.
        IPC_STAT | 13 | 15 => c.push(buf, 112),
        // IPC_INFO: struct shminfo64.
        IPC_INFO => c.push(buf, 72),
        // SHM_INFO: struct shm_info.
        14 => c.push(buf, 48),
        // IPC_RMID, IPC_SET, SHM_LOCK, SHM_UNLOCK.
        IPC_RMID | IPC_SET | 11 | 12 => Ok(()),
        _ => unsupported(c, "shmctl command", command),
    }
}

pub(super) fn keyctl(c: &mut Ctx<'_>) -> Result<(), SyscallError> {
    let operation = c.arg(0);
    match operation {
        // KEYCTL_DESCRIBE, KEYCTL_READ, KEYCTL_GET_SECURITY, KEYCTL_DH_COMPUTE:
        // min(needed, buflen) bytes; the result is the size needed.
        6 | 11 | 17 | 23 => {
            let len = c.count().min(c.arg(3));
            c.push(c.arg(2), len)
        }
        // KEYCTL_CAPABILITIES.
        31 => {
            let len = c.count().min(c.arg(2));
            c.push(c.arg(1), len)
        }
        // KEYCTL_PKEY_QUERY: struct keyctl_pkey_query.
        24 => c.push(c.arg(4), 56),
        // KEYCTL_PKEY_ENCRYPT, _DECRYPT, _SIGN: result bytes of output.
        25..=27 => c.push_result(c.arg(4)),
        // Everything else writes nothing.
        0..=5 | 7..=10 | 12..=16 | 18..=22 | 28..=30 | 32 => Ok(()),
        _ => unsupported(c, "keyctl operation", operation),
    }
}

pub(super) fn quotactl(c: &mut Ctx<'_>, cmd: u64) -> Result<(), SyscallError> {
    let subcommand = (cmd as u32) >> 8;
    let addr = c.arg(3);
    match subcommand {
        // Q_SYNC, Q_QUOTAON, Q_QUOTAOFF, Q_SETINFO, Q_SETQUOTA.
        0x80_0001..=0x80_0003 | 0x80_0006 | 0x80_0008 => Ok(()),
        // Q_GETFMT.
        0x80_0004 => c.push(addr, 4),
        // Q_GETINFO: struct if_dqinfo.
        0x80_0005 => c.push(addr, 24),
        // Q_GETQUOTA: struct if_dqblk; Q_GETNEXTQUOTA: struct if_nextdqblk.
        0x80_0007 | 0x80_0009 => c.push(addr, 72),
        _ => unsupported(c, "quotactl command", u64::from(subcommand)),
    }
}

pub(super) fn syslog(c: &mut Ctx<'_>) -> Result<(), SyscallError> {
    let kind = c.arg(0);
    match kind {
        // SYSLOG_ACTION_READ, _READ_ALL, _READ_CLEAR.
        2..=4 => c.push_result(c.arg(1)),
        0 | 1 | 5..=10 => Ok(()),
        _ => unsupported(c, "syslog action", kind),
    }
}

pub(super) fn sysfs(c: &mut Ctx<'_>) -> Result<(), SyscallError> {
    let option = c.arg(0);
    match option {
        1 | 3 => Ok(()),
        // Option 2 writes a NUL-terminated filesystem name of unknown length.
        _ => unsupported(c, "sysfs option", option),
    }
}

pub(super) fn seccomp(c: &mut Ctx<'_>) -> Result<(), SyscallError> {
    let operation = c.arg(0);
    match operation {
        // SECCOMP_SET_MODE_STRICT, SECCOMP_SET_MODE_FILTER, SECCOMP_GET_ACTION_AVAIL.
        0..=2 => Ok(()),
        // SECCOMP_GET_NOTIF_SIZES: struct seccomp_notif_sizes (3 × u16).
        3 => c.push(c.arg(2), 6),
        _ => unsupported(c, "seccomp operation", operation),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Request numbers agree with the _IOC encoding of their declared size where
    /// the kernel encodes one (catches typos in the hex).
    #[test]
    fn encoded_ioctl_sizes_match() {
        for (request, expected) in [
            (0x802C_542A_u32, TERMIOS2_SIZE),
            (0x8004_5430, 4),
            (0x801C_581F, 28),
            (0x8100_9431, 256),
            (0x8011_1500, 17),
            (0x8081_1501, 129),
            (0x8004_5200, 4),
            (0x8008_1272, 8),
        ] {
            assert_eq!(
                u64::from((request >> 16) & 0x3fff),
                expected,
                "{request:#x}"
            );
            assert_eq!(ioctl_output(request), Some(IoctlOutput::Bytes(expected)));
        }
        assert_eq!(
            ioctl_output(libc::TCGETS as u32),
            Some(IoctlOutput::Bytes(36))
        );
        assert_eq!(
            ioctl_output(libc::TIOCGWINSZ as u32),
            Some(IoctlOutput::Bytes(8))
        );
        assert_eq!(
            ioctl_output(libc::FIONREAD as u32),
            Some(IoctlOutput::Bytes(4))
        );
        assert_eq!(
            ioctl_output(libc::FIOCLEX as u32),
            Some(IoctlOutput::Nothing)
        );
        assert_eq!(
            ioctl_output(libc::FIONCLEX as u32),
            Some(IoctlOutput::Nothing)
        );
        assert_eq!(
            ioctl_output(libc::FIONBIO as u32),
            Some(IoctlOutput::Nothing)
        );
        assert_eq!(
            ioctl_output(libc::TIOCSPGRP as u32),
            Some(IoctlOutput::Nothing)
        );
        assert_eq!(
            ioctl_output(libc::TIOCGPGRP as u32),
            Some(IoctlOutput::Bytes(4))
        );
        assert_eq!(
            ioctl_output(libc::TIOCGPTN as u32),
            Some(IoctlOutput::Bytes(4))
        );
        assert_eq!(
            ioctl_output(libc::TCSETSW as u32),
            Some(IoctlOutput::Nothing)
        );
        assert_eq!(ioctl_output(0x1234_5678), None);
    }

    #[test]
    fn futex_command_masks_flags() {
        assert_eq!(
            futex_command((libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG) as u64),
            0
        );
        assert_eq!(
            futex_command(
                libc::FUTEX_WAIT_BITSET as u64 | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME
            ),
            9
        );
        assert_eq!(
            futex_command((libc::FUTEX_LOCK_PI | libc::FUTEX_PRIVATE_FLAG) as u64),
            6
        );
    }
}
