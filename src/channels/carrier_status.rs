//! The carrier's status callbacks for what the outbox sent (`POST /webhooks/messaging/status`):
//! an Api 2010 message's go to `api_messages`, a conversation message's update its receipt
//! (`receipts`) and its delivery summary.
//!
//! The carrier may report a status before its answer to the send is recorded (it answers and
//! reports at once; our write of the answer is a few milliseconds behind). So the
//! `StatusCallback` we give it names our request (`?Ref=` the outbox SID, `outbox::attempt`): a
//! report whose carrier SID we don't know yet teaches it to that request first (`learn`), and
//! the answer recorded later agrees (it only fills a missing SID; statuses only move forward).

use super::Result;
use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::states::OutboxKind;
use crate::store::channels::messages as msg_db;
use crate::store::channels::outbox as db;
use serde_json::json;

/// The carrier's status callback for a message we sent (`MessageSid` is the carrier's SID):
/// `delivered`, `undelivered`, `failed` (or `read`) update the conversation message's delivery.
/// `reference`: our request's SID from the callback URL. Unknown SIDs are ignored.
pub fn status_callback(
    app: &Core,
    provider_sid: &str,
    status: &str,
    error_code: Option<i64>,
    reference: Option<&str>,
) -> Result<()> {
    let api = app.store.write(|tx| {
        learn(tx, provider_sid, reference)?;
        match db::find_by_provider_sid(tx, provider_sid)? {
            Some(o) => super::api_messages::on_carrier_status(tx, app, &o, status, error_code),
            None => Ok(false),
        }
    })?;
    if api {
        return Ok(());
    }
    if let Some(receipt) = super::receipts::status(status) {
        app.store.write(|tx| {
            if let Some(o) = db::find_by_provider_sid(tx, provider_sid)? {
                if let Some(m) = &o.message_sid {
                    super::receipts::record_in(tx, &o.sid, m, receipt, error_code, app.now_ms())?;
                }
            }
            Ok::<_, super::Error>(())
        })?;
    }
    let field = match status {
        "delivered" => "delivered",
        "read" => "read",
        "undelivered" => "undelivered",
        "failed" => "failed",
        _ => return Ok(()),
    };
    app.store.write(|tx| {
        let Some(o) = db::find_by_provider_sid(tx, provider_sid)? else {
            return Ok(());
        };
        let Some(sid) = &o.message_sid else {
            return Ok(());
        };
        if let Some(m) = msg_db::find_by_sid(tx, sid)? {
            let mut d = m.delivery.unwrap_or_else(|| json!({"total": 1}));
            d[field] = json!("all");
            if field == "delivered" || field == "read" {
                d["sent"] = json!("all");
            }
            msg_db::set_delivery(tx, sid, &d, app.now_ms())?;
            app.record(
                tx,
                &NewEvent::new(EventType::MessageDeliveryUpdated, "message", sid)
                    .describe(format!("message {status}"))
                    .data(
                        json!({"ConversationSid": m.conversation_sid, "MessageSid": sid,
                                 "Status": status, "ProviderSid": provider_sid}),
                    ),
            )?;
        }
        Ok(())
    })
}

/// A report for carrier SID `provider_sid` that names our request `reference`: when no request
/// has that carrier SID yet, the named carrier request (and its API call) learns it.
pub fn learn(tx: &rusqlite::Connection, provider_sid: &str, reference: Option<&str>) -> Result<()> {
    let Some(reference) = reference else {
        return Ok(());
    };
    if db::find_by_provider_sid(tx, provider_sid)?.is_some() {
        return Ok(());
    }
    let Some(o) = db::find(tx, reference)? else {
        return Ok(());
    };
    if !matches!(o.kind, OutboxKind::Carrier | OutboxKind::CarrierCall)
        || !db::learn_provider_sid(tx, &o.sid, provider_sid)?
    {
        return Ok(());
    }
    if let (OutboxKind::CarrierCall, Some(call)) = (o.kind, o.message_sid.as_deref()) {
        crate::store::channels::api_calls::learn_provider_sid(tx, call, provider_sid)?;
    }
    Ok(())
}
