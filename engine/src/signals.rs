//! Linux x86-64 signals by number, name and description: the one table the engine
//! and the adapter name signals with.
//!
//! The standard signals 1 to 31 come from a table; their descriptions are what the
//! C library's `strsignal` says, with the first letter in lower case (so they read
//! well inside a sentence) except for acronyms. Real-time signals are numbered as
//! the C library numbers them: glibc keeps the kernel's first two (32 and 33) for
//! its threads, so [`SIGRTMIN`] is 34 and a program's `SIGRTMIN+n` is `34 + n`, up
//! to [`SIGRTMAX`] (64). Those are named by code, not by the table.

/// The first real-time signal a program can use, as glibc numbers it
/// (`SIGRTMIN()`): the kernel's 32 and 33 are glibc's own.
pub const SIGRTMIN: i32 = 34;

/// The last real-time signal (the kernel's `_NSIG - 1`).
pub const SIGRTMAX: i32 = 64;

/// The kernel's first real-time signal; 32 and 33 are reserved by glibc.
const KERNEL_SIGRTMIN: i32 = 32;

/// The standard signals: number, name, description.
const STANDARD: [(i32, &str, &str); 31] = [
    (libc::SIGHUP, "SIGHUP", "hangup"),
    (libc::SIGINT, "SIGINT", "interrupt"),
    (libc::SIGQUIT, "SIGQUIT", "quit"),
    (libc::SIGILL, "SIGILL", "illegal instruction"),
    (libc::SIGTRAP, "SIGTRAP", "trace/breakpoint trap"),
    (libc::SIGABRT, "SIGABRT", "aborted"),
    (libc::SIGBUS, "SIGBUS", "bus error"),
    (libc::SIGFPE, "SIGFPE", "floating point exception"),
    (libc::SIGKILL, "SIGKILL", "killed"),
    (libc::SIGUSR1, "SIGUSR1", "user-defined signal 1"),
    (libc::SIGSEGV, "SIGSEGV", "segmentation fault"),
    (libc::SIGUSR2, "SIGUSR2", "user-defined signal 2"),
    (libc::SIGPIPE, "SIGPIPE", "broken pipe"),
    (libc::SIGALRM, "SIGALRM", "alarm clock"),
    (libc::SIGTERM, "SIGTERM", "terminated"),
    (libc::SIGSTKFLT, "SIGSTKFLT", "stack fault"),
    (libc::SIGCHLD, "SIGCHLD", "child exited"),
    (libc::SIGCONT, "SIGCONT", "continued"),
    (libc::SIGSTOP, "SIGSTOP", "stopped (signal)"),
    (libc::SIGTSTP, "SIGTSTP", "stopped"),
    (libc::SIGTTIN, "SIGTTIN", "stopped (tty input)"),
    (libc::SIGTTOU, "SIGTTOU", "stopped (tty output)"),
    (libc::SIGURG, "SIGURG", "urgent I/O condition"),
    (libc::SIGXCPU, "SIGXCPU", "CPU time limit exceeded"),
    (libc::SIGXFSZ, "SIGXFSZ", "file size limit exceeded"),
    (libc::SIGVTALRM, "SIGVTALRM", "virtual timer expired"),
    (libc::SIGPROF, "SIGPROF", "profiling timer expired"),
    (libc::SIGWINCH, "SIGWINCH", "window changed"),
    (libc::SIGIO, "SIGIO", "I/O possible"),
    (libc::SIGPWR, "SIGPWR", "power failure"),
    (libc::SIGSYS, "SIGSYS", "bad system call"),
];

/// Other names Linux gives some standard signals, accepted by [`number`].
const ALIASES: [(&str, i32); 3] = [
    ("SIGIOT", libc::SIGABRT),
    ("SIGCLD", libc::SIGCHLD),
    ("SIGPOLL", libc::SIGIO),
];

fn standard(signo: i32) -> Option<&'static (i32, &'static str, &'static str)> {
    STANDARD.iter().find(|s| s.0 == signo)
}

