//! The raw DAP envelope: incoming requests, outgoing responses and events.
//!
//! Requests are kept raw (`arguments` is a `serde_json::Value`) and dispatched
//! by command string, so custom requests need no schema change. Every response
//! echoes `command` and `request_seq`, successful or not: nvim-dap drops (or
//! crashes on) responses without `command`.

use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

use super::arguments;
pub use super::error::DapError;

/// What is wrong with an incoming message that is valid JSON.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("message is not a JSON object")]
    NotAnObject,
    #[error("message has no integer 'seq'")]
    MissingSeq,
    #[error("message has no 'type' \"request\" (got {0})")]
    NotARequest(String),
    #[error("client sent an unsolicited '{0}' message")]
    Unsolicited(String),
    #[error("request has no string 'command'")]
    MissingCommand,
}

/// An incoming message that is not a usable request, with whatever could be
/// recovered from it to address an error response.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct MalformedMessage {
    pub seq: Option<i64>,
    pub command: Option<String>,
    #[source]
    pub error: EnvelopeError,
}

impl MalformedMessage {
    /// Whether the client expects an answer: it sent something request-like
    /// with a recoverable `seq` (responses and events from the client get none).
    pub fn wants_response(&self) -> bool {
        self.seq.is_some() && !matches!(self.error, EnvelopeError::Unsolicited(_))
    }
}

/// A DAP request: `{seq, type: "request", command, arguments}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub seq: i64,
    pub command: String,
    /// The raw arguments; missing and `null` are normalised to `{}`.
    pub arguments: Value,
}

impl Request {
    /// Validate the envelope of a decoded message.
    pub fn from_value(value: Value) -> Result<Request, MalformedMessage> {
        let Value::Object(mut map) = value else {
            return Err(MalformedMessage {
                seq: None,
                command: None,
                error: EnvelopeError::NotAnObject,
            });
        };
        let seq = map.get("seq").and_then(Value::as_i64);
        let command = match map.remove("command") {
            Some(Value::String(command)) => Some(command),
            _ => None,
        };
        let fail = |error| {
            Err(MalformedMessage {
                seq,
                command: command.clone(),
                error,
            })
        };
        match map.get("type") {
            Some(Value::String(kind)) if kind == "request" => {}
            Some(Value::String(kind)) if kind == "response" || kind == "event" => {
                return fail(EnvelopeError::Unsolicited(kind.clone()));
            }
            Some(other) => return fail(EnvelopeError::NotARequest(other.to_string())),
            None => return fail(EnvelopeError::NotARequest("none".to_owned())),
        }
        let Some(seq) = seq else {
            return fail(EnvelopeError::MissingSeq);
        };
        let Some(command) = command else {
            return fail(EnvelopeError::MissingCommand);
        };
        let arguments = match map.remove("arguments") {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(arguments) => arguments,
        };
        Ok(Request {
            seq,
            command,
            arguments,
        })
    }

    /// Deserialize the arguments. A type mismatch is reported as
    /// [`DapError::InvalidArgument`] naming the offending field
    /// (e.g. `breakpoints[1].line`).
    pub fn parse_arguments<T: DeserializeOwned>(&self) -> Result<T, DapError> {
        arguments::parse(&self.arguments)
    }

    /// The error a handler returns for a command it does not know.
    pub fn unknown(&self) -> DapError {
        DapError::UnknownRequest(self.command.clone())
    }
}

/// `body.error` of an error response.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorMessage {
    pub id: u32,
    pub format: String,
}

/// A response, before its `seq` is assigned.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub request_seq: i64,
    pub command: String,
    /// The body on success (`Null` means no body), the error otherwise.
    pub result: Result<Value, ErrorMessage>,
}

impl Response {
    pub fn success(request_seq: i64, command: impl Into<String>, body: Value) -> Self {
        Self {
            request_seq,
            command: command.into(),
            result: Ok(body),
        }
    }

    pub fn error(request_seq: i64, command: impl Into<String>, error: &DapError) -> Self {
        Self {
            request_seq,
            command: command.into(),
            result: Err(ErrorMessage {
                id: error.id(),
                format: error.to_string(),
            }),
        }
    }

    pub fn to_json(&self, seq: i64) -> Value {
        let mut message = json!({
            "seq": seq,
            "type": "response",
            "request_seq": self.request_seq,
            "command": self.command,
            "success": self.result.is_ok(),
        });
        match &self.result {
            Ok(Value::Null) => {}
            Ok(body) => message["body"] = body.clone(),
            Err(error) => {
                message["message"] = Value::from(error.format.clone());
                message["body"] = json!({"error": {"id": error.id, "format": error.format}});
            }
        }
        message
    }
}

/// An event, before its `seq` is assigned.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event: String,
    /// `Null` means no body.
    pub body: Value,
}

