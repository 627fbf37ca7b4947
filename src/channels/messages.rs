//! Conversation messages: appended with the next index; an inactive conversation wakes up, a
//! closed one refuses. Each new message is handed to the conversation's carrier bindings (except
//! its author's own) through the outbox, and to the conversation's webhooks.
//! https://www.twilio.com/docs/conversations/api/conversation-message-resource

use super::{outbox, Error, Result};
use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::ids::{new_sid, Prefix};
use crate::states::ConversationState;
pub use crate::store::channels::messages::Message;
use crate::store::channels::{conversations as conv_db, messages as db, participants, webhooks};
use rusqlite::Connection;
use serde_json::{json, Value};

/// The most characters a message body may have (Twilio's limit is 32 KiB of text).
pub const MAX_BODY_CHARS: usize = 32 * 1024;

#[derive(Debug, Default, Clone)]
pub struct NewMessage {
    pub author: String,
    pub body: Option<String>,
    pub attributes: Option<String>,
    /// Media URLs (inbound MMS `MediaUrlN`, or a widget's `MediaUrl`).
    pub media_urls: Vec<String>,
    pub participant_sid: Option<String>,
    /// The carrier's MessageSid of an inbound message.
    pub external_sid: Option<String>,
    pub date_created: Option<i64>,
    pub date_updated: Option<i64>,
    /// A REST API call without `X-Twilio-Webhook-Enabled: true`: the service's post-event
    /// webhooks are not called (Twilio's rule for actions taken through the API).
    pub quiet: bool,
}

/// Appends a message in the caller's transaction. An inbound carrier message seen before (same
/// `external_sid`) is not added again: the stored one is returned.
pub fn add_in(
    tx: &Connection,
    app: &Core,
    conversation_sid: &str,
    m: NewMessage,
) -> Result<Message> {
    if let Some(ext) = &m.external_sid {
        if let Some(existing) = db::find_by_external(tx, ext)? {
            return Ok(existing);
        }
    }
    let conv = super::conversations::fetch(tx, conversation_sid)?;
    if conv.state == ConversationState::Closed {
        return Err(Error::Conflict(format!(
            "Conversation {} is closed and takes no new messages",
            conv.sid
        )));
    }
    if m.body.as_deref().unwrap_or("").is_empty() && m.media_urls.is_empty() {
        return Err(Error::invalid("Body", "a message needs a body or media"));
    }
    if m.body
        .as_deref()
        .is_some_and(|b| b.chars().count() > MAX_BODY_CHARS)
    {
        return Err(Error::invalid("Body", "is longer than 32768 characters"));
    }
    if let Some(a) = &m.attributes {
        if serde_json::from_str::<Value>(a).is_err() {
            return Err(Error::invalid("Attributes", "must be a JSON document"));
        }
    }
    if conv.state == ConversationState::Inactive {
        super::conversations::set_state_in(tx, app, &conv.sid, ConversationState::Active)?;
    }
    super::conversations::touch_timers_in(tx, &conv, app.now_ms())?;
    let now = app.now_ms();
    let participant_sid = match &m.participant_sid {
        Some(p) => Some(p.clone()),
        None => participants::find(tx, &conv.sid, &m.author)?
            .or(participants::find_by_address(tx, &conv.sid, &m.author)?)
            .map(|p| p.sid),
    };
    let media = (!m.media_urls.is_empty()).then(|| {
        Value::Array(
            m.media_urls
                .iter()
                .map(|u| json!({"sid": null, "url": u, "content_type": null, "filename": null, "size": null, "category": "media"}))
                .collect(),
        )
    });
    let mut msg = Message {
        sid: new_sid(Prefix::Message),
        conversation_sid: conv.sid.clone(),
        index: conv_db::next_index(tx, &conv.sid)?,
        author: m.author.clone(),
        body: m.body.clone(),
        attributes: m.attributes.clone().unwrap_or_else(|| "{}".into()),
        media,
        participant_sid,
        external_sid: m.external_sid.clone(),
        delivery: None,
        created_at: m.date_created.unwrap_or(now),
        updated_at: m.date_updated.unwrap_or(now),
    };
    // Hand the message to every carrier binding but its author's own.
    let bindings: Vec<_> = participants::with_bindings(tx, &conv.sid)?
        .into_iter()
        .filter(|p| p.binding_address.as_deref() != Some(m.author.as_str()))
        .filter(|p| Some(&p.sid) != msg.participant_sid.as_ref())
        .collect();
    if !bindings.is_empty() {
        msg.delivery = Some(
            json!({"total": bindings.len(), "sent": "none", "delivered": "none",
            "read": "none", "undelivered": "none", "failed": "none"}),
        );
    }
    db::save(tx, &msg)?;
    for p in &bindings {
        let mut params = json!({
            "To": p.binding_address,
            "From": p.proxy_address.clone().or(p.projected_address.clone()).unwrap_or_default(),
            "Body": msg.body.clone().unwrap_or_default(),
        });
        if let Some(u) = m.media_urls.first() {
            params["MediaUrl"] = json!(u);
        }
        outbox::queue_carrier(tx, app, params, Some(&conv.sid), Some(&msg.sid))?;
    }
    for hook in webhooks::all(tx, &conv.sid)? {
        outbox::queue_conversation_webhook(tx, app, &hook, &conv, &msg)?;
    }
    // The service's (and the account's) post-event webhook.
    if !m.quiet {
        let params = outbox::message_event_params(app, &conv, &msg);
        super::services::queue_post_webhooks(
            tx,
            app,
            &conv.chat_service_sid,
            Some(&conv.sid),
            "onMessageAdded",
            params,
        )?;
    }
    app.record(
        tx,
        &NewEvent::new(EventType::MessageAdded, "message", &msg.sid)
            .describe(format!("message {} added", msg.index))
            .data(json!({
                "ConversationSid": conv.sid,
                "MessageSid": msg.sid,
                "Index": msg.index,
                "Author": msg.author,
                "Body": msg.body,
                "ParticipantSid": msg.participant_sid,
                "FlexFlowSid": conv.flex_flow_sid,
            })),
    )?;
    Ok(msg)
}

