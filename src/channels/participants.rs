//! Conversation participants: a chat identity (an agent, a web chat customer) or a messaging
//! binding (the customer's address + our proxy address) the carrier delivers to.
//! https://www.twilio.com/docs/conversations/api/conversation-participant-resource

use super::{Error, Result};
use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::ids::{new_sid, Prefix};
use crate::store::channels::participants as db;
pub use crate::store::channels::participants::Participant;
use rusqlite::Connection;
use serde_json::{json, Value};

#[derive(Debug, Default, Clone)]
pub struct Fields {
    pub identity: Option<String>,
    pub binding_address: Option<String>,
    pub proxy_address: Option<String>,
    pub projected_address: Option<String>,
    pub attributes: Option<String>,
    pub role_sid: Option<String>,
    pub last_read_message_index: Option<i64>,
    pub last_read_timestamp: Option<String>,
    pub date_created: Option<i64>,
    pub date_updated: Option<i64>,
    /// A REST API call without `X-Twilio-Webhook-Enabled: true` (no post-event webhook).
    pub quiet: bool,
}

/// Adds a participant over the API: as `add_in`, and a messaging binding (address + proxy
/// address) already in another open conversation is refused with Twilio's 50416.
pub fn add(app: &Core, conversation_sid: &str, f: Fields) -> Result<Participant> {
    app.store
        .write(|tx| add_checked_in(tx, app, conversation_sid, f))
}

pub fn add_checked_in(
    tx: &Connection,
    app: &Core,
    conversation_sid: &str,
    f: Fields,
) -> Result<Participant> {
    if let (Some(address), Some(proxy)) = (&f.binding_address, &f.proxy_address) {
        if let Some(other) =
            crate::store::channels::conversations::find_by_any_binding(tx, address, proxy)?
        {
            if other.sid != conversation_sid
                && other.unique_name.as_deref() != Some(conversation_sid)
            {
                return Err(Error::Coded(
                    409,
                    50416,
                    format!(
                        "A binding for this participant and proxy address already exists in Conversation {}",
                        other.sid
                    ),
                ));
            }
        }
    }
    add_in(tx, app, conversation_sid, f)
}

/// Adds a participant in the caller's transaction; a duplicate identity or address is 409.
pub fn add_in(
    tx: &Connection,
    app: &Core,
    conversation_sid: &str,
    f: Fields,
) -> Result<Participant> {
    let conv = super::conversations::fetch(tx, conversation_sid)?;
    if f.identity.is_none() && f.binding_address.is_none() && f.projected_address.is_none() {
        return Err(Error::invalid(
            "Identity",
            "a participant needs an Identity or a MessagingBinding.Address",
        ));
    }
    if f.binding_address.is_some() && f.proxy_address.is_none() {
        return Err(Error::invalid(
            "MessagingBinding.ProxyAddress",
            "is required with MessagingBinding.Address",
        ));
    }
    if let Some(id) = &f.identity {
        if id.is_empty() || id.chars().count() > 256 {
            return Err(Error::invalid("Identity", "must be 1 to 256 characters"));
        }
        if db::find(tx, &conv.sid, id)?.is_some() {
            return Err(Error::Conflict(format!(
                "Participant {id} is already in conversation {}",
                conv.sid
            )));
        }
    }
    if let Some(a) = &f.binding_address {
        if db::find_by_address(tx, &conv.sid, a)?.is_some() {
            return Err(Error::Conflict(format!(
                "A participant with address {a} is already in conversation {}",
                conv.sid
            )));
        }
    }
    check_attributes(&f.attributes)?;
    let role_sid = match f.role_sid {
        Some(r) => Some(check_role(tx, &conv.chat_service_sid, &r)?),
        None => super::services::default_role(tx, &conv.chat_service_sid, false)?,
    };
    let now = app.now_ms();
    let quiet = f.quiet;
    let p = Participant {
        sid: new_sid(Prefix::Participant),
        conversation_sid: conv.sid.clone(),
        identity: f.identity,
        attributes: f.attributes.unwrap_or_else(|| "{}".into()),
        binding_address: f.binding_address,
        proxy_address: f.proxy_address,
        projected_address: f.projected_address,
        role_sid,
        last_read_message_index: f.last_read_message_index,
        last_read_timestamp: f.last_read_timestamp,
        created_at: f.date_created.unwrap_or(now),
        updated_at: f.date_updated.unwrap_or(now),
    };
    db::save(tx, &p)?;
    if !quiet {
        post_webhook(tx, app, &conv.chat_service_sid, &p, "onParticipantAdded")?;
    }
    app.record(
        tx,
        &NewEvent::new(EventType::ParticipantAdded, "participant", &p.sid)
            .describe("participant added")
            .data(event_data(&p)),
    )?;
    Ok(p)
}

pub fn fetch(conn: &Connection, conversation_sid: &str, key: &str) -> Result<Participant> {
    db::find(conn, conversation_sid, key)?.ok_or_else(|| Error::not_found(key))
}

