//! Issue 18: the Conversations v1 resources beyond conversations, participants and messages —
//! services, configuration, users, roles, credentials, bindings, participant conversations,
//! conversations with participants, address configurations wired to Studio, and delivery
//! receipts following the carrier's status callbacks — against the real binary.

mod carrier;
#[path = "common/channels.rs"]
mod channels;
mod common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use carrier::Carrier;
use channels::{bodies, executions, public_post, sms, WAIT};
use common::*;

fn sid(v: &Value) -> String {
    v["sid"]
        .as_str()
        .unwrap_or_else(|| panic!("no sid in {v}"))
        .to_string()
}

/// Every URL in `links` (and `url`) answers 200 on the box (`participant_conversations` with
/// the `Identity` filter it requires).
fn links_resolve(s: &TestServer, v: &Value) {
    let mut urls: Vec<String> = v["links"]
        .as_object()
        .map(|l| {
            l.iter()
                .filter_map(|(k, u)| {
                    let u = u.as_str()?;
                    Some(if k == "participant_conversations" {
                        format!("{u}?Identity=nobody")
                    } else {
                        u.to_string()
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(u) = v["url"].as_str() {
        urls.push(u.to_string());
    }
    assert!(!urls.is_empty(), "no urls in {v}");
    for u in urls {
        let path = &u[u
            .find("/v1/")
            .unwrap_or_else(|| panic!("not a v1 url: {u}"))..];
        s.get(path).expect(200);
    }
}

/// A POST with `X-Twilio-Webhook-Enabled: true` (Twilio calls the service's webhooks for REST
/// actions only then).
fn post_hooked(s: &TestServer, path: &str, params: &[(&str, &str)]) -> Resp {
    s.request(
        "POST",
        path,
        &[
            ("Authorization", &s.auth()),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Twilio-Webhook-Enabled", "true"),
        ],
        form_encode(params).as_bytes(),
    )
}

fn default_service(s: &TestServer) -> String {
    s.get("/v1/Configuration").expect(200).json()["default_chat_service_sid"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn services_are_created_scoped_and_deleted_with_their_conversations() {
    let s = TestServer::start();
    let default = default_service(&s);
    assert_eq!(s.post("/v1/Services", &[]).expect_error(400)["code"], 20001);
    let svc = s
        .post("/v1/Services", &[("FriendlyName", "support")])
        .expect(201)
        .json();
    let is = sid(&svc);
    assert!(is.starts_with("IS") && is != default);
    assert_eq!(svc["friendly_name"], "support");
    links_resolve(&s, &svc);
    let list = s.get("/v1/Services").expect(200).json();
    assert_eq!(list["services"].as_array().unwrap().len(), 2, "{list}");
    // Under the SDK's per-domain prefix too, with URLs that stay under it.
    let prefixed = s
        .get(&format!("/conversations/v1/Services/{is}"))
        .expect(200)
        .json();
    assert!(
        prefixed["links"]["users"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/conversations/v1/Services/{is}/Users")),
        "{prefixed}"
    );
    assert_eq!(
        s.get("/conversations/v1/Configuration").expect(200).json()["default_chat_service_sid"],
        default.as_str()
    );

    // A conversation of the new service lives under its path only.
    let base = format!("/v1/Services/{is}");
    let conv = s
        .post(
            &format!("{base}/Conversations"),
            &[("FriendlyName", "in support")],
        )
        .expect(201)
        .json();
    let ch = sid(&conv);
    assert_eq!(conv["chat_service_sid"], is.as_str());
    links_resolve(&s, &conv);
    s.get(&format!("/v1/Conversations/{ch}")).expect_error(404);
    let plain = s.get("/v1/Conversations").expect(200).json();
    assert!(
        plain["conversations"].as_array().unwrap().is_empty(),
        "{plain}"
    );
    let scoped = s.get(&format!("{base}/Conversations")).expect(200).json();
    assert_eq!(scoped["conversations"][0]["sid"], ch.as_str());

    // Every service-scoped resource names its service.
    let p = s
        .post(
            &format!("{base}/Conversations/{ch}/Participants"),
            &[("Identity", "alice")],
        )
        .expect(201)
        .json();
    assert_eq!(p["chat_service_sid"], is.as_str());
    assert!(p["role_sid"].as_str().unwrap().starts_with("RL"), "{p}");
    let m = s
        .post(
            &format!("{base}/Conversations/{ch}/Messages"),
            &[("Author", "alice"), ("Body", "hi")],
        )
        .expect(201)
        .json();
    assert_eq!(m["chat_service_sid"], is.as_str());
    links_resolve(&s, &m);
    let w = s
        .post(
            &format!("{base}/Conversations/{ch}/Webhooks"),
            &[
                ("Target", "webhook"),
                ("Configuration.Url", "https://example.com/h"),
            ],
        )
        .expect(201)
        .json();
    assert_eq!(w["chat_service_sid"], is.as_str());
    // On the plain path they name the default service, never null.
    let plain_conv = s.post("/v1/Conversations", &[]).expect(201).json();
    assert_eq!(plain_conv["chat_service_sid"], default.as_str());
    let pm = s
        .post(
            &format!("/v1/Conversations/{}/Messages", sid(&plain_conv)),
            &[("Body", "x")],
        )
        .expect(201)
        .json();
    assert_eq!(pm["chat_service_sid"], default.as_str());

    // The default service holds the Flex Flows: it cannot go.
    assert_eq!(s.delete(&format!("/v1/Services/{default}")).status, 409);
    s.delete(&base).expect(204);
    s.get(&base).expect_error(404);
    s.get(&format!("{base}/Conversations")).expect_error(404);
    s.get(&format!("/v1/Services/IS{}/Conversations", "0".repeat(32)))
        .expect_error(404);
}

#[test]
fn account_configuration_picks_the_default_service_timers_and_post_webhook() {
    let hook = Carrier::start_on(0, 200);
    let s = TestServer::start_with(&[("SWITCHBOARD_RETRY_BASE_MS", "50")]);
    let cfg = s.get("/v1/Configuration").expect(200).json();
    links_resolve(&s, &cfg);
    assert_eq!(cfg["default_inactive_timer"], Value::Null);
    let other = sid(&s
        .post("/v1/Services", &[("FriendlyName", "other")])
        .expect(201)
        .json());
    let e = s
        .post(
            "/v1/Configuration",
            &[("DefaultInactiveTimer", "5 minutes")],
        )
        .expect_error(400);
    assert_eq!(e["code"], 20001);
    let cfg = s
        .post(
            "/v1/Configuration",
            &[
                ("DefaultChatServiceSid", &other),
                ("DefaultInactiveTimer", "PT5M"),
                (
                    "DefaultMessagingServiceSid",
                    "MG00000000000000000000000000000000",
                ),
            ],
        )
        .expect(200)
        .json();
    assert_eq!(cfg["default_chat_service_sid"], other.as_str());
    assert_eq!(cfg["default_inactive_timer"], "PT5M");
    // `/v1/Conversations` now means the other service, with the defaults applied.
    let c = s.post("/v1/Conversations", &[]).expect(201).json();
    assert_eq!(c["chat_service_sid"], other.as_str());
    assert!(c["timers"]["date_inactive"].is_string(), "{c}");
    assert_eq!(
        c["messaging_service_sid"],
        "MG00000000000000000000000000000000"
    );

    // The account's post-event webhook hears onMessageAdded.
    let wh = s
        .post(
            "/v1/Configuration/Webhooks",
            &[
                ("PostWebhookUrl", &format!("{}/post", hook.url)),
                ("Filters", "onMessageAdded"),
                ("Method", "POST"),
                ("Target", "webhook"),
            ],
        )
        .expect(200)
        .json();
    assert_eq!(wh["filters"], json!(["onMessageAdded"]));
    assert_eq!(wh["target"], "webhook");
    links_resolve(&s, &wh);
    assert_eq!(
        s.post("/v1/Configuration/Webhooks", &[("Filters", "onNothing")])
            .expect_error(400)["code"],
        20001
    );
    // Without X-Twilio-Webhook-Enabled a REST action calls no service webhook; with it, it does.
    s.post(
        &format!("/v1/Conversations/{}/Messages", sid(&c)),
        &[("Author", "bob"), ("Body", "quiet")],
    )
    .expect(201);
    post_hooked(
        &s,
        &format!("/v1/Conversations/{}/Messages", sid(&c)),
        &[("Author", "bob"), ("Body", "posted")],
    )
    .expect(201);
    let got = wait_until(WAIT, || hook.accepted().into_iter().next());
    assert_eq!(got.path, "/post");
    assert_eq!(got.param("EventType"), Some("onMessageAdded"));
    assert_eq!(got.param("Body"), Some("posted"));
    // All events when the filter list is empty: conversation and participant added too.
    s.post("/v1/Configuration/Webhooks", &[("Filters", "")])
        .expect(200);
    let c2 = sid(
        &post_hooked(&s, "/v1/Conversations", &[("FriendlyName", "hooked")])
            .expect(201)
            .json(),
    );
    post_hooked(
        &s,
        &format!("/v1/Conversations/{c2}/Participants"),
        &[("Identity", "carol")],
    )
    .expect(201);
    let events = wait_until(WAIT, || {
        let e: Vec<String> = hook
            .accepted()
            .iter()
            .filter_map(|r| r.param("EventType").map(str::to_string))
            .collect();
        (e.len() >= 3).then_some(e)
    });
    assert_eq!(
        events,
        [
            "onMessageAdded",
            "onConversationAdded",
            "onParticipantAdded"
        ]
    );
    let added = &hook.accepted()[2];
    assert_eq!(added.param("Identity"), Some("carol"));
    assert_eq!(added.param("ConversationSid"), Some(c2.as_str()));
    assert_eq!(added.param("ChatServiceSid"), Some(other.as_str()));

    // Updates and removals report too (with the header), and a timer's state change always.
    let hooked_delete = |path: &str| {
        s.request(
            "DELETE",
            path,
            &[
                ("Authorization", &s.auth()),
                ("X-Twilio-Webhook-Enabled", "true"),
            ],
            b"",
        )
        .expect(204)
    };
    let cp = format!("/v1/Conversations/{c2}");
    post_hooked(&s, &cp, &[("State", "inactive")]).expect(200);
    post_hooked(
        &s,
        &format!("{cp}/Participants/carol"),
        &[("Attributes", "{\"x\":1}")],
    )
    .expect(200);
    let msg = sid(
        &post_hooked(&s, &format!("{cp}/Messages"), &[("Body", "edit me")])
            .expect(201)
            .json(),
    );
    post_hooked(&s, &format!("{cp}/Messages/{msg}"), &[("Body", "edited")]).expect(200);
    hooked_delete(&format!("{cp}/Messages/{msg}"));
    hooked_delete(&format!("{cp}/Participants/carol"));
    hooked_delete(&cp);
    post_hooked(&s, "/v1/Users", &[("Identity", "dave")]).expect(201);
    let expected = [
        "onConversationUpdated",
        "onConversationStateUpdated",
        "onParticipantUpdated",
        "onConversationStateUpdated",
        "onMessageAdded",
        "onMessageUpdated",
        "onMessageRemoved",
        "onParticipantRemoved",
        "onConversationRemoved",
        "onUserAdded",
    ];
    let mut events = wait_until(WAIT, || {
        let e: Vec<String> = hook
            .accepted()
            .iter()
            .skip(3)
            .filter_map(|r| r.param("EventType").map(str::to_string))
            .collect();
        (e.len() >= expected.len()).then_some(e)
    });
    events.sort();
    let mut expected: Vec<String> = expected.iter().map(|e| e.to_string()).collect();
    expected.sort();
    assert_eq!(events, expected);
    let state = hook
        .accepted()
        .into_iter()
        .find(|r| r.param("EventType") == Some("onConversationStateUpdated"))
        .unwrap();
    assert_eq!(state.param("StateFrom"), Some("active"));
    assert_eq!(state.param("StateTo"), Some("inactive"));
}

/// A Flex Flow's conversations open in the Flex Flow's own service, whatever service the
/// account configuration makes the default.
#[test]
fn a_flex_flows_conversations_stay_in_its_service_when_the_default_moves() {
    let s = TestServer::start();
    let flex_service = default_service(&s);
    let other = sid(&s
        .post("/v1/Services", &[("FriendlyName", "api only")])
        .expect(201)
        .json());
    s.post("/v1/Configuration", &[("DefaultChatServiceSid", &other)])
        .expect(200);
    sms(&s, "+15554443333", "+15550001000", "hello", Some("SM9"));
    let theirs = s
        .get(&format!("/v1/Services/{flex_service}/Conversations"))
        .expect(200)
        .json();
    assert_eq!(
        theirs["conversations"].as_array().unwrap().len(),
        1,
        "{theirs}"
    );
    assert_eq!(
        theirs["conversations"][0]["chat_service_sid"],
        flex_service.as_str()
    );
    let plain = s.get("/v1/Conversations").expect(200).json();
    assert!(
        plain["conversations"].as_array().unwrap().is_empty(),
        "{plain}"
    );
    let c = s.post("/v1/Conversations", &[]).expect(201).json();
    assert_eq!(c["chat_service_sid"], other.as_str());
}

#[test]
fn service_configuration_roles_and_notifications_are_kept_and_honoured() {
    let s = TestServer::start();
    let is = default_service(&s);
    let base = format!("/v1/Services/{is}");
    let cfg = s.get(&format!("{base}/Configuration")).expect(200).json();
    links_resolve(&s, &cfg);
    let roles = s.get("/v1/Roles").expect(200).json();
    let names: Vec<&str> = roles["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["friendly_name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 4, "Twilio's four default roles: {roles}");
    assert_eq!(
        cfg["default_chat_service_role_sid"],
        roles["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["friendly_name"] == "service_user")
            .unwrap()["sid"]
    );

    // A role of our own, made the service's default for new users.
    assert_eq!(
        s.post("/v1/Roles", &[("FriendlyName", "x"), ("Type", "service")])
            .expect_error(400)["code"],
        20001
    );
    assert_eq!(
        s.post(
            "/v1/Roles",
            &[
                ("FriendlyName", "x"),
                ("Type", "galaxy"),
                ("Permission", "sendMessage")
            ]
        )
        .expect_error(400)["code"],
        20001
    );
    let role = s
        .post(
            &format!("{base}/Roles"),
            &[
                ("FriendlyName", "supervisor"),
                ("Type", "service"),
                ("Permission", "createConversation"),
                ("Permission", "joinConversation"),
            ],
        )
        .expect(201)
        .json();
    assert_eq!(
        role["permissions"],
        json!(["createConversation", "joinConversation"])
    );
    links_resolve(&s, &role);
    let rl = sid(&role);
    let updated = s
        .post(
            &format!("/v1/Roles/{rl}"),
            &[("Permission", "editOwnUserInfo")],
        )
        .expect(200)
        .json();
    assert_eq!(updated["permissions"], json!(["editOwnUserInfo"]));
    let cfg = s
        .post(
            &format!("{base}/Configuration"),
            &[
                ("DefaultChatServiceRoleSid", &rl),
                ("ReachabilityEnabled", "true"),
            ],
        )
        .expect(200)
        .json();
    assert_eq!(cfg["default_chat_service_role_sid"], rl.as_str());
    assert_eq!(cfg["reachability_enabled"], true);
    assert_eq!(
        s.post(
            &format!("{base}/Configuration"),
            &[("DefaultConversationRoleSid", &rl)]
        )
        .expect_error(400)["code"],
        20001,
        "a service role cannot be the conversation default"
    );
    let u = s
        .post("/v1/Users", &[("Identity", "sam")])
        .expect(201)
        .json();
    assert_eq!(u["role_sid"], rl.as_str());
    assert_eq!(u["is_online"], false);
    // A role in use stays.
    assert_eq!(s.delete(&format!("/v1/Roles/{rl}")).status, 409);

    // Notifications are stored and shown (push itself is not sent).
    let n = s
        .post(
            &format!("{base}/Configuration/Notifications"),
            &[
                ("LogEnabled", "true"),
                ("NewMessage.Enabled", "true"),
                ("NewMessage.Template", "${PARTICIPANT}: ${MESSAGE}"),
                ("NewMessage.BadgeCountEnabled", "true"),
                ("NewMessage.WithMedia.Enabled", "true"),
                ("AddedToConversation.Sound", "ring"),
            ],
        )
        .expect(200)
        .json();
    assert_eq!(n["log_enabled"], true);
    assert_eq!(n["new_message"]["template"], "${PARTICIPANT}: ${MESSAGE}");
    assert_eq!(n["new_message"]["badge_count_enabled"], true);
    assert_eq!(n["new_message"]["with_media"]["enabled"], true);
    assert_eq!(n["added_to_conversation"]["sound"], "ring");
    assert_eq!(n["removed_from_conversation"]["enabled"], false);
    let again = s
        .get(&format!("{base}/Configuration/Notifications"))
        .expect(200)
        .json();
    assert_eq!(again, n);
    let wh = s
        .post(
            &format!("{base}/Configuration/Webhooks"),
            &[
                ("PreWebhookUrl", "https://example.com/pre"),
                ("Method", "get"),
            ],
        )
        .expect(200)
        .json();
    assert_eq!(wh["chat_service_sid"], is.as_str());
    assert_eq!(wh["method"], "GET");
    assert_eq!(wh["pre_webhook_url"], "https://example.com/pre");
    assert_eq!(
        s.post(
            &format!("{base}/Configuration/Webhooks"),
            &[("PostWebhookUrl", "ftp://x")]
        )
        .expect_error(400)["code"],
        20001
    );
}

#[test]
fn users_their_conversations_and_participant_conversations_are_real_lookups() {
    let s = TestServer::start();
    let u = s
        .post(
            "/v1/Users",
            &[
                ("Identity", "alice"),
                ("FriendlyName", "Alice"),
                ("Attributes", "{\"a\":1}"),
            ],
        )
        .expect(201)
        .json();
    let us = sid(&u);
    assert!(us.starts_with("US"));
    links_resolve(&s, &u);
    assert_eq!(s.post("/v1/Users", &[("Identity", "alice")]).status, 409);
    assert_eq!(
        s.post("/v1/Users", &[("Identity", "bob"), ("Attributes", "{nope")])
            .expect_error(400)["code"],
        20001
    );
    // Fetched by identity as well as by SID.
    assert_eq!(
        s.get("/v1/Users/alice").expect(200).json()["sid"],
        us.as_str()
    );
    let u2 = s
        .post(&format!("/v1/Users/{us}"), &[("FriendlyName", "Alice B")])
        .expect(200)
        .json();
    assert_eq!(u2["friendly_name"], "Alice B");
    assert_eq!(u2["identity"], "alice");

    // Two conversations with alice, one with a customer's SMS binding.
    let c1 = sid(&s
        .post("/v1/Conversations", &[("UniqueName", "one")])
        .expect(201)
        .json());
    let c2 = sid(&s.post("/v1/Conversations", &[]).expect(201).json());
    let _c3 = sid(&s.post("/v1/Conversations", &[]).expect(201).json());
    for c in [&c1, &c2] {
        s.post(
            &format!("/v1/Conversations/{c}/Participants"),
            &[("Identity", "alice")],
        )
        .expect(201);
    }
    let customer = s
        .post(
            &format!("/v1/Conversations/{c2}/Participants"),
            &[
                ("MessagingBinding.Address", "whatsapp:+15550001111"),
                ("MessagingBinding.ProxyAddress", "whatsapp:+15559990000"),
            ],
        )
        .expect(201)
        .json();
    assert_eq!(customer["messaging_binding"]["type"], "whatsapp");
    // The same binding cannot open a second conversation (Twilio's 50416).
    let dup = s
        .post(
            &format!("/v1/Conversations/{c1}/Participants"),
            &[
                ("MessagingBinding.Address", "whatsapp:+15550001111"),
                ("MessagingBinding.ProxyAddress", "whatsapp:+15559990000"),
            ],
        )
        .expect_error(409);
    assert_eq!(dup["code"], 50416);
    for body in ["a", "b", "c"] {
        s.post(
            &format!("/v1/Conversations/{c2}/Messages"),
            &[("Author", "system"), ("Body", body)],
        )
        .expect(201);
    }

    let mine = s
        .get(&format!("/v1/Users/{us}/Conversations"))
        .expect(200)
        .json();
    let convs = mine["conversations"].as_array().unwrap();
    assert_eq!(convs.len(), 2, "{mine}");
    assert_eq!(convs[0]["conversation_sid"], c1.as_str());
    assert_eq!(convs[0]["unique_name"], "one");
    assert_eq!(convs[1]["unread_messages_count"], 3);
    assert_eq!(convs[1]["notification_level"], "default");
    links_resolve(&s, &convs[1]);
    let uc = format!("/v1/Users/{us}/Conversations/{c2}");
    assert_eq!(
        s.post(&uc, &[("NotificationLevel", "loud")])
            .expect_error(400)["code"],
        20001
    );
    let read = s
        .post(
            &uc,
            &[
                ("NotificationLevel", "muted"),
                ("LastReadMessageIndex", "1"),
            ],
        )
        .expect(200)
        .json();
    assert_eq!(read["notification_level"], "muted");
    assert_eq!(read["last_read_message_index"], 1);
    assert_eq!(read["unread_messages_count"], 1);
    assert_eq!(s.get(&uc).expect(200).json()["notification_level"], "muted");

    // ParticipantConversations: by identity and by address.
    let by_id = s
        .get("/v1/ParticipantConversations?Identity=alice")
        .expect(200)
        .json();
    let found = by_id["conversations"].as_array().unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0]["participant_user_sid"], us.as_str());
    assert_eq!(found[0]["participant_identity"], "alice");
    links_resolve(&s, &found[0]);
    let by_addr = s
        .get("/v1/ParticipantConversations?Address=whatsapp%3A%2B15550001111")
        .expect(200)
        .json();
    let found = by_addr["conversations"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{by_addr}");
    assert_eq!(found[0]["conversation_sid"], c2.as_str());
    assert_eq!(
        found[0]["participant_messaging_binding"]["type"],
        "whatsapp"
    );
    assert_eq!(found[0]["conversation_state"], "active");
    assert!(s
        .get("/v1/ParticipantConversations?Address=%2B1999")
        .expect(200)
        .json()["conversations"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        s.get("/v1/ParticipantConversations").expect_error(400)["code"],
        20001
    );

    // Leaving a conversation removes the participant.
    s.delete(&uc).expect(204);
    s.get(&uc).expect_error(404);
    assert_eq!(
        s.get(&format!("/v1/Users/{us}/Conversations"))
            .expect(200)
            .json()["conversations"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    s.delete(&format!("/v1/Users/{us}")).expect(204);
    s.get(&format!("/v1/Users/{us}")).expect_error(404);
}

#[test]
fn conversation_with_participants_dates_initializing_and_email_bindings() {
    let s = TestServer::start();
    let c = s
        .post(
            "/v1/ConversationWithParticipants",
            &[
                ("FriendlyName", "outbound"),
                ("State", "initializing"),
                ("DateCreated", "2024-01-02T03:04:05Z"),
                ("DateUpdated", "2024-01-03T03:04:05Z"),
                ("Bindings.Email.Address", "customer@example.com"),
                ("Bindings.Email.Name", "Customer"),
                ("Participant", "{\"identity\": \"agent1\"}"),
                (
                    "Participant",
                    "{\"messaging_binding\": {\"address\": \"+15551230000\", \"proxy_address\": \"+15559870000\"}}",
                ),
            ],
        )
        .expect(201)
        .json();
    assert_eq!(c["state"], "initializing");
    assert_eq!(c["date_created"], "2024-01-02T03:04:05Z");
    assert_eq!(c["date_updated"], "2024-01-03T03:04:05Z");
    assert_eq!(c["bindings"]["email"]["address"], "customer@example.com");
    links_resolve(&s, &c);
    let ch = sid(&c);
    let ps = s
        .get(&format!("/v1/Conversations/{ch}/Participants"))
        .expect(200)
        .json();
    assert_eq!(ps["participants"].as_array().unwrap().len(), 2, "{ps}");
    // All or nothing: a bad participant leaves no conversation behind.
    let before = s.get("/v1/Conversations").expect(200).json()["conversations"]
        .as_array()
        .unwrap()
        .len();
    s.post(
        "/v1/ConversationWithParticipants",
        &[
            ("Participant", "{\"identity\": \"x\"}"),
            ("Participant", "not json"),
        ],
    )
    .expect_error(400);
    assert_eq!(
        s.post(
            "/v1/ConversationWithParticipants",
            &[(
                "Participant",
                "{\"messaging_binding\": {\"address\": \"+15551230000\", \"proxy_address\": \"+15559870000\"}}"
            )]
        )
        .expect_error(409)["code"],
        50416
    );
    assert_eq!(
        s.get("/v1/Conversations").expect(200).json()["conversations"]
            .as_array()
            .unwrap()
            .len(),
        before
    );

    // Dates are honoured on update, and on participants and messages.
    let up = s
        .post(
            &format!("/v1/Conversations/{ch}"),
            &[("State", "active"), ("DateUpdated", "2024-02-01T00:00:00Z")],
        )
        .expect(200)
        .json();
    assert_eq!(up["state"], "active");
    assert_eq!(up["date_updated"], "2024-02-01T00:00:00Z");
    let p = s
        .post(
            &format!("/v1/Conversations/{ch}/Participants"),
            &[
                ("Identity", "late"),
                ("DateCreated", "2024-01-05T00:00:00Z"),
            ],
        )
        .expect(201)
        .json();
    assert_eq!(p["date_created"], "2024-01-05T00:00:00Z");
    let m = s
        .post(
            &format!("/v1/Conversations/{ch}/Messages"),
            &[
                ("Body", "old"),
                ("DateCreated", "2024-01-06T00:00:00Z"),
                ("DateUpdated", "2024-01-07T00:00:00Z"),
            ],
        )
        .expect(201)
        .json();
    assert_eq!(m["date_created"], "2024-01-06T00:00:00Z");
    assert_eq!(m["date_updated"], "2024-01-07T00:00:00Z");
    let m2 = s
        .post(
            &format!("/v1/Conversations/{ch}/Messages/{}", sid(&m)),
            &[("DateUpdated", "2024-01-08T00:00:00Z")],
        )
        .expect(200)
        .json();
    assert_eq!(m2["date_updated"], "2024-01-08T00:00:00Z");
    assert_eq!(
        s.post(
            &format!("/v1/Conversations/{ch}"),
            &[("DateCreated", "yesterday")]
        )
        .expect_error(400)["code"],
        20001
    );
}

#[test]
fn credentials_are_stored_without_showing_secrets_and_bindings_are_empty() {
    let s = TestServer::start();
    assert_eq!(
        s.post("/v1/Credentials", &[]).expect_error(400)["code"],
        20001
    );
    assert_eq!(
        s.post("/v1/Credentials", &[("Type", "pager")])
            .expect_error(400)["code"],
        20001
    );
    let c = s
        .post(
            "/v1/Credentials",
            &[
                ("Type", "fcm"),
                ("FriendlyName", "android"),
                ("Secret", "server-key-123"),
                ("Sandbox", "true"),
            ],
        )
        .expect(201)
        .json();
    let cr = sid(&c);
    assert!(cr.starts_with("CR"));
    assert_eq!(c["type"], "fcm");
    assert_eq!(c["sandbox"], "true");
    assert!(!c.to_string().contains("server-key-123"));
    links_resolve(&s, &c);
    let c2 = s
        .post(
            &format!("/v1/Credentials/{cr}"),
            &[("FriendlyName", "android 2")],
        )
        .expect(200)
        .json();
    assert_eq!(c2["friendly_name"], "android 2");
    assert_eq!(
        s.get("/v1/Credentials").expect(200).json()["credentials"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    s.delete(&format!("/v1/Credentials/{cr}")).expect(204);
    s.get(&format!("/v1/Credentials/{cr}")).expect_error(404);

    let is = default_service(&s);
    let b = s
        .get(&format!("/v1/Services/{is}/Bindings?BindingType=fcm"))
        .expect(200)
        .json();
    assert!(b["bindings"].as_array().unwrap().is_empty());
    assert_eq!(
        s.get(&format!("/v1/Services/{is}/Bindings?BindingType=fax"))
            .expect_error(400)["code"],
        20001
    );
    s.get(&format!("/v1/Services/{is}/Bindings/BS{}", "0".repeat(32)))
        .expect_error(404);
}

fn bot_flow() -> Value {
    json!({
        "description": "asks for an order number",
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true},
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingMessage"}, {"event": "incomingCall"},
                             {"event": "incomingConversationMessage", "next": "ask"},
                             {"event": "incomingRequest"}, {"event": "incomingParent"}]},
            {"name": "ask", "type": "send-and-wait-for-reply",
             "properties": {"offset": {"x": 0, "y": 200}, "body": "Order number, please?", "timeout": "3600"},
             "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}]},
            {"name": "thanks", "type": "send-message",
             "properties": {"offset": {"x": 0, "y": 400}, "body": "Looking up {{widgets.ask.inbound.Body}}"},
             "transitions": [{"event": "sent"}, {"event": "failed"}]}
        ]
    })
}

#[test]
fn an_address_configuration_routes_inbound_sms_to_its_studio_flow_as_a_conversation() {
    let carrier = Carrier::start();
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
    ]);
    let flow = sid(&s
        .post(
            "/v2/Flows",
            &[
                ("FriendlyName", "bot"),
                ("Status", "published"),
                ("Definition", &bot_flow().to_string()),
            ],
        )
        .expect(201)
        .json());
    let bad = s
        .post(
            "/v1/Configuration/Addresses",
            &[
                ("Type", "sms"),
                ("Address", "+15550007777"),
                ("AutoCreation.Enabled", "true"),
                ("AutoCreation.Type", "studio"),
            ],
        )
        .expect_error(400);
    assert_eq!(bad["code"], 20001);
    let a = s
        .post(
            "/v1/Configuration/Addresses",
            &[
                ("Type", "sms"),
                ("Address", "+15550007777"),
                ("FriendlyName", "support line"),
                ("AutoCreation.Enabled", "true"),
                ("AutoCreation.Type", "studio"),
                ("AutoCreation.StudioFlowSid", &flow),
                ("AutoCreation.StudioRetryCount", "2"),
                ("AddressCountry", "us"),
            ],
        )
        .expect(201)
        .json();
    assert!(sid(&a).starts_with("IG"));
    assert_eq!(a["auto_creation"]["studio_flow_sid"], flow.as_str());
    assert_eq!(a["auto_creation"]["studio_retry_count"], 2);
    assert_eq!(a["address_country"], "US");
    links_resolve(&s, &a);
    assert_eq!(
        s.post(
            "/v1/Configuration/Addresses",
            &[("Type", "sms"), ("Address", "+15550007777")]
        )
        .status,
        409
    );
    let listed = s
        .get("/v1/Configuration/Addresses?Type=sms")
        .expect(200)
        .json();
    assert_eq!(
        listed["address_configurations"].as_array().unwrap().len(),
        1
    );
    assert!(s
        .get("/v1/Configuration/Addresses?Type=whatsapp")
        .expect(200)
        .json()["address_configurations"]
        .as_array()
        .unwrap()
        .is_empty());

    // The customer texts the configured number: a conversation opens with the flow attached.
    sms(&s, "+15551234567", "+15550007777", "hello", Some("SM1"));
    let pc = wait_until(WAIT, || {
        let v = s
            .get("/v1/ParticipantConversations?Address=%2B15551234567")
            .expect(200)
            .json();
        v["conversations"][0]["conversation_sid"]
            .as_str()
            .map(str::to_string)
    });
    let hooks = s
        .get(&format!("/v1/Conversations/{pc}/Webhooks"))
        .expect(200)
        .json();
    assert_eq!(hooks["webhooks"][0]["target"], "studio");
    assert_eq!(
        hooks["webhooks"][0]["configuration"]["flow_sid"],
        flow.as_str()
    );
    wait_until(WAIT, || {
        bodies(&s, &pc)
            .contains(&"Order number, please?".to_string())
            .then_some(())
    });
    // The flow was started by incomingConversationMessage (incomingMessage leads nowhere).
    assert_eq!(executions(&s, &flow), 1);
    let ex = s
        .get(&format!("/v2/Flows/{flow}/Executions"))
        .expect(200)
        .json();
    let ex_sid = ex["executions"][0]["sid"].as_str().unwrap().to_string();
    let ctx = s
        .get(&format!("/v2/Flows/{flow}/Executions/{ex_sid}/Context"))
        .expect(200)
        .json();
    assert_eq!(
        ctx["context"]["trigger"]["conversation"]["ConversationSid"],
        pc.as_str(),
        "{ctx}"
    );
    // The reply continues the same conversation and execution.
    sms(&s, "+15551234567", "+15550007777", "A-42", Some("SM2"));
    wait_until(WAIT, || {
        bodies(&s, &pc)
            .contains(&"Looking up A-42".to_string())
            .then_some(())
    });
    assert_eq!(executions(&s, &flow), 1);
    // The bot's questions went out to the customer through the carrier, from our number.
    wait_until(WAIT, || (carrier.accepted().len() >= 2).then_some(()));
    let first = &carrier.accepted()[0];
    assert_eq!(first.param("To"), Some("+15551234567"));
    assert_eq!(first.param("From"), Some("+15550007777"));
    // A retried webhook is not a second message.
    sms(&s, "+15551234567", "+15550007777", "A-42", Some("SM2"));
    let msgs = bodies(&s, &pc);
    assert_eq!(
        msgs.iter().filter(|b| b.as_str() == "A-42").count(),
        1,
        "{msgs:?}"
    );

    // Disabled: the number goes back to the Flex Flows (a new conversation of theirs).
    s.post(
        &format!("/v1/Configuration/Addresses/{}", sid(&a)),
        &[("AutoCreation.Enabled", "false")],
    )
    .expect(200);
    sms(&s, "+15557654321", "+15550007777", "hi", Some("SM3"));
    let pc2 = wait_until(WAIT, || {
        let v = s
            .get("/v1/ParticipantConversations?Address=%2B15557654321")
            .expect(200)
            .json();
        v["conversations"][0]["conversation_sid"]
            .as_str()
            .map(str::to_string)
    });
    assert!(s
        .get(&format!("/v1/Conversations/{pc2}/Webhooks"))
        .expect(200)
        .json()["webhooks"]
        .as_array()
        .unwrap()
        .is_empty());
    s.delete(&format!("/v1/Configuration/Addresses/{}", sid(&a)))
        .expect(204);
    s.get(&format!("/v1/Configuration/Addresses/{}", sid(&a)))
        .expect_error(404);
}

/// Issue 20's guarantee on this path too: the server dies right after the first message to a
/// configured address committed (with its routing due); after the restart the start-up sweep
/// hands it to the flow once, and the carrier's retry of the same message adds nothing.
#[test]
fn a_first_message_to_a_configured_address_survives_a_crash_before_the_flow_got_it() {
    let carrier = Carrier::start();
    let mut s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
        ("SWITCHBOARD_FAILPOINT", "after_inbound_store"),
    ]);
    let flow = sid(&s
        .post(
            "/v2/Flows",
            &[
                ("FriendlyName", "bot"),
                ("Status", "published"),
                ("Definition", &bot_flow().to_string()),
            ],
        )
        .expect(201)
        .json());
    s.post(
        "/v1/Configuration/Addresses",
        &[
            ("Type", "sms"),
            ("Address", "+15550008888"),
            ("AutoCreation.Enabled", "true"),
            ("AutoCreation.Type", "studio"),
            ("AutoCreation.StudioFlowSid", &flow),
        ],
    )
    .expect(201);
    let first = [
        ("From", "+15551110000"),
        ("To", "+15550008888"),
        ("Body", "hello"),
        ("MessageSid", "SM80000000000000000000000000000001"),
    ];
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        public_post(&s, "/webhooks/messaging", &first)
    }));
    assert!(r.as_ref().map_or(true, |r| r.status != 200), "answered");
    assert!(
        s.log().contains("failpoint after_inbound_store"),
        "{}",
        s.log()
    );
    s.kill();
    let token = s.token.clone();
    let dir = std::mem::replace(&mut s.dir, TempDir::new("gone"));
    let mut s = TestServer::start_on(
        dir,
        s.db.clone(),
        &[
            ("SWITCHBOARD_PROVIDER_URL", carrier.url.as_str()),
            ("SWITCHBOARD_RETRY_BASE_MS", "50"),
        ],
    );
    s.token = token;
    let conv = s
        .get("/v1/ParticipantConversations?Address=%2B15551110000")
        .expect(200)
        .json()["conversations"][0]["conversation_sid"]
        .as_str()
        .unwrap()
        .to_string();
    wait_until(WAIT, || {
        bodies(&s, &conv)
            .contains(&"Order number, please?".to_string())
            .then_some(())
    });
    public_post(&s, "/webhooks/messaging", &first).expect(200);
    assert_eq!(executions(&s, &flow), 1);
    let b = bodies(&s, &conv);
    assert_eq!(b, ["hello", "Order number, please?"], "{b:?}");
}

#[test]
fn receipts_follow_the_carriers_status_callbacks_and_channel_metadata_resolves() {
    let carrier = Carrier::start();
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
    ]);
    let ch = sid(&s.post("/v1/Conversations", &[]).expect(201).json());
    let base = format!("/v1/Conversations/{ch}");
    let customer = s
        .post(
            &format!("{base}/Participants"),
            &[
                ("MessagingBinding.Address", "+15552220000"),
                ("MessagingBinding.ProxyAddress", "+15553330000"),
            ],
        )
        .expect(201)
        .json();
    let m = s
        .post(
            &format!("{base}/Messages"),
            &[("Author", "agent"), ("Body", "your order shipped")],
        )
        .expect(201)
        .json();
    let receipts_url = m["links"]["delivery_receipts"]
        .as_str()
        .unwrap()
        .to_string();
    let receipts_path = &receipts_url[receipts_url.find("/v1/").unwrap()..];
    let sent = wait_until(WAIT, || {
        let v = s.get(receipts_path).expect(200).json();
        v["delivery_receipts"][0]["status"]
            .as_str()
            .map(|_| v["delivery_receipts"][0].clone())
    });
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["participant_sid"], customer["sid"]);
    assert!(sent["sid"].as_str().unwrap().starts_with("DY"));
    assert_eq!(sent["error_code"], 0);
    links_resolve(&s, &sent);
    let channel_sid = sent["channel_message_sid"].as_str().unwrap().to_string();
    assert_eq!(channel_sid, carrier.accepted()[0].sid);

    // The carrier reports: delivered, then (another send) undelivered with its error code.
    public_post(
        &s,
        "/webhooks/messaging/status",
        &[("MessageSid", &channel_sid), ("MessageStatus", "delivered")],
    )
    .expect(204);
    let r = s.get(receipts_path).expect(200).json();
    assert_eq!(r["delivery_receipts"][0]["status"], "delivered");
    let one = s
        .get(&format!(
            "{receipts_path}/{}",
            sent["sid"].as_str().unwrap()
        ))
        .expect(200)
        .json();
    assert_eq!(one["status"], "delivered");
    assert_eq!(
        s.get(&format!("{base}/Messages/{}", sid(&m)))
            .expect(200)
            .json()["delivery"]["delivered"],
        "all"
    );
    public_post(
        &s,
        "/webhooks/messaging/status",
        &[
            ("MessageSid", &channel_sid),
            ("MessageStatus", "undelivered"),
            ("ErrorCode", "30003"),
        ],
    )
    .expect(204);
    let one = s
        .get(&format!(
            "{receipts_path}/{}",
            sent["sid"].as_str().unwrap()
        ))
        .expect(200)
        .json();
    assert_eq!(one["status"], "undelivered");
    assert_eq!(one["error_code"], 30003);
    s.get(&format!("{receipts_path}/DY{}", "0".repeat(32)))
        .expect_error(404);
    s.get(&format!("{receipts_path}/garbage")).expect_error(404);

    let meta_url = m["links"]["channel_metadata"].as_str().unwrap();
    let meta = s
        .get(&meta_url[meta_url.find("/v1/").unwrap()..])
        .expect(200)
        .json();
    assert_eq!(meta["type"], "sms");
    assert_eq!(meta["data"]["id"], channel_sid.as_str());

    // A chat-only message has no receipts and `chat` metadata.
    let chat = sid(&s.post("/v1/Conversations", &[]).expect(201).json());
    let cm = s
        .post(
            &format!("/v1/Conversations/{chat}/Messages"),
            &[("Body", "hi")],
        )
        .expect(201)
        .json();
    links_resolve(&s, &cm);
    let cmeta = s
        .get(&format!(
            "/v1/Conversations/{chat}/Messages/{}/ChannelMetadata",
            sid(&cm)
        ))
        .expect(200)
        .json();
    assert_eq!(cmeta["type"], "chat");
}

#[test]
fn garbage_input_is_a_4xx_never_a_5xx() {
    let s = TestServer::start();
    let is = default_service(&s);
    let ch = sid(&s.post("/v1/Conversations", &[]).expect(201).json());
    type Case<'a> = (&'a str, String, Vec<(&'a str, &'a str)>);
    let cases: Vec<Case> = vec![
        ("POST", "/v1/Services".into(), vec![("FriendlyName", "")]),
        (
            "POST",
            "/v1/Configuration".into(),
            vec![("DefaultChatServiceSid", "IS123")],
        ),
        (
            "POST",
            "/v1/Configuration/Webhooks".into(),
            vec![("Method", "PUT")],
        ),
        (
            "POST",
            "/v1/Configuration/Webhooks".into(),
            vec![("Target", "nowhere")],
        ),
        (
            "POST",
            format!("/v1/Services/{is}/Configuration"),
            vec![("ReachabilityEnabled", "maybe")],
        ),
        (
            "POST",
            format!("/v1/Services/{is}/Configuration"),
            vec![("DefaultChatServiceRoleSid", "RLnope")],
        ),
        (
            "POST",
            format!("/v1/Services/{is}/Configuration/Notifications"),
            vec![("NewMessage.Enabled", "perhaps")],
        ),
        ("POST", "/v1/Users".into(), vec![("Identity", "")]),
        (
            "POST",
            "/v1/Users".into(),
            vec![("Identity", "x"), ("RoleSid", "RL0")],
        ),
        (
            "POST",
            "/v1/Roles".into(),
            vec![
                ("FriendlyName", "r"),
                ("Type", "service"),
                ("Permission", "drop table"),
            ],
        ),
        (
            "POST",
            "/v1/Configuration/Addresses".into(),
            vec![("Type", "fax"), ("Address", "+1")],
        ),
        (
            "POST",
            "/v1/Configuration/Addresses".into(),
            vec![
                ("Type", "sms"),
                ("Address", "+1"),
                ("AutoCreation.StudioRetryCount", "many"),
            ],
        ),
        (
            "POST",
            "/v1/Configuration/Addresses".into(),
            vec![
                ("Type", "sms"),
                ("Address", "+1"),
                ("AutoCreation.Type", "webhook"),
                ("AutoCreation.WebhookUrl", "javascript:x"),
            ],
        ),
        (
            "POST",
            "/v1/Configuration/Addresses".into(),
            vec![
                ("Type", "sms"),
                ("Address", "+1"),
                ("AutoCreation.ConversationServiceSid", "IS0"),
            ],
        ),
        (
            "POST",
            "/v1/ConversationWithParticipants".into(),
            vec![("Participant", "[1,2]")],
        ),
        (
            "POST",
            "/v1/ConversationWithParticipants".into(),
            vec![("State", "sleepy")],
        ),
        (
            "POST",
            format!("/v1/Conversations/{ch}"),
            vec![("Bindings.Email.Address", "not-an-email")],
        ),
        ("GET", "/v1/Users?PageSize=0".into(), vec![]),
        (
            "GET",
            "/v1/Configuration/Addresses?Type=pigeon".into(),
            vec![],
        ),
        ("GET", "/v1/Users/nobody/Conversations".into(), vec![]),
        (
            "GET",
            format!("/v1/Users/nobody/Conversations/{ch}"),
            vec![],
        ),
        ("GET", "/v1/Roles/RLnope".into(), vec![]),
        (
            "GET",
            format!("/v1/Conversations/{ch}/Messages/IMnope/Receipts"),
            vec![],
        ),
        (
            "GET",
            format!("/v1/Conversations/{ch}/Messages/IMnope/ChannelMetadata"),
            vec![],
        ),
    ];
    for (method, path, params) in cases {
        let r = if method == "GET" {
            s.get(&path)
        } else {
            s.post(&path, &params)
        };
        assert!(
            (400..500).contains(&r.status),
            "{method} {path} {params:?}: {} {}",
            r.status,
            r.text()
        );
        let e = r.json();
        assert!(
            e["code"].as_u64().is_some() && e["more_info"].is_string(),
            "{e}"
        );
    }
}

