//! Address configurations (`/v1/Configuration/Addresses`): how Flex Conversations wires one of
//! our numbers to Studio or a webhook. A message from a customer to a configured address whose
//! `auto_creation` is enabled, when no open conversation holds the customer's binding to that
//! address, opens a conversation in the configured service with the customer bound as a
//! participant and the configured target attached (a `studio` or `webhook` conversation-scoped
//! webhook; `default` attaches none, the service's own webhooks apply). The message is added, and
//! a `studio` target starts (or resumes) the flow with the `incomingConversationMessage` trigger,
//! as long as no live task serves the conversation (after Send to Flex, the agent has it).
//! Addresses without a configuration keep going through the Flex Flows (`sessions`).
//! https://www.twilio.com/docs/conversations/api/address-configuration-resource

use super::integrations::{self, TaskState};
use super::messages::{self, NewMessage};
use super::sessions::{Received, Routed};
use super::{conversations, participants, Error, Result};
use crate::core::Core;
use crate::ids::{is_sid, new_sid, Prefix};
use crate::store::channels::address_configs::{self as db, AddressConfig};
use crate::store::channels::sessions::MessagingChannel;
use crate::store::channels::{
    conversations as conv_db, inbound_routing as routing_db, messages as msg_db,
};
use rusqlite::{Connection, Transaction};
use serde_json::{json, Map, Value};

pub const TYPES: &[&str] = &[
    "sms",
    "whatsapp",
    "messenger",
    "gbm",
    "email",
    "rcs",
    "apple",
    "chat",
];
pub const AUTO_CREATION_TYPES: &[&str] = &["webhook", "studio", "default"];

/// A create or update; `auto_creation` holds the `AutoCreation.*` parameters given, snake_case.
#[derive(Debug, Default, Clone)]
pub struct Fields {
    pub kind: Option<String>,
    pub address: Option<String>,
    pub friendly_name: Option<String>,
    pub auto_creation: Map<String, Value>,
    pub address_country: Option<String>,
}

pub fn fetch(conn: &Connection, key: &str) -> Result<AddressConfig> {
    db::find(conn, key)?.ok_or_else(|| Error::not_found(key))
}

pub fn create(app: &Core, f: Fields) -> Result<AddressConfig> {
    let kind = f.kind.clone().unwrap_or_default();
    if !TYPES.contains(&kind.as_str()) {
        return Err(Error::invalid(
            "Type",
            format!("must be one of {}", TYPES.join(", ")),
        ));
    }
    let address = f.address.clone().unwrap_or_default();
    if address.is_empty() || address.chars().count() > 256 {
        return Err(Error::invalid("Address", "must be 1 to 256 characters"));
    }
    if let Some(c) = &f.address_country {
        if c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()) {
            return Err(Error::invalid(
                "AddressCountry",
                "must be an ISO 3166-1 alpha-2 country code",
            ));
        }
    }
    app.store.write(|tx| {
        if db::find(tx, &address)?.is_some() {
            return Err(Error::Conflict(format!(
                "An address configuration for {address} already exists"
            )));
        }
        let now = app.now_ms();
        let mut a = AddressConfig {
            sid: new_sid(Prefix::AddressConfiguration),
            kind: kind.clone(),
            address: address.clone(),
            friendly_name: None,
            auto_creation: json!({
                "enabled": false, "type": null, "conversation_service_sid": null,
                "webhook_url": null, "webhook_method": null, "webhook_filters": null,
                "studio_flow_sid": null, "studio_retry_count": null,
            }),
            address_country: f.address_country.clone().map(|c| c.to_ascii_uppercase()),
            created_at: now,
            updated_at: now,
        };
        apply(tx, &mut a, &f)?;
        db::save(tx, &a)?;
        Ok(a)
    })
}

pub fn update(app: &Core, key: &str, f: Fields) -> Result<AddressConfig> {
    app.store.write(|tx| {
        let mut a = fetch(tx, key)?;
        apply(tx, &mut a, &f)?;
        a.updated_at = app.now_ms();
        db::save(tx, &a)?;
        Ok(a)
    })
}

pub fn delete(app: &Core, key: &str) -> Result<()> {
    app.store.write(|tx| {
        let a = fetch(tx, key)?;
        db::delete(tx, &a.sid)?;
        Ok(())
    })
}

