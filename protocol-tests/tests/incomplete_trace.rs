//! `rewind dap` opens an incomplete recording, one whose events file stops
//! inside a frame as when the recorder is killed while writing, and debugs its
//! intact prefix: forwards to where it ends, and back.

use std::process::{Command, Stdio};
use std::time::Duration;

use rewind_protocol_tests::client::DapClient;
use rewind_protocol_tests::locate;

#[tokio::test(flavor = "current_thread")]
async fn a_trace_cut_inside_a_frame_is_debugged_up_to_the_cut() {
    let bin = locate::adapter_binary().unwrap_or_else(|e| panic!("{e}"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let trace = tmp.path().join("trace");
    let recorded = Command::new(&bin)
        .arg("record")
        .arg("-o")
        .arg(&trace)
        .arg("--")
        .arg(rewind_test_support::fixture("hello"))
        .stdin(Stdio::null())
        .output()
        .expect("run rewind record");
    assert!(recorded.status.success(), "{recorded:?}");
    // The end frame loses its last byte: every event is there, the end is not.
    let events = trace.join("events");
    let len = std::fs::metadata(&events).expect("events").len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&events)
        .and_then(|f| f.set_len(len - 1))
        .expect("cut the events file");

    let mut client = DapClient::spawn(&bin, Vec::<&str>::new()).unwrap_or_else(|e| panic!("{e}"));
    client.initialize().await.unwrap_or_else(|e| panic!("{e}"));
    client
        .attach(&trace)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let timeout = Duration::from_secs(30);
    client
        .wait_for_event("initialized", timeout)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    client
        .configuration_done()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let first = client
        .wait_for_stopped(timeout)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let thread = first["body"]["threadId"].as_i64().expect("a thread");
    client
        .continue_(thread)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let end = client
        .wait_for_stopped(timeout)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let text = end["body"]["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("the recorder stopped before the program ended"),
        "{end}"
    );
    // No exit status is known: no `exited` event.
    assert!(
        !client
            .buffered_events()
            .iter()
            .any(|e| e["event"] == "exited"),
        "{:?}",
        client.buffered_events()
    );
    client
        .reverse_continue(thread)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let back = client
        .wait_for_stopped(timeout)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let text = back["body"]["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("Start of the recording"), "{back}");
}
