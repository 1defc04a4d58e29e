//! Tests for the syscall table and the output-region rules.

use super::*;
use std::collections::BTreeMap;

/// Tracee memory backed by a sparse byte map; unmapped bytes fail with EFAULT.
#[derive(Default)]
struct FakeMemory {
    bytes: BTreeMap<u64, u8>,
}

impl FakeMemory {
    fn put(&mut self, addr: u64, data: &[u8]) -> &mut Self {
        for (offset, byte) in data.iter().enumerate() {
            self.bytes.insert(addr + offset as u64, *byte);
        }
        self
    }

    fn put_u32(&mut self, addr: u64, value: u32) -> &mut Self {
        self.put(addr, &value.to_le_bytes())
    }

    fn put_u64(&mut self, addr: u64, value: u64) -> &mut Self {
        self.put(addr, &value.to_le_bytes())
    }

    fn put_iovecs(&mut self, addr: u64, iovecs: &[(u64, u64)]) -> &mut Self {
        for (index, (base, len)) in iovecs.iter().enumerate() {
            let entry = addr + 16 * index as u64;
            self.put_u64(entry, *base);
            self.put_u64(entry + 8, *len);
        }
        self
    }

    /// A struct msghdr at `addr`.
    #[allow(clippy::too_many_arguments)]
    fn put_msghdr(
        &mut self,
        addr: u64,
        name: u64,
        name_len: u32,
        iov: u64,
        iov_len: u64,
        control: u64,
        control_len: u64,
    ) -> &mut Self {
        self.put(addr, &[0; 56]);
        self.put_u64(addr, name);
        self.put_u32(addr + 8, name_len);
        self.put_u64(addr + 16, iov);
        self.put_u64(addr + 24, iov_len);
        self.put_u64(addr + 32, control);
        self.put_u64(addr + 40, control_len)
    }
}

impl TraceeMemory for FakeMemory {
    fn read_bytes(&self, addr: u64, len: usize) -> Result<Vec<u8>, MemoryError> {
        let mut out = Vec::with_capacity(len);
        for offset in 0..len as u64 {
            match addr.checked_add(offset).and_then(|a| self.bytes.get(&a)) {
                Some(byte) => out.push(*byte),
                None => {
                    return Err(MemoryError::Io {
                        addr,
                        len,
                        source: std::io::Error::from_raw_os_error(libc::EFAULT),
                    })
                }
            }
        }
        Ok(out)
    }
}

fn no_memory() -> FakeMemory {
    FakeMemory::default()
}

fn sys(name: &str) -> u64 {
    lookup_by_name(name)
        .unwrap_or_else(|| panic!("{name} missing from the table"))
        .nr
}

fn regions(name: &str, args: [u64; 6], result: i64, mem: &FakeMemory) -> Vec<(u64, usize)> {
    output_regions(sys(name), &args, result, mem)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .into_iter()
        .map(|r| (r.addr, r.len))
        .collect()
}

fn region_error(name: &str, args: [u64; 6], result: i64, mem: &FakeMemory) -> SyscallError {
    match output_regions(sys(name), &args, result, mem) {
        Ok(found) => panic!("{name}: expected an error, got {found:?}"),
        Err(e) => e,
    }
}

macro_rules! libc_syscalls {
    ($($name:ident)*) => {
        [$( (libc::$name as u64, stringify!($name)), )*]
    };
}

