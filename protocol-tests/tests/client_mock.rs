//! The DAP client against an in-process fake adapter (no `rewind` needed).

use std::time::Duration;

use rewind_protocol_tests::framing::{encode, read_message};
use rewind_protocol_tests::{ClientError, DapClient};
use serde_json::{json, Value};
use tokio::io::{AsyncWriteExt, BufReader};

/// A fake adapter: answers each request with `reply(request)` (a list of
/// messages to send back, `seq` filled in).
fn fake(reply: impl Fn(&Value) -> Vec<Value> + Send + 'static) -> DapClient {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let (read, mut write) = tokio::io::split(theirs);
    tokio::spawn(async move {
        let mut read = BufReader::new(read);
        let mut seq = 1;
        while let Ok(Some(request)) = read_message(&mut read).await {
            for mut message in reply(&request) {
                if message == json!("close") {
                    return;
                }
                message["seq"] = json!(seq);
                seq += 1;
                if write.write_all(&encode(&message)).await.is_err() {
                    return;
                }
            }
        }
    });
    let (read, write) = tokio::io::split(ours);
    DapClient::from_parts(read, write)
}

fn response(request: &Value, success: bool, body: Value) -> Value {
    let mut r = json!({
        "type": "response",
        "request_seq": request["seq"],
        "command": request["command"],
        "success": success,
    });
    if success {
        r["body"] = body;
    } else {
        r["message"] = body;
    }
    r
}

#[tokio::test]
async fn requests_get_increasing_seq_and_matching_responses() {
    let mut client = fake(|req| {
        vec![response(
            req,
            true,
            json!({"seq_seen": req["seq"], "args": req.get("arguments")}),
        )]
    });
    let first = client.request("threads", Value::Null).await.unwrap();
    assert_eq!(first["body"]["seq_seen"], 1);
    assert_eq!(first["body"]["args"], Value::Null, "Null omits arguments");
    let body = client
        .request_ok("scopes", json!({"frameId": 3}))
        .await
        .unwrap();
    assert_eq!(body["seq_seen"], 2);
    assert_eq!(body["args"], json!({"frameId": 3}));
}

#[tokio::test]
async fn events_are_buffered_until_taken() {
    let mut client = fake(|req| {
        vec![
            json!({"type": "event", "event": "output", "body": {"output": "a"}}),
            json!({"type": "event", "event": "stopped", "body": {"reason": "step"}}),
            json!({"type": "event", "event": "output", "body": {"output": "b"}}),
            response(req, true, json!({})),
        ]
    });
    client
        .request_ok("next", json!({"threadId": 1}))
        .await
        .unwrap();
    let t = Duration::from_secs(5);
    assert_eq!(
        client.wait_for_stopped(t).await.unwrap()["body"]["reason"],
        "step"
    );
    let b = client
        .wait_for_event_where("output", t, |e| e["body"]["output"] == "b")
        .await
        .unwrap();
    assert_eq!(b["body"]["output"], "b");
    let left = client.buffered_events();
    assert_eq!(left.len(), 1, "`a` was passed over and stays: {left:?}");
    assert_eq!(left[0]["body"]["output"], "a");
}

#[tokio::test]
async fn a_response_must_echo_its_command() {
    let mut client = fake(|req| {
        let mut r = response(req, true, json!({}));
        r["command"] = json!("other");
        vec![r]
    });
    let err = client.request("threads", Value::Null).await.unwrap_err();
    assert!(matches!(err, ClientError::Protocol { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("does not echo command \"threads\""),
        "{err}"
    );
}

#[tokio::test]
async fn failures_carry_the_adapter_message() {
    let mut client = fake(|req| vec![response(req, false, json!("a recording cannot be changed"))]);
    let err = client
        .request_ok("setVariable", json!({}))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("a recording cannot be changed"),
        "{err}"
    );
    assert_eq!(err.response().unwrap()["success"], false);
}

#[tokio::test]
async fn timeouts_show_the_last_messages() {
    let mut client = fake(|req| {
        if req["command"] == "slow" {
            vec![]
        } else {
            vec![response(req, true, json!({"n": 1}))]
        }
    });
    client.request_ok("threads", Value::Null).await.unwrap();
    let err = client
        .request_within("slow", json!({"x": 1}), Duration::from_millis(100))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ClientError::Timeout { .. }), "{text}");
    assert!(text.contains("last messages"), "{text}");
    assert!(text.contains("\"command\":\"slow\""), "{text}");
    assert!(text.contains("\"n\":1"), "{text}");
    let err = client
        .wait_for_event("terminated", Duration::from_millis(50))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`terminated` event"), "{err}");
}

#[tokio::test]
async fn a_closed_stream_ends_waits_early() {
    let mut client = fake(|req| {
        if req["command"] == "disconnect" {
            vec![json!("close")]
        } else {
            vec![response(req, true, json!({}))]
        }
    });
    client.request_ok("threads", Value::Null).await.unwrap();
    let err = client
        .request_within("disconnect", Value::Null, Duration::from_secs(20))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Closed { .. }), "{err}");
    assert!(err.to_string().contains("end of stream"), "{err}");
    client.wait_closed(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test]
async fn raw_bytes_go_out_verbatim() {
    let mut client = fake(|req| vec![response(req, true, json!({"echo": req}))]);
    client
        .send_raw(
            b"Content-Length: 47\r\n\r\n{\"seq\":77,\"type\":\"request\",\"command\":\"threads\"}",
        )
        .await
        .unwrap();
    let r = client
        .wait_response(77, Some("threads"), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(r["body"]["echo"]["seq"], 77);
}
