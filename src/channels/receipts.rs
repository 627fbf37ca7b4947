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
