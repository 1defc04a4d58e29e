//! Nothing outlives the recorder: the recorded program's whole tree lives in
//! a cgroup of its own, which a watchdog process empties (`cgroup.kill`) and
//! removes when the recorder ends, however it ends (it returns, crashes, or
//! is killed by SIGTERM or SIGKILL).
//!
//! `PTRACE_O_EXITKILL` already kills every tracee when the tracer dies, but
//! not tasks the program started with `CLONE_UNTRACED` (LeakSanitizer's
//! helper is one): those ran on, orphaned. A cgroup holds every descendant,
//! traced or not, and the kernel moves none out on its own.
//!
//! The watchdog is forked before the program and waits on a pipe whose writer
//! is the recorder: a byte when the recorder is done, or the pipe's end when
//! it dies.
//! It ignores the signals a terminal or `timeout` sends (and leaves the
//! terminal's process group), so it is there to clean up after them. Where no
//! writable cgroup v2 hierarchy exists (no cgroup2 mount, no permission), the
//! guard does nothing and says so in the log; EXITKILL remains.
//!
//! Written by hand: no crate does "a cgroup emptied when this process dies",
//! and the watchdog runs between fork and nothing (no exec), so it may only
//! make raw syscalls on data prepared before the fork.

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::debug;

/// A cgroup for a recorded program, and the watchdog that empties it.
pub struct TreeGuard {
    /// The cgroup's directory.
    dir: PathBuf,
    /// Its `cgroup.procs`, which the program joins before exec.
    procs: CString,
    /// Its `cgroup.kill`.
    kill: PathBuf,
    /// The write end of the watchdog's pipe: closing it (or dying) ends the watch.
    pipe_write: libc::c_int,
    watchdog: libc::pid_t,
}

impl TreeGuard {
    /// A new, empty cgroup and its watchdog; `None` (logged) where cgroups
    /// cannot be used here.
    pub fn new() -> Option<TreeGuard> {
        match Self::try_new() {
            Ok(guard) => Some(guard),
            Err(why) => {
                debug!(%why, "no cgroup for the recorded program: only its traced tasks die with the recorder");
                None
            }
        }
    }

    /// `cgroup.procs` of the cgroup: a child writes "0" there to join it.
    pub fn procs(&self) -> &CString {
        &self.procs
    }

    fn try_new() -> Result<TreeGuard, String> {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let parent = own_cgroup_v2_dir().ok_or("no cgroup v2 hierarchy holds this process")?;
        let dir = parent.join(format!(
            "rewind-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let cstr = |name: &str| {
            CString::new(dir.join(name).as_os_str().as_encoded_bytes())
                .map_err(|_| "a cgroup path with a NUL byte".to_string())
        };
        let (procs, kill, dir_c) = (cstr("cgroup.procs")?, cstr("cgroup.kill")?, cstr("")?);
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two descriptors into `fds`.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            let _ = std::fs::remove_dir(&dir);
            return Err(format!(
                "cannot create the watchdog's pipe: {}",
                std::io::Error::last_os_error()
            ));
        }
        let [read_end, write_end] = fds;
        // SAFETY: the child only makes raw syscalls on the data above (see
        // `watch`) and leaves with _exit; it never returns into Rust code.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: in the forked child, as above.
            unsafe { watch(read_end, write_end, &kill, &procs, &dir_c) }
        }
        // SAFETY: the read end is the watchdog's; ours is closed.
        unsafe { libc::close(read_end) };
        if pid < 0 {
            // SAFETY: our write end, not used elsewhere.
            unsafe { libc::close(write_end) };
            let _ = std::fs::remove_dir(&dir);
            return Err(format!(
                "cannot fork the watchdog: {}",
                std::io::Error::last_os_error()
            ));
        }
        debug!(cgroup = %dir.display(), watchdog = pid, "recorded program's cgroup");
        Ok(TreeGuard {
            kill: dir.join("cgroup.kill"),
            dir,
            procs,
            pipe_write: write_end,
            watchdog: pid,
        })
    }
}

