//! Where recordings live.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// $REWIND_DIR, else $XDG_DATA_HOME/rewind, else ~/.local/share/rewind.
pub fn recordings_root() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("REWIND_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("rewind"));
    }
    let home =
        std::env::var_os("HOME").context("neither REWIND_DIR, XDG_DATA_HOME nor HOME is set")?;
    Ok(PathBuf::from(home).join(".local/share/rewind"))
}

/// A fresh directory name `<program>-<n>` under the recordings root.
pub fn new_recording_dir(program: &str) -> Result<PathBuf> {
    let root = recordings_root()?;
    std::fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
    let base = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "program".into());
    for n in 0.. {
        let candidate = root.join(format!("{base}-{n}"));
        // create_dir is atomic: two recorders never get the same directory.
        match std::fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e).with_context(|| format!("cannot create {}", candidate.display()))
            }
        }
    }
    unreachable!("an unbounded range always yields")
}

/// Points `<root>/latest` at `dir`.
pub fn update_latest(dir: &Path) -> Result<()> {
    let root = recordings_root()?;
    if dir.parent() != Some(root.as_path()) {
        return Ok(());
    }
    let link = root.join("latest");
    let tmp = root.join(format!(".latest-{}", std::process::id()));
    let target = dir.file_name().context("recording directory has no name")?;
    std::os::unix::fs::symlink(target, &tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    std::fs::rename(&tmp, &link).with_context(|| format!("cannot update {}", link.display()))?;
    Ok(())
}

/// The trace to open: the given directory or the latest recording. A given
/// path that is not a recording is refused here, saying what it is instead.
pub fn trace_dir(dir: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(d) = dir {
        check_recording(&d)?;
        return Ok(d);
    }
    let latest = recordings_root()?.join("latest");
    if !latest.exists() {
        bail!(
            "no recording given and none found at {}: run `rewind record PROGRAM` first",
            latest.display()
        );
    }
    Ok(latest)
}

/// Whether `dir` looks like a recording (a directory with a `header`).
fn check_recording(dir: &Path) -> Result<()> {
    let shown = dir.display();
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("there is no recording at {shown}: no such file or directory")
        }
        Err(e) => bail!("cannot open the recording {shown}: {e}"),
        Ok(m) if !m.is_dir() => bail!(
            "{shown} is not a recording: a recording is a directory that `rewind record` wrote"
        ),
        Ok(_) if !dir.join("header").exists() => bail!(
            "{shown} is not a recording: it has no `header` file (`rewind record` writes header, events and files/)"
        ),
        Ok(_) => Ok(()),
    }
}

/// Finds PROGRAM like a shell does: a path when it has a slash, else on $PATH
/// (a file of that name in `cwd` is not taken, but the error suggests it).
pub fn resolve_program(program: &str, cwd: &Path) -> Result<PathBuf, ProgramError> {
    use std::os::unix::fs::PermissionsExt;
    let check = |p: &Path| -> Result<PathBuf, ProgramError> {
        let meta = std::fs::metadata(p).map_err(|_| ProgramError::NotFound(program.to_string()))?;
        if meta.is_dir() {
            return Err(ProgramError::NotExecutable(
                p.display().to_string(),
                "it is a directory",
            ));
        }
        if meta.permissions().mode() & 0o111 == 0 {
            return Err(ProgramError::NotExecutable(
                p.display().to_string(),
                "it has no execute permission",
            ));
        }
        if let Some(interpreter) = missing_interpreter(p) {
            return Err(ProgramError::NoInterpreter(
                p.display().to_string(),
                interpreter,
            ));
        }
        Ok(std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()))
    };
    if program.contains('/') {
        return check(Path::new(program));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut last = ProgramError::NotFound(program.to_string());
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join(program);
        if candidate.exists() {
            match check(&candidate) {
                Ok(p) => return Ok(p),
                Err(e) => last = e,
            }
        }
    }
    if let ProgramError::NotFound(_) = last {
        // A shell would not run ./NAME for NAME either; say so, and how.
        if cwd.join(program).is_file() {
            return Err(ProgramError::NotOnPath(program.to_string()));
        }
    }
    Err(last)
}

/// The interpreter a `#!` script names, when that file does not exist.
fn missing_interpreter(script: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(script).ok()?.read(&mut head).ok()?;
    let line = head[..n].strip_prefix(b"#!")?;
    let line = line.split(|&b| b == b'\n').next()?;
    let line = String::from_utf8_lossy(line);
    let interpreter = line.split_whitespace().next()?;
    (!Path::new(interpreter).exists()).then(|| interpreter.to_owned())
}

/// Why PROGRAM cannot be recorded.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    #[error("cannot find program '{0}': no such file, and not found on PATH")]
    NotFound(String),
    #[error(
        "cannot find program '{0}' on PATH (a name without '/' is looked up on PATH): to record the file in this directory, write './{0}'"
    )]
    NotOnPath(String),
    #[error("cannot execute '{0}': {1}")]
    NotExecutable(String, &'static str),
    #[error("cannot execute '{0}': its interpreter '{1}' (the #! line) does not exist")]
    NoInterpreter(String, String),
}

impl ProgramError {
    /// The exit status a shell gives: 127 when not found, 126 when found
    /// but not executable.
    pub fn exit_code(&self) -> u8 {
        match self {
            ProgramError::NotFound(_) | ProgramError::NotOnPath(_) => 127,
            ProgramError::NotExecutable(..) | ProgramError::NoInterpreter(..) => 126,
        }
    }
}