pub fn create(app: &Core, conversation_sid: &str, m: NewMessage) -> Result<Message> {
    app.store.write(|tx| add_in(tx, app, conversation_sid, m))
}

pub fn fetch(conn: &Connection, conversation_sid: &str, key: &str) -> Result<Message> {
    db::find(conn, conversation_sid, key)?.ok_or_else(|| Error::not_found(key))
}

/// The fields a message update may change (`None` leaves one alone).
#[derive(Debug, Default, Clone)]
pub struct Changes {
    pub author: Option<String>,
    pub body: Option<String>,
    pub attributes: Option<String>,
    pub date_created: Option<i64>,
    pub date_updated: Option<i64>,
    /// A REST call without `X-Twilio-Webhook-Enabled: true` (no post-event webhook).
    pub quiet: bool,
}

/// Updates author, body, attributes or dates.
pub fn update(app: &Core, conversation_sid: &str, key: &str, c: Changes) -> Result<Message> {
    let Changes {
        author,
        body,
        attributes,
        date_created,
        date_updated,
        quiet,
    } = c;
    app.store.write(|tx| {
        let mut m = fetch(tx, conversation_sid, key)?;
        if let Some(a) = author {
            m.author = a;
        }
        if let Some(b) = body {
            if b.chars().count() > MAX_BODY_CHARS {
                return Err(Error::invalid("Body", "is longer than 32768 characters"));
            }
            m.body = Some(b);
        }
        if let Some(a) = attributes {
            if serde_json::from_str::<Value>(&a).is_err() {
                return Err(Error::invalid("Attributes", "must be a JSON document"));
            }
            m.attributes = a;
        }
        if let Some(d) = date_created {
            m.created_at = d;
        }
        m.updated_at = date_updated.unwrap_or_else(|| app.now_ms());
        db::save(tx, &m)?;
        if !quiet {
            post_webhook(tx, app, &m, "onMessageUpdated")?;
        }
        Ok(m)
    })
}

/// Deletes a message; `quiet`: a REST call without `X-Twilio-Webhook-Enabled: true`.
pub fn delete(app: &Core, conversation_sid: &str, key: &str, quiet: bool) -> Result<()> {
    app.store.write(|tx| {
        let m = fetch(tx, conversation_sid, key)?;
        db::delete(tx, &m.sid)?;
        if !quiet {
            post_webhook(tx, app, &m, "onMessageRemoved")?;
        }
        Ok(())
    })
}

/// The service's post-event webhook for a message event, with Twilio's parameters.
fn post_webhook(tx: &Connection, app: &Core, m: &Message, event: &str) -> Result<()> {
    let conv = super::conversations::fetch(tx, &m.conversation_sid)?;
    let mut params = outbox::message_event_params(app, &conv, m);
    params["DateUpdated"] = json!(crate::clock::iso8601(m.updated_at));
    params["Source"] = json!("API");
    super::services::queue_post_webhooks(
        tx,
        app,
        &conv.chat_service_sid,
        Some(&conv.sid),
        event,
        params,
    )
}
