//! Issue 18 (Flex v1) and issue 15 item 4 (transfers), over the real binary: Interactions update,
//! channel Invites and Transfers (a cold and a warm transfer between two agents, a transfer
//! nobody takes returning to the first agent), the Channel Janitor keeping a channel open
//! mid-transfer, Flex Configuration, WebChannels and the legacy Channels, and every product's
//! routes under its own path prefix.

#[path = "common/channels.rs"]
mod channels;
mod common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use channels::*;
use common::*;
use taskrouter::Tr;

const OUR_NUMBER: &str = "+15550001000";
const CUSTOMER: &str = "+15550002000";

/// A customer's SMS conversation served by alice (bob offline), bound to an interaction.
struct Setup<'a> {
    s: &'a TestServer,
    tr: Tr<'a>,
    alice: String,
    bob: String,
    conv: String,
    task: String,
    channel: String,
}

impl Setup<'_> {
    fn path(&self, rest: &str) -> String {
        format!("{}{rest}", self.channel)
    }

    fn transfer(&self, params: &[(&str, &str)]) -> Value {
        self.s
            .post(&self.path("/Transfers"), params)
            .expect(201)
            .json()
    }

    fn fetch_transfer(&self, sid: &str) -> Value {
        self.s
            .get(&self.path(&format!("/Transfers/{sid}")))
            .expect(200)
            .json()
    }

    fn wait_transfer(&self, sid: &str, status: &str) -> Value {
        wait_until(WAIT, || {
            let t = self.fetch_transfer(sid);
            (t["status"] == status).then_some(t)
        })
    }

    /// The task routed for transfer `sid`.
    fn transfer_task(&self, sid: &str) -> Value {
        tasks_of(&self.tr, &self.conv)
            .into_iter()
            .find(|t| t["attributes"].as_str().unwrap().contains(sid))
            .unwrap_or_else(|| panic!("no task for {sid}: {:?}", tasks_of(&self.tr, &self.conv)))
    }

    /// The task of the channel's latest invite (a transfer's too), from the invites list.
    fn last_invite_task(&self) -> String {
        let v = self.s.get(&self.path("/Invites")).expect(200).json();
        let all = v["invites"].as_array().unwrap();
        all.last().unwrap()["routing"]["properties"]["sid"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn identities(&self) -> Vec<String> {
        let v = self
            .s
            .get(&format!("/v1/Conversations/{}/Participants", self.conv))
            .expect(200)
            .json();
        let mut ids: Vec<String> = v["participants"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["identity"].as_str().map(str::to_string))
            .collect();
        ids.sort();
        ids
    }

    fn status(&self, task: &str) -> String {
        self.tr.fetch_task(task)["assignment_status"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

fn setup(s: &TestServer) -> Setup<'_> {
    let tr = Tr::default(s);
    let alice = tr.worker("alice", json!({}));
    let bob = tr.worker("bob", json!({}));
    tr.set_activity(&bob, &tr.offline);
    let (conv, task) = served_sms(s, &tr, "support line", "alice", OUR_NUMBER, CUSTOMER);
    let channel = json!({"type": "sms", "properties": {"media_channel_sid": conv}});
    let i = s
        .post("/v1/Interactions", &[("Channel", &channel.to_string())])
        .expect(200)
        .json();
    let isid = i["sid"].as_str().unwrap().to_string();
    let chsid = i["channel"]["sid"].as_str().unwrap().to_string();
    let channel = format!("/v1/Interactions/{isid}/Channels/{chsid}");
    tr.set_activity(&bob, &tr.available);
    let setup = Setup {
        s,
        tr,
        alice,
        bob,
        conv,
        task,
        channel,
    };
    // The agent's channel participant is recorded as the reservation is accepted.
    wait_until(WAIT, || {
        let p = s.get(&setup.path("/Participants")).expect(200).json();
        p["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["type"] == "agent")
            .then_some(())
    });
    setup
}

#[test]
fn a_cold_transfer_hands_the_conversation_to_the_second_agent() {
    let s = TestServer::start();
    let x = setup(&s);
    let t = x.transfer(&[
        ("Type", "cold"),
        ("To", &x.bob),
        ("Note", "VIP customer, wants a refund"),
    ]);
    let sid = t["sid"].as_str().unwrap().to_string();
    assert!(sid.starts_with("UX"), "{t}");
    assert_eq!(t["status"], "active");
    assert_eq!(t["type"], "cold");
    assert_eq!(t["to"], x.bob.as_str());
    assert!(t["from"].as_str().unwrap().starts_with("UT"), "{t}");
    assert!(t["note_sid"].as_str().unwrap().starts_with("KQ"));
    assert!(t["instance_sid"].as_str().unwrap().starts_with("GO"));
    for k in [
        "account_sid",
        "interaction_sid",
        "channel_sid",
        "execution_sid",
        "summary_sid",
        "date_created",
        "date_updated",
        "url",
    ] {
        assert!(t.get(k).is_some(), "{k} missing: {t}");
    }
    // The url resolves.
    let url = t["url"].as_str().unwrap();
    let path = &url[url.find("/v1/").unwrap()..];
    assert_eq!(s.get(path).expect(200).json()["sid"], sid.as_str());
    assert_eq!(s.get(&x.channel).expect(200).json()["status"], "transfer");

    // Mid-transfer the first agent still has the customer.
    assert_eq!(x.status(&x.task), "assigned");
    let task = x.transfer_task(&sid);
    let attrs: Value = serde_json::from_str(task["attributes"].as_str().unwrap()).unwrap();
    assert_eq!(attrs["transferNote"], "VIP customer, wants a refund");
    assert_eq!(attrs["transfer"]["note"], "VIP customer, wants a refund");
    assert_eq!(attrs["conversationSid"], x.conv.as_str());
    let t1 = task["sid"].as_str().unwrap().to_string();
    let r = x.tr.wait_reservation(&t1);
    assert_eq!(r["worker_sid"], x.bob.as_str());
    x.tr.update_reservation(
        &t1,
        r["sid"].as_str().unwrap(),
        &[("ReservationStatus", "accepted")],
    )
    .expect(200);

    // Bob joins; alice's task wraps and she leaves; the transfer is complete.
    let done = x.wait_transfer(&sid, "completed");
    assert_eq!(done["status"], "completed");
    wait_until(WAIT, || (x.identities() == ["bob"]).then_some(()));
    assert_eq!(x.status(&x.task), "wrapping");
    assert_eq!(s.get(&x.channel).expect(200).json()["status"], "active");

    // Alice completes her wrap-up: the conversation stays with bob, who sees the whole
    // transcript, and the customer's next message reaches him (no new task).
    s.post(
        &x.tr.path(&format!("/Tasks/{}", x.task)),
        &[("AssignmentStatus", "completed")],
    )
    .expect(200);
    sms(&s, CUSTOMER, OUR_NUMBER, "still there?", None);
    wait_until(WAIT, || {
        bodies(&s, &x.conv)
            .contains(&"still there?".to_string())
            .then_some(())
    });
    assert_eq!(
        bodies(&s, &x.conv),
        ["hi, my order is late", "still there?"]
    );
    assert_eq!(tasks_of(&x.tr, &x.conv).len(), 2);
    assert_eq!(conversation(&s, &x.conv)["state"], "active");

    // Only the last task's end closes the channel.
    s.post(
        &x.tr.path(&format!("/Tasks/{t1}")),
        &[("AssignmentStatus", "wrapping")],
    )
    .expect(200);
    wait_until(WAIT, || {
        (conversation(&s, &x.conv)["state"] == "inactive").then_some(())
    });
}

#[test]
fn a_warm_transfer_keeps_both_agents_until_the_first_leaves() {
    let s = TestServer::start();
    let x = setup(&s);
    // The transfer's create body is JSON in Twilio's definition.
    let body = json!({"type": "warm", "to": x.bob, "note": "over to billing"}).to_string();
    let t = s
        .request(
            "POST",
            &x.path("/Transfers"),
            &[
                ("Authorization", &s.auth()),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        )
        .expect(201)
        .json();
    let sid = t["sid"].as_str().unwrap().to_string();
    assert_eq!(t["type"], "warm");
    let t1 = x.transfer_task(&sid)["sid"].as_str().unwrap().to_string();
    accept(&x.tr, &t1);
    wait_until(WAIT, || (x.identities() == ["alice", "bob"]).then_some(()));
    // Both stay: the transfer is under way until alice leaves.
    assert_eq!(x.fetch_transfer(&sid)["status"], "active");
    assert_eq!(x.status(&x.task), "assigned");
    s.post(
        &x.path(&format!("/Transfers/{sid}")),
        &[("Status", "failed")],
    )
    .expect_error(409);

    // Alice leaves by closing her channel participant to wrap-up.
    let parts = s.get(&x.path("/Participants")).expect(200).json();
    let mine: Vec<String> = parts["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == "agent")
        .map(|p| p["sid"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(mine.len(), 2, "{parts}");
    let alice_ut = x.fetch_transfer(&sid)["from"].as_str().unwrap().to_string();
    assert!(mine.contains(&alice_ut));
    s.post(
        &x.path(&format!("/Participants/{alice_ut}")),
        &[("Status", "wrapup")],
    )
    .expect(200);
    x.wait_transfer(&sid, "completed");
    assert_eq!(x.status(&x.task), "wrapping");
    wait_until(WAIT, || (x.identities() == ["bob"]).then_some(()));
    // The janitor has seen alice's task end and kept the channel open for bob.
    assert_eq!(conversation(&s, &x.conv)["state"], "active");
    sms(&s, CUSTOMER, OUR_NUMBER, "thanks bob", None);
    wait_until(WAIT, || {
        bodies(&s, &x.conv)
            .contains(&"thanks bob".to_string())
            .then_some(())
    });
    assert_eq!(tasks_of(&x.tr, &x.conv).len(), 2);
    let _ = &x.alice;
}

#[test]
fn a_transfer_nobody_takes_fails_and_the_first_agent_keeps_the_customer() {
    let s = TestServer::start();
    let x = setup(&s);
    x.tr.set_activity(&x.bob, &x.tr.offline);
    // Bob is offline: the transfer's task lives one second, then TaskRouter cancels it.
    let routing = json!({"properties": {"timeout": 1}}).to_string();
    let t = x.transfer(&[("Type", "cold"), ("To", &x.bob), ("Routing", &routing)]);
    let sid = t["sid"].as_str().unwrap().to_string();
    let failed = x.wait_transfer(&sid, "failed");
    assert_eq!(failed["status"], "failed");
    // Its time to live passed: TaskRouter removed the task (`task.system-deleted`).
    let t1 = x.last_invite_task();
    s.get(&x.tr.path(&format!("/Tasks/{t1}"))).expect_error(404);
    assert_eq!(x.status(&x.task), "assigned");
    assert_eq!(s.get(&x.channel).expect(200).json()["status"], "active");
    assert_eq!(x.identities(), ["alice"]);
    assert_eq!(conversation(&s, &x.conv)["state"], "active");
    sms(&s, CUSTOMER, OUR_NUMBER, "hello?", None);
    wait_until(WAIT, || {
        bodies(&s, &x.conv)
            .contains(&"hello?".to_string())
            .then_some(())
    });
    let live: Vec<Value> = tasks_of(&x.tr, &x.conv);
    assert_eq!(live.len(), 1, "no new task: alice still has it");
    assert_eq!(live[0]["sid"], x.task.as_str());

    // A transfer withdrawn by hand fails at once, and its task is canceled.
    let queue = x.tr.queue("Billing", "1==1", &[]);
    let t = x.transfer(&[("To", &queue)]);
    let sid2 = t["sid"].as_str().unwrap().to_string();
    assert_eq!(t["type"], "cold");
    let t2 = x.transfer_task(&sid2)["sid"].as_str().unwrap().to_string();
    // One transfer at a time on a channel.
    s.post(&x.path("/Transfers"), &[("To", &x.bob)])
        .expect_error(409);
    s.post(
        &x.path(&format!("/Transfers/{sid2}")),
        &[("Status", "completed")],
    )
    .expect_error(409);
    let w = s
        .post(
            &x.path(&format!("/Transfers/{sid2}")),
            &[("Status", "failed")],
        )
        .expect(200)
        .json();
    assert_eq!(w["status"], "failed");
    assert_eq!(x.status(&t2), "canceled");
    assert_eq!(x.status(&x.task), "assigned");

    // Bad input: Twilio error JSON, never a 5xx.
    for (params, status) in [
        (vec![], 400),
        (vec![("To", "WKnotasid")], 400),
        (vec![("To", "WK00000000000000000000000000000000")], 400),
        (vec![("To", x.alice.as_str())], 400),
        (vec![("To", x.bob.as_str()), ("Type", "external")], 400),
        (vec![("To", x.bob.as_str()), ("Type", "hot")], 400),
        (vec![("To", x.bob.as_str()), ("Routing", "[1]")], 400),
        (
            vec![
                ("To", x.bob.as_str()),
                ("From", "WK00000000000000000000000000000000"),
            ],
            400,
        ),
    ] {
        let e = s.post(&x.path("/Transfers"), &params).expect_error(status);
        assert!(e["code"].as_u64().is_some(), "{e}");
    }
    s.get(&x.path("/Transfers/UX00000000000000000000000000000000"))
        .expect_error(404);
    s.post(
        &x.path(&format!("/Transfers/{sid2}")),
        &[("Status", "bogus")],
    )
    .expect_error(400);
    s.post(
        "/v1/Interactions/KD0/Channels/UO0/Transfers",
        &[("To", &x.bob)],
    )
    .expect_error(404);
}

#[test]
fn an_invite_routes_a_task_with_the_conversations_attributes() {
    let s = TestServer::start();
    let x = setup(&s);
    let wf = s.get(&x.tr.path("/Workflows")).expect(200).json()["workflows"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let routing = json!({"properties": {"workspace_sid": x.tr.ws, "workflow_sid": wf,
        "task_channel_unique_name": "sms", "attributes": {"topic": "billing"}}});
    let inv = s
        .post(&x.path("/Invites"), &[("Routing", &routing.to_string())])
        .expect(200)
        .json();
    let sid = inv["sid"].as_str().unwrap().to_string();
    assert!(sid.starts_with("KG"), "{inv}");
    let task = inv["routing"]["properties"]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let url = inv["url"].as_str().unwrap();
    s.get(&url[url.find("/v1/").unwrap()..]).expect(200);
    let list = s.get(&x.path("/Invites")).expect(200).json();
    assert_eq!(list["invites"][0]["sid"], sid.as_str());
    assert_eq!(list["meta"]["key"], "invites");
    let attrs: Value =
        serde_json::from_str(x.tr.fetch_task(&task)["attributes"].as_str().unwrap()).unwrap();
    assert_eq!(attrs["topic"], "billing");
    assert_eq!(attrs["flexChannelInviteSid"], sid.as_str());
    assert_eq!(attrs["conversationSid"], x.conv.as_str());
    assert_eq!(attrs["channelType"], "sms");
    accept(&x.tr, &task);
    wait_until(WAIT, || (x.identities() == ["alice", "bob"]).then_some(()));
    assert_eq!(x.status(&x.task), "assigned");
    s.post(&x.path("/Invites"), &[]).expect_error(400);
    s.post(&x.path("/Invites"), &[("Routing", "nope")])
        .expect_error(400);

    // Closing the channel wraps every task serving it (both agents').
    s.post(&x.channel, &[("Status", "inactive")]).expect(200);
    assert_eq!(x.status(&x.task), "wrapping");
    assert_eq!(x.status(&task), "wrapping");
}

#[test]
fn interactions_update_webhook_ttid_and_participant_routing_properties() {
    let s = TestServer::start();
    let channel = json!({"type": "sms", "participants": [{"address": "+15553000009", "proxy_address": "+15553999999"}]});
    let i = s
        .post(
            "/v1/Interactions",
            &[
                ("Channel", &channel.to_string()),
                ("WebhookTtid", "flex_interactionwebhook_00"),
            ],
        )
        .expect(200)
        .json();
    assert_eq!(i["webhook_ttid"], "flex_interactionwebhook_00");
    let kd = i["sid"].as_str().unwrap().to_string();
    let u = s
        .post(
            &format!("/v1/Interactions/{kd}"),
            &[("WebhookTtid", "other")],
        )
        .expect(200)
        .json();
    assert_eq!(u["webhook_ttid"], "other");
    assert_eq!(
        s.get(&format!("/v1/Interactions/{kd}")).expect(200).json()["webhook_ttid"],
        "other"
    );
    for k in [
        "sid",
        "channel",
        "routing",
        "url",
        "links",
        "interaction_context_sid",
        "webhook_ttid",
    ] {
        assert!(u.get(k).is_some(), "{k}: {u}");
    }
    s.post(
        "/v1/Interactions/KD00000000000000000000000000000000",
        &[("WebhookTtid", "x")],
    )
    .expect_error(404);
    s.post(
        "/v1/Interactions",
        &[
            ("Channel", &channel.to_string()),
            ("InteractionContextSid", "nope"),
        ],
    )
    .expect_error(400);
    let uo = i["channel"]["sid"].as_str().unwrap();
    let ch = s
        .get(&format!("/v1/Interactions/{kd}/Channels/{uo}"))
        .expect(200)
        .json();
    for l in ["participants", "invites", "transfers"] {
        let url = ch["links"][l].as_str().unwrap();
        s.get(&url[url.find("/v1/").unwrap()..]).expect(200);
    }
    let p = s
        .post(
            &format!("/v1/Interactions/{kd}/Channels/{uo}/Participants"),
            &[
                ("Type", "agent"),
                ("MediaProperties", "{\"identity\": \"sam\"}"),
                ("RoutingProperties", "{\"workspace_sid\": \"WS1\"}"),
            ],
        )
        .expect(200)
        .json();
    assert_eq!(p["routing_properties"]["workspace_sid"], "WS1");
    s.post(
        &format!("/v1/Interactions/{kd}/Channels/{uo}/Participants"),
        &[("Type", "agent")],
    )
    .expect_error(400);
    // Channel Transfers on a channel with no agent's task to transfer from: 409.
    s.post(
        &format!("/v1/Interactions/{kd}/Channels/{uo}/Transfers"),
        &[("To", "WQ00000000000000000000000000000000")],
    )
    .expect_error(409);
}

#[test]
fn flex_configuration_is_served_under_the_flex_api_prefix() {
    let s = TestServer::start();
    let tr = Tr::default(&s);
    let c = s.get("/flex-api/v1/Configuration").expect(200).json();
    for k in [
        "account_sid",
        "date_created",
        "date_updated",
        "attributes",
        "status",
        "taskrouter_workspace_sid",
        "taskrouter_target_workflow_sid",
        "taskrouter_target_taskqueue_sid",
        "taskrouter_taskqueues",
        "taskrouter_skills",
        "taskrouter_worker_channels",
        "taskrouter_worker_attributes",
        "taskrouter_offline_activity_sid",
        "runtime_domain",
        "messaging_service_instance_sid",
        "chat_service_instance_sid",
        "flex_service_instance_sid",
        "flex_instance_sid",
        "ui_language",
        "ui_attributes",
        "ui_dependencies",
        "ui_version",
        "service_version",
        "call_recording_enabled",
        "call_recording_webhook_url",
        "crm_enabled",
        "crm_type",
        "crm_callback_url",
        "crm_fallback_url",
        "crm_attributes",
        "public_attributes",
        "plugin_service_enabled",
        "plugin_service_attributes",
        "integrations",
        "outbound_call_flows",
        "serverless_service_sids",
        "queue_stats_configuration",
        "notifications",
        "markdown",
        "url",
        "flex_insights_hr",
        "flex_insights_drilldown",
        "flex_url",
        "channel_configs",
        "debugger_integration",
        "flex_ui_status_report",
        "agent_conv_end_methods",
        "citrix_voice_vdi",
        "offline_config",
    ] {
        assert!(c.get(k).is_some(), "{k} missing");
    }
    assert_eq!(c["taskrouter_workspace_sid"], tr.ws.as_str());
    assert_eq!(c["taskrouter_offline_activity_sid"], tr.offline.as_str());
    assert_eq!(c["status"], "ok");
    assert!(c["url"]
        .as_str()
        .unwrap()
        .ends_with("/flex-api/v1/Configuration"));
    // Bare, `/v1/Configuration` is Conversations' (the two products share the path).
    let conv = s.get("/v1/Configuration").expect(200).json();
    assert!(conv.get("default_chat_service_sid").is_some(), "{conv}");
    assert_eq!(
        s.get("/conversations/v1/Configuration").expect(200).json()["default_chat_service_sid"],
        conv["default_chat_service_sid"]
    );
    let p = s
        .get("/flex-api/v1/Configuration?UiVersion=2.9.1")
        .expect(200)
        .json();
    assert!(
        p["url"]
            .as_str()
            .unwrap()
            .ends_with("/flex-api/v1/Configuration"),
        "{}",
        p["url"]
    );
    assert_eq!(p["ui_version"], "2.9.1");

    let post = |body: &str| {
        s.request(
            "POST",
            "/flex-api/v1/Configuration",
            &[
                ("Authorization", &s.auth()),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        )
    };
    let body = json!({"account_sid": s.sid, "ui_language": "fr", "crm_enabled": true,
        "ui_attributes": {"theme": "dark"}});
    let u = post(&body.to_string()).expect(200).json();
    assert_eq!(u["ui_language"], "fr");
    assert_eq!(u["crm_enabled"], true);
    let again = s.get("/flex-api/v1/Configuration").expect(200).json();
    assert_eq!(again["ui_attributes"]["theme"], "dark");
    for bad in [
        json!({"bogus": 1}),
        json!({"crm_enabled": "yes"}),
        json!({"account_sid": "AC00000000000000000000000000000000"}),
        json!({"taskrouter_workspace_sid": "nope"}),
        json!({"flex_instance_sid": "GO1"}),
        json!([1]),
    ] {
        let e = post(&bad.to_string()).expect_error(400);
        assert_eq!(e["code"], 20001, "{bad}: {e}");
    }
    post("{not json").expect_error(400);
}

#[test]
fn each_product_answers_under_its_own_prefix_and_only_its_own_routes() {
    let s = TestServer::start();
    let w = s.get("/taskrouter/v1/Workspaces").expect(200).json();
    assert!(
        w["meta"]["url"]
            .as_str()
            .unwrap()
            .contains("/taskrouter/v1/Workspaces"),
        "{w}"
    );
    let ws = w["workspaces"][0]["url"].as_str().unwrap();
    assert!(ws.contains("/taskrouter/v1/Workspaces/WS"), "{ws}");
    s.get("/studio/v2/Flows").expect(200);
    s.get("/flex-api/v1/FlexFlows").expect(200);
    s.get("/conversations/v1/Conversations").expect(200);
    s.get(&format!("/api{}.json", s.account_path())).expect(200);
    // Another product's route is not served under a prefix, nor switchboard's own.
    s.get("/flex-api/v1/Workspaces").expect_error(404);
    s.get("/taskrouter/v1/Configuration").expect_error(404);
    s.get("/flex-api/v1/Conversations").expect_error(404);
    s.get("/flex-api/healthz").expect_error(404);
    s.get("/conversations/v1/FlexFlows").expect_error(404);
}

#[test]
fn web_channels_and_legacy_channels_start_real_web_chats() {
    let s = TestServer::start();
    let flows = s.get("/v1/FlexFlows").expect(200).json();
    let web = flows["flex_flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["channel_type"] == "web")
        .unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let c = s
        .post(
            "/v1/WebChannels",
            &[
                ("FlexFlowSid", &web),
                ("Identity", "customer-7"),
                ("CustomerFriendlyName", "Cy"),
                ("ChatFriendlyName", "Chat with Cy"),
                ("PreEngagementData", "{\"topic\": \"billing\"}"),
            ],
        )
        .expect(201)
        .json();
    let ch = c["sid"].as_str().unwrap().to_string();
    assert!(ch.starts_with("CH"));
    for k in [
        "account_sid",
        "flex_flow_sid",
        "sid",
        "url",
        "date_created",
        "date_updated",
    ] {
        assert!(c.get(k).is_some(), "{k}: {c}");
    }
    let conv = conversation(&s, &ch);
    assert_eq!(conv["friendly_name"], "Chat with Cy");
    let attrs: Value = serde_json::from_str(conv["attributes"].as_str().unwrap()).unwrap();
    assert_eq!(attrs["pre_engagement_data"]["topic"], "billing");
    // The same identity again answers the open chat.
    let again = s
        .post(
            "/v1/WebChannels",
            &[
                ("FlexFlowSid", &web),
                ("Identity", "customer-7"),
                ("CustomerFriendlyName", "Cy"),
                ("ChatFriendlyName", "Chat with Cy"),
            ],
        )
        .expect(201)
        .json();
    assert_eq!(again["sid"], ch.as_str());
    let url = c["url"].as_str().unwrap();
    s.get(&url[url.find("/v1/").unwrap()..]).expect(200);
    let list = s.get("/v1/WebChannels").expect(200).json();
    assert_eq!(list["flex_chat_channels"].as_array().unwrap().len(), 1);
    s.post(
        &format!("/v1/WebChannels/{ch}"),
        &[
            ("ChatStatus", "inactive"),
            ("PostEngagementData", "{\"rating\": 5}"),
        ],
    )
    .expect(200);
    assert_eq!(conversation(&s, &ch)["state"], "inactive");
    s.post(
        &format!("/v1/WebChannels/{ch}"),
        &[("ChatStatus", "active")],
    )
    .expect_error(400);
    s.delete(&format!("/v1/WebChannels/{ch}")).expect(204);
    s.get(&format!("/v1/WebChannels/{ch}")).expect_error(404);
    s.post("/v1/WebChannels", &[("FlexFlowSid", &web)])
        .expect_error(400);
    s.post(
        "/v1/WebChannels",
        &[
            ("FlexFlowSid", "FO00000000000000000000000000000000"),
            ("Identity", "x"),
            ("CustomerFriendlyName", "x"),
            ("ChatFriendlyName", "x"),
        ],
    )
    .expect_error(400);

    let legacy = s
        .post(
            "/v1/Channels",
            &[
                ("FlexFlowSid", &web),
                ("Identity", "customer-8"),
                ("ChatUserFriendlyName", "Di"),
                ("ChatFriendlyName", "Chat with Di"),
                ("TaskAttributes", "{\"priority_customer\": true}"),
                ("LongLived", "false"),
            ],
        )
        .expect(201)
        .json();
    let lsid = legacy["sid"].as_str().unwrap().to_string();
    assert!(legacy["user_sid"].as_str().unwrap().starts_with("US"));
    assert!(legacy.get("task_sid").is_some());
    s.get(&format!("/v1/Channels/{lsid}")).expect(200);
    assert_eq!(
        s.get("/flex-api/v1/Channels").expect(200).json()["flex_chat_channels"][0]["sid"],
        lsid.as_str()
    );
    s.post(
        "/v1/Channels",
        &[
            ("FlexFlowSid", &web),
            ("Identity", "customer-9"),
            ("ChatUserFriendlyName", "Di"),
            ("ChatFriendlyName", "x"),
            ("LongLived", "maybe"),
        ],
    )
    .expect_error(400);
    s.delete(&format!("/v1/Channels/{lsid}")).expect(204);
    s.delete(&format!("/v1/Channels/{lsid}")).expect_error(404);
}

#[test]
fn no_flex_route_answers_5xx_to_junk() {
    let s = TestServer::start();
    let x = setup(&s);
    let kd = x.channel.split('/').nth(3).unwrap().to_string();
    let uo = x.channel.split('/').nth(5).unwrap().to_string();
    let ch = x.channel.clone();
    let paths = [
        "/flex-api/v1/Configuration".to_string(),
        "/v1/WebChannels".into(),
        "/v1/WebChannels/CH00000000000000000000000000000000".into(),
        "/v1/Channels".into(),
        "/v1/Channels/CHjunk".into(),
        "/v1/Interactions".into(),
        format!("/v1/Interactions/{kd}"),
        format!("/v1/Interactions/{kd}/Channels"),
        ch.clone(),
        format!("{ch}/Participants"),
        format!("{ch}/Participants/UT00000000000000000000000000000000"),
        format!("{ch}/Invites"),
        format!("{ch}/Invites/KGjunk"),
        format!("{ch}/Transfers"),
        format!("{ch}/Transfers/UXjunk"),
        format!("/v1/Interactions/KDjunk/Channels/{uo}/Transfers"),
    ];
    let junk: &[&[(&str, &str)]] = &[
        &[],
        &[("Routing", "{")],
        &[(
            "Routing",
            "{\"properties\": {\"workspace_sid\": 5, \"timeout\": \"x\"}}",
        )],
        &[(
            "Routing",
            "{\"properties\": {\"workspace_sid\": \"WS0\", \"attributes\": \"[\"}}",
        )],
        &[(
            "Channel",
            "{\"type\": \"sms\", \"properties\": {\"media_channel_sid\": \"CHnope\"}}",
        )],
        &[("Channel", "[]"), ("Status", "open")],
        &[
            ("Status", "\u{0}"),
            ("Type", "agent"),
            ("MediaProperties", "{}"),
        ],
        &[
            ("To", &x.bob),
            ("Type", "warm"),
            ("Note", &"n".repeat(5000)),
        ],
        &[
            ("To", &x.bob),
            (
                "Routing",
                "{\"properties\": {\"workflow_sid\": \"WW00000000000000000000000000000000\"}}",
            ),
        ],
        &[
            ("To", &x.bob),
            (
                "Routing",
                "{\"properties\": {\"queue_sid\": \"WQ00000000000000000000000000000000\"}}",
            ),
        ],
        &[
            ("FlexFlowSid", "FOx"),
            ("Identity", ""),
            ("CustomerFriendlyName", "x"),
            ("ChatFriendlyName", "x"),
        ],
        &[("ChatStatus", "closed"), ("PostEngagementData", "{")],
        &[("WebhookTtid", &"t".repeat(300))],
    ];
    for path in &paths {
        for params in junk {
            for method in ["GET", "POST", "DELETE"] {
                let r = match method {
                    "GET" => s.get(&format!("{path}?PageSize=abc&UiVersion={}", "v".repeat(70))),
                    "DELETE" => s.delete(path),
                    _ => s.post(path, params),
                };
                assert!(
                    r.status < 500,
                    "{method} {path} {params:?}: {} {}",
                    r.status,
                    r.text()
                );
            }
            let body = json!({"type": 1, "to": [], "routing": "x", "status": {}}).to_string();
            let r = s.request(
                "POST",
                path,
                &[
                    ("Authorization", &s.auth()),
                    ("Content-Type", "application/json"),
                ],
                body.as_bytes(),
            );
            assert!(
                r.status < 500,
                "JSON POST {path}: {} {}",
                r.status,
                r.text()
            );
        }
    }
    // After all that, the conversation is still the first agent's.
    assert_eq!(x.status(&x.task), "assigned");
}
