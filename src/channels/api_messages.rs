//! Api 2010 Messages (issue 18 item 6): what a Flex function or back-office script texts a
//! customer with, `POST /2010-04-01/Accounts/{AC}/Messages.json`. A message is stored `queued`
//! with an outbox row (`outbox::queue_carrier`) in one write; the outbox sends it to the
//! configured carrier, whose answer moves it to `sent` (or `failed`) and whose status callbacks
//! (`/webhooks/messaging/status`, by the carrier's SID) move it on to `delivered`,
//! `undelivered` or `failed`. With no carrier configured the simulated carrier
//! (`simulated_carrier`) answers the outbox at once and reports `delivered`, through the same
//! transitions. Each state the message reaches is posted to the caller's `StatusCallback`
//! through the outbox's guarded client (`OutboxKind::Callback`, in order per message).
//! https://www.twilio.com/docs/messaging/api/message-resource

use super::{outbox, Error, Result};
use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::ids::{new_sid, Prefix};
use crate::store::channels::api_messages::{self as db, ApiMessage, Filter};
use crate::store::channels::outbox::{self as outbox_db, Outbound};
use crate::store::{Page, Window};
use rusqlite::Connection;
use serde_json::json;

pub use db::MessageStatus;

/// Twilio's longest body: 1,600 characters (error 21617).
const MAX_BODY: usize = 1600;

impl MessageStatus {
    /// How far along the carrier's path a state is; a message only moves forward.
    fn rank(self) -> u8 {
        use MessageStatus::*;
        match self {
            Scheduled | Accepted => 0,
            Queued => 1,
            Sending => 2,
            Sent => 3,
            Delivered | Undelivered | Failed | PartiallyDelivered => 4,
            Read => 5,
            Receiving | Received | Canceled => 6,
        }
    }

    /// The state after the carrier reports `to`; `None` when the report is stale (it arrives
    /// after a later one) or the message is already final (canceled, failed, undelivered).
    pub fn transition(self, to: MessageStatus) -> Option<MessageStatus> {
        use MessageStatus::*;
        let open = !matches!(self, Canceled | Failed | Undelivered | Received | Read);
        let forward = to.rank() > self.rank() || (self == Undelivered && to == Delivered);
        (open && forward && !matches!(to, Receiving | Received)).then_some(to)
    }

    /// Not yet with the carrier: cancelable, and not to be deleted.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            MessageStatus::Scheduled
                | MessageStatus::Accepted
                | MessageStatus::Queued
                | MessageStatus::Sending
        )
    }
}

/// A create's parameters, as the API caller gave them.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    pub to: Option<String>,
    pub from: Option<String>,
    pub messaging_service_sid: Option<String>,
    pub body: Option<String>,
    pub media_urls: Vec<String>,
    pub status_callback: Option<String>,
}

fn coded(code: u32, message: impl Into<String>) -> Error {
    Error::Coded(400, code, message.into())
}

/// `+` and 2 to 15 digits, the first not 0 (E.164), optionally behind `whatsapp:`.
fn channel_and_number(address: &str) -> Option<(&str, &str)> {
    let (channel, number) = match address.split_once(':') {
        Some((c, n)) if c.eq_ignore_ascii_case("whatsapp") => ("whatsapp", n),
        Some(_) => return None,
        None => ("sms", address),
    };
    let digits = number.strip_prefix('+')?;
    let ok = (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then_some((channel, number))
}

/// An SMS sender that is no phone number: a short code (3–8 digits) or an alphanumeric sender
/// ID (up to 11 letters, digits and spaces, at least one letter).
fn is_short_sender(from: &str) -> bool {
    let short_code = (3..=8).contains(&from.len()) && from.bytes().all(|b| b.is_ascii_digit());
    let alpha = (1..=11).contains(&from.len())
        && from.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ')
        && from.bytes().any(|b| b.is_ascii_alphabetic());
    short_code || alpha
}

pub fn is_http_url(u: &str) -> bool {
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace))
}

