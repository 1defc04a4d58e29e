//! Unit tests of the CLI's error text.

use super::error_text;

#[derive(Debug, thiserror::Error)]
#[error("ptrace CONT on thread 7 failed: {source}")]
struct NamesItsCause {
    source: std::io::Error,
}

#[test]
fn each_cause_is_printed_once() {
    let io = std::io::Error::from_raw_os_error(libc::ESRCH);
    let err = anyhow::Error::new(NamesItsCause { source: io }).context("recording x");
    assert_eq!(
        error_text(&err),
        "recording x: ptrace CONT on thread 7 failed: No such process (os error 3)"
    );
    let plain = anyhow::anyhow!("inner").context("outer");
    assert_eq!(error_text(&plain), "outer: inner");
}
