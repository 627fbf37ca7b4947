//! Studio test runs (issue 16 item 1): an admin chats, as a customer would on the web chat, with
//! one revision of a flow — a draft, say — without publishing it. A run is a conversation of its
//! own (no channel session, no Flex Flow, post-event webhooks quiet), so no customer's message
//! and no agent's queue reaches it, and a test contact (`test-…`) whose executions the engine
//! starts on the pinned revision (`engine::Inbound::test_revision`) — the published revision
//! keeps running for everyone else. The bot's replies reach the conversation as a web chat's do
//! (the janitor delivers `studio.execution.send-message`), a Send to Flex makes a real task
//! marked `studio_test_run` in its attributes, and once a task serves the conversation the
//! admin's messages are the agent's to read, as on the web chat. Ending the run ends its
//! executions, cancels (or completes) its live tasks and closes the conversation.

use super::messages::{self, NewMessage};
use super::{conversations, integrations, participants, Error, Result};
use crate::core::Core;
use crate::engine::{self, Inbound, TriggerKind};
use crate::flows::FlowStatus;
use crate::ids;
use crate::states::{ConversationState, ExecutionStatus, TestRunStatus};
use crate::store::channels::messages::Message;
use crate::store::channels::sessions as session_db;
use crate::store::studio::executions::{self as exec_db, Execution, Step};
use crate::store::studio::flows as flow_db;
use crate::store::studio::test_runs::{self as db, TestRun};
use crate::store::Window;
use rusqlite::Connection;
use serde_json::{json, Value};

/// The address a test run's customer writes to (`flow.channel.address`).
pub const TEST_ADDRESS: &str = "studio-test-run";
/// The most executions and steps a run's view shows.
const MAX_EXECUTIONS: u32 = 20;
const MAX_STEPS: u32 = 500;

/// What became of a test message.
#[derive(Debug, Clone, PartialEq)]
pub enum Handed {
    /// The flow's execution got it.
    Execution(String),
    /// A task (the flow's Send to Flex) serves the conversation: the agent reads it.
    Task(String),
}

/// Starts a test run of `revision` (the flow's latest when `None`). A revision with errors is
/// refused, naming the first: the engine would not run it.
pub fn start(app: &Core, flow_sid: &str, revision: Option<i64>) -> Result<TestRun> {
    let (flow, rev) = app.store.read(|c| -> Result<_> {
        let flow = flow_db::fetch(c, flow_sid)?
            .ok_or_else(|| Error::not_found(format!("Flow {flow_sid}")))?;
        let n = revision.unwrap_or(flow.latest.revision);
        let rev = flow_db::fetch_revision(c, flow_sid, n)?
            .ok_or_else(|| Error::not_found(format!("Revision {n} of flow {flow_sid}")))?;
        Ok((flow, rev))
    })?;
    if !rev.valid {
        let first = rev
            .errors
            .as_array()
            .and_then(|e| e.first())
            .and_then(|e| e["message"].as_str())
            .unwrap_or("");
        return Err(Error::invalid(
            "Revision",
            format!(
                "revision {} has errors to fix before it can run: {first}",
                rev.revision
            ),
        ));
    }
    let contact = format!("test-{}", ids::random_hex(8));
    let now = app.now_ms();
    let kind = if rev.status == FlowStatus::Published {
        "published"
    } else {
        "draft"
    };
    app.store.write(|tx| -> Result<TestRun> {
        let conv = conversations::create_in(
            tx,
            app,
            conversations::Fields {
                friendly_name: Some(format!(
                    "Test run of {}, revision {} ({kind})",
                    flow.latest.friendly_name, rev.revision
                )),
                attributes: Some(
                    json!({"studio_test_run": {"flow_sid": flow_sid, "revision": rev.revision}})
                        .to_string(),
                ),
                quiet: true,
                ..Default::default()
            },
            None,
            now,
        )?;
        participants::add_in(
            tx,
            app,
            &conv.sid,
            participants::Fields {
                identity: Some(contact.clone()),
                ..Default::default()
            },
        )?;
        let run = TestRun {
            conversation_sid: conv.sid,
            flow_sid: flow_sid.to_string(),
            revision: rev.revision,
            contact: contact.clone(),
            status: TestRunStatus::Active,
            created_at: now,
            ended_at: None,
        };
        db::insert(tx, &run)?;
        Ok(run)
    })
}