fn apply(tx: &Connection, a: &mut AddressConfig, f: &Fields) -> Result<()> {
    if let Some(n) = &f.friendly_name {
        if n.chars().count() > 256 {
            return Err(Error::invalid(
                "FriendlyName",
                "must be at most 256 characters",
            ));
        }
        a.friendly_name = Some(n.clone());
    }
    let ac = a
        .auto_creation
        .as_object_mut()
        .ok_or_else(|| Error::invalid("AutoCreation", "is damaged"))?;
    for (k, v) in &f.auto_creation {
        ac.insert(k.clone(), v.clone());
    }
    let get =
        |ac: &Map<String, Value>, k: &str| ac.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(t) = get(ac, "type") {
        if !AUTO_CREATION_TYPES.contains(&t.as_str()) {
            return Err(Error::invalid(
                "AutoCreation.Type",
                "must be webhook, studio or default",
            ));
        }
    }
    if let Some(m) = get(ac, "webhook_method") {
        let m = m.to_ascii_lowercase();
        if m != "get" && m != "post" {
            return Err(Error::invalid(
                "AutoCreation.WebhookMethod",
                "must be GET or POST",
            ));
        }
        ac.insert("webhook_method".into(), json!(m));
    }
    if let Some(s) = get(ac, "conversation_service_sid") {
        super::services::fetch(tx, &s).map_err(|_| {
            Error::invalid(
                "AutoCreation.ConversationServiceSid",
                format!("no Conversations service {s}"),
            )
        })?;
    }
    if let Some(n) = ac.get("studio_retry_count").filter(|n| !n.is_null()) {
        if !n.as_i64().is_some_and(|n| (0..=3).contains(&n)) {
            return Err(Error::invalid(
                "AutoCreation.StudioRetryCount",
                "must be from 0 to 3",
            ));
        }
    }
    let enabled = ac.get("enabled").and_then(Value::as_bool).unwrap_or(false);
    match get(ac, "type").as_deref() {
        Some("studio") => {
            let flow = get(ac, "studio_flow_sid").unwrap_or_default();
            if !is_sid(Prefix::Flow, &flow) {
                return Err(Error::invalid(
                    "AutoCreation.StudioFlowSid",
                    "is required for AutoCreation.Type=studio (FW…)",
                ));
            }
            if crate::store::studio::flows::fetch(tx, &flow)?.is_none() {
                return Err(Error::invalid(
                    "AutoCreation.StudioFlowSid",
                    format!("no Studio flow {flow}"),
                ));
            }
        }
        Some("webhook") => {
            let url = get(ac, "webhook_url").unwrap_or_default();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(Error::invalid(
                    "AutoCreation.WebhookUrl",
                    "is required for AutoCreation.Type=webhook (http or https)",
                ));
            }
        }
        Some(_) => {}
        None if enabled => {
            return Err(Error::invalid(
                "AutoCreation.Type",
                "is required when AutoCreation.Enabled is true",
            ))
        }
        None => {}
    }
    Ok(())
}

/// The configuration that takes a message to `to`, if one exists with auto-creation enabled.
fn active_config(conn: &Connection, to: &str) -> Result<Option<AddressConfig>> {
    Ok(db::find(conn, to)?.filter(|a| {
        a.address == to
            && a.auto_creation
                .get("enabled")
                .and_then(Value::as_bool)
                .unwrap_or(false)
    }))
}

/// A customer's message from outside (the carrier webhook's parameters).
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    pub channel_type: MessagingChannel,
    pub from: &'a str,
    pub to: &'a str,
    pub body: Option<&'a str>,
    pub media_urls: &'a [String],
    pub external_sid: Option<&'a str>,
}

/// The inbound seam: handles the message when `to` has an enabled address configuration and no
/// Flex Flow conversation holds the customer; `None` leaves it to the Flex Flows. A message for
/// Studio commits with its routing due (`store::channels::inbound_routing`, trigger
/// `conversation`) and is handed over by `inbound::route_contact`, as the Flex Flow path does, so
/// a crash between the two is finished by the start-up sweep or the carrier's retry.
pub fn receive(app: &Core, m: &Incoming<'_>) -> Result<Option<Received>> {
    if app.store.read(|c| active_config(c, m.to))?.is_none() {
        return Ok(None);
    }
    let Some((mut received, due)) = app.store.write(|tx| receive_in(tx, app, m))? else {
        return Ok(None);
    };
    if let Some(message_sid) = due {
        if received.routed != Routed::Duplicate {
            super::inbound::failpoint("after_inbound_store");
        }
        if let Some(routed) = super::inbound::route_stored(app, m.from, m.to, &message_sid)? {
            received.routed = routed;
        }
    }
    Ok(Some(received))
}

/// The stored message whose routing is due after the write, if any.
type DueMessage = Option<String>;

