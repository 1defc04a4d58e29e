//! The state of one scenario run, shared by the step runner (`run.rs`) and
//! the convenience steps (`frame.rs`).

use std::path::PathBuf;
use std::time::Duration;

use crate::client::DapClient;
use crate::subst::Vars;

/// The state of one run: client, variables, unanswered `noWait` requests.
pub(super) struct LiveScenario {
    pub client: DapClient,
    pub vars: Vars,
    pub timeout: Duration,
    /// The adapter binary (`record` steps run `rewind record` with it).
    pub bin: PathBuf,
    /// `noWait` requests not yet answered: (seq, command).
    pub pending: Vec<(i64, String)>,
}

/// A step failure, before it is tied to its step.
pub(super) type StepResult = Result<(), String>;