impl Event {
    pub fn new(event: impl Into<String>, body: Value) -> Self {
        Self {
            event: event.into(),
            body,
        }
    }

    pub fn to_json(&self, seq: i64) -> Value {
        let mut message = json!({"seq": seq, "type": "event", "event": self.event});
        if !self.body.is_null() {
            message["body"] = self.body.clone();
        }
        message
    }
}

/// Anything the adapter sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    Response(Response),
    Event(Event),
}

impl Outgoing {
    pub fn to_json(&self, seq: i64) -> Value {
        match self {
            Outgoing::Response(response) => response.to_json(seq),
            Outgoing::Event(event) => event.to_json(seq),
        }
    }
}

/// `seq` numbers for outgoing messages: 1, 2, 3, ... in the order written.
#[derive(Debug, Default)]
pub struct SeqCounter {
    last: i64,
}

impl SeqCounter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn next_seq(&mut self) -> i64 {
        self.last = self.last.saturating_add(1);
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_missing_null_and_empty_are_accepted() {
        for message in [
            json!({"seq": 3, "type": "request", "command": "disconnect"}),
            json!({"seq": 3, "type": "request", "command": "disconnect", "arguments": null}),
            json!({"seq": 3, "type": "request", "command": "disconnect", "arguments": {}}),
        ] {
            let request = Request::from_value(message).unwrap();
            assert_eq!(request.seq, 3);
            assert_eq!(request.command, "disconnect");
            assert_eq!(request.arguments, json!({}));
            #[derive(serde::Deserialize)]
            #[serde(rename_all = "camelCase")]
            #[allow(dead_code)]
            struct DisconnectArguments {
                restart: Option<bool>,
                terminate_debuggee: Option<bool>,
            }
            request.parse_arguments::<DisconnectArguments>().unwrap();
        }
    }

    #[test]
    fn malformed_envelopes_keep_what_they_can() {
        let e = Request::from_value(json!([1, 2])).unwrap_err();
        assert!(matches!(e.error, EnvelopeError::NotAnObject));
        assert!(!e.wants_response());

        let e = Request::from_value(json!({"seq": 4, "type": "request"})).unwrap_err();
        assert!(matches!(e.error, EnvelopeError::MissingCommand));
        assert_eq!(e.seq, Some(4));
        assert!(e.wants_response());

        let e =
            Request::from_value(json!({"seq": 5, "type": "request", "command": 7})).unwrap_err();
        assert!(matches!(e.error, EnvelopeError::MissingCommand));

        let e = Request::from_value(json!({"seq": "6", "type": "request", "command": "next"}))
            .unwrap_err();
        assert!(matches!(e.error, EnvelopeError::MissingSeq));
        assert_eq!(e.command.as_deref(), Some("next"));
        assert!(!e.wants_response());

        let e = Request::from_value(json!({"seq": 7, "command": "next"})).unwrap_err();
        assert!(matches!(e.error, EnvelopeError::NotARequest(_)));
        assert!(e.wants_response());

        let e = Request::from_value(
            json!({"seq": 8, "type": "response", "request_seq": 1, "command": "runInTerminal", "success": true}),
        )
        .unwrap_err();
        assert!(matches!(e.error, EnvelopeError::Unsolicited(_)));
        assert!(!e.wants_response());
    }

    #[test]
    fn responses_always_echo_command_and_request_seq() {
        let ok = Response::success(9, "threads", json!({"threads": []})).to_json(1);
        assert_eq!(
            ok,
            json!({"seq": 1, "type": "response", "request_seq": 9, "command": "threads",
                   "success": true, "body": {"threads": []}})
        );
        let no_body = Response::success(10, "configurationDone", Value::Null).to_json(2);
        assert_eq!(no_body["command"], "configurationDone");
        assert!(no_body.get("body").is_none());

        let error = DapError::UnknownRequest("frobnicate".into());
        let err = Response::error(11, "frobnicate", &error).to_json(3);
        assert_eq!(
            err,
            json!({"seq": 3, "type": "response", "request_seq": 11, "command": "frobnicate",
                   "success": false, "message": "unknown request 'frobnicate'",
                   "body": {"error": {"id": 1001, "format": "unknown request 'frobnicate'"}}})
        );
    }

    #[test]
    fn events_and_seq_counter() {
        let mut seq = SeqCounter::new();
        let a = Event::new("initialized", Value::Null).to_json(seq.next_seq());
        let b = Outgoing::Event(Event::new("output", json!({"output": "hi\n"})))
            .to_json(seq.next_seq());
        assert_eq!(
            a,
            json!({"seq": 1, "type": "event", "event": "initialized"})
        );
        assert_eq!(
            b,
            json!({"seq": 2, "type": "event", "event": "output", "body": {"output": "hi\n"}})
        );
    }
}
