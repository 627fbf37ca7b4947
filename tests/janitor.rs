//! Issue 5: the Channel Janitor and System Checkup against the real binary. Inbound SMS go through
//! task-integration Flex Flows into the default workspace, where one available agent takes them.
//! Matrix: each of task.canceled / task.wrapup / task.completed / task.system-deleted cleans
//! (conversation inactive, session gone); task.deleted does not; LongLived keeps the conversation
//! (and its history) across two interactions; a disabled janitor leaves everything, and System
//! Checkup finds and cleans what it left.

#[path = "common/channels.rs"]
mod channels;
mod common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use channels::{accept, bodies, conversation, sms, wait_participant, WAIT};
use common::*;
use taskrouter::Tr;

pub struct Fixture<'a> {
    pub s: &'a TestServer,
    pub tr: Tr<'a>,
    pub alice: String,
}

impl<'a> Fixture<'a> {
    pub fn new(s: &'a TestServer) -> Fixture<'a> {
        let tr = Tr::default(s);
        let alice = tr.worker("alice", json!({"contact_uri": "client:alice"}));
        Fixture { s, tr, alice }
    }

    /// A task-integration SMS handler for `number`.
    pub fn handler(
        &self,
        number: &str,
        janitor: bool,
        long_lived: bool,
        ttl: Option<&str>,
    ) -> String {
        let mut p = vec![
            ("FriendlyName", "janitor test"),
            ("ChannelType", "sms"),
            ("ContactIdentity", number),
            ("IntegrationType", "task"),
            ("Integration.Channel", "sms"),
            ("JanitorEnabled", if janitor { "true" } else { "false" }),
            ("LongLived", if long_lived { "true" } else { "false" }),
        ];
        if let Some(t) = ttl {
            p.push(("Integration.Timeout", t));
        }
        self.s.post("/v1/FlexFlows", &p).expect(201).json()["sid"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn sms(&self, from: &str, to: &str, body: &str) {
        sms(self.s, from, to, body, None);
    }

    /// The session of `from` → `to`, if any: (conversation, task).
    pub fn session(&self, from: &str, to: &str) -> Option<(String, Option<String>)> {
        let v = self
            .s
            .get("/v1/ChannelSessions?PageSize=1000")
            .expect(200)
            .json();
        v["channel_sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["Contact"] == from && x["ContactIdentity"] == to)
            .map(|x| {
                (
                    x["ConversationSid"].as_str().unwrap().to_string(),
                    x["TaskSid"].as_str().map(str::to_string),
                )
            })
    }

    /// Waits for the session's task link (the janitor learns it from task.created).
    pub fn task_of(&self, from: &str, to: &str) -> (String, String) {
        wait_until(WAIT, || match self.session(from, to) {
            Some((c, Some(t))) => Some((c, t)),
            _ => None,
        })
    }

    pub fn conversation(&self, sid: &str) -> Value {
        conversation(self.s, sid)
    }

    pub fn set_task(&self, task: &str, status: &str) {
        self.s
            .post(
                &self.tr.path(&format!("/Tasks/{task}")),
                &[("AssignmentStatus", status)],
            )
            .expect(200);
    }

    /// Accepts the task's reservation (alice is the only agent) and waits for her to join the chat.
    pub fn accept(&self, task: &str, conv: &str) {
        accept(&self.tr, task);
        wait_participant(self.s, conv, "alice");
    }

    pub fn wait_cleaned(&self, from: &str, to: &str, conv: &str) {
        wait_until(WAIT, || {
            (self.session(from, to).is_none() && self.conversation(conv)["state"] == "inactive")
                .then_some(())
        });
    }
}

#[test]
fn janitor_matrix_and_checkup() {
    let s = TestServer::start();
    let f = Fixture::new(&s);
    let to = "+15550009000";
    f.handler(to, true, false, None);

    // task.canceled
    f.sms("+15551000001", to, "cancel me");
    let (conv, task) = f.task_of("+15551000001", to);
    f.set_task(&task, "canceled");
    f.wait_cleaned("+15551000001", to, &conv);

    // task.wrapup (assigned → wrapping)
    f.sms("+15551000002", to, "wrap me");
    let (conv, task) = f.task_of("+15551000002", to);
    f.accept(&task, &conv);
    assert_eq!(f.conversation(&conv)["state"], "active");
    f.set_task(&task, "wrapping");
    f.wait_cleaned("+15551000002", to, &conv);
    f.set_task(&task, "completed");

    // task.completed (assigned → completed)
    f.sms("+15551000003", to, "complete me");
    let (conv, task) = f.task_of("+15551000003", to);
    f.accept(&task, &conv);
    f.set_task(&task, "completed");
    f.wait_cleaned("+15551000003", to, &conv);
    // History stays readable after cleanup.
    assert_eq!(bodies(&s, &conv)[0], "complete me");

    // task.system-deleted (the task's TTL passes)
    let ttl_to = "+15550009001";
    f.handler(ttl_to, true, false, Some("3600"));
    f.sms("+15551000004", ttl_to, "expire me");
    let (conv, task) = f.task_of("+15551000004", ttl_to);
    s.advance_clock(3_600_000);
    f.wait_cleaned("+15551000004", ttl_to, &conv);
    s.get(&f.tr.path(&format!("/Tasks/{task}")))
        .expect_error(404);

    // task.deleted never cleans.
    f.sms("+15551000005", to, "delete me");
    let (conv, task) = f.task_of("+15551000005", to);
    s.delete(&f.tr.path(&format!("/Tasks/{task}"))).expect(204);
    // Wait for the janitor to have seen the deletion (a later event it handles after it), then look.
    f.sms("+15551000006", to, "marker");
    let (marker_conv, marker_task) = f.task_of("+15551000006", to);
    f.set_task(&marker_task, "canceled");
    f.wait_cleaned("+15551000006", to, &marker_conv);
    assert_eq!(f.conversation(&conv)["state"], "active");
    assert_eq!(
        f.session("+15551000005", to).map(|x| x.0),
        Some(conv.clone())
    );
    // … and the customer's next message still reaches someone (a new task, same conversation).
    f.sms("+15551000005", to, "anyone there?");
    let (conv2, task2) = f.task_of("+15551000005", to);
    assert_eq!(conv2, conv);
    assert_ne!(task2, task);
    f.set_task(&task2, "canceled");
    f.wait_cleaned("+15551000005", to, &conv);

    // LongLived: the session goes, the conversation stays active, and the next contact continues it.
    let ll = "+15550009002";
    f.handler(ll, true, true, None);
    f.sms("+15551000007", ll, "first visit");
    let (conv, task) = f.task_of("+15551000007", ll);
    f.set_task(&task, "canceled");
    wait_until(WAIT, || {
        f.session("+15551000007", ll).is_none().then_some(())
    });
    assert_eq!(f.conversation(&conv)["state"], "active");
    f.sms("+15551000007", ll, "second visit");
    let (conv2, task2) = f.task_of("+15551000007", ll);
    assert_eq!(conv2, conv);
    assert_ne!(task2, task);
    assert_eq!(bodies(&s, &conv), ["first visit", "second visit"]);
    f.set_task(&task2, "canceled");
    wait_until(WAIT, || {
        f.session("+15551000007", ll).is_none().then_some(())
    });

    // Janitor off: nothing is cleaned…
    let off = "+15550009003";
    f.handler(off, false, false, None);
    f.sms("+15551000008", off, "left behind");
    let (conv, task) = f.task_of("+15551000008", off);
    f.set_task(&task, "canceled");
    f.sms("+15551000009", to, "marker 2");
    let (marker_conv, marker_task) = f.task_of("+15551000009", to);
    f.set_task(&marker_task, "canceled");
    f.wait_cleaned("+15551000009", to, &marker_conv);
    assert_eq!(
        f.session("+15551000008", off),
        Some((conv.clone(), Some(task.clone())))
    );
    assert_eq!(f.conversation(&conv)["state"], "active");

    // … until System Checkup: the CLI reports, the API cleans.
    let out = std::process::Command::new(bin())
        .args(["checkup", "--db"])
        .arg(&s.db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["fixed"], false);
    let stale: Vec<&str> = report["stale_sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["conversation_sid"].as_str().unwrap())
        .collect();
    assert_eq!(stale, [conv.as_str()], "{report}");
    assert_eq!(report["stale_conversations"][0]["sid"], conv.as_str());
    let fixed = s.post("/v1/Checkup", &[("Fix", "true")]).expect(200).json();
    assert_eq!(fixed["fixed"], true);
    assert!(f.session("+15551000008", off).is_none());
    assert_eq!(f.conversation(&conv)["state"], "inactive");
    let again = s.post("/v1/Checkup", &[]).expect(200).json();
    assert!(
        again["stale_sessions"].as_array().unwrap().is_empty(),
        "{again}"
    );
    assert!(
        again["stale_conversations"].as_array().unwrap().is_empty(),
        "{again}"
    );
}

/// The seed's lost-message case: a chat routed to an agent who never ends it; the task's TTL
/// passes (task.system-deleted); the customer writes again and must reach an agent. With the
/// janitor on, the session was cleaned and a new conversation + task start; with it off, the
/// session still points at the dead task and the message is routed again in the same conversation.
#[test]
fn lost_message_case_with_the_janitor_on_and_off() {
    let s = TestServer::start();
    let f = Fixture::new(&s);
    for (janitor, to, from) in [
        (true, "+15550008000", "+15552000001"),
        (false, "+15550008001", "+15552000002"),
    ] {
        f.handler(to, janitor, false, Some("3600"));
        f.sms(from, to, "my order is late");
        let (conv, task) = f.task_of(from, to);
        let attrs: Value =
            serde_json::from_str(f.tr.fetch_task(&task)["attributes"].as_str().unwrap()).unwrap();
        assert_eq!(attrs["conversationSid"], conv.as_str());
        assert_eq!(attrs["channelType"], "sms");
        assert_eq!(attrs["from"], from);
        // Routed to alice, who accepts and joins the conversation… and never ends the task.
        f.accept(&task, &conv);
        // The hour's TTL passes.
        s.advance_clock(3_600_000);
        wait_until(WAIT, || {
            (s.get(&f.tr.path(&format!("/Tasks/{task}"))).status == 404).then_some(())
        });
        if janitor {
            f.wait_cleaned(from, to, &conv);
        }
        f.sms(from, to, "hello? anyone?");
        let (conv2, task2) = wait_until(WAIT, || match f.session(from, to) {
            Some((c, Some(t))) if t != task => Some((c, t)),
            _ => None,
        });
        assert_ne!(task2, task);
        if janitor {
            assert_ne!(
                conv2, conv,
                "the cleaned conversation stays inactive; a new one starts"
            );
            assert_eq!(f.conversation(&conv)["state"], "inactive");
        } else {
            assert_eq!(
                conv2, conv,
                "the stale session's conversation takes the message"
            );
        }
        // An agent gets it and sees the message.
        f.accept(&task2, &conv2);
        let bodies = bodies(&s, &conv2);
        assert!(bodies.iter().any(|b| b == "hello? anyone?"), "{bodies:?}");
        f.set_task(&task2, "completed");
    }
}