fn receive_in(
    tx: &Transaction,
    app: &Core,
    m: &Incoming<'_>,
) -> Result<Option<(Received, DueMessage)>> {
    let received = |conv: &str, message, routed| Received {
        conversation_sid: conv.to_string(),
        session_sid: String::new(),
        flex_flow_sid: String::new(),
        message,
        routed,
    };
    if let Some(ext) = m.external_sid {
        if let Some(msg) = msg_db::find_by_external(tx, ext)? {
            let conv = msg.conversation_sid.clone();
            let due = routing_db::is_due(tx, &msg.sid)?.then(|| msg.sid.clone());
            return Ok(Some((received(&conv, Some(msg), Routed::Duplicate), due)));
        }
    }
    let Some(cfg) = active_config(tx, m.to)? else {
        return Ok(None);
    };
    let conv = match conv_db::find_by_any_binding(tx, m.from, m.to)? {
        // The customer is in a Flex Flow's conversation: the Flex Flow keeps them.
        Some(c) if c.flex_flow_sid.is_some() => return Ok(None),
        Some(c) => c,
        None => open(tx, app, &cfg, m)?,
    };
    if m.body.unwrap_or("").is_empty() && m.media_urls.is_empty() {
        return Ok(Some((received(&conv.sid, None, Routed::Nothing), None)));
    }
    let message = messages::add_in(
        tx,
        app,
        &conv.sid,
        NewMessage {
            author: m.from.to_string(),
            body: m.body.map(str::to_string),
            media_urls: m.media_urls.to_vec(),
            external_sid: m.external_sid.map(str::to_string),
            ..Default::default()
        },
    )?;
    for task in crate::store::channels::sessions::live_tasks(tx, &conv.sid)? {
        if integrations::task_state(tx, &task)? == TaskState::Live {
            return Ok(Some((
                received(&conv.sid, Some(message), Routed::LiveTask(task)),
                None,
            )));
        }
    }
    let flow = crate::store::channels::webhooks::all(tx, &conv.sid)?
        .into_iter()
        .find(|w| w.target == "studio")
        .and_then(|w| {
            w.configuration
                .get("flow_sid")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    let Some(flow_sid) = flow else {
        return Ok(Some((
            received(&conv.sid, Some(message), Routed::Nothing),
            None,
        )));
    };
    let payload = json!({
        "Body": message.body,
        "From": m.from,
        "To": m.to,
        "Author": message.author,
        "ConversationSid": conv.sid,
        "ChatServiceSid": conv.chat_service_sid,
        "MessageSid": message.sid,
        "ParticipantSid": message.participant_sid,
        "ChannelType": m.channel_type,
        "Name": m.from,
        "FriendlyName": conv.friendly_name,
        "Attributes": conv.attributes,
        "NumMedia": m.media_urls.len().to_string(),
        "Source": m.channel_type.as_str().to_ascii_uppercase(),
        "AddressConfigurationSid": cfg.sid,
    });
    routing_db::insert(
        tx,
        &routing_db::Due {
            message_sid: message.sid.clone(),
            channel_type: m.channel_type,
            contact: m.from.to_string(),
            contact_identity: m.to.to_string(),
            flow_sid,
            payload,
            created_at: app.now_ms(),
            trigger: Some(crate::states::InboundTrigger::Conversation),
        },
    )?;
    let sid = message.sid.clone();
    Ok(Some((
        received(&conv.sid, Some(message), Routed::Nothing),
        Some(sid),
    )))
}

/// A new conversation for the customer: participant bound through our address, the target
/// attached.
fn open(
    tx: &Transaction,
    app: &Core,
    cfg: &AddressConfig,
    m: &Incoming<'_>,
) -> Result<conversations::Conversation> {
    let ac = &cfg.auto_creation;
    let get = |k: &str| ac.get(k).and_then(Value::as_str).map(str::to_string);
    // A configured service deleted since falls back to the default one: the customer's message
    // is never dropped for it.
    let service = match get("conversation_service_sid") {
        Some(s) if crate::store::channels::services::find(tx, &s)?.is_some() => Some(s),
        Some(s) => {
            log::warn!(
                "address configuration {} names service {s}, which is gone; using the default service",
                cfg.sid
            );
            None
        }
        None => None,
    };
    let conv = conversations::create_in(
        tx,
        app,
        conversations::Fields {
            friendly_name: Some(m.from.to_string()),
            chat_service_sid: service,
            ..Default::default()
        },
        None,
        app.now_ms(),
    )?;
    participants::add_in(
        tx,
        app,
        &conv.sid,
        participants::Fields {
            binding_address: Some(m.from.to_string()),
            proxy_address: Some(m.to.to_string()),
            ..Default::default()
        },
    )?;
    let mut hook = Map::new();
    let target = match get("type").as_deref() {
        Some("studio") => {
            hook.insert("flow_sid".into(), json!(get("studio_flow_sid")));
            Some("studio")
        }
        Some("webhook") => {
            hook.insert("url".into(), json!(get("webhook_url")));
            hook.insert(
                "method".into(),
                json!(get("webhook_method")
                    .unwrap_or_else(|| "post".into())
                    .to_ascii_uppercase()),
            );
            if let Some(f) = ac.get("webhook_filters").filter(|f| f.is_array()) {
                hook.insert("filters".into(), f.clone());
            }
            Some("webhook")
        }
        _ => None,
    };
    if let Some(target) = target {
        super::webhooks::create_in(tx, &conv.sid, target, hook, app.now_ms())?;
    }
    Ok(conv)
}