/// The name of signal `signo`: `"SIGUSR2"` for a standard signal, `"SIGRTMIN"` or
/// `"SIGRTMIN+n"` for a real-time one, `"SIG32"` and `"SIG33"` for the two glibc
/// reserves, and `"signal N"` for a number that is no signal.
pub fn name(signo: i32) -> String {
    if let Some(s) = standard(signo) {
        return s.1.to_owned();
    }
    match signo {
        SIGRTMIN => "SIGRTMIN".to_owned(),
        n if (SIGRTMIN..=SIGRTMAX).contains(&n) => format!("SIGRTMIN+{}", n - SIGRTMIN),
        n if (KERNEL_SIGRTMIN..SIGRTMIN).contains(&n) => format!("SIG{n}"),
        n => format!("signal {n}"),
    }
}

/// The number of the signal `name` names, case-insensitive and with or without
/// its `SIG` prefix: `"SIGUSR2"`, `"USR2"` and `"usr2"` are all 12. Also accepted:
/// `SIGRTMIN+n` and `SIGRTMAX-n`, the aliases `SIGIOT`, `SIGCLD` and `SIGPOLL`,
/// `SIG32` and `SIG33`, and a signal's decimal number (`"12"`). `None` for anything
/// else, including numbers outside 1 to 64.
pub fn number(name: &str) -> Option<i32> {
    let name = name.trim();
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        return name.parse().ok().filter(|n| is_signal(*n));
    }
    let upper = name.to_ascii_uppercase();
    let bare = upper.strip_prefix("SIG").unwrap_or(&upper);
    if bare.is_empty() {
        return None;
    }
    let named = |full: &str| full.strip_prefix("SIG") == Some(bare);
    if let Some(s) = STANDARD.iter().find(|s| named(s.1)) {
        return Some(s.0);
    }
    if let Some(a) = ALIASES.iter().find(|a| named(a.0)) {
        return Some(a.1);
    }
    if let Some(rest) = bare.strip_prefix("RTMIN") {
        return real_time(rest, '+').map(|n| SIGRTMIN + n);
    }
    if let Some(rest) = bare.strip_prefix("RTMAX") {
        return real_time(rest, '-').map(|n| SIGRTMAX - n);
    }
    match bare {
        "32" => Some(32),
        "33" => Some(33),
        _ => None,
    }
}

/// The offset `n` of `+n` (or `-n`) after `RTMIN` (or `RTMAX`): 0 when `rest` is
/// empty, `None` when it is not a valid offset.
fn real_time(rest: &str, sign: char) -> Option<i32> {
    if rest.is_empty() {
        return Some(0);
    }
    let digits = rest.strip_prefix(sign)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits
        .parse::<i32>()
        .ok()
        .filter(|n| *n <= SIGRTMAX - SIGRTMIN)
}

/// A short description of signal `signo` as `strsignal` gives it, starting in lower
/// case: `"user-defined signal 2"`, `"segmentation fault"`, `"real-time signal 3"`
/// (for `SIGRTMIN+3`), or `"unknown signal N"`. Signals 32 and 33, which strsignal
/// calls unknown, are described as the real-time signals glibc reserves.
pub fn description(signo: i32) -> String {
    if let Some(s) = standard(signo) {
        return s.2.to_owned();
    }
    match signo {
        n if (SIGRTMIN..=SIGRTMAX).contains(&n) => format!("real-time signal {}", n - SIGRTMIN),
        n if (KERNEL_SIGRTMIN..SIGRTMIN).contains(&n) => {
            format!("real-time signal {n}, reserved by the C library")
        }
        n => format!("unknown signal {n}"),
    }
}