/// Every x86-64 syscall libc names, with its number.
fn libc_table() -> Vec<(u64, &'static str)> {
    let raw = libc_syscalls! {
    SYS_read SYS_write SYS_open SYS_close SYS_stat SYS_fstat SYS_lstat SYS_poll SYS_lseek SYS_mmap SYS_mprotect SYS_munmap SYS_brk SYS_rt_sigaction
    SYS_rt_sigprocmask SYS_rt_sigreturn SYS_ioctl SYS_pread64 SYS_pwrite64 SYS_readv SYS_writev SYS_access SYS_pipe SYS_select
    SYS_sched_yield SYS_mremap SYS_msync SYS_mincore SYS_madvise SYS_shmget SYS_shmat SYS_shmctl SYS_dup SYS_dup2 SYS_pause SYS_nanosleep
    SYS_getitimer SYS_alarm SYS_setitimer SYS_getpid SYS_sendfile SYS_socket SYS_connect SYS_accept SYS_sendto SYS_recvfrom SYS_sendmsg
    SYS_recvmsg SYS_shutdown SYS_bind SYS_listen SYS_getsockname SYS_getpeername SYS_socketpair SYS_setsockopt SYS_getsockopt
    SYS_clone SYS_fork SYS_vfork SYS_execve SYS_exit SYS_wait4 SYS_kill SYS_uname SYS_semget SYS_semop SYS_semctl SYS_shmdt SYS_msgget SYS_msgsnd
    SYS_msgrcv SYS_msgctl SYS_fcntl SYS_flock SYS_fsync SYS_fdatasync SYS_truncate SYS_ftruncate SYS_getdents SYS_getcwd SYS_chdir
    SYS_fchdir SYS_rename SYS_mkdir SYS_rmdir SYS_creat SYS_link SYS_unlink SYS_symlink SYS_readlink SYS_chmod SYS_fchmod SYS_chown SYS_fchown
    SYS_lchown SYS_umask SYS_gettimeofday SYS_getrlimit SYS_getrusage SYS_sysinfo SYS_times SYS_ptrace SYS_getuid SYS_syslog SYS_getgid
    SYS_setuid SYS_setgid SYS_geteuid SYS_getegid SYS_setpgid SYS_getppid SYS_getpgrp SYS_setsid SYS_setreuid SYS_setregid
    SYS_getgroups SYS_setgroups SYS_setresuid SYS_getresuid SYS_setresgid SYS_getresgid SYS_getpgid SYS_setfsuid SYS_setfsgid
    SYS_getsid SYS_capget SYS_capset SYS_rt_sigpending SYS_rt_sigtimedwait SYS_rt_sigqueueinfo SYS_rt_sigsuspend
    SYS_sigaltstack SYS_utime SYS_mknod SYS_uselib SYS_personality SYS_ustat SYS_statfs SYS_fstatfs SYS_sysfs SYS_getpriority
    SYS_setpriority SYS_sched_setparam SYS_sched_getparam SYS_sched_setscheduler SYS_sched_getscheduler
    SYS_sched_get_priority_max SYS_sched_get_priority_min SYS_sched_rr_get_interval SYS_mlock SYS_munlock
    SYS_mlockall SYS_munlockall SYS_vhangup SYS_modify_ldt SYS_pivot_root SYS__sysctl SYS_prctl SYS_arch_prctl SYS_adjtimex
    SYS_setrlimit SYS_chroot SYS_sync SYS_acct SYS_settimeofday SYS_mount SYS_umount2 SYS_swapon SYS_swapoff SYS_reboot SYS_sethostname
    SYS_setdomainname SYS_iopl SYS_ioperm SYS_init_module SYS_delete_module SYS_quotactl SYS_nfsservctl SYS_getpmsg SYS_putpmsg
    SYS_afs_syscall SYS_tuxcall SYS_security SYS_gettid SYS_readahead SYS_setxattr SYS_lsetxattr SYS_fsetxattr SYS_getxattr
    SYS_lgetxattr SYS_fgetxattr SYS_listxattr SYS_llistxattr SYS_flistxattr SYS_removexattr SYS_lremovexattr
    SYS_fremovexattr SYS_tkill SYS_time SYS_futex SYS_sched_setaffinity SYS_sched_getaffinity SYS_set_thread_area
    SYS_io_setup SYS_io_destroy SYS_io_getevents SYS_io_submit SYS_io_cancel SYS_get_thread_area SYS_lookup_dcookie
    SYS_epoll_create SYS_epoll_ctl_old SYS_epoll_wait_old SYS_remap_file_pages SYS_getdents64 SYS_set_tid_address
    SYS_restart_syscall SYS_semtimedop SYS_fadvise64 SYS_timer_create SYS_timer_settime SYS_timer_gettime
    SYS_timer_getoverrun SYS_timer_delete SYS_clock_settime SYS_clock_gettime SYS_clock_getres SYS_clock_nanosleep
    SYS_exit_group SYS_epoll_wait SYS_epoll_ctl SYS_tgkill SYS_utimes SYS_vserver SYS_mbind SYS_set_mempolicy SYS_get_mempolicy
    SYS_mq_open SYS_mq_unlink SYS_mq_timedsend SYS_mq_timedreceive SYS_mq_notify SYS_mq_getsetattr SYS_kexec_load
    SYS_waitid SYS_add_key SYS_request_key SYS_keyctl SYS_ioprio_set SYS_ioprio_get SYS_inotify_init SYS_inotify_add_watch
    SYS_inotify_rm_watch SYS_migrate_pages SYS_openat SYS_mkdirat SYS_mknodat SYS_fchownat SYS_futimesat SYS_newfstatat
    SYS_unlinkat SYS_renameat SYS_linkat SYS_symlinkat SYS_readlinkat SYS_fchmodat SYS_faccessat SYS_pselect6 SYS_ppoll SYS_unshare
    SYS_set_robust_list SYS_get_robust_list SYS_splice SYS_tee SYS_sync_file_range SYS_vmsplice SYS_move_pages
    SYS_utimensat SYS_epoll_pwait SYS_signalfd SYS_timerfd_create SYS_eventfd SYS_fallocate SYS_timerfd_settime
    SYS_timerfd_gettime SYS_accept4 SYS_signalfd4 SYS_eventfd2 SYS_epoll_create1 SYS_dup3 SYS_pipe2 SYS_inotify_init1
    SYS_preadv SYS_pwritev SYS_rt_tgsigqueueinfo SYS_perf_event_open SYS_recvmmsg SYS_fanotify_init SYS_fanotify_mark
    SYS_prlimit64 SYS_name_to_handle_at SYS_open_by_handle_at SYS_clock_adjtime SYS_syncfs SYS_sendmmsg SYS_setns
    SYS_getcpu SYS_process_vm_readv SYS_process_vm_writev SYS_kcmp SYS_finit_module SYS_sched_setattr SYS_sched_getattr
    SYS_renameat2 SYS_seccomp SYS_getrandom SYS_memfd_create SYS_kexec_file_load SYS_bpf SYS_execveat SYS_userfaultfd
    SYS_membarrier SYS_mlock2 SYS_copy_file_range SYS_preadv2 SYS_pwritev2 SYS_pkey_mprotect SYS_pkey_alloc SYS_pkey_free
    SYS_statx SYS_rseq SYS_pidfd_send_signal SYS_io_uring_setup SYS_io_uring_enter SYS_io_uring_register SYS_open_tree
    SYS_move_mount SYS_fsopen SYS_fsconfig SYS_fsmount SYS_fspick SYS_pidfd_open SYS_clone3 SYS_close_range SYS_openat2
    SYS_pidfd_getfd SYS_faccessat2 SYS_process_madvise SYS_epoll_pwait2 SYS_mount_setattr SYS_quotactl_fd
    SYS_landlock_create_ruleset SYS_landlock_add_rule SYS_landlock_restrict_self SYS_memfd_secret
    SYS_process_mrelease SYS_futex_waitv SYS_set_mempolicy_home_node SYS_fchmodat2 SYS_mseal    };
    raw.iter()
        .map(|(nr, name)| (*nr, name.strip_prefix("SYS_").unwrap_or(name)))
        .collect()
}

#[test]
fn every_libc_syscall_is_in_the_table_with_its_number() {
    let libc = libc_table();
    assert!(libc.len() > 350, "libc list too short: {}", libc.len());
    for (number, name) in libc {
        let desc = lookup(number).unwrap_or_else(|| panic!("{name} ({number}) missing"));
        assert_eq!(desc.name, name, "number {number}");
        let by_name = lookup_by_name(name).unwrap_or_else(|| panic!("{name} not found by name"));
        assert_eq!(by_name.nr, number, "{name}");
    }
}

#[test]
fn nr_constants_match_libc() {
    assert_eq!(nr::read, libc::SYS_read as u64);
    assert_eq!(nr::openat, libc::SYS_openat as u64);
    assert_eq!(nr::newfstatat, libc::SYS_newfstatat as u64);
    assert_eq!(nr::clone3, libc::SYS_clone3 as u64);
    assert_eq!(nr::mseal, libc::SYS_mseal as u64);
    assert_eq!(
        lookup(libc::SYS_openat as u64).map(|d| d.name),
        Some("openat")
    );
    assert_eq!(
        lookup(libc::SYS_getrandom as u64).map(|d| d.name),
        Some("getrandom")
    );
    assert_eq!(
        lookup(libc::SYS_statx as u64).map(|d| d.name),
        Some("statx")
    );
}

#[test]
fn syscalls_newer_than_libc_have_their_kernel_numbers() {
    for (name, number) in [
        ("create_module", 174),
        ("get_kernel_syms", 177),
        ("query_module", 178),
        ("io_pgetevents", 333),
        ("uretprobe", 335),
        ("uprobe", 336),
        ("cachestat", 451),
        ("map_shadow_stack", 453),
        ("futex_wake", 454),
        ("futex_wait", 455),
        ("futex_requeue", 456),
        ("statmount", 457),
        ("listmount", 458),
        ("lsm_get_self_attr", 459),
        ("lsm_set_self_attr", 460),
        ("lsm_list_modules", 461),
        ("setxattrat", 463),
        ("getxattrat", 464),
        ("listxattrat", 465),
        ("removexattrat", 466),
        ("open_tree_attr", 467),
        ("file_getattr", 468),
        ("file_setattr", 469),
        ("listns", 470),
    ] {
        assert_eq!(sys(name), number, "{name}");
    }
}

