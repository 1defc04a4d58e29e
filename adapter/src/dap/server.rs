//! The DAP message loop: decode requests, dispatch them to a [`Handler`],
//! write responses and events.
//!
//! One reader loop and one writer loop run concurrently inside [`serve`] (no
//! spawned tasks, so any runtime flavour works and nothing needs `'static`).
//! Responses and events share one channel, so they reach the client in the
//! order they were produced, and the writer numbers them (`seq`) as it writes.
//!
//! Requests are handled one at a time. A handler must answer promptly: long
//! operations (`continue`, `reverseContinue`) are answered at once and report
//! completion later through an event (`stopped`), so `pause` and `disconnect`
//! are read while the engine runs.
//!
//! Per-message problems never end the session; only I/O failure, end of
//! input, or a `disconnect` request do.

use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;

use futures_util::{FutureExt, SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::{FramedRead, FramedWrite};
use tracing::{debug, error, warn};

use super::codec::{CodecError, DapCodec};
use super::envelope::{DapError, Event, Outgoing, Request, Response, SeqCounter};

/// Outgoing messages buffered before senders wait for the writer.
const OUTBOX_CAPACITY: usize = 256;

/// Carries out requests. Implementors write `async fn handle(...)`.
pub trait Handler {
    /// Carry out `request` and return the response body (`Value::Null` for
    /// none), or a [`DapError`] whose text is shown to the user. Events may be
    /// sent through `out` before returning; they precede the response.
    fn handle(
        &mut self,
        request: Request,
        out: &Outbox,
    ) -> impl Future<Output = Result<Value, DapError>> + Send;

    /// Called once the response to the last request is queued: work that
    /// must come after it (a movement whose `stopped` event follows).
    fn after_response(&mut self) {}
}

/// The connection is gone: nothing more can be sent.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("the DAP connection is closed")]
    Closed,
}

/// Sends events to the client. Cheap to clone; usable from other tasks.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Outgoing>,
}

impl Outbox {
    /// Queue an event (`body` `Null` for none). Waits while the writer is
    /// behind by more than a few hundred messages.
    pub async fn event(&self, event: impl Into<String>, body: Value) -> Result<(), OutboxError> {
        self.send(Outgoing::Event(Event::new(event, body))).await
    }

