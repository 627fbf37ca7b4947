//! Flex v1 `WebChannels` and the legacy `Channels`: a server starts a customer's web chat. The
//! chat goes the way a web chat from `/chat` goes (`sessions::receive` through the Flex Flow
//! named, so its Studio flow or task integration runs); the channel's SID is the conversation's.
//! A second create for the same identity answers the chat already open, as Flex does.
//! https://www.twilio.com/docs/flex/developer/messaging/api/webchannel

use super::sessions::{self, Inbound, Routed};
use super::{conversations, flex_flows, Error, Result};
use crate::core::Core;
use crate::ids::{new_sid, Prefix};
use crate::states::ConversationState;
use crate::store::channels::flex::{self as db, ChatChannel};
use crate::store::channels::sessions::{self as session_db, MessagingChannel};
use serde_json::{json, Map, Value};

/// `web` for `WebChannels`, `chat` for the legacy `Channels`.
pub use crate::states::ChatChannelKind as Kind;

#[derive(Debug, Clone, Default)]
pub struct NewChat {
    pub flex_flow_sid: String,
    pub identity: String,
    /// The customer's name (`CustomerFriendlyName` / `ChatUserFriendlyName`).
    pub customer_name: String,
    /// The conversation's friendly name (`ChatFriendlyName`).
    pub chat_name: String,
    pub unique_name: Option<String>,
    /// `PreEngagementData` (a JSON object, kept in the conversation's attributes).
    pub pre_engagement: Option<Value>,
    /// Legacy `Channels`: `TaskAttributes` (a JSON object, in the new task's attributes).
    pub task_attributes: Option<Value>,
    /// Legacy `Channels`: an existing task to bind the chat to.
    pub task_sid: Option<String>,
}

fn object(name: &str, v: &Option<Value>) -> Result<Option<Map<String, Value>>> {
    match v {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m.clone())),
        Some(_) => Err(Error::invalid(name, "must be a JSON object")),
    }
}

pub fn create(app: &Core, kind: Kind, new: NewChat) -> Result<ChatChannel> {
    let identity = new.identity.trim().to_string();
    if identity.is_empty() || identity.chars().count() > 256 {
        return Err(Error::invalid("Identity", "must be 1 to 256 characters"));
    }
    for (n, v) in [
        ("CustomerFriendlyName", &new.customer_name),
        ("ChatFriendlyName", &new.chat_name),
    ] {
        if v.trim().is_empty() || v.chars().count() > 256 {
            return Err(Error::invalid(n, "must be 1 to 256 characters"));
        }
    }
    let pre = object("PreEngagementData", &new.pre_engagement)?;
    let task_attrs = object("TaskAttributes", &new.task_attributes)?;
    let flow = app
        .store
        .read(|c| flex_flows::fetch(c, &new.flex_flow_sid))
        .map_err(|e| match e {
            Error::NotFound(_) => {
                Error::invalid("FlexFlowSid", format!("no Flex Flow {}", new.flex_flow_sid))
            }
            e => e,
        })?;
    if flow.channel_type != MessagingChannel::Web || !flow.enabled {
        return Err(Error::invalid(
            "FlexFlowSid",
            "must be an enabled Flex Flow of channel type web",
        ));
    }
    if let Some(t) = &new.task_sid {
        if !crate::ids::is_sid(Prefix::Task, t) || integrations_task_missing(app, t)? {
            return Err(Error::invalid("TaskSid", format!("no task {t}")));
        }
    }
    if let Some(existing) = app.store.read(|c| {
        session_db::find_for_contact(c, MessagingChannel::Web, &identity, &flow.contact_identity)
    })? {
        if let Some(c) = app
            .store
            .read(|c| db::chat_channel_find(c, kind, &existing.conversation_sid))?
        {
            return Ok(c);
        }
    }
    if let Some(u) = &new.unique_name {
        if app
            .store
            .read(|c| crate::store::channels::conversations::find(c, u))?
            .is_some()
        {
            return Err(Error::Conflict(format!(
                "A conversation with unique name {u} already exists"
            )));
        }
    }
    let mut attributes = json!({"customer_name": new.customer_name, "channel": "web"});
    if let Some(p) = pre {
        attributes["pre_engagement_data"] = Value::Object(p);
    }
    if let Some(t) = task_attrs {
        for (k, v) in t {
            attributes[k] = v;
        }
    }
    let received = sessions::receive(
        app,
        Inbound {
            contact: identity.clone(),
            contact_identity: flow.contact_identity.clone(),
            body: None,
            name: Some(new.customer_name.clone()),
            attributes: Some(attributes),
            ..Inbound::on(MessagingChannel::Web)
        },
    )?;
    conversations::update(
        app,
        &received.conversation_sid,
        conversations::Fields {
            friendly_name: Some(new.chat_name.clone()),
            unique_name: new.unique_name.clone(),
            ..Default::default()
        },
    )?;
    let task_sid = match (&new.task_sid, &received.routed) {
        (Some(t), _) => Some(t.clone()),
        (None, Routed::Task(t) | Routed::LiveTask(t)) => Some(t.clone()),
        _ => None,
    };
    app.store.write(|tx| {
        let now = app.now_ms();
        if let Some(t) = &new.task_sid {
            session_db::link_task(tx, t, &received.conversation_sid, None, now)?;
            session_db::set_task_for_conversation(tx, &received.conversation_sid, t, now)?;
        }
        let c = ChatChannel {
            sid: received.conversation_sid.clone(),
            kind,
            flex_flow_sid: flow.sid.clone(),
            identity: identity.clone(),
            user_sid: Some(new_sid(Prefix::User)),
            task_sid: task_sid.clone(),
            created_at: now,
            updated_at: now,
        };
        db::save_chat_channel(tx, &c)?;
        Ok(c)
    })
}

