//! Issue 22 item 1 (business hours) over the real binary: named schedules by API (weekly hours in
//! the office's time zone, holidays, closures; overlapping and impossible ranges refused by
//! name), "open now / next opening" across an opening, a closing and a DST change on the moved
//! clock, and the three readers: a Studio split on `flow.schedules.NAME.open` answering a call
//! (the voice IVR), a TaskRouter workflow filter, and the web chat's office-closed answer.

mod common;
#[path = "common/taskrouter.rs"]
mod tr;
use common::*;
use tr::Tr;

/// Unix ms of an ISO instant ("2027-03-26T15:59:50Z").
fn ms(iso: &str) -> i64 {
    iso.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

fn weekdays() -> String {
    let days = ["monday", "tuesday", "wednesday", "thursday", "friday"];
    let v: Vec<Value> = days
        .iter()
        .map(|d| json!({"day": d, "open": "09:00", "close": "17:00"}))
        .collect();
    Value::Array(v).to_string()
}

fn office(s: &TestServer) -> Value {
    s.post(
        "/v1/Schedules",
        &[
            ("Name", "office"),
            ("TimeZone", "Europe/Paris"),
            ("Hours", &weekdays()),
            (
                "Holidays",
                r#"[{"date": "2027-04-05", "name": "Easter Monday"}]"#,
            ),
            ("WebChat", "true"),
        ],
    )
    .expect(201)
    .json()
}

#[test]
fn schedules_api_refuses_bad_ranges_by_name_and_answers_open_and_next_across_dst() {
    let s = TestServer::start();
    // Bad input: each refusal names what is wrong, and nothing is stored.
    let bad = |params: &[(&str, &str)]| {
        let mut p = vec![("Name", "x"), ("TimeZone", "Europe/Paris")];
        p.extend_from_slice(params);
        s.post("/v1/Schedules", &p).expect_error(400)["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let m = bad(&[(
        "Hours",
        r#"[{"day":"mon","open":"09:00","close":"12:00"},{"day":"monday","open":"11:30","close":"14:00"}]"#,
    )]);
    assert!(
        m.contains("monday 11:30-14:00 overlaps monday 09:00-12:00"),
        "{m}"
    );
    let m = bad(&[(
        "Hours",
        r#"[{"day":"friday","open":"18:00","close":"08:00"}]"#,
    )]);
    assert!(
        m.contains("friday 18:00-08:00: closes before it opens"),
        "{m}"
    );
    let m = bad(&[(
        "Hours",
        r#"[{"day":"caturday","open":"09:00","close":"10:00"}]"#,
    )]);
    assert!(m.contains("caturday"), "{m}");
    let m = bad(&[(
        "Closures",
        r#"[{"start":"2027-01-02T10:00","end":"2027-01-02T09:00","name":"Inventory"}]"#,
    )]);
    assert!(
        m.contains("Inventory") && m.contains("ends before it starts"),
        "{m}"
    );
    let m = s
        .post(
            "/v1/Schedules",
            &[("Name", "x"), ("TimeZone", "Mars/Olympus")],
        )
        .expect_error(400)["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(m.contains("Mars/Olympus"), "{m}");
    s.post(
        "/v1/Schedules",
        &[("Name", "two words"), ("TimeZone", "UTC")],
    )
    .expect_error(400);
    s.post("/v1/Schedules", &[("Name", "x")]).expect_error(400);
    assert_eq!(
        s.get("/v1/Schedules").expect(200).json()["schedules"],
        json!([])
    );

    let created = office(&s);
    assert!(created["sid"].as_str().unwrap().starts_with("BH"));
    assert_eq!(
        created["hours"][0],
        json!({"day": "monday", "open": "09:00", "close": "17:00"})
    );
    s.post("/v1/Schedules", &[("Name", "Office"), ("TimeZone", "UTC")])
        .expect_error(409);

    // Friday 26 March 2027, 16:59:50 in Paris (CET, UTC+1): open, closing at 17:00.
    s.set_clock(ms("2027-03-26T15:59:50Z"));
    let st = s.get("/v1/Schedules/office/Status").expect(200).json();
    assert_eq!(st["open"], true, "{st}");
    assert_eq!(st["next_close"], "2027-03-26T16:00:00Z");
    // Clocks go forward on Sunday 28 March: Monday's 09:00 is 07:00 UTC, not 08:00.
    assert_eq!(st["next_open"], "2027-03-29T07:00:00Z");
    assert_eq!(st["next_open_local"], "Monday 29 March 2027, 09:00 CEST");

    // 17:00: closed for the weekend.
    s.advance_clock(15_000);
    let st = s.get("/v1/Schedules/office/Status").expect(200).json();
    assert_eq!(
        (&st["open"], &st["reason"]),
        (&json!(false), &json!("outside_hours"))
    );
    assert_eq!(st["next_open"], "2027-03-29T07:00:00Z");
    // Monday 08:59 local (06:59 UTC, after the change): still closed; 09:00: open.
    s.set_clock(ms("2027-03-29T06:59:00Z"));
    assert_eq!(
        s.get("/v1/Schedules/office/Status").expect(200).json()["open"],
        false
    );
    s.set_clock(ms("2027-03-29T07:00:00Z"));
    let st = s.get("/v1/Schedules/office/Status").expect(200).json();
    assert_eq!(st["open"], true, "{st}");
    assert_eq!(st["local_time"], "2027-03-29T09:00:00+02:00");
    // `At` asks about another instant: Easter Monday is a holiday.
    let st = s
        .get("/v1/Schedules/office/Status?At=2027-04-05T10:00:00Z")
        .expect(200)
        .json();
    assert_eq!(st["reason"], "holiday");
    assert_eq!(st["reason_name"], "Easter Monday");
    assert_eq!(st["next_open_local"], "Tuesday 6 April 2027, 09:00 CEST");

    // A one-off closure takes effect at once (no publishing).
    let sid = created["sid"].as_str().unwrap();
    let up = s
        .post(
            &format!("/v1/Schedules/{sid}"),
            &[(
                "Closures",
                r#"[{"start":"2027-03-29T08:30","end":"2027-03-29T12:00","name":"Fire drill"}]"#,
            )],
        )
        .expect(200)
        .json();
    assert_eq!(up["status"]["open"], false);
    assert_eq!(up["status"]["reason_name"], "Fire drill");
    assert_eq!(up["status"]["next_open"], "2027-03-29T10:00:00Z");
    assert_eq!(up["closures"][0]["name"], "Fire drill");
    let list = s.get("/v1/Schedules").expect(200).json();
    assert_eq!(list["schedules"].as_array().unwrap().len(), 1);
    assert_eq!(list["meta"]["key"], "schedules");
    s.delete(&format!("/v1/Schedules/{sid}")).expect(204);
    s.get("/v1/Schedules/office").expect_error(404);
}

/// A voice flow: the IVR branches on `flow.schedules.office.open` and tells a caller after hours
/// when the office opens.
fn hours_ivr() -> Value {
    json!({
        "description": "hours",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingCall", "next": "is_open"}]},
            {"name": "is_open", "type": "split-based-on",
             "properties": {"input": "{{flow.schedules.office.open}}"},
             "transitions": [
                {"event": "noMatch", "next": "closed"},
                {"event": "match", "next": "open", "conditions": [
                   {"friendly_name": "open", "arguments": ["{{flow.schedules.office.open}}"],
                    "type": "equal_to", "value": "true"}]}]},
            {"name": "open", "type": "say-play", "properties": {"say": "We are open."},
             "transitions": [{"event": "audioComplete"}]},
            {"name": "closed", "type": "say-play",
             "properties": {"say": "We are closed. We open {{flow.schedules.office.next_open_local}}."},
             "transitions": [{"event": "audioComplete"}]}
        ],
        "initial_state": "Trigger"
    })
}

