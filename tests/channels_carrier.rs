//! Issue 5: the carrier side of channels — signed inbound webhooks, the external integration, and
//! the outbound outbox surviving a carrier that is down.

mod carrier;
mod common;
use carrier::Carrier;
use common::*;
use std::time::Duration;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const WAIT: Duration = Duration::from_secs(20);

fn sign(url: &str, params: &[(&str, &str)]) -> String {
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    switchboard::http::auth::twilio_signature(TOKEN, url, &owned)
}

fn post_signed(s: &TestServer, params: &[(&str, &str)], signature: Option<&str>) -> Resp {
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(sig) = signature {
        headers.push(("X-Twilio-Signature", sig));
    }
    s.request(
        "POST",
        "/webhooks/messaging",
        &headers,
        form_encode(params).as_bytes(),
    )
}

#[test]
fn signed_inbound_sms_reaches_the_external_integration_and_bad_signatures_do_not() {
    let hook = Carrier::start_on(0, 200);
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_TOKEN", TOKEN),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
    ]);
    s.post(
        "/v1/FlexFlows",
        &[
            ("FriendlyName", "external"),
            ("ChannelType", "sms"),
            ("ContactIdentity", "+15550001111"),
            ("IntegrationType", "external"),
            ("Integration.Url", &format!("{}/inbound", hook.url)),
        ],
    )
    .expect(201);
    let params = [
        ("From", "+15557654321"),
        ("To", "+15550001111"),
        ("Body", "hello there"),
        ("MessageSid", "SM00000000000000000000000000000001"),
        ("NumMedia", "0"),
    ];
    let url = format!("http://{}/webhooks/messaging", s.addr);

    // Missing or wrong signature: 403, and nothing is stored or sent.
    post_signed(&s, &params, None).expect_error(403);
    post_signed(&s, &params, Some("bm90IHRoZSBzaWduYXR1cmU=")).expect_error(403);
    post_signed(
        &s,
        &params,
        Some(&sign(&url, &[("From", "+1"), ("To", "+2")])),
    )
    .expect_error(403);
    assert!(
        s.get("/v1/Conversations").expect(200).json()["conversations"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // A good signature: TwiML back, a conversation with the message, and the external URL posted.
    let r = post_signed(&s, &params, Some(&sign(&url, &params))).expect(200);
    assert!(r.header("Content-Type").unwrap().contains("xml"));
    assert!(r.text().contains("<Response/>"), "{}", r.text());
    let posted = wait_until(WAIT, || hook.accepted().into_iter().next());
    assert_eq!(posted.path, "/inbound");
    assert_eq!(posted.param("Body"), Some("hello there"));
    assert_eq!(posted.param("From"), Some("+15557654321"));
    assert_eq!(posted.param("EventType"), Some("onMessageAdded"));
    let conv = posted.param("ConversationSid").unwrap().to_string();
    let msgs = s
        .get(&format!("/v1/Conversations/{conv}/Messages"))
        .expect(200)
        .json();
    assert_eq!(msgs["messages"][0]["author"], "+15557654321");

    // The carrier retries the same MessageSid: not stored or routed twice.
    post_signed(&s, &params, Some(&sign(&url, &params))).expect(200);
    let again = [
        ("From", "+15557654321"),
        ("To", "+15550001111"),
        ("Body", "second"),
        ("MessageSid", "SM00000000000000000000000000000002"),
    ];
    post_signed(&s, &again, Some(&sign(&url, &again))).expect(200);
    wait_until(WAIT, || (hook.accepted().len() == 2).then_some(()));
    let msgs = s
        .get(&format!("/v1/Conversations/{conv}/Messages"))
        .expect(200)
        .json();
    assert_eq!(msgs["messages"].as_array().unwrap().len(), 2, "{msgs}");
    assert_eq!(
        s.get("/v1/Conversations").expect(200).json()["conversations"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn outbound_waits_for_a_carrier_that_is_down_and_is_delivered_exactly_once() {
    // Phase 1: the carrier drops every connection unanswered. (The test keeps its port bound
    // throughout: a port given back could be taken by a parallel test's server.)
    let carrier = Carrier::start_on(0, 0);
    let port = carrier.url.rsplit(':').next().unwrap().to_string();
    let s = TestServer::start_with(&[
        (
            "SWITCHBOARD_PROVIDER_URL",
            &format!("http://127.0.0.1:{port}"),
        ),
        ("SWITCHBOARD_PROVIDER_SID", "ACprovider"),
        ("SWITCHBOARD_PROVIDER_TOKEN", TOKEN),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
    ]);
    let conv = s.post("/v1/Conversations", &[]).expect(201).json()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let base = format!("/v1/Conversations/{conv}");
    s.post(
        &format!("{base}/Participants"),
        &[
            ("MessagingBinding.Address", "+15551112222"),
            ("MessagingBinding.ProxyAddress", "+15553334444"),
        ],
    )
    .expect(201);
    let first = s
        .post(
            &format!("{base}/Messages"),
            &[("Author", "agent"), ("Body", "first")],
        )
        .expect(201)
        .json();
    s.post(
        &format!("{base}/Messages"),
        &[("Author", "agent"), ("Body", "second")],
    )
    .expect(201);
    wait_until(WAIT, || (carrier.requests().len() >= 2).then_some(()));
    assert!(s.log().contains("outbox: carrier"), "{}", s.log());
    assert_eq!(
        s.get(&format!(
            "{base}/Messages/{}",
            first["sid"].as_str().unwrap()
        ))
        .expect(200)
        .json()["delivery"]["sent"],
        "none"
    );

    // Phase 2: the carrier answers, but 503 (down for maintenance).
    carrier.set_status(503);
    wait_until(WAIT, || {
        carrier
            .requests()
            .iter()
            .filter(|r| r.status == 503)
            .nth(1)
            .map(|_| ())
    });
    assert!(carrier.accepted().is_empty());

    // Phase 3: it comes back: each message is delivered once, in order, to the Messages API.
    carrier.set_status(201);
    wait_until(WAIT, || {
        let m = s
            .get(&format!("{base}/Messages?Order=desc"))
            .expect(200)
            .json();
        (m["messages"][0]["delivery"]["sent"] == "all").then_some(())
    });
    let accepted = carrier.accepted();
    let bodies: Vec<&str> = accepted.iter().map(|r| r.param("Body").unwrap()).collect();
    assert_eq!(bodies, ["first", "second"]);
    let r = &accepted[0];
    assert_eq!(r.path, "/2010-04-01/Accounts/ACprovider/Messages.json");
    assert_eq!(r.param("To"), Some("+15551112222"));
    assert_eq!(r.param("From"), Some("+15553334444"));
    assert_eq!(
        r.header("Authorization"),
        Some(basic("ACprovider", TOKEN).as_str())
    );
    assert!(r
        .header("I-Twilio-Idempotency-Token")
        .unwrap()
        .starts_with("OB"));
    // The carrier's status callback (signed) marks the first one delivered.
    let cb = [
        ("MessageSid", r.sid.as_str()),
        ("MessageStatus", "delivered"),
    ];
    let cb_url = format!("http://{}/webhooks/messaging/status", s.addr);
    let sig = sign(&cb_url, &cb);
    s.request(
        "POST",
        "/webhooks/messaging/status",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Twilio-Signature", &sig),
        ],
        form_encode(&cb).as_bytes(),
    )
    .expect(204);
    s.request(
        "POST",
        "/webhooks/messaging/status",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form_encode(&cb).as_bytes(),
    )
    .expect_error(403);
    let m = s.get(&format!("{base}/Messages/0")).expect(200).json();
    assert_eq!(m["delivery"]["delivered"], "all", "{m}");
    // Nothing is resent after delivery: a restart replays nothing either.
    let mut s = s;
    s.restart();
    let later = s
        .post(
            &format!("{base}/Messages"),
            &[("Author", "agent"), ("Body", "third")],
        )
        .expect(201)
        .json();
    wait_until(WAIT, || (carrier.accepted().len() == 3).then_some(()));
    let bodies: Vec<String> = carrier
        .accepted()
        .iter()
        .map(|r| r.param("Body").unwrap().to_string())
        .collect();
    assert_eq!(bodies, ["first", "second", "third"]);
    assert_eq!(later["index"], 2);
}
