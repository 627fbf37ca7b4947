//! Issue 21 item 5: every flow of the corpus (`../shared/corpus/studio-flows`) runs to its end
//! against the simulated carrier (`tests/carrier`), started the way its Trigger is wired — the
//! carrier's messaging webhook into the flow, a call into the flow webhook (the test plays the
//! carrier and follows the TwiML), a conversation whose address is configured for the flow, the
//! REST API, or the parent that runs it as a subflow — and each wait answered (a reply, digits,
//! a recording, the callee answering). Each execution must end; where it ends is pinned in
//! `ENDS`, and every failed transition on its way must be one of `EXCEPTIONS`: a place where the
//! flow's own configuration points at something that does not exist here (a Twilio Functions
//! service or backend of the flow's author, a Terraform placeholder nobody filled in).
//! `cargo test --test studio_corpus -- --nocapture` prints the table.

mod carrier;
mod common;
#[path = "studio_corpus/driver.rs"]
mod driver;
mod studio_common;
use carrier::Carrier;
use common::*;
use driver::Why::*;
use driver::*;
use studio_common::*;

/// Answers, in order, where the generic ones ("1" for digits, "yes" for a reply) do not walk the
/// flow to its end. `TIMEOUT` lets a wait time out (the clock moves past it).
/// `speech:` answers a Gather by voice (`SpeechResult`), `HANGUP` hangs the caller up.
const SCRIPTS: &[(&str, &str, &[&str])] = &[
    (
        "04",
        MSG,
        &[
            "yes", "Ann Lee", "42", "94110", "yes", "no", "no", "no", "no", "1", "1",
        ],
    ),
    ("13", MSG, &["leo"]),
    ("16", CONV, &["support"]),
    ("20", CALL, &["speech:filled.count.soap"]),
    ("21", CALL, &["speech:tell me a joke"]),
    // The city check is the author's backend: its failure asks again, so the customer stops.
    ("23", MSG, &["english", "yes", "Oakland", TIMEOUT]),
    ("23", CALL, &["1", "speech:Yes", "speech:Oakland", HANGUP]),
    // The name is said (gather_1.Digits stays empty, which split_1 reads), the card is paid.
    (
        "34",
        CALL,
        &[
            "speech:taxi",
            "speech:Ada",
            "1",
            "speech:5 Main Street",
            "1",
            "speech:tomorrow at 9",
            "1",
            "2",
            "1",
        ],
    ),
    // "oi" is no menu option: the retry subflow (32) runs once; then 3 (comercial), 2 (orçamento).
    (
        "31",
        MSG,
        &[
            "oi",
            "3",
            "2",
            "a new site",
            "Ana",
            "11999999999",
            "ana@example.com",
        ],
    ),
];