pub fn fetch(conn: &Connection, sid: &str) -> Result<TestRun> {
    db::fetch(conn, sid)?.ok_or_else(|| Error::not_found(format!("Test run {sid}")))
}

/// The admin's message as the test customer: stored in the run's conversation, then handed to
/// the contact's execution on the pinned revision (resumed, or started anew once the last one
/// ended), unless a task serves the conversation.
pub fn send(app: &Core, sid: &str, body: &str) -> Result<(Message, Handed)> {
    if body.trim().is_empty() {
        return Err(Error::invalid(
            "Body",
            "is empty: type what the customer says",
        ));
    }
    if body.chars().count() > 1600 {
        return Err(Error::invalid("Body", "is longer than 1,600 characters"));
    }
    let run = app.store.read(|c| fetch(c, sid))?;
    if run.status == TestRunStatus::Ended {
        return Err(Error::Conflict(
            "This test run has ended; start a new one to chat again".into(),
        ));
    }
    let (message, task) = app.store.write(|tx| -> Result<_> {
        let m = messages::add_in(
            tx,
            app,
            &run.conversation_sid,
            NewMessage {
                author: run.contact.clone(),
                body: Some(body.to_string()),
                quiet: true,
                ..Default::default()
            },
        )?;
        Ok((m, live_task(tx, &run)?))
    })?;
    if let Some(task) = task {
        return Ok((message, Handed::Task(task)));
    }
    let payload = json!({
        "Body": body,
        "From": run.contact,
        "To": TEST_ADDRESS,
        "Author": run.contact,
        "ConversationSid": run.conversation_sid,
        "MessageSid": message.sid,
        "ParticipantSid": message.participant_sid,
        "ChannelType": "web",
        "Name": "Test customer",
        "Source": "SDK",
        "TestRun": true,
    });
    let handled = engine::handle_inbound(
        app,
        Inbound {
            flow_sid: run.flow_sid.clone(),
            trigger: TriggerKind::IncomingConversationMessage,
            contact: run.contact.clone(),
            channel_address: TEST_ADDRESS.to_string(),
            payload,
            test_revision: Some(run.revision),
        },
    )
    .map_err(|e| match e {
        engine::Error::Store(e) => Error::Store(e),
        engine::Error::NotFound(w) => Error::NotFound(w),
        e => Error::Conflict(format!("The flow did not take the message: {e}")),
    })?;
    Ok((message, Handed::Execution(handled.execution_sid)))
}

/// The live task that serves the conversation, if any (the flow sent it to Flex).
fn live_task(conn: &Connection, run: &TestRun) -> Result<Option<String>> {
    for task in session_db::live_tasks(conn, &run.conversation_sid)? {
        if integrations::task_state(conn, &task)? == integrations::TaskState::Live {
            return Ok(Some(task));
        }
    }
    // A task the janitor has not linked yet: the flow's Send to Flex names the conversation.
    for e in exec_db::for_contact(conn, &run.contact, MAX_EXECUTIONS)? {
        if let Some(task) = e.context["widgets"].as_object().and_then(|w| {
            w.values()
                .find_map(|v| v["TaskSid"].as_str().map(str::to_string))
        }) {
            if integrations::task_state(conn, &task)? == integrations::TaskState::Live {
                return Ok(Some(task));
            }
        }
    }
    Ok(None)
}

