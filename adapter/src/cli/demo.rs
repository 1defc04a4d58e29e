//! `rewind demo`: records a bundled program, then debugs the recording
//! forwards and backwards through the real DAP server (in process, over a
//! pipe, exactly the messages an editor sends) — breakpoint, steps, steps
//! back, a reverse-continue to the last write of a variable — printing each
//! stop.

use anyhow::{anyhow, bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Duration;
use tokio::io::{DuplexStream, ReadHalf, WriteHalf};
use tokio_util::codec::{FramedRead, FramedWrite};

use crate::dap::codec::DapCodec;
use crate::dap::connection::Connection;
use crate::dap::server;

/// The bundled program: the `loop` fixture the tests debug.
const DEMO_SOURCE: &str = include_str!("../../../fixtures/src/loop.c");
/// Longest wait for any one answer from the server.
const TIMEOUT: Duration = Duration::from_secs(60);

pub fn run() -> Result<ExitCode> {
    let work = std::env::temp_dir().join(format!("rewind-demo-{}", std::process::id()));
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let result = demo_in(&work);
    let _ = std::fs::remove_dir_all(&work);
    result
}

/// The line of the bundled source that carries `/* LINE:marker */`.
fn marker_line(marker: &str) -> Result<u32> {
    DEMO_SOURCE
        .lines()
        .position(|l| l.contains(&format!("LINE:{marker}")))
        .map(|i| i as u32 + 1)
        .with_context(|| format!("the bundled program has no LINE:{marker} marker"))
}

fn demo_in(work: &Path) -> Result<ExitCode> {
    let source = work.join("loop.c");
    let exe = work.join("loop");
    std::fs::write(&source, DEMO_SOURCE)?;
    let cc = Command::new("cc")
        .args(["-g", "-O0", "-o"])
        .arg(&exe)
        .arg(&source)
        .status()
        .context(
            "rewind demo compiles its bundled C program and needs a C compiler (`cc`) on PATH",
        )?;
    if !cc.success() {
        bail!("compiling the bundled demo program failed ({cc})");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (client_end, server_end) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_end);
        let mut handler = Connection::default();
        let serving = server::serve(server_read, server_write, &mut handler);
        let demo = async {
            let mut client = Client::new(client_end);
            let result = session(&mut client, work, &source, &exe).await;
            // Ends the server whatever happened.
            let _ = client.request("disconnect", json!({})).await;
            result
        };
        let (served, shown) = tokio::join!(serving, demo);
        served.context("the DAP server failed")?;
        shown
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn session(client: &mut Client, work: &Path, source: &Path, exe: &Path) -> Result<()> {
    client
        .request("initialize", json!({"adapterID": "rewind-demo"}))
        .await?;
    println!("== 1. Recording the bundled program (loop.c: a loop calling step(i), which adds 2*i to `total`)\n");
    client
        .request(
            "launch",
            json!({"program": exe, "cwd": work, "traceDir": work.join("trace")}),
        )
        .await?;
    client.wait_event("initialized").await?;
    println!("\n== 2. Debugging the recording over DAP, forwards and backwards\n");
    let line = marker_line("step_total")?;
    let set = client
        .request(
            "setBreakpoints",
            json!({"source": {"path": source}, "breakpoints": [{"line": line}]}),
        )
        .await?;
    let at = set["body"]["breakpoints"][0]["line"].as_u64().unwrap_or(0);
    println!("   breakpoint at loop.c:{at} (`total += doubled;`)");
    client.request("configurationDone", json!({})).await?;
    client.show("continue", &["x", "total"]).await?;
    for _ in 0..2 {
        client.step("continue", "continue", &["x", "total"]).await?;
    }
    for _ in 0..2 {
        client.step("next", "next line", &["total"]).await?;
    }
    for _ in 0..2 {
        client.step("stepBack", "step back", &["total"]).await?;
    }
    client
        .step("reverseContinue", "reverse-continue", &["x", "total"])
        .await?;

    // When did `total` last change? Watch it, go to the end, run backwards.
    let info = client
        .request("dataBreakpointInfo", json!({"name": "total"}))
        .await?;
    let data_id = info["body"]["dataId"].clone();
    if data_id.is_null() {
        bail!("cannot watch `total`: {}", info["body"]["description"]);
    }
    client
        .request(
            "setDataBreakpoints",
            json!({"breakpoints": [{"dataId": data_id, "accessType": "write"}]}),
        )
        .await?;
    println!(
        "   watching the global `total` ({}), line breakpoint removed",
        info["body"]["description"]
            .as_str()
            .unwrap_or("a data breakpoint")
    );
    client
        .request(
            "setBreakpoints",
            json!({"source": {"path": source}, "breakpoints": []}),
        )
        .await?;
    let timeline = client.request("timeline", json!({})).await?;
    let end = timeline["body"]["eventCount"].as_u64().unwrap_or(0);
    client
        .request(
            "evaluate",
            json!({"expression": format!("goto-event {end}"), "context": "repl"}),
        )
        .await?;
    let stop = client.wait_event("stopped").await?;
    println!(
        "   ⏩ {:<18} → {}",
        "go to end",
        stop["body"]["text"].as_str().unwrap_or("the end")
    );
    client
        .step("reverseContinue", "reverse-continue", &["x", "total"])
        .await?;
    client
        .request(
            "next",
            json!({"threadId": client.thread, "granularity": "instruction"}),
        )
        .await?;
    client.show("step (the write)", &["total"]).await?;
    println!(
        "\n   Every stop above is an exact point of the recorded run: going back re-runs it from"
    );
    println!(
        "   a fork()ed checkpoint. Next: `rewind record PROGRAM`, `rewind replay`, `rewind dap`"
    );
    println!("   in your editor (README: VS Code, Neovim).");
    Ok(())
}

/// A minimal DAP client over the in-process pipe.
struct Client {
    reader: FramedRead<ReadHalf<DuplexStream>, DapCodec>,
    writer: FramedWrite<WriteHalf<DuplexStream>, DapCodec>,
    seq: i64,
    events: VecDeque<Value>,
    thread: i64,
}

impl Client {
    fn new(stream: DuplexStream) -> Client {
        let (r, w) = tokio::io::split(stream);
        Client {
            reader: FramedRead::new(r, DapCodec::new()),
            writer: FramedWrite::new(w, DapCodec::new()),
            seq: 0,
            events: VecDeque::new(),
            thread: 0,
        }
    }

    async fn next_message(&mut self) -> Result<Value> {
        let frame = tokio::time::timeout(TIMEOUT, self.reader.next())
            .await
            .map_err(|_| anyhow!("the DAP server did not answer within {TIMEOUT:?}"))?
            .ok_or_else(|| anyhow!("the DAP server closed the connection"))??;
        let message = frame.map_err(|e| anyhow!("malformed message from the server: {e}"))?;
        if message["type"] == "event" && message["event"] == "output" {
            // The program's output while it is recorded, and adapter notes.
            let text = message["body"]["output"].as_str().unwrap_or("");
            for line in text.lines() {
                println!("   │ {line}");
            }
            return Box::pin(self.next_message()).await;
        }
        Ok(message)
    }

    async fn request(&mut self, command: &str, arguments: Value) -> Result<Value> {
        self.seq += 1;
        let seq = self.seq;
        self.writer
            .send(
                json!({"seq": seq, "type": "request", "command": command, "arguments": arguments}),
            )
            .await?;
        loop {
            let m = self.next_message().await?;
            if m["type"] == "response" && m["request_seq"] == seq {
                if m["success"] != true {
                    bail!("{command} failed: {}", m["message"].as_str().unwrap_or("?"));
                }
                return Ok(m);
            }
            self.events.push_back(m);
        }
    }

    async fn wait_event(&mut self, name: &str) -> Result<Value> {
        if let Some(i) = self.events.iter().position(|e| e["event"] == name) {
            return Ok(self.events.remove(i).unwrap_or_default());
        }
        loop {
            let m = self.next_message().await?;
            if m["type"] == "event" && m["event"] == name {
                return Ok(m);
            }
            self.events.push_back(m);
        }
    }

    /// Sends a movement, then shows where it stopped.
    async fn step(&mut self, command: &str, what: &str, names: &[&str]) -> Result<()> {
        self.request(command, json!({"threadId": self.thread}))
            .await?;
        self.show(what, names).await
    }

    /// Waits for the stop and prints it: function, file:line, values.
    async fn show(&mut self, what: &str, names: &[&str]) -> Result<()> {
        let stop = self.wait_event("stopped").await?;
        self.thread = stop["body"]["threadId"].as_i64().unwrap_or(0);
        let trace = self
            .request("stackTrace", json!({"threadId": self.thread, "levels": 1}))
            .await?;
        let frame = &trace["body"]["stackFrames"][0];
        let place = format!(
            "{}:{}",
            frame["source"]["name"].as_str().unwrap_or("?"),
            frame["line"]
        );
        let mut values = Vec::new();
        for name in names {
            let v = self
                .request(
                    "evaluate",
                    json!({"expression": name, "frameId": frame["id"], "context": "watch"}),
                )
                .await
                .map(|r| r["body"]["result"].as_str().unwrap_or("?").to_owned())
                .unwrap_or_else(|_| "?".into());
            values.push(format!("{name}={v}"));
        }
        let arrow = if what.contains("back") || what.starts_with("reverse") {
            "⏪"
        } else {
            "⏵"
        };
        let why = stop["body"]["text"]
            .as_str()
            .or(stop["body"]["description"].as_str())
            .unwrap_or("");
        println!(
            "   {arrow} {what:<18} → {}() at {place:<10} {:<22} ({why})",
            frame["name"].as_str().unwrap_or("?"),
            values.join(" "),
        );
        Ok(())
    }
}
