//! One updating status line on stderr for long `rewind record` and `rewind
//! replay` runs (events so far, elapsed time), shown only when stderr is a
//! terminal and the run lasts longer than [`SHOW_AFTER`]; cleared at the end.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a run goes before the line appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);
/// How often it is redrawn.
const EVERY: Duration = Duration::from_millis(250);

/// The status line of a run; dropping it clears the line.
pub struct StatusLine {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl StatusLine {
    /// Shows `what` ("recording", "replaying") with the count in `events`.
    pub fn start(what: &'static str, events: Arc<AtomicU64>) -> StatusLine {
        if !std::io::stderr().is_terminal() {
            return StatusLine {
                stop: None,
                thread: None,
            };
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut wait = SHOW_AFTER;
            let mut shown = false;
            loop {
                match stopped.recv_timeout(wait) {
                    Err(RecvTimeoutError::Timeout) => {}
                    // Stopped (or the owner is gone): clear what was drawn.
                    _ => {
                        if shown {
                            let _ = write!(std::io::stderr(), "\r\x1b[K");
                        }
                        return;
                    }
                }
                let _ = write!(
                    std::io::stderr(),
                    "\r\x1b[Krewind: {what}: {} events, {:.1} s",
                    events.load(Ordering::Relaxed),
                    started.elapsed().as_secs_f64()
                );
                shown = true;
                wait = EVERY;
            }
        });
        StatusLine {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for StatusLine {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