impl Drop for TreeGuard {
    /// Ends the watch: kills what is left in the cgroup (tasks the program
    /// left behind) and wakes the watchdog, which removes the cgroup once it
    /// is empty; waits for it, at most [`WATCHDOG_WAIT`]. A tracee stopped at
    /// its exit event (a failed exec) only dies once its tracer lets it go,
    /// which may be only when the recorder itself exits: then the watchdog
    /// finishes on its own.
    fn drop(&mut self) {
        let _ = std::fs::write(&self.kill, "1");
        // SAFETY: our own descriptor: one byte says "done" even while a child
        // that has not exec'd yet still holds a copy of it; closed once.
        unsafe {
            libc::write(self.pipe_write, b"x".as_ptr().cast(), 1);
            libc::close(self.pipe_write);
        }
        let deadline = std::time::Instant::now() + WATCHDOG_WAIT;
        let mut status = 0;
        loop {
            // SAFETY: polls our own child.
            let rc = unsafe { libc::waitpid(self.watchdog, &mut status, libc::WNOHANG) };
            if rc != 0 || std::time::Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        debug!(cgroup = %self.dir.display(), "recorded program's cgroup released");
    }
}

/// How long dropping a guard waits for its watchdog.
const WATCHDOG_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// The directory of this process's cgroup in a mounted cgroup v2 hierarchy
/// (the unified one of a hybrid setup included).
fn own_cgroup_v2_dir() -> Option<PathBuf> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = own.lines().find_map(|l| l.strip_prefix("0::"))?.trim();
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mount = mounts.lines().find_map(|l| {
        // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - FSTYPE SOURCE SUPER
        let (left, right) = l.split_once(" - ")?;
        let fstype = right.split_whitespace().next()?;
        let mut fields = left.split_whitespace();
        let root = fields.nth(3)?;
        let point = fields.next()?;
        (fstype == "cgroup2" && root == "/").then(|| point.to_owned())
    })?;
    let dir = Path::new(&mount).join(path.trim_start_matches('/'));
    dir.is_dir().then_some(dir)
}

/// The watchdog: waits for the pipe to end, empties and removes the cgroup,
/// exits.
///
/// # Safety
/// Runs in a child forked from a process that may have other threads: only
/// raw syscalls on the given, already built data; never returns.
unsafe fn watch(
    read_end: libc::c_int,
    write_end: libc::c_int,
    kill: &CString,
    procs: &CString,
    dir: &CString,
) -> ! {
    // SAFETY (whole body): raw syscalls on descriptors and C strings made
    // before the fork, and on stack buffers.
    unsafe {
        libc::close(write_end);
        // Keep nothing of the recorder's open: a reader waiting for the end
        // of its output must not wait for us.
        libc::dup2(read_end, 3);
        libc::syscall(libc::SYS_close_range, 0u32, 2u32, 0u32);
        libc::syscall(libc::SYS_close_range, 4u32, u32::MAX, 0u32);
        libc::setsid();
        for sig in [
            libc::SIGINT,
            libc::SIGTERM,
            libc::SIGHUP,
            libc::SIGQUIT,
            libc::SIGPIPE,
        ] {
            libc::signal(sig, libc::SIG_IGN);
        }
        // A byte (the recorder is done) or the end of the pipe (it died).
        let mut byte = 0u8;
        loop {
            let n = libc::read(3, (&mut byte as *mut u8).cast(), 1);
            if n >= 0 || *libc::__errno_location() != libc::EINTR {
                break;
            }
        }
        // The kernel's cgroup.kill (Linux 5.14+) kills exactly the members,
        // new forks included. Only without it are listed pids killed by
        // hand: a pid read from cgroup.procs may be reaped and reused by
        // another process (a replay's checkpoint, say) before the kill lands.
        let by_kernel = kill_all_members(kill);
        // Then wait for the cgroup to be empty (dead tasks leave it) and
        // remove it: at most 5 s.
        for _ in 0..500 {
            let listed = if by_kernel {
                kill_all_members(kill);
                false
            } else {
                kill_listed(procs)
            };
            if !listed && libc::rmdir(dir.as_ptr()) == 0 {
                break;
            }
            let pause = libc::timespec {
                tv_sec: 0,
                tv_nsec: 10_000_000,
            };
            libc::nanosleep(&pause, std::ptr::null_mut());
        }
        libc::_exit(0)
    }
}

/// Writes "1" to `cgroup.kill`; whether that worked.
///
/// # Safety
/// Raw syscalls only (see [`watch`]).
unsafe fn kill_all_members(kill: &CString) -> bool {
    // SAFETY: raw syscalls on a C string made before the fork.
    unsafe {
        let fd = libc::open(kill.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return false;
        }
        let written = libc::write(fd, b"1".as_ptr().cast(), 1) == 1;
        libc::close(fd);
        written
    }
}

/// SIGKILLs every process `cgroup.procs` lists; whether it listed any.
///
/// # Safety
/// Raw syscalls only (see [`watch`]).
unsafe fn kill_listed(procs: &CString) -> bool {
    // SAFETY: raw syscalls on a C string made before the fork and a stack buffer.
    unsafe {
        let fd = libc::open(procs.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return false;
        }
        let mut buf = [0u8; 4096];
        let mut any = false;
        let mut pid: i32 = 0;
        let mut in_number = false;
        loop {
            let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
            if n <= 0 {
                break;
            }
            for &b in &buf[..n as usize] {
                if b.is_ascii_digit() {
                    pid = pid.saturating_mul(10).saturating_add(i32::from(b - b'0'));
                    in_number = true;
                } else if in_number {
                    libc::kill(pid, libc::SIGKILL);
                    any = true;
                    pid = 0;
                    in_number = false;
                }
            }
        }
        if in_number {
            libc::kill(pid, libc::SIGKILL);
            any = true;
        }
        libc::close(fd);
        any
    }
}