#[test]
fn table_is_sorted_and_unique() {
    let table = table::TABLE;
    for pair in table.windows(2) {
        assert!(
            pair[0].nr < pair[1].nr,
            "{} / {}",
            pair[0].name,
            pair[1].name
        );
    }
    let mut names: Vec<_> = table.iter().map(|d| d.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), table.len());
    // 0..=336 and 424..=470 with no gaps.
    assert_eq!(table.len(), 337 + 47);
    for desc in table {
        assert_eq!(lookup(desc.nr), Some(desc));
    }
}

#[test]
fn unknown_numbers() {
    // Unknown numbers get a row that answers ENOSYS; numbers in the table keep theirs.
    for number in [337, 400, 423, 471, 1000, 100_000, 0x4000_0000, u64::MAX] {
        assert!(lookup(number).is_none(), "{number}");
        assert_eq!(name(number), format!("syscall_{}", number as i64));
        let desc = describe(number);
        assert_eq!(desc.disposition, Disposition::ForceEnosys, "{number}");
        assert!(!desc.may_block);
    }
    assert_eq!(describe(0).name, "read");
    assert_eq!(describe(447).disposition, Disposition::Unsupported);
    let err = output_regions(1234, &[0; 6], 0, &no_memory()).unwrap_err();
    assert!(matches!(
        err,
        SyscallError::UnsupportedSyscall { nr: 1234, .. }
    ));
    assert_eq!(
        err.to_string(),
        "unsupported syscall syscall_1234 (number 1234)"
    );
    // The kernel did nothing for a number it does not know.
    assert!(output_regions(1234, &[0; 6], -38, &no_memory())
        .unwrap()
        .is_empty());
    assert_eq!(name(0), "read");
    assert_eq!(name(libc::SYS_exit_group as u64), "exit_group");
}

#[test]
fn unsupported_syscalls() {
    let err = region_error("ptrace", [0; 6], 0, &no_memory());
    assert_eq!(err.to_string(), "unsupported syscall ptrace (number 101)");
    // A failed one (a probe) wrote nothing.
    assert!(regions("io_uring_setup", [0; 6], -1, &no_memory()).is_empty());
    for name in [
        "ptrace",
        "io_uring_setup",
        "io_uring_enter",
        "userfaultfd",
        "perf_event_open",
        "process_vm_writev",
        "memfd_secret",
        "map_shadow_stack",
        "shmat",
    ] {
        assert_eq!(
            lookup_by_name(name).map(|d| d.disposition),
            Some(Disposition::Unsupported),
            "{name}"
        );
    }
}

#[test]
fn dispositions() {
    use Disposition::*;
    for (name, disposition) in [
        ("read", Emulate),
        ("openat", Emulate),
        ("getrandom", Emulate),
        ("futex", Emulate),
        ("kill", Emulate),
        ("mmap", Mmap),
        ("munmap", Execute),
        ("mprotect", Execute),
        ("mremap", Execute),
        ("brk", Execute),
        ("madvise", Execute),
        ("arch_prctl", Execute),
        ("rt_sigaction", Execute),
        ("rt_sigprocmask", Execute),
        ("rt_sigreturn", Execute),
        ("sigaltstack", Execute),
        ("exit", Execute),
        ("exit_group", Execute),
        ("set_robust_list", Execute),
        ("pkey_mprotect", Execute),
        ("mseal", Execute),
        ("set_tid_address", ExecutePatchResult),
        ("clone", Clone),
        ("clone3", Clone),
        ("fork", Clone),
        ("vfork", Clone),
        ("execve", Exec),
        ("execveat", Exec),
        ("rseq", ForceEnosys),
    ] {
        assert_eq!(
            lookup_by_name(name).map(|d| d.disposition),
            Some(disposition),
            "{name}"
        );
    }
}

#[test]
fn may_block() {
    for name in [
        "read",
        "write",
        "readv",
        "recvmsg",
        "accept4",
        "connect",
        "futex",
        "wait4",
        "waitid",
        "poll",
        "ppoll",
        "select",
        "pselect6",
        "epoll_wait",
        "epoll_pwait",
        "nanosleep",
        "clock_nanosleep",
        "pause",
        "rt_sigsuspend",
        "rt_sigtimedwait",
        "flock",
        "fcntl",
        "openat",
        "msgrcv",
        "semop",
        "vfork",
        "futex_waitv",
        "splice",
        "sendfile",
    ] {
        assert!(lookup_by_name(name).is_some_and(|d| d.may_block), "{name}");
    }
    for name in [
        "getpid",
        "close",
        "fstat",
        "mmap",
        "brk",
        "clock_gettime",
        "exit_group",
    ] {
        assert!(lookup_by_name(name).is_some_and(|d| !d.may_block), "{name}");
    }
}

/// Every supported entry has an output rule (the catch-all in successful_call
/// is never reached).
#[test]
fn every_entry_has_a_rule() {
    for desc in table::TABLE {
        if desc.disposition == Disposition::Unsupported {
            continue;
        }
        match output_regions(desc.nr, &[0; 6], 0, &no_memory()) {
            Ok(_) | Err(SyscallError::UnsupportedOperation { .. }) => {}
            Err(SyscallError::RestartSyscall) => assert_eq!(desc.name, "restart_syscall"),
            Err(e) => panic!("{}: {e}", desc.name),
        }
    }
}

#[test]
fn kernel_struct_sizes_match_libc() {
    use std::mem::size_of;
    assert_eq!(size_of::<libc::stat>(), 144);
    assert_eq!(size_of::<libc::statfs>(), 120);
    assert_eq!(size_of::<libc::statx>(), 256);
    assert_eq!(size_of::<libc::rusage>(), 144);
    assert_eq!(size_of::<libc::siginfo_t>(), 128);
    assert_eq!(size_of::<libc::sysinfo>(), 112);
    assert_eq!(size_of::<libc::tms>(), 32);
    assert_eq!(size_of::<libc::utsname>(), 390);
    assert_eq!(size_of::<libc::winsize>(), 8);
    assert_eq!(size_of::<libc::flock>(), 32);
    assert_eq!(size_of::<libc::epoll_event>(), 12);
    assert_eq!(size_of::<libc::pollfd>(), 8);
    assert_eq!(size_of::<libc::msghdr>(), 56);
    assert_eq!(size_of::<libc::mmsghdr>(), 64);
    assert_eq!(size_of::<libc::iovec>(), 16);
    assert_eq!(size_of::<libc::itimerspec>(), 32);
    assert_eq!(size_of::<libc::itimerval>(), 32);
    assert_eq!(size_of::<libc::timespec>(), 16);
    assert_eq!(size_of::<libc::timeval>(), 16);
    assert_eq!(size_of::<libc::rlimit>(), 16);
    assert_eq!(size_of::<libc::timex>(), 208);
    assert_eq!(size_of::<libc::stack_t>(), 24);
    assert_eq!(size_of::<libc::mq_attr>(), 64);
    assert_eq!(size_of::<libc::msqid_ds>(), 120);
    assert_eq!(size_of::<libc::shmid_ds>(), 112);
    assert_eq!(size_of::<libc::sockaddr_storage>(), 128);
}

