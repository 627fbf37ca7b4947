//! Issue 5: the Interactions API — an interaction binds a conversation to a task; accepting the
//! reservation adds the agent (as a conversation participant and an interaction channel
//! participant); closing the channel closes the conversation and completes the task. Without
//! routing, the customer's reply creates the task ("task on customer response").

mod common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use common::*;
use std::time::Duration;
use taskrouter::Tr;

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn interaction_creates_a_bound_task_and_closing_the_channel_ends_it() {
    let s = TestServer::start();
    let tr = Tr::default(&s);
    let wf = s.get(&tr.path("/Workflows")).expect(200).json()["workflows"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    tr.worker("alice", json!({"contact_uri": "client:alice"}));
    let channel = json!({"type": "sms", "initiated_by": "api",
        "participants": [{"address": "+15553000001", "proxy_address": "+15553999999"}]});
    let routing = json!({"properties": {"workspace_sid": tr.ws, "workflow_sid": wf,
        "task_channel_unique_name": "sms", "attributes": {"customerName": "Cy"}}});
    let i = s
        .post(
            "/v1/Interactions",
            &[
                ("Channel", &channel.to_string()),
                ("Routing", &routing.to_string()),
            ],
        )
        .expect(200)
        .json();
    let isid = i["sid"].as_str().unwrap().to_string();
    assert!(isid.starts_with("KD"));
    let task = i["routing"]["properties"]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let attrs: Value =
        serde_json::from_str(tr.fetch_task(&task)["attributes"].as_str().unwrap()).unwrap();
    assert_eq!(attrs["customerName"], "Cy");
    let conv = attrs["conversationSid"].as_str().unwrap().to_string();
    assert_eq!(attrs["flexInteractionSid"], isid.as_str());

    let channels = s
        .get(&format!("/v1/Interactions/{isid}/Channels"))
        .expect(200)
        .json();
    let ch = channels["channels"][0].clone();
    assert_eq!(ch["status"], "active");
    assert_eq!(ch["type"], "sms");
    let chsid = ch["sid"].as_str().unwrap().to_string();
    let parts = format!("/v1/Interactions/{isid}/Channels/{chsid}/Participants");

    // Accepting the reservation adds the agent.
    let r = tr.wait_reservation(&task);
    tr.update_reservation(
        &task,
        r["sid"].as_str().unwrap(),
        &[("ReservationStatus", "accepted")],
    )
    .expect(200);
    wait_until(WAIT, || {
        let p = s.get(&parts).expect(200).json();
        p["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["type"] == "agent")
            .then_some(())
    });
    let kinds: Vec<String> = s.get(&parts).expect(200).json()["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["customer", "agent"]);
    let members = s
        .get(&format!("/v1/Conversations/{conv}/Participants"))
        .expect(200)
        .json();
    let ids: Vec<&str> = members["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["identity"].as_str())
        .collect();
    assert_eq!(ids, ["alice"]);

    // A supervisor joins through the interaction.
    let sup = s
        .post(
            &parts,
            &[
                ("Type", "supervisor"),
                ("MediaProperties", "{\"identity\": \"sam\"}"),
            ],
        )
        .expect(200)
        .json();
    assert_eq!(sup["type"], "supervisor");
    s.post(
        &format!("{parts}/{}", sup["sid"].as_str().unwrap()),
        &[("Status", "closed")],
    )
    .expect(200);

    // Closing the channel closes the conversation and completes the task.
    let closed = s
        .post(
            &format!("/v1/Interactions/{isid}/Channels/{chsid}"),
            &[
                ("Status", "closed"),
                ("Routing", "{\"status\": \"closed\"}"),
            ],
        )
        .expect(200)
        .json();
    assert_eq!(closed["status"], "closed");
    assert_eq!(
        s.get(&format!("/v1/Conversations/{conv}"))
            .expect(200)
            .json()["state"],
        "closed"
    );
    assert_eq!(tr.fetch_task(&task)["assignment_status"], "completed");
    s.post("/v1/Interactions", &[("Channel", "{\"type\": \"pigeon\"}")])
        .expect_error(400);
    s.post("/v1/Interactions", &[]).expect_error(400);
}

#[test]
fn task_on_customer_response() {
    let s = TestServer::start();
    let tr = Tr::default(&s);
    tr.worker("alice", json!({}));
    // Replies to our outbound number are handled by a task-integration Flex Flow.
    s.post(
        "/v1/FlexFlows",
        &[
            ("FriendlyName", "outbound replies"),
            ("ChannelType", "sms"),
            ("ContactIdentity", "+15553888888"),
            ("IntegrationType", "task"),
            ("Integration.Channel", "sms"),
        ],
    )
    .expect(201);
    let channel = json!({"type": "sms", "initiated_by": "agent",
        "participants": [{"address": "+15553000002", "proxy_address": "+15553888888"}]});
    let i = s
        .post("/v1/Interactions", &[("Channel", &channel.to_string())])
        .expect(200)
        .json();
    assert!(
        i["routing"]["properties"].is_null() || i["routing"]["properties"]["sid"].is_null(),
        "{i}"
    );
    let isid = i["sid"].as_str().unwrap();
    let ch = s
        .get(&format!("/v1/Interactions/{isid}/Channels"))
        .expect(200)
        .json()["channels"][0]
        .clone();
    let conv = ch["media_channel_sid"].as_str().unwrap().to_string();
    // The agent writes first (no task yet); the customer's reply creates the task on that conversation.
    s.post(
        &format!("/v1/Conversations/{conv}/Messages"),
        &[("Author", "alice"), ("Body", "Your parcel is ready")],
    )
    .expect(201);
    s.request(
        "POST",
        "/webhooks/messaging",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form_encode(&[
            ("From", "+15553000002"),
            ("To", "+15553888888"),
            ("Body", "great, thanks"),
        ])
        .as_bytes(),
    )
    .expect(200);
    let task = wait_until(WAIT, || {
        let v = s.get(&tr.path("/Tasks")).expect(200).json();
        v["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["attributes"].as_str().unwrap().contains(&conv))
            .map(|t| t["sid"].as_str().unwrap().to_string())
    });
    assert!(task.starts_with("WT"));
    let msgs = s
        .get(&format!("/v1/Conversations/{conv}/Messages"))
        .expect(200)
        .json();
    assert_eq!(msgs["messages"].as_array().unwrap().len(), 2);
    // The interaction channel learns its task from task.created.
    wait_until(WAIT, || {
        let c = s
            .get(&format!("/v1/Interactions/{isid}/Channels"))
            .expect(200)
            .json();
        (c["channels"][0]["task_sid"] == task.as_str()).then_some(())
    });
}

/// Agent-initiated outbound: `routing.properties.worker_sid` becomes the task's
/// `known_worker_sid`, and a workflow with a known-worker target reserves that agent at once
/// (another available agent is not asked).
#[test]
fn agent_initiated_interaction_goes_to_that_agent() {
    let s = TestServer::start();
    let tr = Tr::default(&s);
    tr.worker("alice", json!({}));
    let bob = tr.worker("bob", json!({}));
    let everyone = s.get(&tr.path("/TaskQueues")).expect(200).json()["task_queues"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let wf = tr.workflow(
        "known agent",
        json!({"task_routing": {"filters": [{"filter_friendly_name": "known", "expression": "known_worker_sid != null",
            "targets": [{"queue": everyone, "known_worker_sid": "task.known_worker_sid"}]}],
            "default_filter": {"queue": everyone}}}),
        &[],
    );
    let channel = json!({"type": "sms", "initiated_by": "agent",
        "participants": [{"address": "+15553000003", "proxy_address": "+15553777777"}]});
    let routing = json!({"properties": {"workspace_sid": tr.ws, "workflow_sid": wf,
        "task_channel_unique_name": "sms", "worker_sid": bob, "attributes": {"direction": "outbound"}}});
    let i = s
        .post(
            "/v1/Interactions",
            &[
                ("Channel", &channel.to_string()),
                ("Routing", &routing.to_string()),
            ],
        )
        .expect(200)
        .json();
    let task = i["routing"]["properties"]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let r = tr.wait_reservation(&task);
    assert_eq!(r["worker_sid"], bob.as_str());
}