/// Checks a create as Twilio does, with its error codes: 21604 / 21211 (`To`), 21603 / 21212 /
/// 21606 (`From`), 21602 / 21617 (`Body`), 21620 (`MediaUrl`), 21609 (`StatusCallback`).
fn validate(m: &NewMessage) -> Result<()> {
    let to = m.to.as_deref().filter(|t| !t.trim().is_empty());
    let to = to.ok_or_else(|| coded(21604, "A 'To' phone number is required."))?;
    let (to_channel, _) = channel_and_number(to).ok_or_else(|| {
        coded(
            21211,
            format!("The 'To' number {to} is not a valid phone number."),
        )
    })?;
    match m.from.as_deref().filter(|f| !f.trim().is_empty()) {
        None if m.messaging_service_sid.is_none() => {
            return Err(coded(21603, "A 'From' phone number is required."));
        }
        None => {}
        Some(from) => match channel_and_number(from) {
            Some((c, _)) if c != to_channel => {
                return Err(coded(
                    21606,
                    format!("The From phone number {from} is not a valid, {to_channel}-capable inbound phone number or short code for your account."),
                ));
            }
            Some(_) => {}
            None if is_short_sender(from) && to_channel == "sms" => {}
            None if is_short_sender(from) => {
                return Err(coded(
                    21606,
                    format!("The From phone number {from} is not a valid, {to_channel}-capable inbound phone number or short code for your account."),
                ));
            }
            None => return Err(coded(21212, format!("The 'From' number {from} is not a valid phone number, shortcode, or alphanumeric sender ID."))),
        },
    }
    if let Some(ms) = &m.messaging_service_sid {
        let ok = ms.len() == 34
            && ms.starts_with("MG")
            && ms[2..].bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            return Err(coded(
                21701,
                format!("The Messaging Service Sid {ms} is invalid."),
            ));
        }
    }
    let body = m.body.as_deref().unwrap_or("");
    if body.is_empty() && m.media_urls.is_empty() {
        return Err(coded(21602, "Message body is required."));
    }
    if body.chars().count() > MAX_BODY {
        return Err(coded(
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        ));
    }
    if m.media_urls.len() > 10 || m.media_urls.iter().any(|u| !is_http_url(u)) {
        return Err(coded(21620, "Invalid media URL(s)."));
    }
    if let Some(cb) = &m.status_callback {
        if !is_http_url(cb) {
            return Err(coded(
                21609,
                format!("The StatusCallback URL {cb} is not a valid URL."),
            ));
        }
    }
    Ok(())
}

/// Stores a message `queued` with the outbox row that carries it to the carrier, in one write.
pub fn create(app: &Core, new: NewMessage) -> Result<ApiMessage> {
    validate(&new)?;
    let now = app.now_ms();
    let m = ApiMessage {
        sid: new_sid(Prefix::SmsMessage),
        from: new.from.clone().unwrap_or_default(),
        to: new.to.clone().unwrap_or_default(),
        body: new.body.clone().unwrap_or_default(),
        media_urls: new.media_urls.clone(),
        messaging_service_sid: new.messaging_service_sid.clone(),
        status: MessageStatus::Queued,
        error_code: None,
        error_message: None,
        status_callback: new.status_callback.clone(),
        outbound_sid: None,
        created_at: now,
        updated_at: now,
        sent_at: None,
    };
    app.store.write(|tx| -> Result<ApiMessage> {
        let mut params = json!({"To": m.to, "Body": m.body});
        if !m.from.is_empty() {
            params["From"] = json!(m.from);
        }
        if let Some(ms) = &m.messaging_service_sid {
            params["MessagingServiceSid"] = json!(ms);
        }
        if !m.media_urls.is_empty() {
            params["MediaUrl"] = json!(m.media_urls);
        }
        let ob = outbox::queue_carrier(tx, app, params, None, Some(&m.sid))?;
        let m = ApiMessage {
            outbound_sid: Some(ob),
            ..m.clone()
        };
        db::insert(tx, &m)?;
        record(tx, app, &m, MessageStatus::Queued)?;
        Ok(m)
    })
}

pub fn fetch(app: &Core, sid: &str) -> Result<ApiMessage> {
    app.store
        .read(|c| db::find(c, sid))?
        .ok_or_else(|| Error::not_found(format!("Message {sid}")))
}

pub fn list(app: &Core, filter: &Filter, window: Window) -> Result<Page<ApiMessage>> {
    Ok(app.store.read(|c| db::list(c, filter, window))?)
}