    #[cfg(test)]
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    async fn send(&self, message: Outgoing) -> Result<(), OutboxError> {
        self.tx.send(message).await.map_err(|_| OutboxError::Closed)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("reading from the DAP client failed: {0}")]
    Read(#[source] CodecError),
    #[error("writing to the DAP client failed: {0}")]
    Write(#[source] CodecError),
}

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error(
        "refusing to serve DAP on non-loopback address {0}: anyone who can reach it \
         could control the debuggee; pass --allow-remote to allow it"
    )]
    NonLoopback(SocketAddr),
    #[error("cannot listen for DAP clients on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Serve one DAP session over `reader`/`writer` until the client disconnects
/// (end of input, or a `disconnect` request once answered). Everything queued
/// is written and the writer shut down before this returns.
pub async fn serve<R, W, H>(reader: R, writer: W, handler: &mut H) -> Result<(), ServerError>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
    H: Handler,
{
    let (tx, rx) = mpsc::channel(OUTBOX_CAPACITY);
    let outbox = Outbox { tx };
    let (stop_tx, stop_rx) = oneshot::channel();
    let reading = async {
        let result = read_loop(reader, handler, &outbox).await;
        // The writer drains what is queued, then stops.
        let _ = stop_tx.send(());
        result
    };
    let (read_result, write_result) = tokio::join!(reading, write_loop(writer, rx, stop_rx));
    read_result.and(write_result)
}

/// Serve one session over the process's stdin/stdout.
///
/// tokio reads stdin with a blocking read on a helper thread that cannot be
/// cancelled: after this returns, leave the runtime with
/// `Runtime::shutdown_background` (or `shutdown_timeout`), or dropping it can
/// wait until the client closes stdin.
pub async fn serve_stdio<H: Handler>(handler: &mut H) -> Result<(), ServerError> {
    serve(tokio::io::stdin(), tokio::io::stdout(), handler).await
}

/// Serve one session over an accepted TCP connection.
pub async fn serve_tcp<H: Handler>(stream: TcpStream, handler: &mut H) -> Result<(), ServerError> {
    let (reader, writer) = stream.into_split();
    serve(reader, writer, handler).await
}

/// Answers a client that connected while another one is being served: every
/// request gets an error response saying why (a `disconnect` ends it), so
/// the client is told at once instead of waiting for answers that never come.
pub async fn refuse_tcp(stream: TcpStream) -> Result<(), ServerError> {
    struct Busy;
    impl Handler for Busy {
        async fn handle(&mut self, request: Request, _out: &Outbox) -> Result<Value, DapError> {
            if request.command == "disconnect" {
                return Ok(Value::Null);
            }
            Err(DapError::Failed(
                "this `rewind dap --listen` already serves another client (one client per server): \
                 start another `rewind dap --listen` on another port"
                    .into(),
            ))
        }
    }
    serve_tcp(stream, &mut Busy).await
}

/// Bind a TCP listener for DAP clients. Non-loopback addresses (including
/// `0.0.0.0` and `::`) are refused unless `allow_remote` is true: the protocol
/// has no authentication and lets the client run and inspect programs.
pub async fn listen(addr: SocketAddr, allow_remote: bool) -> Result<TcpListener, ListenError> {
    check_listen_address(addr, allow_remote)?;
    TcpListener::bind(addr)
        .await
        .map_err(|source| ListenError::Bind { addr, source })
}

fn check_listen_address(addr: SocketAddr, allow_remote: bool) -> Result<(), ListenError> {
    // `to_canonical` turns `::ffff:127.0.0.1` into `127.0.0.1`.
    if allow_remote || addr.ip().to_canonical().is_loopback() {
        Ok(())
    } else {
        Err(ListenError::NonLoopback(addr))
    }
}

async fn read_loop<R, H>(reader: R, handler: &mut H, outbox: &Outbox) -> Result<(), ServerError>
where
    R: AsyncRead + Unpin,
    H: Handler,
{
    let mut frames = FramedRead::new(reader, DapCodec::new());
    loop {
        let next = tokio::select! {
            next = frames.next() => next,
            () = outbox.tx.closed() => {
                debug!("DAP writer stopped; no longer reading requests");
                return Ok(());
            }
        };
        let value = match next {
            None => {
                debug!("DAP client closed its stream");
                return Ok(());
            }
            Some(Err(CodecError::Io(error))) if client_gone(&error) => {
                debug!(%error, "DAP client went away");
                return Ok(());
            }
            Some(Err(error)) => return Err(ServerError::Read(error)),
            Some(Ok(Err(frame_error))) => {
                warn!(error = %frame_error, "skipping a malformed DAP message");
                if let Some(seq) = frame_error.recovered_seq() {
                    let command = frame_error.recovered_command().unwrap_or_default();
                    let error = DapError::MalformedRequest(frame_error.to_string());
                    if respond(outbox, Response::error(seq, command, &error))
                        .await
                        .is_err()
                    {
                        return Ok(());
                    }
                }
                continue;
            }
            Some(Ok(Ok(value))) => value,
        };
        let request = match Request::from_value(value) {
            Ok(request) => request,
            Err(malformed) => {
                warn!(seq = ?malformed.seq, command = ?malformed.command, error = %malformed,
                      "ignoring an invalid DAP message");
                if let (true, Some(seq)) = (malformed.wants_response(), malformed.seq) {
                    let command = malformed.command.clone().unwrap_or_default();
                    let error = DapError::MalformedRequest(malformed.to_string());
                    if respond(outbox, Response::error(seq, command, &error))
                        .await
                        .is_err()
                    {
                        return Ok(());
                    }
                }
                continue;
            }
        };
        let (seq, command) = (request.seq, request.command.clone());
        debug!(seq, command, "DAP request");
        let outcome = AssertUnwindSafe(handler.handle(request, outbox))
            .catch_unwind()
            .await;
        let response = match outcome {
            Ok(Ok(body)) => Response::success(seq, command.clone(), body),
            Ok(Err(error)) => {
                debug!(seq, command, %error, "DAP request failed");
                Response::error(seq, command.clone(), &error)
            }
            Err(_) => {
                error!(seq, command, "DAP request handler panicked");
                Response::error(seq, command.clone(), &DapError::Internal(command.clone()))
            }
        };
        if respond(outbox, response).await.is_err() {
            return Ok(());
        }
        handler.after_response();
        if command == "disconnect" {
            debug!("DAP client disconnected");
            return Ok(());
        }
    }
}

async fn respond(outbox: &Outbox, response: Response) -> Result<(), OutboxError> {
    let result = outbox.send(Outgoing::Response(response)).await;
    if result.is_err() {
        debug!("DAP writer stopped; response dropped");
    }
    result
}

async fn write_loop<W>(
    writer: W,
    mut rx: mpsc::Receiver<Outgoing>,
    mut stop: oneshot::Receiver<()>,
) -> Result<(), ServerError>
where
    W: AsyncWrite + Unpin,
{
    let mut sink = FramedWrite::new(writer, DapCodec::new());
    let mut seq = SeqCounter::new();
    let mut stopping = false;
    loop {
        let next = if stopping {
            rx.recv().await
        } else {
            tokio::select! {
                biased;
                next = rx.recv() => next,
                _ = &mut stop => {
                    // Refuse new messages, but write those already queued.
                    rx.close();
                    stopping = true;
                    continue;
                }
            }
        };
        let Some(message) = next else { break };
        let number = seq.next_seq();
        match sink.send(message.to_json(number)).await {
            Ok(()) => {}
            Err(CodecError::Io(error)) if client_gone(&error) => {
                debug!(%error, "DAP client went away; dropping unsent messages");
                return Ok(());
            }
            Err(CodecError::Io(error)) => return Err(ServerError::Write(CodecError::Io(error))),
            Err(error) => {
                // This one message cannot be encoded; the stream is intact.
                error!(%error, "cannot send a DAP message");
                if let Outgoing::Response(response) = message {
                    let failure = DapError::Failed(format!("cannot send the response: {error}"));
                    let fallback =
                        Response::error(response.request_seq, response.command, &failure);
                    // Nothing was written, so the fallback reuses the number.
                    sink.send(Outgoing::Response(fallback).to_json(number))
                        .await
                        .map_err(ServerError::Write)?;
                }
            }
        }
    }
    match sink.flush().await {
        Err(CodecError::Io(error)) if client_gone(&error) => return Ok(()),
        result => result.map_err(ServerError::Write)?,
    }
    if let Err(error) = sink.get_mut().shutdown().await {
        debug!(%error, "shutting down the DAP output failed");
    }
    Ok(())
}

/// Write errors that mean the client closed its end: the session is over,
/// not failed (the reader sees end of input too).
fn client_gone(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, NotConnected};
    matches!(
        error.kind(),
        BrokenPipe | ConnectionReset | ConnectionAborted | NotConnected
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use serde_json::json;
    use tokio::io::{DuplexStream, ReadHalf, WriteHalf};

    const TIMEOUT: Duration = Duration::from_secs(10);

    /// A handler exercising every path: echo, events, argument errors, panics.
    #[derive(Default)]
    struct TestHandler {
        seen: Vec<String>,
        /// An Outbox clone kept for the whole session, as an engine-event
        /// forwarder would keep one.
        kept: Option<Outbox>,
        /// Where "subscribe" publishes an Outbox clone for the test to use.
        shared: Arc<Mutex<Option<Outbox>>>,
    }

    #[derive(serde::Deserialize)]
    struct EchoArguments {
        text: Option<String>,
        count: Option<u32>,
    }

    impl Handler for TestHandler {
        async fn handle(&mut self, request: Request, out: &Outbox) -> Result<Value, DapError> {
            self.seen.push(request.command.clone());
            match request.command.as_str() {
                "initialize" => {
                    out.event("initialized", Value::Null).await.ok();
                    Ok(super::super::capabilities::capabilities())
                }
                "echo" => {
                    let args: EchoArguments = request.parse_arguments()?;
                    Ok(json!({"text": args.text, "count": args.count, "raw": request.arguments}))
                }
                "emit" => {
                    out.event("output", json!({"output": "one\n"})).await.ok();
                    out.event("output", json!({"output": "two\n"})).await.ok();
                    Ok(json!({"emitted": 2}))
                }
                "setVariable" => Err(DapError::NotSupported(
                    "a recording cannot be changed".to_owned(),
                )),
                "explode" => panic!("test handler panics on purpose"),
                "subscribe" => {
                    self.kept = Some(out.clone());
                    *self.shared.lock().unwrap() = Some(out.clone());
                    Ok(Value::Null)
                }
                "disconnect" => Ok(Value::Null),
                _ => Err(request.unknown()),
            }
        }
    }

    struct Client {
        reader: FramedRead<ReadHalf<DuplexStream>, DapCodec>,
        writer: WriteHalf<DuplexStream>,
    }

    impl Client {
        async fn send_raw(&mut self, bytes: &[u8]) {
            self.writer.write_all(bytes).await.expect("client write");
        }

        async fn send(&mut self, message: Value) {
            let body = message.to_string();
            let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
            self.send_raw(framed.as_bytes()).await;
        }

        async fn request(&mut self, seq: i64, command: &str, arguments: Option<Value>) {
            let mut message = json!({"seq": seq, "type": "request", "command": command});
            if let Some(arguments) = arguments {
                message["arguments"] = arguments;
            }
            self.send(message).await;
        }

        async fn recv(&mut self) -> Value {
            match self.reader.next().await {
                Some(Ok(Ok(value))) => value,
                other => panic!("expected a message, got {other:?}"),
            }
        }

        async fn expect_closed(&mut self) {
            assert!(self.reader.next().await.is_none(), "expected end of stream");
        }
    }

    /// Run `script` as the client of a server running `handler`; bounded in time.
    async fn session<F, Fut>(handler: &mut TestHandler, script: F) -> Result<(), ServerError>
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = ()>,
    {
        let (client_end, server_end) = tokio::io::duplex(4096);
        let (server_read, server_write) = tokio::io::split(server_end);
        let (client_read, client_write) = tokio::io::split(client_end);
        let client = Client {
            reader: FramedRead::new(client_read, DapCodec::new()),
            writer: client_write,
        };
        let both =
            async { tokio::join!(serve(server_read, server_write, handler), script(client)) };
        let (result, ()) = tokio::time::timeout(TIMEOUT, both)
            .await
            .expect("session timed out");
        result
    }

    fn assert_response(message: &Value, request_seq: i64, command: &str, success: bool) {
        assert_eq!(message["type"], "response", "{message}");
        assert_eq!(message["request_seq"], request_seq, "{message}");
        assert_eq!(message["command"], command, "{message}");
        assert_eq!(message["success"], success, "{message}");
    }

    #[tokio::test]
    async fn responses_echo_command_and_request_seq() {
        let mut handler = TestHandler::default();
        session(&mut handler, |mut c| async move {
            c.request(1, "initialize", Some(json!({"adapterID": "rewind"})))
                .await;
            let initialized = c.recv().await;
            assert_eq!(initialized["event"], "initialized");
            let response = c.recv().await;
            assert_response(&response, 1, "initialize", true);
            assert_eq!(response["body"]["supportsStepBack"], true);
            c.request(2, "setVariable", Some(json!({}))).await;
            let refused = c.recv().await;
            assert_response(&refused, 2, "setVariable", false);
            assert_eq!(refused["message"], "a recording cannot be changed");
            assert_eq!(
                refused["body"]["error"]["format"],
                "a recording cannot be changed"
            );
            assert!(refused["body"]["error"]["id"].is_u64());
        })
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn arguments_missing_null_or_empty_are_accepted() {
        let mut handler = TestHandler::default();
        session(&mut handler, |mut c| async move {
            c.request(1, "echo", None).await;
            c.request(2, "echo", Some(Value::Null)).await;
            c.request(3, "echo", Some(json!({}))).await;
            c.request(4, "echo", Some(json!({"text": "hi", "count": 2})))
                .await;
            for seq in 1..=3 {
                let response = c.recv().await;
                assert_response(&response, seq, "echo", true);
                assert_eq!(
                    response["body"],
                    json!({"text": null, "count": null, "raw": {}})
                );
            }
            let response = c.recv().await;
            assert_response(&response, 4, "echo", true);
            assert_eq!(response["body"]["text"], "hi");
        })
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn unknown_command_gets_an_error_response() {
        let mut handler = TestHandler::default();
        session(&mut handler, |mut c| async move {
            c.request(5, "frobnicate", None).await;
            let response = c.recv().await;
            assert_response(&response, 5, "frobnicate", false);
            assert_eq!(response["message"], "unknown request 'frobnicate'");
            c.request(6, "echo", None).await;
            assert_response(&c.recv().await, 6, "echo", true);
        })
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn wrong_argument_type_names_the_field() {
        let mut handler = TestHandler::default();
        session(&mut handler, |mut c| async move {
            c.request(7, "echo", Some(json!({"count": "many"}))).await;
            let response = c.recv().await;
            assert_response(&response, 7, "echo", false);
            let message = response["message"].as_str().unwrap();
            assert!(
                message.starts_with("invalid argument 'count': "),
                "{message}"
            );
        })
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn malformed_messages_do_not_end_the_session() {
        let mut handler = TestHandler::default();
        session(&mut handler, |mut c| async move {
            // Invalid JSON with a recoverable seq: answered.
            let broken = r#"{"seq": 1, "command": "next", "argumen"#;
            c.send_raw(format!("Content-Length: {}\r\n\r\n{broken}", broken.len()).as_bytes())
                .await;
            let response = c.recv().await;
            assert_response(&response, 1, "next", false);
            assert!(response["message"].as_str().unwrap().starts_with("malformed request"));
            // Valid JSON without a command: answered, command echoed as "".
            c.send(json!({"seq": 2, "type": "request"})).await;
            assert_response(&c.recv().await, 2, "", false);
            // No seq, not an object, a client response, a broken header: logged only.
            c.send(json!({"type": "request", "command": "echo"})).await;
            c.send(json!([1, 2, 3])).await;
            c.send(json!({"seq": 3, "type": "response", "request_seq": 1, "command": "runInTerminal", "success": true}))
                .await;
            c.send_raw(b"Content-Length: nope\r\n\r\n{}").await;
            // A panicking handler: answered with an internal error.
            c.request(4, "explode", None).await;
            let response = c.recv().await;
            assert_response(&response, 4, "explode", false);
            assert_eq!(response["message"], "internal error while handling 'explode'");
            // The session still answers.
            c.request(5, "echo", Some(json!({"text": "still here"}))).await;
            let response = c.recv().await;
            assert_response(&response, 5, "echo", true);
            assert_eq!(response["body"]["text"], "still here");
        })
        .await
        .unwrap();
        assert_eq!(handler.seen, ["explode", "echo"]);
    }

    #[tokio::test]
    async fn events_interleave_in_order_with_increasing_seq() {
        let mut handler = TestHandler::default();
        session(&mut handler, |mut c| async move {
            c.request(1, "emit", None).await;
            c.request(2, "echo", None).await;
            c.request(3, "emit", None).await;
            let mut got = Vec::new();
            for _ in 0..7 {
                got.push(c.recv().await);
            }
            let kinds: Vec<String> = got
                .iter()
                .map(|m| match m["type"].as_str().unwrap() {
                    "event" => format!("event:{}", m["body"]["output"].as_str().unwrap().trim()),
                    _ => format!("response:{}", m["request_seq"]),
                })
                .collect();
            assert_eq!(
                kinds,
                [
                    "event:one",
                    "event:two",
                    "response:1",
                    "response:2",
                    "event:one",
                    "event:two",
                    "response:3"
                ]
            );
            let seqs: Vec<i64> = got.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
            assert_eq!(seqs, (1..=7).collect::<Vec<_>>());
        })
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn end_of_input_ends_the_loop_cleanly() {
        let mut handler = TestHandler::default();
        session(&mut handler, |mut c| async move {
            c.request(1, "echo", None).await;
            assert_response(&c.recv().await, 1, "echo", true);
            c.writer.shutdown().await.unwrap();
            c.expect_closed().await;
        })
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn disconnect_request_is_answered_then_ends_the_loop() {
        let mut handler = TestHandler::default();
        session(&mut handler, |mut c| async move {
            c.request(1, "disconnect", None).await;
            let response = c.recv().await;
            assert_response(&response, 1, "disconnect", true);
            // The server shuts its output down after the last response.
            c.expect_closed().await;
        })
        .await
        .unwrap();
        assert_eq!(handler.seen, ["disconnect"]);
    }

    #[tokio::test]
    async fn events_from_outside_the_handler_and_shutdown_with_live_outbox() {
        let mut handler = TestHandler::default();
        let shared = handler.shared.clone();
        session(&mut handler, |mut c| async move {
            c.request(1, "subscribe", None).await;
            assert_response(&c.recv().await, 1, "subscribe", true);
            let outbox = shared.lock().unwrap().take().unwrap();
            // An event sent by another task between requests.
            outbox
                .event("stopped", json!({"reason": "breakpoint", "threadId": 1}))
                .await
                .unwrap();
            let stopped = c.recv().await;
            assert_eq!(stopped["type"], "event");
            assert_eq!(stopped["event"], "stopped");
            assert_eq!(stopped["seq"], 2);
            c.request(2, "echo", None).await;
            assert_response(&c.recv().await, 2, "echo", true);
            // Close the input: the session ends although Outbox clones live on.
            drop(c);
            // An event racing the close: dropped, or refused, never an error for serve.
            let _ = outbox.event("late", Value::Null).await;
        })
        .await
        .unwrap();
        let kept = handler.kept.take().unwrap();
        assert!(kept.is_closed());
        assert!(matches!(
            kept.event("late", Value::Null).await,
            Err(OutboxError::Closed)
        ));
    }

    #[test]
    fn listen_address_policy() {
        let allowed =
            |addr: &str, remote| check_listen_address(addr.parse().unwrap(), remote).is_ok();
        assert!(allowed("127.0.0.1:4711", false));
        assert!(allowed("127.1.2.3:4711", false));
        assert!(allowed("[::1]:4711", false));
        assert!(allowed("[::ffff:127.0.0.1]:4711", false));
        assert!(!allowed("0.0.0.0:4711", false));
        assert!(!allowed("[::]:4711", false));
        assert!(!allowed("10.0.0.1:4711", false));
        assert!(!allowed("[::ffff:10.0.0.1]:4711", false));
        assert!(allowed("0.0.0.0:4711", true));
        assert!(allowed("[2001:db8::1]:4711", true));
    }

    #[tokio::test]
    async fn listen_refuses_non_loopback_without_allow_remote() {
        let any: SocketAddr = "0.0.0.0:0".parse().unwrap();
        assert!(matches!(
            listen(any, false).await,
            Err(ListenError::NonLoopback(_))
        ));
        let any6: SocketAddr = "[::]:0".parse().unwrap();
        assert!(matches!(
            listen(any6, false).await,
            Err(ListenError::NonLoopback(_))
        ));
        let lan: SocketAddr = "192.168.1.10:0".parse().unwrap();
        assert!(matches!(
            listen(lan, false).await,
            Err(ListenError::NonLoopback(_))
        ));
    }

    #[tokio::test]
    async fn listen_accepts_loopback_and_serves_tcp() {
        let listener = listen("127.0.0.1:0".parse().unwrap(), false).await.unwrap();
        let addr = listener.local_addr().unwrap();
        assert!(addr.ip().is_loopback());
        let test = async {
            let client = async {
                let stream = TcpStream::connect(addr).await.unwrap();
                let (read, mut write) = stream.into_split();
                let body =
                    json!({"seq": 1, "type": "request", "command": "disconnect"}).to_string();
                let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
                write.write_all(framed.as_bytes()).await.unwrap();
                let mut frames = FramedRead::new(read, DapCodec::new());
                let response = frames.next().await.unwrap().unwrap().unwrap();
                assert_response(&response, 1, "disconnect", true);
            };
            let server = async {
                let (stream, _) = listener.accept().await.unwrap();
                let mut handler = TestHandler::default();
                serve_tcp(stream, &mut handler).await.unwrap();
            };
            tokio::join!(client, server);
        };
        tokio::time::timeout(TIMEOUT, test)
            .await
            .expect("timed out");
    }

    #[tokio::test]
    async fn listen_allows_remote_when_asked() {
        let listener = tokio::time::timeout(TIMEOUT, listen("0.0.0.0:0".parse().unwrap(), true))
            .await
            .expect("timed out")
            .unwrap();
        assert!(listener.local_addr().unwrap().ip().is_unspecified());
    }
}