fn call(s: &TestServer, flow: &str, n: u32) -> String {
    let sid = format!("CA{n:032}");
    s.request(
        "POST",
        &format!("/v1/Accounts/{}/Flows/{flow}", s.sid),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form_encode(&[
            ("CallSid", &sid),
            ("From", "+15551239999"),
            ("To", "+15550000000"),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
        ])
        .as_bytes(),
    )
    .expect(200)
    .text()
}

#[test]
fn studio_split_taskrouter_filter_and_web_chat_follow_the_hours() {
    let s = TestServer::start();
    office(&s);
    let flow = s
        .post(
            "/v2/Flows",
            &[
                ("FriendlyName", "hours"),
                ("Status", "published"),
                ("Definition", &hours_ivr().to_string()),
            ],
        )
        .expect(201)
        .json()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let tr = Tr::new(&s, "hours");
    let agents = tr.queue("agents", "1==1", &[]);
    let voicemail = tr.queue("voicemail", "1==2", &[]);
    let wf = tr.workflow(
        "hours",
        json!({"task_routing": {
            "filters": [{"filter_friendly_name": "open",
                         "expression": "schedules.office.open == true",
                         "targets": [{"queue": agents}]}],
            "default_filter": {"queue": voicemail}}}),
        &[],
    );

    // Friday 26 March 2027, 16:59:50 in Paris: open everywhere.
    s.set_clock(ms("2027-03-26T15:59:50Z"));
    let twiml = call(&s, &flow, 1);
    assert!(twiml.contains("<Say>We are open.</Say>"), "{twiml}");
    let t = tr.task(&wf, json!({"type": "call"}), &[]);
    assert_eq!(t["task_queue_sid"], agents.as_str());
    let h = s.get("/webchat/hours").expect(200).json();
    assert_eq!(h["office"]["open"], true, "{h}");

    // 17:00: closed; the caller hears Monday's opening in Paris time (after the DST change).
    s.advance_clock(15_000);
    let twiml = call(&s, &flow, 2);
    assert!(
        twiml.contains("<Say>We are closed. We open Monday 29 March 2027, 09:00 CEST.</Say>"),
        "{twiml}"
    );
    let t = tr.task(&wf, json!({"type": "call"}), &[]);
    assert_eq!(t["task_queue_sid"], voicemail.as_str());
    // A task's own `schedules` attribute wins over the office's.
    let t = tr.task(&wf, json!({"schedules": {"office": {"open": true}}}), &[]);
    assert_eq!(t["task_queue_sid"], agents.as_str());
    let h = s.get("/webchat/hours").expect(200).json();
    assert_eq!(h["office"]["open"], false);
    assert_eq!(
        h["office"]["next_open_local"],
        "Monday 29 March 2027, 09:00 CEST"
    );

    // Monday 09:00 local: open again.
    s.set_clock(ms("2027-03-29T07:00:05Z"));
    assert!(call(&s, &flow, 3).contains("We are open."));
    let t = tr.task(&wf, json!({}), &[]);
    assert_eq!(t["task_queue_sid"], agents.as_str());

    // No schedule marked for the web chat: the page shows no hours; a flow's schedule that is
    // gone reads as nil (noMatch: closed).
    s.delete("/v1/Schedules/office").expect(204);
    assert_eq!(
        s.get("/webchat/hours").expect(200).json()["office"],
        Value::Null
    );
    assert!(call(&s, &flow, 4).contains("We are closed"));
}
