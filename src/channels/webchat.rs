//! Web chat for customers: start a chat (name, optional context) → a conversation through the
//! web Flex Flow and a per-chat token; send; read new messages. The token is random (128 bits),
//! shown once, and stored only as a hash keyed by the conversation, so a token opens exactly one
//! chat and a leaked database opens none.

use super::sessions::{self, Inbound, Received};
use super::{flex_flows, Error, Result};
use crate::core::Core;
use crate::ids;
use crate::states::ConversationState;
use crate::store::channels::messages::Message;
use crate::store::channels::sessions::MessagingChannel;
use crate::store::channels::webchats::{self as db, WebChat};
use rusqlite::Connection;
use serde_json::Value;

pub struct Started {
    pub received: Received,
    pub identity: String,
    pub token: String,
}

/// Starts a chat; `message`, when given, is the customer's first message.
pub fn start(
    app: &Core,
    name: &str,
    context: Option<Value>,
    message: Option<String>,
) -> Result<Started> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(Error::invalid("FriendlyName", "must be 1 to 64 characters"));
    }
    let identity = format!("webchat-{}", ids::random_hex(8));
    let contact_identity = app
        .store
        .read(|c| flex_flows::handler_for(c, MessagingChannel::Web, flex_flows::WEBCHAT_IDENTITY))?
        .map(|f| f.contact_identity)
        .ok_or_else(|| Error::not_found("an enabled web chat Flex Flow"))?;
    let mut attributes = serde_json::json!({"customer_name": name, "channel": "web"});
    if let Some(Value::Object(ctx)) = context {
        attributes["pre_engagement_data"] = Value::Object(ctx);
    }
    let inbound = Inbound {
        contact: identity.clone(),
        contact_identity,
        body: None,
        name: Some(name.to_string()),
        attributes: Some(attributes),
        ..Inbound::on(MessagingChannel::Web)
    };
    let token = ids::random_hex(16);
    let received = sessions::receive(app, inbound.clone())?;
    app.store.write(|tx| {
        db::insert(
            tx,
            &WebChat {
                conversation_sid: received.conversation_sid.clone(),
                identity: identity.clone(),
                name: name.to_string(),
                token_hash: ids::hash_secret(&received.conversation_sid, &token),
                created_at: app.now_ms(),
            },
        )
    })?;
    let received = match message {
        Some(body) => sessions::receive(
            app,
            Inbound {
                body: Some(body),
                ..inbound
            },
        )?,
        None => received,
    };
    Ok(Started {
        received,
        identity,
        token,
    })
}

/// The chat a token opens; any other token (or none) is refused the same way.
pub fn authorize(conn: &Connection, conversation_sid: &str, token: &str) -> Result<WebChat> {
    let refused = || Error::Forbidden("This chat token does not open this chat".into());
    let chat = db::find(conn, conversation_sid)?.ok_or_else(refused)?;
    let given = ids::hash_secret(conversation_sid, token);
    if ids::constant_time_eq(given.as_bytes(), chat.token_hash.as_bytes()) {
        Ok(chat)
    } else {
        Err(refused())
    }
}

/// The customer's message into their chat.
pub fn send(app: &Core, chat: &WebChat, body: &str) -> Result<Received> {
    if body.trim().is_empty() {
        return Err(Error::invalid("Body", "is empty"));
    }
    // After the agent's end a message would silently start the bot over: the customer starts
    // a new chat first (`restart`).
    if app.store.read(|c| status(c, chat))?.ended {
        return Err(Error::Conflict(
            "This chat has ended; start a new chat to write again".into(),
        ));
    }
    let contact_identity = app
        .store
        .read(|c| crate::store::channels::sessions::for_conversation(c, &chat.conversation_sid))?
        .into_iter()
        .find(|s| s.contact == chat.identity)
        .map(|s| s.contact_identity)
        .unwrap_or_else(|| flex_flows::WEBCHAT_IDENTITY.to_string());
    // The message ends the customer's typing (the agent's page sees the message instead).
    super::typing::stopped(app, &chat.conversation_sid, &chat.identity);
    sessions::receive(
        app,
        Inbound {
            contact: chat.identity.clone(),
            contact_identity,
            body: Some(body.to_string()),
            name: Some(chat.name.clone()),
            conversation_sid: Some(chat.conversation_sid.clone()),
            ..Inbound::on(MessagingChannel::Web)
        },
    )
}

