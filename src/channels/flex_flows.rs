//! Flex Flows: which integration (`studio`, `task`, `external`) handles the messages a channel
//! type and contact identity receive. At most one enabled handler per (channel type, contact
//! identity): a second is refused (409). A new appliance gets enabled inbound handlers for SMS
//! and web chat, with the janitor on.
//! https://www.twilio.com/docs/flex/developer/messaging/manage-flows

use super::{Error, Result};
use crate::core::Core;
use crate::ids::{new_sid, Prefix};
use crate::store::channels::flex_flows as db;
pub use crate::store::channels::flex_flows::{FlexFlow, MessagingChannel};
use rusqlite::Connection;
use serde_json::{Map, Value};

pub const INTEGRATION_TYPES: &[&str] = &["studio", "external", "task"];

/// The contact identity of the seeded SMS handler: it takes messages to any number no other
/// handler claims (an appliance does not know its carrier numbers up front).
pub const ANY_NUMBER: &str = "*";
/// The contact identity of the seeded web chat handler.
pub const WEBCHAT_IDENTITY: &str = "webchat";

/// Fields of a create or update; `None` leaves a field as it is (or takes the default on create).
#[derive(Debug, Default, Clone)]
pub struct Fields {
    pub friendly_name: Option<String>,
    pub chat_service_sid: Option<String>,
    pub channel_type: Option<String>,
    pub contact_identity: Option<String>,
    pub enabled: Option<bool>,
    pub integration_type: Option<String>,
    /// `Integration.*` parameters as snake_case keys; merged into the stored object.
    pub integration: Map<String, Value>,
    pub long_lived: Option<bool>,
    pub janitor_enabled: Option<bool>,
}

pub fn create(app: &Core, fields: Fields) -> Result<FlexFlow> {
    let now = app.now_ms();
    let friendly_name = fields
        .friendly_name
        .clone()
        .ok_or_else(|| Error::invalid("FriendlyName", "is required"))?;
    let channel_type = fields
        .channel_type
        .as_deref()
        .ok_or_else(|| Error::invalid("ChannelType", "is required"))
        .and_then(flow_channel)?;
    app.store.write(|tx| {
        let chat_service_sid = match fields.chat_service_sid.clone() {
            Some(s) => s,
            None => default_service_sid(tx, app.now_ms())?,
        };
        let mut flow = FlexFlow {
            sid: new_sid(Prefix::FlexFlow),
            friendly_name,
            chat_service_sid,
            channel_type,
            contact_identity: String::new(),
            enabled: true,
            integration_type: "studio".into(),
            integration: Value::Object(Map::new()),
            long_lived: false,
            janitor_enabled: false,
            created_at: now,
            updated_at: now,
        };
        apply(&mut flow, &fields);
        check(tx, &flow)?;
        db::save(tx, &flow)?;
        Ok(flow)
    })
}

pub fn update(app: &Core, sid: &str, fields: Fields) -> Result<FlexFlow> {
    app.store.write(|tx| {
        let mut flow = db::find(tx, sid)?.ok_or_else(|| Error::not_found(sid))?;
        if let Some(c) = fields.channel_type.as_deref() {
            flow.channel_type = flow_channel(c)?;
        }
        apply(&mut flow, &fields);
        flow.updated_at = app.now_ms();
        check(tx, &flow)?;
        db::save(tx, &flow)?;
        Ok(flow)
    })
}

pub fn delete(app: &Core, sid: &str) -> Result<()> {
    if app.store.write(|tx| db::delete(tx, sid))? {
        Ok(())
    } else {
        Err(Error::not_found(sid))
    }
}

pub fn fetch(conn: &Connection, sid: &str) -> Result<FlexFlow> {
    db::find(conn, sid)?.ok_or_else(|| Error::not_found(sid))
}

/// The enabled handler for messages of `channel_type` to `contact_identity`, falling back to the
/// handler of any number (`*`) for SMS and WhatsApp.
pub fn handler_for(
    conn: &Connection,
    channel_type: MessagingChannel,
    contact_identity: &str,
) -> Result<Option<FlexFlow>> {
    if let Some(f) = db::find_enabled(conn, channel_type, contact_identity)? {
        return Ok(Some(f));
    }
    Ok(db::find_enabled(conn, channel_type, ANY_NUMBER)?)
}

/// A `ChannelType` a Flex Flow may serve.
fn flow_channel(text: &str) -> Result<MessagingChannel> {
    MessagingChannel::parse(text)
        .filter(|c| MessagingChannel::FLEX_FLOW.contains(c))
        .ok_or_else(|| {
            let all: Vec<&str> = MessagingChannel::FLEX_FLOW
                .iter()
                .map(|c| c.as_str())
                .collect();
            Error::invalid("ChannelType", format!("must be one of {}", all.join(", ")))
        })
}

