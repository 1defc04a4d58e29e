//! [`DapClient`]: drives a DAP adapter over stdio (a spawned process) or TCP.
//!
//! Requests are written with increasing `seq`; a background task reads every
//! message, files responses by `request_seq` and buffers events (and reverse
//! requests) until a test takes them. Every wait is bounded; a timeout error
//! carries the last messages exchanged and the adapter's stderr.

use std::collections::{HashMap, VecDeque};
use std::ffi::OsStr;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::error::{error_message, ClientError};
use crate::framing;
use crate::history::History;

/// Default limit of every wait (overridable with [`DapClient::set_timeout`]).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of the adapter's stderr is kept (the tail).
const STDERR_KEEP: usize = 64 * 1024;
/// How much of the adapter's stderr goes into an error message (the tail).
const STDERR_SHOW: usize = 4 * 1024;

type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// State shared with the reader task.
#[derive(Default)]
struct State {
    responses: HashMap<i64, Value>,
    events: VecDeque<Value>,
    reverse_requests: VecDeque<Value>,
    history: History,
    /// Why the reader stopped, once it has.
    closed: Option<String>,
}

struct Shared {
    state: Mutex<State>,
    /// Bumped after every change of `state`.
    changed: watch::Sender<u64>,
    stderr: Mutex<Vec<u8>>,
}