/// An address configuration whose service was deleted since still takes the customer's
/// message, into the default service, with its webhook target attached.
#[test]
fn an_address_whose_service_is_gone_still_takes_the_message() {
    let s = TestServer::start();
    let svc = sid(&s
        .post("/v1/Services", &[("FriendlyName", "temporary")])
        .expect(201)
        .json());
    s.post(
        "/v1/Configuration/Addresses",
        &[
            ("Type", "whatsapp"),
            ("Address", "whatsapp:+15550006666"),
            ("AutoCreation.Enabled", "true"),
            ("AutoCreation.Type", "webhook"),
            ("AutoCreation.WebhookUrl", "https://example.com/wa"),
            ("AutoCreation.WebhookMethod", "POST"),
            ("AutoCreation.WebhookFilters", "onMessageAdded"),
            ("AutoCreation.ConversationServiceSid", &svc),
        ],
    )
    .expect(201);
    s.delete(&format!("/v1/Services/{svc}")).expect(204);
    sms(
        &s,
        "whatsapp:+15551119999",
        "whatsapp:+15550006666",
        "hola",
        None,
    );
    let found = s
        .get("/v1/ParticipantConversations?Address=whatsapp%3A%2B15551119999")
        .expect(200)
        .json();
    let pc = &found["conversations"][0];
    assert_eq!(
        pc["chat_service_sid"],
        default_service(&s).as_str(),
        "{found}"
    );
    assert_eq!(pc["participant_messaging_binding"]["type"], "whatsapp");
    let conv = pc["conversation_sid"].as_str().unwrap();
    let hooks = s
        .get(&format!("/v1/Conversations/{conv}/Webhooks"))
        .expect(200)
        .json();
    assert_eq!(hooks["webhooks"][0]["target"], "webhook");
    assert_eq!(
        hooks["webhooks"][0]["configuration"]["url"],
        "https://example.com/wa"
    );
    assert_eq!(
        hooks["webhooks"][0]["configuration"]["filters"],
        json!(["onMessageAdded"])
    );
    assert_eq!(bodies(&s, conv), ["hola"]);
}