/// `Body=""` redacts the text; `Status=canceled` stops a message the carrier has not taken yet
/// (30409 once it has).
pub fn update(app: &Core, sid: &str, redact: bool, cancel: bool) -> Result<ApiMessage> {
    app.store.write(|tx| -> Result<()> {
        let m = db::find(tx, sid)?.ok_or_else(|| Error::not_found(format!("Message {sid}")))?;
        let now = app.now_ms();
        if cancel {
            let taken = !m.status.is_pending()
                || !m
                    .outbound_sid
                    .as_deref()
                    .map(|ob| outbox_db::cancel_queued(tx, ob, "canceled by the API", now))
                    .transpose()?
                    .unwrap_or(false);
            if taken {
                return Err(Error::Coded(
                    400,
                    30409,
                    format!("Message {sid} cannot be canceled: it is {}.", m.status),
                ));
            }
            db::set_status(tx, sid, MessageStatus::Canceled, None, None, now)?;
            record(tx, app, &m, MessageStatus::Canceled)?;
        }
        if redact {
            db::redact(tx, sid, now)?;
        }
        Ok(())
    })?;
    fetch(app, sid)
}

/// Deletes a message the carrier has taken (Twilio refuses to delete one still on its way).
pub fn delete(app: &Core, sid: &str) -> Result<()> {
    app.store.write(|tx| -> Result<()> {
        let m = db::find(tx, sid)?.ok_or_else(|| Error::not_found(format!("Message {sid}")))?;
        if m.status.is_pending() {
            return Err(Error::Coded(
                409,
                20009,
                format!(
                    "Cannot delete message {sid}: it is {} and not yet with the carrier.",
                    m.status
                ),
            ));
        }
        db::delete(tx, sid)?;
        Ok(())
    })
}

/// The outbox's answer for a message's row, in its transaction: taken by the carrier (`sent`;
/// the simulated carrier also reports `delivered` at once), or refused for good (`failed`).
pub fn on_outbox(tx: &Connection, app: &Core, o: &Outbound, failed: Option<&str>) -> Result<()> {
    let Some(m) = o.message_sid.as_deref().filter(|s| s.starts_with("SM")) else {
        return Ok(());
    };
    match failed {
        None => {
            advance(tx, app, m, MessageStatus::Sent, None)?;
            if super::simulated_carrier::is_simulated(app) {
                advance(tx, app, m, MessageStatus::Delivered, None)?;
            }
        }
        Some(why) => advance(tx, app, m, MessageStatus::Failed, Some((30008, why)))?,
    }
    Ok(())
}

/// A carrier status callback for the message behind the outbox row `o`; false when `o` carries
/// no API message (a conversation's message, handled by the caller).
pub fn on_carrier_status(
    tx: &Connection,
    app: &Core,
    o: &Outbound,
    status: &str,
    error_code: Option<i64>,
) -> Result<bool> {
    let Some(m) = o.message_sid.as_deref().filter(|s| s.starts_with("SM")) else {
        return Ok(false);
    };
    if let Ok(to) = status.parse::<MessageStatus>() {
        let error = error_code.map(|c| (c, "reported by the carrier"));
        advance(tx, app, m, to, error)?;
    }
    Ok(true)
}

/// Moves message `sid` to `to` when that is forward, with its event and status callback.
fn advance(
    tx: &Connection,
    app: &Core,
    sid: &str,
    to: MessageStatus,
    error: Option<(i64, &str)>,
) -> Result<()> {
    let Some(m) = db::find(tx, sid)? else {
        return Ok(());
    };
    let Some(next) = m.status.transition(to) else {
        return Ok(());
    };
    let now = app.now_ms();
    let sent_at = (next.rank() >= MessageStatus::Sent.rank()).then_some(now);
    let error =
        error.filter(|_| matches!(next, MessageStatus::Failed | MessageStatus::Undelivered));
    db::set_status(tx, sid, next, error, sent_at, now)?;
    let m = ApiMessage {
        error_code: error.map(|e| e.0).or(m.error_code),
        ..m
    };
    record(tx, app, &m, next)
}

/// The event of a message reaching `status`, and the caller's status callback for it.
fn record(tx: &Connection, app: &Core, m: &ApiMessage, status: MessageStatus) -> Result<()> {
    app.record(
        tx,
        &NewEvent::new(EventType::ApiMessageStatus, "message", &m.sid)
            .describe(format!("message to {} {status}", m.to))
            .data(json!({"MessageSid": m.sid, "Status": status, "To": m.to, "From": m.from})),
    )?;
    let Some(url) = &m.status_callback else {
        return Ok(());
    };
    let mut params = json!({
        "MessageSid": m.sid, "SmsSid": m.sid, "MessageStatus": status, "SmsStatus": status,
        "AccountSid": app.account_sid, "From": m.from, "To": m.to, "ApiVersion": "2010-04-01",
    });
    if let Some(code) = m.error_code {
        params["ErrorCode"] = json!(code.to_string());
    }
    outbox::queue_callback(tx, app, url, params, &m.sid)?;
    Ok(())
}