/// Where each run ends: (file prefix, trigger, steps, last step's event, the widget it left).
const ENDS: &[(&str, &str, usize, &str, &str)] = &[
    ("01", MSG, 3, "fail", "get_assignment"),
    ("01", REST, 3, "fail", "get_assignment"),
    ("02", CALL, 4, "fail", "function_1"),
    ("02", CONV, 3, "failed", "get-convo-name"),
    ("03", REST, 3, "fail", "get-datetime-parts"),
    ("04", MSG, 15, "sent", "Goodbye"),
    ("05", MSG, 3, "fail", "DialogflowDetectIntent"),
    ("06", MSG, 3, "sent", "invalid_user"),
    ("06", REST, 2, "failed", "schedule_multiple_messages"),
    ("08", CALL, 6, "audioComplete", "want-widget"),
    ("09", MSG, 2, "sent", "sms_greeting"),
    ("09", CALL, 4, "noMatch", "key_input_check_branch"),
    ("10", REST, 4, "sent", "ack"),
    ("11", REST, 4, "failedToEnqueue", "enqueue"),
    ("12", CALL, 2, "noMatch", "check_handoff"),
    ("13", MSG, 5, "fail", "get_horoscope"),
    ("14", MSG, 6, "failedToEnqueue", "send_to_flex"),
    ("15", CALL, 2, "failedToEnqueue", "SendCallToAgent"),
    ("16", CONV, 6, "failedToEnqueue", "send_to_flex"),
    ("17", CALL, 3, "failedToEnqueue", "send_to_flex"),
    ("18", CALL, 7, "recordingComplete", "record_voicemail_1"),
    ("19", CALL, 3, "failedToEnqueue", "send_to_flex_1"),
    ("20", MSG, 4, "sent", "send_sorry"),
    ("20", CALL, 4, "audioComplete", "say_can_not_find_place"),
    ("21", CALL, 5, "audioComplete", "say_error"),
    ("22", CALL, 2, "fail", "allow_list"),
    ("23", MSG, 9, "timeout", "gather_city_sms_english"),
    ("23", CALL, 10, "audioComplete", "try_again_english"),
    ("24", CALL, 4, "callCompleted", "connect_to_helpline"),
    ("25", CALL, 4, "failed", "CreateEventTracking"),
    ("26", CALL, 5, "failed", "checkExtension"),
    ("27", MSG, 4, "failed", "SendMessageToLex"),
    ("28", MSG, 2, "failedToEnqueue", "SendMessageToAgent"),
    ("28", CONV, 2, "failedToEnqueue", "SendConversationToAgent"),
    ("29", CALL, 5, "failedToEnqueue", "SendCallToSupport"),
    ("30", CALL, 6, "noMatch", "backToIVRSplit"),
    ("31", MSG, 14, "sent", "orcamento_6"),
    ("32", "incomingParent (31)", 3, "fail", "delay_function"),
    ("33", MSG, 2, "failed", "http_1"),
    ("34", CALL, 21, "failed", "confirm_taxi"),
    ("35", CONV, 7, "failedToEnqueue", "send_to_flex_agent"),
    ("36", CONV, 5, "failed", "chatHoursEn"),
    (
        "42",
        "incomingParent (36)",
        5,
        "noMatch",
        "split_system_down_from_service_config",
    ),
    ("37", CONV, 5, "failed", "http_post_webhook_notify_error"),
    ("38", CALL, 16, "audioComplete", "say_play_3"),
    ("39", CONV, 30, "failedToEnqueue", "facebook_attributes_en"),
    (
        "40",
        CALL,
        11,
        "failed",
        "http_post_webhook_notify_failed_to_enqueue",
    ),
    (
        "42",
        "incomingParent (40)",
        5,
        "noMatch",
        "split_system_down_from_service_config",
    ),
    ("41", CONV, 12, "sent", "send_message_childhelp_sms_failure"),
    (
        "42",
        "incomingParent (41)",
        5,
        "noMatch",
        "split_system_down_from_service_config",
    ),
    (
        "44",
        CONV,
        3,
        "fail",
        "f_sendMessageAndRunJanitor_blocked_country",
    ),
    ("45", CONV, 8, "fail", "f_sendMessageAndRunJanitor_error"),
    (
        "42",
        "incomingParent (45)",
        5,
        "noMatch",
        "split_system_down_from_service_config",
    ),
    ("46", CONV, 4, "failed", "chatHours"),
    ("47", CALL, 5, "failed", "f_getProfileFlagsForIdentifier"),
    (
        "42",
        "incomingParent (47)",
        5,
        "noMatch",
        "split_system_down_from_service_config",
    ),
    (
        "48",
        CONV,
        21,
        "failed",
        "http_post_webhook_notify_failed_to_enqueue",
    ),
    (
        "42",
        "incomingParent (48)",
        5,
        "noMatch",
        "split_system_down_from_service_config",
    ),
    ("49", REST, 2, "failed", "start_conversation_post_survey"),
    ("50", CALL, 2, "audioComplete", "not_allowed"),
    ("51", CALL, 8, "failedToEnqueue", "send_to_queue_vc"),
    (
        "42",
        "incomingParent (51)",
        5,
        "noMatch",
        "split_system_down_from_service_config",
    ),
    (
        "07",
        "incomingParent (ask_questions alone)",
        9,
        "fail",
        "save_to_airtable",
    ),
    (
        "43",
        "incomingParent (run_subflow_debug alone)",
        4,
        "failed",
        "http_post_widget_failures",
    ),
];