impl Shared {
    fn new() -> Arc<Self> {
        let (changed, _) = watch::channel(0);
        Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed,
            stderr: Mutex::new(Vec::new()),
        })
    }

    /// Appends adapter output to the kept tail.
    fn keep_stderr(&self, bytes: &[u8]) {
        let mut kept = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        kept.extend_from_slice(bytes);
        if kept.len() > STDERR_KEEP {
            let cut = kept.len() - STDERR_KEEP;
            kept.drain(..cut);
        }
    }

    fn stderr_text(&self) -> String {
        let kept = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&kept).into_owned()
    }

    fn context(&self) -> String {
        let history = self.state().history.render();
        let stderr = self.stderr_text();
        let start = stderr
            .char_indices()
            .rev()
            .nth(STDERR_SHOW)
            .map_or(0, |(i, _)| i);
        let tail = &stderr[start..];
        let tail: String = if tail.trim().is_empty() {
            "  (empty)\n".to_string()
        } else {
            tail.lines().map(|l| format!("  {l}\n")).collect()
        };
        format!("last messages (--> sent, <-- received):\n{history}adapter stderr (tail):\n{tail}")
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// A DAP client connected to one adapter. Dropping it kills the adapter process.
pub struct DapClient {
    writer: Writer,
    next_seq: i64,
    shared: Arc<Shared>,
    child: Option<Child>,
    tasks: Vec<JoinHandle<()>>,
    timeout: Duration,
}

impl DapClient {
    /// Starts `bin dap ARGS...` and talks DAP over its stdin/stdout.
    pub fn spawn<I, S>(bin: impl AsRef<Path>, args: I) -> Result<Self, ClientError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(bin.as_ref());
        cmd.arg("dap").args(args);
        Self::spawn_command(cmd)
    }

    /// Starts `cmd` (arguments, environment and cwd as the caller set them) and
    /// talks DAP over its stdin/stdout; its stderr is captured.
    pub fn spawn_command(mut cmd: Command) -> Result<Self, ClientError> {
        let bin = cmd.as_std().get_program().to_string_lossy().into_owned();
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .map_err(|source| ClientError::Spawn { bin, source })?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let shared = Shared::new();
        let tasks = vec![capture(&shared, stderr)];
        Ok(Self::assemble(
            shared,
            Box::new(stdout),
            Box::new(stdin),
            tasks,
            Some(child),
        ))
    }

    /// Starts `bin dap --listen 127.0.0.1:PORT ARGS...` on a free port and
    /// connects to it over TCP (retrying until the adapter listens).
    pub async fn spawn_tcp<I, S>(bin: impl AsRef<Path>, args: I) -> Result<Self, ClientError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(bin.as_ref());
        cmd.arg("dap");
        Self::spawn_tcp_command(cmd, args).await
    }

    /// Like [`DapClient::spawn_tcp`] with a prepared command (ending in `dap`):
    /// `--listen 127.0.0.1:0` and then `args` are appended; the client connects
    /// to the address the adapter says (on stderr) it listens on. The
    /// process's stdout and stderr are both captured as its "stderr".
    pub async fn spawn_tcp_command<I, S>(mut cmd: Command, args: I) -> Result<Self, ClientError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let bin = cmd.as_std().get_program().to_string_lossy().into_owned();
        cmd.arg("--listen")
            .arg("127.0.0.1:0")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .map_err(|source| ClientError::Spawn { bin, source })?;
        let shared = Shared::new();
        let mut stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
        let stdout_task = capture(&shared, child.stdout.take().expect("piped stdout"));
        // The adapter names its address once it listens: no polling, no race
        // for a port.
        let announced = tokio::time::timeout(DEFAULT_TIMEOUT, async {
            let mut line = String::new();
            loop {
                line.clear();
                match stderr.read_line(&mut line).await {
                    Ok(0) | Err(_) => return None,
                    Ok(_) => {
                        shared.keep_stderr(line.as_bytes());
                        if let Some(addr) =
                            line.trim().strip_prefix("rewind: DAP server listening on ")
                        {
                            return Some(addr.to_string());
                        }
                    }
                }
            }
        })
        .await;
        let tasks = vec![capture(&shared, stderr), stdout_task];
        let fail = |addr: String, detail: String| {
            let context = shared.context();
            for task in &tasks {
                task.abort();
            }
            Err(ClientError::Connect {
                addr,
                detail,
                context,
            })
        };
        let addr = match announced {
            Ok(Some(addr)) => addr,
            Ok(None) => {
                let status = child.wait().await.ok();
                return fail(
                    "127.0.0.1:0".into(),
                    format!("the adapter exited ({status:?}) before listening"),
                );
            }
            Err(_) => {
                return fail(
                    "127.0.0.1:0".into(),
                    format!("the adapter did not say where it listens within {DEFAULT_TIMEOUT:?}"),
                )
            }
        };
        let stream = match tokio::net::TcpStream::connect(&addr).await {
            Ok(stream) => stream,
            Err(e) => return fail(addr, e.to_string()),
        };
        let (read, write) = stream.into_split();
        Ok(Self::assemble(
            shared,
            Box::new(read),
            Box::new(write),
            tasks,
            Some(child),
        ))
    }

    /// Connects to an adapter already listening at `addr`.
    pub async fn connect(addr: &str) -> Result<Self, ClientError> {
        let stream =
            tokio::net::TcpStream::connect(addr)
                .await
                .map_err(|e| ClientError::Connect {
                    addr: addr.to_string(),
                    detail: e.to_string(),
                    context: String::new(),
                })?;
        let (read, write) = stream.into_split();
        Ok(Self::from_parts(read, write))
    }

    /// A client over any byte streams: `reader` carries the adapter's messages.
    pub fn from_parts(
        reader: impl AsyncRead + Send + Unpin + 'static,
        writer: impl AsyncWrite + Send + Unpin + 'static,
    ) -> Self {
        Self::assemble(
            Shared::new(),
            Box::new(reader),
            Box::new(writer),
            Vec::new(),
            None,
        )
    }

    fn assemble(
        shared: Arc<Shared>,
        reader: Reader,
        writer: Writer,
        mut tasks: Vec<JoinHandle<()>>,
        child: Option<Child>,
    ) -> Self {
        tasks.push(spawn_reader(reader, &shared));
        Self {
            writer,
            next_seq: 1,
            shared,
            child,
            tasks,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The limit of every wait that does not name its own.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The limit of every wait that does not name its own ([`DEFAULT_TIMEOUT`]
    /// unless [`DapClient::set_timeout`] changed it).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Everything the adapter wrote to stderr so far (the last 64 KiB).
    pub fn stderr(&self) -> String {
        self.shared.stderr_text()
    }

    /// The last messages exchanged and the tail of the adapter's stderr, for
    /// error messages.
    pub fn context(&self) -> String {
        self.shared.context()
    }

    /// Whether the adapter process has exited (`None` without a process, or
    /// while it runs).
    pub fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    /// Writes `bytes` verbatim (for malformed-input tests).
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        self.shared
            .state()
            .history
            .sent(&format!("raw {:?}", String::from_utf8_lossy(bytes)));
        self.write(bytes).await
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        let result = async {
            self.writer.write_all(bytes).await?;
            self.writer.flush().await
        }
        .await;
        result.map_err(|source| ClientError::Write {
            source,
            context: self.context(),
        })
    }

    /// Sends a request without waiting for its response; returns its `seq`.
    /// `arguments: None` omits the field.
    pub async fn send_request(
        &mut self,
        command: &str,
        arguments: Option<Value>,
    ) -> Result<i64, ClientError> {
        let seq = self.next_seq;
        self.next_seq += 1;
        let mut message = json!({"seq": seq, "type": "request", "command": command});
        if let Some(arguments) = arguments {
            message["arguments"] = arguments;
        }
        self.shared.state().history.sent(&message.to_string());
        self.write(&framing::encode(&message)).await?;
        Ok(seq)
    }

    /// Waits for the response to request `seq`, which must echo `command`
    /// (pass `None` to accept any command).
    pub async fn wait_response(
        &self,
        seq: i64,
        command: Option<&str>,
        timeout: Duration,
    ) -> Result<Value, ClientError> {
        let what = format!(
            "the response to request {seq}{}",
            command.map(|c| format!(" ({c})")).unwrap_or_default()
        );
        let response = self
            .wait_until(&what, timeout, |st| st.responses.remove(&seq))
            .await?;
        if let Some(command) = command {
            if response.get("command").and_then(Value::as_str) != Some(command) {
                return Err(ClientError::Protocol {
                    detail: format!(
                        "the response to request {seq} does not echo command {command:?}: {response}"
                    ),
                    context: self.context(),
                });
            }
        }
        if !response.get("success").is_some_and(Value::is_boolean) {
            return Err(ClientError::Protocol {
                detail: format!("response without a boolean `success`: {response}"),
                context: self.context(),
            });
        }
        Ok(response)
    }

    /// Sends a request and returns the whole response (successful or not).
    /// `arguments: Value::Null` omits the field; use [`DapClient::send_request`]
    /// to send an explicit `null`.
    pub async fn request(&mut self, command: &str, arguments: Value) -> Result<Value, ClientError> {
        let timeout = self.timeout;
        self.request_within(command, arguments, timeout).await
    }

    /// [`DapClient::request`] with its own time limit.
    pub async fn request_within(
        &mut self,
        command: &str,
        arguments: Value,
        timeout: Duration,
    ) -> Result<Value, ClientError> {
        let arguments = (!arguments.is_null()).then_some(arguments);
        let seq = self.send_request(command, arguments).await?;
        self.wait_response(seq, Some(command), timeout).await
    }

    /// Sends a request; fails with the adapter's message unless it succeeds.
    /// Returns the response `body` (`Null` when there is none).
    pub async fn request_ok(
        &mut self,
        command: &str,
        arguments: Value,
    ) -> Result<Value, ClientError> {
        let response = self.request(command, arguments).await?;
        self.body_of(command, response)
    }

    /// The body of a successful `response`, or a [`ClientError::RequestFailed`].
    pub fn body_of(&self, command: &str, mut response: Value) -> Result<Value, ClientError> {
        if response["success"] == Value::Bool(true) {
            return Ok(response
                .get_mut("body")
                .map(Value::take)
                .unwrap_or(Value::Null));
        }
        Err(ClientError::RequestFailed {
            command: command.to_string(),
            message: error_message(&response),
            response: Box::new(response),
            context: self.context(),
        })
    }

    /// Waits for the next buffered event called `name` and takes it out of the
    /// buffer (other events stay).
    pub async fn wait_for_event(
        &self,
        name: &str,
        timeout: Duration,
    ) -> Result<Value, ClientError> {
        self.wait_for_event_where(name, timeout, |_| true).await
    }

    /// Waits for the first buffered event called `name` for which `accept` holds,
    /// and takes it out of the buffer; the events it passes over stay buffered.
    pub async fn wait_for_event_where(
        &self,
        name: &str,
        timeout: Duration,
        mut accept: impl FnMut(&Value) -> bool,
    ) -> Result<Value, ClientError> {
        let what = format!("a matching `{name}` event");
        self.wait_until(&what, timeout, |st| {
            let i = st
                .events
                .iter()
                .position(|e| e["event"] == name && accept(e))?;
            st.events.remove(i)
        })
        .await
    }

    /// Waits for the next `stopped` event.
    pub async fn wait_for_stopped(&self, timeout: Duration) -> Result<Value, ClientError> {
        self.wait_for_event("stopped", timeout).await
    }

    /// The events received and not taken yet, oldest first.
    pub fn buffered_events(&self) -> Vec<Value> {
        self.shared.state().events.iter().cloned().collect()
    }

    /// Drops every buffered event.
    pub fn clear_events(&self) {
        self.shared.state().events.clear();
    }

    /// Takes the requests the adapter sent to the client (e.g. `runInTerminal`).
    pub fn take_reverse_requests(&self) -> Vec<Value> {
        self.shared.state().reverse_requests.drain(..).collect()
    }

    /// Waits until the adapter closes its output stream; returns why it closed.
    pub async fn wait_closed(&self, timeout: Duration) -> Result<String, ClientError> {
        self.wait_until("the adapter to close the connection", timeout, |st| {
            st.closed.clone()
        })
        .await
    }

    /// Polls `take` on every change of the shared state until it yields, the
    /// stream closes, or `timeout` passes.
    async fn wait_until<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut take: impl FnMut(&mut State) -> Option<T>,
    ) -> Result<T, ClientError> {
        let deadline = Instant::now() + timeout;
        let mut changes = self.shared.changed.subscribe();
        loop {
            {
                let mut st = self.shared.state();
                if let Some(found) = take(&mut st) {
                    return Ok(found);
                }
                if let Some(reason) = st.closed.clone() {
                    drop(st);
                    return Err(ClientError::Closed {
                        what: what.to_string(),
                        reason,
                        context: self.context(),
                    });
                }
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(_) => {}
                Err(_) => {
                    return Err(ClientError::Timeout {
                        what: what.to_string(),
                        after: timeout,
                        context: self.context(),
                    })
                }
            }
        }
    }
}

