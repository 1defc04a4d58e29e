//! `rewind dap --listen`: one client is served; a client that connects while
//! it is gets an error response saying why, never silence.

use serde_json::json;

use rewind_protocol_tests::client::DapClient;
use rewind_protocol_tests::locate;

#[tokio::test(flavor = "current_thread")]
async fn a_second_client_is_told_the_server_is_busy() {
    let bin = locate::adapter_binary().unwrap_or_else(|e| panic!("{e}"));
    let mut first = DapClient::spawn_tcp(&bin, Vec::<&str>::new())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let init = json!({"adapterID": "rewind", "linesStartAt1": true});
    first
        .request_ok("initialize", init.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = first
        .stderr()
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("rewind: DAP server listening on ")
                .map(str::to_owned)
        })
        .expect("the adapter says where it listens");

    let mut second = DapClient::connect(&addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let response = second
        .request("initialize", init)
        .await
        .unwrap_or_else(|e| panic!("the second client got no answer: {e}"));
    assert_eq!(response["success"], json!(false), "{response}");
    let message = response["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("already serves another client"),
        "{response}"
    );
    // The refused client may say goodbye; the first is still served.
    second
        .request_ok("disconnect", json!({}))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    first
        .request_ok("threads", json!({}))
        .await
        .unwrap_or_else(|e| panic!("the first client is no longer served: {e}"));
}
