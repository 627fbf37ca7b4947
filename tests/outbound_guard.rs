//! Issue 19, finding 7: a flow's make-http-request cannot reach the appliance itself, the office
//! LAN or a cloud metadata address unless the operator allows it (`--allow-outbound`); the
//! refusal takes the widget's failed transition with a message that says what to do, and the
//! credentials in the URL appear nowhere in the execution.

mod common;
#[path = "common/targets.rs"]
mod targets;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;
use targets::{ended_context, execute, http_flow as flow};

/// Runs the flow once and answers its ended context.
fn run(s: &TestServer, flow: &str) -> Value {
    let sid = execute(s, flow, "+15550001111", &json!({}));
    ended_context(s, flow, &sid, Duration::from_secs(20))
}

#[test]
fn make_http_request_cannot_reach_the_appliance_itself_by_default() {
    let s = TestServer::start_with(&[("SWITCHBOARD_ALLOW_OUTBOUND", "none")]);
    let url = format!(
        "http://{}:{}@{}/2010-04-01/Accounts/{}.json",
        s.sid, s.token, s.addr, s.sid
    );
    let f = flow(&s, &url);
    let ctx = run(&s, &f);
    let text = ctx.to_string();
    assert_eq!(ctx["flow"]["variables"]["outcome"], "failed", "{ctx}");
    let message = ctx["widgets"]["call"]["error"]["message"]
        .as_str()
        .unwrap_or("");
    assert!(
        message.contains("loopback") && message.contains("--allow-outbound"),
        "{message}"
    );
    assert!(!text.contains(&s.token), "the token leaked: {text}");
    assert!(
        !text.contains("\"friendly_name\""),
        "account JSON came back: {text}"
    );

    // A metadata address and the office LAN are refused the same way, without a connection.
    for target in [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
    ] {
        let f = flow(&s, target);
        let ctx = run(&s, &f);
        assert_eq!(ctx["flow"]["variables"]["outcome"], "failed", "{ctx}");
        assert!(
            ctx["widgets"]["call"]["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("refused"),
            "{ctx}"
        );
    }
}

#[test]
fn an_allowed_address_is_reached() {
    // TestServer's default allows loopback, as an operator's `--allow-outbound 127.0.0.0/8` does.
    let s = TestServer::start();
    let url = format!(
        "http://{}:{}@{}/2010-04-01/Accounts/{}.json",
        s.sid, s.token, s.addr, s.sid
    );
    let f = flow(&s, &url);
    let ctx = run(&s, &f);
    assert_eq!(ctx["flow"]["variables"]["outcome"], "success", "{ctx}");
}