fn integrations_task_missing(app: &Core, task_sid: &str) -> Result<bool> {
    let state = app
        .store
        .read(|c| super::integrations::task_state(c, task_sid))?;
    Ok(state == super::integrations::TaskState::Missing)
}

pub fn fetch(app: &Core, kind: Kind, sid: &str) -> Result<ChatChannel> {
    app.store
        .read(|c| db::chat_channel_find(c, kind, sid))?
        .ok_or_else(|| Error::not_found(sid))
}

/// `POST /v1/WebChannels/{CH}`: `ChatStatus=inactive` ends the chat (the conversation goes
/// inactive and its tasks to wrapping); `PostEngagementData` is kept in its attributes.
pub fn update(
    app: &Core,
    sid: &str,
    chat_status: Option<&str>,
    post_engagement: Option<String>,
) -> Result<ChatChannel> {
    if chat_status.is_some_and(|s| s != "inactive") {
        return Err(Error::invalid("ChatStatus", "must be inactive"));
    }
    let c = fetch(app, Kind::Web, sid)?;
    if let Some(data) = post_engagement {
        let conv = app.store.read(|tx| conversations::fetch(tx, sid))?;
        let mut attrs: Value = serde_json::from_str(&conv.attributes).unwrap_or(json!({}));
        if !attrs.is_object() {
            attrs = json!({});
        }
        attrs["post_engagement_data"] = serde_json::from_str(&data).unwrap_or(Value::String(data));
        conversations::update(
            app,
            sid,
            conversations::Fields {
                attributes: Some(attrs.to_string()),
                ..Default::default()
            },
        )?;
    }
    if chat_status.is_some() {
        let tasks = app.store.write(|tx| {
            conversations::set_state_in(tx, app, sid, ConversationState::Inactive)?;
            Ok::<_, Error>(session_db::live_tasks(tx, sid)?)
        })?;
        for t in tasks {
            super::integrations::finish_task(app, &t, false)?;
        }
    }
    Ok(c)
}

/// `DELETE`: the chat channel and its conversation go (the customer's session with it).
pub fn delete(app: &Core, kind: Kind, sid: &str) -> Result<()> {
    fetch(app, kind, sid)?;
    app.store.write(|tx| {
        for s in session_db::for_conversation(tx, sid)? {
            sessions::close(tx, app, &s, "chat channel deleted")?;
        }
        db::delete_chat_channel(tx, sid)?;
        Ok::<_, Error>(())
    })?;
    conversations::delete(app, sid, true)
}

pub fn list(
    app: &Core,
    kind: Kind,
    w: crate::store::Window,
) -> Result<crate::store::Page<ChatChannel>> {
    Ok(app.store.read(|c| db::chat_channels(c, kind, w))?)
}