/// The customer is typing (`typing`; refused like a message once the chat has ended).
pub fn typing(app: &Core, chat: &WebChat) -> Result<()> {
    if app.store.read(|c| status(c, chat))?.ended {
        return Err(Error::Conflict("This chat has ended".into()));
    }
    super::typing::started(app, &chat.conversation_sid, &chat.identity);
    Ok(())
}

/// The agents typing in the chat now, by display name (never the customer themself).
pub fn agents_typing(app: &Core, chat: &WebChat, st: &ChatStatus) -> (Vec<String>, String) {
    let typists: Vec<_> = super::typing::who(app, &chat.conversation_sid)
        .into_iter()
        .filter(|t| t.identity != chat.identity)
        .collect();
    let names = typists
        .iter()
        .map(|t| {
            st.names
                .iter()
                .find(|(identity, _)| *identity == t.identity)
                .map_or_else(|| "Agent".to_string(), |(_, name)| name.clone())
        })
        .collect();
    (names, super::typing::tag(&typists))
}

/// Messages after `after` (all when `None`).
pub fn messages_after(
    conn: &Connection,
    chat: &WebChat,
    after: Option<i64>,
) -> Result<Vec<Message>> {
    super::conversations::list_messages(conn, &chat.conversation_sid, after, 100)
}

/// What the customer's page shows besides the messages: whether the chat has ended (and by
/// whom), and the agent serving it by their display name.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatStatus {
    /// The conversation's state (`active`, `inactive`, `closed`).
    pub state: ConversationState,
    /// The agent ended the chat (their task went to wrap-up or completed and the customer's
    /// session is gone), or the conversation is closed. A message now would start the bot over,
    /// so the page offers "Start a new chat" instead, and `send` refuses.
    pub ended: bool,
    /// The display name of the agent who ended it.
    pub ended_by: Option<String>,
    /// The display name of the agent serving the chat now.
    pub agent: Option<String>,
    /// Agent identities in the conversation → display names (for messages' `author_name`).
    pub names: Vec<(String, String)>,
}

impl ChatStatus {
    /// A short tag that changes whenever what the page shows does (the long-poll's `Seen`).
    pub fn tag(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&self.state, self.ended, &self.ended_by, &self.agent).hash(&mut h);
        format!("{:016x}", h.finish())
    }
}

/// A worker's name as a customer sees it: the `full_name` (or `display_name`, `friendly_name`)
/// attribute, never the login; "Agent" without one.
pub fn display_name(worker: &crate::routing::workers::Worker) -> String {
    ["full_name", "display_name", "friendly_name"]
        .iter()
        .find_map(|k| worker.attributes.get(*k).and_then(Value::as_str))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("Agent")
        .to_string()
}

