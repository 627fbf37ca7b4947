//! Channel sessions and the inbound path every channel shares. A message from an external
//! address to one of our contact identities finds its session (→ the active conversation), else
//! a new conversation and session start under the Flex Flow that handles that identity. The
//! message is appended; then, unless a live task already serves the conversation, the Flex Flow
//! decides: a Studio execution, a task, or a post to an external URL.
//!
//! Beyond Flex: a session whose task is finished or gone (the janitor was off, or a crash lost
//! its event) does not swallow the message: it is routed again as if new.

use super::integrations::{self, TaskSpec, TaskState};
use super::messages::{self, Message, NewMessage};
use super::{conversations, flex_flows, outbox, participants, Error, Result};
use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::ids::{new_sid, Prefix};
use crate::states::ConversationState;
use crate::store::channels::flex_flows::FlexFlow;
use crate::store::channels::inbound_routing as routing_db;
use crate::store::channels::sessions::{self as db, MessagingChannel, Session};
use crate::store::channels::{conversations as conv_db, messages as msg_db};
use rusqlite::{Connection, Transaction};
use serde_json::{json, Value};

/// A message arriving from outside.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub channel_type: MessagingChannel,
    /// The customer's address (`From`, or the web chat identity).
    pub contact: String,
    /// Our address (`To`, or the web Flex Flow's contact identity).
    pub contact_identity: String,
    pub body: Option<String>,
    pub media_urls: Vec<String>,
    /// The carrier's MessageSid (a retried webhook is recognised by it).
    pub external_sid: Option<String>,
    /// The customer's name, for a new conversation and task.
    pub name: Option<String>,
    /// Conversation attributes for a new conversation (web chat context).
    pub attributes: Option<Value>,
    /// The conversation to continue when the contact has no session (a web chat keeps its one
    /// conversation); ignored if it is closed or gone.
    pub conversation_sid: Option<String>,
}

impl Inbound {
    /// A message on `channel_type` with every other field empty (for `..Inbound::on(c)`).
    pub fn on(channel_type: MessagingChannel) -> Inbound {
        Inbound {
            channel_type,
            contact: String::new(),
            contact_identity: String::new(),
            body: None,
            media_urls: Vec::new(),
            external_sid: None,
            name: None,
            attributes: None,
            conversation_sid: None,
        }
    }
}

/// Where an inbound message went.
#[derive(Debug, Clone, PartialEq)]
pub enum Routed {
    /// The same carrier message was seen before; nothing was done again.
    Duplicate,
    /// A live task serves the conversation; the agent sees the message there.
    LiveTask(String),
    /// A new task was created.
    Task(String),
    /// A Studio execution got the message.
    Studio(String),
    /// Routed by another request for the same contact (or the start-up sweep) first.
    Earlier,
    /// Stored, but the store refused its routing for now: `inbound`'s retry pass routes it.
    Later,
    /// It was posted to the Flex Flow's external URL (through the outbox).
    External,
    /// No message (a web chat started).
    Nothing,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub conversation_sid: String,
    pub session_sid: String,
    pub flex_flow_sid: String,
    pub message: Option<Message>,
    pub routed: Routed,
}

/// Takes an inbound message through session, conversation, message and routing. The message
/// and, when Studio takes it, its routing due (`store::channels::inbound_routing`) commit in one
/// write; the routing runs right after (`inbound::route_contact`) and commits on its own. A
/// carrier's retry of a message whose routing did not finish (a crash between the two) finishes
/// it.
pub fn receive(app: &Core, inbound: Inbound) -> Result<Received> {
    let (mut received, due) = app.store.write(|tx| receive_in(tx, app, &inbound))?;
    let Some(message_sid) = due else {
        return Ok(received);
    };
    if received.routed != Routed::Duplicate {
        super::inbound::failpoint("after_inbound_store");
    }
    received.routed = super::inbound::route_stored(
        app,
        &inbound.contact,
        &inbound.contact_identity,
        &message_sid,
    )?
    .unwrap_or(Routed::Earlier);
    Ok(received)
}

/// The stored message whose routing is due after the write, if any.
type DueMessage = Option<String>;