/// The failed transitions the corpus's own configuration causes: (file prefix, widget, why).
const EXCEPTIONS: &[(&str, &str, Why)] = &[
    ("01", "get_assignment", TwilioFunction),
    ("02", "function_1", Unfilled),
    ("02", "get-convo-name", Unfilled),
    ("03", "get-datetime-parts", Unfilled),
    ("05", "DialogflowDetectIntent", NoUrl),
    ("06", "validate_caller", OutsideHost),
    ("06", "schedule_multiple_messages", OutsideHost),
    ("10", "callback", Unfilled),
    ("11", "enqueue", ForeignSid),
    ("13", "get_horoscope", TwilioFunction),
    ("14", "get_apaleo_token", TwilioFunction),
    ("14", "send_to_flex", ForeignSid),
    ("15", "SendCallToAgent", Placeholder),
    ("16", "send_to_flex", Placeholder),
    ("17", "check_schedule", Placeholder),
    ("17", "send_to_flex", Placeholder),
    ("19", "fetch_segment", Unfilled),
    ("19", "send_to_flex_1", ForeignSid),
    ("20", "get_coordinates_sms", TwilioFunction),
    ("20", "get_coordinates", TwilioFunction),
    ("21", "http_prompt", OutsideHost),
    ("22", "allow_list", TwilioFunction),
    ("23", "valid_http_city_sms", OutsideHost),
    ("23", "gather_city_sms_english", ScriptedTimeout),
    ("23", "valid_city_http_english", OutsideHost),
    ("25", "CreateEventTracking", OutsideHost),
    ("26", "checkExtension", Unfilled),
    ("27", "SendMessageToLex", OutsideHost),
    ("28", "SendMessageToAgent", Placeholder),
    ("28", "SendConversationToAgent", Placeholder),
    ("29", "SendCallToSupport", Placeholder),
    ("32", "delay_function", TwilioFunction),
    ("33", "http_1", Unfilled),
    ("34", "confirm_taxi", OutsideHost),
    ("35", "send_to_flex_agent", ForeignSid),
    ("36", "chatHoursEn", Placeholder),
    ("37", "f_getProfileFlagsForIdentifier", Placeholder),
    ("37", "f_operatingHours", Placeholder),
    ("37", "http_post_webhook_notify_error", Placeholder),
    ("38", "save_post_survey", OutsideHost),
    ("39", "getProfileFlagsForIdentifier", Placeholder),
    ("39", "facebook_attributes_en", Placeholder),
    ("40", "f_getProfileFlagsForIdentifier", Placeholder),
    ("40", "send_to_queue_childhelp_english", Placeholder),
    (
        "40",
        "http_post_webhook_notify_failed_to_enqueue",
        Placeholder,
    ),
    ("41", "f_getProfileFlagsForIdentifier", Placeholder),
    ("41", "f_captureChannelWithBot", Placeholder),
    ("41", "http_post_webhook_notify_error_chatbot", Placeholder),
    ("41", "f_chatbotCallbackCleanup", Placeholder),
    (
        "44",
        "f_sendMessageAndRunJanitor_blocked_country",
        Placeholder,
    ),
    ("45", "f_getProfileFlagsForIdentifier", Placeholder),
    ("45", "f_captureChannelWithBot_counsel", Placeholder),
    ("45", "f_chatbotCallbackCleanup", Placeholder),
    ("45", "f_sendMessageAndRunJanitor_error", Placeholder),
    ("46", "getProfileFlagsForIdentifier", Placeholder),
    ("46", "chatHours", Placeholder),
    ("47", "f_countryVoipFilter", Placeholder),
    ("47", "f_getProfileFlagsForIdentifier", Placeholder),
    ("48", "f_countryVoipFilter", Placeholder),
    ("48", "f_getProfileFlagsForIdentifier", Placeholder),
    ("48", "f_operatingHours", Placeholder),
    ("48", "f_operatingHours_prequeue", Placeholder),
    ("48", "send_to_queue_sms_std", Placeholder),
    (
        "48",
        "http_post_webhook_notify_failed_to_enqueue",
        Placeholder,
    ),
    ("49", "start_conversation_post_survey", Placeholder),
    ("51", "send_to_queue_vc", Placeholder),
    ("07", "save_to_airtable", TwilioFunction),
    ("43", "http_post_widget_failures", Placeholder),
];

