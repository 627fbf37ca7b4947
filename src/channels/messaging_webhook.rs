//! The carrier's inbound messaging webhook (`POST /webhooks/messaging`): Twilio's parameters
//! (`From`, `To`, `Body`, `MessageSid`, `NumMedia`, `MediaUrlN`) → the inbound path of
//! `sessions`. `whatsapp:`-prefixed addresses are WhatsApp, the rest SMS. The HTTP layer checks
//! the signature first; this module only sees messages that passed.

use super::sessions::{self, Inbound, Received};
use super::Result;
use crate::core::Core;
use crate::store::channels::sessions::MessagingChannel;

/// The TwiML answer: nothing to say now (replies go out through the carrier API).
pub const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

#[derive(Debug, Clone, Default)]
pub struct CarrierMessage {
    pub from: String,
    pub to: String,
    pub body: Option<String>,
    pub message_sid: Option<String>,
    pub media_urls: Vec<String>,
    /// The sender's name where the carrier knows it (WhatsApp `ProfileName`).
    pub profile_name: Option<String>,
}

pub fn channel_type(address: &str) -> MessagingChannel {
    if address.starts_with("whatsapp:") {
        MessagingChannel::Whatsapp
    } else {
        MessagingChannel::Sms
    }
}

pub fn handle(app: &Core, m: CarrierMessage) -> Result<Received> {
    // An address configuration (Flex Conversations) takes the message before the Flex Flows.
    if let Some(r) = super::address_configs::receive(
        app,
        &super::address_configs::Incoming {
            channel_type: channel_type(&m.from),
            from: &m.from,
            to: &m.to,
            body: m.body.as_deref(),
            media_urls: &m.media_urls,
            external_sid: m.message_sid.as_deref().filter(|s| !s.is_empty()),
        },
    )? {
        return Ok(r);
    }
    sessions::receive(
        app,
        Inbound {
            channel_type: channel_type(&m.from),
            contact: m.from,
            contact_identity: m.to,
            body: m.body,
            media_urls: m.media_urls,
            external_sid: m.message_sid.filter(|s| !s.is_empty()),
            name: m.profile_name,
            attributes: None,
            conversation_sid: None,
        },
    )
}
