//! Conveniences that chain requests: the top frame of a thread, the variables
//! of a named scope (`Locals`, `Globals`, ...).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::client::DapClient;
use crate::error::ClientError;

type Result<T> = std::result::Result<T, ClientError>;

impl DapClient {
    /// The whole start of a session as an editor makes it: `initialize`,
    /// `launch` with `arguments`, breakpoints on `lines` of `source` once
    /// `initialized` came, `configurationDone`; returns the thread of the
    /// first stop.
    pub async fn launch_to_first_stop(
        &mut self,
        arguments: Value,
        source: &std::path::Path,
        lines: &[u32],
    ) -> Result<i64> {
        let timeout = self.timeout();
        self.initialize().await?;
        self.launch(arguments).await?;
        self.wait_for_event("initialized", timeout).await?;
        self.set_breakpoints(source, lines).await?;
        self.configuration_done().await?;
        let stop = self.wait_for_stopped(timeout).await?;
        match stop["body"]["threadId"].as_i64() {
            Some(thread) => Ok(thread),
            None => Err(self.violation(format!("stopped event without a threadId: {stop}"))),
        }
    }

    /// Sends a movement (`continue`, `next`, `stepBack`, ...) for `thread`
    /// and returns the `stopped` event that ends it.
    pub async fn move_to_stop(&mut self, command: &str, thread: i64) -> Result<Value> {
        let timeout = self.timeout();
        self.request_ok(command, serde_json::json!({ "threadId": thread }))
            .await?;
        self.wait_for_stopped(timeout).await
    }

    /// The first frame of `stackTrace` for `thread`.
    pub async fn top_frame(&mut self, thread: i64) -> Result<Value> {
        let body = self.stack_trace(thread).await?;
        match body.pointer("/stackFrames/0") {
            Some(frame) => Ok(frame.clone()),
            None => Err(self.violation(format!(
                "stackTrace of thread {thread} has no frames: {body}"
            ))),
        }
    }

    /// The `variablesReference` of the scope called `name` in frame `frame_id`.
    pub async fn scope_reference(&mut self, frame_id: i64, name: &str) -> Result<i64> {
        let body = self.scopes(frame_id).await?;
        let found = body["scopes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["name"] == name)
            .and_then(|s| s["variablesReference"].as_i64());
        found.ok_or_else(|| {
            self.violation(format!(
                "frame {frame_id} has no scope {name:?} with a variablesReference: {body}"
            ))
        })
    }

    /// name → value of the variables of the scope `scope` of frame `frame_id`.
    pub async fn scope_values(
        &mut self,
        frame_id: i64,
        scope: &str,
    ) -> Result<BTreeMap<String, String>> {
        let reference = self.scope_reference(frame_id, scope).await?;
        let body = self.variables(reference).await?;
        Ok(body["variables"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| {
                Some((
                    v["name"].as_str()?.to_string(),
                    v["value"].as_str()?.to_string(),
                ))
            })
            .collect())
    }

    /// name → value of the `Locals` scope of the top frame of `thread`
    /// (stackTrace → scopes → variables).
    pub async fn locals(&mut self, thread: i64) -> Result<BTreeMap<String, String>> {
        let frame = self.top_frame(thread).await?;
        let frame_id = frame["id"]
            .as_i64()
            .ok_or_else(|| self.violation(format!("stack frame without an integer id: {frame}")))?;
        self.scope_values(frame_id, "Locals").await
    }

    /// A [`ClientError::Protocol`] with the current context.
    pub fn violation(&self, detail: String) -> ClientError {
        ClientError::Protocol {
            detail,
            context: self.context(),
        }
    }
}
