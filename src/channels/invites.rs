//! Interaction channel invites (Flex v1, `POST …/Interactions/{KD}/Channels/{UO}/Invites` with
//! `Routing`): a TaskRouter task for the channel with the conversation's attributes (those of
//! the channel's current task) and the routing's own; whoever accepts it joins the conversation
//! and sees its whole history. Transfers (`transfers.rs`) are invites routed to a worker or a
//! queue, built on the helpers here.
//! https://www.twilio.com/docs/flex/developer/conversations/interactions-api/interaction-channel-invites

use super::integrations::{self, TaskSpec};
use super::interactions::fetch_channel;
use super::{Error, Result};
use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::ids::{new_sid, Prefix};
use crate::store::channels::interactions::{Channel, InteractionChannelStatus as ChannelStatus};
use crate::store::channels::sessions as session_db;
use crate::store::channels::transfers::{self as db, Invite};
use crate::store::taskrouter::tasks as task_db;
use rusqlite::{Connection, Transaction};
use serde_json::{json, Map, Value};

/// The task attribute every invite's task carries (as Flex's do).
pub const INVITE_ATTRIBUTE: &str = "flexChannelInviteSid";

/// Whether a task's attributes mark it as an invite's (a transfer's included): such a task
/// serves the conversation only once accepted.
pub fn is_invite_task(attributes: &Value) -> bool {
    attributes.get(INVITE_ATTRIBUTE).is_some()
}

/// `Routing.properties` of an invite, checked.
pub(super) struct Props {
    pub workspace_sid: Option<String>,
    pub workflow_sid: Option<String>,
    pub task_channel: Option<String>,
    pub priority: Option<i64>,
    pub timeout: Option<i64>,
    pub queue_sid: Option<String>,
    pub attributes: Map<String, Value>,
}

pub(super) fn props(routing: &Value) -> Result<Props> {
    if !routing.is_object() {
        return Err(Error::invalid("Routing", "must be a JSON object"));
    }
    let p = routing.get("properties").cloned().unwrap_or(json!({}));
    if !p.is_object() {
        return Err(Error::invalid("Routing", "properties must be an object"));
    }
    let s = |k: &str| -> Result<Option<String>> {
        match p.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(v)) => Ok(Some(v.clone())),
            Some(_) => Err(Error::invalid(
                "Routing",
                format!("properties.{k} must be a string"),
            )),
        }
    };
    let n = |k: &str| -> Result<Option<i64>> {
        match p.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                .map(Some)
                .ok_or_else(|| {
                    Error::invalid("Routing", format!("properties.{k} must be a whole number"))
                }),
        }
    };
    let attributes = match p.get("attributes") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(Value::String(s)) => match serde_json::from_str(s) {
            Ok(Value::Object(m)) => m,
            _ => {
                return Err(Error::invalid(
                    "Routing",
                    "properties.attributes must be a JSON object",
                ))
            }
        },
        Some(_) => {
            return Err(Error::invalid(
                "Routing",
                "properties.attributes must be a JSON object",
            ))
        }
    };
    Ok(Props {
        workspace_sid: s("workspace_sid")?,
        workflow_sid: s("workflow_sid")?,
        task_channel: s("task_channel_unique_name")?.or(s("task_channel_sid")?),
        priority: n("priority")?,
        timeout: n("timeout")?,
        queue_sid: s("queue_sid")?,
        attributes,
    })
}

/// A channel that can take an invite: it exists, is not closed, and has a conversation.
pub(super) fn open_channel(
    tx: &Connection,
    interaction_sid: &str,
    channel_sid: &str,
) -> Result<Channel> {
    let ch = fetch_channel(tx, interaction_sid, channel_sid)?;
    if matches!(ch.status, ChannelStatus::Closed | ChannelStatus::Failed) {
        return Err(Error::Conflict(format!(
            "Interaction channel {} is {}",
            ch.sid, ch.status
        )));
    }
    if ch.conversation_sid.is_none() {
        return Err(Error::Conflict(format!(
            "Interaction channel {} has no conversation",
            ch.sid
        )));
    }
    Ok(ch)
}

