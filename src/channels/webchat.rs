//! Web chat for customers: start a chat (name, optional context) → a conversation through the
//! web Flex Flow and a per-chat token; send; read new messages. The token is random (128 bits),
//! shown once, and stored only as a hash keyed by the conversation, so a token opens exactly one
//! chat and a leaked database opens none.

use super::sessions::{self, Inbound, Received};
use super::{flex_flows, Error, Result};
use crate::core::Core;
use crate::ids;
use crate::store::channels::messages::Message;
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
        .read(|c| flex_flows::handler_for(c, "web", flex_flows::WEBCHAT_IDENTITY))?
        .map(|f| f.contact_identity)
        .ok_or_else(|| Error::not_found("an enabled web chat Flex Flow"))?;
    let mut attributes = serde_json::json!({"customer_name": name, "channel": "web"});
    if let Some(Value::Object(ctx)) = context {
        attributes["pre_engagement_data"] = Value::Object(ctx);
    }
    let inbound = Inbound {
        channel_type: "web".into(),
        contact: identity.clone(),
        contact_identity,
        body: None,
        name: Some(name.to_string()),
        attributes: Some(attributes),
        ..Default::default()
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
    let contact_identity = app
        .store
        .read(|c| crate::store::channels::sessions::for_conversation(c, &chat.conversation_sid))?
        .into_iter()
        .find(|s| s.contact == chat.identity)
        .map(|s| s.contact_identity)
        .unwrap_or_else(|| flex_flows::WEBCHAT_IDENTITY.to_string());
    sessions::receive(
        app,
        Inbound {
            channel_type: "web".into(),
            contact: chat.identity.clone(),
            contact_identity,
            body: Some(body.to_string()),
            name: Some(chat.name.clone()),
            conversation_sid: Some(chat.conversation_sid.clone()),
            ..Default::default()
        },
    )
}

/// Messages after `after` (all when `None`).
pub fn messages_after(
    conn: &Connection,
    chat: &WebChat,
    after: Option<i64>,
) -> Result<Vec<Message>> {
    super::conversations::list_messages(conn, &chat.conversation_sid, after, 100)
}