pub fn status(conn: &Connection, chat: &WebChat) -> Result<ChatStatus> {
    use crate::store::channels::{conversations as conv_db, participants as part_db, sessions};
    let state =
        conv_db::find(conn, &chat.conversation_sid)?.map_or(ConversationState::Closed, |c| c.state);
    let open = sessions::for_conversation(conn, &chat.conversation_sid)?
        .iter()
        .any(|s| s.contact == chat.identity);
    let tasks = sessions::tasks_of_conversation(conn, &chat.conversation_sid)?;
    let last = tasks.last();
    let by_agent = last.and_then(|t| t.ended.as_deref()).is_some_and(|why| {
        why == crate::events::EventType::TaskWrapup.as_str()
            || why == crate::events::EventType::TaskCompleted.as_str()
    });
    let worker_name = |worker_sid: &str| -> Result<String> {
        let worker = crate::routing::workers::fetch(conn, worker_sid)
            .map_err(|e| Error::Integration(e.to_string()))?;
        Ok(worker
            .as_ref()
            .map_or_else(|| "Agent".to_string(), display_name))
    };
    // The agent of a task: the worker whose reservation of it was accepted.
    let worker_of = |task_sid: &str| -> Result<Option<String>> {
        use crate::states::ReservationStatus as R;
        Ok(
            crate::store::taskrouter::reservations::of_task(conn, task_sid)?
                .into_iter()
                .rev()
                .find(|r| matches!(r.status, R::Accepted | R::Wrapping | R::Completed))
                .map(|r| r.worker_sid),
        )
    };
    let agent_of = |task_sid: &str| -> Result<Option<String>> {
        worker_of(task_sid)?.map(|w| worker_name(&w)).transpose()
    };
    // The agents in the conversation by identity (messages carry the identity as the author).
    let window = crate::store::Window {
        offset: 0,
        limit: 1000,
    };
    let mut names = Vec::new();
    for p in part_db::list(conn, &chat.conversation_sid, window)?.items {
        let attrs: Value = serde_json::from_str(&p.attributes).unwrap_or(Value::Null);
        if attrs.get("role").and_then(Value::as_str) != Some("agent") {
            continue;
        }
        if let (Some(identity), Some(worker_sid)) =
            (&p.identity, attrs.get("worker_sid").and_then(Value::as_str))
        {
            names.push((identity.clone(), worker_name(worker_sid)?));
        }
    }
    // The serving agent can speak before the janitor has made them a participant: their
    // identity names them too.
    if let Some(worker_sid) = last.map(|t| worker_of(&t.task_sid)).transpose()?.flatten() {
        if let Some(identity) = super::integrations::worker_identity(conn, &worker_sid)? {
            if !names.iter().any(|(i, _)| *i == identity) {
                names.push((identity, worker_name(&worker_sid)?));
            }
        }
    }
    let ended = state == ConversationState::Closed || (!open && by_agent);
    let (agent, ended_by) = match last {
        Some(t) if ended => (None, agent_of(&t.task_sid)?),
        Some(t) if t.ended.is_none() => (agent_of(&t.task_sid)?, None),
        _ => (None, None),
    };
    Ok(ChatStatus {
        state,
        ended,
        ended_by,
        agent,
        names,
    })
}

/// "Start a new chat" after the end: the customer's session opens again in the same
/// conversation (its history stays), and the flow runs again with the next message. A chat
/// that has not ended is left as it is. A closed conversation takes no new chat
/// (`Conflict`: the page starts a fresh one and keeps showing the old one's history).
pub fn restart(app: &Core, chat: &WebChat) -> Result<()> {
    let st = app.store.read(|c| status(c, chat))?;
    if !st.ended {
        return Ok(());
    }
    if st.state == ConversationState::Closed {
        return Err(Error::Conflict(
            "This chat is closed; start a new one".into(),
        ));
    }
    let contact_identity = app
        .store
        .read(|c| flex_flows::handler_for(c, MessagingChannel::Web, flex_flows::WEBCHAT_IDENTITY))?
        .map(|f| f.contact_identity)
        .ok_or_else(|| Error::not_found("an enabled web chat Flex Flow"))?;
    sessions::receive(
        app,
        Inbound {
            contact: chat.identity.clone(),
            contact_identity,
            body: None,
            name: Some(chat.name.clone()),
            conversation_sid: Some(chat.conversation_sid.clone()),
            ..Inbound::on(MessagingChannel::Web)
        },
    )?;
    Ok(())
}

/// What a parked read of the chat waits on: the conversation, and the workspaces of its tasks
/// (an agent's accepting a later task of the same chat names only the task and the workspace).
pub fn topics(conn: &Connection, chat: &WebChat) -> Result<Vec<String>> {
    let mut topics = vec![chat.conversation_sid.clone()];
    for t in crate::store::channels::sessions::tasks_of_conversation(conn, &chat.conversation_sid)?
    {
        if let Some(ws) = t.workspace_sid {
            if !topics.contains(&ws) {
                topics.push(ws);
            }
        }
    }
    Ok(topics)
}