impl Drop for DapClient {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        for task in &self.tasks {
            task.abort();
        }
    }
}

type Reader = Box<dyn AsyncRead + Send + Unpin>;

fn spawn_reader(reader: Reader, shared: &Arc<Shared>) -> JoinHandle<()> {
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        let mut reader = BufReader::new(reader);
        loop {
            let message = framing::read_message(&mut reader).await;
            let mut st = shared.state();
            match message {
                Ok(Some(message)) => {
                    st.history.received(&message.to_string());
                    match message.get("type").and_then(Value::as_str) {
                        Some("response") => {
                            let seq = message
                                .get("request_seq")
                                .and_then(Value::as_i64)
                                .unwrap_or(-1);
                            st.responses.insert(seq, message);
                        }
                        Some("event") => st.events.push_back(message),
                        Some("request") => st.reverse_requests.push_back(message),
                        _ => st.history.note("message above has no known `type`"),
                    }
                }
                Ok(None) => {
                    st.history.note("end of the adapter's output");
                    st.closed = Some("end of stream".to_string());
                }
                Err(e) => {
                    let why = format!("unreadable message from the adapter: {e}");
                    st.history.note(&why);
                    st.closed = Some(why);
                }
            }
            let done = st.closed.is_some();
            drop(st);
            shared.bump();
            if done {
                break;
            }
        }
    })
}

/// Copies `stream` into the stderr buffer of `shared`, keeping the tail.
fn capture(
    shared: &Arc<Shared>,
    stream: impl AsyncRead + Send + Unpin + 'static,
) -> JoinHandle<()> {
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        let mut stream = stream;
        let mut buf = [0u8; 4096];
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
            shared.keep_stderr(&buf[..n]);
        }
    })
}
