//! Issue 5: Flex Flows and Conversations v1 over HTTP against the real binary.

mod common;
use common::*;
use std::time::Duration;

fn flow_sid() -> String {
    format!("FW{}", "a".repeat(32))
}

#[test]
fn seeded_handlers_exist_and_a_conflicting_inbound_handler_is_refused() {
    let s = TestServer::start();
    let list = s.get("/v1/FlexFlows").expect(200).json();
    let flows = list["flex_flows"].as_array().unwrap();
    let types: Vec<&str> = flows
        .iter()
        .map(|f| f["channel_type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"sms") && types.contains(&"web"), "{list}");
    for f in flows {
        assert_eq!(f["enabled"], true);
        assert_eq!(f["janitor_enabled"], true);
        assert!(f["chat_service_sid"].as_str().unwrap().starts_with("IS"));
    }
    // Restart: seeding is idempotent.
    let mut s = s;
    s.restart();
    assert_eq!(
        s.get("/v1/FlexFlows").expect(200).json()["flex_flows"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let create = |name: &str, identity: &str, enabled: &str| {
        s.post(
            "/v1/FlexFlows",
            &[
                ("FriendlyName", name),
                ("ChannelType", "sms"),
                ("ContactIdentity", identity),
                ("Enabled", enabled),
                ("IntegrationType", "studio"),
                ("Integration.FlowSid", &flow_sid()),
                ("Integration.RetryCount", "2"),
                ("LongLived", "true"),
            ],
        )
    };
    let a = create("first", "+15550001", "true").expect(201).json();
    assert_eq!(a["integration"]["flow_sid"], flow_sid());
    assert_eq!(a["integration"]["retry_count"], 2);
    assert_eq!(a["long_lived"], true);
    assert_eq!(a["janitor_enabled"], false);
    let e = create("second", "+15550001", "true").expect_error(409);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains(a["sid"].as_str().unwrap()),
        "{e}"
    );
    // A disabled one may exist beside it, and may not be enabled while the first is.
    let b = create("second", "+15550001", "false").expect(201).json();
    let b_path = format!("/v1/FlexFlows/{}", b["sid"].as_str().unwrap());
    s.post(&b_path, &[("Enabled", "true")]).expect_error(409);
    s.post(
        &format!("/v1/FlexFlows/{}", a["sid"].as_str().unwrap()),
        &[("Enabled", "false")],
    )
    .expect(200);
    assert_eq!(
        s.post(&b_path, &[("Enabled", "true")]).expect(200).json()["enabled"],
        true
    );
    // Bad input is a 400 naming the parameter.
    let e = s
        .post(
            "/v1/FlexFlows",
            &[
                ("FriendlyName", "x"),
                ("ChannelType", "pigeon"),
                ("ContactIdentity", "1"),
            ],
        )
        .expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("ChannelType"));
    let e = s
        .post(
            "/v1/FlexFlows",
            &[
                ("FriendlyName", "x"),
                ("ChannelType", "sms"),
                ("ContactIdentity", "2"),
                ("IntegrationType", "external"),
            ],
        )
        .expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("Integration.Url"));
    s.delete(&b_path).expect(204);
    s.get(&b_path).expect_error(404);
}

#[test]
fn conversations_participants_messages_and_webhooks() {
    let s = TestServer::start();
    let c = s
        .post(
            "/v1/Conversations",
            &[
                ("FriendlyName", "support"),
                ("UniqueName", "case-1"),
                ("Attributes", "{\"a\":1}"),
                ("Timers.Inactive", "PT5M"),
            ],
        )
        .expect(201)
        .json();
    let sid = c["sid"].as_str().unwrap().to_string();
    assert!(sid.starts_with("CH"));
    assert_eq!(c["state"], "active");
    assert_eq!(c["attributes"], "{\"a\":1}");
    assert!(c["timers"]["date_inactive"].is_string(), "{c}");
    assert!(c["links"]["messages"]
        .as_str()
        .unwrap()
        .ends_with("/Messages"));
    s.post("/v1/Conversations", &[("UniqueName", "case-1")])
        .expect_error(409);
    // By unique name too, and under the default service.
    assert_eq!(
        s.get("/v1/Conversations/case-1").expect(200).json()["sid"],
        sid.as_str()
    );
    let service = c["chat_service_sid"].as_str().unwrap();
    let scoped = s
        .get(&format!("/v1/Services/{service}/Conversations/{sid}"))
        .expect(200)
        .json();
    assert!(scoped["url"].as_str().unwrap().contains("/v1/Services/IS"));
    s.get(&format!(
        "/v1/Services/IS{}/Conversations/{sid}",
        "0".repeat(32)
    ))
    .expect_error(404);

    let base = format!("/v1/Conversations/{sid}");
    let agent = s
        .post(&format!("{base}/Participants"), &[("Identity", "alice")])
        .expect(201)
        .json();
    assert!(agent["sid"].as_str().unwrap().starts_with("MB"));
    s.post(&format!("{base}/Participants"), &[("Identity", "alice")])
        .expect_error(409);
    let sms = s
        .post(
            &format!("{base}/Participants"),
            &[
                ("MessagingBinding.Address", "+15551230000"),
                ("MessagingBinding.ProxyAddress", "+15559990000"),
            ],
        )
        .expect(201)
        .json();
    assert_eq!(sms["messaging_binding"]["address"], "+15551230000");
    s.post(
        &format!("{base}/Participants"),
        &[("MessagingBinding.Address", "+1555")],
    )
    .expect_error(400);
    assert_eq!(
        s.get(&format!("{base}/Participants")).expect(200).json()["participants"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let hook = s
        .post(
            &format!("{base}/Webhooks"),
            &[
                ("Target", "webhook"),
                ("Configuration.Url", "http://127.0.0.1:9/hook"),
                ("Configuration.Method", "post"),
                ("Configuration.Filters", "onMessageAdded"),
                ("Configuration.Filters", "onParticipantAdded"),
            ],
        )
        .expect(201)
        .json();
    assert_eq!(hook["configuration"]["method"], "POST");
    assert_eq!(
        hook["configuration"]["filters"],
        json!(["onMessageAdded", "onParticipantAdded"])
    );
    s.post(&format!("{base}/Webhooks"), &[("Target", "studio")])
        .expect_error(400);

    for (i, body) in ["hello", "how can I help?"].iter().enumerate() {
        let m = s
            .post(
                &format!("{base}/Messages"),
                &[("Author", "alice"), ("Body", body)],
            )
            .expect(201)
            .json();
        assert_eq!(m["index"], i);
        assert_eq!(m["participant_sid"], agent["sid"]);
        // The SMS participant gets it through the carrier outbox.
        assert_eq!(m["delivery"]["total"], 1, "{m}");
    }
    let msgs = s
        .get(&format!("{base}/Messages?Order=desc"))
        .expect(200)
        .json();
    assert_eq!(msgs["messages"][0]["body"], "how can I help?");
    assert_eq!(
        s.get(&format!("{base}/Messages/1")).expect(200).json()["body"],
        "how can I help?"
    );
    s.post(&format!("{base}/Messages"), &[("Author", "alice")])
        .expect_error(400);

    // inactive → a new message reactivates; closed refuses messages and cannot reopen.
    assert_eq!(
        s.post(&base, &[("State", "inactive")]).expect(200).json()["state"],
        "inactive"
    );
    s.post(
        &format!("{base}/Messages"),
        &[("Author", "alice"), ("Body", "back")],
    )
    .expect(201);
    assert_eq!(s.get(&base).expect(200).json()["state"], "active");
    s.post(&base, &[("State", "closed")]).expect(200);
    s.post(
        &format!("{base}/Messages"),
        &[("Author", "alice"), ("Body", "x")],
    )
    .expect_error(409);
    s.post(&base, &[("State", "active")]).expect_error(409);
    assert_eq!(
        s.get("/v1/Conversations?State=closed").expect(200).json()["conversations"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    s.delete(&base).expect(204);
    s.get(&base).expect_error(404);
}

#[test]
fn conversation_timers_make_it_inactive_then_closed() {
    let s = TestServer::start();
    let c = s
        .post(
            "/v1/Conversations",
            &[("Timers.Inactive", "PT10M"), ("Timers.Closed", "P1D")],
        )
        .expect(201)
        .json();
    let sid = c["sid"].as_str().unwrap().to_string();
    assert!(
        c["timers"]["date_inactive"].is_string() && c["timers"]["date_closed"].is_string(),
        "{c}"
    );
    assert!(c["timers"].get("inactive_after_ms").is_none());
    let path = format!("/v1/Conversations/{sid}");
    let state = || s.get(&path).expect(200).json()["state"].clone();
    s.advance_clock(9 * 60_000);
    assert_eq!(state(), "active");
    s.advance_clock(60_000);
    wait_until(Duration::from_secs(10), || {
        (state() == "inactive").then_some(())
    });
    // A message wakes it and moves the timers: they count from the last activity.
    let m = s
        .post(
            &format!("{path}/Messages"),
            &[("Author", "x"), ("Body", "still here")],
        )
        .expect(201)
        .json();
    let c = s.get(&path).expect(200).json();
    assert_eq!(c["state"], "active");
    let sent = switchboard::clock::parse_iso8601(m["date_created"].as_str().unwrap()).unwrap();
    let closes = switchboard::clock::parse_iso8601(c["timers"]["date_closed"].as_str().unwrap());
    // (Both are whole seconds, read a moment apart.)
    let after = closes.map(|t| t - sent).unwrap_or(0);
    assert!((86_399_000..=86_400_000).contains(&after), "{c}");
    // A day after it was opened it is only inactive again (ten minutes after the message);
    // it closes a day after the message.
    s.advance_clock(86_400_000 - 10 * 60_000);
    wait_until(Duration::from_secs(10), || {
        (state() == "inactive").then_some(())
    });
    s.advance_clock(10 * 60_000);
    wait_until(Duration::from_secs(10), || {
        (state() == "closed").then_some(())
    });
}