/// The conversation's attributes for a new task: the channel's current task's, else the basics.
pub(super) fn channel_attributes(tx: &Connection, ch: &Channel) -> Result<Map<String, Value>> {
    let mut out = match &ch.task_sid {
        Some(t) => match task_db::find(tx, t)?.map(|t| t.attributes) {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        },
        None => Map::new(),
    };
    // The previous transfer's marks do not carry over to the next task.
    for k in [
        INVITE_ATTRIBUTE,
        "transferTargetType",
        "transferTargetSid",
        "transferQueueSid",
        "transferType",
        "transferNote",
        "transfer",
        "flexInteractionTransferSid",
        "transferFailed",
    ] {
        out.remove(k);
    }
    let conv = ch.conversation_sid.clone().unwrap_or_default();
    out.insert("conversationSid".into(), json!(conv));
    out.entry("channelType").or_insert(json!(ch.channel_type));
    out.insert("flexInteractionSid".into(), json!(ch.interaction_sid));
    out.insert("flexInteractionChannelSid".into(), json!(ch.sid));
    Ok(out)
}

/// Creates an invite's task in the caller's transaction; `extra` attributes go on top.
pub(super) fn invite_in(
    tx: &Transaction,
    app: &Core,
    ch: &Channel,
    routing: Value,
    p: Props,
    extra: Map<String, Value>,
) -> Result<Invite> {
    let sid = new_sid(Prefix::InteractionInvite);
    let mut attributes = channel_attributes(tx, ch)?;
    attributes.extend(p.attributes);
    attributes.extend(extra);
    attributes.insert(INVITE_ATTRIBUTE.into(), json!(sid));
    let workspace = match p.workspace_sid.clone() {
        Some(w) => Some(w),
        None => match &ch.task_sid {
            Some(t) => task_db::find(tx, t)?.map(|t| t.workspace_sid),
            None => None,
        },
    };
    let workflow = match (&p.workflow_sid, &workspace) {
        (Some(w), _) => Some(w.clone()),
        (None, Some(ws)) => super::flex_config::target_workflow(tx, app, ws)?,
        (None, None) => None,
    };
    let conv = ch.conversation_sid.clone().unwrap_or_default();
    let task = integrations::create_task_in(
        tx,
        app,
        TaskSpec {
            workspace_sid: workspace.clone(),
            workflow_sid: workflow,
            task_channel: p.task_channel.or_else(|| current_channel(tx, ch)),
            priority: p.priority,
            timeout: p.timeout,
            attributes: Value::Object(attributes),
        },
    )?;
    let now = app.now_ms();
    session_db::link_task(tx, &task, &conv, workspace.as_deref(), now)?;
    let mut routing = routing;
    routing["properties"]["sid"] = json!(task);
    let invite = Invite {
        sid,
        interaction_sid: ch.interaction_sid.clone(),
        channel_sid: ch.sid.clone(),
        routing,
        task_sid: Some(task),
        created_at: now,
    };
    db::insert_invite(tx, &invite)?;
    Ok(invite)
}

/// The task channel of the channel's current task (a chat stays a chat).
pub(super) fn current_channel(tx: &Connection, ch: &Channel) -> Option<String> {
    let t = ch.task_sid.as_deref()?;
    task_db::find(tx, t)
        .ok()
        .flatten()
        .map(|t| t.task_channel_unique_name)
}

/// `POST …/Channels/{UO}/Invites`.
pub fn invite(
    app: &Core,
    interaction_sid: &str,
    channel_sid: &str,
    routing: Value,
) -> Result<Invite> {
    let p = props(&routing)?;
    app.store.write(|tx| {
        let ch = open_channel(tx, interaction_sid, channel_sid)?;
        let inv = invite_in(tx, app, &ch, routing.clone(), p, Map::new())?;
        record(tx, app, &ch, "invite created", &inv.sid)?;
        Ok(inv)
    })
}

pub fn invites(
    conn: &Connection,
    interaction_sid: &str,
    channel_sid: &str,
    w: crate::store::Window,
) -> Result<crate::store::Page<Invite>> {
    let ch = fetch_channel(conn, interaction_sid, channel_sid)?;
    Ok(db::invites(conn, &ch.sid, w)?)
}

pub(super) fn record(
    tx: &Connection,
    app: &Core,
    ch: &Channel,
    what: &str,
    sid: &str,
) -> Result<()> {
    app.record(
        tx,
        &NewEvent::new(
            EventType::InteractionChannelUpdated,
            "interaction_channel",
            &ch.sid,
        )
        .describe(format!("interaction channel: {what}"))
        .data(
            json!({"InteractionSid": ch.interaction_sid, "InteractionChannelSid": ch.sid,
                         "ConversationSid": ch.conversation_sid, "TaskSid": ch.task_sid,
                         "Status": ch.status, "Sid": sid}),
        ),
    )?;
    Ok(())
}
