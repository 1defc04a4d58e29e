//! Progress of long work (a recording, a movement that runs for a while) as
//! DAP `progressStart` / `progressUpdate` / `progressEnd` events, for clients
//! that said `supportsProgressReporting`. Work that ends within
//! [`SHOW_AFTER`] shows nothing.

use std::time::{Duration, Instant};

use crate::debugger::events::{DebuggerEvent, ProgressPhase};
use crate::debugger::EventSink;

/// How long work runs before it is shown.
pub const SHOW_AFTER: Duration = Duration::from_millis(500);
/// How often a shown progress is updated.
const EVERY: Duration = Duration::from_millis(500);

/// Watches work in the background: `busy` says, each time it is asked,
/// whether the work still runs and, if so, what it has done so far (the
/// elapsed time is added).
pub fn watch<F>(events: EventSink, id: String, title: String, busy: F)
where
    F: Fn() -> Option<String> + Send + 'static,
{
    tokio::spawn(async move {
        let started = Instant::now();
        tokio::time::sleep(SHOW_AFTER).await;
        if busy().is_none() {
            return;
        }
        let send = |phase| {
            events
                .send(DebuggerEvent::Progress {
                    id: id.clone(),
                    phase,
                })
                .is_ok()
        };
        if !send(ProgressPhase::Start {
            title,
            cancellable: true,
        }) {
            return;
        }
        loop {
            let Some(done) = busy() else {
                send(ProgressPhase::End);
                return;
            };
            let elapsed = started.elapsed().as_secs_f64();
            let message = if done.is_empty() {
                format!("{elapsed:.1} s")
            } else {
                format!("{done}, {elapsed:.1} s")
            };
            if !send(ProgressPhase::Update { message }) {
                return;
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}