#[test]
fn every_corpus_flow_runs_to_its_end_with_a_simulated_carrier() {
    let carrier = Carrier::start();
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_PROVIDER_SID", PROVIDER_SID),
        ("SWITCHBOARD_PROVIDER_TOKEN", PROVIDER_TOKEN),
        ("SWITCHBOARD_PUBLIC_URL", PUBLIC),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
        // One carrier plays every caller, faster than a real one would.
        ("SWITCHBOARD_PUBLIC_BURST", "100000"),
    ]);
    let flows = import(&s, &corpus());
    let mut rows = Vec::new();
    for (i, f) in flows.iter().enumerate() {
        for (j, trigger) in f.triggers.iter().enumerate() {
            let script = SCRIPTS
                .iter()
                .find(|(p, t, _)| f.file.starts_with(p) && t == trigger)
                .map_or(&[][..], |(.., a)| a);
            let case = Case {
                s: &s,
                carrier: &carrier,
                flow: f,
                contact: format!("+1555{:03}{:04}", 300 + j, i),
                script,
            };
            rows.extend(case.run(trigger));
        }
    }
    let orphans = children(&s, &carrier, &rows, &flows);
    rows.extend(orphans);
    let why = |file: &str, widget: &str| {
        EXCEPTIONS
            .iter()
            .find(|x| file.starts_with(x.0) && x.1 == widget)
            .map(|x| x.2)
    };
    print_table(&rows, why);

    let mut problems = Vec::new();
    for r in &rows {
        if !r.ended {
            let tail = &r.path[r.path.len().saturating_sub(4)..];
            problems.push(format!(
                "{} ({}): did not end after {} steps: … {tail:?}",
                r.file,
                r.trigger,
                r.path.len()
            ));
            continue;
        }
        let (event, from) = r.last();
        match ENDS
            .iter()
            .find(|e| r.file.starts_with(e.0) && e.1 == r.trigger)
        {
            Some(e) if (e.2, e.3, e.4) == (r.path.len(), event, from) => {}
            Some(e) => problems.push(format!(
                "{} ({}): ended after {} steps with {event} from {from}, expected {} with {} from {}: {:?}",
                r.file, r.trigger, r.path.len(), e.2, e.3, e.4, r.path
            )),
            None => problems.push(format!(
                "{} ({}): not in ENDS: (\"{}\", \"{}\", {}, \"{event}\", \"{from}\")",
                r.file,
                r.trigger,
                &r.file[..2],
                r.trigger,
                r.path.len()
            )),
        }
        for (event, from, _) in r.path.iter().filter(|(e, ..)| is_failure(e)) {
            let flow = flows.iter().find(|f| f.file == r.file).unwrap();
            match EXCEPTIONS
                .iter()
                .find(|x| r.file.starts_with(x.0) && x.1 == from)
            {
                Some(x) => {
                    if let Err(e) = x.2.holds(flow.state(from)) {
                        problems.push(format!("{} {from}: {e}", r.file));
                    }
                }
                None => problems.push(format!(
                    "{} ({}): failure {event} from {from} is no named exception: {}",
                    r.file,
                    r.trigger,
                    flow.state(from)
                )),
            }
        }
    }
    // The README's count: flows none of whose runs failed anywhere, and the named exceptions.
    let clean = flows
        .iter()
        .filter(|f| {
            rows.iter()
                .filter(|r| r.file == f.file)
                .all(|r| r.ended && !r.path.iter().any(|(e, ..)| is_failure(e)))
        })
        .count();
    println!(
        "\n{} of {} flows ran without a failed transition; the others failed only at the {} named exceptions",
        clean,
        flows.len(),
        EXCEPTIONS.len()
    );
    assert_eq!(flows.len(), 51);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(!s.log().contains("panicked"), "{}", s.log());
}