/// Whether `signo` is a Linux signal (1 to 64).
fn is_signal(signo: i32) -> bool {
    (1..=SIGRTMAX).contains(&signo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn strsignal(signo: i32) -> String {
        // SAFETY: glibc's strsignal returns a NUL-terminated string (a static one, or
        // a thread-local buffer for unknown numbers) that stays valid until the next
        // call in this thread; it is copied before anything else runs here.
        unsafe { CStr::from_ptr(libc::strsignal(signo)) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn the_table_holds_every_standard_signal_once_in_order() {
        for (index, s) in STANDARD.iter().enumerate() {
            assert_eq!(s.0, index as i32 + 1, "{}", s.1);
        }
    }

    #[test]
    fn names_match_the_libc_constants() {
        let expected = [
            (libc::SIGHUP, "SIGHUP"),
            (libc::SIGABRT, "SIGABRT"),
            (libc::SIGUSR1, "SIGUSR1"),
            (libc::SIGSEGV, "SIGSEGV"),
            (libc::SIGUSR2, "SIGUSR2"),
            (libc::SIGSTKFLT, "SIGSTKFLT"),
            (libc::SIGCHLD, "SIGCHLD"),
            (libc::SIGSTOP, "SIGSTOP"),
            (libc::SIGIO, "SIGIO"),
            (libc::SIGPWR, "SIGPWR"),
            (libc::SIGSYS, "SIGSYS"),
        ];
        for (signo, n) in expected {
            assert_eq!(name(signo), n);
            assert_eq!(number(n), Some(signo));
        }
        assert_eq!(number("SIGIOT"), Some(libc::SIGIOT));
        assert_eq!(number("SIGPOLL"), Some(libc::SIGPOLL));
    }

    #[test]
    fn descriptions_are_what_strsignal_says() {
        for signo in 1..=31 {
            let ours = description(signo);
            let libc = strsignal(signo);
            // Only the case of the first letter and the hyphen of "user-defined" differ.
            assert_eq!(
                ours.to_lowercase().replace('-', " "),
                libc.to_lowercase(),
                "signal {signo}"
            );
        }
        for signo in SIGRTMIN..=SIGRTMAX {
            assert_eq!(
                description(signo),
                strsignal(signo).to_lowercase(),
                "signal {signo}"
            );
        }
        assert_eq!(description(65), strsignal(65).to_lowercase());
        assert_eq!(description(libc::SIGUSR2), "user-defined signal 2");
    }

    #[test]
    fn real_time_signals_are_numbered_as_glibc_numbers_them() {
        assert_eq!(SIGRTMIN, libc::SIGRTMIN());
        assert_eq!(SIGRTMAX, libc::SIGRTMAX());
        assert_eq!(name(34), "SIGRTMIN");
        assert_eq!(name(35), "SIGRTMIN+1");
        assert_eq!(name(64), "SIGRTMIN+30");
        assert_eq!(name(32), "SIG32");
        assert_eq!(number("SIGRTMIN"), Some(34));
        assert_eq!(number("rtmin+3"), Some(37));
        assert_eq!(number("SIGRTMAX"), Some(64));
        assert_eq!(number("SIGRTMAX-1"), Some(63));
        assert_eq!(number("SIGRTMIN+31"), None);
        assert_eq!(number("SIGRTMAX-31"), None);
        assert_eq!(number("SIGRTMIN+"), None);
        assert_eq!(number("SIGRTMIN-1"), None);
        assert_eq!(number("SIG33"), Some(33));
    }

    #[test]
    fn names_are_read_in_any_case_with_or_without_sig() {
        for text in ["SIGUSR2", "USR2", "usr2", "SigUsr2", " SIGUSR2 ", "12"] {
            assert_eq!(number(text), Some(libc::SIGUSR2), "{text:?}");
        }
        for text in [
            "",
            "SIG",
            "SIGFOO",
            "USR3",
            "0",
            "65",
            "-1",
            "+12",
            "SIGSIGUSR2",
            "1 2",
        ] {
            assert_eq!(number(text), None, "{text:?}");
        }
    }

    #[test]
    fn every_signal_name_reads_back_as_its_number() {
        for signo in 1..=SIGRTMAX {
            assert_eq!(number(&name(signo)), Some(signo), "{}", name(signo));
        }
    }

    #[test]
    fn numbers_that_are_no_signal_are_named_by_number() {
        assert_eq!(name(0), "signal 0");
        assert_eq!(name(65), "signal 65");
        assert_eq!(name(-3), "signal -3");
        assert_eq!(description(0), "unknown signal 0");
    }
}