/// Ends the run: its active executions end, its live tasks are canceled (or completed when an
/// agent has one), the conversation closes. Ending an ended run changes nothing.
pub fn end(app: &Core, sid: &str) -> Result<TestRun> {
    let tasks = app.store.write(|tx| -> Result<Vec<String>> {
        let run = fetch(tx, sid)?;
        if !db::end(tx, sid, app.now_ms())? {
            return Ok(Vec::new());
        }
        for e in exec_db::for_contact(tx, &run.contact, MAX_EXECUTIONS)? {
            if e.status == ExecutionStatus::Active {
                engine::end_in(app, tx, &e.sid)?;
            }
        }
        let mut tasks = session_db::live_tasks(tx, &run.conversation_sid)?;
        if let Some(t) = live_task(tx, &run)? {
            if !tasks.contains(&t) {
                tasks.push(t);
            }
        }
        conversations::set_state_in(tx, app, &run.conversation_sid, ConversationState::Closed)?;
        Ok(tasks)
    })?;
    for task in tasks {
        integrations::finish_task(app, &task, true)?;
    }
    app.store.read(|c| fetch(c, sid))
}

/// What the test panel shows: the run, the conversation's messages (after `after`, an index),
/// and each execution with its steps and flow variables.
pub fn view(conn: &Connection, sid: &str, after: Option<i64>) -> Result<Value> {
    let run = fetch(conn, sid)?;
    let messages = conversations::list_messages(conn, &run.conversation_sid, after, 200)?;
    let mut executions = Vec::new();
    for e in exec_db::for_contact(conn, &run.contact, MAX_EXECUTIONS)? {
        let steps = exec_db::list_steps(
            conn,
            &e.sid,
            Window {
                offset: 0,
                limit: MAX_STEPS,
            },
        )?
        .items;
        executions.push(execution_json(&e, &steps));
    }
    let tasks: Vec<Value> = session_db::tasks_of_conversation(conn, &run.conversation_sid)?
        .into_iter()
        .map(|t| json!({"task_sid": t.task_sid, "ended": t.ended}))
        .collect();
    Ok(json!({
        "sid": run.conversation_sid,
        "conversation_sid": run.conversation_sid,
        "flow_sid": run.flow_sid,
        "revision": run.revision,
        "contact": run.contact,
        "status": run.status.as_str(),
        "created_at": run.created_at,
        "ended_at": run.ended_at,
        "messages": messages.iter().map(|m| message_json(&run, m)).collect::<Vec<_>>(),
        "executions": executions,
        "tasks": tasks,
    }))
}

pub fn message_json(run: &TestRun, m: &Message) -> Value {
    let from = if m.author == run.contact {
        "customer"
    } else if m.author == super::janitor::BOT_AUTHOR {
        "bot"
    } else {
        "agent"
    };
    json!({"index": m.index, "sid": m.sid, "from": from, "author": m.author, "body": m.body,
           "date_created": crate::clock::iso8601(m.created_at)})
}

fn execution_json(e: &Execution, steps: &[Step]) -> Value {
    json!({
        "sid": e.sid,
        "revision": e.revision,
        "status": e.status.as_str(),
        "variables": e.context["flow"]["variables"],
        "waiting_at": e.wait.as_ref().and_then(|w| w["state"].as_str()),
        "steps": steps.iter().map(|s| json!({
            "seq": s.seq,
            "from": s.transitioned_from,
            "event": s.name,
            "to": s.transitioned_to,
            "outputs": s.context,
            "date_created": crate::clock::iso8601(s.created_at),
        })).collect::<Vec<_>>(),
    })
}

/// What a parked read of the run waits on: its conversation and its executions.
pub fn topics(conn: &Connection, sid: &str) -> Result<Vec<String>> {
    let run = fetch(conn, sid)?;
    let mut topics = vec![run.conversation_sid.clone()];
    topics.extend(
        exec_db::for_contact(conn, &run.contact, MAX_EXECUTIONS)?
            .into_iter()
            .map(|e| e.sid),
    );
    Ok(topics)
}