pub fn update(app: &Core, conversation_sid: &str, key: &str, f: Fields) -> Result<Participant> {
    let quiet = f.quiet;
    app.store.write(|tx| {
        let mut p = fetch(tx, conversation_sid, key)?;
        check_attributes(&f.attributes)?;
        if let Some(id) = f.identity {
            if db::find(tx, conversation_sid, &id)?.is_some_and(|o| o.sid != p.sid) {
                return Err(Error::Conflict(format!("Participant {id} already exists")));
            }
            p.identity = Some(id);
        }
        if let Some(v) = f.attributes {
            p.attributes = v;
        }
        if let Some(v) = f.proxy_address {
            p.proxy_address = Some(v);
        }
        if let Some(v) = f.projected_address {
            p.projected_address = Some(v);
        }
        if let Some(v) = f.role_sid {
            let conv = super::conversations::fetch(tx, conversation_sid)?;
            p.role_sid = Some(check_role(tx, &conv.chat_service_sid, &v)?);
        }
        if let Some(v) = f.last_read_message_index {
            p.last_read_message_index = Some(v);
        }
        if let Some(v) = f.last_read_timestamp {
            p.last_read_timestamp = Some(v);
        }
        if let Some(d) = f.date_created {
            p.created_at = d;
        }
        p.updated_at = f.date_updated.unwrap_or_else(|| app.now_ms());
        db::save(tx, &p)?;
        if !quiet {
            let conv = super::conversations::fetch(tx, conversation_sid)?;
            post_webhook(tx, app, &conv.chat_service_sid, &p, "onParticipantUpdated")?;
        }
        Ok(p)
    })
}

/// A participant's role must be a `conversation` role of the conversation's service.
fn check_role(tx: &Connection, service: &str, sid: &str) -> Result<String> {
    match crate::store::channels::roles::find_role(tx, service, sid)? {
        Some(r) if r.kind == crate::states::RoleKind::Conversation => Ok(r.sid),
        Some(_) => Err(Error::invalid(
            "RoleSid",
            format!("role {sid} is not a conversation role"),
        )),
        None => Err(Error::invalid(
            "RoleSid",
            format!("no role {sid} in service {service}"),
        )),
    }
}

/// Twilio's `messaging_binding.type` for an address: `whatsapp:+1…` is WhatsApp,
/// `messenger:…` Messenger, `gbm:…` Google Business Messages, the rest SMS.
pub fn binding_type(address: &str) -> &'static str {
    match address.split_once(':').map(|(scheme, _)| scheme) {
        Some("whatsapp") => "whatsapp",
        Some("messenger") => "messenger",
        Some("gbm") => "gbm",
        Some("rcs") => "rcs",
        Some("apple") => "apple",
        _ => "sms",
    }
}

/// Removes a participant; `quiet`: a REST call without `X-Twilio-Webhook-Enabled: true`.
pub fn remove(app: &Core, conversation_sid: &str, key: &str, quiet: bool) -> Result<()> {
    app.store.write(|tx| {
        let p = fetch(tx, conversation_sid, key)?;
        db::delete(tx, &p.sid)?;
        if !quiet {
            let conv = super::conversations::fetch(tx, conversation_sid)?;
            post_webhook(tx, app, &conv.chat_service_sid, &p, "onParticipantRemoved")?;
        }
        app.record(
            tx,
            &NewEvent::new(EventType::ParticipantRemoved, "participant", &p.sid)
                .describe("participant removed")
                .data(event_data(&p)),
        )?;
        Ok(())
    })
}

/// The service's post-event webhook for a participant event, with Twilio's parameters.
fn post_webhook(
    tx: &Connection,
    app: &Core,
    service: &str,
    p: &Participant,
    event: &str,
) -> Result<()> {
    super::services::queue_post_webhooks(
        tx,
        app,
        service,
        Some(&p.conversation_sid),
        event,
        json!({
            "ConversationSid": p.conversation_sid,
            "ParticipantSid": p.sid,
            "Identity": p.identity,
            "Attributes": p.attributes,
            "RoleSid": p.role_sid,
            "MessagingBinding.Address": p.binding_address,
            "MessagingBinding.ProxyAddress": p.proxy_address,
            "MessagingBinding.ProjectedAddress": p.projected_address,
            "DateCreated": crate::clock::iso8601(p.created_at),
            "DateUpdated": crate::clock::iso8601(p.updated_at),
            "Source": "API",
        }),
    )
}

fn check_attributes(a: &Option<String>) -> Result<()> {
    match a {
        Some(a) if serde_json::from_str::<Value>(a).is_err() => {
            Err(Error::invalid("Attributes", "must be a JSON document"))
        }
        _ => Ok(()),
    }
}

fn event_data(p: &Participant) -> Value {
    json!({
        "ConversationSid": p.conversation_sid,
        "ParticipantSid": p.sid,
        "Identity": p.identity,
        "MessagingBinding.Address": p.binding_address,
        "MessagingBinding.ProxyAddress": p.proxy_address,
    })
}
