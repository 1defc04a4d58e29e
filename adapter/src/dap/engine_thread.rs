//! The engine thread (docs/architecture.md, "Threads"): ptrace belongs to the OS thread that
//! attached, so one dedicated thread records, owns the replay session and
//! runs every engine call; the async DAP side sends it jobs and awaits their
//! results. Pause requests bypass the queue (they must reach a run in
//! progress).

use std::sync::mpsc;
use std::thread::JoinHandle;

use thiserror::Error;

use rewind_engine::record::RecordError;
use rewind_engine::session::{PauseHandle, SessionError};

type Job<T> = Box<dyn FnOnce(&mut T) + Send>;

#[derive(Debug, Error)]
pub enum EngineError {
    #[error("recording failed: {0}")]
    Record(#[from] RecordError),
    #[error("cannot open the recording: {0}")]
    Open(#[from] SessionError),
    #[error("the engine thread has stopped")]
    Gone,
    #[error("cannot start the engine thread: {0}")]
    Spawn(std::io::Error),
}

/// Handle on the engine thread that owns a `T` (the replay session and
/// what goes with it); dropping it ends the thread, which drops the `T`.
pub struct EngineThread<T> {
    jobs: Option<mpsc::Sender<Job<T>>>,
    pause: PauseHandle,
    thread: Option<JoinHandle<()>>,
}

impl<T: 'static> EngineThread<T> {
    /// Starts the thread and builds its state there with `init` (which may
    /// record a program first: ptrace ties tracees to the thread that made
    /// them). Blocking: call it from `tokio::task::spawn_blocking` when `init`
    /// may take long.
    pub fn start<F>(init: F) -> Result<EngineThread<T>, EngineError>
    where
        F: FnOnce() -> Result<(T, PauseHandle), EngineError> + Send + 'static,
    {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (jobs_tx, jobs_rx) = mpsc::channel::<Job<T>>();
        let thread = std::thread::Builder::new()
            .name("rewind-engine".into())
            .spawn(move || {
                let mut state = match init() {
                    Ok((state, pause)) => {
                        let _ = ready_tx.send(Ok(pause));
                        state
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                // Jobs run in order until every sender is gone.
                while let Ok(job) = jobs_rx.recv() {
                    job(&mut state);
                }
            })
            .map_err(EngineError::Spawn)?;
        let pause = ready_rx.recv().map_err(|_| EngineError::Gone)??;
        Ok(EngineThread {
            jobs: Some(jobs_tx),
            pause,
            thread: Some(thread),
        })
    }

    /// Queues `f` to run on the engine thread; the receiver gets its result.
    pub fn submit<R, F>(&self, f: F) -> Result<tokio::sync::oneshot::Receiver<R>, EngineError>
    where
        R: Send + 'static,
        F: FnOnce(&mut T) -> R + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job<T> = Box::new(move |state| {
            let _ = tx.send(f(state));
        });
        self.jobs
            .as_ref()
            .ok_or(EngineError::Gone)?
            .send(job)
            .map_err(|_| EngineError::Gone)?;
        Ok(rx)
    }

    /// Runs `f` on the engine thread and returns its result.
    pub async fn call<R, F>(&self, f: F) -> Result<R, EngineError>
    where
        R: Send + 'static,
        F: FnOnce(&mut T) -> R + Send + 'static,
    {
        self.submit(f)?.await.map_err(|_| EngineError::Gone)
    }

    /// Asks the movement in progress (or the next one) to stop.
    pub fn pause(&self) {
        self.pause.request();
    }
}

impl<T> Drop for EngineThread<T> {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rewind_engine::record;
    use rewind_engine::session::{Session, StopReason};
    use rewind_test_support::fixture;
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};

    type Init = Box<dyn FnOnce() -> Result<(Session, PauseHandle), EngineError> + Send>;

    /// Records the program on the engine thread, then opens its recording.
    fn record_start(dir: &Path, exe: PathBuf, args: &[&str]) -> Init {
        let opts = rewind_test_support::record::options(&exe, args, dir, &dir.join("trace"));
        Box::new(move || {
            let summary = record::record(&opts)?;
            assert_eq!(summary.exit_code, 0);
            let session = Session::open(&summary.trace_dir)?;
            let pause = session.pause_handle();
            Ok((session, pause))
        })
    }

    /// Records and replays on the engine thread while the async side drives
    /// it: forwards, backwards, and registers read back.
    #[tokio::test(flavor = "current_thread")]
    async fn jobs_run_on_the_engine_thread() {
        let tmp = tempfile::tempdir().unwrap();
        let start = record_start(tmp.path(), fixture("loop"), &[]);
        let engine = tokio::task::spawn_blocking(move || EngineThread::start(start))
            .await
            .unwrap()
            .unwrap();
        let end = engine.call(|s| s.goto_end()).await.unwrap().unwrap();
        assert!(matches!(end.reason, StopReason::End { exit_code: Some(0) }));
        let start = engine.call(|s| s.restart()).await.unwrap().unwrap();
        assert_eq!(start.reason, StopReason::Start);
        let (rip_after, rip_back) = engine
            .call(|s| {
                let before = s.regs(s.current_tid()).unwrap().rip();
                s.step().unwrap();
                let after = s.regs(s.current_tid()).unwrap().rip();
                s.reverse_step().unwrap();
                (after, (before, s.regs(s.current_tid()).unwrap().rip()))
            })
            .await
            .unwrap();
        assert_ne!(rip_after, rip_back.0);
        assert_eq!(
            rip_back.0, rip_back.1,
            "stepping back returns to the same instruction"
        );
    }

    /// A long forward run started from the async side stops within 200 ms
    /// of a pause request made while it runs.
    #[tokio::test(flavor = "current_thread")]
    async fn pause_reaches_a_run_in_progress() {
        let tmp = tempfile::tempdir().unwrap();
        let start = record_start(tmp.path(), fixture("compute-O2"), &["500000000"]);
        let engine = std::sync::Arc::new(
            tokio::task::spawn_blocking(move || EngineThread::start(start))
                .await
                .unwrap()
                .unwrap(),
        );
        let runner = engine.clone();
        let run = tokio::spawn(async move { runner.call(|s| s.cont()).await });
        // Let the run get going, then pause it.
        tokio::time::sleep(Duration::from_millis(150)).await;
        let asked = Instant::now();
        engine.pause();
        let stop = tokio::time::timeout(Duration::from_secs(10), run)
            .await
            .expect("the run ended")
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(stop.reason, StopReason::Paused);
        assert!(
            asked.elapsed() < Duration::from_millis(200),
            "paused after {:?}",
            asked.elapsed()
        );
    }

    #[test]
    fn a_missing_recording_is_a_clear_error() {
        let err = EngineThread::start(|| {
            let session = Session::open(Path::new("/no/such/trace"))?;
            let pause = session.pause_handle();
            Ok((session, pause))
        })
        .err()
        .expect("no recording there");
        assert!(err.to_string().contains("/no/such/trace"), "{err}");
    }
}