/// Found by the corpus (51, 40: a voice flow whose first widget is a subflow): the caller polls
/// while the subflow works; the subflow ends in between and the flow's gather goes out as a call
/// update. The poll that arrives then must not be taken as the gather's answer (it recorded a
/// `timeout` the caller never caused); it holds the caller until the update, whose digits go on.
#[test]
fn a_poll_after_a_subflow_ended_is_no_answer_to_the_next_gather() {
    let carrier = Carrier::start();
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_PROVIDER_SID", PROVIDER_SID),
        ("SWITCHBOARD_PROVIDER_TOKEN", PROVIDER_TOKEN),
        ("SWITCHBOARD_PUBLIC_URL", PUBLIC),
    ]);
    let b = backend();
    let child = create(
        &s,
        "child",
        &json!({
            "description": "looks something up", "initial_state": "Trigger",
            "flags": {"allow_concurrent_calls": true},
            "states": [
                {"name": "Trigger", "type": "trigger", "properties": {},
                 "transitions": [{"event": "incomingParent", "next": "lookup"}]},
                {"name": "lookup", "type": "make-http-request",
                 "properties": {"method": "GET", "url": format!("http://{}/flags", b.addr),
                                "content_type": "application/x-www-form-urlencoded;charset=utf-8"},
                 "transitions": [{"event": "success"}, {"event": "failed"}]}
            ]
        }),
    );
    let flow = create(
        &s,
        "parent",
        &json!({
            "description": "subflow, then a menu", "initial_state": "Trigger",
            "flags": {"allow_concurrent_calls": true},
            "states": [
                {"name": "Trigger", "type": "trigger", "properties": {},
                 "transitions": [{"event": "incomingCall", "next": "flags"}]},
                {"name": "flags", "type": "run-subflow",
                 "properties": {"flow_sid": child, "flow_revision": "LatestPublished", "parameters": []},
                 "transitions": [{"event": "completed", "next": "menu"}, {"event": "failed", "next": "menu"}]},
                {"name": "menu", "type": "gather-input-on-call",
                 "properties": {"say": "Press 1", "number_of_digits": 1, "timeout": 5},
                 "transitions": [{"event": "keypress", "next": "bye"}, {"event": "speech"},
                                 {"event": "timeout", "next": "menu"}]},
                {"name": "bye", "type": "say-play", "properties": {"say": "You pressed {{widgets.menu.Digits}}"},
                 "transitions": [{"event": "audioComplete"}]}
            ]
        }),
    );
    let hook = format!("/v1/Accounts/{}/Flows/{flow}", s.sid);
    let call = "CA00000000000000000000000000000777";
    let carrier_posts = |path: &str, more: &[(&str, &str)]| {
        let mut params = vec![
            ("CallSid", call),
            ("From", "+15551230777"),
            ("To", "+15550001000"),
            ("CallStatus", "in-progress"),
        ];
        params.extend_from_slice(more);
        s.signed_post(PROVIDER_TOKEN, &format!("{PUBLIC}{path}"), path, &params)
            .expect(200)
            .text()
    };
    let first = carrier_posts(&hook, &[]);
    assert!(first.contains("<Redirect"), "{first}");
    let poll = first[first.find("\">").unwrap() + 2..first.find("</Redirect>").unwrap()]
        .replace("&amp;", "&");
    // The subflow ends; the gather goes out as the call update.
    let update = wait_until(WAIT, || {
        carrier
            .requests()
            .into_iter()
            .find(|r| r.path.ends_with(&format!("/Calls/{call}.json")))
    });
    let gather = update.param("Twiml").unwrap().to_string();
    assert!(gather.contains("<Gather"), "{gather}");
    let exec = poll.split("ExecutionSid=").nth(1).unwrap().to_string();
    let before = steps(&s, &flow, &exec);
    // The poll the carrier had already sent: the caller is held, nothing is answered.
    let held = carrier_posts(&poll, &[]);
    assert!(
        held.contains("<Pause") && held.contains("FlowEvent=poll"),
        "{held}"
    );
    assert_eq!(steps(&s, &flow, &exec).len(), before.len());
    // The update's gather takes the digits.
    let a = gather.find("action=\"").unwrap() + 8;
    let action = gather[a..a + gather[a..].find('"').unwrap()].replace("&amp;", "&");
    let last = carrier_posts(&action, &[("Digits", "1")]);
    assert!(last.contains("You pressed 1"), "{last}");
    wait_ended(&s, &flow, &exec);
    assert_eq!(
        path(&steps(&s, &flow, &exec)),
        vec![
            p("incomingCall", "Trigger", "flags"),
            p("completed", "flags", "menu"),
            p("keypress", "menu", "bye"),
            p("audioComplete", "bye", "Ended"),
        ]
    );
}

/// Found by the corpus (42, the Aselo "system down" subflow): a flow calls Twilio's own REST API
/// (`https://flex-api.twilio.com/v1/Configuration`) with "Add Twilio Auth". This box is that API:
/// the request is served here, with the account's credentials only when the widget asks.
#[test]
fn a_request_to_twilios_own_api_is_served_by_the_box() {
    let s = TestServer::start();
    let get = |name: &str, auth: bool, next: Option<&str>| {
        json!({"name": name, "type": "make-http-request",
               "properties": {"method": "GET", "add_twilio_auth": auth,
                              "url": "https://flex-api.twilio.com/v1/Configuration",
                              "content_type": "application/x-www-form-urlencoded;charset=utf-8"},
               "transitions": [{"event": "success", "next": next}, {"event": "failed", "next": next}]})
    };
    let flow = create(
        &s,
        "own api",
        &json!({
            "description": "reads the Flex configuration", "initial_state": "Trigger",
            "flags": {"allow_concurrent_calls": true},
            "states": [
                {"name": "Trigger", "type": "trigger", "properties": {},
                 "transitions": [{"event": "incomingRequest", "next": "with_auth"}]},
                get("with_auth", true, Some("without_auth")),
                get("without_auth", false, None)
            ]
        }),
    );
    let e = execute(&s, &flow, "+15551230888", json!({}))
        .expect(201)
        .json();
    let sid = e["sid"].as_str().unwrap();
    let e = wait_ended(&s, &flow, sid);
    assert_eq!(
        path(&steps(&s, &flow, sid)),
        vec![
            p("incomingRequest", "Trigger", "with_auth"),
            p("success", "with_auth", "without_auth"),
            p("failed", "without_auth", "Ended"),
        ]
    );
    let w = &e["context"]["widgets"];
    assert_eq!(
        w["with_auth"]["parsed"]["account_sid"],
        s.sid.as_str(),
        "{w}"
    );
    assert_eq!(w["without_auth"]["status_code"], 401, "{w}");
}