#[test]
fn read_and_failed_read() {
    let mem = no_memory();
    assert_eq!(
        regions("read", [3, 0x1000, 4096, 0, 0, 0], 100, &mem),
        [(0x1000, 100)]
    );
    assert!(regions("read", [3, 0x1000, 4096, 0, 0, 0], 0, &mem).is_empty());
    for errno in [libc::EBADF, libc::EAGAIN, libc::EINTR, 512, 4095] {
        assert!(regions("read", [3, 0x1000, 4096, 0, 0, 0], -i64::from(errno), &mem).is_empty());
    }
    assert_eq!(
        regions("pread64", [3, 0x1000, 4096, 7, 0, 0], 5, &mem),
        [(0x1000, 5)]
    );
    assert!(regions("write", [1, 0x1000, 4096, 0, 0, 0], 4096, &mem).is_empty());
}

#[test]
fn limits() {
    let mem = no_memory();
    let too_big = (MAX_REGION_LEN as i64) + 1;
    let err = region_error("read", [3, 0x1000, u64::MAX, 0, 0, 0], too_big, &mem);
    assert!(matches!(err, SyscallError::RegionTooLarge { .. }), "{err}");
    // A negative result outside the error range is not a byte count.
    let err = region_error("read", [3, 0x1000, 10, 0, 0, 0], -5000, &mem);
    assert!(matches!(err, SyscallError::RegionTooLarge { .. }), "{err}");
    let err = region_error("read", [3, u64::MAX - 4, 10, 0, 0, 0], 10, &mem);
    assert!(matches!(err, SyscallError::RegionWraps { .. }), "{err}");
    assert_eq!(
        regions(
            "read",
            [3, 0x1000, u64::MAX, 0, 0, 0],
            MAX_REGION_LEN as i64,
            &mem
        ),
        [(0x1000, MAX_REGION_LEN)]
    );
    let err = region_error("epoll_wait", [3, 0x1000, 10, 0, 0, 0], i64::MAX, &mem);
    assert!(matches!(err, SyscallError::RegionTooLarge { .. }), "{err}");
}

#[test]
fn stat_family() {
    let mem = no_memory();
    assert_eq!(
        regions("stat", [0x10, 0x2000, 0, 0, 0, 0], 0, &mem),
        [(0x2000, 144)]
    );
    assert_eq!(
        regions("fstat", [3, 0x2000, 0, 0, 0, 0], 0, &mem),
        [(0x2000, 144)]
    );
    assert_eq!(
        regions("lstat", [0x10, 0x2000, 0, 0, 0, 0], 0, &mem),
        [(0x2000, 144)]
    );
    assert_eq!(
        regions(
            "newfstatat",
            [libc::AT_FDCWD as u64, 0x10, 0x3000, 0, 0, 0],
            0,
            &mem
        ),
        [(0x3000, 144)]
    );
    assert_eq!(
        regions(
            "statx",
            [libc::AT_FDCWD as u64, 0x10, 0, 0x7ff, 0x4000, 0],
            0,
            &mem
        ),
        [(0x4000, 256)]
    );
    assert_eq!(
        regions("statfs", [0x10, 0x5000, 0, 0, 0, 0], 0, &mem),
        [(0x5000, 120)]
    );
    assert_eq!(
        regions("fstatfs", [3, 0x5000, 0, 0, 0, 0], 0, &mem),
        [(0x5000, 120)]
    );
    assert!(regions("stat", [0x10, 0x2000, 0, 0, 0, 0], -2, &mem).is_empty());
}

#[test]
fn readv_spreads_over_iovecs() {
    let mut mem = no_memory();
    mem.put_iovecs(
        0x100,
        &[(0x1000, 4), (0x2000, 0), (0x3000, 10), (0x4000, 10)],
    );
    assert_eq!(
        regions("readv", [3, 0x100, 4, 0, 0, 0], 9, &mem),
        [(0x1000, 4), (0x3000, 5)]
    );
    assert_eq!(
        regions("readv", [3, 0x100, 4, 0, 0, 0], 24, &mem),
        [(0x1000, 4), (0x3000, 10), (0x4000, 10)]
    );
    assert_eq!(
        regions("preadv", [3, 0x100, 4, 0, 0, 0], 3, &mem),
        [(0x1000, 3)]
    );
    assert_eq!(
        regions("preadv2", [3, 0x100, 4, 0, 0, 0], 3, &mem),
        [(0x1000, 3)]
    );
    assert!(regions("readv", [3, 0x100, 4, 0, 0, 0], 0, &mem).is_empty());
    let err = region_error("readv", [3, 0x100, 4, 0, 0, 0], 25, &mem);
    assert!(
        matches!(err, SyscallError::InconsistentResult { .. }),
        "{err}"
    );
    let err = region_error("readv", [3, 0x100, 1025, 0, 0, 0], 1, &mem);
    assert!(matches!(err, SyscallError::CountTooLarge { .. }), "{err}");
    // The iovec array itself is unreadable.
    let err = region_error("readv", [3, 0x900, 2, 0, 0, 0], 1, &mem);
    assert!(matches!(err, SyscallError::Memory { .. }), "{err}");
    assert!(err.to_string().contains("0x900"), "{err}");
}

#[test]
fn recvfrom_reads_back_addrlen() {
    let mut mem = no_memory();
    mem.put_u32(0x7000, 16);
    assert_eq!(
        regions("recvfrom", [3, 0x5000, 100, 0, 0x6000, 0x7000], 20, &mem),
        [(0x5000, 20), (0x6000, 16), (0x7000, 4)]
    );
    // No source address requested.
    assert_eq!(
        regions("recvfrom", [3, 0x5000, 100, 0, 0, 0], 20, &mem),
        [(0x5000, 20)]
    );
    // MSG_TRUNC: the result is the datagram length, not what was copied.
    assert_eq!(
        regions(
            "recvfrom",
            [3, 0x5000, 10, libc::MSG_TRUNC as u64, 0, 0],
            20,
            &mem
        ),
        [(0x5000, 10)]
    );
    // An address length beyond sockaddr_storage is capped.
    mem.put_u32(0x7000, 4000);
    assert_eq!(
        regions("recvfrom", [3, 0x5000, 100, 0, 0x6000, 0x7000], 1, &mem),
        [(0x5000, 1), (0x6000, 128), (0x7000, 4)]
    );
    let err = region_error("recvfrom", [3, 0x5000, 100, 0, 0x6000, 0x8000], 1, &mem);
    assert!(matches!(err, SyscallError::Memory { .. }), "{err}");
}

