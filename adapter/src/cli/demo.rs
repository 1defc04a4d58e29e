//! `rewind demo`: records a bundled program and replays it.

use anyhow::Result;
use std::process::ExitCode;

pub fn run() -> Result<ExitCode> {
    anyhow::bail!("rewind demo is not available yet")
}