/// Every field but `channel_type` (parsed by the caller).
fn apply(flow: &mut FlexFlow, f: &Fields) {
    let set = |dst: &mut String, src: &Option<String>| {
        if let Some(v) = src {
            *dst = v.clone();
        }
    };
    set(&mut flow.friendly_name, &f.friendly_name);
    set(&mut flow.chat_service_sid, &f.chat_service_sid);
    set(&mut flow.contact_identity, &f.contact_identity);
    set(&mut flow.integration_type, &f.integration_type);
    if let Some(v) = f.enabled {
        flow.enabled = v;
    }
    if let Some(v) = f.long_lived {
        flow.long_lived = v;
    }
    if let Some(v) = f.janitor_enabled {
        flow.janitor_enabled = v;
    }
    if let Some(obj) = flow.integration.as_object_mut() {
        for (k, v) in &f.integration {
            obj.insert(k.clone(), v.clone());
        }
    }
}

/// Validates a Flex Flow as it would be stored, including the one-enabled-handler rule.
fn check(conn: &Connection, flow: &FlexFlow) -> Result<()> {
    if flow.friendly_name.trim().is_empty() || flow.friendly_name.chars().count() > 64 {
        return Err(Error::invalid("FriendlyName", "must be 1 to 64 characters"));
    }
    if !INTEGRATION_TYPES.contains(&flow.integration_type.as_str()) {
        return Err(Error::invalid(
            "IntegrationType",
            format!("must be one of {}", INTEGRATION_TYPES.join(", ")),
        ));
    }
    if !crate::ids::is_sid(Prefix::ConversationService, &flow.chat_service_sid) {
        return Err(Error::invalid(
            "ChatServiceSid",
            "is not a Service SID (IS…)",
        ));
    }
    let integ = |k: &str| {
        flow.integration
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    match flow.integration_type.as_str() {
        "studio" if !crate::ids::is_sid(Prefix::Flow, integ("flow_sid")) => {
            return Err(Error::invalid(
                "Integration.FlowSid",
                "is required for a studio integration (FW…)",
            ))
        }
        "external" => {
            let url = integ("url");
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(Error::invalid(
                    "Integration.Url",
                    "is required for an external integration (http or https)",
                ));
            }
        }
        _ => {}
    }
    if flow.enabled {
        if flow.contact_identity.is_empty() {
            return Err(Error::invalid(
                "ContactIdentity",
                "is required for an enabled handler",
            ));
        }
        if let Some(other) = db::find_enabled(conn, flow.channel_type, &flow.contact_identity)? {
            if other.sid != flow.sid {
                return Err(Error::Conflict(format!(
                    "Flex Flow {} already handles {} messages to {}; disable it first",
                    other.sid, flow.channel_type, flow.contact_identity
                )));
            }
        }
    }
    Ok(())
}

/// The default Conversations service, created (at `now`) on first use.
pub fn default_service_sid(conn: &Connection, now: i64) -> Result<String> {
    if let Some((sid, _, _)) = db::default_service(conn)? {
        return Ok(sid);
    }
    let sid = new_sid(Prefix::ConversationService);
    db::insert_service(conn, &sid, "Flex Chat Service", now)?;
    Ok(sid)
}

/// Seeds the default handlers (idempotent: each is created only if no Flex Flow has its name).
/// `integration` picks each one's integration: `(type, object)`.
pub fn seed(
    app: &Core,
    integration: impl Fn(&Connection, MessagingChannel) -> Result<(String, Value)> + Send + Sync,
) -> Result<()> {
    app.store.write(|tx| {
        let service = default_service_sid(tx, app.now_ms())?;
        for (name, channel, identity) in [
            (
                "Flex Messaging Channel Flow",
                MessagingChannel::Sms,
                ANY_NUMBER,
            ),
            (
                "Flex Web Channel Flow",
                MessagingChannel::Web,
                WEBCHAT_IDENTITY,
            ),
        ] {
            if db::find_by_name(tx, name)?.is_some() {
                continue;
            }
            let (integration_type, integration) = integration(tx, channel)?;
            let now = app.now_ms();
            let flow = FlexFlow {
                sid: new_sid(Prefix::FlexFlow),
                friendly_name: name.into(),
                chat_service_sid: service.clone(),
                channel_type: channel,
                contact_identity: identity.into(),
                enabled: db::find_enabled(tx, channel, identity)?.is_none(),
                integration_type,
                integration,
                long_lived: false,
                janitor_enabled: true,
                created_at: now,
                updated_at: now,
            };
            db::save(tx, &flow)?;
        }
        Ok(())
    })
}