#[test]
fn accept_and_getsockname() {
    let mut mem = no_memory();
    mem.put_u32(0x7000, 110);
    assert_eq!(
        regions("accept4", [3, 0x6000, 0x7000, 0, 0, 0], 5, &mem),
        [(0x6000, 110), (0x7000, 4)]
    );
    assert!(regions("accept", [3, 0, 0, 0, 0, 0], 5, &mem).is_empty());
    assert_eq!(
        regions("getsockname", [3, 0x6000, 0x7000, 0, 0, 0], 0, &mem),
        [(0x6000, 110), (0x7000, 4)]
    );
    mem.put_u32(0x7100, 4);
    assert_eq!(
        regions("getsockopt", [3, 1, 4, 0x6100, 0x7100, 0], 0, &mem),
        [(0x6100, 4), (0x7100, 4)]
    );
}

#[test]
fn recvmsg_writes_name_control_and_lengths() {
    let mut mem = no_memory();
    mem.put_msghdr(0x8000, 0x9000, 16, 0xA000, 2, 0xD000, 24);
    mem.put_iovecs(0xA000, &[(0xB000, 8), (0xC000, 100)]);
    assert_eq!(
        regions("recvmsg", [3, 0x8000, 0, 0, 0, 0], 20, &mem),
        [
            (0xB000, 8),
            (0xC000, 12),
            (0x9000, 16),
            (0xD000, 24),
            (0x8008, 4),
            (0x8028, 8),
            (0x8030, 4),
        ]
    );
    // No name, no control data, nothing received.
    mem.put_msghdr(0x8000, 0, 0, 0xA000, 2, 0, 0);
    assert_eq!(
        regions("recvmsg", [3, 0x8000, 0, 0, 0, 0], 0, &mem),
        [(0x8008, 4), (0x8028, 8), (0x8030, 4)]
    );
    // More than fits, allowed only with MSG_TRUNC.
    let err = region_error("recvmsg", [3, 0x8000, 0, 0, 0, 0], 200, &mem);
    assert!(
        matches!(err, SyscallError::InconsistentResult { .. }),
        "{err}"
    );
    assert_eq!(
        regions(
            "recvmsg",
            [3, 0x8000, libc::MSG_TRUNC as u64, 0, 0, 0],
            200,
            &mem
        )
        .len(),
        5
    );
    assert!(regions("recvmsg", [3, 0x8000, 0, 0, 0, 0], -11, &mem).is_empty());
}

#[test]
fn recvmmsg_and_sendmmsg() {
    let mut mem = no_memory();
    // Two mmsghdrs at 0x8000 (64 bytes each), msg_len at offset 56.
    mem.put_msghdr(0x8000, 0, 0, 0xA000, 1, 0, 0);
    mem.put_u32(0x8000 + 56, 5);
    mem.put_msghdr(0x8040, 0, 0, 0xA010, 1, 0, 0);
    mem.put_u32(0x8040 + 56, 7);
    mem.put_iovecs(0xA000, &[(0xB000, 100), (0xC000, 100)]);
    assert_eq!(
        regions("recvmmsg", [3, 0x8000, 2, 0, 0xE000, 0], 2, &mem),
        [
            (0xB000, 5),
            (0x8008, 4),
            (0x8028, 8),
            (0x8030, 4),
            (0x8038, 4),
            (0xC000, 7),
            (0x8048, 4),
            (0x8068, 8),
            (0x8070, 4),
            (0x8078, 4),
            (0xE000, 16),
        ]
    );
    assert_eq!(
        regions("sendmmsg", [3, 0x8000, 3, 0, 0, 0], 2, &no_memory()),
        [(0x8038, 4), (0x8078, 4)]
    );
    let err = region_error("sendmmsg", [3, 0x8000, 3, 0, 0, 0], 5000, &no_memory());
    assert!(matches!(err, SyscallError::CountTooLarge { .. }), "{err}");
}

#[test]
fn getdents64_is_result_bounded() {
    let mem = no_memory();
    assert_eq!(
        regions("getdents64", [3, 0x1000, 32768, 0, 0, 0], 4000, &mem),
        [(0x1000, 4000)]
    );
    assert!(regions("getdents64", [3, 0x1000, 32768, 0, 0, 0], 0, &mem).is_empty());
    assert_eq!(
        regions("getdents", [3, 0x1000, 32768, 0, 0, 0], 48, &mem),
        [(0x1000, 48)]
    );
    assert_eq!(
        regions("getcwd", [0x1000, 4096, 0, 0, 0, 0], 6, &mem),
        [(0x1000, 6)]
    );
    assert_eq!(
        regions("readlink", [0x10, 0x1000, 4096, 0, 0, 0], 9, &mem),
        [(0x1000, 9)]
    );
    assert_eq!(
        regions("readlinkat", [3, 0x10, 0x1000, 4096, 0, 0], 9, &mem),
        [(0x1000, 9)]
    );
    assert_eq!(
        regions("getrandom", [0x1000, 16, 0, 0, 0, 0], 16, &mem),
        [(0x1000, 16)]
    );
}

#[test]
fn select_fd_sets_round_up_to_words() {
    let mem = no_memory();
    assert_eq!(
        regions("select", [1, 0x1000, 0, 0, 0, 0], 1, &mem),
        [(0x1000, 8)]
    );
    assert_eq!(
        regions("select", [65, 0x1000, 0x2000, 0x3000, 0x4000, 0], 1, &mem),
        [(0x1000, 16), (0x2000, 16), (0x3000, 16), (0x4000, 16)]
    );
    assert_eq!(
        regions("select", [1024, 0x1000, 0, 0, 0, 0], 0, &mem),
        [(0x1000, 128)]
    );
    assert_eq!(
        regions("pselect6", [64, 0x1000, 0, 0, 0x4000, 0x5000], 0, &mem),
        [(0x1000, 8), (0x4000, 16)]
    );
    // Interrupted: only the remaining timeout is written.
    assert_eq!(
        regions("select", [65, 0x1000, 0x2000, 0, 0x4000, 0], -514, &mem),
        [(0x4000, 16)]
    );
    assert!(regions("select", [65, 0x1000, 0x2000, 0, 0x4000, 0], -9, &mem).is_empty());
}

#[test]
fn poll_family() {
    let mem = no_memory();
    assert_eq!(
        regions("poll", [0x1000, 3, 100, 0, 0, 0], 1, &mem),
        [(0x1000, 24)]
    );
    assert_eq!(
        regions("poll", [0x1000, 3, 100, 0, 0, 0], -516, &mem),
        [(0x1000, 24)]
    );
    assert_eq!(
        regions("ppoll", [0x1000, 2, 0x2000, 0, 8, 0], 0, &mem),
        [(0x1000, 16), (0x2000, 16)]
    );
    assert_eq!(
        regions("epoll_wait", [3, 0x1000, 64, -1i64 as u64, 0, 0], 3, &mem),
        [(0x1000, 36)]
    );
    assert_eq!(
        regions("epoll_pwait", [3, 0x1000, 64, 0, 0, 8], 1, &mem),
        [(0x1000, 12)]
    );
}