fn receive_in(tx: &Transaction, app: &Core, inbound: &Inbound) -> Result<(Received, DueMessage)> {
    if let Some(ext) = &inbound.external_sid {
        if let Some(m) = msg_db::find_by_external(tx, ext)? {
            let session = db::for_conversation(tx, &m.conversation_sid)?
                .into_iter()
                .next();
            let due = routing_db::is_due(tx, &m.sid)?.then(|| m.sid.clone());
            return Ok((
                Received {
                    conversation_sid: m.conversation_sid.clone(),
                    session_sid: session.as_ref().map(|s| s.sid.clone()).unwrap_or_default(),
                    flex_flow_sid: session.map(|s| s.flex_flow_sid).unwrap_or_default(),
                    message: Some(m),
                    routed: Routed::Duplicate,
                },
                due,
            ));
        }
    }
    let (session, flow) = open_session(tx, app, inbound)?;
    let message =
        if inbound.body.as_deref().unwrap_or("").is_empty() && inbound.media_urls.is_empty() {
            None
        } else {
            Some(messages::add_in(
                tx,
                app,
                &session.conversation_sid,
                NewMessage {
                    author: inbound.contact.clone(),
                    body: inbound.body.clone(),
                    media_urls: inbound.media_urls.clone(),
                    external_sid: inbound.external_sid.clone(),
                    ..Default::default()
                },
            )?)
        };
    let mut received = Received {
        conversation_sid: session.conversation_sid.clone(),
        session_sid: session.sid.clone(),
        flex_flow_sid: flow.sid.clone(),
        message: message.clone(),
        routed: Routed::Nothing,
    };
    let Some(message) = message else {
        return Ok((received, None));
    };
    if let Some(task) = live_task(tx, &session, app.now_ms())? {
        received.routed = Routed::LiveTask(task);
        return Ok((received, None));
    }
    // A parked conversation comes back as a task (the agent who parked it first), not a bot.
    if let Some(task) = super::park::unpark_in(tx, app, &session.conversation_sid)? {
        received.routed = Routed::Task(task);
        return Ok((received, None));
    }
    let conv = conversations::fetch(tx, &session.conversation_sid)?;
    // A conversation-scoped `studio` webhook sends the replies to its flow instead.
    let studio_hook = crate::store::channels::webhooks::all(tx, &conv.sid)?
        .into_iter()
        .find(|w| w.target == "studio")
        .and_then(|w| {
            w.configuration
                .get("flow_sid")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    let integration = if studio_hook.is_some() {
        "studio"
    } else {
        flow.integration_type.as_str()
    };
    match integration {
        "task" => {
            let task = integrations::create_task_in(tx, app, task_spec(&flow, &conv, inbound))?;
            db::set_task(tx, &session.sid, Some(&task), app.now_ms())?;
            db::link_task(tx, &task, &conv.sid, None, app.now_ms())?;
            received.routed = Routed::Task(task);
            Ok((received, None))
        }
        "external" => {
            let url = flow
                .integration
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or("");
            let retries = flow
                .integration
                .get("retry_count")
                .and_then(Value::as_i64)
                .unwrap_or(3);
            let mut params = outbox::message_event_params(app, &conv, &message);
            params["FlexFlowSid"] = json!(flow.sid);
            params["ChannelType"] = json!(inbound.channel_type);
            params["From"] = json!(inbound.contact);
            params["To"] = json!(inbound.contact_identity);
            outbox::queue_external(
                tx,
                app,
                url,
                params,
                Some(&conv.sid),
                1 + retries.clamp(0, 10),
            )?;
            received.routed = Routed::External;
            Ok((received, None))
        }
        _ => {
            let flow_sid = studio_hook.unwrap_or_else(|| {
                flow.integration
                    .get("flow_sid")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            });
            let payload = json!({
                "Body": message.body,
                "From": inbound.contact,
                "To": inbound.contact_identity,
                "Author": message.author,
                "ConversationSid": conv.sid,
                "MessageSid": message.sid,
                "ParticipantSid": message.participant_sid,
                "ChannelType": inbound.channel_type,
                "FlexFlowSid": flow.sid,
                "Name": inbound.name.clone().unwrap_or_else(|| inbound.contact.clone()),
                "FriendlyName": conv.friendly_name,
                "Attributes": conv.attributes,
                "NumMedia": inbound.media_urls.len().to_string(),
                "Source": if inbound.channel_type == MessagingChannel::Web { "SDK" } else { "SMS" },
            });
            routing_db::insert(
                tx,
                &routing_db::Due {
                    message_sid: message.sid.clone(),
                    channel_type: inbound.channel_type,
                    contact: inbound.contact.clone(),
                    contact_identity: inbound.contact_identity.clone(),
                    flow_sid,
                    payload,
                    created_at: app.now_ms(),
                    trigger: None,
                },
            )?;
            Ok((received, Some(message.sid)))
        }
    }
}

/// The live task serving a session's conversation, if any. A session pointing at a finished or
/// vanished task is unbound from it (the message is then routed again). `now`: the appliance's clock.
pub(super) fn live_task(tx: &Connection, session: &Session, now: i64) -> Result<Option<String>> {
    link_unseen_tasks(tx, &session.conversation_sid, now)?;
    let mut candidates: Vec<String> = session.task_sid.iter().cloned().collect();
    candidates.extend(db::live_tasks(tx, &session.conversation_sid)?);
    for task in candidates {
        match integrations::task_state(tx, &task)? {
            TaskState::Live => {
                if session.task_sid.as_deref() != Some(task.as_str()) {
                    db::set_task(tx, &session.sid, Some(&task), now)?;
                }
                return Ok(Some(task));
            }
            state => {
                let why = if state == TaskState::Missing {
                    "missing"
                } else {
                    "finished"
                };
                db::end_task(tx, &task, why, now)?;
            }
        }
    }
    if session.task_sid.is_some() {
        log::info!(
            "session {} pointed at a task that is no longer live; routing the message again",
            session.sid
        );
        db::set_task(tx, &session.sid, None, now)?;
    }
    Ok(None)
}

/// Links tasks of this conversation whose `task.created` the janitor has not handled yet (a
/// Studio Send to Flex a moment ago), so a quick second message does not start a second
/// execution or task. The janitor links them again later, harmlessly.
fn link_unseen_tasks(tx: &Connection, conversation_sid: &str, now: i64) -> Result<()> {
    let cursor = crate::store::events::cursor(tx, super::janitor::SUBSCRIBER)?.unwrap_or(0);
    for ev in crate::store::channels::unseen_task_created(tx, cursor, conversation_sid)? {
        if super::janitor::task_conversation(&ev.data).as_deref() == Some(conversation_sid) {
            db::link_task(
                tx,
                &ev.resource_sid,
                conversation_sid,
                ev.workspace_sid.as_deref(),
                now,
            )?;
        }
    }
    Ok(())
}

fn task_spec(flow: &FlexFlow, conv: &conversations::Conversation, inbound: &Inbound) -> TaskSpec {
    let get = |k: &str| {
        flow.integration
            .get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let name = inbound
        .name
        .clone()
        .unwrap_or_else(|| inbound.contact.clone());
    TaskSpec {
        workspace_sid: get("workspace_sid"),
        workflow_sid: get("workflow_sid"),
        task_channel: get("channel").or_else(|| {
            Some(
                if inbound.channel_type == MessagingChannel::Web {
                    "chat"
                } else {
                    "sms"
                }
                .to_string(),
            )
        }),
        priority: flow.integration.get("priority").and_then(Value::as_i64),
        timeout: flow.integration.get("timeout").and_then(Value::as_i64),
        attributes: json!({
            "name": name,
            "from": inbound.contact,
            "channelType": inbound.channel_type,
            "conversationSid": conv.sid,
            "flexFlowSid": flow.sid,
            "customerAddress": inbound.contact,
            "direction": "inbound",
        }),
    }
}

/// Finds the contact's session, or starts a conversation and session under the handling Flex Flow.
fn open_session(tx: &Connection, app: &Core, inbound: &Inbound) -> Result<(Session, FlexFlow)> {
    if let Some(s) = db::find_for_contact(
        tx,
        inbound.channel_type,
        &inbound.contact,
        &inbound.contact_identity,
    )? {
        let conv = conv_db::find(tx, &s.conversation_sid)?;
        let flow = crate::store::channels::flex_flows::find(tx, &s.flex_flow_sid)?;
        match (conv, flow) {
            (Some(c), Some(f)) if c.state != ConversationState::Closed => return Ok((s, f)),
            _ => {
                // The conversation was closed or deleted, or its handler removed: start afresh.
                close(tx, app, &s, "conversation closed or handler removed")?;
            }
        }
    }
    let flow = flex_flows::handler_for(tx, inbound.channel_type, &inbound.contact_identity)?
        .ok_or_else(|| {
            Error::not_found(format!(
                "a Flex Flow for {} messages to {}",
                inbound.channel_type, inbound.contact_identity
            ))
        })?;
    let now = app.now_ms();
    let continued = match &inbound.conversation_sid {
        Some(sid) => conv_db::find(tx, sid)?.filter(|c| c.state != ConversationState::Closed),
        None => None,
    };
    // A conversation where the contact is bound through this address (created over the API or
    // by an Interaction) takes their message, as Conversations delivers it.
    let bound = match continued {
        Some(c) => Some(c),
        None if inbound.channel_type != MessagingChannel::Web => {
            conv_db::find_by_binding(tx, &inbound.contact, &inbound.contact_identity)?
        }
        None => None,
    };
    let existing = match bound {
        Some(c) => Some(c),
        None if flow.long_lived => {
            conv_db::find_active_for_contact(tx, &flow.sid, &inbound.contact)?
        }
        None => None,
    };
    let conv = match existing {
        Some(c) => c,
        None => {
            let name = inbound
                .name
                .clone()
                .unwrap_or_else(|| inbound.contact.clone());
            let c = conversations::create_in(
                tx,
                app,
                conversations::Fields {
                    friendly_name: Some(name),
                    attributes: inbound.attributes.as_ref().map(|a| a.to_string()),
                    ..Default::default()
                },
                Some(&flow.sid),
                now,
            )?;
            let participant = if inbound.channel_type == MessagingChannel::Web {
                participants::Fields {
                    identity: Some(inbound.contact.clone()),
                    ..Default::default()
                }
            } else {
                participants::Fields {
                    binding_address: Some(inbound.contact.clone()),
                    proxy_address: Some(inbound.contact_identity.clone()),
                    ..Default::default()
                }
            };
            participants::add_in(tx, app, &c.sid, participant)?;
            c
        }
    };
    let session = Session {
        sid: new_sid(Prefix::ChannelSession),
        flex_flow_sid: flow.sid.clone(),
        channel_type: inbound.channel_type,
        contact: inbound.contact.clone(),
        contact_identity: inbound.contact_identity.clone(),
        conversation_sid: conv.sid.clone(),
        task_sid: None,
        created_at: now,
        updated_at: now,
    };
    db::insert(tx, &session)?;
    app.record(
        tx,
        &NewEvent::new(
            EventType::ChannelSessionCreated,
            "channel_session",
            &session.sid,
        )
        .describe("channel session created")
        .data(session_data(&session)),
    )?;
    Ok((session, flow))
}

/// Deletes a session and records why.
pub fn close(tx: &Connection, app: &Core, s: &Session, why: &str) -> Result<()> {
    db::delete(tx, &s.sid)?;
    let mut data = session_data(s);
    data["Reason"] = json!(why);
    app.record(
        tx,
        &NewEvent::new(EventType::ChannelSessionClosed, "channel_session", &s.sid)
            .describe(format!("channel session closed: {why}"))
            .data(data),
    )?;
    Ok(())
}

pub fn session_data(s: &Session) -> Value {
    json!({
        "ChannelSessionSid": s.sid,
        "ConversationSid": s.conversation_sid,
        "FlexFlowSid": s.flex_flow_sid,
        "ChannelType": s.channel_type,
        "Contact": s.contact,
        "ContactIdentity": s.contact_identity,
        "TaskSid": s.task_sid,
    })
}
