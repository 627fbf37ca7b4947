//! Delivery receipts (`…/Messages/{IM}/Receipts`): one per carrier send of a message, its status
//! following the carrier's status callbacks (`POST /webhooks/messaging/status`). A receipt's SID
//! is `DY` + the 32 digits of the outbox row that sent it, so it needs no row of its own until
//! the carrier reports.
//! https://www.twilio.com/docs/conversations/api/receipt-resource

use super::Result;
pub use crate::store::channels::receipts::Receipt;
use rusqlite::Connection;

/// Twilio's receipt status for a carrier `MessageStatus` (the others, such as `queued` or
/// `sending`, leave the receipt as it is).
pub fn status(carrier_status: &str) -> Option<&'static str> {
    Some(match carrier_status {
        "sent" => "sent",
        "delivered" => "delivered",
        "read" => "read",
        "undelivered" => "undelivered",
        "failed" => "failed",
        _ => return None,
    })
}

pub fn record_in(
    tx: &Connection,
    outbound_sid: &str,
    message_sid: &str,
    status: &str,
    error_code: Option<i64>,
    now: i64,
) -> Result<()> {
    Ok(crate::store::channels::receipts::record(
        tx,
        outbound_sid,
        message_sid,
        status,
        error_code,
        now,
    )?)
}

/// `DY…` of the receipt for outbox row `OB…`.
pub fn sid_of(outbound_sid: &str) -> String {
    format!("DY{}", outbound_sid.get(2..).unwrap_or(""))
}

/// The outbox row behind receipt `DY…`, if `sid` is a receipt SID.
pub fn outbound_of(sid: &str) -> Option<String> {
    crate::ids::is_sid(crate::ids::Prefix::Receipt, sid).then(|| format!("OB{}", &sid[2..]))
}

/// Where a conversation message stands with the carrier, for the agent desktop.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// `sending`, `sent`, `delivered`, `read` or `failed` (undelivered counts as failed).
    pub status: &'static str,
    /// The carrier's error code of a failed send, when it gave one.
    pub error_code: Option<i64>,
    /// Why it failed, in words (`refusals`).
    pub error: Option<String>,
}

/// The delivery of message `m` of conversation `conv`: `None` when it went to no carrier.
pub fn delivery_of(
    conn: &Connection,
    conv: &str,
    m: &crate::store::channels::messages::Message,
) -> Result<Option<Delivery>> {
    let Some(d) = &m.delivery else {
        return Ok(None);
    };
    let has = |k: &str| d.get(k).is_some_and(|v| v != "none" && !v.is_null());
    let status = if has("failed") || has("undelivered") {
        "failed"
    } else if has("read") {
        "read"
    } else if has("delivered") {
        "delivered"
    } else if has("sent") {
        "sent"
    } else {
        "sending"
    };
    if status != "failed" {
        return Ok(Some(Delivery {
            status,
            error_code: None,
            error: None,
        }));
    }
    let window = crate::store::Window {
        offset: 0,
        limit: 50,
    };
    let code = crate::store::channels::receipts::list(conn, conv, &m.sid, window)?
        .items
        .into_iter()
        .rev()
        .find_map(|r| r.error_code.filter(|c| *c != 0));
    Ok(Some(Delivery {
        status,
        error_code: code,
        error: Some(code.map_or_else(
            || "The carrier could not deliver the message.".to_string(),
            super::refusals::words,
        )),
    }))
}