#[test]
fn sleeps() {
    let mem = no_memory();
    assert!(regions("nanosleep", [0x1000, 0x2000, 0, 0, 0, 0], 0, &mem).is_empty());
    assert_eq!(
        regions("nanosleep", [0x1000, 0x2000, 0, 0, 0, 0], -516, &mem),
        [(0x2000, 16)]
    );
    assert_eq!(
        regions("nanosleep", [0x1000, 0x2000, 0, 0, 0, 0], -4, &mem),
        [(0x2000, 16)]
    );
    assert!(regions("nanosleep", [0x1000, 0x2000, 0, 0, 0, 0], -22, &mem).is_empty());
    assert_eq!(
        regions("clock_nanosleep", [1, 0, 0x1000, 0x2000, 0, 0], -516, &mem),
        [(0x2000, 16)]
    );
    // TIMER_ABSTIME: no remaining time.
    assert!(regions("clock_nanosleep", [1, 1, 0x1000, 0x2000, 0, 0], -516, &mem).is_empty());
    let err = region_error("restart_syscall", [0; 6], 0, &mem);
    assert!(matches!(err, SyscallError::RestartSyscall));
}

#[test]
fn ioctl_requests() {
    let mem = no_memory();
    assert_eq!(
        regions(
            "ioctl",
            [0, u64::from(libc::TCGETS as u32), 0x1000, 0, 0, 0],
            0,
            &mem
        ),
        [(0x1000, 36)]
    );
    assert_eq!(
        regions(
            "ioctl",
            [1, u64::from(libc::TIOCGWINSZ as u32), 0x1000, 0, 0, 0],
            0,
            &mem
        ),
        [(0x1000, 8)]
    );
    assert!(regions(
        "ioctl",
        [1, u64::from(libc::TCSETSW as u32), 0x1000, 0, 0, 0],
        0,
        &mem
    )
    .is_empty());
    assert!(regions(
        "ioctl",
        [1, u64::from(libc::FIOCLEX as u32), 0, 0, 0, 0],
        0,
        &mem
    )
    .is_empty());
    // isatty() on a non-terminal fails: nothing written.
    assert!(regions(
        "ioctl",
        [3, u64::from(libc::TCGETS as u32), 0x1000, 0, 0, 0],
        -25,
        &mem
    )
    .is_empty());
    let err = region_error("ioctl", [3, 0xdead_beef, 0x1000, 0, 0, 0], 0, &mem);
    assert!(
        matches!(
            err,
            SyscallError::UnsupportedOperation {
                value: 0xdead_beef,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "unsupported ioctl request 0xdeadbeef in syscall ioctl"
    );
    // The kernel takes the request as 32 bits.
    assert_eq!(
        regions(
            "ioctl",
            [0, 0xffff_ffff_0000_5401, 0x1000, 0, 0, 0],
            0,
            &mem
        ),
        [(0x1000, 36)]
    );
    let mut mem = no_memory();
    mem.put_u32(0x1000, 80)
        .put_u32(0x1004, 0)
        .put_u64(0x1008, 0x2000);
    assert_eq!(
        regions("ioctl", [3, 0x8912, 0x1000, 0, 0, 0], 0, &mem),
        [(0x1000, 4), (0x2000, 80)]
    );
}

#[test]
fn fcntl_and_prctl() {
    let mem = no_memory();
    assert_eq!(
        regions("fcntl", [3, libc::F_GETLK as u64, 0x1000, 0, 0, 0], 0, &mem),
        [(0x1000, 32)]
    );
    assert_eq!(
        regions("fcntl", [3, 16 /* F_GETOWN_EX */, 0x1000, 0, 0, 0], 0, &mem),
        [(0x1000, 8)]
    );
    assert!(regions("fcntl", [3, libc::F_SETFD as u64, 1, 0, 0, 0], 0, &mem).is_empty());
    assert!(regions(
        "fcntl",
        [3, libc::F_DUPFD_CLOEXEC as u64, 3, 0, 0, 0],
        5,
        &mem
    )
    .is_empty());
    let err = region_error("fcntl", [3, 0x999, 0, 0, 0, 0], 0, &mem);
    assert_eq!(
        err.to_string(),
        "unsupported fcntl command 0x999 in syscall fcntl"
    );

    assert_eq!(
        regions(
            "prctl",
            [libc::PR_GET_NAME as u64, 0x1000, 0, 0, 0, 0],
            0,
            &mem
        ),
        [(0x1000, 16)]
    );
    assert!(regions(
        "prctl",
        [libc::PR_SET_NAME as u64, 0x1000, 0, 0, 0, 0],
        0,
        &mem
    )
    .is_empty());
    assert!(regions(
        "prctl",
        [libc::PR_SET_VMA as u64, 0, 0x1000, 10, 0x2000, 0],
        0,
        &mem
    )
    .is_empty());
    assert!(regions(
        "prctl",
        [libc::PR_GET_DUMPABLE as u64, 0, 0, 0, 0, 0],
        1,
        &mem
    )
    .is_empty());
    assert!(regions(
        "prctl",
        [libc::PR_CAPBSET_READ as u64, 0, 0, 0, 0, 0],
        1,
        &mem
    )
    .is_empty());
    assert!(regions(
        "prctl",
        [libc::PR_SET_NO_NEW_PRIVS as u64, 1, 0, 0, 0, 0],
        0,
        &mem
    )
    .is_empty());
    let err = region_error("prctl", [libc::PR_SET_MM as u64, 0, 0, 0, 0, 0], 0, &mem);
    assert!(
        matches!(err, SyscallError::UnsupportedOperation { .. }),
        "{err}"
    );

    assert_eq!(
        regions(
            "arch_prctl",
            [0x1003 /* ARCH_GET_FS */, 0x1000, 0, 0, 0, 0],
            0,
            &mem
        ),
        [(0x1000, 8)]
    );
    assert!(regions(
        "arch_prctl",
        [0x1002 /* ARCH_SET_FS */, 0x1000, 0, 0, 0, 0],
        0,
        &mem
    )
    .is_empty());
    // ARCH_CET_STATUS (an out-of-tree code): an error naming it if it succeeds.
    let err = region_error("arch_prctl", [0x3001, 0x1000, 0, 0, 0, 0], 0, &mem);
    assert_eq!(
        err.to_string(),
        "unsupported arch_prctl code 0x3001 in syscall arch_prctl"
    );
    assert!(regions("arch_prctl", [0x3001, 0x1000, 0, 0, 0, 0], -22, &mem).is_empty());
}

#[test]
fn futex_pi_versus_wait() {
    let mem = no_memory();
    let uaddr = 0x1000;
    let uaddr2 = 0x2000;
    let futex =
        |op: i32, result: i64| regions("futex", [uaddr, op as u64, 1, 0, uaddr2, 0], result, &mem);
    assert!(futex(libc::FUTEX_WAIT, 0).is_empty());
    assert!(futex(libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG, 0).is_empty());
    assert!(futex(libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG, 3).is_empty());
    assert!(futex(libc::FUTEX_WAIT_BITSET | libc::FUTEX_CLOCK_REALTIME, 0).is_empty());
    assert!(futex(libc::FUTEX_CMP_REQUEUE | libc::FUTEX_PRIVATE_FLAG, 1).is_empty());
    assert_eq!(futex(libc::FUTEX_LOCK_PI, 0), [(uaddr, 4)]);
    assert_eq!(
        futex(libc::FUTEX_UNLOCK_PI | libc::FUTEX_PRIVATE_FLAG, 0),
        [(uaddr, 4)]
    );
    assert_eq!(futex(libc::FUTEX_TRYLOCK_PI, 0), [(uaddr, 4)]);
    assert_eq!(futex(libc::FUTEX_WAIT_REQUEUE_PI, 0), [(uaddr2, 4)]);
    assert_eq!(
        futex(libc::FUTEX_WAKE_OP | libc::FUTEX_PRIVATE_FLAG, 1),
        [(uaddr2, 4)]
    );
    // A PI lock that timed out may have set FUTEX_WAITERS.
    assert_eq!(
        futex(libc::FUTEX_LOCK_PI, -i64::from(libc::ETIMEDOUT)),
        [(uaddr, 4)]
    );
    assert!(futex(libc::FUTEX_LOCK_PI, -i64::from(libc::EFAULT)).is_empty());
    assert!(futex(libc::FUTEX_WAIT, -i64::from(libc::EAGAIN)).is_empty());
    let err = region_error("futex", [uaddr, 77, 0, 0, 0, 0], 0, &mem);
    assert_eq!(
        err.to_string(),
        "unsupported futex op 0x4d in syscall futex"
    );
}

#[test]
fn wait4_and_waitid() {
    let mem = no_memory();
    assert_eq!(
        regions("wait4", [-1i64 as u64, 0x1000, 0, 0x2000, 0, 0], 1234, &mem),
        [(0x1000, 4), (0x2000, 144)]
    );
    assert_eq!(
        regions("wait4", [-1i64 as u64, 0x1000, 0, 0, 0, 0], 1234, &mem),
        [(0x1000, 4)]
    );
    // WNOHANG with no child ready: nothing.
    assert!(regions("wait4", [-1i64 as u64, 0x1000, 1, 0x2000, 0, 0], 0, &mem).is_empty());
    assert!(regions("wait4", [-1i64 as u64, 0x1000, 0, 0x2000, 0, 0], -10, &mem).is_empty());
    assert_eq!(
        regions("waitid", [0, 0, 0x1000, 4, 0x2000, 0], 0, &mem),
        [(0x1000, 128), (0x2000, 144)]
    );
    // A failed waitid still fills the siginfo's first fields (not rusage).
    assert_eq!(
        regions("waitid", [3, 0, 0x1000, 4, 0x2000, 0], -9, &mem),
        [(0x1000, 28)]
    );
    assert_eq!(
        regions("waitid", [0, 0, 0x1000, 4, 0x2000, 0], -10, &mem),
        [(0x1000, 28)]
    );
    assert!(regions("waitid", [0, 0, 0x1000, 4, 0x2000, 0], -14, &mem).is_empty());
}

#[test]
fn small_fixed_outputs() {
    let mem = no_memory();
    assert_eq!(
        regions("uname", [0x1000, 0, 0, 0, 0, 0], 0, &mem),
        [(0x1000, 390)]
    );
    assert_eq!(
        regions("pipe2", [0x1000, 0, 0, 0, 0, 0], 0, &mem),
        [(0x1000, 8)]
    );
    assert_eq!(
        regions("pipe", [0x1000, 0, 0, 0, 0, 0], 0, &mem),
        [(0x1000, 8)]
    );
    assert_eq!(
        regions("socketpair", [1, 1, 0, 0x1000, 0, 0], 0, &mem),
        [(0x1000, 8)]
    );
    assert_eq!(
        regions("getresuid", [0x1000, 0x2000, 0x3000, 0, 0, 0], 0, &mem),
        [(0x1000, 4), (0x2000, 4), (0x3000, 4)]
    );
    assert_eq!(
        regions("getresgid", [0x1000, 0, 0x3000, 0, 0, 0], 0, &mem),
        [(0x1000, 4), (0x3000, 4)]
    );
    assert_eq!(
        regions("gettimeofday", [0x1000, 0x2000, 0, 0, 0, 0], 0, &mem),
        [(0x1000, 16), (0x2000, 8)]
    );
    assert_eq!(
        regions("clock_gettime", [1, 0x1000, 0, 0, 0, 0], 0, &mem),
        [(0x1000, 16)]
    );
    assert_eq!(
        regions("time", [0x1000, 0, 0, 0, 0, 0], 1_700_000_000, &mem),
        [(0x1000, 8)]
    );
    assert!(regions("time", [0, 0, 0, 0, 0, 0], 1_700_000_000, &mem).is_empty());
    assert_eq!(
        regions("getrlimit", [3, 0x1000, 0, 0, 0, 0], 0, &mem),
        [(0x1000, 16)]
    );
    assert_eq!(
        regions("prlimit64", [0, 3, 0, 0x1000, 0, 0], 0, &mem),
        [(0x1000, 16)]
    );
    assert_eq!(
        regions("sysinfo", [0x1000, 0, 0, 0, 0, 0], 0, &mem),
        [(0x1000, 112)]
    );
    assert_eq!(
        regions("times", [0x1000, 0, 0, 0, 0, 0], 42, &mem),
        [(0x1000, 32)]
    );
    assert_eq!(
        regions("getrusage", [0, 0x1000, 0, 0, 0, 0], 0, &mem),
        [(0x1000, 144)]
    );
    assert_eq!(
        regions("getcpu", [0x1000, 0x2000, 0, 0, 0, 0], 0, &mem),
        [(0x1000, 4), (0x2000, 4)]
    );
    assert_eq!(
        regions("sched_getaffinity", [0, 128, 0x1000, 0, 0, 0], 8, &mem),
        [(0x1000, 8)]
    );
    assert_eq!(
        regions("getgroups", [32, 0x1000, 0, 0, 0, 0], 3, &mem),
        [(0x1000, 12)]
    );
    assert!(regions("getgroups", [0, 0, 0, 0, 0, 0], 3, &mem).is_empty());
    assert_eq!(
        regions("getxattr", [0x10, 0x20, 0x1000, 64, 0, 0], 5, &mem),
        [(0x1000, 5)]
    );
    assert!(regions("getxattr", [0x10, 0x20, 0, 0, 0, 0], 5, &mem).is_empty());
    assert_eq!(
        regions("rt_sigaction", [2, 0x10, 0x1000, 8, 0, 0], 0, &mem),
        [(0x1000, 32)]
    );
    assert_eq!(
        regions("rt_sigprocmask", [0, 0x10, 0x1000, 8, 0, 0], 0, &mem),
        [(0x1000, 8)]
    );
    assert_eq!(
        regions("sigaltstack", [0, 0x1000, 0, 0, 0, 0], 0, &mem),
        [(0x1000, 24)]
    );
    assert_eq!(
        regions("timer_create", [1, 0, 0x1000, 0, 0, 0], 0, &mem),
        [(0x1000, 4)]
    );
    assert_eq!(
        regions("timer_settime", [0, 0, 0x10, 0x1000, 0, 0], 0, &mem),
        [(0x1000, 32)]
    );
    assert_eq!(
        regions("timerfd_gettime", [3, 0x1000, 0, 0, 0, 0], 0, &mem),
        [(0x1000, 32)]
    );
    assert_eq!(
        regions("sendfile", [1, 3, 0x1000, 10, 0, 0], 10, &mem),
        [(0x1000, 8)]
    );
    assert_eq!(
        regions("copy_file_range", [3, 0x1000, 4, 0x2000, 10, 0], 10, &mem),
        [(0x1000, 8), (0x2000, 8)]
    );
    assert_eq!(
        regions("rt_sigtimedwait", [0x10, 0x1000, 0, 8, 0, 0], 10, &mem),
        [(0x1000, 128)]
    );
    assert_eq!(
        regions("mincore", [0x7000, 4097, 0x1000, 0, 0, 0], 0, &mem),
        [(0x1000, 2)]
    );
}

#[test]
fn capget_depends_on_version() {
    let mut mem = no_memory();
    mem.put_u32(0x1000, 0x2008_0522); // _LINUX_CAPABILITY_VERSION_3
    assert_eq!(
        regions("capget", [0x1000, 0x2000, 0, 0, 0, 0], 0, &mem),
        [(0x1000, 8), (0x2000, 24)]
    );
    mem.put_u32(0x1000, 0x1998_0330); // _LINUX_CAPABILITY_VERSION_1
    assert_eq!(
        regions("capget", [0x1000, 0x2000, 0, 0, 0, 0], 0, &mem),
        [(0x1000, 8), (0x2000, 12)]
    );
    // An unknown version: the kernel writes back the one it prefers.
    assert_eq!(
        regions("capget", [0x1000, 0x2000, 0, 0, 0, 0], -22, &mem),
        [(0x1000, 4)]
    );
}

#[test]
fn clone_writes_tids() {
    let mem = no_memory();
    let flags = (libc::CLONE_VM
        | libc::CLONE_PARENT_SETTID
        | libc::CLONE_CHILD_CLEARTID
        | libc::CLONE_SETTLS) as u64;
    assert_eq!(
        regions(
            "clone",
            [flags, 0x9000, 0x1000, 0x2000, 0x3000, 0],
            1235,
            &mem
        ),
        [(0x1000, 4)]
    );
    assert!(regions("clone", [flags, 0x9000, 0x1000, 0x2000, 0x3000, 0], 0, &mem).is_empty());
    let flags = libc::CLONE_CHILD_SETTID as u64;
    assert_eq!(
        regions("clone", [flags, 0, 0x1000, 0x2000, 0, 0], 0, &mem),
        [(0x2000, 4)]
    );
    let mut mem = no_memory();
    mem.put_u64(
        0x5000,
        (libc::CLONE_PIDFD | libc::CLONE_PARENT_SETTID) as u64,
    )
    .put_u64(0x5008, 0x1000)
    .put_u64(0x5010, 0x2000)
    .put_u64(0x5018, 0x3000);
    assert_eq!(
        regions("clone3", [0x5000, 88, 0, 0, 0, 0], 1236, &mem),
        [(0x1000, 4), (0x3000, 4)]
    );
    assert!(regions("clone3", [0x5000, 88, 0, 0, 0, 0], 0, &mem).is_empty());
}

#[test]
fn ipc_and_misc() {
    let mem = no_memory();
    assert_eq!(
        regions("msgrcv", [1, 0x1000, 100, 0, 0, 0], 10, &mem),
        [(0x1000, 18)]
    );
    assert_eq!(
        regions("semctl", [1, 0, 2, 0x1000, 0, 0], 0, &mem),
        [(0x1000, 104)]
    );
    assert!(regions("semctl", [1, 0, 16, 5, 0, 0], 0, &mem).is_empty());
    assert_eq!(
        regions("msgctl", [1, 2, 0x1000, 0, 0, 0], 0, &mem),
        [(0x1000, 120)]
    );
    assert_eq!(
        regions("shmctl", [1, 2, 0x1000, 0, 0, 0], 0, &mem),
        [(0x1000, 112)]
    );
    assert_eq!(
        regions("keyctl", [11, 5, 0x1000, 10, 0, 0], 40, &mem),
        [(0x1000, 10)]
    );
    assert_eq!(
        regions("seccomp", [3, 0, 0x1000, 0, 0, 0], 0, &mem),
        [(0x1000, 6)]
    );
    assert_eq!(
        regions("listmount", [0x10, 0x1000, 64, 0, 0, 0], 3, &mem),
        [(0x1000, 24)]
    );
    let mut mem = no_memory();
    mem.put_u32(0x1000, 0x200);
    assert_eq!(
        regions("statmount", [0x10, 0x1000, 0x100, 0, 0, 0], 0, &mem),
        [(0x1000, 0x100)]
    );
    mem.put_u32(0x2000, 8);
    assert_eq!(
        regions(
            "name_to_handle_at",
            [3, 0x10, 0x2000, 0x3000, 0, 0],
            0,
            &mem
        ),
        [(0x2000, 16), (0x3000, 4)]
    );
    assert_eq!(
        regions(
            "name_to_handle_at",
            [3, 0x10, 0x2000, 0x3000, 0, 0],
            -75,
            &mem
        ),
        [(0x2000, 8), (0x3000, 4)]
    );
}

/// Arbitrary arguments, results and memory contents never panic: every call ends
/// in regions or a typed error.
#[test]
fn arbitrary_input_never_panics() {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // Memory at 0x1000..0x3000 holds random bytes (iovecs, msghdrs, lengths).
    let mut mem = no_memory();
    let bytes: Vec<u8> = (0..0x2000).map(|_| next() as u8).collect();
    mem.put(0x1000, &bytes);
    let numbers: Vec<u64> = table::TABLE
        .iter()
        .map(|d| d.nr)
        .chain([500, 0x4000_0000, u64::MAX])
        .collect();
    for round in 0..100_000 {
        let number = numbers[round % numbers.len()];
        let mut args = [0u64; 6];
        for arg in &mut args {
            *arg = match next() % 6 {
                0 => 0,
                1 => 0x1000 + next() % 0x2000,
                2 => next() % 64,
                3 => next() % 0x1_0000_0000,
                4 => u64::MAX - next() % 16,
                _ => next(),
            };
        }
        let result = match next() % 4 {
            0 => 0,
            1 => -((next() % 4096) as i64),
            2 => (next() % 1024) as i64,
            _ => next() as i64,
        };
        if let Ok(found) = output_regions(number, &args, result, &mem) {
            for region in found {
                assert!(region.addr != 0 && region.len > 0 && region.len <= MAX_REGION_LEN);
                assert!(region.addr.checked_add(region.len as u64).is_some());
            }
        }
    }
}
